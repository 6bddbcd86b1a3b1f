/**
 * Session policies (spec/aws-wire.md §3.1, spec/iam-policy.md §11): an inline `Policy` and up
 * to ten managed `PolicyArns.member.N.arn`, ANDed as one "session" set with the role's
 * identity policies. Checked on the way in (`MalformedPolicyDocument` in IAM's words, the
 * plaintext budget as `PackedPolicyTooLarge`) and compiled again from the session whenever
 * the edge authorizes a request made with it.
 */
import { AwsError } from '../common/aws-error.js';
import type { IamDirectory } from '../iam/directory.js';
import type { CompiledPolicy } from '../policy/index.js';
import { structListParam } from '../server/aws/query-params.js';
import type { QueryParams } from '../server/aws/types.js';
import { STS_MSG } from './errors.js';
import { MAX_POLICY_ARNS, type ParamChecker, POLICY_ARN_RULE, POLICY_RULE } from './params.js';
import type { PolicyCache } from './policy-cache.js';

export interface SessionPolicyInput {
  policy?: string | undefined;
  policyArns: string[];
}

/** Reads `Policy` and `PolicyArns` (constraint checks go to `check`). */
export function readSessionPolicyParams(
  params: QueryParams,
  check: ParamChecker,
): SessionPolicyInput {
  const policy = check.string('Policy', POLICY_RULE);
  const arns = structListParam(params, 'PolicyArns', ['arn'] as const);
  check.count('PolicyArns', arns, MAX_POLICY_ARNS);
  const policyArns: string[] = [];
  arns.forEach((a, i) => {
    const name = `PolicyArns.member.${i + 1}.arn`;
    if (a.arn === undefined)
      check.string(name, POLICY_ARN_RULE, true); // records "must not be null"
    else {
      check.check(name, a.arn, POLICY_ARN_RULE);
      policyArns.push(a.arn);
    }
  });
  return { policy, policyArns };
}

/** An inline session policy's id in explanations. */
export const INLINE_SESSION_POLICY_ID = 'session policy';

/**
 * Compiles a session's policies; throws `MalformedPolicyDocument` for an invalid inline
 * policy or a managed ARN that names no policy of the role's account (nor an AWS managed
 * one). Undefined when the session has none.
 *
 * @example
 * const set = await loadSessionPolicies({ policy: text, policyArns: [] }, directory, cache, '123456789012');
 */
export async function loadSessionPolicies(
  input: SessionPolicyInput,
  directory: IamDirectory,
  cache: PolicyCache,
  roleAccount: string,
): Promise<CompiledPolicy[] | undefined> {
  if (input.policy === undefined && input.policyArns.length === 0) return undefined;
  const out: CompiledPolicy[] = [];
  if (input.policy !== undefined) {
    const r = cache.load(input.policy, 'session', INLINE_SESSION_POLICY_ID);
    if (!r.ok) throw r.error;
    out.push(r.policy);
  }
  for (const arn of input.policyArns) {
    // "The policies must exist in the same account as the role" (or be AWS managed)
    const account = arn.split(':')[4];
    const managed =
      account === roleAccount || account === 'aws'
        ? await directory.getManagedPolicy(arn)
        : undefined;
    if (!managed)
      throw new AwsError('MalformedPolicyDocument', 400, STS_MSG.noSuchPolicy(arn), {
        detail: { policyArn: arn, reason: 'no such managed policy' },
      });
    // IAM validated the managed policy when it was stored
    const r = cache.load(managed.document, 'session', arn, { validate: false });
    if (!r.ok) throw r.error;
    out.push(r.policy);
  }
  return out;
}
