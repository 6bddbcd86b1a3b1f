import { describe, expect, it } from 'vitest';
import { isoEpochSeconds, isoSeconds } from './times.js';

describe('AWS timestamps to the second', () => {
  it('drops the milliseconds, the same second formatted alike however it is given', () => {
    expect(isoSeconds(new Date('2024-05-01T13:00:00.250Z'))).toBe('2024-05-01T13:00:00Z');
    expect(isoSeconds(new Date('2024-05-01T13:00:00.999Z'))).toBe('2024-05-01T13:00:00Z');
    expect(isoEpochSeconds(1714568400)).toBe('2024-05-01T13:00:00Z');
    // before 1970 the second is still the one the time falls in
    expect(isoSeconds(new Date(-500))).toBe('1969-12-31T23:59:59Z');
    // a fractional NumericDate (a JWT's exp) as the second it names
    expect(isoEpochSeconds(1714568400.5)).toBe('2024-05-01T13:00:00Z');
  });

  it('refuses an invalid time as toISOString does, and keeps nothing of it', () => {
    expect(() => isoSeconds(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoEpochSeconds(Number.NaN)).toThrow(RangeError);
    // and a later valid second of the same cache is still formatted
    expect(isoEpochSeconds(0)).toBe('1970-01-01T00:00:00Z');
  });
});
