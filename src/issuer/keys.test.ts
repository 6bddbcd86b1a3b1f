/**
 * Key ids and JWKS entries against independent computations: openssl for the kid
 * (`openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64url`), and the
 * field order go-jose writes.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IssuerError } from './errors.js';
import { generateSigningKey, keyId, publicJwk, signingAlgFor } from './keys.js';

/** The kid as openssl computes it: the DER SPKI, SHA-256, base64url without padding. */
function opensslKid(publicKeyPem: string): string {
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], {
    input: publicKeyPem,
  });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return digest.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

describe('keyId', () => {
  it.each([
    ['RS256', 'RSA-2048'],
    ['ES256', 'ECDSA P-256'],
  ] as const)('matches openssl for a generated %s key (%s)', async (alg, _desc) => {
    const key = await generateSigningKey(alg);
    expect(key.kid).toHaveLength(43);
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key.kid).toBe(opensslKid(key.publicKeyPem));
    expect(keyId(key.publicKeyPem)).toBe(key.kid);
    expect(keyId(key.privateKeyPem)).toBe(key.kid);
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it.each([
    ['RSA 3072', () => generateKeyPairSync('rsa', { modulusLength: 3072 })],
    ['EC P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['EC P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ])('matches openssl for %s', (_name, make) => {
    const pem = make().publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(keyId(pem)).toBe(opensslKid(pem));
  });

  it('is the same for a PKCS#1 RSA public key as for its SPKI form', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(pkcs1).toMatch(/^-----BEGIN RSA PUBLIC KEY-----/);
    expect(keyId(pkcs1)).toBe(keyId(spki));
    expect(keyId(spki)).toBe(opensslKid(spki));
  });
});

describe('signingAlgFor', () => {
  it.each([
    ['rsa 2048', 'RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['rsa 3072', 'RS256', () => generateKeyPairSync('rsa', { modulusLength: 3072 })],
    ['P-256', 'ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['P-384', 'ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['P-521', 'ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ])('%s signs %s', (_n, alg, make) => {
    expect(signingAlgFor(make().publicKey)).toBe(alg);
  });

  it.each([
    ['ed25519', () => generateKeyPairSync('ed25519'), /unsupported key type `ed25519`/],
    [
      'secp256k1',
      () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
      /unsupported elliptic curve `secp256k1`/,
    ],
  ])('refuses %s', (_n, make, message) => {
    const err = (() => {
      try {
        signingAlgFor(make().publicKey);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IssuerError);
    expect((err as IssuerError).code).toBe('UnsupportedKey');
    expect((err as IssuerError).message).toMatch(message);
  });
});

describe('publicJwk', () => {
  it('writes an RSA key as {use, kty, kid, alg, n, e}, in that order', async () => {
    const key = await generateSigningKey('RS256');
    const jwk = await publicJwk(key.publicKeyPem);
    expect(Object.keys(jwk)).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
    expect(jwk).toMatchObject({ use: 'sig', kty: 'RSA', kid: key.kid, alg: 'RS256', e: 'AQAB' });
    // 2048-bit modulus: 256 bytes → 342 base64url characters
    expect((jwk as { n: string }).n).toHaveLength(342);
  });

  it('writes an EC key as {use, kty, kid, crv, alg, x, y}, in that order', async () => {
    const key = await generateSigningKey('ES256');
    const jwk = await publicJwk(key.publicKeyPem);
    expect(Object.keys(jwk)).toEqual(['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
    expect(jwk).toMatchObject({ use: 'sig', kty: 'EC', kid: key.kid, crv: 'P-256', alg: 'ES256' });
    expect((jwk as { x: string }).x).toHaveLength(43);
  });

  it('keeps an empty kid when asked for one', async () => {
    const key = await generateSigningKey('RS256');
    const jwk = await publicJwk(key.publicKeyPem, '');
    expect(jwk.kid).toBe('');
    expect(JSON.stringify(jwk)).toContain('"kid":""');
  });
});
