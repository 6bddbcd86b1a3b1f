import { describe, expect, it } from 'vitest';
import { uuidV4 } from './uuid.js';

describe('uuidV4', () => {
  it('sets the version and variant bits of the random bytes', () => {
    expect(uuidV4((n) => new Uint8Array(n))).toBe('00000000-0000-4000-8000-000000000000');
    expect(uuidV4((n) => new Uint8Array(n).fill(0xff))).toBe(
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
    );
  });
});
