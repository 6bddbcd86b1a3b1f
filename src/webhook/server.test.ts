/**
 * The real HTTPS server in-process on 127.0.0.1 with an ephemeral port and a certificate
 * made for the test (openssl): 415, malformed reviews, mutation, healthz, metrics, the log
 * line, certificate reload, TLS minimum version and graceful close.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWebhookOptions } from './options.js';
import { ServiceAccountCache } from './sa-cache.js';
import { type RunningWebhookServer, startWebhookServer } from './server.js';
import type { JsonPatchOp } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'wh-server-'));
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A CA, and a server certificate for 127.0.0.1 signed by it, written to `<name>.crt/.key`. */
function issue(name: string, cn: string): void {
  ssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
}

let ca: Buffer;
const certFile = join(dir, 'tls.crt');
const keyFile = join(dir, 'tls.key');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  peerCn?: string;
}

function https(
  port: number,
  path: string,
  body?: string,
  contentType = 'application/json',
  opts: { maxVersion?: 'TLSv1.2' } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        ca,
        headers: body === undefined ? {} : { 'Content-Type': contentType },
        agent: false,
        ...opts,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peerCn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN as
          string | undefined;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            peerCn,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function http(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

const review = (namespace: string, sa: string, uid = 'uid-1') =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      namespace,
      operation: 'CREATE',
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { generateName: 'web-' },
        spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'x' }] },
      },
    },
  });

let server: RunningWebhookServer;
const cache = new ServiceAccountCache('eks.amazonaws.com');
const logs: string[] = [];

beforeAll(async () => {
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=test-ca',
    '-days',
    '1',
  );
  ca = readFileSync(join(dir, 'ca.crt'));
  issue('tls', 'webhook-one');
  cache.source('test').replace([
    {
      metadata: {
        namespace: 'team',
        name: 'app',
        annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' },
      },
    },
  ]);
  const r = await startWebhookServer({
    bindAddress: '127.0.0.1',
    port: 0,
    metricsPort: 0,
    tlsCertFile: certFile,
    tlsKeyFile: keyFile,
    options: defaultWebhookOptions(),
    cache,
    gracePeriodMs: 0,
    log: (l) => logs.push(l),
    certDebounceMs: 20,
  });
  if (!r.ok) throw new Error(r.error);
  server = r.server;
});

afterAll(async () => {
  await server?.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook HTTPS server', () => {
  it('answers 415 to a wrong Content-Type', async () => {
    const r = await https(server.port, '/mutate', '{}', 'application/json; charset=utf-8');
    expect(r.status).toBe(415);
    expect(r.body).toBe('Invalid Content-Type, expected `application/json`\n');
  });

  it('denies a malformed review with 200 allowed:false', async () => {
    const r = await https(server.port, '/mutate', '{}');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      response: { uid: '', allowed: false, status: { metadata: {}, message: 'bad content' } },
    });
    expect(logs.at(-1)).toMatch(
      /^admission uid="" namespace="" pod="" sa="" mode=none allowed=false message="bad content" ms=\d+\.\d\d$/,
    );
  });

  it('mutates a pod whose SA has a role, and logs one line', async () => {
    const r = await https(server.port, '/mutate', review('team', 'app'));
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe('uid-1');
    const patch = JSON.parse(
      Buffer.from(body.response.patch, 'base64').toString(),
    ) as JsonPatchOp[];
    expect(patch.map((o) => o.path)).toEqual(['/spec/volumes', '/spec/containers']);
    expect(logs.at(-1)).toMatch(
      /^admission uid=uid-1 namespace=team pod=web- sa=app mode=irsa ms=\d+\.\d\d$/,
    );
  });

  it('allows a pod whose SA is unknown, without a patch', async () => {
    const r = await https(server.port, '/mutate', review('team', 'nobody', 'uid-2'));
    expect(JSON.parse(r.body).response).toEqual({ uid: 'uid-2', allowed: true });
    expect(logs.at(-1)).toMatch(/sa=nobody mode=none sa_cached=false/);
  });

  it('serves /healthz on both ports, and 404 elsewhere', async () => {
    expect((await https(server.port, '/healthz')).body).toBe('ok');
    expect((await http(server.metricsPort as number, '/healthz')).body).toBe('ok');
    expect((await https(server.port, '/nope')).status).toBe(404);
    expect((await http(server.metricsPort as number, '/nope')).status).toBe(404);
  });

  it('exposes the upstream metrics', async () => {
    const r = await http(server.metricsPort as number, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = r.body.split('\n');
    expect(lines).toContain('pod_identity_webhook_pod_count{method="sts_web_identity"} 1');
    expect(lines).toContain('pod_identity_webhook_missing_sa_count 1');
    expect(lines).toContain('pod_identity_webhook_used 1');
    expect(lines).toContain('http_request_count{verb="POST",path="/mutate",code="415"} 1');
    expect(lines).toContain('http_request_count{verb="POST",path="/mutate",code="200"} 3');
    expect(lines).toContain('http_request_latencies_count{verb="POST",path="/mutate"} 4');
    expect(lines).toContain(
      'http_request_latencies_bucket{verb="POST",path="/mutate",le="+Inf"} 4',
    );
    expect(
      lines.some((l) =>
        l.startsWith(
          'http_request_duration_microseconds{verb="POST",path="/mutate",quantile="0.99"} ',
        ),
      ),
    ).toBe(true);
    for (const name of [
      'http_request_latencies',
      'http_request_duration_microseconds',
      'http_request_count',
    ]) {
      expect(lines).toContain(
        `# TYPE ${name} ${name === 'http_request_count' ? 'counter' : name === 'http_request_latencies' ? 'histogram' : 'summary'}`,
      );
    }
  });

  it('reloads the certificate when the files change, and keeps it when the new pair is broken', async () => {
    expect((await https(server.port, '/healthz')).peerCn).toBe('webhook-one');
    issue('tls', 'webhook-two');
    await expect
      .poll(async () => (await https(server.port, '/healthz')).peerCn, {
        timeout: 5000,
        interval: 50,
      })
      .toBe('webhook-two');
    expect(logs.some((l) => l.startsWith('tls: certificate reloaded'))).toBe(true);

    writeFileSync(keyFile, 'not a key');
    expect(await server.reloadCertificate()).toBe(false);
    expect(logs.at(-1)).toMatch(/^tls: .*keeping the current certificate$/);
    expect((await https(server.port, '/healthz')).peerCn).toBe('webhook-two');
  });
});

describe('webhook server options', () => {
  it('refuses clients below --tls-min-version', async () => {
    issue('min', 'webhook-min');
    const r = await startWebhookServer({
      bindAddress: '127.0.0.1',
      port: 0,
      metricsPort: null,
      tlsCertFile: join(dir, 'min.crt'),
      tlsKeyFile: join(dir, 'min.key'),
      tlsMinVersion: 'TLSv1.3',
      options: defaultWebhookOptions(),
      cache: new ServiceAccountCache('p'),
      gracePeriodMs: 0,
      log: () => undefined,
    });
    if (!r.ok) throw new Error(r.error);
    try {
      expect(r.server.metricsPort).toBeUndefined();
      expect((await https(r.server.port, '/healthz')).body).toBe('ok');
      await expect(
        https(r.server.port, '/healthz', undefined, undefined, { maxVersion: 'TLSv1.2' }),
      ).rejects.toThrow();
    } finally {
      await r.server.close();
    }
  });

  it('reports an unreadable certificate and a port in use as errors', async () => {
    const base = {
      bindAddress: '127.0.0.1',
      metricsPort: null,
      options: defaultWebhookOptions(),
      cache: new ServiceAccountCache('p'),
      gracePeriodMs: 0,
      log: () => undefined,
    };
    const missing = await startWebhookServer({
      ...base,
      port: 0,
      tlsCertFile: join(dir, 'nope.crt'),
      tlsKeyFile: keyFile,
    });
    expect(missing).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^cannot read the certificate pair: /),
    });
    const taken = await startWebhookServer({
      ...base,
      port: server.port,
      tlsCertFile: join(dir, 'min.crt'),
      tlsKeyFile: join(dir, 'min.key'),
    });
    expect(taken).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^cannot listen: .*EADDRINUSE/),
    });
  });
});
