/**
 * Explanations: the same decision as `evaluateRequest`, plus, for every statement of every
 * policy set, whether it applied and if not the first element that did not match (action,
 * resource, principal, or the condition key with expected versus actual values). Built only
 * when asked for, never on the hot path (spec/iam-policy.md §16).
 */
import { matchArnPattern } from './arn.js';
import type { CompiledPolicy, CompiledStatement } from './compile-policy.js';
import { conditionHolds } from './conditions.js';
import {
  type AuthorizationRequest,
  type Decision,
  SET_NAMES,
  decide,
  type MissingAllow,
  type PolicySets,
  type PreparedRequest,
  prepareRequest,
  statementApplies,
} from './evaluate.js';
import { matchGlob } from './glob.js';
import { nearest } from './nearest.js';
import { notPrincipalApplies, principalGrant } from './principal.js';
import type {
  EvalDecision,
  GrantKind,
  MatchedStatement,
  PolicySetKind,
  SourceSpan,
} from './types.js';

export type Mismatch =
  | { element: 'action'; negated: boolean; expected: string[]; actual: string }
  | { element: 'resource'; negated: boolean; expected: string[]; actual: string }
  | { element: 'principal'; negated: boolean; expected: string[]; actual: string[] }
  | {
      element: 'condition';
      operator: string;
      key: string;
      expected: string[];
      /** null: the key is not in the request */
      actual: string[] | null;
      /** a policy value one small edit away from the actual value */
      didYouMean?: string | undefined;
    };

export interface StatementTrace {
  index: number;
  sid?: string | undefined;
  effect: 'Allow' | 'Deny';
  applies: boolean;
  grant?: GrantKind | undefined;
  mismatch?: Mismatch | undefined;
  span?: SourceSpan | undefined;
}

export interface PolicyTrace {
  policyId: string;
  statements: StatementTrace[];
}

export interface SetTrace {
  set: PolicySetKind;
  level?: number | undefined;
  /** false when AWS does not consult this set for this principal */
  consulted: boolean;
  policies: PolicyTrace[];
}

export interface Explanation {
  decision: EvalDecision;
  summary: string;
  matched: MatchedStatement[];
  missing: MissingAllow[];
  sameAccount: boolean;
  grant?: GrantKind | undefined;
  sets: SetTrace[];
  /**
   * Set by the service when the resource's policy took no part although there is one (S3's
   * RestrictPublicBuckets): why, and the fix, for the refusal's explanation.
   */
  withheld?: { reason: string; fix: string } | undefined;
}

function describeMismatch(st: CompiledStatement, p: PreparedRequest): Mismatch | undefined {
  const src = st.source;
  const actions = st.actions ?? [];
  const actionHit = actions.some((g) => matchGlob(g, p.action));
  if (!st.actions || actionHit === st.notAction) {
    return {
      element: 'action',
      negated: st.notAction,
      expected: (src.action ?? src.notAction ?? []).map((a) => a.value),
      actual: p.request.action,
    };
  }
  if (st.resources) {
    const hit = st.resources.some((r) => matchArnPattern(r, p.resource, p.context.variable));
    if (hit === st.notResource) {
      return {
        element: 'resource',
        negated: st.notResource,
        expected: (src.resource ?? src.notResource ?? []).map((r) => r.value),
        actual: p.request.resource,
      };
    }
  }
  if (
    st.principal &&
    (st.policy.kind === 'resource' || st.policy.kind === 'rcp' || st.policy.kind === 'vpce')
  ) {
    const ok = st.notPrincipal
      ? notPrincipalApplies(st.principal, p.chain, st.effect === 'Deny' && p.hasBoundary)
      : principalGrant(st.principal, p.chain) !== undefined;
    if (!ok) {
      return {
        element: 'principal',
        negated: st.notPrincipal,
        expected: st.principal.listed,
        actual: p.chain.map((c) => (c.value.startsWith('acct:') ? c.value.slice(5) : c.value)),
      };
    }
  }
  for (const c of st.conditions) {
    if (conditionHolds(c, p.context)) continue;
    const entry = p.context.get(c.key);
    const expected = c.clause.values.map((v) => v.value);
    const actual = entry ? [...entry.values] : null;
    let didYouMean: string | undefined;
    if (actual && actual.length === 1 && !c.op.negated && c.op.family === 'String') {
      didYouMean = nearest(actual[0] as string, expected);
    }
    return {
      element: 'condition',
      operator: c.clause.operator,
      key: c.clause.key,
      expected,
      actual,
      didYouMean,
    };
  }
  return undefined;
}

function tracePolicies(policies: readonly CompiledPolicy[], p: PreparedRequest): PolicyTrace[] {
  return policies.map((policy) => ({
    policyId: policy.id,
    statements: policy.statements.map((st) => {
      const g = statementApplies(st, p);
      const t: StatementTrace = {
        index: st.index,
        sid: st.sid,
        effect: st.effect,
        applies: g !== null,
        span: st.source.span,
      };
      if (g !== null) t.grant = g;
      else t.mismatch = describeMismatch(st, p);
      return t;
    }),
  }));
}

/**
 * Decides and explains a request.
 *
 * @example
 * explainRequest(request, sets).summary
 * // → 'implicitly denied: no identity-based policy allows s3:PutObject on arn:aws:s3:::b/k …'
 */
export function explainRequest(request: AuthorizationRequest, sets: PolicySets): Explanation {
  const p = prepareRequest(request, sets);
  const d = decide(p, sets);
  const principal = request.principal;
  const identitySide = ['Account', 'User', 'Role', 'AssumedRole', 'FederatedUser'].includes(
    principal.type,
  );
  const useIdentity = identitySide && principal.type !== 'Account';
  const out: SetTrace[] = [];
  const push = (
    set: PolicySetKind,
    policies: readonly CompiledPolicy[] | undefined,
    consulted: boolean,
    level?: number,
  ) => {
    if (!policies) return;
    out.push({ set, level, consulted, policies: tracePolicies(policies, p) });
  };
  sets.scps?.forEach((lvl, i) => {
    push('scp', lvl, identitySide, i);
  });
  sets.rcps?.forEach((lvl, i) => {
    push('rcp', lvl, true, i);
  });
  push('vpce', sets.vpce, true);
  push('identity', sets.identity, useIdentity);
  push('boundary', sets.boundary, useIdentity);
  push('session', sets.session, useIdentity);
  push('resource', sets.resource, true);
  return {
    decision: d.decision,
    summary: summarize(d, request, out, sets.resourceIsTrust === true),
    matched: d.matched,
    missing: d.missing,
    sameAccount: d.sameAccount,
    grant: d.grant,
    sets: out,
  };
}

function statementName(m: { policyId: string; index: number; sid?: string | undefined }): string {
  return `${m.policyId} statement ${m.sid ? `\`${m.sid}\`` : `#${m.index}`}`;
}

/** One line saying why a statement did not apply. */
export function mismatchText(m: Mismatch): string {
  switch (m.element) {
    case 'action':
      return m.negated
        ? `action ${m.actual} is excluded by NotAction [${m.expected.join(', ')}]`
        : `action ${m.actual} is not in [${m.expected.join(', ')}]`;
    case 'resource':
      return m.negated
        ? `resource ${m.actual} is excluded by NotResource [${m.expected.join(', ')}]`
        : `resource ${m.actual} is not in [${m.expected.join(', ')}]`;
    case 'principal':
      return m.negated
        ? `caller [${m.actual.join(', ')}] is exempted by NotPrincipal [${m.expected.join(', ')}]`
        : `caller [${m.actual.join(', ')}] is not named by Principal [${m.expected.join(', ')}]`;
    case 'condition': {
      const actual = m.actual === null ? 'absent' : `[${m.actual.join(', ')}]`;
      const hint = m.didYouMean !== undefined ? ` (did you mean \`${m.didYouMean}\`?)` : '';
      return `condition ${m.operator} ${m.key}: expected [${m.expected.join(', ')}], request has ${actual}${hint}`;
    }
  }
}

const DEPTH: Record<Mismatch['element'], number> = {
  action: 0,
  resource: 1,
  principal: 2,
  condition: 3,
};

function summarize(d: Decision, r: AuthorizationRequest, sets: SetTrace[], trust: boolean): string {
  const what = `${r.action} on ${r.resource}`;
  const setLabel = (k: PolicySetKind) =>
    k === 'resource' && trust ? 'role trust policy' : SET_NAMES[k];
  if (d.decision === 'explicitDeny') {
    return `explicitly denied: ${d.matched.map((m) => `${statementName(m)} (${setLabel(m.policyType)})`).join('; ')} denies ${what}`;
  }
  if (d.decision === 'allowed') {
    const by = d.matched
      .filter((m) => m.policyType === 'identity' || m.policyType === 'resource')
      .map(statementName);
    return `allowed: ${what} by ${by.length > 0 ? by.join('; ') : 'the account root'}`;
  }
  const parts = d.missing.map((miss) => {
    const label = `${setLabel(miss.set)}${miss.level !== undefined ? ` at level ${miss.level}` : ''}`;
    const set = sets.find((s) => s.set === miss.set && s.level === miss.level);
    // the Allow that came closest: its mismatch is furthest down action → resource → principal → condition
    const allows = set?.policies.flatMap((pt) =>
      pt.statements.filter((s) => s.effect === 'Allow' && s.mismatch).map((s) => ({ pt, s })),
    );
    const depth = (m: Mismatch | undefined) => (m ? DEPTH[m.element] : -1);
    const first = allows?.reduce<(typeof allows)[number] | undefined>(
      (best, c) => (!best || depth(c.s.mismatch) > depth(best.s.mismatch) ? c : best),
      undefined,
    );
    const why = first?.s.mismatch
      ? `; nearest: ${statementName({ policyId: first.pt.policyId, index: first.s.index, sid: first.s.sid })}: ${mismatchText(first.s.mismatch)}`
      : set
        ? ''
        : ' (none given)';
    return `no ${label} allows ${what}${why}`;
  });
  return `implicitly denied: ${parts.join('; ')}`;
}
