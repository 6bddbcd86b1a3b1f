/**
 * Signing keys and their public forms, as kube-apiserver sees them (spec/kubernetes.md §1.1,
 * §2). Mirrors `pkg/serviceaccount/jwt.go` (`keyIDFromPublicKey`, the `alg` per key type) and
 * the JWK shape go-jose writes for `pkg/serviceaccount/openidmetadata.go`:
 *
 * - `kid` = base64url without padding of SHA-256 over the DER SubjectPublicKeyInfo: one-way,
 *   43 characters, the same for every verification key;
 * - RSA keys sign RS256 whatever their size; ECDSA P-256/P-384/P-521 sign ES256/ES384/ES512;
 * - a JWK is `{use, kty, kid, alg, n, e}` (RSA) or `{use, kty, kid, crv, alg, x, y}` (EC), in
 *   go-jose's field order.
 *
 * Key generation uses node:crypto; JWK export uses jose.
 */
import { createHash, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { exportJWK } from 'jose';
import { IssuerError } from './errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The algorithms a service-account key signs with. */
export const SIGNING_ALGS = ['RS256', 'ES256', 'ES384', 'ES512'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** The algorithms the key ring generates keys for. */
export const GENERATED_ALGS = ['RS256', 'ES256'] as const;
export type GeneratedAlg = (typeof GENERATED_ALGS)[number];

/** A public key as a JWKS entry, in go-jose's field order. */
export type PublicJwk =
  | { use: 'sig'; kty: 'RSA'; kid: string; alg: 'RS256'; n: string; e: string }
  | {
      use: 'sig';
      kty: 'EC';
      kid: string;
      crv: 'P-256' | 'P-384' | 'P-521';
      alg: 'ES256' | 'ES384' | 'ES512';
      x: string;
      y: string;
    };

/** A freshly generated key pair, PEM-encoded (PKCS#8 private, SPKI public). */
export interface GeneratedKey {
  kid: string;
  alg: GeneratedAlg;
  privateKeyPem: string;
  publicKeyPem: string;
}

const CURVE_ALG: Partial<
  Record<string, { alg: 'ES256' | 'ES384' | 'ES512'; crv: 'P-256' | 'P-384' | 'P-521' }>
> = {
  prime256v1: { alg: 'ES256', crv: 'P-256' },
  secp384r1: { alg: 'ES384', crv: 'P-384' },
  secp521r1: { alg: 'ES512', crv: 'P-521' },
};

/** Accepts a KeyObject or any PEM node can read a public key from (SPKI, PKCS#1, cert, private). */
function toPublicKey(key: KeyObject | string): KeyObject {
  if (typeof key !== 'string') return key.type === 'private' ? createPublicKey(key) : key;
  try {
    return createPublicKey(key);
  } catch (e) {
    throw new IssuerError('InvalidKey', 'not a readable public key', { cause: e });
  }
}

/**
 * The key id kube-apiserver gives a public key: base64url-nopad(SHA-256(DER SPKI)).
 *
 * @example
 * keyId(publicKeyPem) // → 'f4BCo8sIhw7DXsbOVpFmSCSBR9JydX-XMiEd9M8MU0Y' (43 characters)
 */
export function keyId(key: KeyObject | string): string {
  const der = toPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The JWS algorithm kube-apiserver signs with for this key, or an `UnsupportedKey` error:
 * RS256 for every RSA key, ES256/384/512 for the NIST curves, nothing else.
 *
 * @example
 * signingAlgFor(rsaPublicKeyPem) // → 'RS256'
 */
export function signingAlgFor(key: KeyObject | string): SigningAlg {
  const pub = toPublicKey(key);
  if (pub.asymmetricKeyType === 'rsa') return 'RS256';
  if (pub.asymmetricKeyType === 'ec') {
    const curve = pub.asymmetricKeyDetails?.namedCurve ?? '';
    const known = CURVE_ALG[curve];
    if (known) return known.alg;
    throw new IssuerError(
      'UnsupportedKey',
      `unsupported elliptic curve \`${curve}\`: service-account keys use P-256, P-384 or P-521`,
    );
  }
  throw new IssuerError(
    'UnsupportedKey',
    `unsupported key type \`${pub.asymmetricKeyType ?? 'unknown'}\`: service-account keys are RSA or ECDSA`,
  );
}

/**
 * The JWKS entry for a public key, as kube-apiserver serves it. `kid` defaults to
 * `keyId(key)`; pass `''` for the empty-kid duplicate of the self-hosted recipe (§6).
 *
 * @example
 * await publicJwk(publicKeyPem)
 * // → { use: 'sig', kty: 'RSA', kid: 'f4BC…', alg: 'RS256', n: '…', e: 'AQAB' }
 */
export async function publicJwk(key: KeyObject | string, kid?: string): Promise<PublicJwk> {
  const pub = toPublicKey(key);
  const alg = signingAlgFor(pub);
  const jwk = await exportJWK(pub);
  const id = kid ?? keyId(pub);
  if (alg === 'RS256') {
    return { use: 'sig', kty: 'RSA', kid: id, alg, n: jwk.n as string, e: jwk.e as string };
  }
  const curve = CURVE_ALG[pub.asymmetricKeyDetails?.namedCurve ?? ''];
  if (!curve) throw new TypeError('unreachable: signingAlgFor accepted an unknown curve');
  return {
    use: 'sig',
    kty: 'EC',
    kid: id,
    crv: curve.crv,
    alg: curve.alg,
    x: jwk.x as string,
    y: jwk.y as string,
  };
}

/**
 * Generates a signing key: RSA-2048 for RS256 (the default, as kubeadm's `sa.key`), ECDSA
 * P-256 for ES256.
 *
 * @example
 * const key = await generateSigningKey('ES256');
 * key.kid.length // → 43
 */
export async function generateSigningKey(alg: GeneratedAlg = 'RS256'): Promise<GeneratedKey> {
  const pair =
    alg === 'RS256'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : alg === 'ES256'
        ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
        : undefined;
  if (!pair) throw new IssuerError('InvalidOption', `cannot generate keys for \`${String(alg)}\``);
  return {
    kid: keyId(pair.publicKey),
    alg,
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}
