/**
 * Listing a bucket (ListObjectsV2 and ListObjects): keys in S3's order (UTF-8 bytes, i.e.
 * code points), a prefix, a delimiter rolling keys up into CommonPrefixes, a page of at most
 * max-keys entries (keys and prefixes together), and where the next page starts — the
 * continuation token is opaque to clients and checked when it comes back. Pure.
 */
import { invalidArgument, S3_MSG } from './errors.js';

/**
 * Compares two keys by code point (UTF-8 byte order), as S3 and the store order them; plain
 * `<` compares UTF-16 units, which puts U+E000–U+FFFF after astral characters.
 *
 * @example
 * compareKeys('\uffff', '\u{1F600}') // → negative
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

export interface ListInput {
  prefix: string;
  delimiter?: string | undefined;
  maxKeys: number;
  /** exclusive: start after this key (start-after, marker) */
  after?: string | undefined;
  /** resume after this common prefix (a continuation token that ended on one) */
  afterPrefix?: string | undefined;
}

export interface ListOutput<T> {
  contents: { key: string; value: T }[];
  commonPrefixes: string[];
  truncated: boolean;
  /** the last key or prefix on this page, where the next one starts */
  last?: { value: string; isPrefix: boolean } | undefined;
}

/**
 * One page of a listing over `items` (in key order).
 *
 * @example
 * listPage([{ key: 'a/1', value: 1 }, { key: 'a/2', value: 2 }, { key: 'b', value: 3 }],
 *   { prefix: '', delimiter: '/', maxKeys: 1000 })
 * // → { contents: [{ key: 'b', … }], commonPrefixes: ['a/'], truncated: false, … }
 */
export function listPage<T>(
  items: readonly { key: string; value: T }[],
  input: ListInput,
): ListOutput<T> {
  const out: ListOutput<T> = { contents: [], commonPrefixes: [], truncated: false };
  const { prefix, delimiter, maxKeys } = input;
  let count = 0;
  let lastPrefix: string | undefined;
  for (const item of items) {
    const key = item.key;
    if (!key.startsWith(prefix)) continue;
    if (input.after !== undefined && compareKeys(key, input.after) <= 0) continue;
    if (input.afterPrefix !== undefined && key.startsWith(input.afterPrefix)) continue;
    let common: string | undefined;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) common = key.slice(0, at + delimiter.length);
    }
    if (common !== undefined && common === lastPrefix) continue;
    if (count >= maxKeys) {
      // max-keys=0 asks for nothing, and S3 says so: an empty page that is not truncated
      out.truncated = maxKeys > 0;
      break;
    }
    count++;
    if (common !== undefined) {
      lastPrefix = common;
      out.commonPrefixes.push(common);
      out.last = { value: common, isPrefix: true };
    } else {
      out.contents.push(item);
      out.last = { value: key, isPrefix: false };
    }
  }
  return out;
}

/**
 * The opaque continuation token for a position.
 *
 * @example
 * decodeContinuation(encodeContinuation({ value: 'a/', isPrefix: true })) // → { value: 'a/', isPrefix: true }
 */
export function encodeContinuation(last: { value: string; isPrefix: boolean }): string {
  return Buffer.from(`${last.isPrefix ? 'p' : 'k'}1${last.value}`, 'utf8').toString('base64');
}

/** The position a continuation token names; S3's InvalidArgument for any other string. */
export function decodeContinuation(token: string): { value: string; isPrefix: boolean } {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const kind = text.slice(0, 2);
  if ((kind !== 'p1' && kind !== 'k1') || Buffer.from(text, 'utf8').toString('base64') !== token)
    throw invalidArgument(S3_MSG.continuationToken, 'continuation-token', token);
  return { value: text.slice(2), isPrefix: kind === 'p1' };
}

/**
 * A page size as S3 reads it (`max-keys`, `max-uploads`, `max-parts`): a non-negative integer,
 * at most 1000 served (larger asks get 1000).
 */
export function parseMaxKeys(value: string | undefined, name = 'max-keys'): number {
  return value === undefined ? 1000 : Math.min(parseCount(value, name), 1000);
}

/** A non-negative 32-bit integer parameter (a page size, a marker); S3's InvalidArgument else. */
export function parseCount(value: string, name: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > 2147483647)
    throw invalidArgument(S3_MSG.pageSize(name), name, value);
  return Number(value);
}

/**
 * `encoding-type=url`: a key as S3 writes it in a listing (form-style: space as `+`,
 * `/` kept), which botocore decodes with `unquote_plus`.
 *
 * @example
 * urlEncodeKey('a b+c/ü') // → 'a+b%2Bc/%C3%BC'
 */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
