import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type IamHarness, iamHarness } from '../testing.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const DOC =
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}';

type Details = {
  UserDetailList: Record<string, unknown>[];
  GroupDetailList: unknown[];
  RoleDetailList: Record<string, unknown>[];
  Policies: Record<string, unknown>[];
  IsTruncated: boolean;
  Marker?: string;
};

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
  await h.call('CreateRole', { RoleName: 'app', AssumeRolePolicyDocument: TRUST });
  await h.call('PutRolePolicy', { RoleName: 'app', PolicyName: 'inline', PolicyDocument: DOC });
  await h.call('AttachRolePolicy', {
    RoleName: 'app',
    PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  });
  await h.call('CreatePolicy', { PolicyName: 'mine', PolicyDocument: DOC });
});
afterEach(async () => {
  await h.close();
});

describe('GetAccountAuthorizationDetails', () => {
  it('lists users, roles and the managed policies in use, documents URL-encoded', async () => {
    const d = (await h.call('GetAccountAuthorizationDetails')) as Details;
    expect(d.UserDetailList.map((u) => u.UserName)).toEqual(['irsa-admin']);
    expect(d.UserDetailList[0]).toMatchObject({
      AttachedManagedPolicies: [
        {
          PolicyName: 'AdministratorAccess',
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        },
      ],
      UserPolicyList: [],
      GroupList: [],
    });
    expect(d.GroupDetailList).toEqual([]);
    expect(d.RoleDetailList).toHaveLength(1);
    const role = d.RoleDetailList[0] ?? {};
    expect(decodeURIComponent(role.AssumeRolePolicyDocument as string)).toBe(TRUST);
    expect(role.RolePolicyList).toEqual([
      { PolicyName: 'inline', PolicyDocument: encodeURIComponent(DOC).replace(/\*/g, '%2A') },
    ]);
    expect(d.Policies.map((p) => p.PolicyName)).toEqual([
      'AdministratorAccess',
      'AmazonS3ReadOnlyAccess',
      'mine',
    ]);
    expect(d.Policies[2]).toMatchObject({
      DefaultVersionId: 'v1',
      PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true }],
    });
    expect(d.IsTruncated).toBe(false);
  });

  it('filters by entity type and pages', async () => {
    const roles = (await h.call('GetAccountAuthorizationDetails', {
      'Filter.member.1': 'Role',
    })) as Details;
    expect(roles.RoleDetailList).toHaveLength(1);
    expect(roles.UserDetailList).toEqual([]);
    expect(roles.Policies).toEqual([]);

    const first = (await h.call('GetAccountAuthorizationDetails', { MaxItems: '2' })) as Details;
    expect(first.IsTruncated).toBe(true);
    const rest = (await h.call('GetAccountAuthorizationDetails', {
      MaxItems: '10',
      Marker: first.Marker ?? '',
    })) as Details;
    expect(
      first.UserDetailList.length +
        first.RoleDetailList.length +
        first.Policies.length +
        rest.UserDetailList.length +
        rest.RoleDetailList.length +
        rest.Policies.length,
    ).toBe(5);

    expect(
      await errorOf(h.call('GetAccountAuthorizationDetails', { 'Filter.member.1': 'Groups' })),
    ).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'Groups' at 'filter.1.member' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]",
    });
  });
});
