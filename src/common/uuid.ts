/**
 * Random (version 4) UUIDs from an injected source of random bytes, so that ids are
 * reproducible under a seeded source in tests.
 */

/**
 * A version 4 UUID (RFC 9562 §5.4) made from 16 bytes of `random`.
 *
 * @example
 * uuidV4((n) => new Uint8Array(n)) // → '00000000-0000-4000-8000-000000000000'
 */
export function uuidV4(random: (n: number) => Uint8Array): string {
  const b = Buffer.from(random(16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
