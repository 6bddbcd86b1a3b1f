import { describe, expect, it } from 'vitest';
import { pooledRandom, timeOrderedUuid } from './random.js';

/** the reference: the same UUID through a Buffer, as RFC 9562 §5.7 lays it out */
function reference(ms: number, random: Uint8Array): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(ms, 0, 6);
  b.set(random.subarray(0, 10), 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('time-ordered UUIDs (version 7)', () => {
  it('lays out the milliseconds, version, variant and random bits as RFC 9562 does', () => {
    const random = pooledRandom();
    const times = [0, 1, 0xffff, 0x10000, 1_767_225_600_000, 2 ** 48 - 1, 8_640_000_000_000];
    for (const ms of times)
      for (let i = 0; i < 50; i++) {
        const bytes = random(10);
        expect(timeOrderedUuid(new Date(ms), bytes)).toBe(reference(ms, bytes));
      }
    expect(timeOrderedUuid(new Date('2026-01-01T00:00:00Z'), new Uint8Array(10))).toBe(
      '019b76da-a800-7000-8000-000000000000',
    );
    expect(timeOrderedUuid(new Date(0), new Uint8Array(10).fill(0xff))).toBe(
      '00000000-0000-7fff-bfff-ffffffffffff',
    );
  });

  it('draws fresh random bits for each id, and sorts by time as text', () => {
    const now = new Date('2026-12-06T23:00:00Z');
    const seen = new Set<string>();
    // more than one pool's worth, so the pool is refilled on the way
    for (let i = 0; i < 2000; i++) {
      const id = timeOrderedUuid(now);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(id.startsWith('01a24d95-e980-')).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
    const later = timeOrderedUuid(new Date(now.getTime() + 1));
    expect([later, timeOrderedUuid(now)].sort()[1]).toBe(later);
  });

  it('refuses fewer than ten random bytes', () => {
    expect(() => timeOrderedUuid(new Date(0), new Uint8Array(9))).toThrow(RangeError);
  });
});
