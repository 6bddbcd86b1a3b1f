/**
 * The key fetcher's cache, refetch and error mapping through an injected fetch (spec/aws-wire.md
 * §3.3 steps 4–5), with a fixed clock travelled through max-age and cooldown; the real
 * network is exercised in oidc-fetch.test.ts and web-identity.test.ts.
 */
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { fixedClock } from '../common/clock.js';
import { STS_MSG } from './errors.js';
import type { OidcFetch, OidcFetchRequest, OidcFetchResponse } from './oidc-fetch.js';
import { OidcFetchError } from './oidc-fetch.js';
import { keyFits, OidcKeyFetcher, parseDiscovery, parseJwks } from './oidc-keys.js';

const ISS = 'https://oidc.example.com/id/ABC';
const DISCOVERY = `${ISS}/.well-known/openid-configuration`;
const JWKS = `${ISS}/keys`;
const rsa = (kid: string, extra: Partial<JWK> = {}): JWK => ({
  kty: 'RSA',
  kid,
  n: 'sXch',
  e: 'AQAB',
  ...extra,
});

/** A scripted identity provider: documents by URL, and a log of what was fetched. */
function idp(opts: { keys?: () => JWK[]; jwksHeaders?: Record<string, string> } = {}) {
  const log: OidcFetchRequest[] = [];
  let keys = opts.keys ?? (() => [rsa('k1')]);
  const fetch: OidcFetch = async (req) => {
    log.push(req);
    if (req.url === DISCOVERY)
      return { status: 200, headers: {}, body: JSON.stringify({ issuer: ISS, jwks_uri: JWKS }) };
    if (req.url === JWKS)
      return {
        status: 200,
        headers: opts.jwksHeaders ?? {},
        body: JSON.stringify({ keys: keys() }),
      };
    return { status: 404, headers: {}, body: '' };
  };
  return {
    fetch,
    log,
    setKeys(k: () => JWK[]) {
      keys = k;
    },
  };
}

async function awsError(p: Promise<unknown>): Promise<AwsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('OidcKeyFetcher', () => {
  it('fetches discovery then the JWKS, and serves from the cache for ten minutes', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const p = idp();
    const f = new OidcKeyFetcher({ clock, fetch: p.fetch });
    expect(await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, [])).toEqual([rsa('k1')]);
    expect(p.log.map((r) => r.url)).toEqual([DISCOVERY, JWKS]);
    expect(p.log[0]).toMatchObject({ timeoutMs: 5000, maxBytes: 1 << 20, thumbprints: [] });
    clock.advance(599);
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []);
    expect(p.log).toHaveLength(2);
    clock.advance(1);
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []);
    expect(p.log).toHaveLength(4);
  });

  it("honours the JWKS response's Cache-Control max-age", async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const p = idp({ jwksHeaders: { 'cache-control': 'public, max-age=3600' } });
    const f = new OidcKeyFetcher({ clock, fetch: p.fetch });
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []);
    clock.advance(3599);
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []);
    expect(p.log).toHaveLength(2);
    clock.advance(1);
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []);
    expect(p.log).toHaveLength(4);
  });

  it('refetches once on an unknown kid, but not within the cooldown', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const p = idp();
    const f = new OidcKeyFetcher({ clock, fetch: p.fetch });
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []);
    p.setKeys(() => [rsa('k1'), rsa('k2')]);
    // within 30 s of the last fetch: no refetch, the key is unknown
    clock.advance(29);
    const e = await awsError(f.keysFor(ISS, { alg: 'RS256', kid: 'k2' }, []));
    expect([e.code, e.message]).toEqual(['InvalidIdentityToken', STS_MSG.couldNotRetrieveKey]);
    expect(e.detail).toMatchObject({ kid: 'k2', kids: ['k1'] });
    expect(p.log).toHaveLength(2);
    // after the cooldown the rotated-in key is found by one refetch
    clock.advance(1);
    expect(await f.keysFor(ISS, { alg: 'RS256', kid: 'k2' }, [])).toEqual([rsa('k2')]);
    expect(p.log).toHaveLength(4);
  });

  it('coalesces concurrent fetches of one issuer', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const p = idp();
    const f = new OidcKeyFetcher({ clock, fetch: p.fetch });
    await Promise.all([1, 2, 3].map(() => f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, [])));
    expect(p.log).toHaveLength(2);
  });

  it('selects keys by kid, key type and curve; a token without kid gets every fitting key', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const keys: JWK[] = [
      rsa('r1'),
      rsa('r2', { use: 'enc' }),
      rsa('r3', { alg: 'RS512' }),
      { kty: 'EC', crv: 'P-256', kid: 'e1', x: 'x', y: 'y' },
      { kty: 'EC', crv: 'P-384', kid: 'e2', x: 'x', y: 'y' },
      { kty: 'oct', kid: 'h1', k: 'c2VjcmV0' },
    ];
    const f = new OidcKeyFetcher({ clock, fetch: idp({ keys: () => keys }).fetch });
    expect((await f.keysFor(ISS, { alg: 'RS256' }, [])).map((k) => k.kid)).toEqual(['r1']);
    expect((await f.keysFor(ISS, { alg: 'RS512' }, [])).map((k) => k.kid)).toEqual(['r1', 'r3']);
    expect((await f.keysFor(ISS, { alg: 'ES256' }, [])).map((k) => k.kid)).toEqual(['e1']);
    expect((await f.keysFor(ISS, { alg: 'ES384', kid: 'e2' }, [])).map((k) => k.kid)).toEqual([
      'e2',
    ]);
    await expect(f.keysFor(ISS, { alg: 'ES512' }, [])).rejects.toThrow(STS_MSG.couldNotRetrieveKey);
    expect(keyFits({ kty: 'RSA', n: 'x', e: 'AQAB', key_ops: ['encrypt'] }, 'RS256')).toBe(false);
  });

  it('reads at most 100 keys of a JWKS', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const many = Array.from({ length: 150 }, (_, i) => rsa(`k${i}`));
    const f = new OidcKeyFetcher({
      clock,
      fetch: idp({ keys: () => many }).fetch,
      cooldownMs: 1e9,
    });
    expect(await f.keysFor(ISS, { alg: 'RS256', kid: 'k99' }, [])).toHaveLength(1);
    await expect(f.keysFor(ISS, { alg: 'RS256', kid: 'k100' }, [])).rejects.toThrow(
      STS_MSG.couldNotRetrieveKey,
    );
  });

  it('does not let a set fetched through one thumbprint serve a provider without it', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const log: OidcFetchRequest[] = [];
    const fetch: OidcFetch = async (req): Promise<OidcFetchResponse> => {
      log.push(req);
      if (!req.thumbprints.includes('a'.repeat(40)))
        throw new OidcFetchError('thumbprint', req.url, 'top certificate aaaa… not listed');
      const body =
        req.url === DISCOVERY
          ? JSON.stringify({ jwks_uri: JWKS })
          : JSON.stringify({ keys: [rsa('k1')] });
      return { status: 200, headers: {}, body, pinnedThumbprint: 'a'.repeat(40) };
    };
    const f = new OidcKeyFetcher({ clock, fetch });
    await f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, ['A'.repeat(40)]);
    const e = await awsError(f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, ['b'.repeat(40)]));
    expect([e.code, e.message]).toEqual(['InvalidIdentityToken', STS_MSG.thumbprintMismatch]);
    expect(log).toHaveLength(3);
  });

  const failures: [string, OidcFetch, string, string][] = [
    [
      'a refused connection',
      async (r) => {
        throw new OidcFetchError('network', r.url, 'connect ECONNREFUSED');
      },
      'IDPCommunicationError',
      STS_MSG.idpUnreachable(DISCOVERY),
    ],
    [
      'a timeout',
      async (r) => {
        throw new OidcFetchError('timeout', r.url, 'no answer within 5000 ms');
      },
      'IDPCommunicationError',
      STS_MSG.idpUnreachable(DISCOVERY),
    ],
    [
      'HTTP 503',
      async () => ({ status: 503, headers: {}, body: '' }),
      'IDPCommunicationError',
      STS_MSG.idpUnreachable(DISCOVERY),
    ],
    [
      'a thumbprint mismatch',
      async (r) => {
        throw new OidcFetchError('thumbprint', r.url, 'not listed');
      },
      'InvalidIdentityToken',
      STS_MSG.thumbprintMismatch,
    ],
    [
      'a host name mismatch',
      async (r) => {
        throw new OidcFetchError('tls', r.url, 'host name');
      },
      'InvalidIdentityToken',
      STS_MSG.couldNotRetrieveKey,
    ],
    [
      'HTTP 404',
      async () => ({ status: 404, headers: {}, body: '' }),
      'InvalidIdentityToken',
      STS_MSG.couldNotRetrieveKey,
    ],
    [
      'discovery that is not JSON',
      async () => ({ status: 200, headers: {}, body: '<html>' }),
      'InvalidIdentityToken',
      STS_MSG.couldNotRetrieveKey,
    ],
    [
      'a jwks_uri over plain http to a remote host',
      async () => ({
        status: 200,
        headers: {},
        body: '{"jwks_uri":"http://oidc.example.com/keys"}',
      }),
      'InvalidIdentityToken',
      STS_MSG.couldNotRetrieveKey,
    ],
    [
      'a JWKS without keys',
      async (r) => ({
        status: 200,
        headers: {},
        body: r.url === DISCOVERY ? JSON.stringify({ jwks_uri: JWKS }) : '{"keys":"none"}',
      }),
      'InvalidIdentityToken',
      STS_MSG.couldNotRetrieveKey,
    ],
  ];

  it.each(failures)('answers %s with %s', async (_name, fetch, code, message) => {
    const f = new OidcKeyFetcher({ clock: fixedClock('2025-01-01T00:00:00Z'), fetch });
    const e = await awsError(f.keysFor(ISS, { alg: 'RS256', kid: 'k1' }, []));
    expect([e.code, e.httpStatus, e.message]).toEqual([code, 400, message]);
  });

  it('rejects negative knobs', () => {
    expect(
      () => new OidcKeyFetcher({ clock: fixedClock('2025-01-01T00:00:00Z'), timeoutMs: -1 }),
    ).toThrow(TypeError);
  });
});

describe('document parsing', () => {
  it.each([
    ['{"jwks_uri":"https://x/keys"}', 'https://x/keys'],
    ['{"jwks_uri":"http://127.0.0.1:9/keys"}', 'http://127.0.0.1:9/keys'],
    ['{"jwks_uri":"http://x/keys"}', undefined],
    ['{"jwks_uri":42}', undefined],
    ['[]', undefined],
    ['', undefined],
  ])('parseDiscovery(%s)', (text, uri) => {
    expect(parseDiscovery(text)).toBe(uri);
  });

  it.each([
    ['{"keys":[]}', 0],
    ['{"keys":[{"kty":"RSA"}]}', 1],
    ['{"keys":[{"n":"x"}]}', undefined],
    ['{"keys":{}}', undefined],
    ['null', undefined],
  ])('parseJwks(%s)', (text, n) => {
    expect(parseJwks(text)?.length).toBe(n);
  });
});
