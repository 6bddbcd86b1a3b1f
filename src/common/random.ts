/**
 * Node's CSPRNG drawn in blocks, for the many small random values a request needs (key ids,
 * nonces, request and event ids).
 */
import { randomFillSync } from 'node:crypto';

/** bytes of the random pool: one `randomFillSync` serves this many small draws */
const POOL_BYTES = 8192;

/**
 * Node's CSPRNG drawn in blocks: a key id and a nonce cost a slice of a pooled buffer instead
 * of a `randomBytes` call each. Every byte is handed out once, as a copy.
 *
 * @example
 * const random = pooledRandom();
 * random(12).length // → 12
 */
export function pooledRandom(poolBytes = POOL_BYTES): (n: number) => Uint8Array {
  const pool = Buffer.allocUnsafe(poolBytes);
  let used = poolBytes;
  return (n) => {
    if (n > poolBytes) return randomFillSync(new Uint8Array(n));
    if (used + n > poolBytes) {
      randomFillSync(pool);
      used = 0;
    }
    const out = new Uint8Array(n);
    out.set(pool.subarray(used, used + n));
    used += n;
    return out;
  };
}

const idRandom = pooledRandom();

/**
 * A time-ordered UUID (version 7: 48 bits of Unix milliseconds, then random bits), for request
 * and event ids: the audit index holds both, and ids that grow with time are inserted at the
 * end of its B-trees (one page written per batch) instead of at a random page per record.
 *
 * @example
 * timeOrderedUuid(new Date('2026-01-01T00:00:00Z')) // → '019b76da-a800-7…'
 */
export function timeOrderedUuid(now: Date = new Date(), random: Uint8Array = idRandom(10)): string {
  const b = Buffer.allocUnsafe(16);
  b.writeUIntBE(now.getTime(), 0, 6);
  b.set(random.subarray(0, 10), 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
