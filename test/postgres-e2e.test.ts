/**
 * `irsa up --store postgres://…`: the state lives in PostgreSQL (a schema of its own on the
 * tests' private server), not in the data folder's SQLite file. The seed scenario with the real
 * AWS CLI end to end; the state read back by a restarted server; edge replicas on the same
 * database; the built CLI's `--store` option and its refusals.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/up.js';
import {
  ACCOUNT,
  type Harness,
  accountTrust,
  adminCredentials,
  postgresStoreUrl,
  startHarness,
} from './support/harness.js';
import { startPostgres } from './support/postgres.js';
import { signRequest } from '../src/sigv4/testing/sign.js';

const ROOT = join(fileURLToPath(import.meta.url), '../..');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-app-role`;
const postgresUrl = inject('postgresUrl');
// under CI the server is always there (the global setup fails without it)
const withPostgres = postgresUrl ? describe : describe.skip;

/** The rows of the store's items table in `storeUrl`'s schema, by collection. */
async function storedCollections(storeUrl: string): Promise<Map<string, number>> {
  const schema = new URL(storeUrl).searchParams.get('schema') as string;
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ collection: string; n: string }>(
      `SELECT collection, count(*) AS n FROM "${schema}".items GROUP BY collection`,
    );
    return new Map(rows.map((r) => [r.collection, Number(r.n)]));
  } finally {
    await c.end();
  }
}

withPostgres('irsa up --store postgres://…', () => {
  let h: Harness;
  let restarted: RunningServer | undefined;

  beforeAll(async () => {
    h = await startHarness({ postgres: true });
  }, 60_000);
  afterAll(async () => {
    await restarted?.close();
    await h?.close();
  });

  it('runs the seed scenario with the AWS CLI, the state in PostgreSQL and none in the data folder', async () => {
    const { hostPath } = await h.seedRole();
    const applied = await h.irsa([
      'apply',
      '-f',
      join(ROOT, 'examples/k8s/namespace.yaml'),
      '-f',
      join(ROOT, 'examples/k8s/s3-app-serviceaccount.yaml'),
    ]);
    expect(applied.stderr).toBe('');
    const t = await h.irsa(['token', 'create', '-n', 'production', 's3-app']);
    expect(t.stderr).toBe('');
    const tokenFile = join(h.home, 'token.jwt');
    writeFileSync(tokenFile, t.stdout.trim());
    const assumed = await h.aws([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'pg-session',
      '--web-identity-token',
      `file://${tokenFile}`,
    ]);
    expect(assumed.stderr).toBe('');
    const out = JSON.parse(assumed.stdout) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      SubjectFromWebIdentityToken: string;
      Provider: string;
    };
    expect(out.SubjectFromWebIdentityToken).toBe('system:serviceaccount:production:s3-app');
    expect(out.Provider).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}`);
    const role = {
      accessKeyId: out.Credentials.AccessKeyId,
      secretAccessKey: out.Credentials.SecretAccessKey,
      sessionToken: out.Credentials.SessionToken,
    };
    const me = await h.aws(['sts', 'get-caller-identity'], role);
    expect(JSON.parse(me.stdout).Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/pg-session`,
    );
    // the admin writes an object (small: inline in the store) that the role may read, and the
    // role may not write
    writeFileSync(join(h.home, 'hello.txt'), 'hello from postgres\n');
    expect((await h.aws(['s3', 'mb', 's3://pg-bucket'])).code, 'mb').toBe(0);
    expect(
      (await h.aws(['s3', 'cp', join(h.home, 'hello.txt'), 's3://pg-bucket/hello.txt'])).code,
    ).toBe(0);
    const read = await h.aws(['s3', 'cp', 's3://pg-bucket/hello.txt', '-'], role);
    expect(read.stdout).toBe('hello from postgres\n');
    const write = await h.aws(
      ['s3', 'cp', join(h.home, 'hello.txt'), 's3://pg-bucket/other.txt'],
      role,
    );
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('AccessDenied');
    // a table, in the store too
    const table = await h.aws([
      'dynamodb',
      'create-table',
      '--table-name',
      'pg-table',
      '--attribute-definitions',
      'AttributeName=pk,AttributeType=S',
      '--key-schema',
      'AttributeName=pk,KeyType=HASH',
      '--billing-mode',
      'PAY_PER_REQUEST',
    ]);
    expect(table.stderr).toBe('');
    expect(
      (
        await h.aws([
          'dynamodb',
          'put-item',
          '--table-name',
          'pg-table',
          '--item',
          '{"pk":{"S":"a"},"n":{"N":"1"}}',
        ])
      ).code,
    ).toBe(0);

    // a key as long as DynamoDB allows (a 2 KB hash key, hex-encoded in the store: longer than
    // a B-tree entry holds)
    const longKey = 'k'.repeat(2048);
    const put = await h.aws([
      'dynamodb',
      'put-item',
      '--table-name',
      'pg-table',
      '--item',
      JSON.stringify({ pk: { S: longKey }, n: { N: '2' } }),
    ]);
    expect(put.stderr).toBe('');
    const got = await h.aws([
      'dynamodb',
      'get-item',
      '--table-name',
      'pg-table',
      '--key',
      JSON.stringify({ pk: { S: longKey } }),
    ]);
    expect(JSON.parse(got.stdout).Item.n).toEqual({ N: '2' });

    const stored = await storedCollections(h.storeUrl as string);
    expect([...stored.keys()].length).toBeGreaterThan(5);
    // the SQLite file is never made; the audit trail stays in the data folder
    expect(existsSync(join(h.dataDir, 'irsakit.db'))).toBe(false);
    expect(existsSync(join(h.dataDir, 'audit.db'))).toBe(true);
  });

  it('reads it all back after a restart', async () => {
    await h.server.close();
    restarted = await startServer({
      dataDir: h.dataDir,
      port: 0,
      storeUrl: h.storeUrl,
    });
    const sdk = { endpoint: restarted.edge, region: 'us-east-1', credentials: h.admin() };
    const role = await new IAMClient(sdk).send(new GetRoleCommand({ RoleName: 's3-app-role' }));
    expect(role.Role?.Arn).toBe(ROLE);
    const object = await new S3Client({ ...sdk, forcePathStyle: true }).send(
      new GetObjectCommand({ Bucket: 'pg-bucket', Key: 'hello.txt' }),
    );
    expect(await object.Body?.transformToString()).toBe('hello from postgres\n');
    // the same cluster and issuer: a new token still exchanges
    expect((await restarted.clusters.listClusters()).map((c) => c.name)).toEqual(['demo']);
  });
});

withPostgres('irsa up --replicas 2 --store postgres://…', () => {
  let h: Harness;
  const agents: Agent[] = [];

  beforeAll(async () => {
    h = await startHarness({ demo: false, replicas: 2, postgres: true });
  }, 60_000);
  afterAll(async () => {
    for (const a of agents) a.destroy();
    await h?.close();
  });

  /** GET /health through `agent`: which process answered. */
  const health = (agent: Agent) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${h.server.edge}/health`, { agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve((JSON.parse(text) as { replica: number }).replica));
      });
      req.on('error', reject);
      req.end();
    });

  it('serves one state from both processes', async () => {
    const served: number[] = [];
    for (let i = 0; i < 2; i++) {
      agents.push(new Agent({ keepAlive: true, maxSockets: 1 }));
      served.push(await health(agents[i] as Agent));
    }
    expect(new Set(served).size).toBe(2);
    const via = (i: number) => ({
      ...h.sdk(),
      requestHandler: { httpAgent: agents[i] as Agent },
    });
    const made = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'replica-role',
      '--assume-role-policy-document',
      accountTrust(),
    ]);
    expect(made.stderr).toBe('');
    for (const i of [0, 1]) {
      const got = await new IAMClient(via(i)).send(
        new GetRoleCommand({ RoleName: 'replica-role' }),
      );
      expect(got.Role?.RoleName).toBe('replica-role');
    }
    expect((await storedCollections(h.storeUrl as string)).size).toBeGreaterThan(0);
    expect(existsSync(join(h.dataDir, 'irsakit.db'))).toBe(false);
  });
});

withPostgres('irsa up --store postgres://… while the database is away', () => {
  it('answers 503 ServiceUnavailable in each protocol, changes nothing, and serves again once it is back', async () => {
    // a server of this test's own, to stop and start again
    const db = await startPostgres();
    if (!db) throw new Error('no PostgreSQL');
    const dataDir = mkdtempSync(join(tmpdir(), 'irsa-pgdown-'));
    const server = await startServer({
      dataDir,
      port: 0,
      issuerPort: 0,
      demo: false,
      storeUrl: `${db.url}?schema=away`,
    });
    try {
      const admin = adminCredentials(dataDir);
      const sdk = {
        endpoint: server.edge,
        region: 'us-east-1',
        credentials: admin,
        maxAttempts: 1,
      };
      const s3 = new S3Client({ ...sdk, forcePathStyle: true });
      const iam = new IAMClient(sdk);
      const ddb = new DynamoDBClient(sdk);
      expect((await s3.send(new ListBucketsCommand({}))).Buckets).toEqual([]);
      const raw = async (
        service: string,
        target: string,
        body: string,
        headers: [string, string][],
      ) => {
        const signed = signRequest({
          method: 'POST',
          target,
          headers: [['Host', new URL(server.edge).host], ...headers],
          body,
          credentials: admin,
          region: 'us-east-1',
          service,
          now: new Date(),
        });
        const res = await fetch(`${server.edge}${target}`, {
          method: 'POST',
          headers: signed.headers,
          body,
        });
        return { status: res.status, text: await res.text() };
      };

      await db.halt();
      // S3 (REST-XML), IAM (Query) and DynamoDB (JSON): each its own 503
      const bucket = await s3.send(new ListBucketsCommand({})).catch((e: unknown) => e as Error);
      expect(bucket).toMatchObject({
        name: 'ServiceUnavailable',
        $metadata: { httpStatusCode: 503 },
      });
      expect((bucket as Error).message).toBe('Reduce your request rate.');
      const role = await raw('iam', '/', 'Action=GetRole&RoleName=nobody&Version=2010-05-08', [
        ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
      ]);
      expect(role.status).toBe(503);
      expect(role.text).toContain('<Code>ServiceUnavailable</Code>');
      expect(role.text).toContain('<Message>Service is unable to handle request.</Message>');
      const tables = await ddb.send(new ListTablesCommand({})).catch((e: unknown) => e as Error);
      expect(tables).toMatchObject({ $metadata: { httpStatusCode: 503 } });
      expect(JSON.stringify(tables)).not.toMatch(/at .*\.js|stack/i);

      await db.resume();
      // the next call connects again
      expect((await s3.send(new ListBucketsCommand({}))).Buckets).toEqual([]);
      const got = await iam
        .send(new GetRoleCommand({ RoleName: 'nobody' }))
        .catch((e: unknown) => e as Error);
      expect(got).toMatchObject({ name: 'NoSuchEntityException' });
    } finally {
      await server.close();
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('irsa up --store, from the command line', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'dist/src/cli/main.js'), 'up', ...args],
        { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'irsa-pgcli-'));
    dirs.push(d);
    return d;
  };

  it('refuses a URL that is not PostgreSQL, without showing its password', async () => {
    const r = await run(['--data', dir(), '--store', 'mysql://admin:hunter2@db/irsa']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--store takes a PostgreSQL URL');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('says when PostgreSQL cannot be reached, without showing the password', async () => {
    const r = await run(['--data', dir(), '--port', '0', '--issuer-port', '0'], {
      IRSA_STORE: 'postgres://irsa:hunter2@127.0.0.1:1/irsa',
    });
    // the user's to fix: exit 1, not an internal error
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^irsa: cannot open the store postgres:\/\/irsa:\*\*\*@127\.0\.0\.1:1\/irsa: cannot connect to PostgreSQL: .*ECONNREFUSED/,
    );
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toContain('hunter2');
  });

  (postgresUrl ? it : it.skip)('names the store it runs on', async () => {
    const url = postgresStoreUrl();
    const d = dir();
    const child = execFile(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'up',
        '--data',
        d,
        '--port',
        '0',
        '--issuer-port',
        '0',
        '--no-demo',
        '--store',
        url,
      ],
      { env: { PATH: process.env.PATH } },
    );
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
      child.stdout?.on('data', () => {
        if (out.includes('store:') && out.includes('\n\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    expect(out).toContain(`  store:             PostgreSQL ${url}`);
    expect(existsSync(join(d, 'irsakit.db'))).toBe(false);
    // the schema is this data folder's: another one is refused (its S3 bodies and trail are here)
    const other = await run(['--data', dir(), '--port', '0', '--issuer-port', '0', '--store', url]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('belongs to another data folder');
  });
});
