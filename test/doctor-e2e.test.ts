/**
 * `irsa doctor` end to end against the running server, set up as the seeds set it up (the AWS
 * CLI for IAM, `irsa apply` for the manifests): a correct setup passes; each of the FAQ's
 * three causes of a 403 (../shared/seeds 000: "the ServiceAccount name in the IAM Trust
 * Policy has a typo, the pod was not restarted after the ServiceAccount was annotated, or the
 * IAM policy attached to the role does not have the necessary permissions"), the missing
 * provider and the audience mismatch are each named as the failing step, with the fix —
 * and applying the fix makes doctor pass. The real token exchange agrees with the AWS CLI
 * running in the pod. Static mode over the fixtures, without a server.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, type Harness, ROOT, type Run, startHarness } from './support/harness.js';

// a loaded machine runs each CLI in seconds; the steps of one test add up
vi.setConfig({ testTimeout: 180_000 });

let h: Harness;
let hostPath = '';
const example = (f: string) => join(ROOT, 'examples/k8s', f);
const testdata = (f: string) => join(ROOT, 'src/doctor/testdata', f);

interface Check {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'warn' | 'skip' | 'undecided';
  detail: string;
  fix: string | null;
}
interface Report {
  ok: boolean;
  checks: Check[];
}

async function doctor(
  args: string[],
): Promise<Run & { report: Report; by: Record<string, Check> }> {
  const r = await h.irsa(['doctor', '--json', ...args]);
  const report = JSON.parse(r.stdout || '{"checks":[]}') as Report;
  return { ...r, report, by: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
}
const firstFailure = (r: Report) => r.checks.find((c) => c.status === 'fail')?.id;

/** runs an `aws …` fix as a user would, with irsakit's credentials file (its `--profile`s) */
const runFix = (fix: string | null | undefined) =>
  h.aws((fix ?? '').split(' ').slice(1), undefined, {
    AWS_SHARED_CREDENTIALS_FILE: join(h.dataDir, 'credentials'),
  });

async function apply(name: string, yaml: string): Promise<void> {
  const file = join(h.home, name);
  writeFileSync(file, yaml);
  const r = await h.irsa(['apply', '-f', file]);
  expect(r.stderr).toBe('');
}

const trust = (sub: string, aud = 'sts.amazonaws.com') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hostPath}:sub`]: sub, [`${hostPath}:aud`]: aud } },
      },
    ],
  });

async function role(name: string, sub: string): Promise<void> {
  const file = join(h.home, `${name}-trust.json`);
  writeFileSync(file, trust(sub));
  expect(
    (
      await h.aws([
        'iam',
        'create-role',
        '--role-name',
        name,
        '--assume-role-policy-document',
        `file://${file}`,
      ])
    ).code,
  ).toBe(0);
  expect(
    (
      await h.aws([
        'iam',
        'attach-role-policy',
        '--role-name',
        name,
        '--policy-arn',
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      ])
    ).code,
  ).toBe(0);
}

const sa = (name: string, roleName: string, extra = '') =>
  `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: production\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/${roleName}\n${extra}`;

beforeAll(async () => {
  h = await startHarness();
  ({ hostPath } = await h.seedRole());
  const r = await h.irsa([
    'apply',
    '-f',
    example('namespace.yaml'),
    '-f',
    example('s3-app-serviceaccount.yaml'),
    '-f',
    example('s3-reader-pod.yaml'),
  ]);
  expect(r.stderr).toBe('');
}, 120_000);

afterAll(() => h?.close());

describe('a correct setup', () => {
  it('passes every step, the real exchange included', async () => {
    const r = await doctor([
      '-n',
      'production',
      's3-app',
      '--action',
      's3:ListBucket',
      '--resource',
      'arn:aws:s3:::my-bucket',
    ]);
    expect(r.code).toBe(0);
    expect(r.report.ok).toBe(true);
    expect(r.report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(r.by['token-exchange']?.detail).toMatch(
      /^STS returned credentials for arn:aws:sts::123456789012:assumed-role\/s3-app-role\/irsa-doctor-\d+ \(sub system:serviceaccount:production:s3-app.*bound to pod s3-reader/,
    );
  });

  it('prints ✓ per step in text', async () => {
    const r = await h.irsa(['doctor', '-n', 'production', '--pod', 's3-reader']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'irsa doctor: pod production/s3-reader (ServiceAccount s3-app) in cluster demo',
    );
    expect(lines.filter((l) => l.startsWith('✓ '))).toHaveLength(15);
    expect(lines).toContain("- the role's policies allow the call (simulated)");
    expect(lines.at(-1)).toBe('15 passed, 0 failed, 0 warnings, 1 skipped');
  });
});

describe('the FAQ’s three causes of 403, each named', () => {
  it('1. a typo of the ServiceAccount name in the trust policy', async () => {
    await role('reporting-role', 'system:serviceaccount:production:reportng');
    await apply('reporting.yaml', sa('reporting', 'reporting-role'));
    const r = await doctor(['-n', 'production', 'reporting']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('trust-sub');
    expect(r.by['trust-sub']?.detail).toMatch(
      /expects `system:serviceaccount:production:reportng`; the token has `system:serviceaccount:production:reporting` — did you mean `system:serviceaccount:production:reporting`\? The policy's `system:serviceaccount:production:reportng` has ServiceAccount `reportng` instead of `reporting`/,
    );
    expect(r.by['token-exchange']?.status).toBe('fail');
    expect(r.by['token-exchange']?.detail).toMatch(
      /^STS answered HTTP 403 AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/,
    );
    // the AWS CLI in such a pod sees the same refusal
    const cli = await h.run(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'exec',
        '-n',
        'production',
        '-s',
        'reporting',
        '--',
        'aws',
        'sts',
        'get-caller-identity',
      ],
      h.env(),
    );
    expect(cli.code).toBe(255);
    expect(cli.stderr.trim()).toBe(
      'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    // the fix doctor gives, applied
    writeFileSync(
      join(h.home, 'reporting-fixed.json'),
      trust('system:serviceaccount:production:reporting'),
    );
    await h.aws([
      'iam',
      'update-assume-role-policy',
      '--role-name',
      'reporting-role',
      '--policy-document',
      `file://${join(h.home, 'reporting-fixed.json')}`,
    ]);
    const fixed = await doctor(['-n', 'production', 'reporting']);
    expect(fixed.code).toBe(0);
  }, 180_000);

  it('1b. a trust policy naming another ServiceAccount that exists: no typo, the fix adds the sub and locks nobody out', async () => {
    await role('pair-role', 'system:serviceaccount:production:pair-a');
    await apply('pair-a.yaml', sa('pair-a', 'pair-role'));
    await apply('pair-b.yaml', sa('pair-b', 'pair-role'));
    const r = await doctor(['-n', 'production', 'pair-b']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('trust-sub');
    expect(r.by['trust-sub']?.detail).not.toMatch(/did you mean/);
    expect(r.by['trust-sub']?.detail).toMatch(
      /The policy's `system:serviceaccount:production:pair-a` is no typo: ServiceAccount production\/pair-a exists and is annotated with this role/,
    );
    const fix = r.by['trust-sub']?.fix ?? '';
    expect(fix).toMatch(/^add `system:serviceaccount:production:pair-b` to the condition/);
    // the fix's condition, applied as given
    const fragment = /"StringEquals": \{"[^"]+": \[[^\]]*\]\}/.exec(fix)?.[0] ?? '';
    const condition = JSON.parse(`{${fragment}}`) as { StringEquals: Record<string, string[]> };
    expect(Object.values(condition.StringEquals)[0]).toEqual([
      'system:serviceaccount:production:pair-a',
      'system:serviceaccount:production:pair-b',
    ]);
    const doc = JSON.parse(trust('system:serviceaccount:production:pair-a')) as {
      Statement: { Condition: { StringEquals: Record<string, unknown> } }[];
    };
    Object.assign(doc.Statement[0]?.Condition.StringEquals ?? {}, condition.StringEquals);
    const file = join(h.home, 'pair-fixed.json');
    writeFileSync(file, JSON.stringify(doc));
    const updated = await h.aws([
      'iam',
      'update-assume-role-policy',
      '--role-name',
      'pair-role',
      '--policy-document',
      `file://${file}`,
    ]);
    expect(updated.code).toBe(0);
    expect((await doctor(['-n', 'production', 'pair-b'])).code).toBe(0);
    // and the workload the policy named still gets in
    expect((await doctor(['-n', 'production', 'pair-a'])).code).toBe(0);
  });

  it('2. the pod was not restarted after the ServiceAccount was annotated', async () => {
    await role('late-role', 'system:serviceaccount:production:late');
    const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: late\n  namespace: production\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: late}\n  template:\n    metadata:\n      labels: {app: late}\n    spec:\n      serviceAccountName: late\n      containers:\n      - name: app\n        image: my-app:latest\n`;
    await apply(
      'late.yaml',
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: late\n  namespace: production\n---\n${deployment}`,
    );
    await apply('late-sa.yaml', sa('late', 'late-role'));
    const r = await doctor(['-n', 'production', 'late']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('pod-admission');
    expect(r.by['pod-admission']?.detail).toMatch(
      /^pod late-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5} was admitted at \S+, before ServiceAccount production\/late had its eks\.amazonaws\.com\/role-arn annotation/,
    );
    expect(r.by['pod-admission']?.fix).toBe('irsa rollout restart deployment/late -n production');
    expect(r.by['pod-env']?.status).toBe('fail');
    // the trust side is fine: a re-created pod's token is accepted
    expect(r.by['token-exchange']?.status).toBe('pass');
    expect(r.by['token-exchange']?.detail).toMatch(/what a re-created pod gets/);
    // the fix doctor gives, run as given
    const fix = await h.irsa((r.by['pod-admission']?.fix as string).split(' ').slice(1));
    expect(fix.code).toBe(0);
    const fixed = await doctor(['-n', 'production', 'late']);
    expect(fixed.code).toBe(0);
    expect(fixed.by['token-exchange']?.detail).toMatch(/bound to pod late-/);
    // kubectl's other spellings restart it too
    const spaced = await h.irsa(['rollout', 'restart', 'deployment', 'late', '-n', 'production']);
    expect([spaced.code, spaced.stdout.trim()]).toEqual([0, 'deployment.apps/late restarted']);
    expect((await h.irsa(['rollout', 'restart', 'pod', 'late', '-n', 'production'])).code).toBe(1);
  }, 180_000);

  it('3. the role’s policy does not allow the action', async () => {
    const r = await doctor([
      '-n',
      'production',
      's3-app',
      '--action',
      's3:PutObject',
      '--resource',
      'arn:aws:s3:::my-bucket/report.csv',
    ]);
    expect(r.code).toBe(1);
    expect(r.report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'permissions',
    ]);
    expect(r.by.permissions?.detail).toMatch(
      /no identity-based policy allows s3:PutObject on arn:aws:s3:::my-bucket\/report\.csv; nearest: arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess statement #0: action s3:PutObject is not in \[s3:Get\*, s3:List\*/,
    );
    expect(r.by.permissions?.fix).toMatch(/aws iam put-role-policy --role-name s3-app-role/);
  });

  it('3b. the bucket’s own policy denies what the role’s allow: evaluated with them, as S3 does', async () => {
    expect((await h.aws(['s3', 'mb', 's3://doctor-bucket'])).code).toBe(0);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenySecret',
          Effect: 'Deny',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/s3-app-role` },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::doctor-bucket/secret/*',
        },
      ],
    });
    const put = await h.aws([
      's3api',
      'put-bucket-policy',
      '--bucket',
      'doctor-bucket',
      '--policy',
      policy,
    ]);
    expect(put.stderr).toBe('');
    const denied = await doctor([
      '-n',
      'production',
      's3-app',
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::doctor-bucket/secret/s.txt',
    ]);
    expect(denied.code).toBe(1);
    expect(denied.by.permissions).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        'explicitly denied by `the bucket policy of doctor-bucket` statement `DenySecret`',
      ),
      fix: expect.stringContaining('in the bucket policy of doctor-bucket'),
    });
    // elsewhere in the bucket the role's read-only policy still allows it
    const allowed = await doctor([
      '-n',
      'production',
      's3-app',
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::doctor-bucket/open/s.txt',
    ]);
    expect(allowed.by.permissions).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('the bucket policy of doctor-bucket was evaluated too'),
    });
  });

  it('3b2. another account’s bucket: its policy must allow the role, and a public one counts not while RestrictPublicBuckets is on — as S3 answers', async () => {
    const far = '777788889999';
    const owner = await h.createAccount(far);
    const ok = async (args: string[]) => {
      const r = await h.aws(args, owner);
      expect(r.stderr, args.join(' ')).toBe('');
    };
    await ok(['s3api', 'create-bucket', '--bucket', 'far-bucket']);
    writeFileSync(join(h.home, 'far.txt'), 'far\n');
    await ok(['s3', 'cp', join(h.home, 'far.txt'), 's3://far-bucket/k.txt']);
    // a session of a role of the pod's account with the same read-only policy: what S3 answers
    const reader = await h.roleSession({
      roleName: 'far-reader',
      managed: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
    });
    const real = async () => (await h.aws(['s3', 'cp', 's3://far-bucket/k.txt', '-'], reader)).code;
    const verdict = async () =>
      (
        await doctor([
          '-n',
          'production',
          's3-app',
          '--action',
          's3:GetObject',
          '--resource',
          'arn:aws:s3:::far-bucket/k.txt',
        ])
      ).by.permissions;

    // no bucket policy: the role's own Allow is not enough across accounts
    expect(await real()).not.toBe(0);
    expect(await verdict()).toMatchObject({ status: 'fail' });

    // a public policy, while RestrictPublicBuckets is on: S3 sets it aside for other accounts
    await ok([
      's3api',
      'put-public-access-block',
      '--bucket',
      'far-bucket',
      '--public-access-block-configuration',
      'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true',
    ]);
    await ok([
      's3api',
      'put-bucket-policy',
      '--bucket',
      'far-bucket',
      '--policy',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::far-bucket/*',
          },
        ],
      }),
    ]);
    expect(await real()).not.toBe(0);
    const restricted = await verdict();
    expect(restricted).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining("the bucket's RestrictPublicBuckets setting is on"),
      fix: expect.stringContaining('RestrictPublicBuckets=false'),
    });

    // the setting off: the public policy lets the other account's role read
    await ok([
      's3api',
      'put-public-access-block',
      '--bucket',
      'far-bucket',
      '--public-access-block-configuration',
      'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false',
    ]);
    expect(await real()).toBe(0);
    expect(await verdict()).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('the bucket policy of far-bucket was evaluated too'),
    });
  });

  it('3c. a queue policy or a secret’s resource policy that allows the role is evaluated too, as SQS and Secrets Manager do', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/s3-app-role`;
    const allow = (action: string, resource: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'LetTheApp',
            Effect: 'Allow',
            Principal: { AWS: role },
            Action: action,
            Resource: resource,
          },
        ],
      });
    const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:doctor-q`;
    const made = await h.python(`
import boto3, json
sqs = boto3.client('sqs')
sqs.create_queue(QueueName='doctor-q')
sm = boto3.client('secretsmanager')
arn = sm.create_secret(Name='doctor/db', SecretString='s3cr3t')['ARN']
print(json.dumps({'secret': arn}))
`);
    expect(made.stderr).toBe('');
    const secretArn = (JSON.parse(made.stdout) as { secret: string }).secret;
    const ask = (action: string, resource: string) =>
      doctor(['-n', 'production', 's3-app', '--action', action, '--resource', resource]);

    // the role's own policies allow neither
    expect((await ask('sqs:SendMessage', queueArn)).by.permissions?.status).toBe('fail');
    expect((await ask('secretsmanager:GetSecretValue', secretArn)).by.permissions?.status).toBe(
      'fail',
    );

    const set = await h.python(`
import boto3
boto3.client('sqs').set_queue_attributes(QueueUrl='${h.server.edge}/${ACCOUNT}/doctor-q', Attributes={'Policy': ${JSON.stringify(allow('sqs:SendMessage', queueArn))}})
boto3.client('secretsmanager').put_resource_policy(SecretId='doctor/db', ResourcePolicy=${JSON.stringify(allow('secretsmanager:GetSecretValue', '*'))})
`);
    expect(set.stderr).toBe('');
    expect((await ask('sqs:SendMessage', queueArn)).by.permissions).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('the queue policy of doctor-q'),
    });
    expect((await ask('secretsmanager:GetSecretValue', secretArn)).by.permissions).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('the resource policy of secret doctor/db'),
    });
    // what the policies do not cover stays refused
    expect((await ask('sqs:DeleteQueue', queueArn)).by.permissions?.status).toBe('fail');
  });
});

describe('env the pod’s own manifest sets: the fix changes the manifest, re-creating alone changes nothing', () => {
  const pod = (name: string, env: Record<string, string>) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: production\nspec:\n  serviceAccountName: s3-app\n  containers:\n  - name: app\n    image: my-app:latest\n${
      Object.keys(env).length > 0
        ? `    env:\n${Object.entries(env)
            .map(([k, v]) => `    - name: ${k}\n      value: ${v}\n`)
            .join('')}`
        : ''
    }`;
  /** the fix's re-creation, run as given: its `irsa delete pod …`, then the manifest applied */
  async function recreate(fix: string, name: string, yaml: string): Promise<void> {
    const del = /irsa (delete pod [^\s,]+ -n [^\s,]+)/.exec(fix)?.[1];
    expect(del).toBe(`delete pod ${name} -n production`);
    expect((await h.irsa((del as string).split(' '))).code).toBe(0);
    await apply(`${name}.yaml`, yaml);
  }

  it('a region of another partition (cn-north-1 with a role in aws)', async () => {
    const wrong = pod('regpod', { AWS_REGION: 'cn-north-1', AWS_DEFAULT_REGION: 'cn-north-1' });
    await apply('regpod.yaml', wrong);
    const r = await doctor(['-n', 'production', '--pod', 'regpod']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('pod-env');
    const c = r.by['pod-env'];
    expect(c?.detail).toMatch(
      /^pod regpod: container `app` has AWS_REGION=cn-north-1 and AWS_DEFAULT_REGION=cn-north-1, a region of partition aws-cn, but its role is in aws: the SDK sends AssumeRoleWithWebIdentity to the STS of partition aws-cn/,
    );
    expect(c?.detail).not.toMatch(/Unable to locate credentials/);
    expect(c?.fix).toMatch(
      /^in pod regpod's manifest, change AWS_REGION and AWS_DEFAULT_REGION in container `app`'s env to a region of partition aws/,
    );
    // re-creating the pod from the same manifest changes nothing
    await recreate(c?.fix ?? '', 'regpod', wrong);
    expect((await doctor(['-n', 'production', '--pod', 'regpod'])).by['pod-env']?.status).toBe(
      'fail',
    );
    // the fix: the variables removed from the manifest, the pod re-created
    await recreate(c?.fix ?? '', 'regpod', pod('regpod', {}));
    const fixed = await doctor(['-n', 'production', '--pod', 'regpod']);
    expect(fixed.code).toBe(0);
    expect(fixed.by['pod-env']?.status).toBe('pass');
    expect((await h.irsa(['delete', 'pod', 'regpod', '-n', 'production'])).code).toBe(0);
  });

  it('a token file of its own: the webhook injects no AWS_ROLE_ARN beside it', async () => {
    await apply(
      'tokpod.yaml',
      pod('tokpod', { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/token' }),
    );
    const r = await doctor(['-n', 'production', '--pod', 'tokpod']);
    expect(r.code).toBe(1);
    const c = r.by['pod-env'];
    expect(c?.detail).toMatch(
      /container `app` sets AWS_WEB_IDENTITY_TOKEN_FILE=\/var\/run\/secrets\/token itself and lacks AWS_ROLE_ARN/,
    );
    expect(c?.fix).toMatch(
      /^in pod tokpod's manifest, remove AWS_WEB_IDENTITY_TOKEN_FILE from container `app`'s env/,
    );
    await recreate(c?.fix ?? '', 'tokpod', pod('tokpod', {}));
    expect((await doctor(['-n', 'production', '--pod', 'tokpod'])).code).toBe(0);
    expect((await h.irsa(['delete', 'pod', 'tokpod', '-n', 'production'])).code).toBe(0);
  });
});

describe('keys only the real request carries', () => {
  it('a Deny on the source address: no ✓ without the address (exit 3), the Deny with it, as the pod sees', async () => {
    await role('ip-role', 'system:serviceaccount:production:ip-app');
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'NoLoopback',
          Effect: 'Deny',
          Action: 's3:*',
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
        },
      ],
    });
    const put = await h.aws([
      'iam',
      'put-role-policy',
      '--role-name',
      'ip-role',
      '--policy-name',
      'denyip',
      '--policy-document',
      deny,
    ]);
    expect(put.code).toBe(0);
    expect((await h.aws(['s3', 'mb', 's3://ip-bucket'])).code).toBe(0);
    await apply('ip-sa.yaml', sa('ip-app', 'ip-role'));
    await apply(
      'ip-pod.yaml',
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ip-pod\n  namespace: production\nspec:\n  serviceAccountName: ip-app\n  containers:\n  - name: app\n    image: amazon/aws-cli:latest\n`,
    );
    // the pod's own call is refused by the Deny
    const cli = await h.run(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'exec',
        '-n',
        'production',
        '--pod',
        'ip-pod',
        '--',
        'aws',
        's3api',
        'list-objects-v2',
        '--bucket',
        'ip-bucket',
      ],
      h.env(),
    );
    expect(cli.code).toBe(255);
    expect(cli.stderr).toMatch(/AccessDenied.*with an explicit deny in an identity-based policy/);
    const ask = (...extra: string[]) =>
      doctor([
        '-n',
        'production',
        'ip-app',
        '--action',
        's3:ListBucket',
        '--resource',
        'arn:aws:s3:::ip-bucket',
        ...extra,
      ]);
    const open = await ask();
    expect(open.code).toBe(3);
    expect(open.report.ok).toBe(false);
    expect(open.by.permissions).toMatchObject({
      status: 'undecided',
      detail: expect.stringMatching(
        /^cannot decide: s3:ListBucket on arn:aws:s3:::ip-bucket depends on aws:SourceIp \(the request's source address\)/,
      ),
      fix: expect.stringContaining('--context aws:SourceIp=ADDRESS'),
    });
    const loopback = await ask('--context', 'aws:SourceIp=127.0.0.1');
    expect(loopback.code).toBe(1);
    expect(loopback.by.permissions?.detail).toMatch(
      /explicitly denied by `denyip` statement `NoLoopback`/,
    );
    const elsewhere = await ask('--context', 'aws:SourceIp=10.1.2.3');
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.by.permissions?.status).toBe('pass');
    expect((await h.irsa(['doctor', '-n', 'production', 'ip-app', '--context', 'x=y'])).code).toBe(
      2,
    );
  }, 180_000);
});

describe('sts:AssumeRole: the target role’s trust policy is its resource policy', () => {
  it('seed 001’s cross-account role: allowed as STS allows it; a same-account trust condition not met: refused', async () => {
    const other = await h.createAccount('111122223333');
    const target = 'arn:aws:iam::111122223333:role/cross-account-s3-access';
    const trustsApp = (extra = {}) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/s3-app-role` },
            Action: 'sts:AssumeRole',
            ...extra,
          },
        ],
      });
    const made = await h.aws(
      [
        'iam',
        'create-role',
        '--role-name',
        'cross-account-s3-access',
        '--assume-role-policy-document',
        trustsApp(),
      ],
      other,
    );
    expect(made.stderr).toBe('');
    const same = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'team-role',
      '--assume-role-policy-document',
      trustsApp({ Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } } }),
    ]);
    expect(same.stderr).toBe('');
    const allow = await h.aws([
      'iam',
      'put-role-policy',
      '--role-name',
      's3-app-role',
      '--policy-name',
      'assume-roles',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
      }),
    ]);
    expect(allow.stderr).toBe('');
    const ask = (resource: string) =>
      doctor(['-n', 'production', 's3-app', '--action', 'sts:AssumeRole', '--resource', resource]);
    const cross = await ask(target);
    expect(cross.code).toBe(0);
    expect(cross.by.permissions).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining(
        '`the trust policy of role cross-account-s3-access` statement #0',
      ),
    });
    const refused = await ask(`arn:aws:iam::${ACCOUNT}:role/team-role`);
    expect(refused.code).toBe(1);
    expect(refused.by.permissions?.detail).toMatch(
      /no role trust policy allows sts:AssumeRole on arn:aws:iam::123456789012:role\/team-role; nearest: the trust policy of role team-role statement #0: condition StringEquals aws:PrincipalTag\/team/,
    );
    const missing = await ask('arn:aws:iam::111122223333:role/no-such-role');
    expect(missing.by.permissions?.detail).toMatch(/does not exist: STS answers AccessDenied/);
    // what STS answers the pod's own session, through the AWS CLI in the pod
    const assume = (roleArn: string) =>
      h.run(
        process.execPath,
        [
          join(ROOT, 'dist/src/cli/main.js'),
          'exec',
          '-n',
          'production',
          '--pod',
          's3-reader',
          '--',
          'aws',
          'sts',
          'assume-role',
          '--role-arn',
          roleArn,
          '--role-session-name',
          'doctor-check',
        ],
        h.env(),
      );
    expect((await assume(target)).code).toBe(0);
    const real = await assume(`arn:aws:iam::${ACCOUNT}:role/team-role`);
    expect(real.code).toBe(255);
    expect(real.stderr).toMatch(/AccessDenied/);
    await h.aws([
      'iam',
      'delete-role-policy',
      '--role-name',
      's3-app-role',
      '--policy-name',
      'assume-roles',
    ]);
  }, 180_000);
});

describe('the provider and the audience', () => {
  it('an issuer with no provider: the create-open-id-connect-provider to run, and STS’s words', async () => {
    expect((await h.irsa(['cluster', 'create', 'east'])).code).toBe(0);
    const file = join(h.home, 'east.yaml');
    writeFileSync(
      file,
      `${readFileSync(example('namespace.yaml'), 'utf8')}---\n${readFileSync(example('s3-app-serviceaccount.yaml'), 'utf8')}`,
    );
    expect((await h.irsa(['apply', '--cluster', 'east', '-f', file])).code).toBe(0);
    const r = await doctor(['--cluster', 'east', '-n', 'production', 's3-app']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('oidc-provider');
    const eastIssuer = /no OIDC provider for (https:\/\/\S+) in account 123456789012/.exec(
      r.by['oidc-provider']?.detail ?? '',
    )?.[1];
    expect(eastIssuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/id\/[0-9A-F]{32}$/);
    expect(r.by['oidc-provider']?.fix).toBe(
      `aws iam create-open-id-connect-provider --url ${eastIssuer} --client-id-list sts.amazonaws.com --thumbprint-list ${h.server.thumbprint} --profile ${ACCOUNT}`,
    );
    expect(r.by['token-exchange']?.detail).toContain(
      `InvalidIdentityToken: No OpenIDConnect provider found in your account for ${eastIssuer}`,
    );
    // run the fix: now the trust policy is what is wrong (it names demo's provider)
    expect((await runFix(r.by['oidc-provider']?.fix)).code).toBe(0);
    const next = await doctor(['--cluster', 'east', '-n', 'production', 's3-app']);
    expect(next.by['oidc-provider']?.status).toBe('pass');
    expect(firstFailure(next.report)).toBe('trust-provider');
    expect(next.by['trust-provider']?.detail).toMatch(
      /is another issuer of the same host: another cluster's\?/,
    );
  }, 180_000);

  it('a role in another account: the fix acts there (--profile), not in the default account', async () => {
    const other = '444455556666';
    await h.createAccount(other);
    await apply(
      'far-sa.yaml',
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: far-app\n  namespace: production\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::${other}:role/far-role\n`,
    );
    const r = await doctor(['-n', 'production', 'far-app']);
    expect(firstFailure(r.report)).toBe('oidc-provider');
    expect(r.by['oidc-provider']?.fix).toMatch(
      /^aws iam create-open-id-connect-provider .* --profile 444455556666$/,
    );
    expect(r.by['role-exists']?.fix).toMatch(
      /aws iam create-role --role-name far-role .* --profile 444455556666\)/,
    );
    expect((await runFix(r.by['oidc-provider']?.fix)).code).toBe(0);
    const listed = await h.aws(
      ['iam', 'list-open-id-connect-providers', '--query', 'length(OpenIDConnectProviderList)'],
      h.admin(other),
    );
    expect(listed.stdout.trim()).toBe('1');
    const next = await doctor(['-n', 'production', 'far-app']);
    expect(next.by['oidc-provider']?.status).toBe('pass');
  });

  it('a mistyped account id in the annotation: named first, with the ARN meant, and no --profile of an account irsakit lacks', async () => {
    await role('acct-role', 'system:serviceaccount:production:acct-app');
    const typo = `arn:aws:iam::123456789013:role/acct-role`;
    await apply(
      'acct-sa.yaml',
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: acct-app\n  namespace: production\n  annotations:\n    eks.amazonaws.com/role-arn: ${typo}\n`,
    );
    const r = await doctor(['-n', 'production', 'acct-app']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('sa-annotation');
    expect(r.by['sa-annotation']?.detail).toMatch(
      /^eks\.amazonaws\.com\/role-arn is `arn:aws:iam::123456789013:role\/acct-role`, but account 123456789013 is not one of irsakit's accounts \([^)]*123456789012[^)]*\): a typo of the account id\? Did you mean `arn:aws:iam::123456789012:role\/acct-role`\?/,
    );
    expect(r.by['sa-annotation']?.fix).toBe(
      `set eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/acct-role in ServiceAccount production/acct-app's manifest and irsa apply -f it, then re-create its pods (the webhook gives a pod its role at admission only)`,
    );
    expect(r.by['oidc-provider']?.status).toBe('skip');
    expect(r.by['role-exists']?.detail).toMatch(/not one of irsakit's accounts/);
    expect(r.stdout).not.toMatch(/--profile 123456789013/);
    // the fix, applied as given
    await apply('acct-sa.yaml', sa('acct-app', 'acct-role'));
    const fixed = await doctor(['-n', 'production', 'acct-app']);
    expect(fixed.code).toBe(0);
  });

  it('a thumbprint that is not the issuer CA’s', async () => {
    expect((await h.irsa(['cluster', 'create', 'west'])).code).toBe(0);
    const west = (
      await h.aws([
        'eks',
        'describe-cluster',
        '--name',
        'west',
        '--query',
        'cluster.identity.oidc.issuer',
        '--output',
        'text',
      ])
    ).stdout.trim();
    const westHost = west.replace('https://', '');
    expect(
      (
        await h.aws([
          'iam',
          'create-open-id-connect-provider',
          '--url',
          west,
          '--client-id-list',
          'sts.amazonaws.com',
          '--thumbprint-list',
          '9e99a48a9960b14926bb7f3b02e22da2b0ab7280',
        ])
      ).code,
    ).toBe(0);
    const file = join(h.home, 'west-trust.json');
    writeFileSync(
      file,
      trust('system:serviceaccount:production:west-app').replaceAll(hostPath, westHost),
    );
    expect(
      (
        await h.aws([
          'iam',
          'create-role',
          '--role-name',
          'west-role',
          '--assume-role-policy-document',
          `file://${file}`,
        ])
      ).code,
    ).toBe(0);
    const manifests = join(h.home, 'west.yaml');
    writeFileSync(
      manifests,
      `${readFileSync(example('namespace.yaml'), 'utf8')}---
${sa('west-app', 'west-role')}`,
    );
    expect((await h.irsa(['apply', '--cluster', 'west', '-f', manifests])).code).toBe(0);
    const r = await doctor(['--cluster', 'west', '-n', 'production', 'west-app']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('provider-thumbprint');
    expect(r.by['provider-thumbprint']?.fix).toBe(
      `aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn arn:aws:iam::${ACCOUNT}:oidc-provider/${westHost} --thumbprint-list ${h.server.thumbprint} --profile ${ACCOUNT}`,
    );
    expect(r.by['token-exchange']?.detail).toMatch(
      /^STS answered HTTP 400 InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint/,
    );
    expect((await runFix(r.by['provider-thumbprint']?.fix)).code).toBe(0);
    const fixed = await doctor(['--cluster', 'west', '-n', 'production', 'west-app']);
    expect(fixed.report.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });

  it('an audience the provider does not list', async () => {
    await role('aud-role', 'system:serviceaccount:production:aud-app');
    await apply(
      'aud.yaml',
      sa('aud-app', 'aud-role', '    eks.amazonaws.com/audience: sts.amazon.com\n'),
    );
    const r = await doctor(['-n', 'production', 'aud-app']);
    expect(r.code).toBe(1);
    expect(firstFailure(r.report)).toBe('provider-client-id');
    expect(r.by['provider-client-id']?.fix).toBe(
      "fix the ServiceAccount's eks.amazonaws.com/audience annotation (`sts.amazon.com` → `sts.amazonaws.com`), then re-create its pods",
    );
    expect(r.by['trust-aud']?.status).toBe('fail');
    expect(r.by['token-exchange']?.detail).toMatch(
      /^STS answered HTTP 400 InvalidIdentityToken: Incorrect token audience/,
    );
  }, 120_000);
});

describe('arguments', () => {
  it('exit 2 on bad arguments', async () => {
    for (const args of [
      ['doctor'],
      ['doctor', '-n', 'production', 's3-app', '--resource', 'arn:aws:s3:::b'],
      ['doctor', '-n', 'production', 's3-app', '--action', 'ListBuckets'],
      ['doctor', '-n', 'production', 's3-app', '--issuer', 'https://x'],
      ['doctor', '--no-such-flag'],
    ]) {
      const r = await h.irsa(args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
    }
  }, 120_000);

  it('a ServiceAccount that does not exist', async () => {
    const r = await doctor(['-n', 'production', 's3-ap']);
    expect(r.code).toBe(1);
    expect(r.by['sa-annotation']?.detail).toBe(
      'ServiceAccount production/s3-ap not found (did you mean `s3-app`?)',
    );
  });
});

describe('EKS Pod Identity: the association’s role, checked as the agent gets it', () => {
  const podRole = async (name: string, actions: string[]) => {
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: actions },
      ],
    });
    expect(
      (
        await h.aws([
          'iam',
          'create-role',
          '--role-name',
          name,
          '--assume-role-policy-document',
          doc,
        ])
      ).stderr,
    ).toBe('');
  };
  const associate = async (saName: string, roleName: string) => {
    const r = await h.aws([
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'demo',
      '--namespace',
      'production',
      '--service-account',
      saName,
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    ]);
    expect(r.stderr).toBe('');
  };

  it('an annotated ServiceAccount with an association: the association’s role, its trust toward pods.eks.amazonaws.com, its permissions', async () => {
    await podRole('pi-role', ['sts:AssumeRole', 'sts:TagSession']);
    // annotated with s3-app-role (which trusts only s3-app) and associated with pi-role
    await apply('pi-sa.yaml', sa('pi-app', 's3-app-role'));
    await associate('pi-app', 'pi-role');
    await apply(
      'pi-pod.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: pi-pod\n  namespace: production\nspec:\n  serviceAccountName: pi-app\n  containers:\n    - name: app\n      image: amazon/aws-cli\n',
    );
    const r = await doctor([
      '-n',
      'production',
      '--pod',
      'pi-pod',
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::my-bucket/hello.txt',
    ]);
    expect(r.by['oidc-provider']?.status).toBe('skip');
    expect(r.by['sa-annotation']).toMatchObject({ status: 'warn' });
    expect(r.by['sa-annotation']?.detail).toContain('is not used (the association wins)');
    expect(r.by['role-exists']?.detail).toMatch(
      new RegExp(`^arn:aws:iam::${ACCOUNT}:role/pi-role\\b`),
    );
    for (const id of ['trust-provider', 'trust-action', 'trust-evaluation'])
      expect(r.by[id]?.status, id).toBe('pass');
    expect(r.by['trust-sub']?.status).toBe('skip');
    expect(r.by['pod-env']?.status).toBe('pass');
    // pi-role has no S3 permission: the pod is refused, and the doctor says so
    expect(r.by.permissions?.status).toBe('fail');
    expect(r.by['token-exchange']?.detail).toContain('EKS Pod Identity');
    expect(firstFailure(r.report)).toBe('permissions');
    await h.aws(['s3', 'mb', 's3://pi-bucket']);
    const put = await h.run(
      'sh',
      ['-c', 'echo hi | aws s3 cp - s3://pi-bucket/hello.txt'],
      h.env(),
    );
    expect(put.stderr).toBe('');
    const pod = await h.run(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'exec',
        'pi-pod',
        '-n',
        'production',
        '--',
        'aws',
        's3',
        'cp',
        's3://pi-bucket/hello.txt',
        '-',
        '--region',
        'us-east-1',
      ],
      h.env(),
    );
    expect(pod.stderr).toContain('An error occurred (403) when calling the HeadObject operation');
  });

  it('a trust policy without sts:TagSession fails the trust, as EKS Auth refuses it', async () => {
    await podRole('pi-notag', ['sts:AssumeRole']);
    await apply('pi-notag-sa.yaml', sa('pi-notag', 'pi-notag').split('\n  annotations:')[0] + '\n');
    await associate('pi-notag', 'pi-notag');
    const r = await doctor(['-n', 'production', 'pi-notag']);
    expect(r.code).toBe(1);
    expect(r.by['sa-annotation']?.status).toBe('pass');
    expect(r.by['trust-action']).toMatchObject({ status: 'fail' });
    expect(r.by['trust-action']?.detail).toContain('does not allow sts:TagSession');
    expect(r.by['trust-evaluation']?.status).toBe('fail');
    expect(r.by['trust-evaluation']?.fix).toContain('"sts:TagSession"');
  });
});

describe('static doctor (no server)', () => {
  const offline = (args: string[]) =>
    h.run(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'doctor', ...args], {
      PATH: process.env.PATH,
      HOME: h.home,
      IRSA_DATA: mkdtempSync(join(tmpdir(), 'irsa-none-')),
      IRSA_ENDPOINT: 'http://127.0.0.1:1',
      NO_COLOR: '1',
    });

  it('passes the seed’s manifests with the Terraform plan', async () => {
    const r = await offline([
      '-f',
      testdata('s3-backup.yaml'),
      '-f',
      testdata('terraform-plan.json'),
      '--action',
      's3:PutObject',
      '--resource',
      'arn:aws:s3:::payments-backups/nightly/db.gz',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.checks.find((c) => c.id === 'token-exchange')?.status).toBe('skip');
    expect(report.checks.find((c) => c.id === 'trust-sub')?.status).toBe('pass');
  });

  it('fails a plan whose trust policy names another namespace', async () => {
    const broken = join(h.home, 'plan-broken.json');
    writeFileSync(
      broken,
      readFileSync(testdata('terraform-plan.json'), 'utf8').replaceAll(
        'system:serviceaccount:payments:',
        'system:serviceaccount:payment:',
      ),
    );
    const r = await offline(['-f', testdata('s3-backup.yaml'), '-f', broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /✗ `sub` matches the exact namespace and ServiceAccount\n {4}.*namespace `payment` instead of `payments`/,
    );
  });

  it('works from the trust policy and permission JSON alone', async () => {
    const r = await offline([
      '-f',
      testdata('s3-app.yaml'),
      '-f',
      testdata('trust-policy.json'),
      '-f',
      testdata('permissions.json'),
      '--action',
      'dynamodb:PutItem',
      '--resource',
      'arn:aws:dynamodb:us-east-1:123456789012:table/my-table',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /✗ the role's policies allow the call \(simulated\)\n {4}implicitly denied .*no identity-based policy allows dynamodb:PutItem/,
    );
  });

  it('exit 2 when the files are not what doctor reads', async () => {
    const junk = join(h.home, 'junk.txt');
    writeFileSync(junk, 'key: [unclosed');
    const r = await offline(['-f', junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^irsa: cannot read `.*junk\.txt`/);
  });
});
