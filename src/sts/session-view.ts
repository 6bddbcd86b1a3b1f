/**
 * What the edge's authorizer asks of a role session (`SessionView` of
 * src/server/aws/authorize.ts): its session policies, compiled from what the session token
 * sealed (the inline policy, and the managed ARNs read from IAM now), and its condition keys.
 * A managed session policy deleted since the session began allows nothing: the session set
 * stays non-empty, so it still restricts, as it did when it was issued.
 */
import type { IamDirectory } from '../iam/directory.js';
import { type CompiledPolicy, compilePolicy } from '../policy/index.js';
import type { SessionView } from '../server/aws/authorize.js';
import { PolicyCache } from './policy-cache.js';
import { sessionContextKeys, sessionOfCaller } from './session-context.js';
import { INLINE_SESSION_POLICY_ID } from './session-policy.js';
import type { StsSession } from './types.js';

/** A policy without statements: it allows nothing and denies nothing. */
function emptyPolicy(id: string): CompiledPolicy {
  return compilePolicy(
    {
      version: '2012-10-17',
      statements: [],
      text: '{"Version":"2012-10-17","Statement":[]}',
      keySpans: {},
    },
    { id, kind: 'session' },
  );
}

/**
 * The session set of a session: undefined when it has no session policy.
 *
 * @example
 * const set = await sessionPolicySet(session, directory, cache); // → [inline, managed…] | undefined
 */
export async function sessionPolicySet(
  session: StsSession,
  directory: IamDirectory,
  cache: PolicyCache,
): Promise<CompiledPolicy[] | undefined> {
  const arns = session.policyArns ?? [];
  if (session.policy === undefined && arns.length === 0) return undefined;
  const out: CompiledPolicy[] = [];
  if (session.policy !== undefined) {
    const r = cache.load(session.policy, 'session', INLINE_SESSION_POLICY_ID);
    // INVARIANT: the inline policy was validated when the session was issued
    out.push(r.ok ? r.policy : emptyPolicy(INLINE_SESSION_POLICY_ID));
  }
  for (const arn of arns) {
    const managed = await directory.getManagedPolicy(arn);
    const r = managed && cache.load(managed.document, 'session', arn, { validate: false });
    out.push(r && r.ok ? r.policy : emptyPolicy(arn));
  }
  return out;
}

export type { SessionView };

/**
 * The authorizer's view of STS sessions.
 *
 * @example
 * const authorize = createAuthorizer({ directory, session: createSessionView({ directory }) });
 */
export function createSessionView(deps: {
  directory: IamDirectory;
  policies?: PolicyCache | undefined;
}): SessionView {
  const cache = deps.policies ?? new PolicyCache();
  return {
    async policies(caller) {
      const session = sessionOfCaller(caller);
      if (!session) return [];
      return (await sessionPolicySet(session, deps.directory, cache)) ?? [];
    },
    contextKeys(caller, roleTags = []) {
      const session = sessionOfCaller(caller);
      return session ? sessionContextKeys(session, { roleTags }) : {};
    },
  };
}
