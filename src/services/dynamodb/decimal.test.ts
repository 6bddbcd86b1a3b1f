import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DECIMAL_TEXT,
  addDecimal,
  compareDecimal,
  formatDecimal,
  parseDecimal,
} from './decimal.js';

function d(text: string) {
  const r = parseDecimal(text);
  if (!r.ok) throw new Error(`${text}: ${r.problem}`);
  return r.value;
}

describe('DynamoDB numbers', () => {
  it.each([
    ['0', '0'],
    ['-0', '0'],
    ['00042', '42'],
    ['1.0', '1'],
    ['3.1400', '3.14'],
    ['1.5E2', '150'],
    ['1e2', '100'],
    ['+7', '7'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-0.000123', '-0.000123'],
    ['1E-38', '0.00000000000000000000000000000000000001'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    [
      '9.9999999999999999999999999999999999999E+125',
      `99999999999999999999999999999999999999${'0'.repeat(88)}`,
    ],
    ['1E-130', `0.${'0'.repeat(129)}1`],
  ])('%s is stored as %s', (text, canonical) => {
    expect(formatDecimal(d(text))).toBe(canonical);
  });

  it.each([
    ['abc', 'not-a-number'],
    ['', 'not-a-number'],
    ['.', 'not-a-number'],
    ['1e', 'not-a-number'],
    ['NaN', 'not-a-number'],
    ['Infinity', 'not-a-number'],
    ['1 ', 'not-a-number'],
    ['1E+126', 'overflow'],
    ['-1E+126', 'overflow'],
    ['1E-131', 'underflow'],
    ['1e99999999999999999999', 'overflow'],
    ['123456789012345678901234567890123456789', 'too-many-digits'],
  ])('%s is refused (%s)', (text, problem) => {
    const r = parseDecimal(text);
    expect(r).toEqual({ ok: false, problem });
    expect(DECIMAL_TEXT[problem as keyof typeof DECIMAL_TEXT]).toBeTruthy();
  });

  it('keeps digits a double would lose', () => {
    const a = d('12345678901234567890123456789012345678');
    const b = d('12345678901234567890123456789012345679');
    expect(compareDecimal(a, b)).toBe(-1);
    expect(formatDecimal(addDecimal(a, d('1')))).toBe('12345678901234567890123456789012345679');
  });

  it.each([
    ['1', '2', -1],
    ['2', '1', 1],
    ['1.0', '1', 0],
    ['-1', '1', -1],
    ['-2', '-1', -1],
    ['0', '-0', 0],
    ['0.1', '0.09', 1],
    ['100', '99.999', 1],
    ['-100', '-99.999', -1],
    ['1E-130', '0', 1],
  ])('compare(%s, %s) = %d', (a, b, r) => {
    expect(compareDecimal(d(a), d(b))).toBe(r);
  });

  it.each([
    ['1', '2', false, '3'],
    ['0.1', '0.2', false, '0.3'],
    ['5', '7', true, '-2'],
    ['-1.5', '1.5', false, '0'],
    ['1E+20', '1', false, '100000000000000000001'],
    ['0', '-3', false, '-3'],
  ])('%s %s %s = %s', (a, b, negate, sum) => {
    expect(formatDecimal(addDecimal(d(a), d(b), negate))).toBe(sum);
  });

  it('equal negative numbers compare 0, not -0 (found by the property below)', () => {
    expect(Object.is(compareDecimal(d('-2147483644'), d('-2147483644')), 0)).toBe(true);
    expect(compareDecimal(d('-1.50'), d('-1.5'))).toBe(0);
  });

  it('orders like doubles for numbers doubles represent exactly', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (x, y) => {
        expect(compareDecimal(d(String(x)), d(String(y)))).toBe(Math.sign(x - y));
        expect(formatDecimal(addDecimal(d(String(x)), d(String(y))))).toBe(String(x + y));
      }),
    );
  });
});
