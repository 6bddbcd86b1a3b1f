/**
 * What the STS operations are built from, and the one place they ask the policy engine: the
 * decision comes from `authorize` (the engine's `evaluateRequest` by default; the edge may
 * wrap it to add SCPs/RCPs or to record), and a refusal carries the engine's explanation —
 * which hop, which statement, which condition key, expected versus actual — in the error's
 * `detail`, never on the wire.
 */
import type { AwsError } from '../common/aws-error.js';
import type { Clock } from '../common/clock.js';
import type { IamDirectory, RoleRecord } from '../iam/directory.js';
import {
  type AuthorizationRequest,
  type CompiledPolicy,
  type Decision,
  evaluateRequest,
  explainRequest,
  type PolicySets,
} from '../policy/index.js';
import type { CredentialSealer } from './credentials.js';
import type { OidcKeySource } from './oidc-keys.js';
import { PolicyCache } from './policy-cache.js';
import type { RandomSource } from './types.js';

export type Authorizer = (
  request: AuthorizationRequest,
  sets: PolicySets,
) => Decision | Promise<Decision>;

export interface StsDeps {
  directory: IamDirectory;
  sealer: CredentialSealer;
  keys: OidcKeySource;
  clock: Clock;
  random?: RandomSource | undefined;
  authorize?: Authorizer | undefined;
  /** clock-skew leeway for a future `nbf`/`iat`; 300 s */
  leewaySeconds?: number | undefined;
  /** compiled trust and session policies; one per `createStsOperations` by default */
  policies?: PolicyCache | undefined;
}

/** The explanation attached to a refusal (`AwsError.detail`). */
export interface DenialDetail {
  check: 'trust' | 'role' | 'source-identity';
  action: string;
  resource: string;
  principal: string;
  decision?: Decision['decision'] | undefined;
  /** one line: which set had no Allow, the nearest statement and why it did not apply */
  summary: string;
  explanation?: ReturnType<typeof explainRequest> | undefined;
  context?: Record<string, string | string[]> | undefined;
}

/**
 * Decides `request`; on anything but an allow, throws `deny(detail)`.
 *
 * @example
 * await authorizeOrThrow(deps, request, { resource: [trust], resourceIsTrust: true },
 *   (d) => accessDenied(STS_MSG.webIdentityDenied, d));
 */
export async function authorizeOrThrow(
  deps: Pick<StsDeps, 'authorize'>,
  request: AuthorizationRequest,
  sets: PolicySets,
  deny: (detail: DenialDetail) => AwsError,
): Promise<Decision> {
  const d = await (deps.authorize ?? evaluateRequest)(request, sets);
  if (d.decision === 'allowed') return d;
  const explanation = explainRequest(request, sets);
  throw deny({
    check: 'trust',
    action: request.action,
    resource: request.resource,
    principal: request.principal.id,
    decision: d.decision,
    summary: explanation.summary,
    explanation,
    context: request.context.toJSON(),
  });
}

/**
 * compiled trust policies per cache, by (frozen, shared) role record from the directory's
 * snapshot: a record skips the text lookup, and each cache keeps what it compiled itself
 */
const trustByRecord = new WeakMap<PolicyCache, WeakMap<RoleRecord, CompiledPolicy | undefined>>();

/** The role's trust policy, compiled; undefined when IAM holds one that cannot be read. */
export function trustPolicyOf(role: RoleRecord, cache: PolicyCache): CompiledPolicy | undefined {
  const frozen = Object.isFrozen(role);
  let byRecord = trustByRecord.get(cache);
  if (frozen && byRecord?.has(role)) return byRecord.get(role);
  const r = cache.load(role.assumeRolePolicyDocument, 'trust', `${role.arn} trust policy`);
  const policy = r.ok ? r.policy : undefined;
  if (frozen) {
    if (!byRecord) trustByRecord.set(cache, (byRecord = new WeakMap()));
    byRecord.set(role, policy);
  }
  return policy;
}

/** `{ Key, Value }` tags as `aws:RequestTag/*`, `aws:TagKeys`, `sts:TransitiveTagKeys`. */
export function tagRequestKeys(
  tags: readonly { Key: string; Value: string }[],
  transitive: readonly string[],
): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  if (tags.length === 0) return keys;
  for (const t of tags) keys[`aws:RequestTag/${t.Key}`] = t.Value;
  keys['aws:TagKeys'] = tags.map((t) => t.Key);
  if (transitive.length > 0) keys['sts:TransitiveTagKeys'] = [...transitive];
  return keys;
}

export function defaultPolicyCache(deps: StsDeps): PolicyCache {
  return deps.policies ?? new PolicyCache();
}
