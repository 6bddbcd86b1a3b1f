/**
 * Authorization of every signed AWS call: the caller's identity policies, permissions
 * boundary and session policy (and, where a service passes one, the resource policy),
 * evaluated by the policy engine with the request's global condition keys (spec/iam-policy.md
 * §10, §11). A refusal is AWS's `AccessDenied` with AWS's text; irsakit's explanation rides
 * along in the error's `detail` for the audit trail.
 */
import { AwsError } from '../../common/aws-error.js';
import type { IamDirectory } from '../../iam/directory.js';
import type { CompiledPolicy } from '../../policy/compile-policy.js';
import { type ContextInput, layeredContext } from '../../policy/context.js';
import { type PolicySets, denialReason, evaluateRequest } from '../../policy/evaluate.js';
import { type Explanation, explainRequest } from '../../policy/explain.js';
import { parseArn } from '../../policy/arn.js';
import { setPrincipalKeys } from '../../policy/principal.js';
import type { RequestPrincipal } from '../../policy/types.js';
import { ACCESS_DENIED } from './denied.js';
import { requestContextKeys } from './request-keys.js';
import { type CallContext, type Caller, HIDDEN } from './types.js';

export interface SessionView {
  /** the session policies of a role session (inline + managed ARNs), compiled */
  policies(caller: Caller): Promise<CompiledPolicy[]>;
  /**
   * the session's condition keys: aws:TokenIssueTime, aws:PrincipalTag/* (`roleTags`, the
   * role's own tags, under the session's tags), aws:SourceIdentity, …
   */
  contextKeys(caller: Caller, roleTags?: readonly { Key: string; Value: string }[]): ContextInput;
}

export interface AuthorizeRequest {
  action: string;
  resource: string;
  /** service condition keys (s3:prefix, …) and resource keys (aws:ResourceTag/*, …) */
  context?: ContextInput | undefined;
  /** the resource's own policy, when it has one */
  resourcePolicy?: CompiledPolicy | undefined;
  /**
   * How the refusal names the resource when the ARN authorized does not say it: IAM's
   * ListPolicies is authorized on `*` (it has no resource type) and refused "on resource:
   * policy path /"; default: resourceText's.
   */
  resourceName?: string | undefined;
  /**
   * Why the resource's policy, which exists, is not in `resourcePolicy` (S3's
   * RestrictPublicBuckets set it aside): kept on a refusal's explanation for `irsa why`.
   */
  resourcePolicyWithheld?: Explanation['withheld'];
  /** the account that owns the resource (S3 ARNs carry none); default: the ARN's account */
  resourceAccount?: string | undefined;
  /**
   * The refusal's message when AWS words it otherwise than IAM's "User: … is not authorized
   * to perform: …" (S3 says "Access Denied" to anonymous and cross-account callers).
   */
  deniedMessage?:
    ((d: { decision: 'explicitDeny' | 'implicitDeny'; standard: string }) => string) | undefined;
  /** the refusal's code and status when not `AccessDenied`/403 (DynamoDB: denied.ts's JSON_ACCESS_DENIED) */
  deniedCode?: { code: string; status: number } | undefined;
  /**
   * Condition keys whose values are the caller's data (DynamoDB's partition keys): a refusal's
   * explanation keeps what the policy expects, never the request's value, nor a "did you mean"
   * towards another value.
   */
  hiddenKeys?: readonly string[] | undefined;
}

export type Authorize = (ctx: CallContext, request: AuthorizeRequest) => Promise<void>;

/**
 * IAM actions whose refusal names an IAM role or user by its ARN, not as `role X`: the entity
 * being created (`… iam:CreateRole on resource: arn:aws:iam::…:role/service-role/x`, AWS's
 * DynamoDB DAX troubleshooting page; `… iam:CreateUser on resource: arn:aws:iam::…:user/Bob`),
 * and the role being passed (`… iam:PassRole on resource: arn:aws:iam::…:role/x`).
 */
const NAMED_BY_ARN = new Set(['iam:CreateRole', 'iam:CreateUser', 'iam:PassRole']);

/**
 * How AWS names the resource of `action` in an AccessDenied message. IAM names an existing
 * role, user or group `role X` (`… iam:GetRole on resource: role ops`), but one being created
 * or passed by its ARN (NAMED_BY_ARN); a managed policy `policy <arn>` (`… iam:GetPolicy on
 * resource: policy arn:aws:iam::…:policy/x`; TagPolicy, CreatePolicyVersion alike), and one
 * being created `policy <name>` (`… iam:CreatePolicy on resource: policy x`). S3 quotes its
 * ARN; the rest say the ARN (a listing's `arn:aws:iam::…:role/` too).
 *
 * @example
 * resourceText('arn:aws:iam::123456789012:role/team/app', 'iam:GetRole'); // → 'role app'
 * resourceText('arn:aws:iam::123456789012:role/team/app', 'iam:CreateRole'); // → the ARN
 */
export function resourceText(resource: string, action: string): string {
  const arn = parseArn(resource);
  if (arn?.service === 'iam' && action.startsWith('iam:')) {
    const m = /^(role|user|group|policy)\/(?:.*\/)?([^/]+)$/.exec(arn.resource);
    if (m?.[1] === 'policy') return `policy ${action === 'iam:CreatePolicy' ? m[2] : resource}`;
    if (m && !NAMED_BY_ARN.has(action)) return `${m[1]} ${m[2]}`;
  }
  if (arn?.service === 's3') return `"${resource}"`;
  return resource;
}

/** The global condition keys of the request itself; an anonymous call has only these. */
export function anonymousKeys(ctx: CallContext): Record<string, string> {
  // set on the object made, not spread into a new one: a spread copy that then takes the
  // caller's keys (globalKeys) cost every request 3 % of its time
  const keys = requestContextKeys(ctx);
  keys['aws:PrincipalType'] = 'Anonymous';
  return keys;
}

/** The global condition keys of a call (spec/iam-policy.md §10): the request's, and the caller's. */
export function globalKeys(ctx: CallContext, caller: Caller): Record<string, string | string[]> {
  // set on the request's object, not spread into a new one (see anonymousKeys)
  return addPrincipalKeys(anonymousKeys(ctx), caller);
}

/**
 * Sets the keys every signed request has of its caller on `keys` (the request's, or a fresh
 * object: STS evaluates with them too): aws:PrincipalArn, aws:PrincipalAccount,
 * aws:PrincipalType, aws:userid, aws:username (a user's), aws:PrincipalIsAWSService.
 */
export function addPrincipalKeys<K extends Record<string, string | string[]>>(
  keys: K,
  caller: Caller,
): K {
  return setPrincipalKeys(keys, caller.principal, {
    account: caller.account,
    userId: caller.userId,
  });
}

/**
 * The account a resource ARN names, as authorization takes it: an AWS managed resource
 * (account `aws`: AWS managed policies) is every account's own, the caller's; an ARN without
 * an account (S3's) names none — the service says whose it is.
 */
export function resourceAccountOf(
  resource: string,
  callerAccount: string | undefined,
): string | undefined {
  const account = parseArn(resource)?.account;
  return account === 'aws' ? callerAccount : account || undefined;
}

/** A user's (or role's) tags as its `aws:PrincipalTag/*` keys. */
export function principalTagKeys(
  tags: readonly { Key: string; Value: string }[],
  keys: Record<string, string> = {},
): Record<string, string> {
  for (const t of tags) keys[`aws:PrincipalTag/${t.Key}`] = t.Value;
  return keys;
}

/** The explanation as the trail may keep it: the values of `hiddenKeys` replaced. */
function withoutHiddenValues(x: Explanation, hiddenKeys: readonly string[]): Explanation {
  const hidden = new Set(hiddenKeys.map((k) => k.toLowerCase()));
  let touched = false;
  const sets = x.sets.map((set) => ({
    ...set,
    policies: set.policies.map((p) => ({
      ...p,
      statements: p.statements.map((st) => {
        const m = st.mismatch;
        if (m?.element !== 'condition' || !hidden.has(m.key.toLowerCase())) return st;
        touched = true;
        return {
          ...st,
          mismatch: {
            ...m,
            actual: m.actual === null ? null : m.actual.map(() => HIDDEN),
            didYouMean: undefined,
          },
        };
      }),
    })),
  }));
  return touched ? { ...x, sets } : x;
}

/**
 * Builds the authorizer the operations call.
 *
 * @example
 * const authorize = createAuthorizer({ directory, session });
 * await authorize(ctx, { action: 'iam:GetRole', resource: 'arn:aws:iam::123456789012:role/x' });
 */
export function createAuthorizer(deps: {
  directory: IamDirectory;
  session?: SessionView | undefined;
}): Authorize {
  return async (ctx, req) => {
    // an anonymous caller (only S3 lets one through the edge) has no identity side: the
    // resource policy alone can allow
    const caller = ctx.caller;
    const p: RequestPrincipal = caller?.principal ?? {
      type: 'Anonymous',
      id: '*',
      partition: 'aws',
    };
    const sets: PolicySets = { resource: req.resourcePolicy ? [req.resourcePolicy] : undefined };
    let sessionKeys: ContextInput = {};
    if (!caller) {
      // anonymous: only the resource policy can allow
    } else if (p.type === 'User') {
      const name = p.id.slice(p.id.lastIndexOf('/') + 1);
      const pol = await deps.directory.policiesOf({
        kind: 'user',
        account: caller.account,
        userName: name,
      });
      sets.identity = pol.identity;
      sets.boundary = pol.boundary;
      // an IAM user's tags are its principal tags
      if (pol.tags.length > 0) sessionKeys = principalTagKeys(pol.tags);
    } else if (p.type === 'AssumedRole' && p.roleArn) {
      const roleName = p.roleArn.slice(p.roleArn.lastIndexOf('/') + 1);
      const pol = await deps.directory.policiesOf({
        kind: 'role',
        account: caller.account,
        roleName,
      });
      // a session belongs to its role's unique id: once the role is deleted (or another role
      // of that name made) the session has no identity policies left
      const own = pol.uniqueId !== undefined && caller.userId.startsWith(`${pol.uniqueId}:`);
      if (own) {
        sets.identity = pol.identity;
        sets.boundary = pol.boundary;
      }
      if (deps.session) {
        sets.session = await deps.session.policies(caller);
        // the role's tags are the session's principal tags too (its session tags win)
        sessionKeys = deps.session.contextKeys(caller, own ? pol.tags : []);
      }
    }
    // an AWS managed resource is the caller's own: its policies decide, never a resource
    // policy of an account `aws`
    const resourceAccount = req.resourceAccount ?? resourceAccountOf(req.resource, caller?.account);
    const request = {
      principal: p,
      action: req.action,
      resource: req.resource,
      resourceAccount,
      context: layeredContext(
        caller ? globalKeys(ctx, caller) : anonymousKeys(ctx),
        sessionKeys,
        resourceAccount ? { 'aws:ResourceAccount': resourceAccount } : undefined,
        req.context,
      ),
    };
    const d = evaluateRequest(request, sets);
    if (d.decision === 'allowed') {
      ctx.decisions.push({
        action: req.action,
        resource: req.resource,
        decision: d.decision,
        matched: d.matched,
      });
      return;
    }
    const explained = explainRequest(request, sets);
    const explanation = req.hiddenKeys ? withoutHiddenValues(explained, req.hiddenKeys) : explained;
    if (req.resourcePolicyWithheld) explanation.withheld = req.resourcePolicyWithheld;
    ctx.decisions.push({
      action: req.action,
      resource: req.resource,
      decision: d.decision,
      matched: d.matched,
      explanation,
    });
    const who = p.type === 'Account' ? `arn:aws:iam::${caller?.account ?? ''}:root` : p.id;
    const standard = `User: ${who} is not authorized to perform: ${req.action} on resource: ${req.resourceName ?? resourceText(req.resource, req.action)} ${denialReason(d, req.action)}`;
    const message = req.deniedMessage
      ? req.deniedMessage({ decision: d.decision, standard })
      : standard;
    const answer = req.deniedCode ?? ACCESS_DENIED;
    throw new AwsError(answer.code, answer.status, message, { detail: explanation });
  };
}
