/**
 * Byte-level helpers of SigV4 canonicalisation (spec/aws-wire.md §8.2). SigV4 signs bytes,
 * so the request's strings are handled as byte strings — one character per byte, as Node
 * hands over raw headers — and percent-encoding works on bytes, never on UTF-16 units.
 */

const HEX = '0123456789ABCDEF';

/**
 * The byte string of `s`: unchanged when every character is a byte (≤ U+00FF, as Node gives
 * raw header values), else its UTF-8 bytes one per character.
 *
 * @example
 * toByteString('/ሴ') // → '/\xe1\x88\xb4'
 */
export function toByteString(s: string): string {
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** The bytes of a byte string. */
export function byteStringToBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Text of a byte string read as UTF-8 (for display and for parameter values). */
export function byteStringToText(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x7e // ~
  );
}

function pct(c: number): string {
  return `%${HEX[c >> 4]}${HEX[c & 15]}`;
}

/**
 * Percent-encodes every byte except `A–Z a–z 0–9 - . _ ~` (and `/` when `keepSlash`), with
 * upper-case hex.
 *
 * @example
 * uriEncode('a b+c') // → 'a%20b%2Bc'
 */
export function uriEncode(byteString: string, keepSlash = false): string {
  let out = '';
  for (let i = 0; i < byteString.length; i++) {
    const c = byteString.charCodeAt(i);
    if (isUnreserved(c) || (keepSlash && c === 0x2f)) out += byteString[i];
    else out += pct(c);
  }
  return out;
}

/**
 * Encodes only the bytes that cannot travel raw in a request-target (controls, space,
 * DEL and non-ASCII); everything else, `%` escapes included, stays as sent.
 *
 * @example
 * encodeUnsafeBytes('/b/a b%2Bc') // → '/b/a%20b%2Bc'
 */
export function encodeUnsafeBytes(byteString: string): string {
  let out = '';
  for (let i = 0; i < byteString.length; i++) {
    const c = byteString.charCodeAt(i);
    out += c <= 0x20 || c >= 0x7f ? pct(c) : byteString[i];
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decodes `%XX` escapes (either hex case) into bytes; nothing else. A `+` stays a `+`, and a
 * `%` that does not start a valid escape stays a `%`.
 *
 * @example
 * percentDecode('a%20b+c%zz') // → 'a b+c%zz'
 */
export function percentDecode(byteString: string): string {
  if (!byteString.includes('%')) return byteString;
  let out = '';
  for (let i = 0; i < byteString.length; i++) {
    const ch = byteString[i];
    if (ch === '%' && i + 2 < byteString.length) {
      const hi = hexValue(byteString.charCodeAt(i + 1));
      const lo = hexValue(byteString.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += String.fromCharCode((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** Splits a request-target at its first `?`. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** One query parameter, as raw bytes and decoded. */
export interface QueryParam {
  /** decoded name (byte string) */
  name: string;
  /** decoded value (byte string) */
  value: string;
}

/**
 * The query's parameters in order: split on `&`, then on the first `=` (none means an empty
 * value), `%XX` decoded. Empty parts (`a=1&&b=2`, a trailing `&`) are not parameters.
 *
 * @example
 * parseQuery('b=2&a&c=x%20y') // → [{name:'b',value:'2'},{name:'a',value:''},{name:'c',value:'x y'}]
 */
export function parseQuery(rawQuery: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (rawQuery === '') return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    out.push({ name: percentDecode(name), value: percentDecode(value) });
  }
  return out;
}

/** `Node`'s flat `rawHeaders` (`[name, value, name, value, …]`) as pairs. */
export function pairRawHeaders(rawHeaders: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    out.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  }
  return out;
}
