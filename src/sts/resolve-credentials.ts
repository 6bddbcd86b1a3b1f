/**
 * The credential lookup behind SigV4 verification (DESIGN.md "Credentials without a
 * lookup"): `ASIA…` keys open through the sealer (the session token is required, and carries
 * everything), `AKIA…` keys through IAM's access keys (no session token allowed, the key must
 * be Active and its user exist). Failures are the edge's to word: `UnknownKey` and
 * `InvalidToken` become `InvalidClientTokenId`, `ExpiredToken` becomes `ExpiredToken`
 * (spec/aws-wire.md §9.2). S3 tells the two `InvalidToken` cases apart: a token sent but not
 * genuine is its `InvalidToken`, an `ASIA…` key sent without any token its
 * `InvalidAccessKeyId` (the verifiers mark that failure `tokenMissing`).
 */
import type { IamDirectory } from '../iam/directory.js';
import type { Caller } from '../server/aws/types.js';
import type { CredentialSealer } from './credentials.js';
import { callerOf } from './session-context.js';
import type { CredentialResolution } from './types.js';

export interface CredentialResolverDeps {
  directory: IamDirectory;
  sealer: CredentialSealer;
}

/**
 * The secret and caller of an access key id (and session token).
 *
 * @example
 * const r = await resolveCredentials({ directory, sealer }, 'ASIA…', sessionToken);
 * if (r.ok) verifySignature(r.secretAccessKey); else reject(r.failure);
 */
export async function resolveCredentials(
  deps: CredentialResolverDeps,
  accessKeyId: string,
  sessionToken?: string | undefined,
): Promise<CredentialResolution> {
  if (accessKeyId.startsWith('ASIA')) {
    if (sessionToken === undefined || sessionToken === '')
      return { ok: false, failure: 'InvalidToken' };
    const opened = deps.sealer.open(accessKeyId, sessionToken);
    if (!opened.ok) {
      if (opened.failure === 'InvalidToken') return opened;
      const s = opened.session;
      return {
        ok: false,
        failure: 'ExpiredToken',
        expired: {
          arn: callerOf(s, accessKeyId).principal.id,
          roleArn: s.roleArn,
          expiredAt: new Date(s.expiresAt * 1000).toISOString().replace('.000Z', 'Z'),
        },
      };
    }
    const caller = callerOf(opened.session, accessKeyId);
    return {
      ok: true,
      secretAccessKey: deps.sealer.secretFor(accessKeyId),
      caller,
      identity: caller,
      session: opened.session,
    };
  }
  if (!/^AKIA\w{16,124}$/.test(accessKeyId)) return { ok: false, failure: 'UnknownKey' };
  const key = await deps.directory.getAccessKey(accessKeyId);
  if (!key || key.status !== 'Active') return { ok: false, failure: 'UnknownKey' };
  if (sessionToken !== undefined && sessionToken !== '')
    return { ok: false, failure: 'InvalidToken' };
  const user = await deps.directory.getUser(key.account, key.userName);
  if (!user) return { ok: false, failure: 'UnknownKey' };
  const partition = /^arn:([^:]+):/.exec(user.arn)?.[1] ?? 'aws';
  const caller: Caller = {
    principal: { type: 'User', id: user.arn, account: user.account, partition },
    accessKeyId,
    account: user.account,
    userId: user.userId,
  };
  return { ok: true, secretAccessKey: key.secretAccessKey, caller, identity: caller };
}

/**
 * `resolveCredentials` bound to its dependencies, as the SigV4 verifier's secret lookup.
 *
 * @example
 * const lookup = credentialResolver({ directory, sealer });
 * await lookup('AKIA…', undefined)
 */
export function credentialResolver(
  deps: CredentialResolverDeps,
): (accessKeyId: string, sessionToken?: string | undefined) => Promise<CredentialResolution> {
  return (id, token) => resolveCredentials(deps, id, token);
}
