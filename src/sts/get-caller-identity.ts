/**
 * `GetCallerIdentity` (spec/aws-wire.md §3.5): who signed the request — `UserId`, `Account`
 * and `Arn` for an IAM user (`AIDA…`, `arn:aws:iam::ACCT:user/<path>name`), a role session
 * (`AROA…:session`, the assumed-role ARN without the role path) or the root user (the account
 * id, `arn:aws:iam::ACCT:root`). It needs no permission and is never denied.
 */
import type { CallContext, QueryResult } from '../server/aws/types.js';
import { missingAuthentication } from './errors.js';
import { assumedRoleArn, assumedRoleId, sessionOfCaller } from './session-context.js';

/**
 * The operation.
 *
 * @example
 * await getCallerIdentity()(ctx, new Map()) // → { UserId: 'AIDA…', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/admin' }
 */
export function getCallerIdentity() {
  return async (ctx: CallContext): Promise<QueryResult> => {
    const caller = ctx.caller;
    if (!caller) throw missingAuthentication();
    const session = sessionOfCaller(caller);
    if (session)
      return {
        UserId: assumedRoleId(session),
        Account: session.account,
        Arn: assumedRoleArn(session),
      };
    if (caller.principal.type === 'Account')
      return {
        UserId: caller.account,
        Account: caller.account,
        Arn: `arn:${caller.principal.partition}:iam::${caller.account}:root`,
      };
    return { UserId: caller.userId, Account: caller.account, Arn: caller.principal.id };
  };
}
