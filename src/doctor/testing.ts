/**
 * Test support: live snapshots built the way the server builds them — pods admitted through
 * the webhook's mutation, IAM documents as IAM stores them — so the checks' tests read like
 * the scenarios they cover. Not used by the product.
 */
import type { KubeObject } from '../cluster/manifests.js';
import type { AdmissionRecord } from '../cluster/types.js';
import { AWS_MANAGED_POLICIES } from '../iam/aws-managed/catalog.js';
import { applyJsonPatch } from '../webhook/json-patch.js';
import { mutatePod } from '../webhook/mutate.js';
import { defaultWebhookOptions } from '../webhook/options.js';
import type { Pod, ServiceAccount } from '../webhook/types.js';
import type { DoctorSnapshot, PodView, RoleView } from './types.js';

export const ACCOUNT = '123456789012';
export const ISSUER = 'https://127.0.0.1:4578/id/6C0BFA0A9C4BEF1426E0C829AC61B1AA';
export const HOSTPATH = ISSUER.slice('https://'.length);
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOSTPATH}`;
export const THUMBPRINT = 'e857bb2c5c93c14f129dcecdadb739a5127a370a';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/s3-app-role`;

export function trustPolicy(
  opts: {
    sub?: string | null;
    aud?: string | null;
    provider?: string;
    action?: string;
    extra?: object[];
  } = {},
): string {
  const cond: Record<string, string> = {};
  if (opts.sub !== null)
    cond[`${HOSTPATH}:sub`] = opts.sub ?? 'system:serviceaccount:production:s3-app';
  if (opts.aud !== null) cond[`${HOSTPATH}:aud`] = opts.aud ?? 'sts.amazonaws.com';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: opts.provider ?? PROVIDER_ARN },
        Action: opts.action ?? 'sts:AssumeRoleWithWebIdentity',
        ...(Object.keys(cond).length > 0 ? { Condition: { StringEquals: cond } } : {}),
      },
      ...(opts.extra ?? []),
    ],
  });
}

export function serviceAccount(
  annotations: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE_ARN },
  name = 's3-app',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: 'production', annotations },
  };
}

/** A pod admitted through the webhook with `sa` as it was at admission time. */
export function admittedPod(
  name: string,
  sa: KubeObject | undefined,
  opts: {
    serviceAccountName?: string;
    deployment?: string;
    at?: string;
    /** the env the pod's own manifest gives its container, before the webhook's */
    env?: { name: string; value: string }[];
  } = {},
): PodView {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'production', uid: `uid-${name}` },
    spec: {
      serviceAccountName: opts.serviceAccountName ?? 's3-app',
      containers: [{ name: 'app', image: 'my-app:latest', ...(opts.env ? { env: opts.env } : {}) }],
    },
  };
  const r = mutatePod(
    { pod, namespace: 'production', serviceAccount: sa as ServiceAccount | undefined },
    { ...defaultWebhookOptions(), awsDefaultRegion: 'us-east-1' },
  );
  const object = (r.patch.length > 0 ? applyJsonPatch(pod, r.patch) : pod) as KubeObject;
  const admission: AdmissionRecord = {
    cluster: 'demo',
    namespace: 'production',
    pod: name,
    podUid: `uid-${name}`,
    at: opts.at ?? '2025-03-04T10:00:00Z',
    serviceAccount: opts.serviceAccountName ?? 's3-app',
    roleArn: sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn'],
    mode: r.mode,
    warnings: r.warnings,
  };
  return { object, admission, deployment: opts.deployment };
}

export function role(over: Partial<RoleView> = {}): RoleView {
  const ro = AWS_MANAGED_POLICIES.get('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess');
  return {
    arn: ROLE_ARN,
    name: 's3-app-role',
    account: ACCOUNT,
    trustPolicy: trustPolicy(),
    maxSessionDuration: 3600,
    inline: [],
    attached: [{ name: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', document: ro?.document }],
    source: 'iam',
    ...over,
  };
}

/** A healthy live snapshot of production/s3-app; `over` replaces parts of it. */
export function liveSnapshot(over: Partial<DoctorSnapshot> = {}): DoctorSnapshot {
  const sa = serviceAccount();
  return {
    mode: 'live',
    now: '2025-03-04T12:00:00.000Z',
    target: { cluster: 'demo', namespace: 'production', serviceAccount: 's3-app' },
    issuer: { url: ISSUER, thumbprint: THUMBPRINT, source: 'cluster demo' },
    region: 'us-east-1',
    serviceAccount: sa,
    serviceAccountNames: ['default', 's3-app'],
    pods: [admittedPod('s3-reader', sa)],
    iam: {
      providers: [
        {
          arn: PROVIDER_ARN,
          url: HOSTPATH,
          clientIds: ['sts.amazonaws.com'],
          thumbprints: [THUMBPRINT],
          source: 'iam',
        },
      ],
      role: role(),
      roleNames: ['s3-app-role'],
    },
    ...over,
  };
}
