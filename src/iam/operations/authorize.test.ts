import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../common/clock.js';
import type { Store } from '../../store/types.js';
import { errorOf, type IamHarness, iamHarness, testRandom } from '../testing.js';
import { createIamOperations } from './index.js';

/** The operation table's actions (building the table touches no store). */
const ACTIONS = Object.keys(
  createIamOperations({
    store: {} as Store,
    clock: fixedClock('2026-11-22T12:00:00Z'),
    random: testRandom(),
    authorize: async () => {},
  }),
).sort();

const ROLE_ARN = 'arn:aws:iam::123456789012:role/team/app';
const USER_ARN = 'arn:aws:iam::123456789012:user/ana';
const POLICY_ARN = 'arn:aws:iam::123456789012:policy/p';
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/A';
const DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

/** Every parameter any operation needs; each operation reads its own. */
const ALL_PARAMS: Record<string, string> = {
  RoleName: 'app',
  UserName: 'ana',
  PolicyName: 'p',
  PolicyDocument: DOC,
  AssumeRolePolicyDocument: TRUST,
  PolicyArn: POLICY_ARN,
  PermissionsBoundary: POLICY_ARN,
  OpenIDConnectProviderArn: PROVIDER_ARN,
  Url: 'https://oidc.example.com/id/A',
  ClientID: 'x',
  'ThumbprintList.member.1': 'a'.repeat(40),
  'Tags.member.1.Key': 'k',
  'Tags.member.1.Value': 'v',
  'TagKeys.member.1': 'k',
  VersionId: 'v1',
  AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
  Status: 'Inactive',
  Description: 'd',
  PolicySourceArn: ROLE_ARN,
  'ActionNames.member.1': 's3:GetObject',
  'PolicyInputList.member.1': DOC,
};

/** The resource AWS authorizes each action against. */
function expectedResource(action: string): string {
  // listings name the account's role/ and user/ (AWS's refusals say so)
  if (action === 'ListRoles') return 'arn:aws:iam::123456789012:role/';
  if (action === 'ListGroups') return 'arn:aws:iam::123456789012:group/';
  if (action === 'ListInstanceProfiles') return 'arn:aws:iam::123456789012:instance-profile/';
  if (action === 'ListAccountAliases') return '*';
  if (action === 'ListInstanceProfilesForRole') return ROLE_ARN;
  if (/^(GetLoginProfile|ListMFADevices|ListGroupsForUser)$/.test(action)) return USER_ARN;
  if (action === 'ListUsers') return 'arn:aws:iam::123456789012:user/';
  if (/^List(Policies|OpenIDConnectProviders)$/.test(action)) return '*';
  if (action === 'SimulateCustomPolicy' || action === 'GetAccountAuthorizationDetails') return '*';
  if (action === 'SimulatePrincipalPolicy') return ROLE_ARN;
  if (/OpenIDConnectProvider/.test(action)) return PROVIDER_ARN;
  if (/Role/.test(action)) {
    // CreateRole names the new role (path from the parameters: /)
    return action === 'CreateRole' ? 'arn:aws:iam::123456789012:role/app' : ROLE_ARN;
  }
  if (/User|AccessKey/.test(action)) return USER_ARN;
  return POLICY_ARN;
}

let h: IamHarness;
beforeAll(async () => {
  h = await iamHarness();
  await h.call('CreateRole', { RoleName: 'app', Path: '/team/', AssumeRolePolicyDocument: TRUST });
  await h.call('CreateUser', { UserName: 'ana' });
  // GetAccessKeyLastUsed is authorized on the key's user: the key must be there
  const key = (await h.call('CreateAccessKey', { UserName: 'ana' })) as {
    AccessKey: { AccessKeyId: string };
  };
  ALL_PARAMS.AccessKeyId = key.AccessKey.AccessKeyId;
  await h.call('CreatePolicy', { PolicyName: 'p', PolicyDocument: DOC });
  await h.call('CreateOpenIDConnectProvider', { Url: 'https://oidc.example.com/id/A' });
  h.refuse(() => true);
});
afterAll(async () => {
  await h.close();
});

describe('every IAM call is authorized first', () => {
  it('covers the documented operations', () => {
    expect(ACTIONS).toHaveLength(72);
  });

  it.each(ACTIONS)('%s is refused when authorize refuses, changing nothing', async (action) => {
    const before = await h.store.revision();
    expect(await errorOf(h.call(action, ALL_PARAMS))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
    expect(h.authorized.at(-1)).toEqual({
      action: `iam:${action}`,
      resource: expectedResource(action),
    });
    expect(await h.store.revision()).toBe(before);
  });

  it('refuses as the edge words it', async () => {
    expect(await errorOf(h.call('GetRole', { RoleName: 'app' }))).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::123456789012:user/irsa-admin is not authorized to perform: iam:GetRole on resource: ${ROLE_ARN}`,
    });
  });
});
