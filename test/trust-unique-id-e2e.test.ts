/**
 * A trust policy names roles and users by the unique ID they had when it was saved, as IAM
 * keeps them: a role deleted and created again under the same name (a new AROA… ID, perhaps
 * with AdministratorAccess) does not get in, and GetRole shows the old ID where its ARN was.
 * Before, the new role's sessions were trusted by name. With the AWS CLI and boto3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Creds, type Harness, allow, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demo: false });
});
afterAll(() => h?.close());

const TRUSTING = `arn:aws:iam::${ACCOUNT}:role/trusting`;

async function assume(creds: Creds): Promise<string> {
  const r = await h.aws(
    [
      'sts',
      'assume-role',
      '--role-arn',
      TRUSTING,
      '--role-session-name',
      'hop',
      '--query',
      'AssumedRoleUser.Arn',
      '--output',
      'text',
    ],
    creds,
  );
  return r.code === 0 ? r.stdout.trim() : r.stderr.trim();
}

async function principalOfTrusting(): Promise<unknown> {
  const r = await h.aws(['iam', 'get-role', '--role-name', 'trusting']);
  const doc = (
    JSON.parse(r.stdout) as {
      Role: { AssumeRolePolicyDocument: { Statement: { Principal: { AWS: unknown } }[] } };
    }
  ).Role.AssumeRolePolicyDocument;
  return doc.Statement[0]?.Principal.AWS;
}

describe('trust principals are unique IDs', () => {
  it('a role deleted and made again under its name is not trusted; the policy shows the old ID', async () => {
    const first = await h.roleSession({ roleName: 'victim', policies: [allow('sts:AssumeRole')] });
    const firstId = JSON.parse((await h.aws(['iam', 'get-role', '--role-name', 'victim'])).stdout)
      .Role.RoleId as string;
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          // written in another case than the role's name: IAM resolves it to the role
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Victim` },
          Action: 'sts:AssumeRole',
        },
      ],
    };
    const made = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'trusting',
      '--assume-role-policy-document',
      JSON.stringify(trust),
    ]);
    expect(made.stderr).toBe('');
    expect(await assume(first)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/trusting/hop`);
    // shown as the role's own ARN, which is what IAM resolved it to
    expect(await principalOfTrusting()).toBe(`arn:aws:iam::${ACCOUNT}:role/victim`);

    // the victim goes, and a role of the same name comes back, with more power
    await h.aws([
      'iam',
      'delete-role-policy',
      '--role-name',
      'victim',
      '--policy-name',
      'inline-0',
    ]);
    expect((await h.aws(['iam', 'delete-role', '--role-name', 'victim'])).stderr).toBe('');
    expect(await principalOfTrusting()).toBe(firstId);
    const second = await h.roleSession({
      roleName: 'victim',
      policies: [allow('sts:AssumeRole')],
      managed: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    expect(await assume(second)).toContain(
      `An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/victim/victim-session is not authorized to perform: sts:AssumeRole on resource: ${TRUSTING}`,
    );
    expect(await principalOfTrusting()).toBe(firstId);

    // naming the new role again (UpdateAssumeRolePolicy) trusts it
    expect(
      (
        await h.aws([
          'iam',
          'update-assume-role-policy',
          '--role-name',
          'trusting',
          '--policy-document',
          JSON.stringify(trust),
        ])
      ).stderr,
    ).toBe('');
    expect(await assume(second)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/trusting/hop`);
  });

  it('boto3 sees the same', async () => {
    const r = await h.python(`
import boto3
doc = boto3.client('iam').get_role(RoleName='trusting')['Role']['AssumeRolePolicyDocument']
print(doc['Statement'][0]['Principal']['AWS'])
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`arn:aws:iam::${ACCOUNT}:role/victim`);
  });
});
