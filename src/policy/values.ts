/**
 * Typed condition values (spec/iam-policy.md §7): numbers, dates, IP ranges, base64 binary.
 * Each parser returns a comparable form, or a "no value" marker (NaN / undefined) that no
 * comparison accepts.
 */
import ipaddr from 'ipaddr.js';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Integers or decimals: `10` equals `10.0`. NaN when `s` is not a number. */
export function parseNumber(s: string): number {
  return NUMBER.test(s) ? Number(s) : Number.NaN;
}

const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;
const ISO =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?)?(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;
const BASIC =
  /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch for a date in any form AWS accepts: the W3C profile of
 * ISO 8601 (`2026`, `2026-11`, `2026-11-22`, `2026-11-22T10:00Z`, `…:00+02:00`, `…:00.123Z`),
 * the basic form `20261122T100000Z`, or epoch seconds. A time without a zone is UTC.
 * NaN when `s` is none of these.
 *
 * @example
 * parseDate('2020-01-01T00:00:00Z') === parseDate('1577836800') // → true
 */
export function parseDate(s: string): number {
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = ISO.exec(s) ?? BASIC.exec(s);
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && !leap ? 28 : (DAYS[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > maxDay) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (m[7] !== undefined) ms += Number(`0.${m[7]}`) * 1000;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (zh > 23 || zm > 59) return Number.NaN;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}

/** An IP range: family, network bytes, prefix length. */
export interface Cidr {
  v6: boolean;
  bytes: number[];
  prefix: number;
}

/**
 * Parses an address or CIDR. A bare IPv4 address is a /32, a bare IPv6 address a /128;
 * an IPv4-mapped IPv6 address is its IPv4 address.
 */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const max = addr.v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
    // an IPv4-mapped IPv6 range narrows to its IPv4 part
    if (addr.mapped) prefix = prefix >= 96 ? prefix - 96 : -1;
    if (prefix < 0) return undefined;
  }
  return { v6: addr.v6, bytes: addr.bytes, prefix };
}

/** Parses a single address; undefined for anything else. */
export function parseIp(s: string): Cidr | undefined {
  const a = parseAddress(s);
  return a ? { v6: a.v6, bytes: a.bytes, prefix: a.v6 ? 128 : 32 } : undefined;
}

function parseAddress(s: string): { v6: boolean; bytes: number[]; mapped: boolean } | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) {
    return { v6: false, bytes: ipaddr.IPv4.parse(s).toByteArray(), mapped: false };
  }
  if (s.includes(':') && ipaddr.IPv6.isValid(s)) {
    const a = ipaddr.IPv6.parse(s);
    if (a.isIPv4MappedAddress()) {
      return { v6: false, bytes: a.toIPv4Address().toByteArray(), mapped: true };
    }
    return { v6: true, bytes: a.toByteArray(), mapped: false };
  }
  return undefined;
}

/** Whether address `ip` lies in `range`. */
export function cidrContains(range: Cidr, ip: Cidr): boolean {
  if (range.v6 !== ip.v6) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((range.bytes[i] ?? 0) & mask) !== ((ip.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** The canonical base64 of the bytes `s` encodes, or undefined when `s` is not base64. */
export function canonicalBase64(s: string): string | undefined {
  if (!BASE64.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('base64');
}
