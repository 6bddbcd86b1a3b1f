/**
 * The FAQ's third cause of a 403 — "the IAM policy attached to the role does not have the
 * necessary permissions" — checked before any call is made: the role's identity policies
 * (inline and attached) and permissions boundary, with the resource's own policy (a bucket
 * policy; for `sts:AssumeRole` on a role, that role's trust policy, as STS evaluates it),
 * evaluated by the policy engine for a session of the role in the context the edge builds for
 * a real call by the pod (call-context.ts), with the deciding or the nearest statement named.
 * When the verdict rests on a key only the real request carries (its source address, its
 * parameters) and the user did not give it, no verdict is given (undecided.ts). Pure.
 */
import { parseArn } from '../policy/arn.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { ContextInput } from '../policy/context.js';
import type { PolicySets } from '../policy/evaluate.js';
import { type Explanation, explainRequest } from '../policy/explain.js';
import { loadPolicy } from '../policy/index.js';
import { deniedText } from '../server/aws/denied.js';
import type { MatchedStatement } from '../policy/types.js';
import {
  DOCTOR_SESSION_NAME,
  type SimulatedSession,
  keyMeaning,
  simulatedContext,
} from './call-context.js';
import { statementLabel } from './trust.js';
import { type ConditionalStatement, undecidedVerdict } from './undecided.js';
import type { PolicyView, RoleView } from './types.js';

export { DOCTOR_SESSION_NAME };

export interface PermissionQuery {
  role: RoleView;
  action: string;
  resource: string;
  /** ISO time of the simulated call */
  now: string;
  region?: string | undefined;
  /**
   * the resource's own policy (a bucket policy, a role's trust policy), evaluated with the
   * role's as AWS does
   */
  resourcePolicy?: PolicyView | undefined;
  /** the account that owns the resource, when its ARN names none (an S3 bucket's owner) */
  resourceAccount?: string | undefined;
  /** the pod's session (default: a web identity one whose token is not known here) */
  session?: SimulatedSession | undefined;
  /** keys only the real request carries, as the user gave them (`--context KEY=VALUE`) */
  context?: ContextInput | undefined;
  /** ` --profile ACCOUNT` for the fix commands acting in the role's account (live mode) */
  profile?: string | undefined;
}

export type PermissionVerdict =
  | { status: 'skip'; detail: string }
  | { status: 'undecided'; detail: string; fix: string }
  | {
      status: 'pass' | 'fail';
      decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
      detail: string;
      fix: string | null;
    };

/** The actions whose resource policy is the role's trust policy (spec/iam-policy.md §12.1). */
const TRUST_ACTIONS = new Set([
  'sts:assumerole',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
]);

const isRoleArn = (arn: string) => {
  const a = parseArn(arn);
  return a?.service === 'iam' && a.resource.startsWith('role/');
};

function load(
  p: PolicyView,
  kind: 'identity' | 'boundary' | 'resource' | 'trust',
  label: string,
): { policy?: CompiledPolicy; problem?: string } {
  if (p.document === undefined)
    return { problem: `${label} \`${p.name}\` is unknown${p.unknown ? ` (${p.unknown})` : ''}` };
  const r = loadPolicy(p.document, kind, { id: p.name, mode: 'evaluate' });
  if (!r.ok) return { problem: `${label} \`${p.name}\`: ${r.error.message}` };
  return { policy: r.policy };
}

function name(m: Pick<MatchedStatement, 'policyId' | 'sid' | 'index'>): string {
  return `\`${m.policyId}\` ${statementLabel(m)}`;
}

const clauseText = (c: ConditionalStatement['clauses'][number]) =>
  `${c.operator} ${c.key} [${c.values.map((v) => v.value).join(', ')}]`;

function outcome(x: Explanation): string {
  const by = x.matched
    .filter(
      (m) => m.effect === 'Deny' || m.policyType === 'identity' || m.policyType === 'resource',
    )
    .map(name)
    .join(', ');
  if (x.decision === 'allowed') return `allowed (by ${by})`;
  if (x.decision === 'explicitDeny') return `explicitly denied (by ${by})`;
  return 'implicitly denied (no statement allows it)';
}

/** `--context` placeholders: what to look for, and where */
const placeholder = (key: string) => (key.toLowerCase() === 'aws:sourceip' ? 'ADDRESS' : 'VALUE');

/**
 * Simulates `action` on `resource` for a session of the role.
 *
 * @example
 * simulatePermission({ role, action: 's3:ListBucket', resource: 'arn:aws:s3:::my-bucket', now })
 * // → { status: 'pass', decision: 'allowed', detail: 'allowed by …', fix: null }
 */
export function simulatePermission(q: PermissionQuery): PermissionVerdict {
  const { role } = q;
  const what = `${q.action} on ${q.resource}`;
  const trusting = TRUST_ACTIONS.has(q.action.toLowerCase()) && isRoleArn(q.resource);
  // a trust policy is the resource policy of STS's role actions only, never of IAM's own
  const given = q.resourcePolicy?.trust === true && !trusting ? undefined : q.resourcePolicy;
  // S3 sets a public bucket policy aside for other accounts' callers (RestrictPublicBuckets)
  const setAside =
    given?.onlyFor !== undefined && given.onlyFor.account !== role.account
      ? given.onlyFor
      : undefined;
  const resourcePolicy = setAside ? undefined : given;
  const asideNote = setAside ? `; ${setAside.reason}` : '';
  if (trusting) {
    if (resourcePolicy?.trust !== true)
      return {
        status: 'skip',
        detail: `the trust policy of ${q.resource} is not known here: STS allows ${q.action} only when it names the caller (run the doctor against the server)`,
      };
    if (resourcePolicy.document === undefined)
      return {
        status: 'fail',
        decision: 'implicitDeny',
        detail: `${resourcePolicy.unknown ?? `the trust policy of ${q.resource} is unknown`}: STS answers AccessDenied (not authorized to perform: ${q.action} on resource: ${q.resource})`,
        fix: `name an existing role (aws iam list-roles)`,
      };
  }
  const problems: string[] = [];
  const identity: CompiledPolicy[] = [];
  for (const p of role.inline) {
    const r = load(p, 'identity', 'inline policy');
    if (r.policy) identity.push(r.policy);
    else if (r.problem) problems.push(r.problem);
  }
  for (const p of role.attached) {
    const r = load(p, 'identity', 'managed policy');
    if (r.policy) identity.push(r.policy);
    else if (r.problem) problems.push(r.problem);
  }
  const boundary: CompiledPolicy[] = [];
  if (role.boundary) {
    const r = load(role.boundary, 'boundary', 'permissions boundary');
    if (r.policy) boundary.push(r.policy);
    else if (r.problem) problems.push(r.problem);
  }
  const resource: CompiledPolicy[] = [];
  if (resourcePolicy) {
    const r = load(resourcePolicy, trusting ? 'trust' : 'resource', 'resource policy');
    if (r.policy) resource.push(r.policy);
    else if (r.problem) problems.push(r.problem);
  }
  const unknownNote = problems.length > 0 ? ` (left out: ${problems.join('; ')})` : '';
  if (identity.length === 0 && problems.length > 0) {
    return {
      status: 'skip',
      detail: `none of the role's policies can be evaluated: ${problems.join('; ')}`,
    };
  }
  const call = simulatedContext({
    role,
    action: q.action,
    resource: q.resource,
    now: q.now,
    region: q.region,
    resourceAccount: q.resourceAccount,
    session: q.session ?? { via: 'AssumeRoleWithWebIdentity' },
    given: q.context,
  });
  const request = {
    principal: call.principal,
    action: q.action,
    resource: q.resource,
    resourceAccount: call.resourceAccount,
    context: call.context,
  };
  const sets: PolicySets = {
    identity,
    boundary,
    ...(resource.length > 0 ? { resource, resourceIsTrust: trusting } : {}),
  };
  const open = undecidedVerdict(request, sets, call.unknown);
  if (open) {
    const keys = open.keys.map((k) => `${k} (${keyMeaning(k)})`).join(', ');
    const statements = open.statements.map(
      (st) =>
        `${name(st)} ${st.effect === 'Deny' ? 'denies it' : 'allows it only'} when ${st.clauses.map(clauseText).join(' and ')}`,
    );
    return {
      status: 'undecided',
      detail: `cannot decide: ${what} depends on ${keys}, which only the real call carries: ${statements.join('; ')}. With the most favourable value it is ${outcome(open.best)}, with the least ${outcome(open.worst)}${unknownNote}`,
      fix: `give the value the workload's calls carry: ${open.keys.map((k) => `--context ${k}=${placeholder(k)}`).join(' ')}${open.keys.some((k) => k.toLowerCase() === 'aws:sourceip') ? ' (`irsa why REQUEST_ID` or `irsa trail --json` shows the source address of a call the workload made)' : ''}`,
    };
  }
  const x = explainRequest(request, sets);
  const policyName = resourcePolicy?.name;
  const within = resource.length > 0 ? `; ${policyName} was evaluated too` : '';
  if (x.decision === 'allowed') {
    const by = x.matched
      .filter((m) => m.policyType === 'identity' || m.policyType === 'resource')
      .map(name);
    return {
      status: 'pass',
      decision: 'allowed',
      detail: `${what} is allowed by ${by.join(', ')}${boundary.length > 0 ? ` within the permissions boundary \`${role.boundary?.name}\`` : ''}${within}${asideNote}${unknownNote}`,
      fix: null,
    };
  }
  if (x.decision === 'explicitDeny') {
    return {
      status: 'fail',
      decision: 'explicitDeny',
      detail: `${what} is explicitly denied by ${x.matched.map(name).join(', ')}${unknownNote}`,
      fix: `remove ${q.action} from the Deny${x.matched.some((m) => m.policyType === 'resource') ? ` in ${policyName}` : ''} (or narrow its Resource or Condition); an explicit deny wins over every Allow`,
    };
  }
  const statement = JSON.stringify({ Effect: 'Allow', Action: q.action, Resource: q.resource });
  const missing = (set: string) => x.missing.some((m) => m.set === set);
  const fixes: string[] = [];
  if (missing('identity')) {
    // an Allow of the call that only its condition keeps out: widening it is the user's call
    const conditional = conditionalAllow(x, 'identity');
    fixes.push(
      conditional
        ? `${conditional}: make the call where that holds, or change that condition on purpose (an Allow without it would grant more than the policy meant)`
        : `add ${statement} to a policy of role ${role.name} (e.g. \`aws iam put-role-policy --role-name ${role.name} --policy-name ${q.action.replace(/[^A-Za-z0-9]/g, '-')} --policy-document '{"Version":"2012-10-17","Statement":[${statement}]}'${q.profile ?? ''}\`)`,
    );
  }
  if (setAside) fixes.push(setAside.fix);
  else if (missing('resource')) {
    const conditional = conditionalAllow(x, 'resource');
    fixes.push(
      conditional
        ? `${conditional}: meet that condition, or change it in ${policyName ?? "the resource's policy"}`
        : trusting
          ? `let the trust policy of ${q.resource} name the role: {"Effect":"Allow","Principal":{"AWS":"${role.arn}"},"Action":"${q.action}"} (aws iam update-assume-role-policy --role-name ${q.resource.slice(q.resource.lastIndexOf('/') + 1)} --policy-document file://trust-policy.json --profile ${parseArn(q.resource)?.account ?? ''})`
          : `allow ${role.arn} in ${policyName ?? "the resource's policy"}`,
    );
  }
  if (missing('boundary'))
    fixes.push(`allow ${q.action} in the permissions boundary \`${role.boundary?.name}\` too`);
  return {
    status: 'fail',
    decision: 'implicitDeny',
    // the refusal as the service answers it: S3's 403 AccessDenied, DynamoDB's 400 AccessDeniedException
    detail: `${x.summary.replace(/^implicitly denied: /, `implicitly denied (the call gets ${deniedText(q.action.slice(0, Math.max(0, q.action.indexOf(':'))))}): `)}${asideNote}${unknownNote}`,
    fix: fixes.join('; ') || null,
  };
}

/** The first Allow of `set` that matched the call but for a condition, in words. */
function conditionalAllow(x: Explanation, set: 'identity' | 'resource'): string | undefined {
  for (const s of x.sets.filter((t) => t.set === set))
    for (const p of s.policies)
      for (const st of p.statements) {
        const m = st.mismatch;
        if (st.effect !== 'Allow' || m?.element !== 'condition') continue;
        const actual = m.actual === null ? 'none' : `[${m.actual.join(', ')}]`;
        return `${name({ policyId: p.policyId, index: st.index, sid: st.sid })} allows it only when ${m.operator} ${m.key} [${m.expected.join(', ')}] (the call has ${actual})`;
      }
  return undefined;
}
