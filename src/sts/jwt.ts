/**
 * The JOSE pieces both token checks share (web identity for STS, pod identity for EKS Auth):
 * decoding a compact JWS without trusting it, and verifying its signature with candidate
 * JWKs for one of the accepted algorithms. node:crypto does the cryptography (a `KeyObject`
 * per JWK, verified synchronously: no WebCrypto round trip per token); a JWK is imported as a
 * public key only, an ES key must be on its algorithm's curve, and nothing here reads `jku`,
 * `x5u` or `jwk` headers.
 *
 * Both results are pure functions of their inputs and are kept, bounded: a decoded token by
 * its text (frozen, so no reader changes another's copy), a verified signature by its token
 * and the very JWK object that verified it, which must still be in the issuer's current key
 * set for the hit to count.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { JWK } from 'jose';
import { deepFreeze } from './freeze.js';
import type { WebIdentityAlg } from './oidc-keys.js';

export type Claims = Record<string, unknown>;

export interface DecodedToken {
  header: Claims;
  claims: Claims;
}

/** entries kept per cache; a full cache is cleared whole */
const CACHE_MAX = 10_000;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const decoded = new Map<string, DecodedToken>();

function jsonObject(segment: string, what: string): Claims {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`${what} is not base64url-encoded JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${what} is not a JSON object`);
  return v as Claims;
}

/**
 * Header and claims of a compact JWS, unverified (and frozen); `{ error }` when it is not a
 * JWT.
 *
 * @example
 * const d = decodeToken(token);
 * if (!('error' in d)) d.claims.iss // → 'https://127.0.0.1:4578/id/…'
 */
export function decodeToken(token: string): DecodedToken | { error: string } {
  const hit = decoded.get(token);
  if (hit) return hit;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1] || parts.some((p) => !BASE64URL.test(p)))
    return { error: 'not three base64url segments' };
  let d: DecodedToken;
  try {
    d = deepFreeze({
      header: jsonObject(parts[0], 'the JOSE header'),
      claims: jsonObject(parts[1], 'the claims set'),
    });
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  if (decoded.size >= CACHE_MAX) decoded.clear();
  decoded.set(token, d);
  return d;
}

/**
 * Tokens whose signature verified, with the key that verified it. Bounded: cleared when full.
 * INVARIANT: only successful verifications are kept, and a hit still needs the same key object
 * in the current key set, so a key removed from the JWKS (or a refetched set) verifies afresh.
 */
const verified = new Map<string, { jwk: JWK; alg: WebIdentityAlg }>();

/** Imported public keys, per JWK object (JWKS entries are cached objects). */
const imported = new WeakMap<JWK, KeyObject>();

const HASH: Record<WebIdentityAlg, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};
/** RFC 7518 §3.4: each ES algorithm has its one curve (node:crypto's names) */
const CURVE: Partial<Record<WebIdentityAlg, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};
/** RFC 7518 §3.3: RSA keys of at least 2048 bits */
const MIN_RSA_BITS = 2048;

function importPublic(jwk: JWK): KeyObject {
  let key = imported.get(jwk);
  if (!key) {
    // a public KeyObject whatever the JWK holds: createPublicKey reads the public members
    // only, so a JWKS that leaks `d` never turns into a private key here
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
    imported.set(jwk, key);
  }
  return key;
}

/** Verifies one signature; throws with the reason when it does not. */
function verifyWith(jwk: JWK, alg: WebIdentityAlg, signed: Buffer, signature: Buffer): void {
  const key = importPublic(jwk);
  if (alg.startsWith('RS')) {
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`${alg} needs an RSA key`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new Error(`${alg} requires key modulusLength to be ${MIN_RSA_BITS} bits or larger`);
  } else {
    if (key.asymmetricKeyType !== 'ec') throw new Error(`${alg} needs an EC key`);
    // a P-384 key must not verify a token that says ES256 (nor any other pairing)
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== CURVE[alg])
      throw new Error(
        `${alg} needs a key on curve ${CURVE[alg]}, not ${curve ?? 'an unnamed curve'}`,
      );
  }
  const ok = verify(
    HASH[alg],
    signed,
    alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key,
    signature,
  );
  if (!ok) throw new Error('signature verification failed');
}

/**
 * Whether one of `keys` verifies the token's signature with `alg` (and only `alg`: the
 * token's header must name it).
 *
 * @example
 * const r = await verifySignature(token, candidates, 'RS256');
 * if (!r.ok) console.log(r.reasons);
 */
export async function verifySignature(
  token: string,
  keys: readonly JWK[],
  alg: WebIdentityAlg,
): Promise<{ ok: true; kid?: string | undefined } | { ok: false; reasons: string[] }> {
  // the same token comes back until the kubelet refreshes it (every SDK client re-assumes):
  // a signature once verified with a key that is still in the issuer's key set stays valid
  const known = verified.get(token);
  if (known && known.alg === alg && keys.includes(known.jwk))
    return { ok: true, kid: known.jwk.kid };
  const d = decodeToken(token);
  if ('error' in d) return { ok: false, reasons: [d.error] };
  if (d.header.alg !== alg)
    return { ok: false, reasons: [`the token's header names alg ${String(d.header.alg)}`] };
  const dot = token.lastIndexOf('.');
  const signed = Buffer.from(token.slice(0, dot), 'latin1');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const reasons: string[] = [];
  for (const jwk of keys) {
    try {
      verifyWith(jwk, alg, signed, signature);
      if (verified.size >= CACHE_MAX) verified.clear();
      verified.set(token, { jwk, alg });
      return { ok: true, kid: jwk.kid };
    } catch (e) {
      reasons.push(`${jwk.kid ?? '(no kid)'}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { ok: false, reasons };
}

/** A NumericDate claim: absent, an integer, or `null` when it is there but not an integer. */
export function integerClaim(claims: Claims, name: string): number | undefined | null {
  const v = claims[name];
  if (v === undefined) return undefined;
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/** `aud` as a list; undefined when it is neither a string nor an array of strings. */
export function audiencesOf(aud: unknown): string[] | undefined {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string')) return aud;
  return undefined;
}
