/**
 * A running irsakit for end-to-end tests with real clients: `irsa up` on a scratch data
 * folder, the admin profile of each account, and role sessions made the way users make them
 * (IAM CreateRole + PutRolePolicy, then STS AssumeRole, through the JS SDK against the edge).
 * Each test file starts its own server on free ports.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  type Tag,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { inject } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/up.js';
import { signRequest } from '../../src/sigv4/testing/sign.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ACCOUNT = '123456789012';

/** An identity policy of one Allow statement. */
export const allow = (
  action: string | string[],
  resource: string | string[] = '*',
  extra = {},
) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...extra }],
});

/** A trust policy that lets the principals of `account` (its root) assume a role, as JSON. */
export const accountTrust = (account = ACCOUNT): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RoleSpec {
  roleName: string;
  /** inline identity policies (documents as objects) */
  policies?: object[];
  /** managed policy ARNs to attach */
  managed?: string[];
  boundary?: string;
  /** the session policy passed to AssumeRole */
  sessionPolicy?: object;
  tags?: Tag[];
  /** the role's account (default 123456789012); its admin creates and assumes it */
  account?: string;
  /** who may assume it (default: the role's own account) */
  trustedAccount?: string;
}

export interface Harness {
  server: RunningServer;
  dataDir: string;
  /** the PostgreSQL store's URL (`postgres: true`), with its schema; undefined for SQLite */
  storeUrl: string | undefined;
  home: string;
  /** the admin key of an account (default 123456789012), from `<data>/credentials` */
  admin(account?: string): Creds;
  /** creates an account (with its admin profile) through `irsa account create` */
  createAccount(account: string): Promise<Creds>;
  /** the env for the AWS CLI / boto3: endpoint, region, and these credentials (default admin) */
  env(creds?: Creds, extra?: Record<string, string>): NodeJS.ProcessEnv;
  run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run>;
  aws(args: string[], creds?: Creds, extra?: Record<string, string>): Promise<Run>;
  /** runs `python3 -c code` with boto3 available */
  python(code: string, creds?: Creds, extra?: Record<string, string>): Promise<Run>;
  irsa(args: string[]): Promise<Run>;
  /**
   * A raw request to the edge, SigV4-signed now for `service` (with the admin key unless
   * `creds`): what the SDKs would never send, for wire-level tests.
   */
  signedFetch(req: {
    service: string;
    method?: string;
    target?: string;
    body?: string | Uint8Array;
    headers?: [string, string][];
    creds?: Creds;
  }): Promise<Response>;
  /** JS SDK client options for these credentials */
  sdk(creds?: Creds): {
    endpoint: string;
    region: string;
    credentials: Creds;
    forcePathStyle?: boolean;
  };
  /** creates a role with the given policies and returns an AssumeRole session of it */
  roleSession(spec: RoleSpec): Promise<Creds>;
  /**
   * The seed's IRSA setup with the AWS CLI: cluster demo's issuer registered as an OIDC
   * provider, and `s3-app-role` with the seed's trust policy (production/s3-app) and
   * AmazonS3ReadOnlyAccess.
   */
  seedRole(): Promise<{ issuer: string; hostPath: string }>;
  close(): Promise<void>;
}

function parseCredentials(text: string): Map<string, Creds> {
  const out = new Map<string, Creds>();
  let section = '';
  let cur: Partial<Creds> = {};
  const flush = () => {
    if (section && cur.accessKeyId && cur.secretAccessKey) out.set(section, cur as Creds);
  };
  for (const line of text.split('\n')) {
    const s = /^\[(.+)\]$/.exec(line.trim());
    if (s) {
      flush();
      section = s[1] as string;
      cur = {};
      continue;
    }
    const kv = /^(\w+)\s*=\s*(.+)$/.exec(line.trim());
    if (kv?.[1] === 'aws_access_key_id') cur.accessKeyId = kv[2];
    if (kv?.[1] === 'aws_secret_access_key') cur.secretAccessKey = kv[2];
  }
  flush();
  return out;
}

/**
 * The admin key of `account` from a data folder's credentials file, for tests that start a
 * server of their own.
 *
 * @example
 * const creds = adminCredentials(dataDir); // → { accessKeyId: 'AKIA…', secretAccessKey: '…' }
 */
export function adminCredentials(dataDir: string, account = ACCOUNT): Creds {
  const c = parseCredentials(readFileSync(join(dataDir, 'credentials'), 'utf8')).get(account);
  if (!c) throw new Error(`no admin profile for ${account}`);
  return c;
}

let schemas = 0;
/** A URL of the tests' PostgreSQL server (test/support/global-setup.ts) naming a fresh schema. */
export function postgresStoreUrl(): string {
  const url = inject('postgresUrl');
  if (!url) throw new Error('no PostgreSQL server for the tests on this machine');
  return `${url}?schema=h_${process.pid}_${Date.now().toString(36)}_${schemas++}`;
}

/**
 * Starts a server for one test file.
 *
 * @example
 * let h: Harness;
 * beforeAll(async () => { h = await startHarness(); });
 * afterAll(() => h.close());
 */
export async function startHarness(
  opts: {
    /** true: `irsa up`'s whole demo; 'cluster' (default): only the cluster demo; false: nothing */
    demo?: boolean | 'cluster';
    /** edge processes (`irsa up --replicas`; default 1, or IRSA_TEST_REPLICAS) */
    replicas?: number;
    /**
     * the store in a schema of its own on the tests' PostgreSQL server (`irsa up --store`);
     * default: SQLite in the data folder, or PostgreSQL when IRSA_TEST_STORE=postgres
     */
    postgres?: boolean;
  } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'irsa-h-'));
  const home = mkdtempSync(join(tmpdir(), 'irsa-home-'));
  const demo = opts.demo ?? 'cluster';
  // IRSA_TEST_REPLICAS=2: every harness test against two edge processes
  const replicas = opts.replicas ?? Number(process.env.IRSA_TEST_REPLICAS ?? 1);
  const storeUrl =
    (opts.postgres ?? process.env.IRSA_TEST_STORE === 'postgres') ? postgresStoreUrl() : undefined;
  const server = await startServer({
    dataDir,
    port: 0,
    issuerPort: 0,
    demo: demo === true,
    replicas,
    replicaEntry: join(ROOT, 'dist/src/server/edge-replica.js'),
    storeUrl,
  });
  if (demo === 'cluster') await server.clusters.createCluster('demo');
  const admin = (account = ACCOUNT): Creds => adminCredentials(dataDir, account);
  const env = (c: Creds = admin(), extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: home,
    AWS_ENDPOINT_URL: server.edge,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
    IRSA_DATA: dataDir,
    NO_COLOR: '1',
    ...extra,
  });
  const run = (cmd: string, args: string[], e: NodeJS.ProcessEnv, input?: string) =>
    new Promise<Run>((resolve) => {
      const child = execFile(
        cmd,
        args,
        { env: e, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          resolve({
            code: err ? Number((err as { code?: number }).code ?? 1) : 0,
            stdout,
            stderr,
          });
        },
      );
      child.stdin?.end(input);
    });
  const sdk = (c: Creds = admin()) => ({
    endpoint: server.edge,
    region: 'us-east-1',
    credentials: c,
  });
  const h: Harness = {
    server,
    dataDir,
    storeUrl,
    home,
    admin,
    async createAccount(account) {
      const r = await h.irsa(['account', 'create', account]);
      if (r.code !== 0) throw new Error(`irsa account create: ${r.stderr}`);
      return admin(account);
    },
    env,
    run,
    aws: (args, c, extra) => run('aws', args, env(c, extra)),
    python: (code, c, extra) => run('python3', ['-c', code], env(c, extra)),
    irsa: (args) => run(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], env()),
    sdk,
    signedFetch({ service, method = 'POST', target = '/', body = '', headers = [], creds }) {
      const signed = signRequest({
        method,
        target,
        headers: [['Host', new URL(server.edge).host], ...headers],
        body,
        credentials: creds ?? admin(),
        region: 'us-east-1',
        service,
        now: new Date(),
      });
      return fetch(`${server.edge}${target}`, {
        method,
        headers: signed.headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
      });
    },
    async roleSession(spec) {
      const account = spec.account ?? ACCOUNT;
      const iam = new IAMClient(sdk(admin(account)));
      const trusted = spec.trustedAccount ?? account;
      await iam.send(
        new CreateRoleCommand({
          RoleName: spec.roleName,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${trusted}:root` },
                Action: ['sts:AssumeRole', 'sts:TagSession'],
              },
            ],
          }),
          Tags: spec.tags,
        }),
      );
      for (const [i, p] of (spec.policies ?? []).entries())
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: spec.roleName,
            PolicyName: `inline-${i}`,
            PolicyDocument: JSON.stringify(p),
          }),
        );
      for (const arn of spec.managed ?? [])
        await iam.send(new AttachRolePolicyCommand({ RoleName: spec.roleName, PolicyArn: arn }));
      if (spec.boundary)
        await iam.send(
          new PutRolePermissionsBoundaryCommand({
            RoleName: spec.roleName,
            PermissionsBoundary: spec.boundary,
          }),
        );
      const sts = new STSClient(sdk(admin(trusted)));
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/${spec.roleName}`,
          RoleSessionName: `${spec.roleName}-session`,
          Policy: spec.sessionPolicy ? JSON.stringify(spec.sessionPolicy) : undefined,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole gave no credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
    },
    async seedRole() {
      const ok = async (args: string[]) => {
        const r = await h.aws(args);
        if (r.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')}: ${r.stderr}`);
        return r.stdout.trim();
      };
      const issuer = await ok([
        'eks',
        'describe-cluster',
        '--name',
        'demo',
        '--query',
        'cluster.identity.oidc.issuer',
        '--output',
        'text',
      ]);
      const hostPath = issuer.replace('https://', '');
      await ok([
        'iam',
        'create-open-id-connect-provider',
        '--url',
        issuer,
        '--client-id-list',
        'sts.amazonaws.com',
        '--thumbprint-list',
        server.thumbprint,
      ]);
      const seed = readFileSync(join(ROOT, '../shared/seeds/001_fc2ddaed615f7002.txt'), 'utf8');
      const from =
        seed.indexOf('cat > trust-policy.json <<EOF') + 'cat > trust-policy.json <<EOF'.length;
      const trust = seed
        .slice(from, seed.indexOf('\nEOF', from))
        .replaceAll('oidc.eks.us-east-1.amazonaws.com/id/$OIDC_ID', hostPath);
      writeFileSync(join(home, 'trust-policy.json'), trust);
      await ok([
        'iam',
        'create-role',
        '--role-name',
        's3-app-role',
        '--assume-role-policy-document',
        `file://${join(home, 'trust-policy.json')}`,
      ]);
      await ok([
        'iam',
        'attach-role-policy',
        '--role-name',
        's3-app-role',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      ]);
      return { issuer, hostPath };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
  return h;
}
