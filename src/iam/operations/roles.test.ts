import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type IamHarness, iamHarness } from '../testing.js';

const OIDC_ID = 'EXAMPLED539D4633E53DE1B71EXAMPLE';
const ISSUER = `https://oidc.eks.us-east-1.amazonaws.com/id/${OIDC_ID}`;
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/${OIDC_ID}`;
const S3_READ_ONLY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

/** trust-policy.json of seeds/001 (How to Use ServiceAccount for AWS IAM Roles with IRSA) */
const SEED_TRUST = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/$OIDC_ID"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "oidc.eks.us-east-1.amazonaws.com/id/$OIDC_ID:sub": "system:serviceaccount:production:s3-app",
          "oidc.eks.us-east-1.amazonaws.com/id/$OIDC_ID:aud": "sts.amazonaws.com"
        }
      }
    }
  ]
}
`.replaceAll('$OIDC_ID', OIDC_ID);

const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

const S3_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
});

/** botocore's reading of a URL-encoded document: `unquote`, then `json.loads` */
const decode = (s: unknown) => JSON.parse(decodeURIComponent(s as string)) as unknown;

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
});
afterEach(async () => {
  await h.close();
});

const createRole = (name = 'app', extra: Record<string, string> = {}) =>
  h.call('CreateRole', { RoleName: name, AssumeRolePolicyDocument: EC2_TRUST, ...extra });

describe('the seed scenario (seeds/001)', () => {
  it('creates the provider and s3-app-role, attaches AmazonS3ReadOnlyAccess, reads it back', async () => {
    await h.call('CreateOpenIDConnectProvider', {
      Url: ISSUER,
      'ClientIDList.member.1': 'sts.amazonaws.com',
    });
    const created = (await h.call('CreateRole', {
      RoleName: 's3-app-role',
      AssumeRolePolicyDocument: SEED_TRUST,
      Description: 'Role for Kubernetes s3-app ServiceAccount',
    })) as { Role: Record<string, unknown> };
    expect(created.Role).toMatchObject({
      Path: '/',
      RoleName: 's3-app-role',
      Arn: 'arn:aws:iam::123456789012:role/s3-app-role',
      CreateDate: new Date('2026-11-22T12:00:00Z'),
      Description: 'Role for Kubernetes s3-app ServiceAccount',
    });
    expect(created.Role.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role).not.toHaveProperty('MaxSessionDuration', expect.anything());

    await h.call('AttachRolePolicy', { RoleName: 's3-app-role', PolicyArn: S3_READ_ONLY });

    const got = (await h.call('GetRole', { RoleName: 's3-app-role' })) as {
      Role: Record<string, unknown>;
    };
    const encoded = got.Role.AssumeRolePolicyDocument as string;
    // RFC 3986: spaces are %20, never +, and JSON punctuation is escaped
    expect(encoded.startsWith('%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22')).toBe(true);
    expect(encoded).not.toMatch(/[+ {}"]/);
    expect(decode(encoded)).toEqual(JSON.parse(SEED_TRUST));
    expect(decodeURIComponent(encoded)).toBe(SEED_TRUST);
    expect(got.Role).toMatchObject({
      RoleName: 's3-app-role',
      MaxSessionDuration: 3600,
      RoleLastUsed: {},
    });

    expect(await h.call('ListAttachedRolePolicies', { RoleName: 's3-app-role' })).toEqual({
      AttachedPolicies: [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: S3_READ_ONLY }],
      IsTruncated: false,
    });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toEqual({
      Policy: {
        PolicyName: 'AmazonS3ReadOnlyAccess',
        PolicyId: 'ANPAIZTJ4DXE7G6AGAE6M',
        Arn: S3_READ_ONLY,
        Path: '/',
        DefaultVersionId: 'v3',
        AttachmentCount: 1,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        Description: 'Provides read only access to all buckets via the AWS Management Console.',
        CreateDate: new Date('2015-02-06T18:40:59Z'),
        UpdateDate: new Date('2023-08-10T21:31:39Z'),
      },
    });

    // what STS will read
    const role = await h.directory.getRole('123456789012', 's3-app-role');
    expect(role).toMatchObject({
      arn: 'arn:aws:iam::123456789012:role/s3-app-role',
      assumeRolePolicyDocument: SEED_TRUST,
      maxSessionDuration: 3600,
    });
    const pol = await h.directory.policiesOf({
      kind: 'role',
      account: '123456789012',
      roleName: 's3-app-role',
    });
    expect(pol.identity.map((p) => p.id)).toEqual([S3_READ_ONLY]);
    expect(pol.boundary).toEqual([]);
  });

  it('refuses the trust policy while the OIDC provider does not exist', async () => {
    expect(
      await errorOf(
        h.call('CreateRole', { RoleName: 's3-app-role', AssumeRolePolicyDocument: SEED_TRUST }),
      ),
    ).toEqual({
      code: 'MalformedPolicyDocument',
      status: 400,
      message: `Invalid principal in policy: "Federated":"${PROVIDER_ARN}"`,
    });
    expect(await errorOf(h.call('GetRole', { RoleName: 's3-app-role' }))).toMatchObject({
      code: 'NoSuchEntity',
    });
  });
});

describe('roles', () => {
  it('lists roles with PathPrefix and paging', async () => {
    for (const [name, path] of [
      ['a', '/'],
      ['b', '/team/'],
      ['c', '/team/'],
      ['d', '/other/'],
    ] as const) {
      await createRole(name, { Path: path });
    }
    const first = (await h.call('ListRoles', { MaxItems: '2' })) as {
      Roles: { RoleName: string }[];
      IsTruncated: boolean;
      Marker?: string;
    };
    expect(first.Roles.map((r) => r.RoleName)).toEqual(['a', 'b']);
    expect(first.IsTruncated).toBe(true);
    const second = (await h.call('ListRoles', { MaxItems: '2', Marker: first.Marker ?? '' })) as {
      Roles: { RoleName: string }[];
      IsTruncated: boolean;
    };
    expect(second.Roles.map((r) => r.RoleName)).toEqual(['c', 'd']);
    expect(second.IsTruncated).toBe(false);
    const team = (await h.call('ListRoles', { PathPrefix: '/team/' })) as {
      Roles: Record<string, unknown>[];
    };
    expect(team.Roles.map((r) => r.RoleName)).toEqual(['b', 'c']);
    expect(team.Roles[0]).not.toHaveProperty('Tags', expect.anything());
    expect(team.Roles[0]).not.toHaveProperty('RoleLastUsed', expect.anything());
    expect(team.Roles[0]).toMatchObject({ Arn: 'arn:aws:iam::123456789012:role/team/b' });
  });

  it('updates the trust policy, description and session duration', async () => {
    await createRole('app');
    await h.call('UpdateAssumeRolePolicy', {
      RoleName: 'app',
      PolicyDocument: EC2_TRUST.replace('ec2', 'lambda'),
    });
    expect(
      await h.call('UpdateRole', {
        RoleName: 'app',
        Description: 'x',
        MaxSessionDuration: '7200',
      }),
    ).toEqual({});
    const got = (await h.call('GetRole', { RoleName: 'APP' })) as { Role: Record<string, unknown> };
    expect(got.Role).toMatchObject({ RoleName: 'app', Description: 'x', MaxSessionDuration: 7200 });
    expect(decode(got.Role.AssumeRolePolicyDocument)).toMatchObject({
      Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });

  it('keeps inline policies, within the aggregate size quota', async () => {
    await createRole('app');
    await h.call('PutRolePolicy', { RoleName: 'app', PolicyName: 'b', PolicyDocument: S3_POLICY });
    await h.call('PutRolePolicy', { RoleName: 'app', PolicyName: 'a', PolicyDocument: S3_POLICY });
    expect(await h.call('ListRolePolicies', { RoleName: 'app' })).toEqual({
      PolicyNames: ['a', 'b'],
      IsTruncated: false,
    });
    const got = (await h.call('GetRolePolicy', { RoleName: 'app', PolicyName: 'a' })) as Record<
      string,
      unknown
    >;
    expect(got).toMatchObject({ RoleName: 'app', PolicyName: 'a' });
    expect(decodeURIComponent(got.PolicyDocument as string)).toBe(S3_POLICY);

    // one big policy pushes the total (whitespace not counted) over 10,240
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: Array.from({ length: 700 }, (_, i) => `s3:GetObject${i}`),
          Resource: '*',
        },
      ],
    });
    expect(
      await errorOf(
        h.call('PutRolePolicy', { RoleName: 'app', PolicyName: 'c', PolicyDocument: big }),
      ),
    ).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message: 'Maximum policy size of 10240 bytes exceeded for role app',
    });

    await h.call('DeleteRolePolicy', { RoleName: 'app', PolicyName: 'a' });
    expect(await h.call('ListRolePolicies', { RoleName: 'app' })).toEqual({
      PolicyNames: ['b'],
      IsTruncated: false,
    });
  });

  it('attaches and detaches managed policies, keeping attachment counts', async () => {
    await createRole('app');
    await h.call('AttachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY });
    await h.call('AttachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { AttachmentCount: 1 },
    });
    await h.call('DetachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { AttachmentCount: 0 },
    });
  });

  it('sets and removes a permissions boundary', async () => {
    await createRole('app', { PermissionsBoundary: S3_READ_ONLY });
    expect(await h.call('GetRole', { RoleName: 'app' })).toMatchObject({
      Role: {
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: S3_READ_ONLY,
        },
      },
    });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { PermissionsBoundaryUsageCount: 1 },
    });
    await h.call('PutRolePermissionsBoundary', {
      RoleName: 'app',
      PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonS3FullAccess',
    });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { PermissionsBoundaryUsageCount: 0 },
    });
    const pol = await h.directory.policiesOf({
      kind: 'role',
      account: '123456789012',
      roleName: 'app',
    });
    expect(pol.boundary.map((p) => [p.id, p.kind])).toEqual([
      ['arn:aws:iam::aws:policy/AmazonS3FullAccess', 'boundary'],
    ]);
    await h.call('DeleteRolePermissionsBoundary', { RoleName: 'app' });
    const got = (await h.call('GetRole', { RoleName: 'app' })) as { Role: Record<string, unknown> };
    expect(got.Role.PermissionsBoundary).toBeUndefined();
  });

  it('tags and untags a role', async () => {
    await createRole('app', { 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' });
    await h.call('TagRole', {
      RoleName: 'app',
      'Tags.member.1.Key': 'Team',
      'Tags.member.1.Value': 'b',
      'Tags.member.2.Key': 'env',
      'Tags.member.2.Value': '',
    });
    expect(await h.call('ListRoleTags', { RoleName: 'app' })).toEqual({
      Tags: [
        { Key: 'Team', Value: 'b' },
        { Key: 'env', Value: '' },
      ],
      IsTruncated: false,
    });
    await h.call('UntagRole', { RoleName: 'app', 'TagKeys.member.1': 'team' });
    expect(await h.call('ListRoleTags', { RoleName: 'app' })).toEqual({
      Tags: [{ Key: 'env', Value: '' }],
      IsTruncated: false,
    });
  });

  it('deletes a role once its policies are gone', async () => {
    await createRole('app', { PermissionsBoundary: S3_READ_ONLY });
    await h.call('AttachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY });
    await h.call('PutRolePolicy', { RoleName: 'app', PolicyName: 'p', PolicyDocument: S3_POLICY });
    expect(await errorOf(h.call('DeleteRole', { RoleName: 'app' }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must detach all policies first.',
    });
    await h.call('DetachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY });
    expect(await errorOf(h.call('DeleteRole', { RoleName: 'app' }))).toEqual({
      code: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must delete policies first.',
    });
    await h.call('DeleteRolePolicy', { RoleName: 'app', PolicyName: 'p' });
    expect(await h.call('DeleteRole', { RoleName: 'app' })).toBe(null);
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { AttachmentCount: 0, PermissionsBoundaryUsageCount: 0 },
    });
    expect(await h.directory.getRole('123456789012', 'app')).toBeUndefined();
  });

  it('limits a role to 10 managed policies', async () => {
    await createRole('app');
    for (let i = 0; i < 10; i++) {
      await h.call('CreatePolicy', { PolicyName: `p${i}`, PolicyDocument: S3_POLICY });
      await h.call('AttachRolePolicy', {
        RoleName: 'app',
        PolicyArn: `arn:aws:iam::123456789012:policy/p${i}`,
      });
    }
    expect(
      await errorOf(h.call('AttachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY })),
    ).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for PoliciesPerRole: 10',
    });
  });
});

describe('transactions leave nothing behind', () => {
  it('CreateRole with tags over the quota creates no role and keeps the boundary count', async () => {
    const p: Record<string, string> = {
      RoleName: 'app',
      AssumeRolePolicyDocument: EC2_TRUST,
      PermissionsBoundary: S3_READ_ONLY,
    };
    for (let i = 1; i <= 51; i++) {
      p[`Tags.member.${i}.Key`] = `k${i}`;
      p[`Tags.member.${i}.Value`] = 'v';
    }
    const before = await h.store.revision();
    // more tags than a request may carry: the model's constraint (tagListType, max 50)
    expect(await errorOf(h.call('CreateRole', p))).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    });
    expect(await h.store.revision()).toBe(before);
    expect(await errorOf(h.call('GetRole', { RoleName: 'app' }))).toEqual({
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name app cannot be found.',
    });
    expect(await h.call('ListRoles')).toEqual({ Roles: [], IsTruncated: false });
    expect(await h.call('GetPolicy', { PolicyArn: S3_READ_ONLY })).toMatchObject({
      Policy: { PermissionsBoundaryUsageCount: 0 },
    });
  });

  it('TagRole over the quota keeps the old tags', async () => {
    const p: Record<string, string> = { RoleName: 'app' };
    for (let i = 1; i <= 50; i++) {
      p[`Tags.member.${i}.Key`] = `k${i}`;
      p[`Tags.member.${i}.Value`] = 'v';
    }
    await createRole('app');
    await h.call('TagRole', p);
    expect(
      await errorOf(
        h.call('TagRole', {
          RoleName: 'app',
          'Tags.member.1.Key': 'x',
          'Tags.member.1.Value': 'y',
        }),
      ),
    ).toMatchObject({ code: 'LimitExceeded', message: 'Cannot exceed quota for TagsPerRole: 50' });
    const tags = (await h.call('ListRoleTags', { RoleName: 'app', MaxItems: '100' })) as {
      Tags: unknown[];
    };
    expect(tags.Tags).toHaveLength(50);
  });
});

describe('role errors', () => {
  const TRUST_WITH_RESOURCE = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ec2.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Resource: '*',
      },
    ],
  });
  const cases: {
    name: string;
    setup?: 'role' | 'role+inline';
    action: string;
    params: Record<string, string>;
    code: string;
    status: number;
    message: string;
  }[] = [
    {
      name: 'GetRole of a missing role',
      action: 'GetRole',
      params: { RoleName: 'nope' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name nope cannot be found.',
    },
    {
      name: 'CreateRole twice (names are case-insensitive)',
      setup: 'role',
      action: 'CreateRole',
      params: { RoleName: 'APP', AssumeRolePolicyDocument: EC2_TRUST },
      code: 'EntityAlreadyExists',
      status: 409,
      message: 'Role with name APP already exists.',
    },
    {
      name: 'trust policy that is not JSON',
      action: 'CreateRole',
      params: { RoleName: 'x', AssumeRolePolicyDocument: '{"Version":' },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'This policy contains invalid Json',
    },
    {
      name: 'trust policy with a Resource',
      action: 'CreateRole',
      params: { RoleName: 'x', AssumeRolePolicyDocument: TRUST_WITH_RESOURCE },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'Has prohibited field Resource.',
    },
    {
      name: 'trust policy naming a role that does not exist',
      action: 'CreateRole',
      params: {
        RoleName: 'x',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::123456789012:role/ghost' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/ghost"',
    },
    {
      name: 'trust policy over 2,048 characters',
      action: 'CreateRole',
      params: {
        RoleName: 'x',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: Array.from({ length: 40 }, () => ({
            Effect: 'Allow',
            Principal: { Service: 'ec2.amazonaws.com' },
            Action: 'sts:AssumeRole',
          })),
        }),
      },
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    },
    {
      name: 'invalid role name and session duration',
      action: 'CreateRole',
      params: { RoleName: 'a b', AssumeRolePolicyDocument: EC2_TRUST, MaxSessionDuration: '60' },
      code: 'ValidationError',
      status: 400,
      message:
        "2 validation errors detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    },
    {
      name: 'boundary that does not exist',
      action: 'CreateRole',
      params: {
        RoleName: 'x',
        AssumeRolePolicyDocument: EC2_TRUST,
        PermissionsBoundary: 'arn:aws:iam::123456789012:policy/nope',
      },
      code: 'NoSuchEntity',
      status: 404,
      message:
        'Scope ARN: arn:aws:iam::123456789012:policy/nope does not exist or is not attachable.',
    },
    {
      name: 'attach a policy that does not exist',
      setup: 'role',
      action: 'AttachRolePolicy',
      params: { RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.',
    },
    {
      name: 'attach with a malformed ARN',
      setup: 'role',
      action: 'AttachRolePolicy',
      params: { RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:role/AmazonS3ReadOnlyAccess' },
      code: 'InvalidInput',
      status: 400,
      message: 'ARN arn:aws:iam::aws:role/AmazonS3ReadOnlyAccess is not valid.',
    },
    {
      name: 'attach to a missing role',
      action: 'AttachRolePolicy',
      params: { RoleName: 'nope', PolicyArn: S3_READ_ONLY },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name nope cannot be found.',
    },
    {
      name: 'detach a policy that is not attached',
      setup: 'role',
      action: 'DetachRolePolicy',
      params: { RoleName: 'app', PolicyArn: S3_READ_ONLY },
      code: 'NoSuchEntity',
      status: 404,
      message: `Policy ${S3_READ_ONLY} was not found.`,
    },
    {
      name: 'get a missing inline policy',
      setup: 'role',
      action: 'GetRolePolicy',
      params: { RoleName: 'app', PolicyName: 'nope' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role policy with name nope cannot be found.',
    },
    {
      name: 'delete a missing inline policy',
      setup: 'role',
      action: 'DeleteRolePolicy',
      params: { RoleName: 'app', PolicyName: 'nope' },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role policy with name nope cannot be found.',
    },
    {
      name: 'inline policy naming a principal',
      setup: 'role',
      action: 'PutRolePolicy',
      params: {
        RoleName: 'app',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
        }),
      },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'Policy document should not specify a principal.',
    },
    {
      name: 'inline policy without resources',
      setup: 'role',
      action: 'PutRolePolicy',
      params: {
        RoleName: 'app',
        PolicyName: 'p',
        PolicyDocument: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}',
      },
      code: 'MalformedPolicyDocument',
      status: 400,
      message: 'Policy statement must contain resources.',
    },
    {
      name: 'inline policy with a character outside the policy set',
      setup: 'role',
      action: 'PutRolePolicy',
      params: {
        RoleName: 'app',
        PolicyName: 'p',
        PolicyDocument: '{"Version":"2012-10-17"}\u2028',
      },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    },
    {
      name: 'update the trust policy of a missing role',
      action: 'UpdateAssumeRolePolicy',
      params: { RoleName: 'nope', PolicyDocument: EC2_TRUST },
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name nope cannot be found.',
    },
    {
      name: 'duplicate tag keys on create',
      action: 'CreateRole',
      params: {
        RoleName: 'x',
        AssumeRolePolicyDocument: EC2_TRUST,
        'Tags.member.1.Key': 'a',
        'Tags.member.1.Value': '1',
        'Tags.member.2.Key': 'A',
        'Tags.member.2.Value': '2',
      },
      code: 'InvalidInput',
      status: 400,
      message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    },
    {
      name: 'tag key with a forbidden character',
      setup: 'role',
      action: 'TagRole',
      params: { RoleName: 'app', 'Tags.member.1.Key': 'a*b', 'Tags.member.1.Value': 'v' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    },
    {
      name: 'MaxItems out of range',
      action: 'ListRoles',
      params: { MaxItems: '0' },
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    },
  ];

  it.each(cases)('$name', async (c) => {
    if (c.setup) await createRole('app');
    const before = await h.store.revision();
    expect(await errorOf(h.call(c.action, c.params))).toEqual({
      code: c.code,
      status: c.status,
      message: c.message,
    });
    expect(await h.store.revision()).toBe(before);
  });
});
