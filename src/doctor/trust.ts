/**
 * The trust-policy half of the checklist: does the role's trust policy let this cluster's
 * ServiceAccount token in? Evaluated with the policy engine against the request STS would
 * make (spec/iam-policy.md §12.2) — principal the cluster's OIDC provider, action
 * `sts:AssumeRoleWithWebIdentity`, the token's `sub` and `aud` as `<issuer>:sub` / `:aud`
 * keys — then taken apart statement by statement, so that each step of the seeds' checklist
 * (provider named? action allowed? `sub` exact? `aud` right?) gets its own verdict and the
 * near misses get a "did you mean". Pure.
 */
import { conditionHolds } from '../policy/conditions.js';
import type { CompiledPolicy, CompiledStatement } from '../policy/compile-policy.js';
import { createContext } from '../policy/context.js';
import { prepareRequest } from '../policy/evaluate.js';
import { type Explanation, explainRequest } from '../policy/explain.js';
import { matchGlob } from '../policy/glob.js';
import { loadPolicy } from '../policy/index.js';
import { editDistance, nearest } from '../policy/nearest.js';
import { principalGrant } from '../policy/principal.js';
import type { ConditionClause } from '../policy/types.js';
import {
  providerKeyPrefix,
  webIdentityKeys,
  webIdentityPrincipal,
} from '../policy/web-identity.js';

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

export interface TrustQuery {
  /** the trust policy text */
  policy: string;
  roleArn: string;
  account: string;
  /** `arn:aws:iam::<account>:oidc-provider/<issuer host/path>` */
  providerArn: string;
  /** the issuer URL (`https://…`) */
  issuer: string;
  /** `system:serviceaccount:<ns>:<sa>` */
  sub: string;
  /** the token's audience */
  audience: string;
}

/** One condition of a candidate statement, evaluated. */
export interface ConditionVerdict {
  clause: ConditionClause;
  holds: boolean;
  /** `sub`, `aud`, or undefined for other keys */
  claim?: 'sub' | 'aud' | undefined;
  /** the issuer part of a claim key (`<issuer>:sub`) */
  keyIssuer?: string | undefined;
}

export interface StatementVerdict {
  statement: CompiledStatement;
  principalOk: boolean;
  actionOk: boolean;
  conditions: ConditionVerdict[];
}

export type TrustAnalysis =
  | { ok: false; error: string }
  | {
      ok: true;
      policy: CompiledPolicy;
      /** the Allow statements, each taken apart */
      allows: StatementVerdict[];
      /** the Federated principals the Allow statements name */
      federated: string[];
      explanation: Explanation;
    };

const CLAIM_KEY = /^(.+):(sub|aud)$/i;

/** `Sid \`x\`` or `#n`: how a report names a statement. */
export function statementLabel(st: { index: number; sid?: string | undefined }): string {
  return st.sid ? `statement \`${st.sid}\`` : `statement #${st.index}`;
}

/**
 * Parses, evaluates and takes apart a trust policy for one ServiceAccount token.
 *
 * @example
 * const t = analyzeTrust({ policy, roleArn, account: '123456789012', providerArn, issuer,
 *   sub: 'system:serviceaccount:production:s3-app', audience: 'sts.amazonaws.com' });
 * if (t.ok) t.explanation.decision; // 'allowed'
 */
export function analyzeTrust(q: TrustQuery): TrustAnalysis {
  const loaded = loadPolicy(q.policy, 'trust', { id: 'trust policy', mode: 'evaluate' });
  if (!loaded.ok) {
    const e = loaded.error;
    return { ok: false, error: `${e.code}: ${e.message}${e.detail ? ` (${e.detail})` : ''}` };
  }
  const policy = loaded.policy;
  const request = {
    principal: webIdentityPrincipal(q.providerArn),
    action: WEB_IDENTITY_ACTION,
    resource: q.roleArn,
    resourceAccount: q.account,
    context: createContext({
      ...webIdentityKeys(q.issuer, { sub: q.sub, aud: [q.audience] }),
      'sts:RoleSessionName': 'irsa-doctor',
    }),
  };
  const sets = { resource: [policy], resourceIsTrust: true };
  const prepared = prepareRequest(request, sets);
  const allows: StatementVerdict[] = [];
  const federated: string[] = [];
  for (const st of policy.statements) {
    if (st.effect !== 'Allow') continue;
    for (const e of st.source.principal?.entries ?? [])
      if (e.kind === 'Federated' && !federated.includes(e.value)) federated.push(e.value);
    const principalOk =
      st.principal !== null &&
      !st.notPrincipal &&
      principalGrant(st.principal, prepared.chain) !== undefined;
    const actionOk =
      st.actions !== null && st.actions.some((g) => matchGlob(g, prepared.action)) !== st.notAction;
    const conditions = st.conditions.map((c): ConditionVerdict => {
      const m = CLAIM_KEY.exec(c.clause.key);
      const issuerPart = m?.[1];
      const isClaim =
        issuerPart !== undefined && (issuerPart.includes('.') || issuerPart.includes('/'));
      return {
        clause: c.clause,
        holds: conditionHolds(c, prepared.context),
        claim: isClaim ? ((m?.[2] as string).toLowerCase() as 'sub' | 'aud') : undefined,
        keyIssuer: isClaim ? issuerPart : undefined,
      };
    });
    allows.push({ statement: st, principalOk, actionOk, conditions });
  }
  return { ok: true, policy, allows, federated, explanation: explainRequest(request, sets) };
}

/** A verdict on one claim (`sub` or `aud`) across the statements that could let the token in. */
export interface ClaimVerdict {
  status: 'pass' | 'fail' | 'none';
  /** the statement the verdict is about */
  statement?: StatementVerdict | undefined;
  /** the failing conditions on the claim, when it fails */
  failing: ConditionVerdict[];
  /** the passing conditions on the claim, when it passes */
  passing: ConditionVerdict[];
}

/**
 * How `claim` fares in the candidate statements (those naming the provider and allowing the
 * action): pass when one candidate's conditions on it all hold (and it has some), none when
 * a candidate has no condition on it at all, fail otherwise (reported for the candidate
 * whose conditions on the claim come closest).
 */
export function claimVerdict(
  candidates: StatementVerdict[],
  claim: 'sub' | 'aud',
  actual?: string,
): ClaimVerdict {
  let none: StatementVerdict | undefined;
  let failing: { st: StatementVerdict; bad: ConditionVerdict[]; distance: number } | undefined;
  // how far the claim's value is from what a failing condition names: a typo is closer than
  // another service account's statement
  const distanceOf = (bad: ConditionVerdict[]) =>
    actual === undefined
      ? 0
      : Math.min(
          Number.MAX_SAFE_INTEGER,
          ...bad.flatMap((c) => c.clause.values.map((v) => editDistance(actual, v.value, 8))),
        );
  for (const st of candidates) {
    const on = st.conditions.filter((c) => c.claim === claim);
    const bad = on.filter((c) => !c.holds);
    if (on.length === 0) none ??= st;
    else if (bad.length === 0) return { status: 'pass', statement: st, failing: [], passing: on };
    else {
      const distance = distanceOf(bad);
      if (
        !failing ||
        bad.length < failing.bad.length ||
        (bad.length === failing.bad.length && distance < failing.distance)
      )
        failing = { st, bad, distance };
    }
  }
  if (none) return { status: 'none', statement: none, failing: [], passing: [] };
  return {
    status: 'fail',
    statement: failing?.st,
    failing: failing?.bad ?? [],
    passing: [],
  };
}

/** Whether a condition key's issuer part names the cluster's issuer (keys ignore case). */
export function sameIssuer(keyIssuer: string | undefined, issuer: string): boolean {
  return (
    keyIssuer !== undefined && keyIssuer.toLowerCase() === providerKeyPrefix(issuer).toLowerCase()
  );
}

/**
 * Words a failing claim condition: a key naming another issuer, or values that do not
 * match (with the closest value when one is a near miss).
 */
export function describeClaimMismatch(
  c: ConditionVerdict,
  actual: string,
  issuer: string,
): { text: string; didYouMean?: string | undefined } {
  const key = c.clause.key;
  const values = c.clause.values.map((v) => v.value);
  if (!sameIssuer(c.keyIssuer, issuer)) {
    return {
      text: `the condition key \`${key}\` names the issuer \`${c.keyIssuer}\`, not this cluster's \`${providerKeyPrefix(issuer)}\`: the request has no such key, so ${c.clause.operator} fails`,
    };
  }
  const close = nearest(actual, values);
  return {
    text: `${c.clause.operator} \`${key}\` expects ${values.map((v) => `\`${v}\``).join(' or ')}; the token has \`${actual}\``,
    didYouMean: close,
  };
}

/**
 * Names what differs between two `system:serviceaccount:<ns>:<sa>` subjects.
 *
 * @example
 * subjectDifference('system:serviceaccount:prod:s3-app', 'system:serviceaccount:production:s3-app')
 * // → 'namespace `prod` instead of `production`'
 */
export function subjectDifference(expected: string, actual: string): string | undefined {
  const re = /^system:serviceaccount:([^:]+):([^:]+)$/;
  const e = re.exec(expected);
  const a = re.exec(actual);
  if (!e || !a) return undefined;
  const parts: string[] = [];
  if (e[1] !== a[1]) parts.push(`namespace \`${e[1]}\` instead of \`${a[1]}\``);
  if (e[2] !== a[2]) parts.push(`ServiceAccount \`${e[2]}\` instead of \`${a[2]}\``);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}
