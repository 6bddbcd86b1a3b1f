import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type IamHarness, iamHarness } from '../testing.js';

const URL = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const ARN =
  'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const THUMB = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
});
afterEach(async () => {
  await h.close();
});

const create = (extra: Record<string, string> = {}) =>
  h.call('CreateOpenIDConnectProvider', {
    Url: URL,
    'ClientIDList.member.1': 'sts.amazonaws.com',
    'ThumbprintList.member.1': THUMB,
    ...extra,
  });

describe('OIDC provider lifecycle', () => {
  it('creates, reads, lists, updates, tags and deletes a provider', async () => {
    expect(await create({ 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' })).toEqual({
      OpenIDConnectProviderArn: ARN,
      Tags: [{ Key: 'team', Value: 'a' }],
    });
    expect(await h.call('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN })).toEqual({
      Url: 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      ClientIDList: ['sts.amazonaws.com'],
      ThumbprintList: [THUMB],
      CreateDate: new Date('2026-11-22T12:00:00Z'),
      Tags: [{ Key: 'team', Value: 'a' }],
    });
    expect(await h.call('ListOpenIDConnectProviders')).toEqual({
      OpenIDConnectProviderList: [{ Arn: ARN }],
    });

    await h.call('AddClientIDToOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      ClientID: 'other',
    });
    // adding again is idempotent
    await h.call('AddClientIDToOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      ClientID: 'other',
    });
    await h.call('RemoveClientIDFromOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      ClientID: 'sts.amazonaws.com',
    });
    await h.call('UpdateOpenIDConnectProviderThumbprint', {
      OpenIDConnectProviderArn: ARN,
      'ThumbprintList.member.1': 'a'.repeat(40),
      'ThumbprintList.member.2': 'b'.repeat(40),
    });
    await h.call('TagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      'Tags.member.1.Key': 'env',
      'Tags.member.1.Value': 'dev',
    });
    await h.call('UntagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      'TagKeys.member.1': 'team',
    });
    expect(
      await h.call('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN }),
    ).toMatchObject({
      ClientIDList: ['other'],
      ThumbprintList: ['a'.repeat(40), 'b'.repeat(40)],
      Tags: [{ Key: 'env', Value: 'dev' }],
    });
    expect(
      await h.call('ListOpenIDConnectProviderTags', { OpenIDConnectProviderArn: ARN }),
    ).toEqual({ Tags: [{ Key: 'env', Value: 'dev' }], IsTruncated: false });

    // the directory sees what STS needs: the URL without https:// and the audiences
    expect(
      await h.directory.findOidcProvider(
        '123456789012',
        'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      ),
    ).toMatchObject({ arn: ARN, clientIds: ['other'] });

    expect(await h.call('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN })).toBe(
      null,
    );
    expect(await h.call('ListOpenIDConnectProviders')).toEqual({ OpenIDConnectProviderList: [] });
    // deleting a provider that is gone succeeds (the API is idempotent)
    expect(await h.call('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN })).toBe(
      null,
    );
  });

  it('accepts a local issuer with a port (irsakit deviation) and no thumbprint', async () => {
    const r = await h.call('CreateOpenIDConnectProvider', {
      Url: 'https://127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF',
      'ClientIDList.member.1': 'sts.amazonaws.com',
    });
    expect(r).toEqual({
      OpenIDConnectProviderArn:
        'arn:aws:iam::123456789012:oidc-provider/127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF',
    });
    expect(
      await h.directory.findOidcProvider(
        '123456789012',
        'https://127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF',
      ),
    ).toMatchObject({ url: '127.0.0.1:4578/id/0123456789ABCDEF0123456789ABCDEF', thumbprints: [] });
  });

  it('authorizes each call against the provider ARN', async () => {
    await create();
    await h.call('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: ARN });
    await h.call('ListOpenIDConnectProviders');
    expect(h.authorized.slice(-3)).toEqual([
      { action: 'iam:CreateOpenIDConnectProvider', resource: ARN },
      { action: 'iam:GetOpenIDConnectProvider', resource: ARN },
      { action: 'iam:ListOpenIDConnectProviders', resource: '*' },
    ]);
  });
});

describe('tags of providers and managed policies', () => {
  it('keys that differ only in case are two keys, as IAM keeps them for these two kinds', async () => {
    await create({
      'Tags.member.1.Key': 'Costcenter',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'costcenter',
      'Tags.member.2.Value': '2',
    });
    await h.call('TagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      'Tags.member.1.Key': 'COSTCENTER',
      'Tags.member.1.Value': '3',
    });
    await h.call('UntagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: ARN,
      'TagKeys.member.1': 'costcenter',
    });
    const listed = (await h.call('ListOpenIDConnectProviderTags', {
      OpenIDConnectProviderArn: ARN,
    })) as { Tags: unknown[] };
    expect(listed.Tags).toEqual([
      { Key: 'COSTCENTER', Value: '3' },
      { Key: 'Costcenter', Value: '1' },
    ]);
    const policy = (await h.call('CreatePolicy', {
      PolicyName: 'p',
      PolicyDocument:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}',
      'Tags.member.1.Key': 'Costcenter',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'costcenter',
      'Tags.member.2.Value': '2',
    })) as { Policy: { Arn: string; Tags: unknown[] } };
    expect(policy.Policy.Tags).toHaveLength(2);
  });

  it('a key or value that begins with aws: is refused, on roles too', async () => {
    for (const [key, value] of [
      ['aws:team', 'a'],
      ['AWS:team', 'a'],
      ['team', 'aws:a'],
    ] as const) {
      expect(
        await errorOf(create({ 'Tags.member.1.Key': key, 'Tags.member.1.Value': value })),
      ).toMatchObject({ code: 'InvalidInput', status: 400 });
      expect(
        await errorOf(
          h.call('CreateRole', {
            RoleName: 'r',
            AssumeRolePolicyDocument:
              '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
            'Tags.member.1.Key': key,
            'Tags.member.1.Value': value,
          }),
        ),
      ).toMatchObject({ code: 'InvalidInput', status: 400 });
    }
  });
});

describe('OIDC provider errors', () => {
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
      name: 'duplicate URL',
      setup: true,
      action: 'CreateOpenIDConnectProvider',
      params: { Url: URL, 'ClientIDList.member.1': 'sts.amazonaws.com' },
      code: 'EntityAlreadyExists',
      status: 409,
      message: `Provider with url ${URL} already exists.`,
    },
    {
      name: 'http URL',
      action: 'CreateOpenIDConnectProvider',
      params: { Url: 'http://oidc.example.com' },
      code: 'InvalidInput',
      status: 400,
      message: 'Invalid Open ID Connect Provider URL. The URL must begin with https://.',
    },
    {
      name: 'URL without a scheme',
      action: 'CreateOpenIDConnectProvider',
      params: { Url: 'oidc.example.com' },
      code: 'InvalidInput',
      status: 400,
      message: 'Invalid Open ID Connect Provider URL',
    },
    {
      name: 'URL with a query',
      action: 'CreateOpenIDConnectProvider',
      params: { Url: 'https://oidc.example.com/id?x=1' },
      code: 'InvalidInput',
      status: 400,
      message: 'Invalid Open ID Connect Provider URL',
    },
    {
      name: 'URL with a fragment',
      action: 'CreateOpenIDConnectProvider',
      params: { Url: 'https://oidc.example.com/id#x' },
      code: 'InvalidInput',
      status: 400,
      message: 'Invalid Open ID Connect Provider URL',
    },
    {
      name: 'missing URL',
      action: 'CreateOpenIDConnectProvider',
      params: {},
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value null at 'url' failed to satisfy constraint: Member must not be null",
    },
    {
      name: 'short thumbprint',
      action: 'CreateOpenIDConnectProvider',
      params: { Url: URL, 'ThumbprintList.member.1': 'abc' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'abc' at 'thumbprintList.1.member' failed to satisfy constraint: Member must have length greater than or equal to 40",
    },
    {
      name: 'six thumbprints',
      action: 'CreateOpenIDConnectProvider',
      params: {
        Url: URL,
        ...Object.fromEntries(
          [1, 2, 3, 4, 5, 6].map((i) => [`ThumbprintList.member.${i}`, String(i).repeat(40)]),
        ),
      },
      code: 'InvalidInput',
      status: 400,
      message: 'Thumbprint list must contain fewer than 5 entries.',
    },
    {
      name: 'unknown provider',
      action: 'GetOpenIDConnectProvider',
      params: { OpenIDConnectProviderArn: ARN },
      code: 'NoSuchEntity',
      status: 404,
      message: `OpenIDConnect Provider not found for arn ${ARN}`,
    },
    {
      name: 'malformed provider ARN',
      action: 'GetOpenIDConnectProvider',
      params: { OpenIDConnectProviderArn: 'arn:aws:iam::123456789012:role/not-a-provider' },
      code: 'InvalidInput',
      status: 400,
      message: 'ARN arn:aws:iam::123456789012:role/not-a-provider is not valid.',
    },
    {
      name: 'client ID on an unknown provider',
      action: 'AddClientIDToOpenIDConnectProvider',
      params: { OpenIDConnectProviderArn: ARN, ClientID: 'x' },
      code: 'NoSuchEntity',
      status: 404,
      message: `OpenIDConnect Provider not found for arn ${ARN}`,
    },
    {
      name: 'empty client ID',
      setup: true,
      action: 'AddClientIDToOpenIDConnectProvider',
      params: { OpenIDConnectProviderArn: ARN, ClientID: '' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value '' at 'clientID' failed to satisfy constraint: Member must have length greater than or equal to 1",
    },
    {
      name: 'duplicate tag keys (the same case: a provider’s keys are case-sensitive)',
      setup: true,
      action: 'TagOpenIDConnectProvider',
      params: {
        OpenIDConnectProviderArn: ARN,
        'Tags.member.1.Key': 'Team',
        'Tags.member.1.Value': 'a',
        'Tags.member.2.Key': 'Team',
        'Tags.member.2.Value': 'b',
      },
      code: 'InvalidInput',
      status: 400,
      message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    },
  ];

  it.each(cases)('$name', async (c) => {
    if (c.setup) await create();
    expect(await errorOf(h.call(c.action, c.params))).toEqual({
      code: c.code,
      status: c.status,
      message: c.message,
    });
  });

  it('limits a provider to 100 client IDs', async () => {
    const p: Record<string, string> = { Url: URL };
    for (let i = 1; i <= 100; i++) p[`ClientIDList.member.${i}`] = `client-${i}`;
    await h.call('CreateOpenIDConnectProvider', p);
    expect(
      await errorOf(
        h.call('AddClientIDToOpenIDConnectProvider', {
          OpenIDConnectProviderArn: ARN,
          ClientID: 'one-too-many',
        }),
      ),
    ).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
    });
  });
});
