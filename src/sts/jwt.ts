/**
 * The JOSE pieces both token checks share (web identity for STS, pod identity for EKS Auth):
 * decoding a compact JWS without trusting it, and verifying its signature with candidate
 * JWKs for one of the accepted algorithms. jose does the cryptography; only the public
 * members of a JWK are ever imported, and nothing here reads `jku`, `x5u` or `jwk` headers.
 */
import {
  compactVerify,
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  type JWK,
} from 'jose';
import type { WebIdentityAlg } from './oidc-keys.js';

export type Claims = Record<string, unknown>;

/** Header and claims of a compact JWS, unverified; undefined when it is not a JWT. */
export function decodeToken(token: string): { header: Claims; claims: Claims } | { error: string } {
  const parts = token.split('.');
  if (
    parts.length !== 3 ||
    !parts[0] ||
    !parts[1] ||
    parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))
  )
    return { error: 'not three base64url segments' };
  try {
    return {
      header: decodeProtectedHeader(token) as Claims,
      claims: decodeJwt(token) as Claims,
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Tokens whose signature verified, with the key that verified it. Bounded: cleared when full.
 * INVARIANT: only successful verifications are kept, and a hit still needs the same key object
 * in the current key set, so a key removed from the JWKS (or a refetched set) verifies afresh.
 */
const VERIFIED_MAX = 10_000;
const verified = new Map<string, { jwk: JWK; alg: WebIdentityAlg }>();

/** Imported public keys, per JWK object and algorithm (JWKS entries are cached objects). */
const imported = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();

function importPublic(jwk: JWK, alg: WebIdentityAlg): Promise<CryptoKey | Uint8Array> {
  let byAlg = imported.get(jwk);
  if (!byAlg) {
    byAlg = new Map();
    imported.set(jwk, byAlg);
  }
  let p = byAlg.get(alg);
  if (!p) {
    // only the public members: a JWKS that leaks `d` must not turn into a private key here
    const { kty, n, e, crv, x, y } = jwk;
    p = importJWK({ kty, n, e, crv, x, y }, alg);
    byAlg.set(alg, p);
  }
  return p;
}

/**
 * Whether one of `keys` verifies the token's signature with `alg` (and only `alg`).
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
  const reasons: string[] = [];
  for (const jwk of keys) {
    try {
      await compactVerify(token, await importPublic(jwk, alg), { algorithms: [alg] });
      if (verified.size >= VERIFIED_MAX) verified.clear();
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
