/**
 * Secret values at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server key,
 * with the secret's ARN and version id as associated data, so a sealed value cannot be moved
 * to another secret or version unnoticed. The server key lives in the same store, so this
 * keeps values out of the database file's plain text (a copied row, a grep, a backup
 * excerpt), not away from someone holding the whole data folder.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import type { SealedValue } from './types.js';

const INFO = 'irsakit secretsmanager secret values v1';

/** A sealer and opener over one derived key. */
export interface ValueSeal {
  seal(plain: Buffer, kind: SealedValue['kind'], aad: string): SealedValue;
  open(v: SealedValue, aad: string): Buffer;
}

/**
 * Derives the value key from the server key.
 *
 * @example
 * const seal = createValueSeal(serverKey.bytes(), randomBytes);
 * const v = seal.seal(Buffer.from('hunter2'), 'string', `${arn}\n${versionId}`);
 */
export function createValueSeal(
  serverKey: Uint8Array,
  random: (n: number) => Uint8Array,
): ValueSeal {
  const key = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), INFO, 32));
  return {
    seal(plain, kind, aad) {
      const iv = Buffer.from(random(12));
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(aad, 'utf8'));
      const data = Buffer.concat([c.update(plain), c.final()]);
      return {
        kind,
        iv: iv.toString('base64'),
        data: data.toString('base64'),
        tag: c.getAuthTag().toString('base64'),
      };
    },
    open(v, aad) {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(v.iv, 'base64'));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(Buffer.from(v.tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(v.data, 'base64')), d.final()]);
    },
  };
}
