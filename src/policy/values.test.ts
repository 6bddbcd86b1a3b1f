/**
 * Typed condition values (spec/iam-policy.md §7): numbers (10 == 10.0), dates in every W3C
 * ISO 8601 form plus epoch seconds and zones, IPv4/IPv6 addresses and CIDRs, base64.
 * AWS page: reference_policies_elements_condition_operators.html; W3C profile:
 * https://www.w3.org/TR/NOTE-datetime
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalBase64,
  cidrContains,
  parseCidr,
  parseDate,
  parseIp,
  parseNumber,
} from './values.js';

describe('parseNumber', () => {
  it.each<[string, number]>([
    ['10', 10],
    ['10.0', 10],
    ['010', 10],
    ['+5', 5],
    ['-3.25', -3.25],
    ['.5', 0.5],
    ['5.', 5],
    ['0', 0],
    ['123456789012', 123456789012],
  ])('%j → %d', (s, n) => {
    expect(parseNumber(s)).toBe(n);
  });
  it('10 equals 10.0', () => {
    expect(parseNumber('10')).toBe(parseNumber('10.0'));
  });
  it.each(['', 'ten', '1,5', '1 0', '0x10', '--1', '.', ' 1', 'NaN', 'Infinity'])(
    '%j is not a number',
    (s) => {
      expect(parseNumber(s)).toBeNaN();
    },
  );
});

describe('parseDate', () => {
  const T = Date.UTC(2020, 0, 1);
  it.each<[string, number]>([
    // W3C profile of ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, hh:mm, hh:mm:ss, fractions, zones
    ['2020-01', T],
    ['2020-01-01', T],
    ['2020-01-01T00:00Z', T],
    ['2020-01-01T00:00:00Z', T],
    ['2020-01-01T00:00:00.000Z', T],
    ['2020-01-01T00:00:00.5Z', T + 500],
    ['2020-01-01T01:00+01:00', T],
    ['2020-01-01T02:00:00+02:00', T],
    ['2019-12-31T19:00:00-05:00', T],
    ['2019-12-31T18:30:00-05:30', T],
    ['2020-06-30T23:59:59Z', Date.UTC(2020, 5, 30, 23, 59, 59)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    // epoch seconds
    ['1577836800', T],
    ['0', 0],
    // engine choice: an all-digit string is epoch seconds, never a year
    ['2019', 2019_000],
  ])('%j', (s, ms) => {
    expect(parseDate(s)).toBe(ms);
  });
  it('epoch seconds and ISO forms of one instant are equal', () => {
    expect(parseDate('1577836800')).toBe(parseDate('2020-01-01T00:00:00Z'));
  });
  it.each([
    '',
    'yesterday',
    '2020-13-01',
    '2020-00-10',
    '2019-02-29',
    '2020-04-31',
    '2020-01-01T24:00:00Z',
    '2020-01-01T10:60Z',
    '2020-01-01T00:00:00+25:00',
    '2020/01/01',
    '01-01-2020',
  ])('%j is not a date', (s) => {
    expect(parseDate(s)).toBeNaN();
  });
});

describe('parseCidr / parseIp / cidrContains', () => {
  const inRange = (range: string, ip: string) => {
    const r = parseCidr(range);
    const a = parseIp(ip);
    return !!r && !!a && cidrContains(r, a);
  };
  it.each<[string, string, boolean]>([
    ['203.0.113.0/24', '203.0.113.0', true],
    ['203.0.113.0/24', '203.0.113.255', true],
    ['203.0.113.0/24', '203.0.114.0', false],
    // a bare IPv4 address is a /32 [doc]
    ['203.0.113.7', '203.0.113.7', true],
    ['203.0.113.7', '203.0.113.6', false],
    ['203.0.113.7/32', '203.0.113.7', true],
    ['10.1.2.3/8', '10.255.255.255', true],
    ['10.0.0.0/9', '10.128.0.1', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    // IPv6 with :: compression and hex case
    ['2001:DB8:1234:5678::/64', '2001:db8:1234:5678::1', true],
    ['2001:DB8:1234:5678::/64', '2001:0db8:1234:5678:ffff:ffff:ffff:ffff', true],
    ['2001:db8:1234:5678::/64', '2001:db8:1234:5679::', false],
    ['2001:db8::/32', '2001:0DB8:0000:0000:0000:0000:0000:0001', true],
    ['2001:db8::1', '2001:db8:0:0:0:0:0:1', true],
    ['2001:db8::1', '2001:db8::2', false],
    ['::/0', '::1', true],
    ['::1', '::1', true],
    // families never mix
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::/0', '203.0.113.1', false],
  ])('%s contains %s → %s', (range, ip, expected) => {
    expect(inRange(range, ip)).toBe(expected);
  });
  it.each([
    '',
    'localhost',
    '203.0.113.0/33',
    '203.0.113.0/',
    '203.0.113/24',
    '256.0.0.1',
    '2001:db8::/129',
    '1.2.3.4/-1',
    '::g',
  ])('%j is not a range', (s) => {
    expect(parseCidr(s)).toBeUndefined();
  });
  it.each(['', '10.0.0.0/8', 'localhost', '1.2.3', '2001:db8::/64'])(
    '%j is not an address',
    (s) => {
      expect(parseIp(s)).toBeUndefined();
    },
  );
  it('a bare IPv6 address is a /128', () => {
    expect(parseCidr('2001:db8::1')?.prefix).toBe(128);
    expect(parseCidr('192.0.2.1')?.prefix).toBe(32);
  });
});

describe('canonicalBase64', () => {
  it.each<[string, string]>([
    ['QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'QmluYXJ5VmFsdWVJbkJhc2U2NA=='],
    ['YQ==', 'YQ=='],
    ['YWI=', 'YWI='],
    ['YWJj', 'YWJj'],
    ['', ''],
  ])('%j → %j', (s, canonical) => {
    expect(canonicalBase64(s)).toBe(canonical);
  });
  it('compares bytes: the same bytes have the same canonical form', () => {
    expect(canonicalBase64('YQ')).toBe(canonicalBase64('YQ=='));
  });
  it.each(['!!!', 'Y', 'YQ=', 'Y Q==', 'YQ==YQ==', 'Y-Q_'])('%j is not base64', (s) => {
    expect(canonicalBase64(s)).toBeUndefined();
  });
});
