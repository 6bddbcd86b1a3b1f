/**
 * The core of EKS Auth `AssumeRoleForPodIdentity` (spec/aws-wire.md §4, spec/iam-policy.md
 * §12.3): the pod's projected token (audience `pods.eks.amazonaws.com`, issued by the
 * cluster's own issuer) is verified against the cluster's keys, its service account picks the
 * pod identity association, and the association's role is assumed on behalf of the service
 * principal `pods.eks.amazonaws.com`: the trust policy must allow `sts:AssumeRole` and, with
 * the session tags attached, `sts:TagSession`. The six tags — `eks-cluster-arn`,
 * `eks-cluster-name`, `kubernetes-namespace`, `kubernetes-service-account`,
 * `kubernetes-pod-name`, `kubernetes-pod-uid` — are transitive (they carry over when the
 * session chains, as seen in the field), unless the association disables them.
 *
 * The REST-JSON route and the association store live elsewhere; this function takes the
 * cluster, the token and the association (or a lookup by namespace and service account) and
 * returns the §4 response body, or throws `AwsError` with the EKS Auth codes.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../common/aws-error.js';
import { uuidV4 } from '../common/uuid.js';
import { isoSeconds } from '../common/times.js';
import {
  type AuthorizationRequest,
  createContext,
  type RequestPrincipal,
} from '../policy/index.js';
import {
  authorizeOrThrow,
  type DenialDetail,
  defaultPolicyCache,
  type StsDeps,
  tagRequestKeys,
  trustPolicyOf,
} from './deps.js';
import { audiencesOf, decodeToken, integerClaim, verifySignature } from './jwt.js';
import { isWebIdentityAlg } from './oidc-keys.js';
import { parseRoleArn } from './params.js';
import { assumedRoleArn, assumedRoleId, roleSession } from './session-context.js';
import type { SessionTag } from './types.js';

export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';
export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
/** how long pod identity credentials last [inferred] */
export const POD_IDENTITY_DURATION_SECONDS = 6 * 3600;

export const POD_IDENTITY_MSG = {
  /** [inferred] */
  invalidToken: 'The provided token is invalid',
  /** [inferred] */
  expiredToken: 'The provided token has expired',
  /** [inferred] */
  noAssociation: (ns: string, sa: string) =>
    `No Pod Identity Association found for service account ${sa} in namespace ${ns}`,
  /** [inferred] */
  accessDenied: (role: string) =>
    `EKS Pod Identity is not authorized to perform: sts:AssumeRole on resource: ${role}`,
  /** [inferred] */
  internal: 'The cluster keys could not be retrieved',
} as const;

export interface PodIdentityCluster {
  name: string;
  /** `arn:aws:eks:<region>:<account>:cluster/<name>` */
  arn: string;
  /** the tokens' `iss` */
  issuer: string;
  /** thumbprints to accept the issuer's private CA through (irsakit's local CA) */
  thumbprints?: readonly string[] | undefined;
}

export interface PodIdentityAssociation {
  associationArn: string;
  associationId: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  disableSessionTags?: boolean | undefined;
}

export type AssociationLookup = (
  namespace: string,
  serviceAccount: string,
) => PodIdentityAssociation | undefined | Promise<PodIdentityAssociation | undefined>;

export interface PodIdentityRequest {
  cluster: PodIdentityCluster;
  /** the pod's projected token; never logged */
  token: string;
  association: PodIdentityAssociation | AssociationLookup;
}

/** The §4 response body; `expiration` in epoch seconds. */
export interface PodIdentityResponse {
  subject: { namespace: string; serviceAccount: string };
  audience: string;
  podIdentityAssociation: { associationArn: string; associationId: string };
  assumedRoleUser: { arn: string; assumeRoleId: string };
  credentials: {
    sessionToken: string;
    secretAccessKey: string;
    accessKeyId: string;
    expiration: number;
  };
}

function invalidToken(detail: unknown): AwsError {
  return new AwsError('InvalidTokenException', 400, POD_IDENTITY_MSG.invalidToken, { detail });
}

interface PodClaims {
  namespace: string;
  serviceAccount: string;
  podName: string;
  podUid: string;
  jti?: string | undefined;
  kid?: string | undefined;
}

async function verifyPodToken(
  deps: Pick<StsDeps, 'keys' | 'clock' | 'leewaySeconds'>,
  cluster: PodIdentityCluster,
  token: string,
): Promise<PodClaims> {
  const d = decodeToken(token);
  if ('error' in d) throw invalidToken({ check: 'parse', reason: d.error });
  const { header, claims } = d;
  if (claims.iss !== cluster.issuer)
    throw invalidToken({ check: 'issuer', expected: cluster.issuer, actual: claims.iss ?? null });
  if (!audiencesOf(claims.aud)?.includes(POD_IDENTITY_AUDIENCE))
    throw invalidToken({
      check: 'audience',
      expected: POD_IDENTITY_AUDIENCE,
      actual: claims.aud ?? null,
    });
  const alg = header.alg;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (!isWebIdentityAlg(alg) || header.crit !== undefined || header.b64 === false)
    throw invalidToken({ check: 'signature', alg: typeof alg === 'string' ? alg : null });
  let keys;
  try {
    keys = await deps.keys.keysFor(cluster.issuer, { alg, kid }, cluster.thumbprints ?? []);
  } catch (e) {
    if (e instanceof AwsError && e.code === 'IDPCommunicationError')
      throw new AwsError('InternalServerException', 500, POD_IDENTITY_MSG.internal, {
        detail: e.detail,
      });
    if (e instanceof AwsError)
      throw invalidToken({ check: 'signature', reason: e.message, keys: e.detail });
    throw e;
  }
  const sig = await verifySignature(token, keys, alg);
  if (!sig.ok) throw invalidToken({ check: 'signature', alg, kid, reasons: sig.reasons });
  const now = Math.floor(deps.clock().getTime() / 1000);
  const exp = integerClaim(claims, 'exp');
  if (typeof exp !== 'number')
    throw invalidToken({ check: 'claims', reason: '`exp` is not an integer' });
  if (now >= exp)
    throw new AwsError('ExpiredTokenException', 400, POD_IDENTITY_MSG.expiredToken, {
      detail: { check: 'expiry', now, exp, jti: claims.jti, kid },
    });
  const leeway = deps.leewaySeconds ?? 300;
  for (const name of ['nbf', 'iat']) {
    const t = integerClaim(claims, name);
    if (t === null || (t !== undefined && t > now + leeway))
      throw invalidToken({ check: name, now, value: claims[name] });
  }
  const m =
    typeof claims.sub === 'string'
      ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub)
      : null;
  const k8s = claims['kubernetes.io'] as
    { namespace?: unknown; pod?: { name?: unknown; uid?: unknown } } | undefined;
  const pod = k8s?.pod;
  if (!m || typeof pod?.name !== 'string' || typeof pod.uid !== 'string')
    throw invalidToken({
      check: 'claims',
      reason: 'not a pod-bound service-account token (`sub`, `kubernetes.io.pod`)',
    });
  return {
    namespace: m[1] as string,
    serviceAccount: m[2] as string,
    podName: pod.name,
    podUid: pod.uid,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    kid,
  };
}

/**
 * EKS's session name: `eks-<cluster>-<pod>-<random UUID>` (EKS Auth's model: the assumed role
 * id's session part), within 64 characters of `[\w+=,.@-]` — the cluster and pod part cut to
 * leave the UUID whole [inferred: where AWS cuts a long name is not published].
 */
function sessionNameFor(cluster: string, pod: string, random: Uint8Array): string {
  const clean = (s: string) => s.replace(/[^\w+=,.@-]/g, '-');
  const suffix = uuidV4(() => random);
  const head = `eks-${clean(cluster)}-${clean(pod)}`.slice(0, 64 - suffix.length - 1);
  return `${head}-${suffix}`;
}

/**
 * The six session tags EKS attaches to a Pod Identity session (unless the association
 * disables them), all transitive.
 *
 * @example
 * podIdentitySessionTags({ arn, name: 'demo' }, { namespace: 'production', serviceAccount: 's3-app', podName: 'p', podUid: 'u' })
 * // → [{ Key: 'eks-cluster-arn', Value: arn }, …]
 */
export function podIdentitySessionTags(
  cluster: { arn: string; name: string },
  pod: { namespace: string; serviceAccount: string; podName: string; podUid: string },
): SessionTag[] {
  return [
    { Key: 'eks-cluster-arn', Value: cluster.arn },
    { Key: 'eks-cluster-name', Value: cluster.name },
    { Key: 'kubernetes-namespace', Value: pod.namespace },
    { Key: 'kubernetes-service-account', Value: pod.serviceAccount },
    { Key: 'kubernetes-pod-name', Value: pod.podName },
    { Key: 'kubernetes-pod-uid', Value: pod.podUid },
  ];
}

/**
 * The request context of EKS Auth's AssumeRole and TagSession on a role's trust policy: the
 * service principal, the cluster as aws:SourceArn (its account as aws:SourceAccount), the
 * session tags as request tags — what `irsa doctor` evaluates too.
 */
export function podIdentityTrustContext(
  clusterArn: string,
  at: Date,
  tags: readonly SessionTag[],
  sessionName?: string,
): Record<string, string | string[]> {
  const clusterAccount = /^arn:[^:]+:eks:[^:]*:(\d{12}):/.exec(clusterArn)?.[1];
  return {
    'aws:CurrentTime': isoSeconds(at),
    'aws:EpochTime': String(Math.floor(at.getTime() / 1000)),
    'aws:SourceArn': clusterArn,
    ...(clusterAccount ? { 'aws:SourceAccount': clusterAccount } : {}),
    'aws:PrincipalServiceName': POD_IDENTITY_SERVICE,
    'aws:PrincipalIsAWSService': 'true',
    ...(sessionName !== undefined ? { 'sts:RoleSessionName': sessionName } : {}),
    ...tagRequestKeys(
      tags,
      tags.map((t) => t.Key),
    ),
  };
}

/**
 * Assumes the association's role for a pod.
 *
 * @example
 * const body = await assumeRoleForPodIdentity(
 *   { cluster: { name: 'demo', arn, issuer, thumbprints: [ca.thumbprint] }, token, association },
 *   { directory, sealer, keys, clock: systemClock },
 * );
 * body.credentials.accessKeyId // → 'ASIA…'
 */
export async function assumeRoleForPodIdentity(
  request: PodIdentityRequest,
  deps: StsDeps & { durationSeconds?: number },
): Promise<PodIdentityResponse> {
  const { cluster, token } = request;
  const claims = await verifyPodToken(deps, cluster, token);
  const association =
    typeof request.association === 'function'
      ? await request.association(claims.namespace, claims.serviceAccount)
      : request.association;
  if (
    !association ||
    association.namespace !== claims.namespace ||
    association.serviceAccount !== claims.serviceAccount
  )
    throw new AwsError(
      'ResourceNotFoundException',
      404,
      POD_IDENTITY_MSG.noAssociation(claims.namespace, claims.serviceAccount),
      {
        detail: {
          cluster: cluster.name,
          namespace: claims.namespace,
          serviceAccount: claims.serviceAccount,
        },
      },
    );

  const roleArn = association.roleArn;
  const principal: RequestPrincipal = {
    type: 'Service',
    id: POD_IDENTITY_SERVICE,
    partition: 'aws',
  };
  const deny = (detail: Partial<DenialDetail> & { summary: string }) =>
    // 400, as the EKS Auth service model declares AccessDeniedException
    new AwsError('AccessDeniedException', 400, POD_IDENTITY_MSG.accessDenied(roleArn), {
      detail: {
        check: 'trust',
        action: 'sts:AssumeRole',
        resource: roleArn,
        principal: principal.id,
        ...detail,
      },
    });
  let role;
  try {
    role = parseRoleArn(roleArn);
  } catch {
    throw deny({ check: 'role', summary: `\`${roleArn}\` is not a role ARN` });
  }
  const record = await deps.directory.getRole(role.account, role.name);
  if (!record || record.arn !== roleArn)
    throw deny({ check: 'role', summary: `role ${roleArn} does not exist` });
  const cache = defaultPolicyCache(deps);
  const trust = trustPolicyOf(record, cache);
  if (!trust) throw deny({ summary: `the trust policy of ${record.arn} cannot be read` });

  const tags: SessionTag[] = association.disableSessionTags
    ? []
    : podIdentitySessionTags(cluster, claims);
  const transitive = tags.map((t) => t.Key);
  const random = deps.random ?? randomBytes;
  const sessionName = sessionNameFor(cluster.name, claims.podName, random(16));
  const context = createContext(
    podIdentityTrustContext(cluster.arn, deps.clock(), tags, sessionName),
  );
  const sets = { resource: [trust], resourceIsTrust: true };
  const ask = (action: string): AuthorizationRequest => ({
    principal,
    action,
    resource: record.arn,
    resourceAccount: record.account,
    context,
  });
  await authorizeOrThrow(deps, ask('sts:AssumeRole'), sets, (d) => deny(d));
  if (tags.length > 0)
    await authorizeOrThrow(deps, ask('sts:TagSession'), sets, (d) =>
      deny({ ...d, action: 'sts:TagSession' }),
    );

  const now = Math.floor(deps.clock().getTime() / 1000);
  const session = roleSession({
    role: record,
    partition: role.partition,
    sessionName,
    now,
    seconds: deps.durationSeconds ?? POD_IDENTITY_DURATION_SECONDS,
    via: 'AssumeRoleForPodIdentity',
    tags,
    transitiveTagKeys: transitive,
  });
  const creds = deps.sealer.issue(session);
  return {
    subject: { namespace: claims.namespace, serviceAccount: claims.serviceAccount },
    audience: POD_IDENTITY_AUDIENCE,
    podIdentityAssociation: {
      associationArn: association.associationArn,
      associationId: association.associationId,
    },
    assumedRoleUser: { arn: assumedRoleArn(session), assumeRoleId: assumedRoleId(session) },
    credentials: {
      sessionToken: creds.SessionToken,
      secretAccessKey: creds.SecretAccessKey,
      accessKeyId: creds.AccessKeyId,
      expiration: session.expiresAt,
    },
  };
}
