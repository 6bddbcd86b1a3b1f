/**
 * Secrets Manager end to end with the real clients against `irsa up`: the AWS CLI, boto3 and
 * @aws-sdk/client-secrets-manager, each with a role session that is allowed, and the refusals
 * with AWS's exact errors (identity policy, the secret's resource policy, aws:ResourceTag and
 * secretsmanager:ResourceTag, cross-account access that needs both sides).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Creds, type Harness, startHarness } from './support/harness.js';

let h: Harness;
let full: Creds;
let none: Creds;

const allow = (action: string | string[], resource: string | string[] = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

beforeAll(async () => {
  h = await startHarness();
  full = await h.roleSession({ roleName: 'sm-full', policies: [allow('secretsmanager:*')] });
  none = await h.roleSession({ roleName: 'sm-none', policies: [allow('s3:GetObject')] });
}, 60_000);

afterAll(() => h?.close());

const cli = (args: string[], creds: Creds) =>
  h.aws(['secretsmanager', ...args, '--output', 'json'], creds);

describe('Secrets Manager with the AWS CLI', () => {
  it('creates, reads, rotates a value and lists', async () => {
    const c = await cli(['create-secret', '--name', 'prod/db', '--secret-string', 'v1'], full);
    expect(c.stderr).toBe('');
    const created = JSON.parse(c.stdout);
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-[A-Za-z0-9]{6}$`),
    );
    const g = await cli(['get-secret-value', '--secret-id', 'prod/db'], full);
    expect(g.stderr).toBe('');
    expect(JSON.parse(g.stdout).SecretString).toBe('v1');
    const p = await cli(
      ['put-secret-value', '--secret-id', created.ARN, '--secret-string', 'v2'],
      full,
    );
    expect(p.stderr).toBe('');
    const prev = await cli(
      ['get-secret-value', '--secret-id', 'prod/db', '--version-stage', 'AWSPREVIOUS'],
      full,
    );
    expect(JSON.parse(prev.stdout).SecretString).toBe('v1');
    const l = await cli(['list-secrets'], full);
    expect(JSON.parse(l.stdout).SecretList.map((s: { Name: string }) => s.Name)).toContain(
      'prod/db',
    );
  });

  it('refuses a role without permissions with AccessDeniedException', async () => {
    const r = await cli(['get-secret-value', '--secret-id', 'prod/db'], none);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(
      new RegExp(
        `^An error occurred \\(AccessDeniedException\\) when calling the GetSecretValue operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/sm-none/sm-none-session is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-[A-Za-z0-9]{6} because no identity-based policy allows the secretsmanager:GetSecretValue action$`,
      ),
    );
  });
});
