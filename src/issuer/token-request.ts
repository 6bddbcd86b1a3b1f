/**
 * The TokenRequest API (`POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`) as
 * kube-apiserver answers it (spec/kubernetes.md §1.2–§1.5). Mirrors
 * `pkg/registry/core/serviceaccount/storage/token.go` (order of checks, binding, clamping,
 * the 3607-second extension), `pkg/apis/authentication/validation/validation.go` (the
 * lifetime bounds) and `pkg/serviceaccount/claims.go` (the claims).
 *
 * Checks, in kube-apiserver's order:
 * 1. `metadata.name` / `metadata.namespace` in the body must match the URL (422 Invalid);
 * 2. the service account must exist (404 NotFound);
 * 3. defaults: audiences → the API audiences, `expirationSeconds` → 3600;
 * 4. validation: 600 ≤ `expirationSeconds` ≤ 2^32 (422 Invalid);
 * 5. the bound object: a core Pod, Secret or Node (else 400), existing (404), a pod running as
 *    this service account (400), with the UID given, if any (409 Conflict);
 * 6. a cluster maximum shortens the lifetime, with a warning;
 * 7. a pod-bound 3607-second token for API-server audiences only is extended to a year
 *    (`warnafter` keeps the short lifetime); `status.expirationTimestamp` never is.
 *
 * `planTokenRequest` is the pure core (clock and UUID passed in); `issueToken` adds the
 * signature through the key ring. Errors are `metav1.Status` values, never thrown.
 */
import { isoEpochSeconds } from '../common/times.js';
import { randomUUID as nodeRandomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import {
  badRequest,
  conflict,
  internalError,
  invalid,
  IssuerError,
  notFound,
  type Status,
} from './errors.js';
import { goJson } from './go-json.js';
import type { KeyRing } from './key-ring.js';
import { DECODE_PREFIX } from './token-request-body.js';
import type {
  IssuerCluster,
  KubernetesClaim,
  ObjectClaim,
  PodObject,
  SecretObject,
  ServiceAccountClaims,
  TokenRequestInput,
  TokenRequestResponse,
} from './types.js';

/** `expirationSeconds` when the request has none. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** The shortest lifetime a TokenRequest may ask for (10 minutes). */
export const MIN_EXPIRATION_SECONDS = 600;
/** The longest lifetime a TokenRequest may ask for (2^32 s). */
export const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** The lifetime of kube-api-access tokens, recognisable on purpose (60·60 + 7). */
export const WARN_ONLY_EXPIRATION_SECONDS = 3607;
/** The lifetime an extended kube-api-access token really gets (one year). */
export const EXTENDED_EXPIRATION_SECONDS = 24 * 365 * 3600;

/** Everything about the token except its signature. */
export interface TokenPlan {
  claims: ServiceAccountClaims;
  /** `exp − iat`: the JWT's real lifetime (a year for extended tokens) */
  lifetimeSeconds: number;
  /** the lifetime reported to the client, after the clamp, before any extension */
  expirationSeconds: number;
  /** `status.expirationTimestamp`: now + `expirationSeconds`, RFC 3339 */
  expirationTimestamp: string;
  /** the response `Warning` texts */
  warnings: string[];
  /** the response with an empty `status.token` */
  response: TokenRequestResponse;
}

export type TokenPlanResult = { ok: true; plan: TokenPlan } | { ok: false; status: Status };

const TOKEN_REQUEST_GROUP = 'authentication.k8s.io';

/** RFC 3339 with whole seconds, as `metav1.Time` marshals (the same form as AWS's). */
const rfc3339 = isoEpochSeconds;

/** `schema.ParseGroupVersion` as `FromAPIVersionAndKind` uses it (a bad value: empty). */
function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] as string, version: parts[1] as string };
  return { group: '', version: '' };
}

function objectClaim(name: string | undefined, uid: string | undefined): ObjectClaim {
  const c: ObjectClaim = {};
  if (name) c.name = name;
  if (uid) c.uid = uid;
  return c;
}

/**
 * The lifetime rules of §1.4–§1.5 alone: the clamp to the cluster maximum (with its warning)
 * and the 3607-second extension.
 *
 * @example
 * tokenLifetime({ name: 'dev', issuer: 'https://i', maxTokenExpirationSeconds: 3600 }, 86400, ['sts.amazonaws.com'], false)
 * // → { expirationSeconds: 3600, lifetimeSeconds: 3600, warnAfterSeconds: undefined,
 * //     warnings: ['requested expiration of 86400 seconds shortened to 3600 seconds'] }
 */
export function tokenLifetime(
  cluster: IssuerCluster,
  requestedSeconds: number,
  audiences: readonly string[],
  podBound: boolean,
): {
  expirationSeconds: number;
  lifetimeSeconds: number;
  warnAfterSeconds: number | undefined;
  warnings: string[];
} {
  const warnings: string[] = [];
  let expirationSeconds = requestedSeconds;
  const max = cluster.maxTokenExpirationSeconds ?? 0;
  if (max > 0 && expirationSeconds > max) {
    warnings.push(
      `requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`,
    );
    expirationSeconds = max;
  }
  const apiAudiences = new Set(cluster.apiAudiences ?? [cluster.issuer]);
  const extend =
    (cluster.extendTokenExpiration ?? true) &&
    podBound &&
    expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS &&
    audiences.every((a) => apiAudiences.has(a));
  return {
    expirationSeconds,
    lifetimeSeconds: extend ? EXTENDED_EXPIRATION_SECONDS : expirationSeconds,
    warnAfterSeconds: extend ? expirationSeconds : undefined,
    warnings,
  };
}

/**
 * Checks `--service-account-max-token-expiration` as kube-apiserver does at startup: 0
 * (unset) or between one hour and 2^32 seconds. Returns the error text, or `undefined`.
 *
 * @example
 * checkMaxTokenExpiration(600) // → 'the service-account-max-token-expiration must be between 1 hour and 2^32 seconds'
 */
export function checkMaxTokenExpiration(seconds: number): string | undefined {
  if (seconds === 0) return undefined;
  return Number.isInteger(seconds) && seconds >= 3600 && seconds <= MAX_EXPIRATION_SECONDS
    ? undefined
    : 'the service-account-max-token-expiration must be between 1 hour and 2^32 seconds';
}

/**
 * Validates a TokenRequest and computes its claims, as kube-apiserver would, without
 * signing. Pure: `now` and the token's `jti` come in.
 *
 * @example
 * const r = planTokenRequest(
 *   { cluster, namespace: 'default', name: 'app', serviceAccount: sa,
 *     request: { spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400 } } },
 *   { now: new Date('2024-06-06T10:55:55Z'), jti: 'e51f1fbc-4733-4b85-a59f-ba80c0523874' },
 * );
 * r.ok && r.plan.claims.sub // → 'system:serviceaccount:default:app'
 */
export function planTokenRequest(
  input: TokenRequestInput,
  env: { now: Date; jti: string },
): TokenPlanResult {
  const fail = (status: Status): TokenPlanResult => ({ ok: false, status });
  const { cluster, namespace, name, request } = input;
  const meta = request.metadata ?? {};

  // 1. the body's name and namespace must match the URL
  if (meta.name && meta.name !== name)
    return fail(
      invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', name, [
        {
          field: 'metadata.name',
          value: meta.name,
          detail: 'must match the service account name if specified',
        },
      ]),
    );
  if (meta.namespace && meta.namespace !== namespace)
    return fail(
      invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', name, [
        {
          field: 'metadata.namespace',
          value: meta.namespace,
          detail: 'must match the service account namespace if specified',
        },
      ]),
    );

  // 2. the service account
  const sa = input.serviceAccount;
  if (!sa || sa.name !== name || sa.namespace !== namespace)
    return fail(notFound('', 'serviceaccounts', name));

  // 3. defaults
  const spec = request.spec ?? {};
  const audiences =
    spec.audiences && spec.audiences.length > 0
      ? [...spec.audiences]
      : [...(cluster.apiAudiences ?? [cluster.issuer])];
  const requested = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested))
    return fail(
      badRequest(
        `${DECODE_PREFIX}spec.expirationSeconds must be an integer, not ${JSON.stringify(requested)}`,
      ),
    );

  // 4. validation (ValidateTokenRequest)
  if (requested < MIN_EXPIRATION_SECONDS)
    return fail(
      invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', '', [
        {
          field: 'spec.expirationSeconds',
          value: requested,
          detail: 'may not specify a duration less than 10 minutes',
        },
      ]),
    );
  if (requested > MAX_EXPIRATION_SECONDS)
    return fail(
      invalid(TOKEN_REQUEST_GROUP, 'TokenRequest', '', [
        {
          field: 'spec.expirationSeconds',
          value: requested,
          detail: 'may not specify a duration larger than 2^32 seconds',
        },
      ]),
    );

  // 5. the bound object
  let pod: PodObject | undefined;
  let secret: SecretObject | undefined;
  let node: ObjectClaim | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    const kind = ref.kind ?? '';
    const gv = parseGroupVersion(ref.apiVersion ?? '');
    const refName = ref.name ?? '';
    let uid: string;
    const core = gv.group === '';
    if (core && (kind === 'Pod' || kind === 'Secret' || kind === 'Node') && refName === '')
      return fail(badRequest('Name parameter required.'));
    if (core && kind === 'Pod') {
      const p = input.bound?.pod;
      if (!p || p.name !== refName || p.namespace !== namespace)
        return fail(notFound('', 'pods', refName));
      if (name !== p.serviceAccountName)
        return fail(
          badRequest(
            `cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`,
          ),
        );
      pod = p;
      uid = p.uid;
      if (p.nodeName) {
        const n = input.bound?.node;
        node = n && n.name === p.nodeName ? objectClaim(n.name, n.uid) : { name: p.nodeName };
      }
    } else if (core && kind === 'Node') {
      const n = input.bound?.node;
      if (!n || n.name !== refName) return fail(notFound('', 'nodes', refName));
      node = objectClaim(n.name, n.uid);
      uid = n.uid;
    } else if (core && kind === 'Secret') {
      const s = input.bound?.secret;
      if (!s || s.name !== refName || s.namespace !== namespace)
        return fail(notFound('', 'secrets', refName));
      secret = s;
      uid = s.uid;
    } else {
      return fail(
        badRequest(`cannot bind token to object of type ${gv.group}/${gv.version}, Kind=${kind}`),
      );
    }
    if (ref.uid && ref.uid !== uid)
      return fail(
        conflict(
          gv.group,
          kind,
          refName,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        ),
      );
  }

  // 6–7. clamp and extension
  const life = tokenLifetime(cluster, requested, audiences, pod !== undefined);

  // the claims (claims.go), keys sorted as Go's map marshalling writes them
  const iat = Math.floor(env.now.getTime() / 1000);
  const k8s: KubernetesClaim = {};
  if (sa.namespace) k8s.namespace = sa.namespace;
  if (node) k8s.node = node;
  if (pod) k8s.pod = objectClaim(pod.name, pod.uid);
  if (secret) k8s.secret = objectClaim(secret.name, secret.uid);
  k8s.serviceaccount = objectClaim(sa.name, sa.uid);
  if (life.warnAfterSeconds !== undefined) k8s.warnafter = iat + life.warnAfterSeconds;
  const claims: ServiceAccountClaims = {
    aud: audiences,
    exp: iat + life.lifetimeSeconds,
    iat,
    iss: cluster.issuer,
    jti: env.jti,
    'kubernetes.io': k8s,
    nbf: iat,
    sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
  };
  const expirationTimestamp = rfc3339(iat + life.expirationSeconds);
  const responseSpec: TokenRequestResponse['spec'] = {
    audiences,
    expirationSeconds: life.expirationSeconds,
  };
  if (ref) responseSpec.boundObjectRef = { ...ref };
  return {
    ok: true,
    plan: {
      claims,
      lifetimeSeconds: life.lifetimeSeconds,
      expirationSeconds: life.expirationSeconds,
      expirationTimestamp,
      warnings: life.warnings,
      response: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: sa.name, namespace: sa.namespace, creationTimestamp: rfc3339(iat) },
        spec: responseSpec,
        status: { token: '', expirationTimestamp },
      },
    },
  };
}

/**
 * The JWT payload bytes: the claims as Go's `encoding/json` writes them.
 *
 * @example
 * new TextDecoder().decode(claimsBytes(plan.claims)) // → '{"aud":["sts.amazonaws.com"],"exp":…}'
 */
export function claimsBytes(claims: ServiceAccountClaims): Uint8Array {
  return new TextEncoder().encode(goJson(claims));
}

export interface IssueTokenInput extends TokenRequestInput {
  clock: Clock;
  keyRing: KeyRing;
  /** the `jti` source; node's `randomUUID` by default */
  randomUUID?: () => string;
}

/** An issued token, or the Status kube-apiserver would have answered. */
export type TokenRequestResult =
  | {
      ok: true;
      /** the compact JWS; never log it (cite `kid` and `claims.jti`) */
      token: string;
      expirationTimestamp: string;
      warnings: string[];
      /** the decoded claims, for the audit trail */
      claims: ServiceAccountClaims;
      kid: string;
      /** the full TokenRequest response, `status.token` filled */
      response: TokenRequestResponse;
    }
  | { ok: false; status: Status };

/**
 * Handles a TokenRequest: validates, computes the claims, signs with the cluster's current
 * key (header exactly `{alg, kid}`).
 *
 * @example
 * const r = await issueToken({ cluster, namespace: 'default', name: 'app', serviceAccount: sa,
 *   request: { spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400 } },
 *   clock: systemClock, keyRing });
 * if (r.ok) writeTokenFile(r.token); else respond(r.status.code, r.status);
 */
export async function issueToken(input: IssueTokenInput): Promise<TokenRequestResult> {
  const planned = planTokenRequest(input, {
    now: input.clock(),
    jti: (input.randomUUID ?? nodeRandomUUID)(),
  });
  if (!planned.ok) return planned;
  const { plan } = planned;
  let signed;
  try {
    signed = await input.keyRing.sign(input.cluster.name, claimsBytes(plan.claims), {
      lifetimeSeconds: plan.lifetimeSeconds,
    });
  } catch (e) {
    if (e instanceof IssuerError && e.code === 'NoSigningKey')
      return { ok: false, status: internalError(`failed to generate token: ${e.message}`) };
    throw e;
  }
  return {
    ok: true,
    token: signed.token,
    expirationTimestamp: plan.expirationTimestamp,
    warnings: plan.warnings,
    claims: plan.claims,
    kid: signed.kid,
    response: { ...plan.response, status: { ...plan.response.status, token: signed.token } },
  };
}
