/**
 * The admin API's answers to a client's malformed request: a path of bad percent-escapes, a
 * body that stops coming, a region of the wrong type — each a 4xx Status, never a 500 with a
 * stack trace in the server's log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClusterService } from '../cluster/cluster-service.js';
import { type AdminDeps, handleAdmin } from './admin-api.js';
import { BODY_IDLE_MS } from './http.js';

const TOKEN = 'admin-token-for-tests';

function request(method: string, path: string): PassThrough & IncomingMessage {
  const s = new PassThrough() as PassThrough & IncomingMessage;
  Object.assign(s, {
    method,
    url: path,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-length': '100' },
  });
  return s;
}

/** a response that keeps what was sent */
function response() {
  const sent: { status?: number; body?: Record<string, unknown> } = {};
  const res = {
    writeHead(status: number) {
      sent.status = status;
      return res;
    },
    end(text: string) {
      sent.body = JSON.parse(text) as Record<string, unknown>;
    },
  };
  return { res: res as unknown as ServerResponse, sent };
}

/** clusters that must not be reached: each of these requests is refused before */
const clusters = new Proxy(
  {},
  {
    get: (_, name) => () => {
      throw new Error(`clusters.${String(name)} was called`);
    },
  },
) as ClusterService;
const deps = { token: TOKEN, clusters, issuer: {} } as unknown as AdminDeps;

const call = async (req: IncomingMessage) => {
  const { res, sent } = response();
  const url = new URL(req.url as string, 'http://127.0.0.1');
  expect(await handleAdmin(deps, req, res, url)).toBe(true);
  return sent;
};

afterEach(() => vi.useRealTimers());

describe('the admin API refuses malformed requests as the client’s', () => {
  it('a path segment of malformed percent-encoding is a 400', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    for (const path of [
      '/_irsa/v1/clusters/%zz',
      '/_irsa/v1/clusters/demo/namespaces/%E0%A4%A/pods',
      '/_irsa/v1/trail/%zz',
    ]) {
      const req = request('GET', path);
      req.end();
      expect(await call(req), path).toMatchObject({
        status: 400,
        body: { kind: 'Status', reason: 'BadRequest', code: 400 },
      });
    }
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
  });

  it('a body that stops coming is a 408 once the idle spell passes', async () => {
    vi.useFakeTimers();
    const req = request('POST', '/_irsa/v1/clusters');
    req.write('{"name":');
    const answered = call(req);
    await vi.advanceTimersByTimeAsync(BODY_IDLE_MS + 1);
    expect(await answered).toMatchObject({
      status: 408,
      body: { kind: 'Status', reason: 'BadRequest', code: 408 },
    });
  });

  it('a cluster region that is not a string is a 400, not the default region', async () => {
    const req = request('POST', '/_irsa/v1/clusters');
    req.end('{"name":"ok2","region":{"x":1}}');
    expect(await call(req)).toMatchObject({ status: 400, body: { reason: 'BadRequest' } });
  });
});
