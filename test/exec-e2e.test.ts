/**
 * `irsa exec` end to end: the seed's ServiceAccount and pod applied to the running server,
 * the seed's role and provider made with the AWS CLI, then the seeds' programs run unmodified
 * as a container of the pod — `aws sts get-caller-identity`, the boto3 script, a Node program
 * on the JS SDK's default chain — with the caller's own AWS credentials in the shell, which
 * must not reach them, and S3 answers them as the role (a bucket the admin made is listed, a
 * bucket the role may not make is refused with the role's ARN). Exit codes, signals, the
 * token file, and pods without IRSA env.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, type Harness, ROOT, type Run, startHarness } from './support/harness.js';

// a loaded machine runs each CLI in seconds; the steps of one test add up
vi.setConfig({ testTimeout: 180_000 });

let h: Harness;
/** a bucket the admin makes, for the role's listings to show */
const BUCKET = 'irsa-exec-seen';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-app-role`;
const ASSUMED = /^arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+$/;
const seed = (n: string) => readFileSync(join(ROOT, '../shared/seeds', n), 'utf8');
const example = (f: string) => join(ROOT, 'examples/k8s', f);

/** `irsa exec …` with the caller's shell: the admin's static keys, a profile, and a credentials file that has it. */
function exec(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return h.run(
    process.execPath,
    [join(ROOT, 'dist/src/cli/main.js'), 'exec', ...args],
    h.env(undefined, {
      AWS_PROFILE: 'default',
      AWS_SHARED_CREDENTIALS_FILE: join(h.dataDir, 'credentials'),
      ...extra,
    }),
  );
}
const inPod = (cmd: string[], extra?: Record<string, string>) =>
  exec(['-n', 'production', '--pod', 's3-reader', '--', ...cmd], extra);

beforeAll(async () => {
  h = await startHarness();
  await h.seedRole();
  const applied = await h.irsa([
    'apply',
    '-f',
    example('namespace.yaml'),
    '-f',
    example('s3-app-serviceaccount.yaml'),
    '-f',
    example('s3-reader-pod.yaml'),
  ]);
  expect(applied.stderr).toBe('');
  const mb = await h.aws(['s3', 'mb', `s3://${BUCKET}`]);
  expect(mb.stderr).toBe('');
  expect(mb.code).toBe(0);
}, 120_000);

afterAll(() => h?.close());

describe('the seeds’ programs under irsa exec', () => {
  it('aws sts get-caller-identity answers as the pod’s role, not as the caller’s admin profile', async () => {
    // the caller's own identity, for contrast
    expect(JSON.parse((await h.aws(['sts', 'get-caller-identity'])).stdout).Arn).toMatch(
      /^arn:aws:iam::123456789012:user\//,
    );
    const r = await inPod(['aws', 'sts', 'get-caller-identity']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const who = JSON.parse(r.stdout);
    expect(who.Account).toBe(ACCOUNT);
    expect(who.Arn).toMatch(ASSUMED);
  });

  it('kubectl’s form, as the seed writes it: irsa exec s3-reader -n production -- env', async () => {
    const r = await exec(['s3-reader', '-n', 'production', '--', 'env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('AWS_ROLE_ARN=arn:aws:iam::123456789012:role/s3-app-role');
    expect(r.stdout).toMatch(/^AWS_WEB_IDENTITY_TOKEN_FILE=\S+\/token$/m);
  });

  it('a pod of its own for -s, with a generated name, which `irsa apply` refuses as kubectl does', async () => {
    const own = await exec(['-n', 'production', '-s', 's3-app', '--', 'printenv', 'AWS_ROLE_ARN']);
    expect(own.stderr).toBe('');
    expect(own.stdout.trim()).toBe('arn:aws:iam::123456789012:role/s3-app-role');
    const file = join(h.home, 'generated.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata: {generateName: gen-, namespace: production}\nspec: {serviceAccountName: s3-app, containers: [{name: c, image: x}]}\n',
    );
    const applied = await h.irsa(['apply', '-f', file]);
    expect(applied.code).toBe(1);
    expect(applied.stderr.trim()).toBe('irsa: from gen-: cannot use generate name with apply');
  });

  it('kubectl’s other targets: pod/NAME, -it, and deploy/NAME (a pod of the Deployment)', async () => {
    const applied = await h.irsa(['apply', '-f', example('s3-app-deployment.yaml')]);
    expect(applied.stderr).toBe('');
    const pod = await exec(['-it', 'pod/s3-reader', '-n', 'production', '--', 'env']);
    expect(pod.stderr).toBe('');
    expect(pod.stdout).toContain('AWS_ROLE_ARN=arn:aws:iam::123456789012:role/s3-app-role');
    const dep = await exec([
      '-i',
      '-t',
      'deploy/s3-app',
      '-n',
      'production',
      '--',
      'aws',
      'sts',
      'get-caller-identity',
      '--region',
      'us-east-1',
      '--query',
      'Arn',
      '--output',
      'text',
    ]);
    expect(dep.stderr).toBe('');
    expect(dep.stdout.trim()).toMatch(ASSUMED);
    const none = await exec(['deployment.apps/nope', '-n', 'production', '--', 'env']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('deployments.apps "nope" not found');
    // its pods would run as s3-app beside the ones the next tests count
    expect((await h.irsa(['delete', 'deployment', 's3-app', '-n', 'production'])).stderr).toBe('');
  });

  it('-s SA creates a pod through admission (<sa>-<random>), runs in it, and removes it', async () => {
    const r = await exec([
      '-n',
      'production',
      '-s',
      's3-app',
      '--',
      'sh',
      '-c',
      'echo "$AWS_WEB_IDENTITY_TOKEN_FILE"; aws sts get-caller-identity --query Arn --output text',
    ]);
    expect(r.stderr).toBe('');
    const [file, arn] = r.stdout.trim().split('\n');
    expect(file).toMatch(
      new RegExp(`^${h.dataDir}/exec/demo/production/s3-app-[0-9a-z]{5}/aws-iam-token/token$`),
    );
    expect(arn).toMatch(ASSUMED);
    const pods = await h.irsa(['get', 'pods', '-n', 'production', '-o', 'name']);
    expect(pods.stdout.trim()).toBe('pod/s3-reader');
  });

  it('the boto3 program prints the account and the ARN', async () => {
    const program = [
      'import boto3',
      'session = boto3.Session()',
      "sts = session.client('sts')",
      'identity = sts.get_caller_identity()',
      `print(f"Account: {identity['Account']}")`,
      `print(f"User ARN: {identity['Arn']}")`,
    ].join('\n');
    const r = await inPod(['python3', '-c', program]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Account: ${ACCOUNT}`);
    expect(lines[1]).toMatch(
      /^User ARN: arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+$/,
    );
  });

  it('a Node program on the JS SDK’s default credential chain', async () => {
    const program = [
      "import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';",
      'const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));',
      'console.log(who.Arn);',
    ].join('\n');
    const r = await inPod([process.execPath, '--input-type=module', '-e', program]);
    // (the SDK may warn that it is leaving this Node version behind)
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/s3-app-role\/aws-sdk-js-session-\d+$/,
    );
  });

  it('aws s3 ls (the seed pod’s command), as the role: a bucket it may not make is refused', async () => {
    // the caller's admin may make buckets; AmazonS3ReadOnlyAccess may not, and S3 names the
    // principal it refused
    const r = await inPod([
      'sh',
      '-c',
      'aws s3 ls && echo listed; aws s3 mb s3://irsa-exec-refused; echo "mb $?"',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\S+ \\S+ ${BUCKET}\\nlisted\\nmb 1\\n$`));
    expect(r.stderr).toMatch(
      /^make_bucket failed: s3:\/\/irsa-exec-refused An error occurred \(AccessDenied\) when calling the CreateBucket operation: User: arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+ is not authorized to perform: s3:CreateBucket on resource: "arn:aws:s3:::irsa-exec-refused" because no identity-based policy allows the s3:CreateBucket action\n$/,
    );
  });

  it('the seed’s s3_reader.py, verbatim', async () => {
    const s = seed('001_fc2ddaed615f7002.txt');
    const start = s.indexOf('# s3_reader.py');
    const script = s.slice(start, s.indexOf('```', start));
    writeFileSync(join(h.home, 's3_reader.py'), script);
    const r = await inPod(['python3', join(h.home, 's3_reader.py')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      new RegExp(
        `^Account: 123456789012\\nUser ARN: ${ASSUMED.source.slice(1, -1)}\\n\\nS3 Buckets:\\n  - ${BUCKET}\\n$`,
      ),
    );
  });

  it('client-s3 ListBuckets on the default chain', async () => {
    const program = [
      "import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';",
      'const out = await new S3Client({ forcePathStyle: true }).send(new ListBucketsCommand({}));',
      'console.log(JSON.stringify(out.Buckets ?? []));',
    ].join('\n');
    const r = await inPod([process.execPath, '--input-type=module', '-e', program]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((b: { Name: string }) => b.Name)).toEqual([BUCKET]);
  });
});

describe('what the child gets', () => {
  it('the webhook’s env and AWS_ENDPOINT_URL; none of the caller’s AWS_* credentials or profile', async () => {
    const r = await inPod(['env'], {
      AWS_SESSION_TOKEN: 'caller-session-token',
      AWS_ROLE_ARN: 'arn:aws:iam::999999999999:role/callers',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/callers-token',
      AWS_DEFAULT_PROFILE: 'default',
    });
    expect(r.stderr).toBe('');
    const env = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const aws = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('AWS_')));
    expect(aws).toEqual({
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_ROLE_ARN: ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: join(
        h.dataDir,
        'exec/demo/production/s3-reader/aws-iam-token/token',
      ),
      AWS_ENDPOINT_URL: h.server.edge,
      AWS_SHARED_CREDENTIALS_FILE: join(h.dataDir, 'exec/empty-credentials'),
      AWS_CONFIG_FILE: join(h.dataDir, 'exec/empty-config'),
    });
    expect(readFileSync(aws.AWS_SHARED_CREDENTIALS_FILE as string, 'utf8')).toBe('');
    expect(r.stdout).not.toContain(h.admin().secretAccessKey);
    expect(r.stdout).not.toContain('caller-session-token');
  });

  it('the pod’s projected token: bound to the pod, the webhook’s audience and lifetime, mode 0600', async () => {
    const r = await inPod([
      'sh',
      '-c',
      'cat "$AWS_WEB_IDENTITY_TOKEN_FILE"; echo; stat -c %a "$AWS_WEB_IDENTITY_TOKEN_FILE"',
    ]);
    const [token, mode] = r.stdout.trim().split('\n');
    expect(mode).toBe('600');
    const claims = decodeJwt(token as string) as Record<string, unknown> & {
      'kubernetes.io': {
        namespace: string;
        pod: { name: string };
        serviceaccount: { name: string };
      };
    };
    expect(claims.sub).toBe('system:serviceaccount:production:s3-app');
    expect(claims.aud).toEqual(['sts.amazonaws.com']);
    expect((claims.exp as number) - (claims.iat as number)).toBe(86400);
    expect(claims['kubernetes.io'].pod.name).toBe('s3-reader');
  });
});

describe('exit codes and signals', () => {
  it('the child’s exit code is irsa’s', async () => {
    expect((await inPod(['sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await inPod(['true'])).code).toBe(0);
  });

  it('a program that cannot start gives 127', async () => {
    const r = await inPod(['no-such-program-xyz', '--flag']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe(
      'irsa: exec: cannot run `no-such-program-xyz`: command not found (not in PATH)\n',
    );
  });

  it('usage errors give 2', async () => {
    expect((await exec(['-n', 'production', '--', 'true'])).code).toBe(2);
    expect(
      (await exec(['-n', 'production', '--pod', 's3-reader', '-s', 's3-app', '--', 'true'])).code,
    ).toBe(2);
    const missing = await exec(['-n', 'production', '--pod', 'nope', '--', 'true']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('irsa: Error from server (NotFound): pods "nope" not found\n');
  });

  const running = (sh: string) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'exec',
        '-n',
        'production',
        '--pod',
        's3-reader',
        '--',
        'sh',
        '-c',
        sh,
      ],
      { env: h.env() },
    );
    let out = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    return { child, ready, exited, out: () => out };
  };

  it.each([
    ['SIGTERM', 42],
    ['SIGINT', 43],
    ['SIGHUP', 44],
  ] as const)('%s is forwarded to the child', async (signal, code) => {
    const p = running(
      `trap 'echo got ${signal}; exit ${code}' ${signal.slice(3)}; echo ready; while :; do sleep 0.1; done`,
    );
    await p.ready;
    p.child.kill(signal);
    expect(await p.exited).toBe(code);
    expect(p.out()).toContain(`got ${signal}`);
  });

  it('a child ended by a signal gives 128 + its number', async () => {
    const p = running('echo ready; exec sleep 30');
    await p.ready;
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(143);
  });
});

describe('pods without IRSA env still run, with the reason and the fix', () => {
  it('a ServiceAccount without the annotation', async () => {
    const sa =
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: plain\n  namespace: production\n';
    writeFileSync(join(h.home, 'plain.yaml'), sa);
    expect((await h.irsa(['apply', '-f', join(h.home, 'plain.yaml')])).code).toBe(0);
    const r = await exec([
      '-n',
      'production',
      '-s',
      'plain',
      '--',
      'sh',
      '-c',
      'echo "${AWS_ROLE_ARN:-none} ${AWS_ACCESS_KEY_ID:-none}"',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('none none');
    expect(r.stderr).toMatch(
      /^irsa: warning: pod production\/plain-[0-9a-z]{5} \(container main\) has no IRSA environment \(AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE\): ServiceAccount production\/plain has no eks\.amazonaws\.com\/role-arn annotation; annotate it/,
    );
  });

  it('a pod admitted before the annotation: re-create it', async () => {
    const before = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: late\n  namespace: production\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: late-pod\n  namespace: production\nspec:\n  serviceAccountName: late\n  containers:\n  - name: app\n    image: my-app:latest\n`;
    writeFileSync(join(h.home, 'late.yaml'), before);
    expect((await h.irsa(['apply', '-f', join(h.home, 'late.yaml')])).code).toBe(0);
    const annotated = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: late\n  namespace: production\n  annotations:\n    eks.amazonaws.com/role-arn: ${ROLE}\n`;
    writeFileSync(join(h.home, 'late-sa.yaml'), annotated);
    expect((await h.irsa(['apply', '-f', join(h.home, 'late-sa.yaml')])).code).toBe(0);
    const r = await exec(['-n', 'production', '--pod', 'late-pod', '--', 'true']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /it was admitted at \S+, before ServiceAccount production\/late had its eks\.amazonaws\.com\/role-arn annotation, and the webhook never changes a running pod; fix: re-create the pod: irsa delete pod late-pod -n production, then irsa apply -f <its manifest>;/,
    );
  });
});
