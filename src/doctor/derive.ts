/**
 * What every check needs, derived once from a snapshot: the ServiceAccount's IRSA settings
 * (read as the webhook reads them), the role ARN and its account, the issuer, the token's
 * `sub` and `aud`, the provider ARN, the matching provider and the trust analysis. Pure.
 */
import type { KubeObject } from '../cluster/manifests.js';
import { providerKeyPrefix } from '../policy/web-identity.js';
import { type ServiceAccountSettings, serviceAccountSettings } from '../webhook/mutate.js';
import {
  DEFAULT_ANNOTATION_PREFIX,
  DEFAULT_TOKEN_AUDIENCE,
  IRSA_VOLUME_NAME,
  defaultWebhookOptions,
} from '../webhook/options.js';
import type { ServiceAccount } from '../webhook/types.js';
import { type TrustAnalysis, analyzeTrust } from './trust.js';
import type { DoctorSnapshot, PodView, ProviderView } from './types.js';

/** the annotation naming a ServiceAccount's role (the webhook's default prefix) */
export const ROLE_ARN_ANNOTATION = `${DEFAULT_ANNOTATION_PREFIX}/role-arn`;

export interface ParsedRoleArn {
  partition: string;
  account: string;
  /** `/` or `/a/b/` */
  path: string;
  name: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role(\/(?:[^/]+\/)*)?([\w+=,.@-]{1,64})$/;

/**
 * Splits a role ARN; undefined when it is not one.
 *
 * @example
 * parseRoleArnParts('arn:aws:iam::123456789012:role/team/s3-app-role')
 * // → { partition: 'aws', account: '123456789012', path: '/team/', name: 's3-app-role' }
 */
export function parseRoleArnParts(arn: string): ParsedRoleArn | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  return {
    partition: m[1] as string,
    account: m[2] as string,
    path: m[3] ?? '/',
    name: m[4] as string,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ContainerView {
  name: string;
  env: Map<string, string | undefined>;
  mounts: { name: string; mountPath: string }[];
}

/** The containers of a pod (or pod template), with their literal env and mounts. */
export function containersOf(pod: KubeObject): ContainerView[] {
  const list = (pod.spec?.containers as unknown[] | undefined) ?? [];
  return list.filter(isObj).map((c) => {
    const env = new Map<string, string | undefined>();
    for (const e of (c.env as unknown[] | undefined) ?? []) {
      if (isObj(e) && typeof e.name === 'string')
        env.set(e.name, typeof e.value === 'string' ? e.value : undefined);
    }
    const mounts = ((c.volumeMounts as unknown[] | undefined) ?? [])
      .filter(isObj)
      .map((m) => ({ name: String(m.name ?? ''), mountPath: String(m.mountPath ?? '') }));
    return { name: String(c.name ?? ''), env, mounts };
  });
}

/** The `serviceAccountToken` source of a projected volume, by volume name. */
export function tokenVolume(
  pod: KubeObject,
  volumeName: string,
): { audience?: string; expirationSeconds?: number; path: string } | undefined {
  const volumes = (pod.spec?.volumes as unknown[] | undefined) ?? [];
  for (const v of volumes) {
    if (!isObj(v) || v.name !== volumeName || !isObj(v.projected)) continue;
    for (const src of (v.projected.sources as unknown[] | undefined) ?? []) {
      if (!isObj(src) || !isObj(src.serviceAccountToken)) continue;
      const t = src.serviceAccountToken;
      return {
        audience: typeof t.audience === 'string' ? t.audience : undefined,
        expirationSeconds:
          typeof t.expirationSeconds === 'number' ? t.expirationSeconds : undefined,
        path: typeof t.path === 'string' ? t.path : 'token',
      };
    }
  }
  return undefined;
}

/**
 * How to get a pod admitted afresh: a Deployment restarts, a bare pod is re-created. (Doctor's
 * fix, and `irsa exec`'s for a pod admitted before its ServiceAccount's annotation.)
 *
 * @example
 * recreateFix({ object: pod }, 'production')
 * // → 're-create the pod: irsa delete pod s3-reader -n production, then irsa apply -f <its manifest>'
 */
export function recreateFix(p: Pick<PodView, 'object' | 'deployment'>, ns: string): string {
  if (p.deployment) return `irsa rollout restart deployment/${p.deployment} -n ${ns}`;
  const name = p.object.metadata?.name ?? '?';
  return `re-create the pod: irsa delete pod ${name} -n ${ns}, then irsa apply -f <its manifest>`;
}

/** The ServiceAccount a pod runs as (the admission plugin's default: `default`). */
export function podServiceAccount(pod: KubeObject): string {
  const spec = pod.spec ?? {};
  const a = spec.serviceAccountName;
  const b = spec.serviceAccount;
  return (typeof a === 'string' && a) || (typeof b === 'string' && b) || 'default';
}

export interface Derived {
  s: DoctorSnapshot;
  ns: string;
  saName?: string | undefined;
  /** the ServiceAccount's IRSA settings, when it exists */
  settings?: ServiceAccountSettings | undefined;
  /** the webhook's warnings on the ServiceAccount's annotations */
  annotationWarnings: string[];
  roleArn?: string | undefined;
  /** where the role ARN came from */
  roleArnSource?: 'annotation' | 'pod' | 'association' | undefined;
  role?: ParsedRoleArn | undefined;
  issuer?: string | undefined;
  issuerSource?: string | undefined;
  audience: string;
  sub?: string | undefined;
  providerArn?: string | undefined;
  /** null: the providers are known and none is the issuer's; undefined: not known */
  provider?: ProviderView | null | undefined;
  trust?: TrustAnalysis | undefined;
}

/**
 * The role a ServiceAccount's pods get: its role-arn annotation as the webhook reads it, else
 * the first `AWS_ROLE_ARN` a container of its pods sets (a pod admitted with an older
 * annotation, or one that names its role itself). Undefined when neither says.
 *
 * @example
 * roleArnOf(sa, pods) // → { arn: 'arn:aws:iam::123456789012:role/s3-app-role', source: 'annotation' }
 */
export function roleArnOf(
  sa: KubeObject | null | undefined,
  pods: readonly Pick<PodView, 'object'>[],
): { arn: string; source: 'annotation' | 'pod' } | undefined {
  const annotated = sa
    ? serviceAccountSettings(
        { ...(sa as ServiceAccount), metadata: { ...sa.metadata, name: sa.metadata?.name ?? '' } },
        defaultWebhookOptions(),
      ).roleArn
    : '';
  if (annotated) return { arn: annotated, source: 'annotation' };
  for (const p of pods)
    for (const c of containersOf(p.object)) {
      const v = c.env.get('AWS_ROLE_ARN');
      if (v) return { arn: v, source: 'pod' };
    }
  return undefined;
}

/** The ServiceAccounts that name a role, with it (as the webhook reads the annotation). */
export function annotatedServiceAccounts(
  serviceAccounts: readonly KubeObject[],
): { name: string; roleArn: string }[] {
  return serviceAccounts.flatMap((o) => {
    const found = roleArnOf(o, []);
    return found ? [{ name: o.metadata?.name ?? '', roleArn: found.arn }] : [];
  });
}

/** The issuer, when the snapshot has none: the one provider, else the trust policy's one. */
function guessIssuer(s: DoctorSnapshot): { url: string; source: string } | undefined {
  const providers = s.iam.providers ?? [];
  if (providers.length === 1) {
    const p = providers[0] as ProviderView;
    return { url: `https://${p.url}`, source: p.source ?? 'the OIDC provider' };
  }
  const trust = s.iam.role?.trustPolicy;
  if (!trust) return undefined;
  try {
    const doc = JSON.parse(trust) as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const found = new Set<string>();
    for (const st of statements) {
      if (!isObj(st) || !isObj(st.Principal)) continue;
      const f = st.Principal.Federated;
      for (const v of Array.isArray(f) ? f : [f]) {
        const m = typeof v === 'string' ? /:oidc-provider\/(.+)$/.exec(v) : null;
        if (m) found.add(m[1] as string);
      }
    }
    if (found.size === 1)
      return { url: `https://${[...found][0]}`, source: 'the trust policy’s Federated principal' };
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Derives what the checks share.
 *
 * @example
 * const d = derive(snapshot);
 * d.sub; // 'system:serviceaccount:production:s3-app'
 */
export function derive(s: DoctorSnapshot): Derived {
  const ns = s.target.namespace;
  const firstPod = s.pods[0];
  const saName =
    s.target.serviceAccount ?? (firstPod ? podServiceAccount(firstPod.object) : undefined);
  const annotationWarnings: string[] = [];
  const sa = s.serviceAccount;
  const settings = sa
    ? serviceAccountSettings(
        {
          ...(sa as ServiceAccount),
          metadata: { ...sa.metadata, name: sa.metadata?.name ?? saName ?? '', namespace: ns },
        },
        defaultWebhookOptions(),
        annotationWarnings,
      )
    : undefined;
  // an EKS Pod Identity association wins over the annotation: its pods run as its role
  const found = s.podIdentity
    ? { arn: s.podIdentity.roleArn, source: 'association' as const }
    : roleArnOf(sa, s.pods);
  const roleArn = found?.arn;
  const roleArnSource: Derived['roleArnSource'] = found?.source;
  const role = roleArn ? parseRoleArnParts(roleArn) : undefined;
  const issuerInfo = s.issuer ?? guessIssuer(s);
  const issuer = issuerInfo?.url;
  let audience = settings?.audience || DEFAULT_TOKEN_AUDIENCE;
  for (const p of s.pods) {
    const v = tokenVolume(p.object, IRSA_VOLUME_NAME);
    if (v?.audience) {
      audience = v.audience;
      break;
    }
  }
  const sub = saName ? `system:serviceaccount:${ns}:${saName}` : undefined;
  const providerArn =
    role && issuer
      ? `arn:${role.partition}:iam::${role.account}:oidc-provider/${providerKeyPrefix(issuer)}`
      : undefined;
  let provider: ProviderView | null | undefined;
  if (issuer && s.iam.providers) {
    const want = providerKeyPrefix(issuer);
    provider =
      s.iam.providers.find((p) => p.url === want) ??
      s.iam.providers.find((p) => p.url.toLowerCase() === want.toLowerCase()) ??
      null;
  }
  const r = s.iam.role;
  const trust =
    !s.podIdentity && r && r.trustPolicy !== undefined && providerArn && issuer && sub && role
      ? analyzeTrust({
          policy: r.trustPolicy,
          roleArn: r.arn,
          account: r.account,
          providerArn,
          issuer,
          sub,
          audience,
        })
      : undefined;
  return {
    s,
    ns,
    saName,
    settings,
    annotationWarnings,
    roleArn,
    roleArnSource,
    role,
    issuer,
    issuerSource: issuerInfo?.source,
    audience,
    sub,
    providerArn,
    provider,
    trust,
  };
}
