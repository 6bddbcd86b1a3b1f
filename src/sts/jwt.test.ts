/**
 * The JOSE core both token checks share: decoding (frozen, cached, strict about shape) and
 * signature verification with node:crypto — RS256/384/512 with keys of 2048 bits or more,
 * ES256/384/512 in JWS's raw r‖s form with a key on the algorithm's curve, only the algorithm
 * the header names, and a cached verification that counts only while the very key that
 * verified it is still offered.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeToken, verifySignature } from './jwt.js';
import type { WebIdentityAlg } from './oidc-keys.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function keyPair(alg: WebIdentityAlg, modulusLength?: number) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(modulusLength ? { modulusLength } : {}),
  });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: `${alg}-key`, use: 'sig' };
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({ sub: 'system:serviceaccount:ns:sa', ...claims })
      .setProtectedHeader({ alg, kid: jwk.kid, ...header })
      .sign(privateKey);
  return { jwk, sign };
}

describe('decodeToken', () => {
  it('decodes header and claims, frozen, and gives the same object for the same text', async () => {
    const { sign } = await keyPair('ES256');
    const token = await sign({ aud: ['a', 'b'] });
    const d = decodeToken(token);
    if ('error' in d) throw new Error(d.error);
    expect(d.header).toMatchObject({ alg: 'ES256', kid: 'ES256-key' });
    expect(d.claims.aud).toEqual(['a', 'b']);
    expect(Object.isFrozen(d.claims)).toBe(true);
    expect(Object.isFrozen(d.claims.aud)).toBe(true);
    expect(decodeToken(token)).toBe(d);
  });

  it.each([
    ['two segments', 'a.b'],
    ['an empty header', '.e30.x'],
    ['a character outside base64url', 'e30.e30+.x'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.x'],
    ['claims that are an array', `e30.${Buffer.from('[1]').toString('base64url')}.x`],
    ['claims that are null', `e30.${Buffer.from('null').toString('base64url')}.x`],
  ])('refuses %s', (_, token) => {
    expect(decodeToken(token)).toHaveProperty('error');
  });
});

describe('verifySignature', () => {
  it.each(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const)(
    'verifies %s with its key and refuses another key',
    async (alg) => {
      const a = await keyPair(alg);
      const b = await keyPair(alg);
      const token = await a.sign({ n: alg });
      expect(await verifySignature(token, [b.jwk], alg)).toMatchObject({ ok: false });
      expect(await verifySignature(token, [b.jwk, a.jwk], alg)).toEqual({
        ok: true,
        kid: a.jwk.kid,
      });
    },
  );

  it('refuses RSA keys under 2048 bits', async () => {
    // jose will not sign with one: node:crypto signs the JWS by hand
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak' };
    const input = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64({ sub: 'x' })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    const r = await verifySignature(token, [jwk], 'RS256');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasons[0]).toContain('2048 bits or larger');
  });

  it('verifies only with the algorithm the header names', async () => {
    const k = await keyPair('RS256');
    const token = await k.sign();
    const r = await verifySignature(token, [k.jwk], 'RS384');
    expect(r.ok).toBe(false);
  });

  it('refuses a tampered payload and a key of the wrong type', async () => {
    const k = await keyPair('ES256');
    const token = await k.sign({ n: 1 });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url')}.${s}`;
    expect((await verifySignature(forged, [k.jwk], 'ES256')).ok).toBe(false);
    const rsa = await keyPair('RS256');
    expect((await verifySignature(token, [rsa.jwk], 'ES256')).ok).toBe(false);
  });

  it.each([
    ['ES256', 'P-384', 'sha256'],
    ['ES256', 'P-521', 'sha256'],
    ['ES384', 'P-256', 'sha384'],
    ['ES512', 'P-384', 'sha512'],
  ] as const)(
    'refuses %s signed by a %s key, even with the hash %s names',
    async (alg, namedCurve, hash) => {
      // a correct signature over the right hash, by a key on another curve (by hand: jose
      // will not sign so)
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
      const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: namedCurve };
      const input = `${b64({ alg, kid: namedCurve })}.${b64({ sub: 'x', alg, namedCurve })}`;
      const signature = sign(hash, Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      const token = `${input}.${signature.toString('base64url')}`;
      const r = await verifySignature(token, [jwk], alg);
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.reasons[0]).toMatch(
          /needs a key on curve \S+, not (secp384r1|secp521r1|prime256v1)$/,
        );
    },
  );

  it('keeps a verification only while the key that verified it is offered', async () => {
    const k = await keyPair('RS256');
    const token = await k.sign({ once: true });
    expect((await verifySignature(token, [k.jwk], 'RS256')).ok).toBe(true);
    // the same key material as a new JWK object (a refetched JWKS) verifies afresh
    expect((await verifySignature(token, [{ ...k.jwk }], 'RS256')).ok).toBe(true);
    // a key set without it does not inherit the cached result
    const other = await keyPair('RS256');
    expect((await verifySignature(token, [other.jwk], 'RS256')).ok).toBe(false);
  });
});
