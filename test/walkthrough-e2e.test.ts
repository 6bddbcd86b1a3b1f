/**
 * The README's walkthrough, step by step, from a fresh data folder with the real AWS CLI and
 * `irsa` only: the seeds' provider, role and annotation, the seed's Deployment applied, a
 * program run as the pod (`irsa exec`), a refused write and a refused untrusted
 * ServiceAccount, `irsa doctor` naming the broken step, `irsa why` on the refusal, and
 * `irsa policy generate`, whose policy — attached instead of AmazonS3ReadOnlyAccess — still
 * lets the workload do what it did.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, ROOT, type Run, startHarness } from './support/harness.js';

vi.setConfig({ testTimeout: 180_000 });

let h: Harness;
let issuer = '';
const file = (name: string) => join(h.home, name);

/** `irsa …` with the admin's shell, as a user would run it after `eval "$(irsa env)"`. */
const irsa = (args: string[]): Promise<Run> =>
  h.run(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], h.env());
const exec = (sa: string, cmd: string[]) =>
  irsa(['exec', '-n', 'production', '-s', sa, '--', ...cmd]);

beforeAll(async () => {
  h = await startHarness({ demo: false });
}, 60_000);
afterAll(() => h.close());

describe('the README walkthrough', () => {
  it('1. a cluster, its issuer registered as an OIDC provider', async () => {
    expect((await irsa(['cluster', 'create', 'demo'])).code).toBe(0);
    const r = await h.aws([
      'eks',
      'describe-cluster',
      '--name',
      'demo',
      '--query',
      'cluster.identity.oidc.issuer',
      '--output',
      'text',
    ]);
    issuer = r.stdout.trim();
    expect(issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/id\/[0-9A-F]{32}$/);
    const described = await irsa(['cluster', 'describe']);
    const thumbprint = /thumbprint:?\s+([0-9a-f]{40})/i.exec(described.stdout)?.[1];
    expect(thumbprint).toBe(h.server.thumbprint);
    const p = await h.aws([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      issuer,
      '--client-id-list',
      'sts.amazonaws.com',
      '--thumbprint-list',
      thumbprint as string,
    ]);
    expect(p.stderr).toBe('');
  });

  it('2. the seed’s role, trust policy and AmazonS3ReadOnlyAccess; a bucket with data', async () => {
    const seed = readFileSync(join(ROOT, '../shared/seeds/001_fc2ddaed615f7002.txt'), 'utf8');
    const start =
      seed.indexOf('cat > trust-policy.json <<EOF') + 'cat > trust-policy.json <<EOF'.length;
    const trust = seed
      .slice(start, seed.indexOf('\nEOF', start))
      .replaceAll('oidc.eks.us-east-1.amazonaws.com/id/$OIDC_ID', issuer.replace('https://', ''));
    writeFileSync(file('trust-policy.json'), trust);
    for (const args of [
      [
        'iam',
        'create-role',
        '--role-name',
        's3-app-role',
        '--assume-role-policy-document',
        `file://${file('trust-policy.json')}`,
      ],
      [
        'iam',
        'attach-role-policy',
        '--role-name',
        's3-app-role',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      ],
      ['s3', 'mb', 's3://my-bucket'],
    ]) {
      const r = await h.aws(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    writeFileSync(file('report.csv'), 'id,total\n1,42\n');
    for (const name of ['a.csv', 'b.csv', 'report.csv'])
      expect(
        (await h.aws(['s3', 'cp', file('report.csv'), `s3://my-bucket/app-data/${name}`])).code,
      ).toBe(0);
  });

  it('3. the seed’s ServiceAccount and Deployment, admitted through the webhook', async () => {
    const r = await irsa([
      'apply',
      '-f',
      join(ROOT, 'examples/k8s/namespace.yaml'),
      '-f',
      join(ROOT, 'examples/k8s/s3-app-deployment.yaml'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('serviceaccount/s3-app created');
    expect(r.stdout).toContain('deployment.apps/s3-app created');
  });

  it('4. a program runs as the pod: the role’s identity, reads allowed, writes refused', async () => {
    const who = await exec('s3-app', [
      'aws',
      'sts',
      'get-caller-identity',
      '--query',
      'Arn',
      '--output',
      'text',
    ]);
    expect(who.stdout.trim()).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+$/,
    );
    const ls = await exec('s3-app', ['aws', 's3', 'ls', 's3://my-bucket/app-data/']);
    expect(ls.stdout).toContain('report.csv');
    const cat = await exec('s3-app', [
      'aws',
      's3',
      'cp',
      's3://my-bucket/app-data/report.csv',
      '-',
    ]);
    expect(cat.stdout).toBe('id,total\n1,42\n');
    const write = await exec('s3-app', [
      'aws',
      's3',
      'cp',
      join(ROOT, 'package.json'),
      's3://my-bucket/app-data/new.json',
    ]);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(
      /An error occurred \(AccessDenied\) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+ is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::my-bucket\/app-data\/new.json" because no identity-based policy allows the s3:PutObject action/,
    );
  });

  it('5. an untrusted ServiceAccount is refused by STS; doctor and why say where', async () => {
    writeFileSync(
      file('web-app.yaml'),
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web-app\n  namespace: production\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/s3-app-role\n',
    );
    expect((await irsa(['apply', '-f', file('web-app.yaml')])).code).toBe(0);
    const refused = await exec('web-app', ['aws', 's3', 'ls']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    const doctor = await irsa(['doctor', '-n', 'production', 'web-app', '--json']);
    expect(doctor.code).toBe(1);
    const checks = JSON.parse(doctor.stdout).checks as { id: string; status: string }[];
    expect(checks.find((c) => c.status === 'fail')?.id).toBe('trust-sub');
    const trail = await irsa(['trail', '--errors', '--json']);
    const last = trail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .reverse()
      .find((r) => r.eventName === 'AssumeRoleWithWebIdentity');
    expect(last?.errorCode).toBe('AccessDenied');
    const why = await irsa(['why', last.requestID]);
    expect(why.code).toBe(0);
    expect(why.stdout).toContain('system:serviceaccount:production:web-app');
  });

  it('6. policy generate: the least privilege, attached instead, still does the job', async () => {
    const gen = await irsa([
      'policy',
      'generate',
      '--role',
      's3-app-role',
      '-o',
      file('least.json'),
    ]);
    expect(gen.code).toBe(0);
    // AmazonS3ReadOnlyAccess grants every read on every bucket: wider than what was used
    expect(gen.stderr).toContain(
      '  - AmazonS3ReadOnlyAccess statement 0: `s3:Get*`, `s3:List*` on `*`: used only s3:GetObject on arn:aws:s3:::my-bucket/app-data/report.csv, s3:ListBucket on arn:aws:s3:::my-bucket',
    );
    expect(gen.stderr).not.toContain('exactly');
    expect(gen.stderr).toContain(
      's3:PutObject on arn:aws:s3:::my-bucket/app-data/new.json (refused 1 time by the role’s identity-based policies; the role’s current policies do not allow it)',
    );
    const policy = JSON.parse(readFileSync(file('least.json'), 'utf8'));
    expect(policy.Statement).toEqual([
      {
        Sid: 'S3',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: ['arn:aws:s3:::my-bucket/app-data/report.csv'],
      },
      {
        Sid: 'S32',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: ['arn:aws:s3:::my-bucket'],
      },
    ]);
    for (const args of [
      [
        'iam',
        'put-role-policy',
        '--role-name',
        's3-app-role',
        '--policy-name',
        'least-privilege',
        '--policy-document',
        `file://${file('least.json')}`,
      ],
      [
        'iam',
        'detach-role-policy',
        '--role-name',
        's3-app-role',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      ],
    ])
      expect((await h.aws(args)).code).toBe(0);
    const ls = await exec('s3-app', ['aws', 's3', 'ls', 's3://my-bucket/app-data/']);
    expect(ls.stdout).toContain('report.csv');
    const cat = await exec('s3-app', [
      'aws',
      's3',
      'cp',
      's3://my-bucket/app-data/report.csv',
      '-',
    ]);
    expect(cat.stdout).toBe('id,total\n1,42\n');
    // and nothing more: another object is now refused
    const other = await exec('s3-app', ['aws', 's3', 'cp', 's3://my-bucket/app-data/a.csv', '-']);
    expect(other.code).toBe(1);
  });
});
