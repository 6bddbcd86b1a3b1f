/**
 * IAM calls are authorized with IAM's own condition keys, as AWS evaluates them: the policy a
 * call attaches (iam:PolicyARN), the boundary it sets (iam:PermissionsBoundary), the tags it
 * sets (aws:RequestTag/*, aws:TagKeys) and those of the entity it touches (aws:ResourceTag/*),
 * the caller's own tags (aws:PrincipalTag/*), and IAM's region (us-east-1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Creds, type Harness, startHarness } from './support/harness.js';

let h: Harness;
let bob: Creds;
const policyArn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});
const DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }],
});

async function admin(args: string[]): Promise<string> {
  const r = await h.aws(args);
  expect(r.stderr, args.join(' ')).toBe('');
  return r.stdout;
}

beforeAll(async () => {
  h = await startHarness({ demo: false });
  for (const name of ['mp1', 'mp2'])
    await admin(['iam', 'create-policy', '--policy-name', name, '--policy-document', DOC]);
  await admin([
    'iam',
    'create-role',
    '--role-name',
    'blue-r',
    '--assume-role-policy-document',
    TRUST,
  ]);
  await admin([
    'iam',
    'create-role',
    '--role-name',
    'prot',
    '--assume-role-policy-document',
    TRUST,
    '--tags',
    'Key=protected,Value=true',
  ]);
  await admin([
    'iam',
    'create-role',
    '--role-name',
    'plain',
    '--assume-role-policy-document',
    TRUST,
  ]);
  await admin(['iam', 'create-user', '--user-name', 'bob', '--tags', 'Key=team,Value=blue']);
  await admin([
    'iam',
    'put-user-policy',
    '--user-name',
    'bob',
    '--policy-name',
    'delegated',
    '--policy-document',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['iam:AttachRolePolicy', 'iam:TagRole', 'iam:DeleteRole', 'iam:CreateRole'],
          Resource: '*',
        },
        {
          Effect: 'Deny',
          Action: 'iam:AttachRolePolicy',
          Resource: '*',
          Condition: { ArnEquals: { 'iam:PolicyARN': policyArn('mp1') } },
        },
        {
          Effect: 'Deny',
          Action: 'iam:TagRole',
          Resource: '*',
          Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['admin'] } },
        },
        {
          Effect: 'Deny',
          Action: 'iam:DeleteRole',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } },
        },
        {
          Effect: 'Deny',
          Action: 'iam:CreateRole',
          Resource: '*',
          Condition: { StringNotEquals: { 'iam:PermissionsBoundary': policyArn('mp2') } },
        },
        {
          Effect: 'Allow',
          Action: 'iam:ListRoles',
          Resource: `arn:aws:iam::${ACCOUNT}:role/*`,
          Condition: {
            StringEquals: { 'aws:PrincipalTag/team': 'blue', 'aws:RequestedRegion': 'us-east-1' },
          },
        },
      ],
    }),
  ]);
  const key = JSON.parse(await admin(['iam', 'create-access-key', '--user-name', 'bob'])) as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  bob = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
}, 120_000);
afterAll(() => h.close());

const denied = (stderr: string, op: string) =>
  expect(stderr).toContain(`(AccessDenied) when calling the ${op} operation`);

describe('IAM condition keys', () => {
  it('iam:PolicyARN, aws:TagKeys, aws:ResourceTag and iam:PermissionsBoundary decide as on AWS', async () => {
    denied(
      (
        await h.aws(
          ['iam', 'attach-role-policy', '--role-name', 'blue-r', '--policy-arn', policyArn('mp1')],
          bob,
        )
      ).stderr,
      'AttachRolePolicy',
    );
    expect(
      (
        await h.aws(
          ['iam', 'attach-role-policy', '--role-name', 'blue-r', '--policy-arn', policyArn('mp2')],
          bob,
        )
      ).stderr,
    ).toBe('');
    denied(
      (
        await h.aws(
          ['iam', 'tag-role', '--role-name', 'blue-r', '--tags', 'Key=admin,Value=1'],
          bob,
        )
      ).stderr,
      'TagRole',
    );
    expect(
      (await h.aws(['iam', 'tag-role', '--role-name', 'blue-r', '--tags', 'Key=team,Value=1'], bob))
        .stderr,
    ).toBe('');
    denied((await h.aws(['iam', 'delete-role', '--role-name', 'prot'], bob)).stderr, 'DeleteRole');
    expect((await h.aws(['iam', 'delete-role', '--role-name', 'plain'], bob)).stderr).toBe('');
    denied(
      (
        await h.aws(
          ['iam', 'create-role', '--role-name', 'free', '--assume-role-policy-document', TRUST],
          bob,
        )
      ).stderr,
      'CreateRole',
    );
    expect(
      (
        await h.aws(
          [
            'iam',
            'create-role',
            '--role-name',
            'bounded',
            '--assume-role-policy-document',
            TRUST,
            '--permissions-boundary',
            policyArn('mp2'),
          ],
          bob,
        )
      ).stderr,
    ).toBe('');
  }, 120_000);

  it('an IAM user’s tags are its aws:PrincipalTag; IAM is in us-east-1 whatever region signs', async () => {
    const r = await h.aws(['iam', 'list-roles', '--query', 'length(Roles)'], bob, {
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    expect(r.stderr).toBe('');
  });
});

describe('the principal keys every service sees', () => {
  it('a role’s tags are its sessions’ aws:PrincipalTag (session tags win); aws:ViaAWSService and aws:PrincipalIsAWSService are in every signed request', async () => {
    await admin([
      'iam',
      'create-role',
      '--role-name',
      'tagged',
      '--assume-role-policy-document',
      TRUST.replace('"sts:AssumeRole"', '["sts:AssumeRole","sts:TagSession"]'),
      '--tags',
      'Key=team,Value=alpha',
    ]);
    await admin([
      'iam',
      'put-role-policy',
      '--role-name',
      'tagged',
      '--policy-name',
      'p',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:ListRoles',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'alpha' } },
          },
          { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListAccountAliases'], Resource: '*' },
          // temporary credentials carry aws:MultiFactorAuthPresent, false without MFA
          {
            Effect: 'Deny',
            Action: 'iam:ListAccountAliases',
            Resource: '*',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
          },
          // AWS's own example: deny calls from outside the network, unless a service makes them
          {
            Effect: 'Deny',
            Action: 'iam:ListUsers',
            Resource: '*',
            Condition: {
              NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] },
              Bool: { 'aws:ViaAWSService': 'false' },
            },
          },
        ],
      }),
    ]);
    await admin([
      'iam',
      'put-user-policy',
      '--user-name',
      'bob',
      '--policy-name',
      'not-a-service',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:ListPolicies',
            Resource: '*',
            Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' } },
          },
        ],
      }),
    ]);
    const session = async (tags: string[]): Promise<Creds> => {
      const c = (
        JSON.parse(
          await admin([
            'sts',
            'assume-role',
            '--role-arn',
            `arn:aws:iam::${ACCOUNT}:role/tagged`,
            '--role-session-name',
            'tagged-session',
            ...tags,
          ]),
        ) as {
          Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
        }
      ).Credentials;
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
    };
    const alpha = await session([]);
    expect((await h.aws(['iam', 'list-roles', '--max-items', '1'], alpha)).stderr).toBe('');
    const users = await h.aws(['iam', 'list-users'], alpha);
    expect(users.stderr).toContain('with an explicit deny in an identity-based policy');
    const aliases = await h.aws(['iam', 'list-account-aliases'], alpha);
    expect(aliases.stderr).toContain('with an explicit deny in an identity-based policy');
    // a session tag of the same key overrides the role's
    const beta = await session(['--tags', 'Key=team,Value=beta']);
    denied((await h.aws(['iam', 'list-roles'], beta)).stderr, 'ListRoles');
    // the role's tags, as the role has them now
    await admin(['iam', 'tag-role', '--role-name', 'tagged', '--tags', 'Key=team,Value=gamma']);
    denied((await h.aws(['iam', 'list-roles'], alpha)).stderr, 'ListRoles');
    expect((await h.aws(['iam', 'list-policies', '--max-items', '1'], bob)).stderr).toBe('');
  }, 120_000);
});

describe('the policy simulator, through real clients', () => {
  it('aws iam simulate-principal-policy and boto3’s simulate_custom_policy, with resource-specific results', async () => {
    const cli = JSON.parse(
      await admin([
        'iam',
        'simulate-principal-policy',
        '--policy-source-arn',
        `arn:aws:iam::${ACCOUNT}:role/tagged`,
        '--action-names',
        'iam:ListRoles',
        'iam:DeleteRole',
        '--context-entries',
        'ContextKeyName=aws:PrincipalTag/team,ContextKeyValues=alpha,ContextKeyType=string',
      ]),
    ) as { EvaluationResults: { EvalActionName: string; EvalDecision: string }[] };
    expect(cli.EvaluationResults.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['iam:ListRoles', 'allowed'],
      ['iam:DeleteRole', 'implicitDeny'],
    ]);
    const r = await h.python(
      [
        'import boto3, json',
        'iam = boto3.client("iam")',
        'doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]})',
        'r = iam.simulate_custom_policy(PolicyInputList=[doc], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/k"])["EvaluationResults"][0]',
        'print(json.dumps({k: r[k] for k in ("EvalDecision", "MissingContextValues", "EvalDecisionDetails", "ResourceSpecificResults")}))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      EvalDecision: 'implicitDeny',
      MissingContextValues: [],
      EvalDecisionDetails: {},
      ResourceSpecificResults: [
        {
          EvalResourceName: 'arn:aws:s3:::b/k',
          EvalResourceDecision: 'implicitDeny',
          MatchedStatements: [],
          MissingContextValues: ['aws:SourceIp'],
        },
      ],
    });
  });
});

describe('what the account has none of', () => {
  it('answers empty lists (after finding the role or user), as an account without them', async () => {
    const lists = JSON.parse(
      (
        await h.python(`
import boto3, json
iam = boto3.client('iam')
out = {
  'profilesForRole': iam.list_instance_profiles_for_role(RoleName='blue-r')['InstanceProfiles'],
  'profiles': iam.list_instance_profiles()['InstanceProfiles'],
  'groups': iam.list_groups()['Groups'],
  'groupsForUser': iam.list_groups_for_user(UserName='bob')['Groups'],
  'mfa': iam.list_mfa_devices(UserName='bob')['MFADevices'],
  'aliases': iam.list_account_aliases()['AccountAliases'],
}
for name, call in [('missingRole', lambda: iam.list_instance_profiles_for_role(RoleName='nope')),
                   ('login', lambda: iam.get_login_profile(UserName='bob')),
                   ('badStatus', lambda: iam.update_access_key(UserName='bob', AccessKeyId='${bob.accessKeyId}', Status=''))]:
    try:
        call()
        out[name] = 'ok'
    except iam.exceptions.ClientError as e:
        out[name] = e.response['Error']['Code'] + ': ' + e.response['Error']['Message']
print(json.dumps(out))
`)
      ).stdout,
    ) as Record<string, unknown>;
    expect(lists).toMatchObject({
      profilesForRole: [],
      profiles: [],
      groups: [],
      groupsForUser: [],
      mfa: [],
      aliases: [],
      missingRole: 'NoSuchEntity: The role with name nope cannot be found.',
      login: 'NoSuchEntity: Login Profile for User bob cannot be found.',
    });
    expect(lists.badStatus).toMatch(/^ValidationError: /);
  });
});

describe('refusals name the resource as AWS does', () => {
  let ana: Creds;
  const ANA = `arn:aws:iam::${ACCOUNT}:user/ana`;
  const refusal = (op: string, resource: string) =>
    `An error occurred (AccessDenied) when calling the ${op} operation: User: ${ANA} is not authorized to perform: iam:${op} on resource: ${resource} because no identity-based policy allows the iam:${op} action`;

  beforeAll(async () => {
    await admin(['iam', 'create-user', '--user-name', 'ana']);
    await admin([
      'iam',
      'put-user-policy',
      '--user-name',
      'ana',
      '--policy-name',
      'team-lister',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:ListRoles',
            Resource: `arn:aws:iam::${ACCOUNT}:role/team/*`,
          },
        ],
      }),
    ]);
    await admin([
      'iam',
      'create-role',
      '--role-name',
      'team-app',
      '--path',
      '/team/',
      '--assume-role-policy-document',
      TRUST,
    ]);
    const key = JSON.parse(await admin(['iam', 'create-access-key', '--user-name', 'ana'])) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string };
    };
    ana = {
      accessKeyId: key.AccessKey.AccessKeyId,
      secretAccessKey: key.AccessKey.SecretAccessKey,
    };
  }, 60_000);

  it('a listing is authorized on the role ARN prefix and its PathPrefix', async () => {
    const team = await h.aws(
      [
        'iam',
        'list-roles',
        '--path-prefix',
        '/team/',
        '--query',
        'Roles[].RoleName',
        '--output',
        'text',
      ],
      ana,
    );
    expect(team.stderr).toBe('');
    expect(team.stdout.trim()).toBe('team-app');
    expect((await h.aws(['iam', 'list-roles'], ana)).stderr).toContain(
      refusal('ListRoles', `arn:aws:iam::${ACCOUNT}:role/`),
    );
    expect((await h.aws(['iam', 'list-users', '--path-prefix', '/team/'], ana)).stderr).toContain(
      refusal('ListUsers', `arn:aws:iam::${ACCOUNT}:user/team/`),
    );
    expect((await h.aws(['iam', 'list-policies'], ana)).stderr).toContain(
      refusal('ListPolicies', 'policy path /'),
    );
  });

  it('CreateRole and CreateUser by the new ARN, CreatePolicy by name, an existing policy as `policy <arn>`', async () => {
    const create = await h.aws(
      [
        'iam',
        'create-role',
        '--role-name',
        'roleName',
        '--path',
        '/service-role/',
        '--assume-role-policy-document',
        TRUST,
      ],
      ana,
    );
    expect(create.stderr).toContain(
      refusal('CreateRole', `arn:aws:iam::${ACCOUNT}:role/service-role/roleName`),
    );
    expect((await h.aws(['iam', 'create-user', '--user-name', 'Bob'], ana)).stderr).toContain(
      refusal('CreateUser', `arn:aws:iam::${ACCOUNT}:user/Bob`),
    );
    expect((await h.aws(['iam', 'get-role', '--role-name', 'team-app'], ana)).stderr).toContain(
      refusal('GetRole', 'role team-app'),
    );
    const r = await h.python(
      [
        'import boto3, json',
        'iam = boto3.client("iam")',
        'out = {}',
        `doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})`,
        `arn = "${policyArn('mp1')}"`,
        'for name, call in [("create", lambda: iam.create_policy(PolicyName="ALBIngressControllerIAMPolicy", PolicyDocument=doc)),',
        '                   ("get", lambda: iam.get_policy(PolicyArn=arn)),',
        '                   ("version", lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc))]:',
        '    try:',
        '        call()',
        '        out[name] = "ok"',
        '    except iam.exceptions.ClientError as e:',
        '        out[name] = e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]',
        'print(json.dumps(out))',
      ].join('\n'),
      ana,
    );
    expect(r.stderr).toBe('');
    const text = (op: string, resource: string) =>
      `AccessDenied: User: ${ANA} is not authorized to perform: iam:${op} on resource: ${resource} because no identity-based policy allows the iam:${op} action`;
    expect(JSON.parse(r.stdout)).toEqual({
      create: text('CreatePolicy', 'policy ALBIngressControllerIAMPolicy'),
      get: text('GetPolicy', `policy ${policyArn('mp1')}`),
      version: text('CreatePolicyVersion', `policy ${policyArn('mp1')}`),
    });
  });

  it('a managed policy’s Description takes any characters (boto3)', async () => {
    const r = await h.python(
      [
        'import boto3, json',
        'iam = boto3.client("iam")',
        `doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})`,
        'arn = iam.create_policy(PolicyName="described", PolicyDocument=doc, Description="Zugriff für Ā ✓")["Policy"]["Arn"]',
        'print(json.dumps(iam.get_policy(PolicyArn=arn)["Policy"]["Description"]))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toBe('Zugriff für Ā ✓');
  });
});
