/**
 * The shapes STS shares with its callers: the session a set of temporary credentials carries
 * (DESIGN.md "Credentials without a lookup"), the credentials themselves as STS returns them
 * (spec/aws-wire.md §3.2, §3.6), and the answers the credential lookup gives the edge.
 */
import type { Caller } from '../server/aws/types.js';

/** `n` random bytes; node's `randomBytes` outside tests. */
export type RandomSource = (n: number) => Uint8Array;

export interface SessionTag {
  Key: string;
  Value: string;
}

/** What a web-identity session remembers of its token (never the token itself). */
export interface WebIdentityFacts {
  /** `arn:aws:iam::ACCT:oidc-provider/<host/path>` */
  providerArn: string;
  sub: string;
  /** the audience that matched the provider's client-ID list */
  aud: string;
  amr?: string[] | undefined;
  jti?: string | undefined;
  kid?: string | undefined;
}

/**
 * A role session, sealed into its session token. Times are epoch seconds. Everything the
 * edge's authorizer needs about the caller is here, so no lookup is needed to authenticate.
 */
export interface StsSession {
  /** format version of the sealed record */
  v: 1;
  partition: string;
  /** the role's account, which is the session's account */
  account: string;
  /** `arn:aws:iam::ACCT:role/<path>Name`, path included */
  roleArn: string;
  roleName: string;
  /** `AROA…` */
  roleId: string;
  /** `/` or `/a/b/` */
  rolePath: string;
  sessionName: string;
  /** `aws:TokenIssueTime` */
  issuedAt: number;
  expiresAt: number;
  /** the inline session policy, as passed */
  policy?: string | undefined;
  /** managed session policies */
  policyArns?: string[] | undefined;
  tags?: SessionTag[] | undefined;
  /** keys of `tags` that propagate to chained sessions */
  transitiveTagKeys?: string[] | undefined;
  sourceIdentity?: string | undefined;
  /** assumed by a role session (role chaining): the session lasts at most an hour */
  chained: boolean;
  /** how the session was obtained */
  via: 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'AssumeRoleForPodIdentity';
  webIdentity?: WebIdentityFacts | undefined;
}

/** Temporary credentials, as the Query result's `Credentials` member. */
export interface IssuedCredentials {
  /** `ASIA` + 16 characters of `[A-Z2-7]` */
  AccessKeyId: string;
  /** 40 characters of the base64 alphabet; never log it */
  SecretAccessKey: string;
  /** base64 of the sealed session; never log it */
  SessionToken: string;
  /** ISO 8601 to the second, `2026-11-22T12:00:00Z`, as STS writes it */
  Expiration: string;
}

export type CredentialFailure = 'UnknownKey' | 'InvalidToken' | 'ExpiredToken';

export type OpenResult =
  | { ok: true; session: StsSession }
  | { ok: false; failure: 'InvalidToken' }
  /** the session opened (the server sealed it) but its time is over */
  | { ok: false; failure: 'ExpiredToken'; session: StsSession };

/** What the SigV4 verifier gets back for an access key id (and session token). */
export type CredentialResolution =
  | {
      ok: true;
      /** the secret to verify the signature with; never log it */
      secretAccessKey: string;
      caller: Caller;
      /** the same caller, under the name the SigV4 verifier hands back (`LookupResult.identity`) */
      identity: Caller;
      /** for `ASIA…` keys: the opened session (also in `caller.session`) */
      session?: StsSession | undefined;
    }
  | { ok: false; failure: CredentialFailure; expired?: ExpiredSession | undefined };

/** What an expired session's token still says of it (for the audit trail; never a secret). */
export interface ExpiredSession {
  /** `arn:aws:sts::ACCT:assumed-role/Name/session` */
  arn: string;
  roleArn: string;
  /** ISO 8601 */
  expiredAt: string;
}
