/**
 * AWS's policy evaluation logic (spec/iam-policy.md §11, §12): explicit deny anywhere wins;
 * RCPs and SCPs must allow at every level; then either the identity side (identity Allow ∧
 * boundary ∧ session policy) or the resource policy decides, with the same-account rules
 * that depend on how the resource policy named the caller, and with trust policies that
 * must always name the caller themselves. Pure: the request carries everything.
 */
import { matchArnPattern, type Segments, splitSegments } from './arn.js';
import { type CompiledPolicy, type CompiledStatement, candidates } from './compile-policy.js';
import { conditionHolds } from './conditions.js';
import type { RequestContext } from './context.js';
import { matchGlob } from './glob.js';
import {
  notPrincipalApplies,
  type PrincipalIdentity,
  principalGrant,
  principalIdentities,
} from './principal.js';
import type {
  EvalDecision,
  GrantKind,
  MatchedStatement,
  PolicySetKind,
  RequestPrincipal,
} from './types.js';

export interface PolicySets {
  identity?: readonly CompiledPolicy[] | undefined;
  /** the permissions boundary (IAM allows one; several are one set) */
  boundary?: readonly CompiledPolicy[] | undefined;
  /** session policies: inline plus managed, one set */
  session?: readonly CompiledPolicy[] | undefined;
  resource?: readonly CompiledPolicy[] | undefined;
  /** the resource policy is a role trust policy (or KMS key policy): it must name the caller */
  resourceIsTrust?: boolean | undefined;
  /** SCPs of the principal's account path, root first; each level must allow */
  scps?: readonly (readonly CompiledPolicy[])[] | undefined;
  /** RCPs of the resource account's path, root first; they can only deny (RCPFullAWSAccess is implicit) */
  rcps?: readonly (readonly CompiledPolicy[])[] | undefined;
  /** the VPC endpoint policy, when the call came through one */
  vpce?: readonly CompiledPolicy[] | undefined;
}

export interface AuthorizationRequest {
  principal: RequestPrincipal;
  action: string;
  resource: string;
  /** defaults to the resource ARN's account, else the principal's */
  resourceAccount?: string | undefined;
  context: RequestContext;
}

export interface MissingAllow {
  set: PolicySetKind;
  level?: number | undefined;
}

export interface Decision {
  decision: EvalDecision;
  /** deciding statements: every matching Deny, or the Allows that granted */
  matched: MatchedStatement[];
  /** for an implicit deny: the required sets without a matching Allow, in evaluation order */
  missing: MissingAllow[];
  sameAccount: boolean;
  /** how the resource policy named the caller, when it did */
  grant?: GrantKind | undefined;
  /** which side decided an allow */
  via?: 'identity' | 'resource' | 'both' | undefined;
}

/** A request with everything derived once: folded action, split resource, caller chain. */
export interface PreparedRequest {
  readonly request: AuthorizationRequest;
  readonly action: string;
  readonly service: string;
  readonly resource: Segments;
  readonly chain: PrincipalIdentity[];
  readonly hasBoundary: boolean;
  readonly context: RequestContext;
}

const RESOURCE_SIDE: ReadonlySet<PolicySetKind> = new Set(['resource', 'rcp', 'vpce']);
const HAS_IDENTITY = new Set(['Account', 'User', 'Role', 'AssumedRole', 'FederatedUser']);

export function prepareRequest(request: AuthorizationRequest, sets: PolicySets): PreparedRequest {
  const action = request.action.toLowerCase();
  const colon = action.indexOf(':');
  return {
    request,
    action,
    service: colon < 0 ? action : action.slice(0, colon),
    resource: splitSegments(request.resource),
    chain: principalIdentities(request.principal),
    hasBoundary: (sets.boundary?.length ?? 0) > 0,
    context: request.context,
  };
}

/**
 * Whether a statement applies to the request, ignoring its effect. For resource-side
 * policies, returns how its Principal named the caller; 'direct' elsewhere; null if no match.
 */
export function statementApplies(st: CompiledStatement, p: PreparedRequest): GrantKind | null {
  const actions = st.actions;
  if (!actions) return null;
  let hit = false;
  for (let i = 0; i < actions.length; i++) {
    if (matchGlob(actions[i] as (typeof actions)[number], p.action)) {
      hit = true;
      break;
    }
  }
  if (hit === st.notAction) return null;
  const resources = st.resources;
  if (resources) {
    hit = false;
    for (let i = 0; i < resources.length; i++) {
      if (
        matchArnPattern(resources[i] as (typeof resources)[number], p.resource, p.context.variable)
      ) {
        hit = true;
        break;
      }
    }
    if (hit === st.notResource) return null;
  }
  let grant: GrantKind = 'direct';
  if (st.principal && RESOURCE_SIDE.has(st.policy.kind)) {
    if (st.notPrincipal) {
      if (!notPrincipalApplies(st.principal, p.chain, st.effect === 'Deny' && p.hasBoundary))
        return null;
    } else {
      const g = principalGrant(st.principal, p.chain);
      if (!g) return null;
      grant = g;
    }
  }
  const conds = st.conditions;
  for (let i = 0; i < conds.length; i++) {
    if (!conditionHolds(conds[i] as (typeof conds)[number], p.context)) return null;
  }
  return grant;
}

interface SetScan {
  allows: CompiledStatement[];
  grant: GrantKind | undefined;
}

interface DenyHit {
  st: CompiledStatement;
  level: number | undefined;
}

const RANK: Record<GrantKind, number> = { direct: 3, role: 2, account: 1 };
const NONE: SetScan = Object.freeze({
  allows: Object.freeze([]) as unknown as CompiledStatement[],
  grant: undefined,
});

/** Scans one set; matching Denies go to `denies`. Allocates only when something matches. */
function scan(
  policies: readonly CompiledPolicy[],
  p: PreparedRequest,
  denies: DenyHit[],
  level?: number,
): SetScan {
  let out: SetScan | undefined;
  for (let i = 0; i < policies.length; i++) {
    const list = candidates(policies[i] as CompiledPolicy, p.service);
    for (let j = 0; j < list.length; j++) {
      const st = list[j] as CompiledStatement;
      const g = statementApplies(st, p);
      if (g === null) continue;
      if (st.effect === 'Deny') {
        denies.push({ st, level });
        continue;
      }
      if (!out) out = { allows: [st], grant: g };
      else {
        out.allows.push(st);
        if (!out.grant || RANK[g] > RANK[out.grant]) out.grant = g;
      }
    }
  }
  return out ?? NONE;
}

function scanLevels(
  levels: readonly (readonly CompiledPolicy[])[],
  p: PreparedRequest,
  denies: DenyHit[],
): SetScan[] {
  const out: SetScan[] = [];
  for (let i = 0; i < levels.length; i++)
    out.push(scan(levels[i] as readonly CompiledPolicy[], p, denies, i));
  return out;
}

export function toMatched(st: CompiledStatement, level?: number): MatchedStatement {
  return {
    policyId: st.policy.id,
    policyType: st.policy.kind,
    level,
    index: st.index,
    sid: st.sid,
    effect: st.effect,
    span: st.source.span,
  };
}

function resourceAccountOf(p: PreparedRequest): string | undefined {
  const r = p.request;
  if (r.resourceAccount) return r.resourceAccount;
  const parts = p.resource.parts;
  if (parts.length === 6 && parts[0] === 'arn' && parts[4]) return parts[4];
  return r.principal.account;
}

function result(
  decision: EvalDecision,
  matched: MatchedStatement[],
  missing: MissingAllow[],
  sameAccount: boolean,
  grant: GrantKind | undefined,
  via: Decision['via'],
): Decision {
  return { decision, matched, missing, sameAccount, grant, via };
}

/**
 * Decides a request.
 *
 * @example
 * const d = evaluateRequest(
 *   { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::my-bucket/k', context: createContext() },
 *   { identity: [compiled] },
 * );
 * d.decision // → 'allowed' | 'explicitDeny' | 'implicitDeny'
 */
export function evaluateRequest(request: AuthorizationRequest, sets: PolicySets): Decision {
  return decide(prepareRequest(request, sets), sets);
}

export function decide(p: PreparedRequest, sets: PolicySets): Decision {
  const principal = p.request.principal;
  const identitySide = HAS_IDENTITY.has(principal.type);
  const isRoot = principal.type === 'Account';
  const resourceAccount = resourceAccountOf(p);
  const sameAccount =
    !principal.account || !resourceAccount || principal.account === resourceAccount;
  const denies: DenyHit[] = [];

  const useIdentity = identitySide && !isRoot;
  const identity = useIdentity && sets.identity ? scan(sets.identity, p, denies) : NONE;
  const boundary =
    useIdentity && p.hasBoundary && sets.boundary ? scan(sets.boundary, p, denies) : NONE;
  const hasSession = useIdentity && sets.session !== undefined && sets.session.length > 0;
  const session = hasSession && sets.session ? scan(sets.session, p, denies) : NONE;
  const resource = sets.resource ? scan(sets.resource, p, denies) : NONE;
  const scpLevels = identitySide && sets.scps ? scanLevels(sets.scps, p, denies) : undefined;
  const rcpLevels = sets.rcps ? scanLevels(sets.rcps, p, denies) : undefined;
  const vpce = sets.vpce && sets.vpce.length > 0 ? scan(sets.vpce, p, denies) : undefined;
  const grant = resource.grant;

  if (denies.length > 0) {
    const matched: MatchedStatement[] = [];
    for (const d of denies) matched.push(toMatched(d.st, d.level));
    return result('explicitDeny', matched, [], sameAccount, grant, undefined);
  }

  // "Roles may not be assumed by root accounts." (STS): no trust policy can let the root user in
  if (isRoot && sets.resourceIsTrust && p.action.startsWith('sts:assumerole')) {
    return result('implicitDeny', [], [{ set: 'identity' }], sameAccount, grant, undefined);
  }

  let missing: MissingAllow[] | undefined;
  const miss = (set: PolicySetKind, level?: number) => {
    missing ??= [];
    missing.push(level === undefined ? { set } : { set, level });
  };
  // RCPs never need an Allow: RCPFullAWSAccess is attached at every level and cannot be
  // detached, so they can only deny (Organizations user guide, RCP evaluation)
  if (scpLevels)
    for (let i = 0; i < scpLevels.length; i++)
      if ((scpLevels[i] as SetScan).allows.length === 0) miss('scp', i);
  if (vpce && vpce.allows.length === 0) miss('vpce');

  const idAllow = isRoot || identity.allows.length > 0;
  const boundaryAllow = !p.hasBoundary || !useIdentity || boundary.allows.length > 0;
  // a federated-user session without a session policy has no permissions (§11)
  const sessionAllow = hasSession ? session.allows.length > 0 : principal.type !== 'FederatedUser';

  // which sets must allow, by the rules of §11 steps 5 and 6
  let needIdentity = false;
  let needResource = false;
  let needBoundarySession = false;
  let via: Decision['via'];
  if (!identitySide) {
    needResource = true;
    via = 'resource';
  } else if (!sameAccount) {
    needIdentity = needResource = needBoundarySession = true;
    via = 'both';
  } else if (grant === 'direct') {
    via = 'resource';
  } else if (grant === 'role') {
    needBoundarySession = true;
    via = 'resource';
  } else if (sets.resourceIsTrust) {
    // a trust policy must name the caller itself; naming the account also needs an identity Allow
    needIdentity = needResource = needBoundarySession = true;
    via = 'both';
  } else {
    needIdentity = needBoundarySession = true;
    via = 'identity';
  }
  if (needIdentity && !idAllow) miss('identity');
  if (needResource && grant === undefined) miss('resource');
  if (needBoundarySession && !boundaryAllow) miss('boundary');
  if (needBoundarySession && !sessionAllow) miss('session');
  if (missing) return result('implicitDeny', [], missing, sameAccount, grant, undefined);

  const matched: MatchedStatement[] = [];
  const add = (s: SetScan, level?: number) => {
    for (const st of s.allows) matched.push(toMatched(st, level));
  };
  if (via !== 'resource') add(identity);
  if (via !== 'identity') add(resource);
  if (needBoundarySession) {
    add(boundary);
    add(session);
  }
  if (rcpLevels) for (let i = 0; i < rcpLevels.length; i++) add(rcpLevels[i] as SetScan, i);
  if (scpLevels) for (let i = 0; i < scpLevels.length; i++) add(scpLevels[i] as SetScan, i);
  if (vpce) add(vpce);
  return result('allowed', matched, [], sameAccount, grant, via);
}

/** How AWS names each policy set in AccessDenied messages and explanations. */
export const SET_NAMES: Readonly<Record<PolicySetKind, string>> = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
  vpce: 'VPC endpoint policy',
};

/**
 * The reason AWS appends to an AccessDenied message:
 * `because no identity-based policy allows the s3:PutObject action`, or
 * `with an explicit deny in a resource-based policy`. Empty when allowed.
 */
export function denialReason(d: Decision, action: string): string {
  if (d.decision === 'explicitDeny') {
    const first = d.matched[0];
    const name = first ? SET_NAMES[first.policyType] : SET_NAMES.identity;
    return `with an explicit deny in ${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
  }
  if (d.decision === 'implicitDeny') {
    const order: PolicySetKind[] = [
      'scp',
      'rcp',
      'vpce',
      'identity',
      'resource',
      'boundary',
      'session',
    ];
    const first = order.find((s) => d.missing.some((m) => m.set === s)) ?? 'identity';
    return `because no ${SET_NAMES[first]} allows the ${action} action`;
  }
  return '';
}

export type { RequestContext };
