/**
 * Stateless temporary credentials (DESIGN.md "Credentials without a lookup"; shapes of
 * spec/aws-wire.md §3.6):
 *
 * - the access key id is `ASIA` + 16 random characters of `[A-Z2-7]`;
 * - the secret access key is derived from the access key id: the first 40 characters of
 *   base64(HMAC-SHA256(k_secret, access key id)), so any replica holding the server key can
 *   verify a SigV4 signature without a lookup;
 * - the session token is base64 of `version ‖ nonce ‖ AES-256-GCM(k_seal, session) ‖ tag`,
 *   with the access key id as additional authenticated data: a token opens only with the
 *   key id it was issued with, and any change to it fails authentication.
 *
 * k_secret and k_seal are HKDF-SHA256 expansions of the 32-byte server key under distinct
 * labels, so the two uses never share a key. Revocation is AWS's: a deny on
 * `aws:TokenIssueTime`, evaluated by the policy engine.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import { isoEpochSeconds } from '../common/times.js';
import { pooledRandom } from '../common/random.js';
import { deepFreeze } from './freeze.js';
import type { ServerKey } from './server-key.js';
import type { IssuedCredentials, OpenResult, RandomSource, StsSession } from './types.js';

const TOKEN_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** `ASIA` + 16 of `[A-Z2-7]` */
export const TEMPORARY_KEY_ID = /^ASIA[A-Z2-7]{16}$/;
/** sealed tokens are far below this; a larger input is refused before decoding */
const MAX_TOKEN_CHARS = 64 * 1024;

/** sessions and secrets kept per sealer; a full map is cleared whole */
const OPENED_MAX = 10_000;
function subKey(key: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, new Uint8Array(0), `irsakit sts ${label}`, 32));
}

/** RFC 4648 base32 without padding. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function looksLikeSession(v: unknown): v is StsSession {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<StsSession>;
  return (
    s.v === 1 &&
    typeof s.account === 'string' &&
    typeof s.roleArn === 'string' &&
    typeof s.roleName === 'string' &&
    typeof s.roleId === 'string' &&
    typeof s.sessionName === 'string' &&
    typeof s.issuedAt === 'number' &&
    typeof s.expiresAt === 'number' &&
    typeof s.chained === 'boolean'
  );
}

export interface CredentialSealerOptions {
  key: ServerKey;
  clock: Clock;
  random?: RandomSource;
}

/**
 * Issues and opens temporary credentials.
 *
 * @example
 * const sealer = new CredentialSealer({ key: await loadOrCreateServerKey(store), clock: systemClock });
 * const creds = sealer.issue(session);
 * sealer.open(creds.AccessKeyId, creds.SessionToken) // → { ok: true, session }
 * sealer.secretFor(creds.AccessKeyId) === creds.SecretAccessKey // → true
 */
export class CredentialSealer {
  readonly #sealKey: Buffer;
  readonly #secretKey: Buffer;
  /**
   * Sessions already opened, by key id and token, and secrets already derived, by key id: both
   * pure functions of their inputs under this server key, kept bounded (the same credentials
   * sign request after request). Expiry is checked on every `open`, never cached.
   */
  readonly #opened = new Map<string, StsSession>();
  readonly #secrets = new Map<string, string>();
  private readonly clock: Clock;
  private readonly random: RandomSource;

  constructor(opts: CredentialSealerOptions) {
    const bytes = opts.key.bytes();
    this.#sealKey = subKey(bytes, 'session seal v1');
    this.#secretKey = subKey(bytes, 'secret access key v1');
    this.clock = opts.clock;
    this.random = opts.random ?? pooledRandom();
  }

  private bytes(n: number): Uint8Array {
    const b = this.random(n);
    if (b.length !== n) throw new TypeError(`the random source gave ${b.length} bytes, not ${n}`);
    return b;
  }

  /** A fresh temporary access key id. */
  newAccessKeyId(): string {
    return `ASIA${base32(this.bytes(10))}`;
  }

  /** The secret access key of an access key id (never log it). */
  secretFor(accessKeyId: string): string {
    const known = this.#secrets.get(accessKeyId);
    if (known !== undefined) return known;
    const secret = this.deriveSecret(accessKeyId);
    if (this.#secrets.size >= OPENED_MAX) this.#secrets.clear();
    this.#secrets.set(accessKeyId, secret);
    return secret;
  }

  private deriveSecret(accessKeyId: string): string {
    return createHmac('sha256', this.#secretKey)
      .update(accessKeyId, 'utf8')
      .digest('base64')
      .slice(0, 40);
  }

  /** Seals `session` into new credentials. */
  issue(session: StsSession): IssuedCredentials {
    const accessKeyId = this.newAccessKeyId();
    return {
      AccessKeyId: accessKeyId,
      SecretAccessKey: this.deriveSecret(accessKeyId),
      SessionToken: this.seal(accessKeyId, session),
      Expiration: isoEpochSeconds(session.expiresAt),
    };
  }

  private seal(accessKeyId: string, session: StsSession): string {
    const nonce = Buffer.from(this.bytes(NONCE_BYTES));
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, nonce, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(accessKeyId));
    const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(TOKEN_VERSION), nonce, body, cipher.getAuthTag()]).toString(
      'base64',
    );
  }

  /**
   * The session sealed in `sessionToken` for `accessKeyId`: `InvalidToken` when it was not
   * issued for this key id by this server key (forged, tampered, swapped), `ExpiredToken`
   * once its expiry has passed.
   */
  open(accessKeyId: string, sessionToken: string): OpenResult {
    const id = `${accessKeyId}\n${sessionToken}`;
    let session = this.#opened.get(id);
    if (!session) {
      session = this.unseal(accessKeyId, sessionToken);
      if (!session) return { ok: false, failure: 'InvalidToken' };
      deepFreeze(session);
      if (this.#opened.size >= OPENED_MAX) this.#opened.clear();
      this.#opened.set(id, session);
    }
    if (this.clock().getTime() >= session.expiresAt * 1000)
      return { ok: false, failure: 'ExpiredToken', session };
    return { ok: true, session };
  }

  private unseal(accessKeyId: string, sessionToken: string): StsSession | undefined {
    if (!TEMPORARY_KEY_ID.test(accessKeyId)) return undefined;
    if (sessionToken.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9+/]+={0,2}$/.test(sessionToken))
      return undefined;
    const raw = Buffer.from(sessionToken, 'base64');
    // INVARIANT: the token is exactly what seal() wrote; re-encoding must give it back
    if (raw.toString('base64') !== sessionToken) return undefined;
    if (raw.length < 1 + NONCE_BYTES + TAG_BYTES + 2 || raw[0] !== TOKEN_VERSION) return undefined;
    const nonce = raw.subarray(1, 1 + NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(1 + NONCE_BYTES, raw.length - TAG_BYTES);
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(accessKeyId));
      decipher.setAuthTag(tag);
      text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    return looksLikeSession(parsed) ? parsed : undefined;
  }
}

function aad(accessKeyId: string): Buffer {
  return Buffer.from(`irsakit-sts-session:${accessKeyId}`, 'utf8');
}
