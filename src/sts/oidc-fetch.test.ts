/**
 * The default fetch against irsakit's own issuer over real HTTPS (the local CA, the issuer
 * handler over a SQLite key ring): a chain trusted through the CA store, a private chain
 * accepted through the thumbprint of its top certificate, a mismatch, a leaf-only chain, a
 * host name the certificate does not carry, and the network failures (refused, timeout,
 * oversized), plus plain http for loopback only.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import {
  createOidcFetch,
  isLoopbackHost,
  issuerThumbprint,
  OidcFetchError,
  thumbprintOf,
} from './oidc-fetch.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCa } from '../issuer/local-ca.js';
import { type IssuerFixture, startIssuer } from './test-support.js';

const ID = '0123456789ABCDEF0123456789ABCDEF';
const clock = fixedClock('2025-01-01T00:00:00Z');
let full: IssuerFixture;
let leaf: IssuerFixture;
let otherHost: IssuerFixture;

beforeAll(async () => {
  full = await startIssuer(clock, { chain: 'full' });
  leaf = await startIssuer(clock, { chain: 'leaf' });
  // 127.0.0.2 is loopback on Linux but not among the certificate's names
  otherHost = await startIssuer(clock, { chain: 'full', host: '127.0.0.2' });
  for (const f of [full, leaf, otherHost]) await f.addCluster(ID, 'demo');
});

afterAll(async () => {
  await Promise.all([full.close(), leaf.close(), otherHost.close()]);
});

const base = { timeoutMs: 5000, maxBytes: 1 << 20 };

async function failure(p: Promise<unknown>): Promise<OidcFetchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OidcFetchError) return e;
    throw e;
  }
  throw new Error('the fetch succeeded');
}

describe('createOidcFetch over HTTPS', () => {
  it('accepts an untrusted chain whose top certificate is listed (the local CA)', async () => {
    const r = await createOidcFetch()({
      ...base,
      url: `${full.issuer(ID)}/.well-known/openid-configuration`,
      thumbprints: [full.ca.thumbprint],
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['cache-control']).toBe('public, max-age=3600');
    expect(JSON.parse(r.body)).toMatchObject({ jwks_uri: `${full.issuer(ID)}/keys` });
    expect(r.pinnedThumbprint).toBe(full.ca.thumbprint);
  });

  it('accepts a chain that verifies against the trusted roots, without thumbprints', async () => {
    const r = await createOidcFetch({ trustedCas: [full.ca.caCertPem] })({
      ...base,
      url: `${full.issuer(ID)}/keys`,
      thumbprints: [],
    });
    expect(r.status).toBe(200);
    expect(r.pinnedThumbprint).toBeUndefined();
  });

  it.each([
    ['no thumbprints', () => []],
    ['another thumbprint', () => ['0'.repeat(40)]],
    ['the thumbprint of another CA', () => [leaf.ca.thumbprint]],
  ])('refuses an untrusted chain with %s', async (_name, prints) => {
    const e = await failure(
      createOidcFetch()({ ...base, url: `${full.issuer(ID)}/keys`, thumbprints: prints() }),
    );
    expect(e.kind).toBe('thumbprint');
    expect(e.message).toContain(full.ca.thumbprint);
  });

  it('takes the top of the chain as presented: a leaf-only server matches its leaf, not its CA', async () => {
    const url = `${leaf.issuer(ID)}/keys`;
    const e = await failure(createOidcFetch()({ ...base, url, thumbprints: [leaf.ca.thumbprint] }));
    expect(e.kind).toBe('thumbprint');
    const leafPrint = thumbprintOf(
      Buffer.from(leaf.ca.serverCertPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'),
    );
    const r = await createOidcFetch()({ ...base, url, thumbprints: [leafPrint] });
    expect(r.status).toBe(200);
    expect(r.pinnedThumbprint).toBe(leafPrint);
  });

  it('still requires the host name to match the certificate', async () => {
    for (const fetch of [
      createOidcFetch(),
      createOidcFetch({ trustedCas: [otherHost.ca.caCertPem] }),
    ]) {
      const e = await failure(
        fetch({
          ...base,
          url: `${otherHost.issuer(ID)}/keys`,
          thumbprints: [otherHost.ca.thumbprint],
        }),
      );
      expect(e.kind).toBe('tls');
      expect(e.message).toMatch(/host name/);
    }
  });

  it('refuses a connection that is refused as a network failure', async () => {
    const server = createHttpServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const e = await failure(
      createOidcFetch()({ ...base, url: `https://127.0.0.1:${port}/keys`, thumbprints: [] }),
    );
    expect(e.kind).toBe('network');
  });

  it('gives up after the deadline', async () => {
    const sockets: Socket[] = [];
    const silent: TcpServer = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const e = await failure(
      createOidcFetch()({
        url: `https://127.0.0.1:${port}/keys`,
        thumbprints: [],
        timeoutMs: 50,
        maxBytes: 1024,
      }),
    );
    expect(e.kind).toBe('timeout');
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('stops reading past the size cap', async () => {
    const e = await failure(
      createOidcFetch()({
        url: `${full.issuer(ID)}/keys`,
        thumbprints: [full.ca.thumbprint],
        timeoutMs: 5000,
        maxBytes: 10,
      }),
    );
    expect(e.kind).toBe('too-large');
  });
});

describe('plain http', () => {
  let server: HttpServer;
  let url: string;
  beforeAll(async () => {
    server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"keys":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('is fetched from a loopback host', async () => {
    const r = await createOidcFetch()({ ...base, url, thumbprints: [] });
    expect(r.body).toBe('{"keys":[]}');
    expect(r.pinnedThumbprint).toBeUndefined();
  });

  it.each([
    'http://192.0.2.10/keys',
    'http://oidc.example.com/keys',
    'ftp://127.0.0.1/keys',
    'not a url',
  ])('is refused for %s without connecting', async (u) => {
    const e = await failure(createOidcFetch()({ ...base, url: u, thumbprints: [] }));
    expect(e.kind).toBe('scheme');
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['0.0.0.0', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('issuerThumbprint (CreateOpenIDConnectProvider without a ThumbprintList)', () => {
  it('is the thumbprint of the CA of the host serving the keys, which the issuer names', async () => {
    expect(await issuerThumbprint(full.issuer(ID))).toBe(full.ca.thumbprint);
    // an issuer whose jwks_uri is another host, under another CA: that host's thumbprint
    const dir = mkdtempSync(join(tmpdir(), 'irsa-other-ca-'));
    const ca = await ensureLocalCa({ dataDir: dir });
    const server = createHttpsServer(
      { key: ca.serverKeyPem, cert: ca.serverCertPem + ca.caCertPem },
      (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ issuer: 'x', jwks_uri: `${full.issuer(ID)}/keys` }));
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(ca.thumbprint).not.toBe(full.ca.thumbprint);
      expect(await issuerThumbprint(`https://127.0.0.1:${port}/id/X`)).toBe(full.ca.thumbprint);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an issuer that does not answer is an error', async () => {
    await expect(issuerThumbprint('https://127.0.0.1:1/id/X', 1000)).rejects.toBeInstanceOf(
      OidcFetchError,
    );
  });
});
