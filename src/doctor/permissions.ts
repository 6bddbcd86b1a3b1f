/**
 * The FAQ's third cause of a 403 — "the IAM policy attached to the role does not have the
 * necessary permissions" — checked before any call is made: the role's identity policies
 * (inline and attached) and permissions boundary, evaluated by the policy engine for a
 * session of the role as the edge's authorizer evaluates a real call (the same global keys,
 * spec/iam-policy.md §10), with the deciding or the nearest statement named. Pure.
 */
import { isoSeconds } from '../common/times.js';
import { parseArn } from '../policy/arn.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { createContext } from '../policy/context.js';
import { explainRequest } from '../policy/explain.js';
import { loadPolicy } from '../policy/index.js';
import type { MatchedStatement } from '../policy/types.js';
import type { PolicyView, RoleView } from './types.js';

export const DOCTOR_SESSION_NAME = 'irsa-doctor';

export interface PermissionQuery {
  role: RoleView;
  action: string;
  resource: string;
  /** ISO time of the simulated call */
  now: string;
  region?: string | undefined;
  /** the resource's own policy (a bucket policy), evaluated with the role's as AWS does */
  resourcePolicy?: PolicyView | undefined;
}

export type PermissionVerdict =
  | { status: 'skip'; detail: string }
  | {
      status: 'pass' | 'fail';
      decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
      detail: string;
      fix: string | null;
    };

function load(
  p: PolicyView,
  kind: 'identity' | 'boundary' | 'resource',
  label: string,
): { policy?: CompiledPolicy; problem?: string } {
  if (p.document === undefined)
    return { problem: `${label} \`${p.name}\` is unknown${p.unknown ? ` (${p.unknown})` : ''}` };
  const r = loadPolicy(p.document, kind, { id: p.name, mode: 'evaluate' });
  if (!r.ok) return { problem: `${label} \`${p.name}\`: ${r.error.message}` };
  return { policy: r.policy };
}

function name(m: MatchedStatement): string {
  return `\`${m.policyId}\` ${m.sid ? `statement \`${m.sid}\`` : `statement #${m.index}`}`;
}

/**
 * Simulates `action` on `resource` for a web-identity session of the role.
 *
 * @example
 * simulatePermission({ role, action: 's3:ListBucket', resource: 'arn:aws:s3:::my-bucket', now })
 * // → { status: 'pass', decision: 'allowed', detail: 'allowed by …', fix: null }
 */
export function simulatePermission(q: PermissionQuery): PermissionVerdict {
  const { role } = q;
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
  if (q.resourcePolicy) {
    const r = load(q.resourcePolicy, 'resource', 'resource policy');
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
  const sessionArn = `arn:aws:sts::${role.account}:assumed-role/${role.name}/${DOCTOR_SESSION_NAME}`;
  const resourceAccount = parseArn(q.resource)?.account || undefined;
  const now = new Date(q.now);
  const request = {
    principal: {
      type: 'AssumedRole' as const,
      id: sessionArn,
      account: role.account,
      partition: parseArn(role.arn)?.partition ?? 'aws',
      roleArn: role.arn,
    },
    action: q.action,
    resource: q.resource,
    resourceAccount,
    context: createContext({
      'aws:CurrentTime': isoSeconds(now),
      'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
      'aws:SecureTransport': 'false',
      'aws:PrincipalAccount': role.account,
      'aws:PrincipalType': 'AssumedRole',
      'aws:PrincipalArn': role.arn,
      ...(q.region ? { 'aws:RequestedRegion': q.region } : {}),
      ...(resourceAccount ? { 'aws:ResourceAccount': resourceAccount } : {}),
    }),
  };
  const x = explainRequest(request, {
    identity,
    boundary,
    ...(resource.length > 0 ? { resource } : {}),
  });
  const within = resource.length > 0 ? `; ${q.resourcePolicy?.name} was evaluated too` : '';
  const what = `${q.action} on ${q.resource}`;
  if (x.decision === 'allowed') {
    const by = x.matched
      .filter((m) => m.policyType === 'identity' || m.policyType === 'resource')
      .map(name);
    return {
      status: 'pass',
      decision: 'allowed',
      detail: `${what} is allowed by ${by.join(', ')}${boundary.length > 0 ? ` within the permissions boundary \`${role.boundary?.name}\`` : ''}${within}${unknownNote}`,
      fix: null,
    };
  }
  if (x.decision === 'explicitDeny') {
    return {
      status: 'fail',
      decision: 'explicitDeny',
      detail: `${what} is explicitly denied by ${x.matched.map(name).join(', ')}${unknownNote}`,
      fix: `remove ${q.action} from the Deny${x.matched.some((m) => m.policyType === 'resource') ? ` in ${q.resourcePolicy?.name}` : ''} (or narrow its Resource or Condition); an explicit deny wins over every Allow`,
    };
  }
  const statement = JSON.stringify({ Effect: 'Allow', Action: q.action, Resource: q.resource });
  const boundaryMissing = x.missing.some((m) => m.set === 'boundary');
  const identityMissing = x.missing.some((m) => m.set === 'identity');
  const fixes: string[] = [];
  if (identityMissing)
    fixes.push(
      `add ${statement} to a policy of role ${role.name} (e.g. \`aws iam put-role-policy --role-name ${role.name} --policy-name ${q.action.replace(/[^A-Za-z0-9]/g, '-')} --policy-document '{"Version":"2012-10-17","Statement":[${statement}]}'\`)`,
    );
  if (boundaryMissing)
    fixes.push(`allow ${q.action} in the permissions boundary \`${role.boundary?.name}\` too`);
  return {
    status: 'fail',
    decision: 'implicitDeny',
    detail: `${x.summary.replace(/^implicitly denied: /, 'implicitly denied (the call gets 403 AccessDenied): ')}${unknownNote}`,
    fix: fixes.join('; ') || null,
  };
}
