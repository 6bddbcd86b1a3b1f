/**
 * IAM calls refused by the edge's own authorizer, word for word: the resource each is
 * authorized on (a listing's path prefix) and how the refusal names it (a role or user being
 * created by its ARN, a managed policy as `policy <arn>`, one being created as `policy <name>`,
 * ListPolicies as `policy path <prefix>`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../server/aws/authorize.js';
import type { CallContext } from '../../server/aws/types.js';
import {
  callContext,
  errorOf,
  type IamHarness,
  iamHarness,
  params,
  testRandom,
} from '../testing.js';
import { createIamOperations } from './index.js';

const ACCOUNT = '123456789012';
const ANA = `arn:aws:iam::${ACCOUNT}:user/ana`;
const POLICY = `arn:aws:iam::${ACCOUNT}:policy/s3-access-policy`;
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

let h: IamHarness;
let ana: CallContext;
/** runs an operation as ana, authorized by the edge's authorizer */
let asAna: (action: string, p?: Record<string, string>) => Promise<unknown>;

beforeAll(async () => {
  h = await iamHarness();
  await h.call('CreateUser', { UserName: 'ana' });
  await h.call('PutUserPolicy', {
    UserName: 'ana',
    PolicyName: 'team-lister',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:ListRoles',
          Resource: `arn:aws:iam::${ACCOUNT}:role/team/*`,
        },
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: `arn:aws:iam::${ACCOUNT}:user/team/*`,
        },
      ],
    }),
  });
  await h.call('CreateRole', { RoleName: 'app', Path: '/team/', AssumeRolePolicyDocument: TRUST });
  await h.call('CreatePolicy', { PolicyName: 's3-access-policy', PolicyDocument: DOC });
  const authorize = createAuthorizer({ directory: h.directory });
  const ops = createIamOperations({
    store: h.store,
    clock: h.clock,
    random: testRandom(),
    authorize: (ctx, action, resource, context, resourceName) =>
      authorize(ctx, { action, resource, context, resourceName }),
  });
  ana = callContext({ type: 'User', id: ANA, account: ACCOUNT, partition: 'aws' });
  asAna = (action, p = {}) => (ops[action] as NonNullable<(typeof ops)[string]>)(ana, params(p));
});
afterAll(async () => {
  await h.close();
});

const refused = (action: string, resource: string) => ({
  code: 'AccessDenied',
  status: 403,
  message: `User: ${ANA} is not authorized to perform: iam:${action} on resource: ${resource} because no identity-based policy allows the iam:${action} action`,
});

describe('listings are authorized on the kind and the path prefix', () => {
  it('ListRoles and ListUsers with PathPrefix=/team/ are allowed by role/team/* and user/team/*', async () => {
    expect(await asAna('ListRoles', { PathPrefix: '/team/' })).toMatchObject({
      Roles: [{ RoleName: 'app', Path: '/team/' }],
    });
    expect(await asAna('ListUsers', { PathPrefix: '/team/' })).toMatchObject({ Users: [] });
  });

  it('without a PathPrefix, the refusal names role/ and user/', async () => {
    expect(await errorOf(asAna('ListRoles'))).toEqual(
      refused('ListRoles', `arn:aws:iam::${ACCOUNT}:role/`),
    );
    expect(await errorOf(asAna('ListUsers'))).toEqual(
      refused('ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    );
  });

  it('another PathPrefix is refused on that path', async () => {
    expect(
      await errorOf(
        asAna('ListRoles', { PathPrefix: '/aws-service-role/opensearchservice.amazonaws.com/' }),
      ),
    ).toEqual(
      refused(
        'ListRoles',
        `arn:aws:iam::${ACCOUNT}:role/aws-service-role/opensearchservice.amazonaws.com/`,
      ),
    );
    expect(await errorOf(asAna('ListGroups', { PathPrefix: '/ops/' }))).toEqual(
      refused('ListGroups', `arn:aws:iam::${ACCOUNT}:group/ops/`),
    );
    expect(await errorOf(asAna('ListInstanceProfiles', { PathPrefix: '/ops/' }))).toEqual(
      refused('ListInstanceProfiles', `arn:aws:iam::${ACCOUNT}:instance-profile/ops/`),
    );
  });

  it('ListPolicies is refused on `policy path /`, or its PathPrefix', async () => {
    expect(await errorOf(asAna('ListPolicies'))).toEqual(refused('ListPolicies', 'policy path /'));
    expect(await errorOf(asAna('ListPolicies', { PathPrefix: '/team/' }))).toEqual(
      refused('ListPolicies', 'policy path /team/'),
    );
  });
});

describe('how a refusal names the resource', () => {
  it('a role or user being created by its ARN; an existing one by its name', async () => {
    expect(
      await errorOf(
        asAna('CreateRole', {
          RoleName: 'roleName',
          Path: '/service-role/',
          AssumeRolePolicyDocument: TRUST,
        }),
      ),
    ).toEqual(refused('CreateRole', `arn:aws:iam::${ACCOUNT}:role/service-role/roleName`));
    expect(await errorOf(asAna('CreateUser', { UserName: 'Bob' }))).toEqual(
      refused('CreateUser', `arn:aws:iam::${ACCOUNT}:user/Bob`),
    );
    expect(await errorOf(asAna('GetRole', { RoleName: 'app' }))).toEqual(
      refused('GetRole', 'role app'),
    );
    expect(await errorOf(asAna('DeleteRole', { RoleName: 'app' }))).toEqual(
      refused('DeleteRole', 'role app'),
    );
    expect(
      await errorOf(asAna('AttachRolePolicy', { RoleName: 'app', PolicyArn: POLICY })),
    ).toEqual(refused('AttachRolePolicy', 'role app'));
  });

  it('a policy being created by its name', async () => {
    expect(
      await errorOf(
        asAna('CreatePolicy', {
          PolicyName: 'ALBIngressControllerIAMPolicy',
          Path: '/team/',
          PolicyDocument: DOC,
        }),
      ),
    ).toEqual(refused('CreatePolicy', 'policy ALBIngressControllerIAMPolicy'));
  });

  it.each<[string, Record<string, string>]>([
    ['GetPolicy', {}],
    ['DeletePolicy', {}],
    ['GetPolicyVersion', { VersionId: 'v1' }],
    ['CreatePolicyVersion', { PolicyDocument: DOC }],
    ['DeletePolicyVersion', { VersionId: 'v1' }],
    ['ListPolicyVersions', {}],
    ['SetDefaultPolicyVersion', { VersionId: 'v1' }],
  ])('an existing policy as `policy <arn>`: %s', async (action, p) => {
    expect(await errorOf(asAna(action, { PolicyArn: POLICY, ...p }))).toEqual(
      refused(action, `policy ${POLICY}`),
    );
  });
});
