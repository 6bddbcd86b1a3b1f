/**
 * Discovery and JWKS over real HTTPS: the handler on an ephemeral 127.0.0.1 port with the
 * local CA's server certificate, fetched by a client trusting only that CA; tokens verified
 * with jose's remote JWKS set against what is served; the documents and headers field for
 * field (spec/kubernetes.md §2, §4); and a rotation seen from a verifier's side (§3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { SqliteStore } from '../store/index.js';
import {
  CACHE_CONTROL,
  createIssuerHandler,
  discoveryDocument,
  parseIssuerPath,
  renderIssuerDocuments,
  type ServedCluster,
} from './discovery.js';
import { KeyRing } from './key-ring.js';
import { keyId, publicJwk } from './keys.js';
import { ensureLocalCa, type LocalCa } from './local-ca.js';
import { issueToken } from './token-request.js';
import type { IssuerCluster } from './types.js';

const ID_RSA = '0123456789ABCDEF0123456789ABCDEF';
const ID_EC = 'FEDCBA9876543210FEDCBA9876543210';
const ID_EMPTY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const DAY = 86_400;

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let ca: LocalCa;
let server: Server;
let base: string;
let store: SqliteStore;
let dir: string;
const clock = fixedClock('2025-01-01T00:00:00Z');
const clusters = new Map<string, ServedCluster & IssuerCluster>();

/** An HTTPS request that trusts only the local CA (no system roots). */
function fetchCa(url: string, method = 'GET'): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: ca.caCertPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** jose's remote JWKS set over that HTTPS client, with a cache we can drop. */
function remoteJwks(url: string) {
  return createRemoteJWKSet(new URL(url), {
    cacheMaxAge: 0,
    cooldownDuration: 0,
    [customFetch]: async (u: string) => {
      const r = await fetchCa(u);
      return new Response(r.body, {
        status: r.status,
        headers: { 'content-type': String(r.headers['content-type']) },
      });
    },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-discovery-'));
  // TLS checks certificates against the real time, so the CA lives on the system clock
  ca = await ensureLocalCa({ dataDir: dir });
  store = new SqliteStore(join(dir, 'irsakit.db'));
  server = createServer(
    { key: ca.serverKeyPem, cert: ca.serverCertPem },
    createIssuerHandler({
      store,
      clock,
      resolveCluster: async (id) => clusters.get(id),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ring = new KeyRing({ store, clock });
  for (const [id, name, alg] of [
    [ID_RSA, 'rsa', 'RS256'],
    [ID_EC, 'ec', 'ES256'],
  ] as const) {
    clusters.set(id, {
      name,
      issuer: `${base}/id/${id}`,
      apiAudiences: [`${base}/id/${id}`],
      maxTokenExpirationSeconds: DAY,
    });
    await ring.ensure(name, { alg, maxTokenLifetimeSeconds: DAY });
  }
  clusters.set(ID_EMPTY, { name: 'empty', issuer: `${base}/id/${ID_EMPTY}` });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const sa = { name: 's3-app', namespace: 'production', uid: '6a1c5c8b-0000-4000-8000-00000000000a' };

async function token(id: string, over: { expirationSeconds?: number } = {}) {
  const cluster = clusters.get(id);
  if (!cluster) throw new Error(id);
  const r = await issueToken({
    cluster,
    namespace: 'production',
    name: 's3-app',
    serviceAccount: sa,
    request: { spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400, ...over } },
    clock,
    keyRing: new KeyRing({ store, clock }),
  });
  if (!r.ok) throw new Error(r.status.message);
  return r;
}

describe('discovery and JWKS over HTTPS', () => {
  it('serves the discovery document with exactly five fields and the exact headers', async () => {
    const issuer = `${base}/id/${ID_RSA}`;
    const r = await fetchCa(`${issuer}/.well-known/openid-configuration`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['cache-control']).toBe('public, max-age=3600');
    expect(r.body).toBe(
      `{"issuer":"${issuer}","jwks_uri":"${issuer}/keys",` +
        '"response_types_supported":["id_token"],"subject_types_supported":["public"],' +
        '"id_token_signing_alg_values_supported":["RS256"]}',
    );
  });

  it.each(['keys', 'openid/v1/jwks'])(
    'serves the JWKS at /id/<ID>/%s as application/jwk-set+json',
    async (path) => {
      const key = await new KeyRing({ store, clock }).signingKey('rsa');
      const r = await fetchCa(`${base}/id/${ID_RSA}/${path}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/jwk-set+json');
      expect(r.headers['cache-control']).toBe(CACHE_CONTROL);
      const jwks = JSON.parse(r.body) as { keys: Record<string, string>[] };
      expect(jwks.keys).toHaveLength(1);
      const jwk = jwks.keys[0] as Record<string, string>;
      expect(Object.keys(jwk)).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
      expect(jwk).toMatchObject({ use: 'sig', kty: 'RSA', kid: key?.kid, alg: 'RS256', e: 'AQAB' });
      expect(jwk.kid).toBe(keyId(key?.publicKeyPem ?? ''));
      expect(r.body).toBe(JSON.stringify({ keys: [await publicJwk(key?.publicKeyPem ?? '')] }));
    },
  );

  it('serves an EC cluster with crv, x, y and ES256', async () => {
    const issuer = `${base}/id/${ID_EC}`;
    const d = JSON.parse((await fetchCa(`${issuer}/.well-known/openid-configuration`)).body) as {
      id_token_signing_alg_values_supported: string[];
    };
    expect(d.id_token_signing_alg_values_supported).toEqual(['ES256']);
    const jwks = JSON.parse((await fetchCa(`${issuer}/keys`)).body) as {
      keys: Record<string, string>[];
    };
    expect(Object.keys(jwks.keys[0] ?? {})).toEqual(['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await fetchCa(`${base}/id/${ID_RSA}/keys`, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['content-type']).toBe('application/jwk-set+json');
    expect(r.headers['cache-control']).toBe(CACHE_CONTROL);
    expect(Number(r.headers['content-length'])).toBeGreaterThan(300);
  });

  it.each([
    ['an unknown cluster', 'GET', `/id/${'B'.repeat(32)}/keys`, 404],
    ['a cluster without keys', 'GET', `/id/${ID_EMPTY}/.well-known/openid-configuration`, 404],
    ['a lowercase id', 'GET', `/id/${ID_RSA.toLowerCase()}/keys`, 404],
    ['the root', 'GET', '/', 404],
    ['a trailing slash', 'GET', `/id/${ID_RSA}/keys/`, 404],
    ['POST', 'POST', `/id/${ID_RSA}/keys`, 405],
    ['DELETE', 'DELETE', `/id/${ID_RSA}/.well-known/openid-configuration`, 405],
  ])('answers %s with a JSON Status', async (_name, method, path, code) => {
    const r = await fetchCa(`${base}${path}`, method);
    expect(r.status).toBe(code);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['cache-control']).toBeUndefined();
    const body = JSON.parse(r.body) as { kind: string; code: number; reason: string };
    expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code });
    if (code === 405) expect(r.headers.allow).toBe('GET, HEAD');
    else
      expect(body).toMatchObject({
        reason: 'NotFound',
        message: 'the server could not find the requested resource',
      });
  });

  it('ignores a query string', async () => {
    expect((await fetchCa(`${base}/id/${ID_RSA}/keys?x=1`)).status).toBe(200);
  });
});

describe('tokens verify against the JWKS served over HTTPS', () => {
  it.each([
    [ID_RSA, 'RS256'],
    [ID_EC, 'ES256'],
  ])('cluster %s (%s)', async (id, alg) => {
    const issuer = `${base}/id/${id}`;
    const r = await token(id);
    expect(decodeProtectedHeader(r.token)).toEqual({ alg, kid: r.kid });
    const discovery = JSON.parse(
      (await fetchCa(`${issuer}/.well-known/openid-configuration`)).body,
    ) as { jwks_uri: string };
    const { payload, protectedHeader } = await jwtVerify(r.token, remoteJwks(discovery.jwks_uri), {
      issuer,
      audience: 'sts.amazonaws.com',
      currentDate: clock(),
    });
    expect(protectedHeader).toEqual({ alg, kid: r.kid });
    expect(payload).toEqual({
      aud: ['sts.amazonaws.com'],
      exp: Math.floor(clock().getTime() / 1000) + DAY,
      iat: Math.floor(clock().getTime() / 1000),
      iss: issuer,
      jti: r.claims.jti,
      'kubernetes.io': {
        namespace: 'production',
        serviceaccount: { name: 's3-app', uid: sa.uid },
      },
      nbf: Math.floor(clock().getTime() / 1000),
      sub: 'system:serviceaccount:production:s3-app',
    });
  });

  it('refuses a token of another cluster (kid not in this JWKS)', async () => {
    const r = await token(ID_EC);
    await expect(
      jwtVerify(r.token, remoteJwks(`${base}/id/${ID_RSA}/keys`), { currentDate: clock() }),
    ).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});

describe('rotation as a verifier sees it', () => {
  it('publishes first, signs after max-age, keeps the old key until its tokens expire', async () => {
    const ring = new KeyRing({ store, clock });
    const id = ID_RSA;
    const jwksUrl = `${base}/id/${id}/keys`;
    const kids = async () =>
      (JSON.parse((await fetchCa(jwksUrl)).body) as { keys: { kid: string }[] }).keys.map(
        (k) => k.kid,
      );
    const verify = (t: string) =>
      jwtVerify(t, remoteJwks(jwksUrl), { audience: 'sts.amazonaws.com', currentDate: clock() });

    const oldKey = await ring.signingKey('rsa');
    const oldToken = await token(id);
    expect(oldToken.kid).toBe(oldKey?.kid);

    const next = await ring.rotate('rsa', { maxTokenLifetimeSeconds: DAY });
    // in the JWKS at once …
    expect(await kids()).toEqual([oldKey?.kid, next.kid]);
    // … but not signing until the max-age has passed
    clock.advance(3599);
    expect((await token(id)).kid).toBe(oldKey?.kid);
    const lastOld = await token(id);
    clock.advance(1);
    const fresh = await token(id);
    expect(fresh.kid).toBe(next.kid);
    expect(decodeProtectedHeader(fresh.token)).toEqual({ alg: 'RS256', kid: next.kid });
    await expect(verify(fresh.token)).resolves.toBeTruthy();
    // old tokens keep verifying
    await expect(verify(oldToken.token)).resolves.toBeTruthy();
    await expect(verify(lastOld.token)).resolves.toBeTruthy();
    expect(await kids()).toEqual([oldKey?.kid, next.kid]);

    // the old key leaves only once the last token it can have signed (just before its
    // retirement at +3600 s, for a day) has expired
    clock.advance(DAY - 2);
    await expect(verify(lastOld.token)).resolves.toBeTruthy();
    expect(await kids()).toEqual([oldKey?.kid, next.kid]);
    clock.advance(1);
    await expect(verify(lastOld.token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    expect(await kids()).toEqual([oldKey?.kid, next.kid]);
    clock.advance(1);
    expect(await kids()).toEqual([next.kid]);
    await expect(verify(fresh.token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    const after = await token(id);
    await expect(verify(after.token)).resolves.toBeTruthy();
    // and the discovery document still lists RS256 once
    const d = JSON.parse(
      (await fetchCa(`${base}/id/${id}/.well-known/openid-configuration`)).body,
    ) as { id_token_signing_alg_values_supported: string[] };
    expect(d.id_token_signing_alg_values_supported).toEqual(['RS256']);
  });
});

describe('pure rendering', () => {
  it('sorts and de-duplicates the algorithms', () => {
    expect(
      discoveryDocument('https://i', 'https://i/keys', ['RS256', 'ES256', 'RS256'])
        .id_token_signing_alg_values_supported,
    ).toEqual(['ES256', 'RS256']);
  });

  it('renders both documents as Go would, compact', async () => {
    const docs = await renderIssuerDocuments('https://i/id/X', 'https://i/id/X/keys', []);
    expect(docs).toEqual({
      discovery:
        '{"issuer":"https://i/id/X","jwks_uri":"https://i/id/X/keys","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":[]}',
      jwks: '{"keys":[]}',
    });
  });

  it.each([
    [`/id/${ID_RSA}/.well-known/openid-configuration`, { id: ID_RSA, document: 'discovery' }],
    [`/id/${ID_RSA}/keys`, { id: ID_RSA, document: 'jwks' }],
    [`/id/${ID_RSA}/openid/v1/jwks`, { id: ID_RSA, document: 'jwks' }],
    [`/id/${ID_RSA}`, undefined],
    [`/id/ABC/keys`, undefined],
    [`/x/id/${ID_RSA}/keys`, undefined],
  ])('parses %s', (path, want) => {
    expect(parseIssuerPath(path)).toEqual(want);
  });
});
