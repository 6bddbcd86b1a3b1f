/**
 * What the edge does with credentials: resolve an access key id (and session token) to a
 * secret and a caller (`ASIA…` through the sealer, `AKIA…` through IAM), answer
 * GetCallerIdentity for users, sessions and root (spec/aws-wire.md §3.5), and authorize a
 * session's requests with the keys it carries — including revocation by a deny on
 * `aws:TokenIssueTime`, decided by the policy engine.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { fixedClock } from '../common/clock.js';
import { createContext, evaluateRequest, loadPolicy } from '../policy/index.js';
import type { Caller, QueryOperation } from '../server/aws/types.js';
import { CredentialSealer } from './credentials.js';
import { STS_MSG } from './errors.js';
import { createStsOperations } from './operations.js';
import { credentialResolver, resolveCredentials } from './resolve-credentials.js';
import { ServerKey } from './server-key.js';
import { assumedRoleArn, callerOf, principalOf, sessionContextKeys } from './session-context.js';
import { createSessionView } from './session-view.js';
import { callContext, MemoryDirectory } from './test-support.js';
import type { SessionView as ServerSessionView } from '../server/aws/authorize.js';
import type { CredentialLookup } from '../sigv4/types.js';
import type { StsSession } from './types.js';

const START = '2025-01-01T00:00:00Z';
const T0 = Date.parse(START) / 1000;
const ACCOUNT = '123456789012';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF`;
const clock = fixedClock(START);

function session(over: Partial<StsSession> = {}): StsSession {
  return {
    v: 1,
    partition: 'aws',
    account: ACCOUNT,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/irsa/s3-app-role`,
    roleName: 's3-app-role',
    roleId: 'AROAEXAMPLEEXAMPLE123',
    rolePath: '/irsa/',
    sessionName: 'botocore-session-1735689600',
    issuedAt: T0,
    expiresAt: T0 + 3600,
    chained: false,
    via: 'AssumeRoleWithWebIdentity',
    webIdentity: {
      providerArn: PROVIDER,
      sub: 'system:serviceaccount:production:s3-app',
      aud: 'sts.amazonaws.com',
      jti: 'j-1',
      kid: 'k-1',
    },
    ...over,
  };
}

let dir: MemoryDirectory;
let sealer: CredentialSealer;
beforeEach(() => {
  clock.set(START);
  dir = new MemoryDirectory();
  const u = dir.addUser({ account: ACCOUNT, name: 'admin' });
  dir.addAccessKey({
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    account: ACCOUNT,
    userName: u.userName,
    status: 'Active',
    createDate: START,
  });
  dir.addAccessKey({
    accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
    secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    account: ACCOUNT,
    userName: u.userName,
    status: 'Inactive',
    createDate: START,
  });
  sealer = new CredentialSealer({ key: ServerKey.from(new Uint8Array(32).fill(9)), clock });
});

describe('resolveCredentials', () => {
  it('opens an ASIA key with its session token, no lookup needed', async () => {
    const s = session();
    const c = sealer.issue(s);
    const r = await resolveCredentials(
      { directory: new MemoryDirectory(), sealer },
      c.AccessKeyId,
      c.SessionToken,
    );
    expect(r).toEqual({
      ok: true,
      secretAccessKey: c.SecretAccessKey,
      caller: {
        principal: {
          type: 'AssumedRole',
          id: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/botocore-session-1735689600`,
          account: ACCOUNT,
          partition: 'aws',
          roleArn: s.roleArn,
        },
        accessKeyId: c.AccessKeyId,
        account: ACCOUNT,
        userId: 'AROAEXAMPLEEXAMPLE123:botocore-session-1735689600',
        session: s,
      },
      identity: expect.objectContaining({ accessKeyId: c.AccessKeyId }),
      session: s,
    });
  });

  it('resolves an AKIA key through IAM to its user', async () => {
    const lookup = credentialResolver({ directory: dir, sealer });
    const r = await lookup('AKIAIOSFODNN7EXAMPLE');
    expect(r.ok && r.secretAccessKey).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(r.ok && r.caller).toEqual({
      principal: {
        type: 'User',
        id: `arn:aws:iam::${ACCOUNT}:user/admin`,
        account: ACCOUNT,
        partition: 'aws',
      },
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      account: ACCOUNT,
      userId: dir.users.get(`${ACCOUNT}/admin`)?.userId,
    });
  });

  it.each([
    ['an unknown AKIA key', 'AKIAAAAAAAAAAAAAAAAA', undefined, 'UnknownKey'],
    ['an inactive AKIA key', 'AKIAI44QH8DHBEXAMPLE', undefined, 'UnknownKey'],
    ['an AKIA key with a session token', 'AKIAIOSFODNN7EXAMPLE', 'token', 'InvalidToken'],
    ['something that is no key id', 'hello', undefined, 'UnknownKey'],
    ['an ASIA key without its session token', 'ASIAAAAAAAAAAAAAAAAA', undefined, 'InvalidToken'],
    [
      'an ASIA key with a forged session token',
      'ASIAAAAAAAAAAAAAAAAA',
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'InvalidToken',
    ],
  ])('refuses %s', async (_name, id, token, failure) => {
    expect(await resolveCredentials({ directory: dir, sealer }, id, token)).toEqual({
      ok: false,
      failure,
    });
  });

  it('answers ExpiredToken once the session has expired', async () => {
    const c = sealer.issue(session());
    clock.advance(3600);
    expect(
      await resolveCredentials({ directory: dir, sealer }, c.AccessKeyId, c.SessionToken),
    ).toEqual({
      ok: false,
      failure: 'ExpiredToken',
      // the token is genuine: whose session it was, for the audit trail
      expired: {
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/botocore-session-1735689600`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/irsa/s3-app-role`,
        expiredAt: new Date((T0 + 3600) * 1000).toISOString().replace('.000Z', 'Z'),
      },
    });
  });
});

describe('the contracts of the edge', () => {
  it("fits the SigV4 verifier's lookup and the authorizer's session view", () => {
    const lookup: CredentialLookup<Caller> = credentialResolver({ directory: dir, sealer });
    const view: ServerSessionView = createSessionView({ directory: dir });
    expect([typeof lookup, typeof view.policies]).toEqual(['function', 'function']);
  });
});

describe('the session view', () => {
  const policy = (action: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
    });

  it('compiles the sealed session policies and gives the session keys', async () => {
    dir.addManagedPolicy('arn:aws:iam::aws:policy/ReadSqs', policy('sqs:ReceiveMessage'));
    const s = session({
      policy: policy('s3:GetObject'),
      policyArns: ['arn:aws:iam::aws:policy/ReadSqs'],
    });
    const view = createSessionView({ directory: dir });
    const caller = callerOf(s, 'ASIAAAAAAAAAAAAAAAAA');
    expect((await view.policies(caller)).map((p) => p.id)).toEqual([
      'session policy',
      'arn:aws:iam::aws:policy/ReadSqs',
    ]);
    expect(view.contextKeys(caller)).toEqual(sessionContextKeys(s));
    expect(await view.policies(callerOf(session(), 'ASIAAAAAAAAAAAAAAAAA'))).toEqual([]);
  });

  it('keeps restricting when a managed session policy has been deleted', async () => {
    const s = session({ policyArns: ['arn:aws:iam::aws:policy/Deleted'] });
    const set = await createSessionView({ directory: dir }).policies(
      callerOf(s, 'ASIAAAAAAAAAAAAAAAAA'),
    );
    expect(set).toHaveLength(1);
    const d = evaluateRequest(
      {
        principal: principalOf(s),
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/k',
        context: createContext(sessionContextKeys(s)),
      },
      { identity: [allowAll()], session: set },
    );
    expect(d).toMatchObject({ decision: 'implicitDeny', missing: [{ set: 'session' }] });
  });
});

function allowAll() {
  const r = loadPolicy(
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    'identity',
    { id: 'all', mode: 'evaluate' },
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.policy;
}

describe('GetCallerIdentity', () => {
  const ops = () =>
    createStsOperations({
      directory: dir,
      sealer,
      keys: { keysFor: () => Promise.reject(new Error('unused')) },
      clock,
    });
  const call = async (caller: Caller | undefined) =>
    (ops().GetCallerIdentity as QueryOperation)(callContext(clock, caller), new Map());

  it('names an IAM user', async () => {
    const r = await resolveCredentials({ directory: dir, sealer }, 'AKIAIOSFODNN7EXAMPLE');
    if (!r.ok) throw new Error(r.failure);
    expect(await call(r.caller)).toEqual({
      UserId: dir.users.get(`${ACCOUNT}/admin`)?.userId,
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
    });
  });

  it('names a role session without the role path', async () => {
    const c = sealer.issue(session());
    expect(await call(callerOf(session(), c.AccessKeyId))).toEqual({
      UserId: 'AROAEXAMPLEEXAMPLE123:botocore-session-1735689600',
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/botocore-session-1735689600`,
    });
  });

  it('names the root user', async () => {
    const rootCaller: Caller = {
      principal: {
        type: 'Account',
        id: `arn:aws:iam::${ACCOUNT}:root`,
        account: ACCOUNT,
        partition: 'aws',
      },
      accessKeyId: 'AKIAROOTROOTROOTROOT',
      account: ACCOUNT,
      userId: ACCOUNT,
    };
    expect(await call(rootCaller)).toEqual({
      UserId: ACCOUNT,
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
    });
  });

  it('needs a signature, nothing more', async () => {
    await expect(call(undefined)).rejects.toThrow(
      new AwsError('MissingAuthenticationToken', 403, STS_MSG.missingAuth),
    );
  });
});

describe('a session as the policy engine sees it', () => {
  it('carries the principal keys, its tags over the role tags, and the web identity', () => {
    const s = session({
      tags: [{ Key: 'team', Value: 'data' }],
      sourceIdentity: 'alice',
    });
    expect(principalOf(s)).toEqual({
      type: 'AssumedRole',
      id: assumedRoleArn(s),
      account: ACCOUNT,
      partition: 'aws',
      roleArn: s.roleArn,
    });
    expect(
      sessionContextKeys(s, {
        roleTags: [
          { Key: 'Team', Value: 'platform' },
          { Key: 'cost-center', Value: '42' },
        ],
      }),
    ).toEqual({
      'aws:PrincipalArn': s.roleArn,
      'aws:PrincipalAccount': ACCOUNT,
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': 'AROAEXAMPLEEXAMPLE123:botocore-session-1735689600',
      'aws:TokenIssueTime': '2025-01-01T00:00:00Z',
      'aws:PrincipalIsAWSService': 'false',
      'aws:MultiFactorAuthPresent': 'false',
      'aws:PrincipalTag/team': 'data',
      'aws:PrincipalTag/cost-center': '42',
      'aws:SourceIdentity': 'alice',
      'aws:FederatedProvider': PROVIDER,
      '127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF:sub':
        'system:serviceaccount:production:s3-app',
      '127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF:aud': 'sts.amazonaws.com',
    });
  });

  it('is revoked by a deny on aws:TokenIssueTime, and sessions issued later are not', () => {
    const identity = [
      loadPolicy(
        {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
            {
              Sid: 'RevokeOlderSessions',
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { DateLessThan: { 'aws:TokenIssueTime': '2025-01-01T00:30:00Z' } },
            },
          ],
        },
        'identity',
        { id: 'AWSRevokeOlderSessions', mode: 'evaluate' },
      ),
    ].map((r) => {
      if (!r.ok) throw new Error(r.error.message);
      return r.policy;
    });
    const decide = (s: StsSession) =>
      evaluateRequest(
        {
          principal: principalOf(s),
          action: 's3:GetObject',
          resource: 'arn:aws:s3:::bucket/key',
          context: createContext(sessionContextKeys(s)),
        },
        { identity },
      ).decision;
    expect(decide(session())).toBe('explicitDeny');
    expect(decide(session({ issuedAt: T0 + 1800, expiresAt: T0 + 5400 }))).toBe('allowed');
  });
});
