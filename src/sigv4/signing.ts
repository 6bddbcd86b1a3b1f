/**
 * The cryptographic half of SigV4 (spec/aws-wire.md §8.3): the string to sign, the signing
 * key chain kDate → kRegion → kService → kSigning, the signature, and a constant-time
 * comparison. HMAC-SHA256 and SHA-256 come from node:crypto.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ALGORITHM, KEY_PREFIX, SCOPE_TERMINATOR } from './constants.js';
import type { CredentialScope } from './types.js';

/** node ≥ 20.12's one-shot `crypto.hash` (no Hash object per call), when there */
const oneShot = (
  nodeCrypto as { hash?: (alg: string, data: Uint8Array | string, enc: 'hex') => string }
).hash;

/** Hex SHA-256 of bytes or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

export function hmacSha256(key: Uint8Array | string, data: Uint8Array | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * `<date>/<region>/<service>/aws4_request`.
 *
 * @example
 * scopeString({ date: '20150830', region: 'us-east-1', service: 'iam' }) // → '20150830/us-east-1/iam/aws4_request'
 */
export function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/${SCOPE_TERMINATOR}`;
}

/**
 * The string to sign of a canonical request (given as a byte string, see
 * `buildCanonicalRequest`).
 *
 * @example
 * stringToSign('20150830T123600Z', scope, canonical.bytes)
 * // → 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n<hex sha256>'
 */
export function stringToSign(
  amzDate: string,
  scope: CredentialScope,
  canonicalRequestBytes: string,
): string {
  return [
    ALGORITHM,
    amzDate,
    scopeString(scope),
    sha256Hex(Buffer.from(canonicalRequestBytes, 'latin1')),
  ].join('\n');
}

/**
 * kSigning for a scope. Secret material: never log it, never put it in an error.
 *
 * @example
 * const key = deriveSigningKey(secret, { date: '20150830', region: 'us-east-1', service: 'iam' });
 */
export function deriveSigningKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  // the chain is a pure function of the secret and the scope, and a client signs every request
  // of a day with the same one: kept in memory only, bounded
  const id = `${secretAccessKey}\n${scope.date}\n${scope.region}\n${scope.service}`;
  const known = signingKeys.get(id);
  if (known) return Buffer.from(known);
  const key = deriveUncached(secretAccessKey, scope);
  if (signingKeys.size >= SIGNING_KEYS_MAX) signingKeys.clear();
  signingKeys.set(id, Buffer.from(key));
  return key;
}

const SIGNING_KEYS_MAX = 10_000;
const signingKeys = new Map<string, Buffer>();

function deriveUncached(secretAccessKey: string, scope: CredentialScope): Buffer {
  const kDate = hmacSha256(`${KEY_PREFIX}${secretAccessKey}`, scope.date);
  const kRegion = hmacSha256(kDate, scope.region);
  const kService = hmacSha256(kRegion, scope.service);
  return hmacSha256(kService, SCOPE_TERMINATOR);
}

/** hex(HMAC-SHA256(kSigning, text)). */
export function signatureHex(signingKey: Uint8Array, text: string): string {
  return hmacSha256(signingKey, text).toString('hex');
}

/**
 * Compares a computed hex signature with the one the request carries, in time independent
 * of where they differ.
 *
 * @example
 * signaturesEqual(expected, provided) // → true only for identical strings
 */
export function signaturesEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(provided, 'latin1');
  // the expected length is public (always 64), so a length check leaks nothing
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
