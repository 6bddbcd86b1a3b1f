import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, compareValues } from './attribute-value.js';
import { crc32, crc32Table } from './crc32.js';
import { canonicalNumber } from './decimal.js';
import { encodeKeyValue, encodeNumber, itemStoreKey, partitionPrefix } from './key-codec.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('order-preserving key encoding', () => {
  it('orders numbers numerically, including precision a double loses', () => {
    const sorted = [
      '-9.9999999999999999999999999999999999999E+125',
      '-100',
      '-99.999',
      '-1.55',
      '-1.5',
      '-1E-130',
      '0',
      '1E-130',
      '0.09',
      '0.1',
      '1.5',
      '1.55',
      '99999999999999999999999999999999999998',
      '99999999999999999999999999999999999999',
      '9.9999999999999999999999999999999999999E+125',
    ];
    const enc = sorted.map(encodeNumber);
    expect([...enc].sort(cmp)).toEqual(enc);
  });

  it('agrees with numeric comparison on random decimals', () => {
    const num = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,20}$/), fc.integer({ min: -60, max: 60 }))
      .map(([neg, digits, e]) => canonicalNumber(`${neg ? '-' : ''}${digits}E${e}`));
    fc.assert(
      fc.property(num, num, (a, b) => {
        const byValue = compareValues({ N: a }, { N: b });
        expect(cmp(encodeNumber(a), encodeNumber(b))).toBe(byValue);
      }),
    );
  });

  it('orders strings by UTF-8 bytes, as DynamoDB does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a), Buffer.from(b));
        expect(compareUtf8(a, b)).toBe(bytes);
        expect(cmp(encodeKeyValue({ S: a }), encodeKeyValue({ S: b }))).toBe(bytes);
      }),
    );
    // U+FF5E sorts before U+1F600 in UTF-8, after its surrogates in UTF-16
    expect(compareUtf8('\uff5e', '😀')).toBe(-1);
    expect('\uff5e' < '😀').toBe(false);
  });

  it('builds partition prefixes that no other partition shares', () => {
    const a = partitionPrefix('t', { S: 'a' });
    expect(itemStoreKey('t', { S: 'a' }, { N: '1' }).startsWith(a)).toBe(true);
    expect(itemStoreKey('t', { S: 'ab' }, { N: '1' }).startsWith(a)).toBe(false);
    expect(itemStoreKey('t', { N: '10' })).toBe('t/C2021');
    expect(encodeKeyValue({ B: Buffer.from([0, 255]).toString('base64') })).toBe('00ff');
  });

  it('computes CRC-32 like zlib', () => {
    expect(crc32('hello')).toBe(907060870);
    expect(crc32Table('hello')).toBe(907060870);
    expect(crc32Table('{"TableNames":[]}')).toBe(crc32('{"TableNames":[]}'));
  });
});
