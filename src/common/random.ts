/**
 * Node's CSPRNG drawn in blocks, for the many small random values a request needs (key ids,
 * nonces, event ids).
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
