/**
 * `irsa up` end to end: the real server on ephemeral ports with a fresh data folder; the
 * seed manifests applied through the admin API; a token requested like `kubectl create
 * token`, verified with jose against the JWKS fetched over HTTPS from the served issuer,
 * trusting only the local CA; state surviving a restart.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readAdminToken } from '../src/common/data-dir.js';
import { signRequest } from '../src/sigv4/testing/sign.js';
import { adminCredentials } from './support/harness.js';
import { type RunningServer, startServer } from '../src/server/up.js';
import { ServiceAccountCache } from '../src/webhook/sa-cache.js';
import { createIrsaSource } from '../src/webhook/sources/irsa-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'irsa-up-'));
let server: RunningServer;
let token: string;

function getHttps(
  url: string,
  ca: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function admin(method: string, path: string, body?: string | object, auth = token) {
  const res = await fetch(`${server.edge}/_irsa/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${auth}`,
      'Content-Type': typeof body === 'string' ? 'application/yaml' : 'application/json',
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

function irsa(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(root, 'dist/src/cli/main.js'), ...args],
      { env: { ...process.env, IRSA_DATA: dataDir, IRSA_ENDPOINT: '', NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

const seed = (f: string) => readFileSync(join(root, 'examples/k8s', f), 'utf8');

beforeAll(async () => {
  // these tests apply the seed's manifests themselves: the cluster only, not the demo
  server = await startServer({ dataDir, port: 0, issuerPort: 0, demo: false });
  await server.clusters.createCluster('demo');
  token = readAdminToken(dataDir) as string;
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** An IAM Query call signed with the data folder's admin key. */
function iamCall(dataDir: string, edge: string, body: string): Promise<Response> {
  const signed = signRequest({
    method: 'POST',
    target: '/',
    headers: [
      ['Host', new URL(edge).host],
      ['Content-Type', 'application/x-www-form-urlencoded'],
    ],
    body,
    credentials: adminCredentials(dataDir),
    region: 'us-east-1',
    service: 'iam',
    now: new Date(),
  });
  return fetch(`${edge}/`, { method: 'POST', headers: signed.headers, body });
}

describe('irsa up', () => {
  it('keeps its secrets private and says where it is', () => {
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'ca/ca.key')).mode & 0o777).toBe(0o600);
    const record = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, edge: server.edge, issuer: server.issuer });
  });

  it('refuses the admin API without the token', async () => {
    const r = await admin('GET', '/clusters', undefined, 'wrong');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const health = await fetch(`${server.edge}/health`);
    expect(health.status).toBe(200);
  });

  it('applies the seed manifests, issues a token that verifies against the served JWKS over HTTPS', async () => {
    const applied = await admin(
      'POST',
      '/clusters/demo/apply',
      [seed('namespace.yaml'), seed('s3-app-serviceaccount.yaml'), seed('s3-reader-pod.yaml')].join(
        '---\n',
      ),
    );
    expect(applied.status).toBe(200);
    expect(
      (applied.body.items as { ref: string; action: string }[]).map((o) => `${o.ref} ${o.action}`),
    ).toEqual([
      'namespace/production created',
      'serviceaccount/s3-app created',
      'pod/s3-reader created',
    ]);
    const pod = await admin('GET', '/clusters/demo/namespaces/production/pods/s3-reader');
    const env = (
      (pod.body.object as { spec: { containers: { env: { name: string; value: string }[] }[] } })
        .spec.containers[0]?.env ?? []
    ).map((e) => `${e.name}=${e.value}`);
    expect(env).toEqual([
      'AWS_STS_REGIONAL_ENDPOINTS=regional',
      'AWS_DEFAULT_REGION=us-east-1',
      'AWS_REGION=us-east-1',
      'AWS_ROLE_ARN=arn:aws:iam::123456789012:role/s3-app-role',
      'AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    ]);
    expect(pod.body.admission).toMatchObject({
      mode: 'irsa',
      roleArn: 'arn:aws:iam::123456789012:role/s3-app-role',
    });

    const podUid = (pod.body.object as { metadata: { uid: string } }).metadata.uid;
    const tr = await admin(
      'POST',
      '/clusters/demo/namespaces/production/serviceaccounts/s3-app/token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: ['sts.amazonaws.com'],
          expirationSeconds: 86400,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 's3-reader', uid: podUid },
        },
      },
    );
    expect(tr.status).toBe(201);
    const jwt = (tr.body.status as { token: string }).token;
    // a token bound to the node the pod runs on (GA in 1.33), and a node that is not there
    const nodeName = (pod.body.object as { spec: { nodeName: string } }).spec.nodeName;
    for (const [name, status] of [
      [nodeName, 201],
      ['ip-10-9-9-9.ec2.internal', 404],
    ] as const) {
      const byNode = await admin(
        'POST',
        '/clusters/demo/namespaces/production/serviceaccounts/s3-app/token',
        { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name } } },
      );
      expect(byNode.status).toBe(status);
      if (status === 201) {
        const claims = decodeJwt((byNode.body.status as { token: string }).token) as {
          'kubernetes.io': { node?: { name: string } };
        };
        expect(claims['kubernetes.io'].node?.name).toBe(nodeName);
      }
    }
    // a body kube-apiserver cannot decode is a 400, never a signed token with its garbage in aud
    for (const body of [
      { spec: { audiences: 'abc' } },
      { spec: { audiences: [1, { x: 2 }] } },
      { spec: 'x' },
      { kind: 'Foo' },
    ]) {
      const bad = await admin(
        'POST',
        '/clusters/demo/namespaces/production/serviceaccounts/s3-app/token',
        body,
      );
      expect([bad.status, bad.body.reason]).toEqual([400, 'BadRequest']);
    }

    const cluster = (await admin('GET', '/clusters/demo')).body as { issuer: string };
    const ca = readFileSync(server.caCertPath, 'utf8');
    const discovery = await getHttps(`${cluster.issuer}/.well-known/openid-configuration`, ca);
    expect(discovery.status).toBe(200);
    expect(discovery.headers['content-type']).toBe('application/json');
    expect(discovery.headers['cache-control']).toBe('public, max-age=3600');
    const doc = JSON.parse(discovery.body);
    expect(Object.keys(doc)).toEqual([
      'issuer',
      'jwks_uri',
      'response_types_supported',
      'subject_types_supported',
      'id_token_signing_alg_values_supported',
    ]);
    expect(doc.issuer).toBe(cluster.issuer);
    const jwks = await getHttps(doc.jwks_uri, ca);
    expect(jwks.headers['content-type']).toBe('application/jwk-set+json');

    expect(decodeProtectedHeader(jwt)).toEqual({
      alg: 'RS256',
      kid: JSON.parse(jwks.body).keys[0].kid,
    });
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(JSON.parse(jwks.body)), {
      issuer: cluster.issuer,
      audience: 'sts.amazonaws.com',
    });
    expect(payload.sub).toBe('system:serviceaccount:production:s3-app');
    expect(payload['kubernetes.io']).toMatchObject({
      namespace: 'production',
      pod: { name: 's3-reader', uid: podUid },
      serviceaccount: { name: 's3-app' },
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(86400);
  });

  it('refuses unknown fields as kubectl’s strict validation has the API server do, storing nothing', async () => {
    const typo = [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata:',
      '  name: typo-sa',
      '  namespace: production',
      '  annotation:',
      '    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/s3-app-role',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: typo-pod',
      '  namespace: production',
      'spec:',
      '  serviceaccountName: s3-app',
      '  containers:',
      '    - name: app',
      '      image: amazon/aws-cli',
      '',
    ].join('\n');
    const r = await admin('POST', '/clusters/demo/apply', typo);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(r.body.message).toBe(
      [
        'ServiceAccount in version "v1" cannot be handled as a ServiceAccount: strict decoding error: unknown field "metadata.annotation"',
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.serviceaccountName"',
      ].join('\n'),
    );
    expect(
      (await admin('GET', '/clusters/demo/namespaces/production/serviceaccounts/typo-sa')).status,
    ).toBe(404);
    expect((await admin('GET', '/clusters/demo/namespaces/production/pods/typo-pod')).status).toBe(
      404,
    );
  });

  it('validates a pod after admission: a mount of the webhook’s token volume needs no volume of its own', async () => {
    const pod = (name: string, volume: string) =>
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        `  name: ${name}`,
        '  namespace: production',
        'spec:',
        '  serviceAccountName: s3-app',
        '  containers:',
        '    - name: app',
        '      image: amazon/aws-cli',
        '      volumeMounts:',
        `        - name: ${volume}`,
        '          mountPath: /var/run/secrets/eks.amazonaws.com/serviceaccount',
        '',
      ].join('\n');
    const ok = await admin('POST', '/clusters/demo/apply', pod('mnt-token', 'aws-iam-token'));
    expect(ok.status).toBe(200);
    const made = await admin('GET', '/clusters/demo/namespaces/production/pods/mnt-token');
    const spec = (made.body.object as { spec: { volumes: { name: string }[] } }).spec;
    expect(spec.volumes.map((v) => v.name)).toContain('aws-iam-token');
    const bad = await admin('POST', '/clusters/demo/apply', pod('mnt-nope', 'nope'));
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe(
      'The Pod "mnt-nope" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "nope"',
    );
  });

  it('runs a Deployment’s controllers: the pods it could not make come with their ServiceAccount, a deleted one is replaced, apply merges', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-deploy-'));
    const file = (name: string, text: string) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const deployment = (replicas: number) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: later\n  namespace: production\nspec:\n  replicas: ${replicas}\n  selector:\n    matchExpressions: [{key: app, operator: In, values: [later]}]\n  template:\n    metadata:\n      labels: {app: later}\n    spec:\n      serviceAccountName: later-sa\n      containers:\n      - name: app\n        image: amazon/aws-cli\n`;
    const status = async () =>
      (
        JSON.parse(
          (await irsa(['get', 'deploy', 'later', '-n', 'production', '-o', 'json'])).stdout,
        ) as { status: { readyReplicas?: number; conditions: { type: string; message: string }[] } }
      ).status;
    const pods = async () =>
      (await irsa(['get', 'pods', '-n', 'production', '-o', 'name'])).stdout
        .split('\n')
        .filter((l) => l.startsWith('pod/later-'))
        .map((l) => l.slice('pod/'.length))
        .sort();
    try {
      // its ServiceAccount does not exist yet: the Deployment is made, its pods are not
      const made = await irsa(['apply', '-f', file('d.yaml', deployment(2))]);
      expect([made.code, made.stdout.trim(), made.stderr]).toEqual([
        0,
        'deployment.apps/later created',
        '',
      ]);
      expect(await pods()).toEqual([]);
      const failing = await status();
      expect(failing.readyReplicas).toBeUndefined();
      // kubectl's columns read the status: none of the two is ready
      expect(
        (await irsa(['get', 'deploy', 'later', '-n', 'production'])).stdout.split('\n')[1],
      ).toMatch(/^later\s+0\/2\s+0\s+0\s+\S+$/);
      expect(failing.conditions.find((c) => c.type === 'ReplicaFailure')?.message).toMatch(
        /^pods "later-[a-z0-9]{10}-" is forbidden: error looking up service account production\/later-sa: serviceaccount "later-sa" not found$/,
      );
      const sa = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: later-sa\n  namespace: production\n`;
      expect((await irsa(['apply', '-f', file('sa.yaml', sa)])).code).toBe(0);
      const first = await pods();
      expect(first).toHaveLength(2);
      expect((await status()).readyReplicas).toBe(2);
      expect(
        (await irsa(['get', 'deploy', 'later', '-n', 'production'])).stdout.split('\n')[1],
      ).toMatch(/^later\s+2\/2\s+2\s+2\s+\S+$/);
      // a deleted pod is replaced at once
      const gone = first[0] as string;
      expect((await irsa(['delete', 'pod', gone, '-n', 'production'])).stdout.trim()).toBe(
        `pod "${gone}" deleted from production namespace`,
      );
      const replaced = await pods();
      expect(replaced).toHaveLength(2);
      expect(replaced).not.toContain(gone);
      // after a restart, applying a new count only scales: restartedAt stays, no pod rolls
      expect(
        (await irsa(['rollout', 'restart', 'deployment/later', '-n', 'production'])).code,
      ).toBe(0);
      const restarted = await pods();
      const scaled = await irsa(['apply', '-f', file('d3.yaml', deployment(3))]);
      expect(scaled.stdout.trim()).toBe('deployment.apps/later configured');
      const after = await pods();
      expect(after).toHaveLength(3);
      expect(after).toEqual(expect.arrayContaining(restarted));
      expect((await status()).readyReplicas).toBe(3);
    } finally {
      await irsa(['delete', 'deployment', 'later', '-n', 'production']);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers TokenRequest errors as the API server does', async () => {
    const short = await admin(
      'POST',
      '/clusters/demo/namespaces/production/serviceaccounts/s3-app/token',
      { spec: { expirationSeconds: 60 } },
    );
    expect(short.status).toBe(422);
    expect(String(short.body.message)).toContain('may not specify a duration less than 10 minutes');
    const missing = await admin(
      'POST',
      '/clusters/demo/namespaces/production/serviceaccounts/nobody/token',
      { spec: {} },
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('runs an ES256 cluster beside it, with its own issuer', async () => {
    const created = await admin('POST', '/clusters', { name: 'edge', keyAlg: 'ES256' });
    expect(created.status).toBe(201);
    const issuer = (created.body as { issuer: string }).issuer;
    expect(issuer).toMatch(/\/id\/[0-9A-F]{32}$/);
    const tr = await admin(
      'POST',
      '/clusters/edge/namespaces/default/serviceaccounts/default/token',
      { spec: {} },
    );
    const jwt = (tr.body.status as { token: string }).token;
    expect(decodeProtectedHeader(jwt).alg).toBe('ES256');
    const ca = readFileSync(server.caCertPath, 'utf8');
    const jwks = JSON.parse((await getHttps(`${issuer}/keys`, ca)).body);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer });
    expect(payload.aud).toEqual([issuer]);
    expect((await admin('POST', '/clusters', { name: 'x', keyAlg: 'HS256' })).status).toBe(400);
  });

  it('keeps every object and key across a restart', async () => {
    const before = (await admin('GET', '/clusters/demo')).body as { issuer: string };
    const keysBefore = (await admin('GET', '/clusters/demo/issuer')).body as {
      keys: { kid: string }[];
    };
    await server.close();
    server = await startServer({ dataDir, port: 0 });
    const after = (await admin('GET', '/clusters/demo')).body as { issuer: string };
    expect(after.issuer).toBe(before.issuer);
    expect(server.issuer).toBe(new URL(before.issuer).origin);
    expect((await admin('GET', '/clusters/demo/issuer')).body).toMatchObject({
      keys: keysBefore.keys,
    });
    expect((await admin('GET', '/clusters/demo/namespaces/production/pods/s3-reader')).status).toBe(
      200,
    );
  });

  it('removes at start the body files a process killed mid-write left, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-up-sweep-'));
    try {
      let s = await startServer({ dataDir: dir, port: 0, issuerPort: 0, demo: false });
      const body = Buffer.alloc(100_000, 7);
      const put = async (target: string, method: string, data?: Buffer) => {
        const signed = signRequest({
          method,
          target,
          headers: [['Host', new URL(s.edge).host]],
          body: data ?? '',
          credentials: adminCredentials(dir),
          region: 'us-east-1',
          service: 's3',
          now: new Date(),
        });
        return fetch(`${s.edge}${target}`, { method, headers: signed.headers, body: data });
      };
      const made = await put('/keep', 'PUT');
      expect(made.status, await made.text()).toBe(200);
      expect((await put('/keep/big.bin', 'PUT', body)).status).toBe(200);
      await s.close();
      // what a kill -9 between writing a body and committing its record leaves
      const orphan = join(dir, 's3', 'objects', 'ab', `ab${'0'.repeat(30)}`);
      mkdirSync(join(dir, 's3', 'objects', 'ab'), { recursive: true });
      writeFileSync(orphan, body);
      const logged: string[] = [];
      s = await startServer({ dataDir: dir, port: 0, issuerPort: 0, log: (l) => logged.push(l) });
      await vi.waitFor(() => expect(existsSync(orphan)).toBe(false));
      expect(logged.join('\n')).toContain(
        'removed 1 object body file(s) no record names (100000 bytes; left by an earlier process that stopped mid-write)',
      );
      const got = await put('/keep/big.bin', 'GET');
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the audit trail 90 days, as CloudTrail’s event history; --trail-retention changes it', async () => {
    const other = mkdtempSync(join(tmpdir(), 'irsa-up-retention-'));
    let now = Date.parse('2026-01-01T00:00:00Z');
    const lines: string[] = [];
    const start = (trailRetentionMs?: number | null) =>
      startServer({
        dataDir: other,
        port: 0,
        issuerPort: 0,
        demo: false,
        clock: () => new Date(now),
        log: (l) => lines.push(l),
        trailRetentionMs,
      });
    // an unsigned call is refused and recorded, as every call is
    const call = async (s: RunningServer) =>
      (
        await fetch(s.edge, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'Action=GetCallerIdentity&Version=2011-06-15',
        })
      ).headers.get('x-amzn-requestid');
    const trail = async (s: RunningServer) => {
      const res = await fetch(`${s.edge}/_irsa/v1/trail?limit=100`, {
        headers: { Authorization: `Bearer ${readAdminToken(other) as string}` },
      });
      return ((await res.json()) as { items: { record: { requestID: string } }[] }).items.map(
        (i) => i.record.requestID,
      );
    };
    try {
      let s = await start();
      const old = [await call(s), await call(s)];
      now += 60 * 86_400_000;
      const recent = await call(s);
      await s.close();
      // 91 days after the first calls: they go when the server starts again, the later one stays
      now += 31 * 86_400_000;
      s = await start(null);
      expect((await trail(s)).sort()).toEqual([...old, recent].sort());
      await s.close();
      s = await start();
      await expect.poll(() => trail(s)).toEqual([recent]);
      expect(lines.join('\n')).toContain(
        "the audit trail's retention removed 2 record(s) older than 90d",
      );
      await s.close();
      const bad = await irsa(['up', '--data', other, '--port', '0', '--trail-retention', '3 days']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(
        '--trail-retention takes a duration (90d, 12h, 30m, 2w) or forever, not `3 days`',
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('one server per data folder: a second irsa up is refused; a dead one’s lock is taken over', async () => {
    const second = await irsa(['up', '--port', '0', '--issuer-port', '0', '--no-demo']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `irsakit is already running on ${dataDir} (pid ${process.pid}): stop it first`,
    );
    // the running server is untouched
    expect((await admin('GET', '/clusters/demo')).status).toBe(200);
    // a lock left by a process that is gone (irsakit was killed) does not block a new start
    const other = mkdtempSync(join(tmpdir(), 'irsa-up-lock-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      writeFileSync(join(other, 'irsakit.lock'), `${gone.stdout.toString()}\n`);
      const s = await startServer({ dataDir: other, port: 0, issuerPort: 0, demo: false });
      expect(readFileSync(join(other, 'irsakit.lock'), 'utf8').trim()).toBe(String(process.pid));
      await s.close();
      expect(existsSync(join(other, 'irsakit.lock'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('on a disk too full for the audit record, calls are refused before they change anything (503)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'irsa-up-full-'));
    const lines: string[] = [];
    const s = await startServer({
      dataDir: other,
      port: 0,
      issuerPort: 0,
      demo: false,
      minFreeBytes: Number.MAX_SAFE_INTEGER,
      log: (l) => lines.push(l),
    });
    try {
      const res = await iamCall(
        other,
        s.edge,
        'Action=CreateUser&UserName=nobody&Version=2010-05-08',
      );
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('<Code>ServiceUnavailable</Code>');
      expect(lines.join('\n')).toContain('AWS calls are refused (503)');
    } finally {
      await s.close();
    }
    // nothing was made, nothing recorded
    const again = await startServer({ dataDir: other, port: 0, issuerPort: 0, demo: false });
    try {
      const get = await iamCall(
        other,
        again.edge,
        'Action=GetUser&UserName=nobody&Version=2010-05-08',
      );
      expect(get.status).toBe(404);
    } finally {
      await again.close();
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('holds at most its budget of request bodies in memory: past it, uploads are refused unread (503 SlowDown) until one is done', async () => {
    const other = mkdtempSync(join(tmpdir(), 'irsa-up-budget-'));
    const requests: string[] = [];
    const s = await startServer({
      dataDir: other,
      port: 0,
      issuerPort: 0,
      demo: false,
      bodyBudgetBytes: 3 * 1024 * 1024,
      requestLog: (l) => requests.push(l),
    });
    const url = new URL(s.edge);
    // two unsigned 1 MiB uploads that send all but their last bytes and then stall
    const stalled = [0, 1].map(() =>
      connect({ host: url.hostname, port: Number(url.port) }, function (this: Socket) {
        // most of the body arrives (it is in memory), the rest never does
        this.write(
          `PUT /b/k HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
        );
        this.write(Buffer.alloc(1024 * 1024 - 16));
      }),
    );
    try {
      await new Promise((r) => setTimeout(r, 200));
      const third = await fetch(`${s.edge}/b/k`, {
        method: 'PUT',
        body: Buffer.alloc(2 * 1024 * 1024),
      });
      expect(third.status).toBe(503);
      expect(await third.text()).toContain('<Code>SlowDown</Code>');
      // refused unread, yet in the request log and the metrics like any answer (no principal:
      // nobody looked at its signature)
      expect(requests.at(-1)).toMatch(/ PUT - s3:- error SlowDown [\d.]+ms$/);
      const metrics = await (await fetch(`${s.edge}/metrics`)).text();
      expect(metrics).toMatch(/irsa_requests_total\{[^}]*outcome="error"[^}]*\} 1/);
      // a small one still fits
      const small = await fetch(`${s.edge}/b/k`, { method: 'PUT', body: 'x' });
      expect(small.status).toBe(404);
      // the stalled ones go away: their reservations are given back; a connection that
      // only declares a length holds nothing
      for (const c of stalled) c.destroy();
      const declaring = connect(
        { host: url.hostname, port: Number(url.port) },
        function (this: Socket) {
          this.write(
            `PUT /b/k HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\n`,
          );
        },
      );
      stalled.push(declaring);
      await new Promise((r) => setTimeout(r, 200));
      const again = await fetch(`${s.edge}/b/k`, {
        method: 'PUT',
        body: Buffer.alloc(2 * 1024 * 1024),
      });
      expect(again.status).toBe(404);
    } finally {
      for (const c of stalled) c.destroy();
      await s.close();
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('a corrupt audit trail or store stops the start, naming the file, and leaves nothing running', async () => {
    for (const file of ['audit.db', 'irsakit.db']) {
      const other = mkdtempSync(join(tmpdir(), 'irsa-up-corrupt-'));
      try {
        writeFileSync(join(other, file), Buffer.alloc(4096, 0x5a));
        const what = file === 'audit.db' ? 'the audit trail' : 'the store';
        await expect(
          startServer({ dataDir: other, port: 0, issuerPort: 0, demo: false }),
        ).rejects.toThrow(`cannot open ${what} ${join(other, file)}: file is not a database`);
        // the lock is released: with the file put right, the folder starts
        expect(existsSync(join(other, 'irsakit.lock'))).toBe(false);
        rmSync(join(other, file));
        const s = await startServer({ dataDir: other, port: 0, issuerPort: 0, demo: false });
        await s.close();
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    }
  }, 60_000);

  it('feeds `irsa webhook serve --from-irsa` its ServiceAccounts', async () => {
    const cache = new ServiceAccountCache('eks.amazonaws.com');
    const lines: string[] = [];
    const source = createIrsaSource(
      { endpoint: server.edge, token, cluster: 'demo' },
      cache.source('irsa'),
      (l) => lines.push(l),
    );
    await source.poll();
    expect(source.healthy()).toBe(true);
    expect(
      cache.get('production', 's3-app')?.metadata?.annotations?.['eks.amazonaws.com/role-arn'],
    ).toBe('arn:aws:iam::123456789012:role/s3-app-role');
    const denied = createIrsaSource(
      { endpoint: server.edge, token: 'wrong', cluster: 'demo' },
      cache.source('other'),
      (l) => lines.push(l),
    );
    await denied.poll();
    expect(denied.healthy()).toBe(false);
    expect(lines.join('\n')).toContain('HTTP 401 Unauthorized');
    expect(lines.join('\n')).not.toContain(token);
  });

  it('serves the irsa commands', async () => {
    const get = await irsa(['get', 'pods', '-n', 'production', '-o', 'wide']);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/s3-reader\s+1\/1\s+Running/);
    expect(get.stdout).toContain('arn:aws:iam::123456789012:role/s3-app-role');
    const tok = await irsa([
      'token',
      'create',
      '-n',
      'production',
      's3-app',
      '--audience',
      'sts.amazonaws.com',
      '--duration',
      '1h',
    ]);
    expect(tok.code).toBe(0);
    const claims = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.trim().split('.')[1] as string, 'base64url').toString()) as {
        aud: string[];
        iss: string;
        exp: number;
        iat: number;
      };
    expect(claims(tok.stdout).exp - claims(tok.stdout).iat).toBe(3600);
    // an IRSA ServiceAccount's token defaults to what its pods get: sts.amazonaws.com, 86400 s
    const irsaTok = claims((await irsa(['token', 'create', '-n', 'production', 's3-app'])).stdout);
    expect(irsaTok.aud).toEqual(['sts.amazonaws.com']);
    expect(irsaTok.exp - irsaTok.iat).toBe(86400);
    // any other ServiceAccount gets the API server's audiences and kubectl's hour, as kubectl does
    const plain = claims((await irsa(['token', 'create', '-n', 'production', 'default'])).stdout);
    expect(plain.aud).toEqual([plain.iss]);
    expect(plain.exp - plain.iat).toBe(3600);
    const tooShort = await irsa([
      'token',
      'create',
      '-n',
      'production',
      's3-app',
      '--duration',
      '5m',
    ]);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain('may not specify a duration less than 10 minutes');
    const bad = await irsa(['apply', '-f', '-']);
    expect(bad.code).toBe(1);
    // the seed's troubleshooting step, kubectl's TYPE/NAME form
    const annotations = await irsa([
      'get',
      'serviceaccount',
      's3-app',
      '-n',
      'production',
      '-o',
      'jsonpath={.metadata.annotations}',
    ]);
    expect(annotations.stderr).toBe('');
    expect(
      (JSON.parse(annotations.stdout) as Record<string, string>)['eks.amazonaws.com/role-arn'],
    ).toBe('arn:aws:iam::123456789012:role/s3-app-role');
    const byName = await irsa(['get', 'pod/s3-reader', '-n', 'production', '-o', 'name']);
    expect(byName.stdout.trim()).toBe('pod/s3-reader');
    // kubectl's -o=jsonpath form; a missing field prints nothing
    const missing = await irsa(['get', 'sa', 's3-app', '-n', 'production', '-o=jsonpath={.x}']);
    expect([missing.code, missing.stdout.trim(), missing.stderr]).toEqual([0, '', '']);
    const nsMissing = await irsa(['get', 'pods', '-n', 'nowhere']);
    expect(nsMissing.stderr).toContain('No resources found in nowhere namespace.');
    const rot = await irsa(['issuer', 'rotate', '--activate-after', '10']);
    expect(rot.code).toBe(1);
    expect(rot.stderr).toContain(
      'Error from server (BadRequest): a new key must be published for at least the discovery max-age (3600 s)',
    );
  });

  it('answers as kubectl does: jsonpath filters, delete lines, -n against the manifest, Invalid causes, -f DIR, -o wide and yaml', async () => {
    // the IRSA check people run: the role the webhook put in the pod's env
    const env = await irsa([
      'get',
      'pod',
      's3-reader',
      '-n',
      'production',
      '-o',
      'jsonpath={.spec.containers[*].env[?(@.name=="AWS_ROLE_ARN")].value}',
    ]);
    expect([env.code, env.stdout, env.stderr]).toEqual([
      0,
      'arn:aws:iam::123456789012:role/s3-app-role\n',
      '',
    ]);
    const images = await irsa(['get', 'pods', '-n', 'production', '-o', 'jsonpath={..image}']);
    expect(images.stdout).toContain('amazon/aws-cli');
    const badPath = await irsa(['get', 'pods', '-n', 'production', '-o', 'jsonpath={.items[x]}']);
    expect([badPath.code, badPath.stderr]).toEqual([
      1,
      'irsa: error parsing jsonpath {.items[x]}, invalid array index x\n',
    ]);

    // -o wide: kubectl's columns, then IRSA ROLE; -o yaml quotes the timestamp
    const wide = await irsa(['get', 'pods', '-n', 'production', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]?.split(/\s{2,}/)).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
      'IRSA ROLE',
    ]);
    expect(wide.stdout).toMatch(/s3-reader .*10\.0\.1\.\d+ .*<none> +<none> +arn:aws:iam::/);
    const yaml = await irsa(['get', 'sa', 's3-app', '-n', 'production', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^ {2}creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/m);

    // -f DIR: its .json/.yaml/.yml files in lexical order, nothing else
    const dir = mkdtempSync(join(tmpdir(), 'irsa-apply-dir-'));
    try {
      const sa = (name: string) =>
        `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ${name}, namespace: production}\n`;
      writeFileSync(join(dir, 'b.yaml'), sa('dir-b'));
      writeFileSync(join(dir, 'a.yml'), sa('dir-a'));
      writeFileSync(
        join(dir, 'c.json'),
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'dir-c', namespace: 'production' },
          spec: { serviceAccountName: 'dir-a', containers: [{ name: 'c', image: 'x' }] },
        }),
      );
      writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'd.yaml'), sa('dir-d'));
      const applied = await irsa(['apply', '-f', dir]);
      expect([applied.code, applied.stdout, applied.stderr]).toEqual([
        0,
        'serviceaccount/dir-a created\nserviceaccount/dir-b created\npod/dir-c created\n',
        '',
      ]);
      const empty = join(dir, 'sub', 'empty');
      mkdirSync(empty);
      const none = await irsa(['apply', '-f', empty]);
      expect([none.code, none.stderr]).toEqual([
        1,
        `irsa: error reading [${empty}]: recognized file extensions are [.json .yaml .yml]\n`,
      ]);

      // -n against the manifest's namespace: refused before anything is applied
      writeFileSync(
        join(dir, 'public.yaml'),
        'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ns-check, namespace: kube-public}\n',
      );
      const mismatch = await irsa(['apply', '-n', 'kube-system', '-f', join(dir, 'public.yaml')]);
      expect([mismatch.code, mismatch.stdout, mismatch.stderr]).toEqual([
        1,
        '',
        `irsa: the namespace from the provided object "kube-public" does not match the namespace "kube-system". You must pass '--namespace=kube-public' to perform this operation.\n`,
      ]);
      expect(
        (await admin('GET', '/clusters/demo/namespaces/kube-public/serviceaccounts/ns-check'))
          .status,
      ).toBe(404);
      const same = await irsa(['apply', '-n', 'kube-public', '-f', join(dir, 'public.yaml')]);
      expect([same.code, same.stdout]).toEqual([0, 'serviceaccount/ns-check created\n']);

      // Invalid: kubectl's text without `Error from server (Invalid):`, causes one a line
      writeFileSync(
        join(dir, 'bad.yaml'),
        'apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Pod, namespace: production}\nspec: {containers: []}\n',
      );
      const invalid = await irsa(['apply', '-f', join(dir, 'bad.yaml')]);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).not.toContain('Error from server');
      const lines = invalid.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('irsa: The Pod "Bad_Pod" is invalid: ');
      expect(lines.length).toBeGreaterThan(2);
      expect(lines.slice(1).every((l) => /^\* [\w.[\]]+: /.test(l))).toBe(true);
      expect(lines).toContain('* spec.containers: Required value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // delete: kubectl's lines, TYPE/NAME, several names, NotFound reported at the end
    const one = await irsa(['delete', 'pod/dir-c', '-n', 'production']);
    expect([one.code, one.stdout, one.stderr]).toEqual([
      0,
      'pod "dir-c" deleted from production namespace\n',
      '',
    ]);
    const several = await irsa(['delete', 'sa', 'dir-a', 'nope', 'dir-b', '-n', 'production']);
    expect([several.code, several.stdout, several.stderr]).toEqual([
      1,
      'serviceaccount "dir-a" deleted from production namespace\nserviceaccount "dir-b" deleted from production namespace\n',
      'irsa: Error from server (NotFound): serviceaccounts "nope" not found\n',
    ]);
    await admin(
      'POST',
      '/clusters/demo/apply',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: test}\n',
    );
    const ns = await irsa(['delete', 'namespace', 'test']);
    expect([ns.code, ns.stdout]).toEqual([0, 'namespace "test" deleted\n']);
  });
});
