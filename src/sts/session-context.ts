/**
 * A role session as the policy engine sees it (spec/iam-policy.md §10, §12.2): its principal
 * (the assumed-role ARN, with the role ARN and path behind it) and the global condition keys
 * it brings to every request — `aws:TokenIssueTime` (what revocation denies on),
 * `aws:PrincipalArn`, `aws:PrincipalTag/*`, `aws:FederatedProvider`, `aws:SourceIdentity`,
 * `aws:userid`, `aws:PrincipalAccount`, `aws:PrincipalType`, and the web identity's `sub`,
 * `aud` and `amr` keys that stay usable after the role is assumed. The edge's authorizer
 * layers request keys (`aws:SourceIp`, `aws:CurrentTime`, …) over these.
 */
import {
  type ContextInput,
  providerKeyPrefix,
  type RequestPrincipal,
  webIdentityKeys,
} from '../policy/index.js';
import type { Caller } from '../server/aws/types.js';
import { isoEpochSeconds } from '../common/times.js';
import type { RoleRecord } from '../iam/directory.js';
import type { SessionTag, StsSession } from './types.js';

/** `arn:aws:sts::ACCT:assumed-role/RoleName/Session`: no role path. */
export function assumedRoleArn(
  s: Pick<StsSession, 'partition' | 'account' | 'roleName' | 'sessionName'>,
): string {
  return `arn:${s.partition}:sts::${s.account}:assumed-role/${s.roleName}/${s.sessionName}`;
}

/** `AROA…:Session`, the session's `aws:userid` and `AssumedRoleId`. */
export function assumedRoleId(s: Pick<StsSession, 'roleId' | 'sessionName'>): string {
  return `${s.roleId}:${s.sessionName}`;
}

/**
 * The principal a session's requests are made as.
 *
 * @example
 * principalOf(session) // → { type: 'AssumedRole', id: 'arn:aws:sts::123456789012:assumed-role/app/s1', roleArn: 'arn:aws:iam::123456789012:role/team/app', … }
 */
export function principalOf(session: StsSession): RequestPrincipal {
  return {
    type: 'AssumedRole',
    id: assumedRoleArn(session),
    account: session.account,
    partition: session.partition,
    roleArn: session.roleArn,
  };
}

/** The provider URL (`host/path`) of an OIDC provider ARN. */
export function providerUrlOfArn(providerArn: string): string {
  const i = providerArn.indexOf(':oidc-provider/');
  return i < 0 ? providerArn : providerArn.slice(i + ':oidc-provider/'.length);
}

/** Role tags overlaid with session tags (keys compared without case, the session wins). */
export function principalTags(
  roleTags: readonly SessionTag[],
  sessionTags: readonly SessionTag[] | undefined,
): SessionTag[] {
  const out = new Map<string, SessionTag>();
  for (const t of roleTags) out.set(t.Key.toLowerCase(), t);
  for (const t of sessionTags ?? []) out.set(t.Key.toLowerCase(), t);
  return [...out.values()];
}

/**
 * The condition keys a session carries into every request it signs. `roleTags` are the
 * role's own tags (the edge reads them from IAM; session tags override them).
 *
 * @example
 * sessionContextKeys(session)['aws:TokenIssueTime'] // → '2025-01-01T00:00:00Z'
 */
export function sessionContextKeys(
  session: StsSession,
  opts: { roleTags?: readonly SessionTag[] } = {},
): ContextInput {
  const keys: Record<string, string | string[]> = {
    'aws:PrincipalArn': session.roleArn,
    'aws:PrincipalAccount': session.account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': assumedRoleId(session),
    'aws:TokenIssueTime': isoEpochSeconds(session.issuedAt),
    'aws:PrincipalIsAWSService': 'false',
    // in the context of every call signed with temporary credentials, false without MFA (no
    // session here was issued with one); absent for long-term keys
    'aws:MultiFactorAuthPresent': 'false',
  };
  for (const t of principalTags(opts.roleTags ?? [], session.tags))
    keys[`aws:PrincipalTag/${t.Key}`] = t.Value;
  if (session.sourceIdentity !== undefined) keys['aws:SourceIdentity'] = session.sourceIdentity;
  const w = session.webIdentity;
  if (w) {
    keys['aws:FederatedProvider'] = w.providerArn;
    const url = providerUrlOfArn(w.providerArn);
    const web = webIdentityKeys(providerKeyPrefix(`https://${url}`), {
      sub: w.sub,
      aud: w.aud,
      amr: w.amr,
    });
    for (const [k, v] of Object.entries(web)) {
      if (typeof v === 'string') keys[k] = v;
      else if (Array.isArray(v)) keys[k] = v.map(String);
    }
  }
  return keys;
}

/**
 * The edge's `Caller` for a session's credentials.
 *
 * @example
 * callerOf(session, 'ASIA…').userId // → 'AROA…:s1'
 */
export function callerOf(session: StsSession, accessKeyId: string): Caller {
  return {
    principal: principalOf(session),
    accessKeyId,
    account: session.account,
    userId: assumedRoleId(session),
    session,
  };
}

/** The session STS sealed behind a caller, when the caller is a role session. */
export function sessionOfCaller(caller: Caller): StsSession | undefined {
  const s = caller.session as Partial<StsSession> | undefined;
  return s && s.v === 1 && typeof s.roleArn === 'string' ? (s as StsSession) : undefined;
}

/** What varies between the ways of obtaining a role session. */
export interface RoleSessionInput {
  role: Pick<RoleRecord, 'account' | 'arn' | 'roleName' | 'roleId' | 'path'>;
  partition: string;
  sessionName: string;
  /** epoch seconds: the session's `aws:TokenIssueTime` */
  now: number;
  seconds: number;
  via: StsSession['via'];
  chained?: boolean | undefined;
  policy?: string | undefined;
  policyArns?: readonly string[] | undefined;
  tags?: readonly SessionTag[] | undefined;
  transitiveTagKeys?: readonly string[] | undefined;
  sourceIdentity?: string | undefined;
  webIdentity?: StsSession['webIdentity'];
}

/**
 * The session record every STS operation seals into credentials; empty lists are left out.
 *
 * @example
 * const session = roleSession({ role, partition: 'aws', sessionName: 's', now, seconds: 3600, via: 'AssumeRole' });
 */
export function roleSession(i: RoleSessionInput): StsSession {
  const some = <T>(xs: readonly T[] | undefined) => (xs && xs.length > 0 ? [...xs] : undefined);
  return {
    v: 1,
    partition: i.partition,
    account: i.role.account,
    roleArn: i.role.arn,
    roleName: i.role.roleName,
    roleId: i.role.roleId,
    rolePath: i.role.path,
    sessionName: i.sessionName,
    issuedAt: i.now,
    expiresAt: i.now + i.seconds,
    policy: i.policy,
    policyArns: some(i.policyArns),
    tags: some(i.tags),
    transitiveTagKeys: some(i.transitiveTagKeys),
    sourceIdentity: i.sourceIdentity,
    chained: i.chained ?? false,
    via: i.via,
    webIdentity: i.webIdentity,
  };
}
