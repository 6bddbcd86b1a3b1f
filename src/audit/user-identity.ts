/**
 * Who made a call, as CloudTrail's `userIdentity` says it (spec/aws-wire.md §11.2): an IAM
 * user, the root user, a role session (`AssumedRole` with its `sessionContext`, and
 * `webIdFederationData` for a web-identity session), the `WebIdentityUser` of an
 * AssumeRoleWithWebIdentity call (`<provider ARN>:<aud>:<sub>`), an anonymous S3 caller
 * (`AWSAccount` "ANONYMOUS_PRINCIPAL"), or `Unknown` when authentication failed. Also the claims of a
 * web-identity token as the call presented them, read without verifying: CloudTrail records
 * the identity a refused call claimed. The token itself is never kept.
 */
import { boundedCache } from '../common/bounded-cache.js';
import type { Caller } from '../server/aws/types.js';
import { isoEpochSeconds } from '../common/times.js';
import { deepFreeze } from '../sts/freeze.js';
import { sessionOfCaller } from '../sts/session-context.js';
import type { UserIdentity } from './types.js';

/** The claims of a web-identity token worth recording (never the token). */
export interface TokenClaims {
  iss?: string | undefined;
  sub?: string | undefined;
  aud: string[];
  exp?: number | undefined;
  iat?: number | undefined;
  nbf?: number | undefined;
  jti?: string | undefined;
  kid?: string | undefined;
  alg?: string | undefined;
}

function segment(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The claims of a compact JWT, decoded without verification; undefined when it is not one.
 *
 * @example
 * tokenClaims(jwt)?.sub // → 'system:serviceaccount:production:s3-app'
 */
export function tokenClaims(token: string | undefined): TokenClaims | undefined {
  // a pod presents the same token call after call: decoded once (frozen: the value is shared)
  return token === undefined ? undefined : claimsOf.get(token, () => decodeClaims(token));
}

const claimsOf = boundedCache<TokenClaims | undefined>(256);

function decodeClaims(token: string): TokenClaims | undefined {
  const parts = token.trim().split('.');
  if (!parts || parts.length !== 3) return undefined;
  const header = segment(parts[0]);
  const claims = segment(parts[1]);
  if (!claims) return undefined;
  const aud = Array.isArray(claims.aud)
    ? claims.aud.filter((a): a is string => typeof a === 'string')
    : typeof claims.aud === 'string'
      ? [claims.aud]
      : [];
  return deepFreeze({
    iss: str(claims.iss),
    sub: str(claims.sub),
    aud,
    exp: num(claims.exp),
    iat: num(claims.iat),
    nbf: num(claims.nbf),
    jti: str(claims.jti),
    kid: str(header?.kid),
    alg: str(header?.alg),
  });
}

/**
 * The `userIdentity` of a signed call.
 *
 * @example
 * callerIdentity(ctx.caller).type // → 'AssumedRole'
 */
export function callerIdentity(caller: Caller): UserIdentity {
  const session = sessionOfCaller(caller);
  const p = caller.principal;
  if (session) {
    const w = session.webIdentity;
    return {
      type: 'AssumedRole',
      principalId: caller.userId,
      arn: p.id,
      accountId: session.account,
      accessKeyId: caller.accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: session.roleId,
          arn: session.roleArn,
          accountId: session.account,
          userName: session.roleName,
        },
        webIdFederationData: w ? { federatedProvider: w.providerArn, attributes: {} } : {},
        attributes: {
          creationDate: isoEpochSeconds(session.issuedAt),
          mfaAuthenticated: 'false',
        },
        ...(session.sourceIdentity !== undefined ? { sourceIdentity: session.sourceIdentity } : {}),
      },
    };
  }
  if (p.type === 'User')
    return {
      type: 'IAMUser',
      principalId: caller.userId,
      arn: p.id,
      accountId: caller.account,
      accessKeyId: caller.accessKeyId,
      userName: p.id.slice(p.id.lastIndexOf('/') + 1),
    };
  if (p.type === 'Account')
    return {
      type: 'Root',
      principalId: caller.account,
      arn: `arn:${p.partition}:iam::${caller.account}:root`,
      accountId: caller.account,
      accessKeyId: caller.accessKeyId,
    };
  return {
    type: 'Unknown',
    principalId: caller.userId,
    arn: p.id,
    accountId: caller.account,
    accessKeyId: caller.accessKeyId,
  };
}

/** What an AssumeRoleWithWebIdentity call presented, verified where STS got that far. */
export interface WebIdentityFacts {
  providerArn?: string | undefined;
  aud?: string | undefined;
  sub?: string | undefined;
}

/**
 * The `WebIdentityUser` of an AssumeRoleWithWebIdentity call: principalId
 * `<provider ARN>:<aud>:<sub>`, userName the sub (§11.2).
 *
 * @example
 * webIdentityUser({ providerArn: 'arn:aws:iam::1:oidc-provider/x', aud: 'sts.amazonaws.com', sub: 's' })
 * // → { type: 'WebIdentityUser', principalId: 'arn:aws:iam::1:oidc-provider/x:sts.amazonaws.com:s', userName: 's', identityProvider: 'arn:aws:iam::1:oidc-provider/x' }
 */
export function webIdentityUser(f: WebIdentityFacts): UserIdentity {
  return {
    type: 'WebIdentityUser',
    principalId:
      f.providerArn !== undefined
        ? `${f.providerArn}:${f.aud ?? ''}:${f.sub ?? ''}`
        : (f.sub ?? ''),
    userName: f.sub ?? '',
    identityProvider: f.providerArn ?? '',
  };
}

/**
 * An unsigned S3 request, as CloudTrail records it: the S3 user guide's query for anonymous
 * requesters selects `userIdentity.accountId='ANONYMOUS_PRINCIPAL'`, and the records of public
 * buckets read anonymously say so. (Some refused anonymous calls have been seen recorded with
 * `"anonymous"`; the documented value is the one kept.)
 */
export const ANONYMOUS: UserIdentity = {
  type: 'AWSAccount',
  principalId: '',
  accountId: 'ANONYMOUS_PRINCIPAL',
};
