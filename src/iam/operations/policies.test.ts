import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type IamHarness, iamHarness } from '../testing.js';

const DOC = (action: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
  });
const ARN = 'arn:aws:iam::123456789012:policy/team/app-policy';
const S3_READ_ONLY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
});
afterEach(async () => {
  await h.close();
});

const createPolicy = (extra: Record<string, string> = {}) =>
  h.call('CreatePolicy', {
    PolicyName: 'app-policy',
    Path: '/team/',
    PolicyDocument: DOC('s3:GetObject'),
    Description: 'reads objects',
    ...extra,
  });

describe('customer managed policies', () => {
  it('creates a policy with version v1', async () => {
    const r = (await createPolicy({ 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' })) as {
      Policy: Record<string, unknown>;
    };
    expect(r.Policy).toMatchObject({
      PolicyName: 'app-policy',
      Arn: ARN,
      Path: '/team/',
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: new Date('2026-11-22T12:00:00Z'),
      UpdateDate: new Date('2026-11-22T12:00:00Z'),
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(r.Policy.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    expect(await h.call('GetPolicy', { PolicyArn: ARN })).toMatchObject({
      Policy: { Description: 'reads objects' },
    });
    const v1 = (await h.call('GetPolicyVersion', { PolicyArn: ARN, VersionId: 'v1' })) as {
      PolicyVersion: Record<string, unknown>;
    };
    expect(v1.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });
    expect(decodeURIComponent(v1.PolicyVersion.Document as string)).toBe(DOC('s3:GetObject'));
  });

  it('manages versions: at most five, a default that cannot be deleted', async () => {
    await createPolicy();
    h.clock.advance(60);
    expect(
      await h.call('CreatePolicyVersion', {
        PolicyArn: ARN,
        PolicyDocument: DOC('s3:PutObject'),
        SetAsDefault: 'true',
      }),
    ).toEqual({
      PolicyVersion: {
        VersionId: 'v2',
        IsDefaultVersion: true,
        CreateDate: new Date('2026-11-22T12:01:00Z'),
      },
    });
    expect(await h.call('GetPolicy', { PolicyArn: ARN })).toMatchObject({
      Policy: { DefaultVersionId: 'v2', UpdateDate: new Date('2026-11-22T12:01:00Z') },
    });
    for (let i = 3; i <= 5; i++) {
      await h.call('CreatePolicyVersion', { PolicyArn: ARN, PolicyDocument: DOC(`s3:Get${i}`) });
    }
    expect(
      await errorOf(
        h.call('CreatePolicyVersion', { PolicyArn: ARN, PolicyDocument: DOC('s3:Get6') }),
      ),
    ).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message:
        'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    });
    expect(
      await errorOf(h.call('DeletePolicyVersion', { PolicyArn: ARN, VersionId: 'v2' })),
    ).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete the default version of a policy.',
    });
    await h.call('DeletePolicyVersion', { PolicyArn: ARN, VersionId: 'v1' });
    // version numbers are never reused
    expect(
      await h.call('CreatePolicyVersion', { PolicyArn: ARN, PolicyDocument: DOC('s3:Get6') }),
    ).toMatchObject({ PolicyVersion: { VersionId: 'v6', IsDefaultVersion: false } });
    const list = (await h.call('ListPolicyVersions', { PolicyArn: ARN })) as {
      Versions: { VersionId: string; IsDefaultVersion: boolean }[];
    };
    expect(list.Versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v6', false],
      ['v5', false],
      ['v4', false],
      ['v3', false],
      ['v2', true],
    ]);
    await h.call('SetDefaultPolicyVersion', { PolicyArn: ARN, VersionId: 'v6' });
    expect(await h.call('GetPolicy', { PolicyArn: ARN })).toMatchObject({
      Policy: { DefaultVersionId: 'v6' },
    });
  });

  it('deletes a policy only when unattached and without extra versions', async () => {
    await createPolicy();
    await h.call('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST });
    await h.call('AttachRolePolicy', { RoleName: 'r', PolicyArn: ARN });
    expect(await errorOf(h.call('DeletePolicy', { PolicyArn: ARN }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete a policy attached to entities.',
    });
    await h.call('DetachRolePolicy', { RoleName: 'r', PolicyArn: ARN });
    await h.call('PutRolePermissionsBoundary', { RoleName: 'r', PermissionsBoundary: ARN });
    expect(await errorOf(h.call('DeletePolicy', { PolicyArn: ARN }))).toMatchObject({
      code: 'DeleteConflict',
      message: 'Cannot delete a policy attached to entities.',
    });
    await h.call('DeleteRolePermissionsBoundary', { RoleName: 'r' });
    await h.call('CreatePolicyVersion', { PolicyArn: ARN, PolicyDocument: DOC('s3:Put') });
    expect(await errorOf(h.call('DeletePolicy', { PolicyArn: ARN }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message:
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    });
    await h.call('DeletePolicyVersion', { PolicyArn: ARN, VersionId: 'v2' });
    expect(await h.call('DeletePolicy', { PolicyArn: ARN })).toBe(null);
    expect(await errorOf(h.call('GetPolicy', { PolicyArn: ARN }))).toEqual({
      code: 'NoSuchEntity',
      status: 404,
      message: `Policy ${ARN} was not found.`,
    });
  });

  it('lists policies by scope, attachment and path, with paging', async () => {
    await createPolicy();
    await h.call('CreatePolicy', { PolicyName: 'zz', PolicyDocument: DOC('sqs:*') });
    const local = (await h.call('ListPolicies', { Scope: 'Local' })) as {
      Policies: Record<string, unknown>[];
    };
    expect(local.Policies.map((p) => p.PolicyName)).toEqual(['app-policy', 'zz']);
    expect(local.Policies[0]).not.toHaveProperty('Description', expect.anything());
    expect(local.Policies[0]).not.toHaveProperty('Tags', expect.anything());

    const aws = (await h.call('ListPolicies', { Scope: 'AWS' })) as {
      Policies: { PolicyName: string }[];
    };
    expect(aws.Policies.map((p) => p.PolicyName)).toEqual([
      'AdministratorAccess',
      'AmazonDynamoDBFullAccess',
      'AmazonDynamoDBReadOnlyAccess',
      'AmazonS3FullAccess',
      'AmazonS3ReadOnlyAccess',
      'AmazonSQSFullAccess',
      'AmazonSQSReadOnlyAccess',
      'ReadOnlyAccess',
      'SecretsManagerReadWrite',
    ]);

    // the admin user has AdministratorAccess attached
    const attached = (await h.call('ListPolicies', { OnlyAttached: 'true' })) as {
      Policies: { PolicyName: string; AttachmentCount: number }[];
    };
    expect(attached.Policies).toMatchObject([
      { PolicyName: 'AdministratorAccess', AttachmentCount: 1 },
    ]);

    const team = (await h.call('ListPolicies', { PathPrefix: '/team/' })) as {
      Policies: { PolicyName: string }[];
    };
    expect(team.Policies.map((p) => p.PolicyName)).toEqual(['app-policy']);

    const all: string[] = [];
    let marker: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = (await h.call('ListPolicies', {
        MaxItems: '4',
        ...(marker ? { Marker: marker } : {}),
      })) as { Policies: { PolicyName: string }[]; IsTruncated: boolean; Marker?: string };
      all.push(...page.Policies.map((p) => p.PolicyName));
      if (!page.IsTruncated) break;
      marker = page.Marker;
    }
    expect(all).toHaveLength(11);
    expect(new Set(all).size).toBe(11);
  });

  it('tags customer managed policies', async () => {
    await createPolicy();
    await h.call('TagPolicy', {
      PolicyArn: ARN,
      'Tags.member.1.Key': 'b',
      'Tags.member.1.Value': '2',
      'Tags.member.2.Key': 'a',
      'Tags.member.2.Value': '1',
    });
    await h.call('UntagPolicy', { PolicyArn: ARN, 'TagKeys.member.1': 'b' });
    expect(await h.call('ListPolicyTags', { PolicyArn: ARN })).toEqual({
      Tags: [{ Key: 'a', Value: '1' }],
      IsTruncated: false,
    });
  });
});

describe('AWS managed policies', () => {
  it('are readable in every account, with their real metadata and document', async () => {
    expect(
      await h.call('GetPolicy', { PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
    ).toEqual({
      Policy: {
        PolicyName: 'AdministratorAccess',
        PolicyId: 'ANPAIWMBCKSKIEE64ZLYK',
        Arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        Path: '/',
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        Description: 'Provides full access to AWS services and resources.',
        CreateDate: new Date('2015-02-06T18:39:46Z'),
        UpdateDate: new Date('2015-02-06T18:39:46Z'),
      },
    });
    const v = (await h.call('GetPolicyVersion', { PolicyArn: S3_READ_ONLY, VersionId: 'v3' })) as {
      PolicyVersion: Record<string, unknown>;
    };
    expect(JSON.parse(decodeURIComponent(v.PolicyVersion.Document as string))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            's3:Get*',
            's3:List*',
            's3:Describe*',
            's3-object-lambda:Get*',
            's3-object-lambda:List*',
          ],
          Resource: '*',
        },
      ],
    });
    expect(v.PolicyVersion).toMatchObject({
      VersionId: 'v3',
      IsDefaultVersion: true,
      CreateDate: new Date('2023-08-10T21:31:39Z'),
    });
    expect(await h.call('ListPolicyVersions', { PolicyArn: S3_READ_ONLY })).toEqual({
      Versions: [
        { VersionId: 'v3', IsDefaultVersion: true, CreateDate: new Date('2023-08-10T21:31:39Z') },
      ],
      IsTruncated: false,
    });
  });

  const writes: [string, Record<string, string>][] = [
    ['DeletePolicy', {}],
    ['CreatePolicyVersion', { PolicyDocument: DOC('s3:*') }],
    ['DeletePolicyVersion', { VersionId: 'v3' }],
    ['SetDefaultPolicyVersion', { VersionId: 'v3' }],
    ['TagPolicy', { 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }],
  ];
  it.each(writes)('cannot be changed: %s', async (action, p) => {
    expect(await errorOf(h.call(action, { PolicyArn: S3_READ_ONLY, ...p }))).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::123456789012:user/irsa-admin is not authorized to perform: iam:${action} on resource: policy ${S3_READ_ONLY} because no resource-based policy allows the iam:${action} action`,
    });
  });
});

describe('a managed policy’s description', () => {
  it('takes any characters (policyDescriptionType has no pattern), up to 1000', async () => {
    const r = (await createPolicy({ Description: 'Zugriff für Ā ✓' })) as {
      Policy: { Arn: string };
    };
    expect(await h.call('GetPolicy', { PolicyArn: r.Policy.Arn })).toMatchObject({
      Policy: { Description: 'Zugriff für Ā ✓' },
    });
    const long = 'ü'.repeat(1001);
    expect(await errorOf(createPolicy({ PolicyName: 'long', Description: long }))).toEqual({
      code: 'ValidationError',
      status: 400,
      message: `1 validation error detected: Value '${long}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000`,
    });
  });
});

describe('managed policy errors', () => {
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
      name: 'duplicate policy name',
      setup: true,
      action: 'CreatePolicy',
      params: { PolicyName: 'APP-policy', PolicyDocument: DOC('s3:*') },
      code: 'EntityAlreadyExists',
      status: 409,
      message: 'A policy called APP-policy already exists. Duplicate names are not allowed.',
    },
    {
      name: 'document over 6,144 characters',
      action: 'CreatePolicy',
      params: {
        PolicyName: 'big',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: Array.from({ length: 400 }, (_, i) => `s3:GetObject${i}`),
              Resource: '*',
            },
          ],
        }),
      },
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for PolicySize: 6144',
    },
    {
      name: 'document with the 2008 version',
      action: 'CreatePolicy',
      params: {
        PolicyName: 'old',
        PolicyDocument:
          '{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}',
      },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'Policy document must be version 2012-10-17 or greater.',
    },
    {
      name: 'invalid JSON',
      action: 'CreatePolicy',
      params: { PolicyName: 'x', PolicyDocument: '{' },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'Syntax errors in policy.',
    },
    {
      name: 'invalid path',
      action: 'CreatePolicy',
      params: { PolicyName: 'x', Path: 'team', PolicyDocument: DOC('s3:*') },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'team' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
    },
    {
      name: 'missing version',
      setup: true,
      action: 'GetPolicyVersion',
      params: { PolicyArn: ARN, VersionId: 'v9' },
      code: 'NoSuchEntity',
      status: 404,
      message: `Policy ${ARN} version v9 does not exist or is not attachable.`,
    },
    {
      name: 'malformed version ID',
      setup: true,
      action: 'GetPolicyVersion',
      params: { PolicyArn: ARN, VersionId: '1' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value '1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
    },
    {
      name: 'set a missing default version',
      setup: true,
      action: 'SetDefaultPolicyVersion',
      params: { PolicyArn: ARN, VersionId: 'v2' },
      code: 'NoSuchEntity',
      status: 404,
      message: `Policy ${ARN} version v2 does not exist or is not attachable.`,
    },
    {
      name: 'policy ARN of another account',
      action: 'GetPolicy',
      params: { PolicyArn: 'arn:aws:iam::999999999999:policy/app-policy' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'Policy arn:aws:iam::999999999999:policy/app-policy was not found.',
    },
    {
      name: 'not a policy ARN',
      action: 'GetPolicy',
      params: { PolicyArn: 'AmazonS3ReadOnlyAccess-xxxxxxx' },
      code: 'InvalidInput',
      status: 400,
      message: 'ARN AmazonS3ReadOnlyAccess-xxxxxxx is not valid.',
    },
    {
      name: 'wrong path in the ARN',
      setup: true,
      action: 'GetPolicy',
      params: { PolicyArn: 'arn:aws:iam::123456789012:policy/app-policy' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'Policy arn:aws:iam::123456789012:policy/app-policy was not found.',
    },
    {
      name: 'unknown scope',
      action: 'ListPolicies',
      params: { Scope: 'Mine' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
    },
  ];

  it.each(cases)('$name', async (c) => {
    if (c.setup) await createPolicy();
    const before = await h.store.revision();
    expect(await errorOf(h.call(c.action, c.params))).toEqual({
      code: c.code,
      status: c.status,
      message: c.message,
    });
    expect(await h.store.revision()).toBe(before);
  });

  it('a service-role policy cannot be attached to a customer role', async () => {
    const { AWS_MANAGED_POLICIES, awsManagedPolicy } = await import('../aws-managed/catalog.js');
    const service = awsManagedPolicy({
      name: 'AmazonEKSServiceRolePolicy',
      path: '/aws-service-role/',
      policyId: 'ANPAEXAMPLESERVICEROLE',
      description: 'test fixture',
      createDate: '2020-05-27T19:30:19Z',
      updateDate: '2020-05-27T19:30:19Z',
      defaultVersionId: 'v1',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }],
      },
    });
    const h2 = await iamHarness({
      awsPolicies: new Map([...AWS_MANAGED_POLICIES, [service.arn, service]]),
    });
    try {
      await h2.call('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST });
      expect(
        await errorOf(h2.call('AttachRolePolicy', { RoleName: 'r', PolicyArn: service.arn })),
      ).toEqual({
        code: 'PolicyNotAttachable',
        status: 400,
        message: 'Cannot attach a Service Role Policy to a Customer Role.',
      });
      expect(
        await errorOf(
          h2.call('PutRolePermissionsBoundary', {
            RoleName: 'r',
            PermissionsBoundary: service.arn,
          }),
        ),
      ).toMatchObject({ code: 'PolicyNotAttachable' });
    } finally {
      await h2.close();
    }
  });
});
