/**
 * AssumeRole (spec/aws-wire.md §3.4, spec/iam-policy.md §11, §12.1) over an in-memory IAM:
 * same account (trust naming the caller, or only the account), cross account, ExternalId,
 * role chaining's one-hour cap, session tags with and without sts:TagSession, transitive tags
 * and the source identity carried along a chain, explicit denies in identity and session
 * policies, the root user, and AWS's AccessDenied text for each.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { fixedClock } from '../common/clock.js';
import type { Caller, QueryOperation } from '../server/aws/types.js';
import { CredentialSealer } from './credentials.js';
import { STS_MSG } from './errors.js';
import { createStsOperations } from './operations.js';
import { resolveCredentials } from './resolve-credentials.js';
import { ServerKey } from './server-key.js';
import { callContext, MemoryDirectory } from './test-support.js';
import type { StsSession } from './types.js';

const START = '2025-01-01T00:00:00Z';
const A = '111111111111';
const B = '222222222222';
const clock = fixedClock(START);

const arn = {
  user: (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`,
  role: (name: string, account = A) => `arn:aws:iam::${account}:role/${name}`,
};

function trust(
  principal: Record<string, unknown>,
  actions: string[] = ['sts:AssumeRole'],
  condition?: unknown,
) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: principal,
        Action: actions,
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}

const allowAssume = (resource = '*') => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
      Resource: resource,
    },
  ],
});

const ALL = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];

function setup() {
  const dir = new MemoryDirectory();
  dir.addUser({ account: A, name: 'alice' });
  dir.addUser({ account: A, name: 'bob', policies: [allowAssume()] });
  dir.addUser({
    account: A,
    name: 'eve',
    policies: [
      allowAssume(),
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: arn.role('direct-role') },
        ],
      },
    ],
  });
  dir.addUser({
    account: A,
    name: 'bounded',
    policies: [allowAssume()],
    boundary: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    },
  });
  dir.addUser({ account: B, name: 'carol', policies: [allowAssume(arn.role('cross-role'))] });
  dir.addUser({ account: B, name: 'dave' });

  const bob = arn.user(A, 'bob');
  dir.addRole({
    account: A,
    name: 'direct-role',
    trust: trust({ AWS: [arn.user(A, 'alice'), arn.user(A, 'eve')] }),
  });
  dir.addRole({
    account: A,
    name: 'account-role',
    trust: trust({ AWS: `arn:aws:iam::${A}:root` }),
  });
  dir.addRole({ account: A, name: 'cross-role', trust: trust({ AWS: B }) });
  dir.addRole({
    account: A,
    name: 'external-role',
    trust: trust({ AWS: bob }, ['sts:AssumeRole'], {
      StringEquals: { 'sts:ExternalId': 'ext-123' },
    }),
  });
  dir.addRole({
    account: A,
    name: 'tag-role',
    trust: trust({ AWS: bob }, ['sts:AssumeRole', 'sts:TagSession']),
  });
  dir.addRole({ account: A, name: 'notag-role', trust: trust({ AWS: bob }) });
  dir.addRole({ account: A, name: 'source-role', trust: trust({ AWS: bob }) });
  dir.addRole({
    account: A,
    name: 'first-role',
    path: '/team/',
    maxSessionDuration: 43200,
    trust: trust({ AWS: bob }, ALL),
    policies: [allowAssume()],
  });
  dir.addRole({
    account: A,
    name: 'chain-role',
    maxSessionDuration: 43200,
    trust: trust({ AWS: 'arn:aws:iam::111111111111:role/team/first-role' }, ALL),
  });
  dir.addRole({
    account: A,
    name: 'chain-notag-role',
    trust: trust({ AWS: 'arn:aws:iam::111111111111:role/team/first-role' }),
  });
  const sealer = new CredentialSealer({ key: ServerKey.from(new Uint8Array(32).fill(3)), clock });
  const keys = { keysFor: () => Promise.reject(new Error('no web identity here')) };
  return { dir, sealer, sts: createStsOperations({ directory: dir, sealer, keys, clock }) };
}

let env: ReturnType<typeof setup>;
beforeEach(() => {
  clock.set(START);
  env = setup();
});

function userCaller(account: string, name: string): Caller {
  const u = env.dir.users.get(`${account}/${name}`);
  if (!u) throw new Error(name);
  return {
    principal: { type: 'User', id: u.arn, account, partition: 'aws' },
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    account,
    userId: u.userId,
  };
}

const bob = () => arn.user(A, 'bob');

const root = (account: string): Caller => ({
  principal: { type: 'Account', id: `arn:aws:iam::${account}:root`, account, partition: 'aws' },
  accessKeyId: 'AKIAROOTROOTROOTROOT',
  account,
  userId: account,
});

interface Result {
  Credentials: {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: string;
  };
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

async function assume(caller: Caller | undefined, p: Record<string, string>): Promise<Result> {
  const op = env.sts.AssumeRole as QueryOperation;
  return (await op(
    callContext(clock, caller),
    new Map(Object.entries({ RoleSessionName: 's1', ...p })),
  )) as unknown as Result;
}

async function refusal(caller: Caller | undefined, p: Record<string, string>): Promise<AwsError> {
  try {
    await assume(caller, p);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

/** The caller a set of credentials resolves to, as the edge will see it. */
async function callerOf(r: Result): Promise<Caller> {
  const c = await resolveCredentials(
    { directory: env.dir, sealer: env.sealer },
    r.Credentials.AccessKeyId,
    r.Credentials.SessionToken,
  );
  if (!c.ok) throw new Error(c.failure);
  return c.caller;
}

function sessionOf(r: Result): StsSession {
  const o = env.sealer.open(r.Credentials.AccessKeyId, r.Credentials.SessionToken);
  if (!o.ok) throw new Error(o.failure);
  return o.session;
}

const denied = (caller: string, action: string, role: string) =>
  `User: ${caller} is not authorized to perform: ${action} on resource: ${role}`;

describe('AssumeRole decisions', () => {
  const cases: {
    name: string;
    caller: () => Caller;
    params: Record<string, string>;
    ok?: true;
    code?: string;
    message?: string;
  }[] = [
    {
      name: 'same account, trust names the user',
      caller: () => userCaller(A, 'alice'),
      params: { RoleArn: arn.role('direct-role') },
      ok: true,
    },
    {
      name: 'same account, trust names the account, no identity Allow',
      caller: () => userCaller(A, 'alice'),
      params: { RoleArn: arn.role('account-role') },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'alice'), 'sts:AssumeRole', arn.role('account-role')),
    },
    {
      name: 'same account, trust names the account, identity Allow',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('account-role') },
      ok: true,
    },
    {
      name: 'same account, identity Allow outside the permissions boundary',
      caller: () => userCaller(A, 'bounded'),
      params: { RoleArn: arn.role('account-role') },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bounded'), 'sts:AssumeRole', arn.role('account-role')),
    },
    {
      name: 'an explicit deny in the identity policy beats a trust policy naming the user',
      caller: () => userCaller(A, 'eve'),
      params: { RoleArn: arn.role('direct-role') },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'eve'), 'sts:AssumeRole', arn.role('direct-role')),
    },
    {
      name: 'cross account with an identity Allow',
      caller: () => userCaller(B, 'carol'),
      params: { RoleArn: arn.role('cross-role') },
      ok: true,
    },
    {
      name: 'cross account without an identity Allow',
      caller: () => userCaller(B, 'dave'),
      params: { RoleArn: arn.role('cross-role') },
      code: 'AccessDenied',
      message: denied(arn.user(B, 'dave'), 'sts:AssumeRole', arn.role('cross-role')),
    },
    {
      name: 'cross account to a role that trusts only its own account',
      caller: () => userCaller(B, 'carol'),
      params: { RoleArn: arn.role('account-role') },
      code: 'AccessDenied',
      message: denied(arn.user(B, 'carol'), 'sts:AssumeRole', arn.role('account-role')),
    },
    {
      name: 'ExternalId missing',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('external-role') },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bob'), 'sts:AssumeRole', arn.role('external-role')),
    },
    {
      name: 'ExternalId wrong',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('external-role'), ExternalId: 'ext-124' },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bob'), 'sts:AssumeRole', arn.role('external-role')),
    },
    {
      name: 'ExternalId right',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('external-role'), ExternalId: 'ext-123' },
      ok: true,
    },
    {
      name: 'session tags without sts:TagSession',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('notag-role'),
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'data',
      },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bob'), 'sts:TagSession', arn.role('notag-role')),
    },
    {
      name: 'session tags with sts:TagSession',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('tag-role'),
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'data',
      },
      ok: true,
    },
    {
      name: 'a source identity without sts:SetSourceIdentity',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('source-role'), SourceIdentity: 'alice' },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bob'), 'sts:SetSourceIdentity', arn.role('source-role')),
    },
    {
      name: 'a role that does not exist',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('no-such-role') },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bob'), 'sts:AssumeRole', arn.role('no-such-role')),
    },
    {
      name: 'the root user',
      caller: () => root(A),
      params: { RoleArn: arn.role('account-role') },
      code: 'AccessDenied',
      message: STS_MSG.rootCannotAssume,
    },
    {
      name: "DurationSeconds beyond the role's MaxSessionDuration",
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('account-role'), DurationSeconds: '3601' },
      code: 'ValidationError',
      message: STS_MSG.maxSessionDuration,
    },
    {
      name: 'an MFA code (irsakit has no MFA devices)',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('account-role'),
        SerialNumber: 'arn:aws:iam::111111111111:mfa/bob',
        TokenCode: '123456',
      },
      code: 'AccessDenied',
      message: STS_MSG.mfaFailed,
    },
    {
      name: 'a provided context (irsakit can verify no assertion)',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('account-role'),
        'ProvidedContexts.member.1.ProviderArn': 'arn:aws:iam::aws:contextProvider/IdentityCenter',
        'ProvidedContexts.member.1.ContextAssertion': 'x'.repeat(40),
      },
      code: 'AccessDenied',
      message: denied(arn.user(A, 'bob'), 'sts:SetContext', arn.role('account-role')),
    },
    {
      name: 'a provided context shorter than the model allows',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('account-role'),
        'ProvidedContexts.member.1.ProviderArn': 'x'.repeat(19),
        'ProvidedContexts.member.1.ContextAssertion': 'abc',
      },
      code: 'ValidationError',
      message:
        "2 validation errors detected: Value '" +
        'x'.repeat(19) +
        "' at 'providedContexts.1.member.providerArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'abc' at 'providedContexts.1.member.contextAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4",
    },
    {
      name: 'duplicate tag keys differing in case',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('tag-role'),
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'a',
        'Tags.member.2.Key': 'Team',
        'Tags.member.2.Value': 'b',
      },
      code: 'InvalidParameterValue',
      message: STS_MSG.duplicateTagKeys,
    },
    ...(
      [
        ['aws:team', 'a'],
        ['AWS:team', 'a'],
        ['team', 'aws:a'],
      ] as const
    ).map(([key, value]) => ({
      name: `a tag ${key}=${value}: the aws: prefix is reserved`,
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('tag-role'),
        'Tags.member.1.Key': key,
        'Tags.member.1.Value': value,
      },
      code: 'InvalidParameterValue',
      message: STS_MSG.reservedTag,
    })),
    {
      name: 'a transitive key that is not a tag',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('tag-role'), 'TransitiveTagKeys.member.1': 'team' },
      code: 'InvalidParameterValue',
      message: STS_MSG.transitiveNotInTags('team'),
    },
    {
      name: 'a tag value outside the character set',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('tag-role'),
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'a;b',
      },
      code: 'ValidationError',
      message:
        "1 validation error detected: Value 'a;b' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
    },
    {
      name: 'session tags beyond the packed budget',
      caller: () => userCaller(A, 'bob'),
      params: {
        RoleArn: arn.role('tag-role'),
        ...Object.fromEntries(
          Array.from({ length: 50 }, (_, i) => [
            [`Tags.member.${i + 1}.Key`, `key-${i}`.padEnd(128, 'k')],
            [`Tags.member.${i + 1}.Value`, 'v'.repeat(256)],
          ]).flat(),
        ),
      },
      code: 'PackedPolicyTooLarge',
      message: 'Packed size of session tags consumes 938% of allotted space.',
    },
    {
      name: 'an ExternalId of one character',
      caller: () => userCaller(A, 'bob'),
      params: { RoleArn: arn.role('external-role'), ExternalId: 'x' },
      code: 'ValidationError',
      message:
        "1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2",
    },
  ];

  it.each(cases)('$name', async (c) => {
    if (c.ok) {
      const r = await assume(c.caller(), c.params);
      expect(r.AssumedRoleUser.Arn).toBe(
        `arn:aws:sts::${A}:assumed-role/${(c.params.RoleArn as string).split('/').pop()}/s1`,
      );
      return;
    }
    const e = await refusal(c.caller(), c.params);
    expect([e.code, e.message]).toEqual([c.code, c.message]);
    expect(e.httpStatus).toBe(c.code === 'AccessDenied' ? 403 : 400);
  });

  it('explains a refusal: which set had no Allow', async () => {
    const e = await refusal(userCaller(A, 'alice'), { RoleArn: arn.role('account-role') });
    expect(e.detail).toMatchObject({
      check: 'trust',
      action: 'sts:AssumeRole',
      decision: 'implicitDeny',
    });
    expect((e.detail as { summary: string }).summary).toMatch(
      /no identity-based policy allows sts:AssumeRole/,
    );
  });

  it('refuses an unsigned call', async () => {
    const e = await refusal(undefined, { RoleArn: arn.role('account-role') });
    expect([e.code, e.httpStatus, e.message]).toEqual([
      'MissingAuthenticationToken',
      403,
      STS_MSG.missingAuth,
    ]);
  });

  it('asks a custom authorizer when given one', async () => {
    const dir = env.dir;
    const ops = createStsOperations({
      directory: dir,
      sealer: env.sealer,
      keys: { keysFor: () => Promise.reject(new Error('unused')) },
      clock,
      authorize: () => ({ decision: 'explicitDeny', matched: [], missing: [], sameAccount: true }),
    });
    const op = ops.AssumeRole as QueryOperation;
    await expect(
      op(
        callContext(clock, userCaller(A, 'alice')),
        new Map([
          ['RoleArn', arn.role('direct-role')],
          ['RoleSessionName', 's1'],
        ]),
      ),
    ).rejects.toThrow(denied(arn.user(A, 'alice'), 'sts:AssumeRole', arn.role('direct-role')));
  });
});

describe('AssumeRole results', () => {
  it('answers with the role path dropped and no optional members', async () => {
    const r = await assume(userCaller(A, 'bob'), {
      RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
      DurationSeconds: '43200',
    });
    const role = env.dir.roles.get(`${A}/first-role`);
    expect(r.AssumedRoleUser).toEqual({
      AssumedRoleId: `${role?.roleId}:s1`,
      Arn: `arn:aws:sts::${A}:assumed-role/first-role/s1`,
    });
    expect(r.Credentials.Expiration).toBe('2025-01-01T12:00:00Z');
    expect(r.PackedPolicySize).toBeUndefined();
    expect(r.SourceIdentity).toBeUndefined();
    expect(sessionOf(r)).toMatchObject({ chained: false, via: 'AssumeRole', rolePath: '/team/' });
  });

  it('caps a chained session at one hour', async () => {
    const first = await assume(userCaller(A, 'bob'), {
      RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
    });
    const session = await callerOf(first);
    const e = await refusal(session, { RoleArn: arn.role('chain-role'), DurationSeconds: '3601' });
    expect([e.code, e.httpStatus, e.message]).toEqual([
      'ValidationError',
      400,
      STS_MSG.chainingLimit,
    ]);
    const ok = await assume(session, { RoleArn: arn.role('chain-role'), DurationSeconds: '3600' });
    expect(ok.Credentials.Expiration).toBe('2025-01-01T01:00:00Z');
    expect(sessionOf(ok).chained).toBe(true);
  });

  it('carries transitive tags along a chain, and only those', async () => {
    const first = await assume(userCaller(A, 'bob'), {
      RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'data',
      'Tags.member.2.Key': 'env',
      'Tags.member.2.Value': 'dev',
      'TransitiveTagKeys.member.1': 'team',
    });
    expect(first.PackedPolicySize).toBe(1);
    const caller = await callerOf(first);
    const second = await assume(caller, { RoleArn: arn.role('chain-role') });
    expect(sessionOf(second)).toMatchObject({
      tags: [{ Key: 'team', Value: 'data' }],
      transitiveTagKeys: ['team'],
      chained: true,
    });
    expect(second.PackedPolicySize).toBe(1);
    const e = await refusal(caller, {
      RoleArn: arn.role('chain-role'),
      'Tags.member.1.Key': 'TEAM',
      'Tags.member.1.Value': 'ops',
    });
    expect([e.code, e.message]).toEqual([
      'InvalidParameterValue',
      STS_MSG.transitiveOverride('TEAM'),
    ]);
  });

  it('a chained call that passes transitive tags on needs sts:TagSession, though it names no tag', async () => {
    const tagged = await callerOf(
      await assume(userCaller(A, 'bob'), {
        RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'data',
        'TransitiveTagKeys.member.1': 'team',
      }),
    );
    const e = await refusal(tagged, { RoleArn: arn.role('chain-notag-role') });
    expect([e.code, e.message]).toEqual([
      'AccessDenied',
      denied(
        `arn:aws:sts::${A}:assumed-role/first-role/s1`,
        'sts:TagSession',
        arn.role('chain-notag-role'),
      ),
    ]);
    // the call notes its decisions as the edge does: AssumeRole allowed, TagSession refused
    const ctx = callContext(clock, tagged);
    await expect(
      (env.sts.AssumeRole as QueryOperation)(
        ctx,
        new Map([
          ['RoleArn', arn.role('chain-notag-role')],
          ['RoleSessionName', 's2'],
        ]),
      ),
    ).rejects.toThrow('sts:TagSession');
    expect(ctx.decisions.map((d) => [d.action, d.decision])).toEqual([
      ['sts:AssumeRole', 'allowed'],
      ['sts:TagSession', 'implicitDeny'],
    ]);
    expect(ctx.decisions[1]?.explanation).toBeDefined();
    // without transitive tags there is nothing to pass on
    const plain = await callerOf(
      await assume(userCaller(A, 'bob'), {
        RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
      }),
    );
    expect(sessionOf(await assume(plain, { RoleArn: arn.role('chain-notag-role') })).chained).toBe(
      true,
    );
  });

  it('keeps the source identity along a chain and refuses to change it', async () => {
    const first = await assume(userCaller(A, 'bob'), {
      RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
      SourceIdentity: 'alice',
    });
    expect(first.SourceIdentity).toBe('alice');
    const caller = await callerOf(first);
    const second = await assume(caller, { RoleArn: arn.role('chain-role') });
    expect(second.SourceIdentity).toBe('alice');
    expect(sessionOf(second).sourceIdentity).toBe('alice');
    const e = await refusal(caller, { RoleArn: arn.role('chain-role'), SourceIdentity: 'mallory' });
    expect([e.code, e.message]).toEqual([
      'AccessDenied',
      denied(
        `arn:aws:sts::${A}:assumed-role/first-role/s1`,
        'sts:SetSourceIdentity',
        arn.role('chain-role'),
      ),
    ]);
  });

  it('chains from an IRSA session, whose web-identity keys the next trust policy can test', async () => {
    const provider = '127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF';
    const irsaRole = env.dir.addRole({
      account: A,
      name: 'irsa-role',
      trust: trust({ AWS: bob() }),
      policies: [allowAssume()],
    });
    env.dir.addRole({
      account: A,
      name: 'next-role',
      trust: trust({ AWS: irsaRole.arn }, ['sts:AssumeRole'], {
        StringEquals: { [`${provider}:sub`]: 'system:serviceaccount:production:s3-app' },
      }),
    });
    const t0 = Date.parse(START) / 1000;
    const irsa = env.sealer.issue({
      v: 1,
      partition: 'aws',
      account: A,
      roleArn: irsaRole.arn,
      roleName: 'irsa-role',
      roleId: irsaRole.roleId,
      rolePath: '/',
      sessionName: 'botocore-session-1735689600',
      issuedAt: t0,
      expiresAt: t0 + 3600,
      chained: false,
      via: 'AssumeRoleWithWebIdentity',
      webIdentity: {
        providerArn: `arn:aws:iam::${A}:oidc-provider/${provider}`,
        sub: 'system:serviceaccount:production:s3-app',
        aud: 'sts.amazonaws.com',
      },
    });
    const caller = await callerOf({ Credentials: irsa } as Result);
    const opened = env.sealer.open(irsa.AccessKeyId, irsa.SessionToken);
    if (!opened.ok) throw new Error(opened.failure);
    const w = opened.session.webIdentity as NonNullable<StsSession['webIdentity']>;
    const other = env.sealer.issue({
      ...opened.session,
      webIdentity: { ...w, sub: 'system:serviceaccount:staging:s3-app' },
    });
    const denial = await refusal(await callerOf({ Credentials: other } as Result), {
      RoleArn: arn.role('next-role'),
    });
    expect((denial.detail as { summary: string }).summary).toContain(
      'request has [system:serviceaccount:staging:s3-app]',
    );
    const r = await assume(caller, { RoleArn: arn.role('next-role') });
    expect(sessionOf(r)).toMatchObject({ chained: true, roleName: 'next-role' });
    expect(sessionOf(r).webIdentity).toBeUndefined();
    const e = await refusal(caller, { RoleArn: arn.role('next-role'), DurationSeconds: '7200' });
    expect(e.message).toBe(STS_MSG.chainingLimit);
  });

  it("applies the calling session's session policy", async () => {
    const first = await assume(userCaller(A, 'bob'), {
      RoleArn: 'arn:aws:iam::111111111111:role/team/first-role',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    });
    // chain-role's trust names first-role's ARN: a session-policy Allow is still needed (§11)
    const e = await refusal(await callerOf(first), { RoleArn: arn.role('chain-role') });
    expect([e.code, e.message]).toEqual([
      'AccessDenied',
      denied(
        `arn:aws:sts::${A}:assumed-role/first-role/s1`,
        'sts:AssumeRole',
        arn.role('chain-role'),
      ),
    ]);
    expect((e.detail as { summary: string }).summary).toMatch(/no session policy allows/);
  });
});
