import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AWS_MANAGED_POLICIES } from '../iam/aws-managed/catalog.js';
import { runChecks } from './checks.js';
import { StaticInputError, type StaticFile, staticSnapshot } from './static-input.js';
import { readTerraform, terraformIam } from './terraform.js';
import type { CheckId, CheckStatus } from './types.js';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const file = (name: string, edit?: (t: string) => string): StaticFile => {
  const text = readFileSync(join(dir, name), 'utf8');
  return { name, text: edit ? edit(text) : text };
};
const NOW = '2025-03-04T12:00:00.000Z';
const statuses = (
  files: StaticFile[],
  opts: Parameters<typeof staticSnapshot>[1] = { now: NOW },
) => {
  const r = runChecks(staticSnapshot(files, opts, AWS_MANAGED_POLICIES));
  return {
    r,
    by: Object.fromEntries(r.checks.map((c) => [c.id, c])) as unknown as Record<
      CheckId,
      { status: CheckStatus; detail: string; fix: string | null }
    >,
  };
};

describe('readTerraform / terraformIam', () => {
  it('reads a plan: the role’s trust from the data source, attachments through configuration references', () => {
    const tf = readTerraform(JSON.parse(file('terraform-plan.json').text));
    expect(tf?.kind).toBe('plan');
    const iam = terraformIam(tf as NonNullable<typeof tf>, AWS_MANAGED_POLICIES);
    expect(iam.providers).toEqual([
      {
        arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
        url: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
        clientIds: ['sts.amazonaws.com'],
        thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
        source: 'aws_iam_openid_connect_provider.eks',
      },
    ]);
    const role = iam.roles[0];
    expect(role?.name).toBe('eks-payments-s3-backup');
    expect(role?.arn).toBeUndefined(); // known only after apply
    expect(JSON.parse(role?.trustPolicy ?? '{}').Statement[0].Condition.StringEquals).toEqual({
      'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub':
        'system:serviceaccount:payments:s3-backup',
    });
    expect(role?.attached.map((a) => a.name)).toEqual([
      'aws_iam_policy.backup',
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ]);
    expect(role?.attached.every((a) => a.document !== undefined)).toBe(true);
  });

  it('follows the trust policy to the data source when the plan does not know it', () => {
    const plan = JSON.parse(file('terraform-plan.json').text);
    const role = plan.planned_values.root_module.resources.find(
      (r: { address: string }) => r.address === 'aws_iam_role.sa',
    );
    delete role.values.assume_role_policy;
    plan.resource_changes.find(
      (c: { address: string }) => c.address === 'aws_iam_role.sa',
    ).change.after_unknown.assume_role_policy = true;
    const withData = terraformIam(
      readTerraform(plan) as NonNullable<ReturnType<typeof readTerraform>>,
      AWS_MANAGED_POLICIES,
    );
    expect(withData.roles[0]?.trustPolicy).toContain('system:serviceaccount:payments:s3-backup');
    // the provider is created in the same plan: the data source is read at apply
    plan.prior_state.values.root_module.resources =
      plan.prior_state.values.root_module.resources.filter(
        (r: { type: string }) => r.type !== 'aws_iam_policy_document',
      );
    const deferred = terraformIam(
      readTerraform(plan) as NonNullable<ReturnType<typeof readTerraform>>,
      AWS_MANAGED_POLICIES,
    );
    expect(deferred.roles[0]?.trustPolicy).toBeUndefined();
    expect(deferred.roles[0]?.trustUnknown).toBe(
      'known only after apply (data.aws_iam_policy_document.assume_role.json)',
    );
  });

  it('reads a state with a child module, one inline policy once', () => {
    const tf = readTerraform(JSON.parse(file('terraform-state.json').text));
    expect(tf?.kind).toBe('state');
    const iam = terraformIam(tf as NonNullable<typeof tf>, AWS_MANAGED_POLICIES);
    expect(iam.roles.map((r) => [r.address, r.arn, r.inline.map((p) => p.name)])).toEqual([
      ['module.irsa.aws_iam_role.this', 'arn:aws:iam::123456789012:role/s3-app-role', ['s3-read']],
    ]);
  });

  it('is not fooled by other JSON', () => {
    expect(readTerraform({ Version: '2012-10-17', Statement: [] })).toBeUndefined();
    expect(readTerraform([])).toBeUndefined();
  });
});

describe('static doctor', () => {
  it('passes the seed’s ServiceAccount + Deployment against the Terraform plan', () => {
    const { r, by } = statuses([file('s3-backup.yaml'), file('terraform-plan.json')], {
      now: NOW,
      request: { action: 's3:PutObject', resource: 'arn:aws:s3:::payments-backups/nightly/db.gz' },
    });
    expect(r.ok).toBe(true);
    expect(by['oidc-provider'].status).toBe('pass');
    expect(by['provider-thumbprint'].status).toBe('skip');
    expect(by['trust-sub'].status).toBe('pass');
    expect(by['pod-env'].status).toBe('pass');
    expect(by['pod-env'].detail).toMatch(
      /deployment s3-backup: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and volume aws-iam-token .* once admitted/,
    );
    expect(by.permissions.detail).toMatch(
      /allowed by `aws_iam_policy\.backup` statement `ReadWrite`/,
    );
    expect(by['token-exchange'].status).toBe('skip');
    expect(by['trust-lint'].status).toBe('warn'); // T6: no aud condition
  });

  it('catches a namespace typo in the plan’s trust policy', () => {
    const { by } = statuses([
      file('s3-backup.yaml'),
      file('terraform-plan.json', (t) =>
        t.replaceAll(
          'system:serviceaccount:payments:s3-backup',
          'system:serviceaccount:payment:s3-backup',
        ),
      ),
    ]);
    expect(by['trust-sub'].status).toBe('fail');
    expect(by['trust-sub'].detail).toMatch(/namespace `payment` instead of `payments`/);
  });

  it('catches a client ID typo on the provider', () => {
    const { by } = statuses([
      file('s3-backup.yaml'),
      file('terraform-plan.json', (t) => t.replaceAll('"sts.amazonaws.com"', '"sts.amazon.com"')),
    ]);
    expect(by['provider-client-id'].status).toBe('fail');
    expect(by['provider-client-id'].fix).toBe(
      'add "sts.amazonaws.com" to client_id_list of aws_iam_openid_connect_provider.eks',
    );
  });

  it('says what the plan does not allow', () => {
    const { by, r } = statuses([file('s3-backup.yaml'), file('terraform-plan.json')], {
      now: NOW,
      request: {
        action: 's3:DeleteObject',
        resource: 'arn:aws:s3:::payments-backups/nightly/db.gz',
      },
    });
    expect(r.ok).toBe(false);
    expect(by.permissions.status).toBe('fail');
    expect(by.permissions.detail).toMatch(/no identity-based policy allows s3:DeleteObject/);
  });

  it('checks a Deployment that forgot serviceAccountName', () => {
    const { by } = statuses(
      [
        file('s3-backup.yaml', (t) => t.replace('      serviceAccountName: s3-backup\n', '')),
        file('terraform-plan.json'),
      ],
      { now: NOW },
    );
    expect(by['pod-service-account'].status).toBe('fail');
    expect(by['pod-service-account'].detail).toMatch(
      /the pods of deployment s3-backup run as ServiceAccount `default` \(the namespace's default: is serviceAccountName missing\?\)/,
    );
  });

  it('previews a container that sets AWS_ROLE_ARN itself as the webhook would treat it', () => {
    const { by } = statuses([
      file('s3-backup.yaml', (t) =>
        t.replace(
          '          image: amazon/aws-cli:2.17.0\n',
          '          image: amazon/aws-cli:2.17.0\n          env:\n            - name: AWS_ROLE_ARN\n              value: arn:aws:iam::111122223333:role/other\n',
        ),
      ),
      file('terraform-plan.json'),
    ]);
    // its own AWS_ROLE_ARN counts as "credentials defined": the webhook adds no token file
    expect(by['pod-env'].status).toBe('fail');
    expect(by['pod-env'].detail).toMatch(
      /container `backup` sets AWS_ROLE_ARN=arn:aws:iam::111122223333:role\/other itself and lacks AWS_WEB_IDENTITY_TOKEN_FILE: the webhook injects the two only into a container that sets neither/,
    );
    // the fix is the manifest's: the webhook would leave the container alone again
    expect(by['pod-env'].fix).toBe(
      "in s3-backup.yaml, remove AWS_ROLE_ARN from container `backup`'s env (the webhook then injects both, the token file /var/run/secrets/eks.amazonaws.com/serviceaccount/token), or set AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token beside it, then apply it",
    );
  });

  it('works from plain files: the seed trust policy, a permission policy and the manifests', () => {
    const { r, by } = statuses(
      [file('s3-app.yaml'), file('trust-policy.json'), file('permissions.json')],
      {
        now: NOW,
        request: {
          action: 'sqs:SendMessage',
          resource: 'arn:aws:sqs:us-east-1:123456789012:my-queue',
        },
      },
    );
    expect(r.ok).toBe(true);
    expect(by['oidc-provider'].status).toBe('skip');
    expect(by['role-exists'].detail).toMatch(/\(trust-policy\.json\)/);
    expect(by['trust-sub'].status).toBe('pass');
    expect(by.permissions.detail).toMatch(/allowed by `permissions\.json`/);
  });

  it('takes the role a pod names itself when the ServiceAccount names none, as live doctor does', () => {
    const unannotated = (t: string) =>
      t
        .replace(
          '  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/s3-app-role\n',
          '',
        )
        .replace(
          '            - name: AWS_REGION\n',
          '            - name: AWS_ROLE_ARN\n              value: arn:aws:iam::123456789012:role/s3-app-role\n            - name: AWS_REGION\n',
        );
    const snap = staticSnapshot(
      [file('s3-app.yaml', unannotated), file('trust-policy.json')],
      { now: NOW },
      AWS_MANAGED_POLICIES,
    );
    expect(snap.serviceAccount?.metadata?.annotations).toBeUndefined();
    expect(snap.iam.role).toMatchObject({
      arn: 'arn:aws:iam::123456789012:role/s3-app-role',
      name: 's3-app-role',
      source: 'trust-policy.json',
    });
  });

  it('reads the role from a state whose role sits in a module', () => {
    const { r, by } = statuses([file('s3-app.yaml'), file('terraform-state.json')], {
      now: NOW,
      request: { action: 's3:GetObject', resource: 'arn:aws:s3:::my-bucket/report.csv' },
    });
    expect(r.ok).toBe(true);
    expect(by['role-exists'].detail).toMatch(/module\.irsa\.aws_iam_role\.this/);
    expect(by.permissions.detail).toMatch(/allowed by `s3-read`/);
  });

  it('asks which ServiceAccount when the files hold several', () => {
    expect(() =>
      staticSnapshot(
        [file('s3-app.yaml'), file('s3-backup.yaml')],
        { now: NOW },
        AWS_MANAGED_POLICIES,
      ),
    ).toThrow(StaticInputError);
    const snap = staticSnapshot(
      [file('s3-app.yaml'), file('s3-backup.yaml')],
      { now: NOW, namespace: 'payments', serviceAccount: 's3-backup' },
      AWS_MANAGED_POLICIES,
    );
    expect(snap.target).toMatchObject({ namespace: 'payments', serviceAccount: 's3-backup' });
  });

  it('rejects a file that is none of the three kinds', () => {
    expect(() =>
      staticSnapshot(
        [{ name: 'x.txt', text: 'key: [unclosed' }],
        { now: NOW },
        AWS_MANAGED_POLICIES,
      ),
    ).toThrow(/cannot read `x\.txt`/);
  });

  it('reports a .json file that does not parse as invalid JSON, not in the YAML reader’s words', () => {
    expect(() =>
      staticSnapshot(
        [{ name: 'bad.json', text: '{"Version":"2012-10-17","Statement":[\n' }],
        { now: NOW },
        AWS_MANAGED_POLICIES,
      ),
    ).toThrow(/^cannot read `bad\.json`: invalid JSON: /);
  });
});
