import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceAccountCache } from '../sa-cache.js';
import { createIrsaSource, parseServiceAccountList } from './irsa-server.js';

const TOKEN = 'secret-admin-token-value';

/** A stand-in for the irsakit server's side of the contract. */
function fakeIrsa() {
  const state = {
    resourceVersion: '1',
    items: [] as unknown[],
    status: 200,
    requests: [] as { url: string; auth: string | undefined }[],
  };
  const server = createServer((req, res) => {
    state.requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401);
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Status',
          status: 'Failure',
          message: 'bad token',
          reason: 'Unauthorized',
          code: 401,
        }),
      );
      return;
    }
    if (req.url !== '/_irsa/v1/clusters/dev%20one/serviceaccounts') {
      res.writeHead(404);
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Status',
          status: 'Failure',
          message: 'clusters "x" not found',
          reason: 'NotFound',
          code: 404,
        }),
      );
      return;
    }
    if (state.status !== 200) {
      res.writeHead(state.status);
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Status',
          status: 'Failure',
          message: 'boom',
          reason: 'InternalError',
          code: state.status,
        }),
      );
      return;
    }
    res.end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ServiceAccountList',
        metadata: { resourceVersion: state.resourceVersion },
        items: state.items,
      }),
    );
  });
  return { server, state };
}

const listen = (s: Server) =>
  new Promise<string>((resolve) =>
    s.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`),
    ),
  );

const sa = (name: string, role: string) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: 'default', annotations: { 'eks.amazonaws.com/role-arn': role } },
});

describe('parseServiceAccountList', () => {
  it.each([
    [
      200,
      '{"kind":"ServiceAccountList","metadata":{"resourceVersion":"9"},"items":[]}',
      { ok: true, resourceVersion: '9', items: [] },
    ],
    [200, '{"kind":"ServiceAccountList","items":[]}', { ok: true, resourceVersion: '', items: [] }],
    [
      401,
      '{"kind":"Status","reason":"Unauthorized","message":"bad token"}',
      { ok: false, error: 'HTTP 401 Unauthorized: bad token' },
    ],
    [200, '{"kind":"Status","message":"odd"}', { ok: false, error: 'HTTP 200: odd' }],
    [502, '<html>', { ok: false, error: 'HTTP 502, not JSON' }],
    [200, '{"items":{}}', { ok: false, error: 'not a ServiceAccountList' }],
    [200, '{"items":[{"metadata":{}}]}', { ok: false, error: 'an item is not a ServiceAccount' }],
  ])('%d %s', (status, text, expected) => {
    expect(parseServiceAccountList(status, text)).toEqual(expected);
  });
});

describe('createIrsaSource', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('polls with the bearer token, applies changes, skips an unchanged resourceVersion', async () => {
    const { server, state } = fakeIrsa();
    servers.push(server);
    const endpoint = await listen(server);
    const cache = new ServiceAccountCache('eks.amazonaws.com');
    const logs: string[] = [];
    state.items = [sa('a', 'arn:aws:iam::111122223333:role/a')];
    const src = createIrsaSource(
      { endpoint: `${endpoint}/`, token: TOKEN, cluster: 'dev one', intervalMs: 20 },
      cache.source('irsa'),
      (l) => logs.push(l),
    );
    await src.start();
    try {
      expect(src.healthy()).toBe(true);
      expect(state.requests[0]).toEqual({
        url: '/_irsa/v1/clusters/dev%20one/serviceaccounts',
        auth: `Bearer ${TOKEN}`,
      });
      expect(cache.get('default', 'a')).toBeDefined();

      // same resourceVersion: not re-applied even if items differ
      state.items = [sa('b', 'arn:aws:iam::111122223333:role/b')];
      await src.poll();
      expect(cache.get('default', 'b')).toBeUndefined();

      state.resourceVersion = '2';
      await expect.poll(() => cache.get('default', 'b'), { timeout: 3000 }).toBeDefined();
      expect(cache.get('default', 'a')).toBeUndefined();

      // a failing server keeps the previous set, logged once
      state.status = 500;
      await src.poll();
      await src.poll();
      expect(src.healthy()).toBe(false);
      expect(cache.get('default', 'b')).toBeDefined();
      expect(logs.filter((l) => l.includes('HTTP 500 InternalError: boom'))).toHaveLength(1);

      state.status = 200;
      await src.poll();
      expect(logs.some((l) => l.includes('reachable again'))).toBe(true);
      expect(logs.join('\n')).not.toContain(TOKEN);
    } finally {
      src.stop();
    }
  });

  it('reports a Status answer and an unreachable server, without the token', async () => {
    const { server } = fakeIrsa();
    servers.push(server);
    const endpoint = await listen(server);
    const logs: string[] = [];
    const cache = new ServiceAccountCache('p');
    const bad = createIrsaSource(
      { endpoint, token: 'wrong-token', cluster: 'dev one' },
      cache.source('irsa'),
      (l) => logs.push(l),
    );
    await bad.poll();
    expect(logs.at(-1)).toContain('HTTP 401 Unauthorized: bad token; keeping the previous set');

    const closed = createServer();
    const closedEndpoint = await listen(closed);
    await new Promise((r) => closed.close(r));
    const gone = createIrsaSource(
      { endpoint: closedEndpoint, token: TOKEN, cluster: 'x' },
      cache.source('irsa2'),
      (l) => logs.push(l),
    );
    await gone.poll();
    expect(logs.at(-1)).toMatch(/ECONNREFUSED; keeping the previous set/);
    expect(logs.join('\n')).not.toMatch(/wrong-token|secret-admin/);
  });

  it('shares one request between concurrent polls (grace-period fetches)', async () => {
    const { server, state } = fakeIrsa();
    servers.push(server);
    const endpoint = await listen(server);
    const src = createIrsaSource(
      { endpoint, token: TOKEN, cluster: 'dev one' },
      new ServiceAccountCache('p').source('s'),
      () => undefined,
    );
    await Promise.all([src.poll(), src.poll(), src.poll()]);
    expect(state.requests).toHaveLength(1);
  });
});
