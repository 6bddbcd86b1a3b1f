/**
 * The seed scenario (../shared/seeds/001_…) step by step with the real clients against the
 * real server: the AWS CLI creates the OIDC provider from the cluster's issuer URL and the role
 * with the seed's trust policy, attaches AmazonS3ReadOnlyAccess; `irsa token create` gives the
 * pod's token; `assume-role-with-web-identity` and `get-caller-identity` follow — then the same
 * through boto3's and the JS SDK's web-identity providers. Then the refusals, each with AWS's
 * exact error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/up.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'irsa-aws-'));
const home = mkdtempSync(join(tmpdir(), 'irsa-home-'));
let server: RunningServer;
let issuer = '';
let hostPath = '';
const ROLE = 'arn:aws:iam::123456789012:role/s3-app-role';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ENDPOINT_URL: server.edge,
    AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'credentials'),
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    IRSA_DATA: dataDir,
    NO_COLOR: '1',
    ...extra,
  };
  return env;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const aws = (args: string[], extra: Record<string, string> = {}) =>
  run('aws', args, baseEnv(extra));
const irsa = (args: string[]) =>
  run(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], baseEnv());

/** A pod's environment: its token and role, no static credentials (the CLI must not cache). */
function podEnv(tokenFile: string): Record<string, string> {
  return {
    AWS_ROLE_ARN: ROLE,
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    HOME: mkdtempSync(join(tmpdir(), 'irsa-pod-')),
  };
}

async function token(ns: string, sa: string, extra: string[] = []): Promise<string> {
  const t = await irsa(['token', 'create', '-n', ns, sa, ...extra]);
  expect(t.stderr).toBe('');
  const file = join(home, `${ns}-${sa}-${Math.random().toString(36).slice(2)}.jwt`);
  writeFileSync(file, t.stdout.trim());
  return file;
}

beforeAll(async () => {
  // the seed's steps make the provider and the role themselves: no demo, just the cluster
  server = await startServer({ dataDir, port: 0, issuerPort: 0, demo: false });
  await server.clusters.createCluster('demo');
  const seed = (f: string) => readFileSync(join(root, 'examples/k8s', f), 'utf8');
  const applied = await irsa([
    'apply',
    '-f',
    join(root, 'examples/k8s/namespace.yaml'),
    '-f',
    join(root, 'examples/k8s/s3-app-serviceaccount.yaml'),
  ]);
  expect(applied.code).toBe(0);
  // a second ServiceAccount in the same namespace, and s3-app in another namespace
  const other = `${seed('s3-app-serviceaccount.yaml').replace('name: s3-app', 'name: other-app')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: staging\n---\n${seed('s3-app-serviceaccount.yaml').replace('namespace: production', 'namespace: staging')}`;
  writeFileSync(join(home, 'other.yaml'), other);
  expect((await irsa(['apply', '-f', join(home, 'other.yaml')])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('the seed scenario with the AWS CLI', () => {
  it('step 1: the cluster’s issuer, as the seed asks for it', async () => {
    const r = await aws([
      'eks',
      'describe-cluster',
      '--name',
      'demo',
      '--query',
      'cluster.identity.oidc.issuer',
      '--output',
      'text',
    ]);
    expect(r.stderr).toBe('');
    issuer = r.stdout.trim();
    expect(issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/id\/[0-9A-F]{32}$/);
    hostPath = issuer.replace('https://', '');
  });

  it('step 2: the OIDC provider, with the local CA’s thumbprint', async () => {
    const r = await aws([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      issuer,
      '--client-id-list',
      'sts.amazonaws.com',
      '--thumbprint-list',
      server.thumbprint,
    ]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).OpenIDConnectProviderArn).toBe(
      `arn:aws:iam::123456789012:oidc-provider/${hostPath}`,
    );
    const list = await aws(['iam', 'list-open-id-connect-providers']);
    expect(list.stdout).toContain(hostPath.split('/id/')[1]);
  });

  it('step 3: the role with the seed’s trust policy, and AmazonS3ReadOnlyAccess', async () => {
    const seed = readFileSync(join(root, '../shared/seeds/001_fc2ddaed615f7002.txt'), 'utf8');
    const start =
      seed.indexOf('cat > trust-policy.json <<EOF') + 'cat > trust-policy.json <<EOF'.length;
    const trust = seed
      .slice(start, seed.indexOf('\nEOF', start))
      .replaceAll('oidc.eks.us-east-1.amazonaws.com/id/$OIDC_ID', hostPath);
    writeFileSync(join(home, 'trust-policy.json'), trust);
    const role = await aws([
      'iam',
      'create-role',
      '--role-name',
      's3-app-role',
      '--assume-role-policy-document',
      `file://${join(home, 'trust-policy.json')}`,
      '--query',
      'Role.Arn',
      '--output',
      'text',
    ]);
    expect(role.stderr).toBe('');
    expect(role.stdout.trim()).toBe(ROLE);
    const attach = await aws([
      'iam',
      'attach-role-policy',
      '--role-name',
      's3-app-role',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ]);
    expect(attach.code).toBe(0);
    // the managed policy the tutorials tell to look at: any account reads it with its own rights
    const managed = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
    const policy = await aws(['iam', 'get-policy', '--policy-arn', managed]);
    expect(policy.stderr).toBe('');
    expect(JSON.parse(policy.stdout).Policy).toMatchObject({
      PolicyName: 'AmazonS3ReadOnlyAccess',
      DefaultVersionId: 'v3',
      AttachmentCount: 1,
    });
    const version = await aws([
      'iam',
      'get-policy-version',
      '--policy-arn',
      managed,
      '--version-id',
      'v3',
    ]);
    expect(version.stderr).toBe('');
    expect(JSON.stringify(JSON.parse(version.stdout).PolicyVersion.Document)).toContain('s3:Get*');
    const versions = await aws(['iam', 'list-policy-versions', '--policy-arn', managed]);
    expect(JSON.parse(versions.stdout).Versions).toEqual([
      expect.objectContaining({ VersionId: 'v3', IsDefaultVersion: true }),
    ]);
    const got = await aws(['iam', 'get-role', '--role-name', 's3-app-role']);
    // botocore decodes the URL-encoded document back into the seed's JSON
    expect(JSON.parse(got.stdout).Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trust));
  });

  it('step 4: the pod’s token, exchanged, then get-caller-identity with the returned credentials', async () => {
    const file = await token('production', 's3-app');
    const r = await aws([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'seed',
      '--web-identity-token',
      `file://${file}`,
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      SubjectFromWebIdentityToken: 'system:serviceaccount:production:s3-app',
      AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/s3-app-role/seed' },
      Provider: `arn:aws:iam::123456789012:oidc-provider/${hostPath}`,
      Audience: 'sts.amazonaws.com',
    });
    expect(out.AssumedRoleUser.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:seed$/);
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const who = await aws(['sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: out.Credentials.SessionToken,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    });
    expect(who.stderr).toBe('');
    expect(JSON.parse(who.stdout)).toEqual({
      UserId: `${out.AssumedRoleUser.AssumedRoleId}`,
      Account: '123456789012',
      Arn: 'arn:aws:sts::123456789012:assumed-role/s3-app-role/seed',
    });
  });

  it('irsa token create as kubectl create token: --duration 0 leaves the lifetime to the server, an empty --audience is refused', async () => {
    const t = await irsa(['token', 'create', '-n', 'production', 's3-app', '--duration', '0']);
    expect(t.stderr).toBe('');
    const claims = decodeJwt(t.stdout.trim());
    expect((claims.exp as number) - (claims.iat as number)).toBe(86400);
    const empty = await irsa(['token', 'create', '-n', 'production', 's3-app', '--audience', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--audience must not be an empty string');
  });

  it('`aws sts get-caller-identity` from the pod, with only the webhook’s env', async () => {
    const r = await aws(
      ['sts', 'get-caller-identity'],
      podEnv(await token('production', 's3-app')),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).Arn).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+$/,
    );
  });

  it('the pod may not read a managed policy its role was given no IAM rights for', async () => {
    const r = await aws(
      ['iam', 'get-policy', '--policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
      podEnv(await token('production', 's3-app')),
    );
    expect(r.stderr.trim()).toMatch(
      /^An error occurred \(AccessDenied\) when calling the GetPolicy operation: User: arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+ is not authorized to perform: iam:GetPolicy on resource: policy arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess because no identity-based policy allows the iam:GetPolicy action$/,
    );
  });

  it('boto3 from the pod: the account and the ARN', async () => {
    const r = await run(
      'python3',
      [
        '-c',
        'import boto3; i = boto3.client("sts").get_caller_identity(); print(i["Account"]); print(i["Arn"])',
      ],
      baseEnv(podEnv(await token('production', 's3-app'))),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      '123456789012',
      expect.stringMatching(
        /^arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-\d+$/,
      ),
    ]);
  });

  it('the JS SDK’s fromTokenFile provider, reading AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN', async () => {
    const env = podEnv(await token('production', 's3-app'));
    const saved = { ...process.env };
    Object.assign(process.env, env, { AWS_ENDPOINT_URL: server.edge, AWS_REGION: 'us-east-1' });
    try {
      const sts = new STSClient({ credentials: fromTokenFile() });
      const who = await sts.send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe('123456789012');
      expect(who.Arn).toMatch(
        /^arn:aws:sts::123456789012:assumed-role\/s3-app-role\/aws-sdk-js-session-\d+$/,
      );
    } finally {
      process.env = saved;
    }
  });
});

describe('refusals, each with AWS’s exact error', () => {
  const assume = (file: string, extra: string[] = []) =>
    aws([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'neg',
      '--web-identity-token',
      `file://${file}`,
      ...extra,
    ]);
  const err = (op: string, code: string, message: string) =>
    `An error occurred (${code}) when calling the ${op} operation: ${message}`;
  const ARWWI = 'AssumeRoleWithWebIdentity';

  it('another service account in the namespace', async () => {
    const r = await assume(await token('production', 'other-app'));
    expect(r.stderr.trim()).toBe(
      err(ARWWI, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
    );
  });

  it('the same service account in another namespace', async () => {
    const r = await assume(await token('staging', 's3-app'));
    expect(r.stderr.trim()).toBe(
      err(ARWWI, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
    );
  });

  it('a token for another audience', async () => {
    const r = await assume(await token('production', 's3-app', ['--audience', 'sts.amazon.com']));
    expect(r.stderr.trim()).toBe(err(ARWWI, 'InvalidIdentityToken', 'Incorrect token audience'));
  });

  it('a token signed by a key the issuer never published, and tampered tokens', async () => {
    const good = readFileSync(await token('production', 's3-app'), 'utf8');
    const claims = decodeJwt(good);
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = decodeProtectedHeader(good).kid as string;
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    const f1 = join(home, 'forged.jwt');
    writeFileSync(f1, forged);
    expect((await assume(f1)).stderr).toContain('(InvalidIdentityToken)');
    const [h, p, s] = good.split('.');
    const other = Buffer.from(
      JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' }),
    ).toString('base64url');
    const f2 = join(home, 'tampered.jwt');
    writeFileSync(f2, `${h}.${other}.${s}`);
    expect((await assume(f2)).stderr).toContain('(InvalidIdentityToken)');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${p}.`;
    const f3 = join(home, 'none.jwt');
    writeFileSync(f3, none);
    expect((await assume(f3)).stderr).toContain('(InvalidIdentityToken)');
    const jwk = await exportJWK(publicKey);
    expect(jwk.kty).toBe('RSA');
  });

  it('an issuer with no provider', async () => {
    const created = await aws([
      'eks',
      'create-cluster',
      '--name',
      'unregistered',
      '--role-arn',
      'arn:aws:iam::123456789012:role/eks',
      '--resources-vpc-config',
      'subnetIds=subnet-1',
    ]);
    expect(created.stderr).toBe('');
    const t = await run(
      process.execPath,
      [
        join(root, 'dist/src/cli/main.js'),
        'token',
        'create',
        '--cluster',
        'unregistered',
        '-n',
        'default',
        'default',
        '--audience',
        'sts.amazonaws.com',
      ],
      baseEnv(),
    );
    const file = join(home, 'unregistered.jwt');
    writeFileSync(file, t.stdout.trim());
    const iss = decodeJwt(t.stdout.trim()).iss;
    expect((await assume(file)).stderr.trim()).toBe(
      err(
        ARWWI,
        'InvalidIdentityToken',
        `No OpenIDConnect provider found in your account for ${iss}`,
      ),
    );
  });

  it('a role that does not exist, and a duration beyond the role’s maximum', async () => {
    const file = await token('production', 's3-app');
    const missing = await aws([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      'arn:aws:iam::123456789012:role/nope',
      '--role-session-name',
      'neg',
      '--web-identity-token',
      `file://${file}`,
    ]);
    expect(missing.stderr.trim()).toBe(
      err(ARWWI, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
    );
    const long = await assume(file, ['--duration-seconds', '7200']);
    expect(long.stderr.trim()).toBe(
      err(
        ARWWI,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      ),
    );
  });

  it('SigV4: a wrong secret, an unknown key, a forged session token', async () => {
    const keyId = /aws_access_key_id = (\S+)/.exec(
      readFileSync(join(dataDir, 'credentials'), 'utf8'),
    )?.[1] as string;
    const wrong = await aws(['sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: keyId,
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(40),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    });
    expect(wrong.stderr.trim()).toBe(
      err(
        'GetCallerIdentity',
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      ),
    );
    const unknown = await aws(['iam', 'list-roles'], {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(40),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    });
    expect(unknown.stderr).toContain('(InvalidClientTokenId)');
    const forged = await aws(['sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: 'ASIAQ73KHTLZB4BJR5OH',
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(40),
      AWS_SESSION_TOKEN: Buffer.from('forged').toString('base64'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    });
    expect(forged.stderr).toContain('(InvalidClientTokenId)');
  });

  it('SigV4: a credential scoped to no region, in the words AWS sends (lower-case region, period and space)', async () => {
    const cli = await aws(['sts', 'get-caller-identity', '--region', 'moon']);
    expect(cli.stderr).toContain(
      "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: Credential should be scoped to a valid region, not 'moon'.",
    );
    const py = await run(
      'python3',
      [
        '-c',
        `import boto3
from botocore.exceptions import ClientError
try:
    boto3.client('iam', region_name='moon').list_roles()
except ClientError as e:
    print(repr(e.response['Error']['Message']))`,
      ],
      baseEnv(),
    );
    expect(py.stdout.trim()).toBe(`"Credential should be scoped to a valid region, not 'moon'. "`);
  });

  it('an unsigned call that needs a signature', async () => {
    const r = await fetch(`${server.edge}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain(
      '<Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message>',
    );
  });
});

describe('AssumeRole', () => {
  it('the admin assumes a role that trusts its account; a chained session is capped at one hour', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    expect(
      (
        await aws([
          'iam',
          'create-role',
          '--role-name',
          'ops',
          '--assume-role-policy-document',
          trust,
          '--max-session-duration',
          '7200',
        ])
      ).code,
    ).toBe(0);
    const r = await aws([
      'sts',
      'assume-role',
      '--role-arn',
      'arn:aws:iam::123456789012:role/ops',
      '--role-session-name',
      'me',
    ]);
    expect(r.stderr).toBe('');
    const creds = JSON.parse(r.stdout).Credentials;
    expect(JSON.parse(r.stdout).AssumedRoleUser.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/ops/me',
    );
    // ops has no identity policy allowing sts:AssumeRole, so its session cannot chain; with one it can, capped at 1 h
    await aws([
      'iam',
      'put-role-policy',
      '--role-name',
      'ops',
      '--policy-name',
      'chain',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
      }),
    ]);
    const asOps = {
      AWS_ACCESS_KEY_ID: creds.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
      AWS_SESSION_TOKEN: creds.SessionToken,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    };
    const chained = await aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        'arn:aws:iam::123456789012:role/ops',
        '--role-session-name',
        'again',
        '--duration-seconds',
        '7200',
      ],
      asOps,
    );
    expect(chained.stderr.trim()).toBe(
      'An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
    // ops may only assume roles: listing them is refused
    const denied = await aws(['iam', 'list-roles'], asOps);
    expect(denied.stderr).toContain(
      '(AccessDenied) when calling the ListRoles operation: User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized to perform: iam:ListRoles',
    );
    const irsaRole = await aws([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'pod',
      '--web-identity-token',
      `file://${await token('production', 's3-app')}`,
    ]);
    const pod = JSON.parse(irsaRole.stdout).Credentials;
    const podEnv2 = {
      AWS_ACCESS_KEY_ID: pod.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: pod.SecretAccessKey,
      AWS_SESSION_TOKEN: pod.SessionToken,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    };
    const noIam = await aws(['iam', 'get-role', '--role-name', 'ops'], podEnv2);
    expect(noIam.stderr.trim()).toBe(
      'An error occurred (AccessDenied) when calling the GetRole operation: User: arn:aws:sts::123456789012:assumed-role/s3-app-role/pod is not authorized to perform: iam:GetRole on resource: role ops because no identity-based policy allows the iam:GetRole action',
    );
  });
});

describe('accounts and revocation', () => {
  it('a second account, and a cross-account AssumeRole that needs both sides', async () => {
    // irsa env names only a profile the credentials file has
    const before = await irsa(['env', '--profile', '111122223333']);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('no profile 111122223333');
    const created = await irsa(['account', 'create', '111122223333']);
    expect(created.stderr).toBe('');
    expect(readFileSync(join(dataDir, 'credentials'), 'utf8')).toContain('[111122223333]');
    const after = await irsa(['env', '--profile', '111122223333']);
    expect(after.stdout).toContain('export AWS_PROFILE=111122223333');
    const other = { AWS_PROFILE: '111122223333' };
    expect(JSON.parse((await aws(['sts', 'get-caller-identity'], other)).stdout).Account).toBe(
      '111122223333',
    );
    // a role in 111122223333 that trusts the ops role of 123456789012
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    expect(
      (
        await aws(
          ['iam', 'create-role', '--role-name', 'cross', '--assume-role-policy-document', trust],
          other,
        )
      ).code,
    ).toBe(0);
    // the default admin has AdministratorAccess in its own account, so its identity side allows
    const r = await aws([
      'sts',
      'assume-role',
      '--role-arn',
      'arn:aws:iam::111122223333:role/cross',
      '--role-session-name',
      'xa',
    ]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).AssumedRoleUser.Arn).toBe(
      'arn:aws:sts::111122223333:assumed-role/cross/xa',
    );
    // the IRSA role has no sts:AssumeRole: the trust policy alone is not enough across accounts
    const pod = JSON.parse(
      (
        await aws([
          'sts',
          'assume-role-with-web-identity',
          '--role-arn',
          ROLE,
          '--role-session-name',
          'pod2',
          '--web-identity-token',
          `file://${await token('production', 's3-app')}`,
        ])
      ).stdout,
    ).Credentials;
    const denied = await aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        'arn:aws:iam::111122223333:role/cross',
        '--role-session-name',
        'ya',
      ],
      {
        AWS_ACCESS_KEY_ID: pod.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: pod.SecretAccessKey,
        AWS_SESSION_TOKEN: pod.SessionToken,
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      },
    );
    expect(denied.stderr.trim()).toBe(
      'An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::123456789012:assumed-role/s3-app-role/pod2 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/cross',
    );
  });

  it('revokes sessions issued before a time, with a deny on aws:TokenIssueTime', async () => {
    const file = await token('production', 's3-app');
    const creds = JSON.parse(
      (
        await aws([
          'sts',
          'assume-role-with-web-identity',
          '--role-arn',
          ROLE,
          '--role-session-name',
          'old',
          '--web-identity-token',
          `file://${file}`,
        ])
      ).stdout,
    ).Credentials;
    const asOld = {
      AWS_ACCESS_KEY_ID: creds.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
      AWS_SESSION_TOKEN: creds.SessionToken,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    };
    await aws([
      'iam',
      'put-role-policy',
      '--role-name',
      's3-app-role',
      '--policy-name',
      'read-roles',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }],
      }),
    ]);
    expect((await aws(['iam', 'get-role', '--role-name', 's3-app-role'], asOld)).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100)); // token issue times have one-second resolution
    const cutoff = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await aws([
      'iam',
      'put-role-policy',
      '--role-name',
      's3-app-role',
      '--policy-name',
      'revoke',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
          },
        ],
      }),
    ]);
    const revoked = await aws(['iam', 'get-role', '--role-name', 's3-app-role'], asOld);
    expect(revoked.stderr).toContain(
      'is not authorized to perform: iam:GetRole on resource: role s3-app-role with an explicit deny in an identity-based policy',
    );
    const fresh = JSON.parse(
      (
        await aws([
          'sts',
          'assume-role-with-web-identity',
          '--role-arn',
          ROLE,
          '--role-session-name',
          'new',
          '--web-identity-token',
          `file://${file}`,
        ])
      ).stdout,
    ).Credentials;
    const asNew = {
      AWS_ACCESS_KEY_ID: fresh.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: fresh.SecretAccessKey,
      AWS_SESSION_TOKEN: fresh.SessionToken,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    };
    expect((await aws(['iam', 'get-role', '--role-name', 's3-app-role'], asNew)).code).toBe(0);
  });
});
