import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callContext, errorOf, type IamHarness, iamHarness } from '../testing.js';

const S3_READ_ONLY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' }],
});

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
});
afterEach(async () => {
  await h.close();
});

describe('users', () => {
  it('creates, reads, lists and deletes a user', async () => {
    const r = (await h.call('CreateUser', {
      UserName: 'ana',
      Path: '/dev/',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'x',
    })) as { User: Record<string, unknown> };
    expect(r.User).toMatchObject({
      Path: '/dev/',
      UserName: 'ana',
      Arn: 'arn:aws:iam::123456789012:user/dev/ana',
      CreateDate: new Date('2026-11-22T12:00:00Z'),
      Tags: [{ Key: 'team', Value: 'x' }],
    });
    expect(r.User.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(await h.call('GetUser', { UserName: 'ANA' })).toEqual(r);
    const list = (await h.call('ListUsers')) as { Users: Record<string, unknown>[] };
    expect(list.Users.map((u) => u.UserName)).toEqual(['ana', 'irsa-admin']);
    expect(list.Users[0]).not.toHaveProperty('Tags', expect.anything());
    expect(await h.call('ListUsers', { PathPrefix: '/dev/' })).toMatchObject({
      Users: [{ UserName: 'ana' }],
      IsTruncated: false,
    });
    expect(await h.call('DeleteUser', { UserName: 'ana' })).toBe(null);
    expect(await errorOf(h.call('GetUser', { UserName: 'ana' }))).toEqual({
      code: 'NoSuchEntity',
      status: 404,
      message: 'The user with name ana cannot be found.',
    });
  });

  it('GetUser without a name answers for the calling user, and refuses other callers', async () => {
    expect(await h.call('GetUser')).toMatchObject({ User: { UserName: 'irsa-admin' } });
    const session = callContext({
      type: 'AssumedRole',
      id: 'arn:aws:sts::123456789012:assumed-role/app/s1',
      account: '123456789012',
      partition: 'aws',
      roleArn: 'arn:aws:iam::123456789012:role/app',
    });
    expect(await errorOf(h.call('GetUser', {}, session))).toEqual({
      code: 'ValidationError',
      status: 400,
      message: 'Must specify userName when calling with non-User credentials',
    });
  });

  it('manages access keys: at most two, Active or Inactive', async () => {
    await h.call('CreateUser', { UserName: 'ana' });
    const k1 = (await h.call('CreateAccessKey', { UserName: 'ana' })) as {
      AccessKey: Record<string, unknown>;
    };
    expect(k1.AccessKey).toMatchObject({
      UserName: 'ana',
      Status: 'Active',
      CreateDate: new Date('2026-11-22T12:00:00Z'),
    });
    expect(k1.AccessKey.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(k1.AccessKey.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    await h.call('CreateAccessKey', { UserName: 'ana' });
    expect(await errorOf(h.call('CreateAccessKey', { UserName: 'ana' }))).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    });
    const id = k1.AccessKey.AccessKeyId as string;
    await h.call('UpdateAccessKey', { UserName: 'ana', AccessKeyId: id, Status: 'Inactive' });
    const list = (await h.call('ListAccessKeys', { UserName: 'ana' })) as {
      AccessKeyMetadata: Record<string, unknown>[];
    };
    expect(list.AccessKeyMetadata).toHaveLength(2);
    expect(list.AccessKeyMetadata.find((k) => k.AccessKeyId === id)).toEqual({
      UserName: 'ana',
      AccessKeyId: id,
      Status: 'Inactive',
      CreateDate: new Date('2026-11-22T12:00:00Z'),
    });
    // what SigV4 reads
    expect(await h.directory.getAccessKey(id)).toMatchObject({
      accessKeyId: id,
      secretAccessKey: k1.AccessKey.SecretAccessKey,
      account: '123456789012',
      userName: 'ana',
      status: 'Inactive',
    });

    expect(await errorOf(h.call('DeleteUser', { UserName: 'ana' }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must delete access keys first.',
    });
    for (const k of list.AccessKeyMetadata) {
      await h.call('DeleteAccessKey', { UserName: 'ana', AccessKeyId: k.AccessKeyId as string });
    }
    expect(await h.directory.getAccessKey(id)).toBeUndefined();
    expect(await h.call('DeleteUser', { UserName: 'ana' })).toBe(null);
  });

  it('keeps user policies: inline (2,048 aggregate), attached, boundary', async () => {
    await h.call('CreateUser', { UserName: 'ana' });
    await h.call('PutUserPolicy', { UserName: 'ana', PolicyName: 'p', PolicyDocument: DOC });
    await h.call('AttachUserPolicy', { UserName: 'ana', PolicyArn: S3_READ_ONLY });
    await h.call('PutUserPermissionsBoundary', {
      UserName: 'ana',
      PermissionsBoundary: S3_READ_ONLY,
    });
    expect(await h.call('GetUserPolicy', { UserName: 'ana', PolicyName: 'p' })).toMatchObject({
      UserName: 'ana',
      PolicyName: 'p',
    });
    expect(await h.call('ListUserPolicies', { UserName: 'ana' })).toEqual({
      PolicyNames: ['p'],
      IsTruncated: false,
    });
    expect(await h.call('ListAttachedUserPolicies', { UserName: 'ana' })).toEqual({
      AttachedPolicies: [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: S3_READ_ONLY }],
      IsTruncated: false,
    });
    const pol = await h.directory.policiesOf({
      kind: 'user',
      account: '123456789012',
      userName: 'ana',
    });
    expect(pol.identity.map((p) => p.id)).toEqual(['p', S3_READ_ONLY]);
    expect(pol.boundary.map((p) => p.id)).toEqual([S3_READ_ONLY]);

    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: Array.from({ length: 120 }, (_, i) => `s3:GetObject${i}`),
          Resource: '*',
        },
      ],
    });
    expect(
      await errorOf(
        h.call('PutUserPolicy', { UserName: 'ana', PolicyName: 'q', PolicyDocument: big }),
      ),
    ).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message: 'Maximum policy size of 2048 bytes exceeded for user ana',
    });

    expect(await errorOf(h.call('DeleteUser', { UserName: 'ana' }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must delete policies first.',
    });
    await h.call('DeleteUserPolicy', { UserName: 'ana', PolicyName: 'p' });
    expect(await errorOf(h.call('DeleteUser', { UserName: 'ana' }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must detach all policies first.',
    });
    await h.call('DetachUserPolicy', { UserName: 'ana', PolicyArn: S3_READ_ONLY });
    await h.call('DeleteUserPermissionsBoundary', { UserName: 'ana' });
    await h.call('DeleteUser', { UserName: 'ana' });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { AttachmentCount: 0, PermissionsBoundaryUsageCount: 0 },
    });
  });
});

describe('user errors', () => {
  const cases: {
    name: string;
    setup?: boolean;
    action: string;
    params: Record<string, string>;
    code: string;
    status: number;
    message: string;
  }[] = [
    {
      name: 'CreateUser twice',
      setup: true,
      action: 'CreateUser',
      params: { UserName: 'Ana' },
      code: 'EntityAlreadyExists',
      status: 409,
      message: 'User with name Ana already exists.',
    },
    {
      name: 'delete a key that is not there',
      setup: true,
      action: 'DeleteAccessKey',
      params: { UserName: 'ana', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.',
    },
    {
      name: 'bad access key status',
      setup: true,
      action: 'UpdateAccessKey',
      params: { UserName: 'ana', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA', Status: 'On' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'On' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
    },
    {
      name: 'get a missing user policy',
      setup: true,
      action: 'GetUserPolicy',
      params: { UserName: 'ana', PolicyName: 'nope' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The user policy with name nope cannot be found.',
    },
    {
      name: 'attach to a missing user',
      action: 'AttachUserPolicy',
      params: { UserName: 'nobody', PolicyArn: S3_READ_ONLY },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The user with name nobody cannot be found.',
    },
    {
      name: 'boundary that does not exist',
      setup: true,
      action: 'PutUserPermissionsBoundary',
      params: { UserName: 'ana', PermissionsBoundary: 'arn:aws:iam::aws:policy/Nope' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'Scope ARN: arn:aws:iam::aws:policy/Nope does not exist or is not attachable.',
    },
    {
      name: 'user name too long',
      action: 'CreateUser',
      params: { UserName: 'u'.repeat(65) },
      code: 'ValidationError',
      status: 400,
      message: `1 validation error detected: Value '${'u'.repeat(65)}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    },
  ];

  it.each(cases)('$name', async (c) => {
    if (c.setup) await h.call('CreateUser', { UserName: 'ana' });
    const before = await h.store.revision();
    expect(await errorOf(h.call(c.action, c.params))).toEqual({
      code: c.code,
      status: c.status,
      message: c.message,
    });
    expect(await h.store.revision()).toBe(before);
  });
});

describe('user names and tag lists, as the model constrains them', () => {
  it('a name of 65 to 128 characters is a user that does not exist, except where a new or attached name is meant', async () => {
    const long = 'u'.repeat(100);
    for (const action of ['GetUser', 'DeleteUser', 'ListAccessKeys', 'ListUserPolicies'])
      expect(await errorOf(h.call(action, { UserName: long })), action).toMatchObject({
        code: 'NoSuchEntity',
        message: `The user with name ${long} cannot be found.`,
      });
    for (const action of ['CreateUser', 'ListAttachedUserPolicies'])
      expect(await errorOf(h.call(action, { UserName: long })), action).toMatchObject({
        code: 'ValidationError',
        message: `1 validation error detected: Value '${long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      });
    expect(await errorOf(h.call('GetUser', { UserName: 'u'.repeat(129) }))).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining('Member must have length less than or equal to 128'),
    });
  });

  it('a request of more than 50 tags is a ValidationError; over 50 with those the user has, LimitExceeded', async () => {
    const tags = (n: number, from = 0) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          [`Tags.member.${i + 1}.Key`, `k${i + from}`],
          [`Tags.member.${i + 1}.Value`, 'v'],
        ]).flat(),
      ) as Record<string, string>;
    expect(await errorOf(h.call('CreateUser', { UserName: 'ana', ...tags(51) }))).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    });
    await h.call('CreateUser', { UserName: 'ana', ...tags(30) });
    expect(await errorOf(h.call('TagUser', { UserName: 'ana', ...tags(30, 100) }))).toMatchObject({
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for TagsPerUser: 50',
    });
  });
});
