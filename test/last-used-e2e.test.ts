/**
 * When a role and an access key were last used, as IAM reports it: GetRole's RoleLastUsed (the
 * date and Region of the last request signed with one of the role's sessions) and
 * GetAccessKeyLastUsed (date, service and Region of the key's last request; "N/A" before any),
 * with the AWS CLI and boto3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Creds, type Harness, allow, startHarness } from './support/harness.js';

let h: Harness;

const region = (r: string) => ({ AWS_REGION: r, AWS_DEFAULT_REGION: r });

async function admin(args: string[]): Promise<string> {
  const r = await h.aws(args);
  expect(r.stderr, args.join(' ')).toBe('');
  return r.stdout;
}

async function roleLastUsed(name: string): Promise<Record<string, string>> {
  const out = JSON.parse(await admin(['iam', 'get-role', '--role-name', name])) as {
    Role: { RoleLastUsed: Record<string, string> };
  };
  return out.Role.RoleLastUsed;
}

beforeAll(async () => {
  h = await startHarness({ demo: false });
});
afterAll(async () => {
  await h.close();
});

describe('RoleLastUsed', () => {
  it('is empty until a session of the role makes a request, then dated with its Region', async () => {
    const before = Date.now();
    const session = await h.roleSession({
      roleName: 'lu-role',
      policies: [allow('s3:ListAllMyBuckets')],
    });
    // assumed, not yet used
    expect(await roleLastUsed('lu-role')).toEqual({});
    const r = await h.aws(['s3api', 'list-buckets'], session, region('eu-west-1'));
    expect(r.stderr).toBe('');
    const used = await roleLastUsed('lu-role');
    expect(used.Region).toBe('eu-west-1');
    const at = Date.parse(used.LastUsedDate ?? '');
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('counts a refused request too (the role was used to make it)', async () => {
    const session = await h.roleSession({ roleName: 'lu-refused', policies: [allow('sqs:*')] });
    const r = await h.aws(['s3api', 'list-buckets'], session, region('ap-south-1'));
    expect(r.stderr).toContain('AccessDenied');
    expect((await roleLastUsed('lu-refused')).Region).toBe('ap-south-1');
  });

  it('starts empty again for a role deleted and created under the same name', async () => {
    const session = await h.roleSession({ roleName: 'lu-again', policies: [] });
    await h.aws(['sts', 'get-caller-identity'], session);
    expect((await roleLastUsed('lu-again')).Region).toBe('us-east-1');
    const inline = JSON.parse(
      await admin(['iam', 'list-role-policies', '--role-name', 'lu-again']),
    ) as { PolicyNames: string[] };
    for (const p of inline.PolicyNames)
      await admin(['iam', 'delete-role-policy', '--role-name', 'lu-again', '--policy-name', p]);
    await admin(['iam', 'delete-role', '--role-name', 'lu-again']);
    await h.roleSession({ roleName: 'lu-again', policies: [] });
    expect(await roleLastUsed('lu-again')).toEqual({});
  });

  it('boto3 reads it as a datetime, and GetAccountAuthorizationDetails carries it', async () => {
    const r = await h.python(`
import boto3
iam = boto3.client('iam')
lu = iam.get_role(RoleName='lu-role')['Role']['RoleLastUsed']
print(type(lu['LastUsedDate']).__name__, lu['Region'])
roles = iam.get_account_authorization_details(Filter=['Role'])['RoleDetailList']
print([x['RoleLastUsed'].get('Region') for x in roles if x['RoleName'] == 'lu-role'][0])
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['datetime eu-west-1', 'eu-west-1']);
  });
});

describe('GetAccessKeyLastUsed', () => {
  let key: Creds;
  beforeAll(async () => {
    await admin(['iam', 'create-user', '--user-name', 'lu-user']);
    await admin([
      'iam',
      'put-user-policy',
      '--user-name',
      'lu-user',
      '--policy-name',
      'list',
      '--policy-document',
      JSON.stringify(allow('s3:ListAllMyBuckets')),
    ]);
    const out = JSON.parse(await admin(['iam', 'create-access-key', '--user-name', 'lu-user'])) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string };
    };
    key = {
      accessKeyId: out.AccessKey.AccessKeyId,
      secretAccessKey: out.AccessKey.SecretAccessKey,
    };
  });

  it('is N/A before the key signs anything', async () => {
    const out = JSON.parse(
      await admin(['iam', 'get-access-key-last-used', '--access-key-id', key.accessKeyId]),
    ) as unknown;
    expect(out).toEqual({
      UserName: 'lu-user',
      AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
    });
  });

  it('names the service and Region of the last request the key signed', async () => {
    const r = await h.aws(['s3api', 'list-buckets'], key, region('us-west-2'));
    expect(r.stderr).toBe('');
    const py = await h.python(`
import boto3
u = boto3.client('iam').get_access_key_last_used(AccessKeyId='${key.accessKeyId}')
lu = u['AccessKeyLastUsed']
print(u['UserName'], lu['ServiceName'], lu['Region'], type(lu['LastUsedDate']).__name__)
`);
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toBe('lu-user s3 us-west-2 datetime');
    // the user's own next call moves it: GetCallerIdentity is sts
    await h.aws(['sts', 'get-caller-identity'], key, region('eu-central-1'));
    const out = JSON.parse(
      await admin(['iam', 'get-access-key-last-used', '--access-key-id', key.accessKeyId]),
    ) as { AccessKeyLastUsed: Record<string, string> };
    expect(out.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', Region: 'eu-central-1' });
  });

  it('refuses a key the account does not have, and a caller without the permission', async () => {
    const none = await h.aws([
      'iam',
      'get-access-key-last-used',
      '--access-key-id',
      'AKIAIOSFODNN7EXAMPLE',
    ]);
    expect(none.stderr).toContain(
      'An error occurred (AccessDenied) when calling the GetAccessKeyLastUsed operation: User: arn:aws:iam::123456789012:user/irsa-admin is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key AKIAIOSFODNN7EXAMPLE',
    );
    const own = await h.aws(
      ['iam', 'get-access-key-last-used', '--access-key-id', key.accessKeyId],
      key,
    );
    expect(own.stderr).toContain(
      'User: arn:aws:iam::123456789012:user/lu-user is not authorized to perform: iam:GetAccessKeyLastUsed on resource: user lu-user because no identity-based policy allows the iam:GetAccessKeyLastUsed action',
    );
    const bad = await h.aws([
      'iam',
      'get-access-key-last-used',
      '--access-key-id',
      'AKIA-NOT-A-KEY-00000',
    ]);
    expect(bad.stderr).toContain(
      "An error occurred (ValidationError) when calling the GetAccessKeyLastUsed operation: 1 validation error detected: Value 'AKIA-NOT-A-KEY-00000' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+",
    );
  });
});
