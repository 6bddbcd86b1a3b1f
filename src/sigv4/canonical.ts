/**
 * The SigV4 canonical request, exactly as spec/aws-wire.md §8.2 words it:
 *
 * ```
 * METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 * ```
 *
 * S3's canonical URI is the path as sent; every other service normalises the path and
 * percent-encodes it again. Queries decode `%XX` only. Headers come from the raw header
 * list. The rules reproduce all 110 vectors of `conformance/sigv4/`.
 */
import { encodeUnsafeBytes, parseQuery, splitTarget, toByteString, uriEncode } from './encoding.js';
import type { UriRule } from './types.js';

/**
 * Removes empty and `.` segments and resolves `..`; a trailing `/` stays when the path had
 * one and something is left.
 *
 * @example
 * normalizePath('//example//') // → '/example/'
 * normalizePath('/example1/example2/../..') // → '/'
 */
export function normalizePath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  if (segments.length === 0) return '/';
  return `/${segments.join('/')}${path.endsWith('/') ? '/' : ''}`;
}

/**
 * The canonical URI of a raw path (no query).
 *
 * - `as-sent` (S3): the path exactly as sent; only bytes that cannot travel raw (space,
 *   controls, non-ASCII) are escaped, and existing escapes are never decoded or re-cased.
 * - `normalize` (everyone else): `normalizePath`, then every byte except the unreserved set
 *   and `/` is percent-encoded, so a `%` on the wire becomes `%25`.
 *
 * @example
 * canonicalUri('/example space/', 'normalize') // → '/example%20space/'
 * canonicalUri('/b/a%2Bc', 'as-sent') // → '/b/a%2Bc'
 * canonicalUri('/b/a%2Bc', 'normalize') // → '/b/a%252Bc'
 */
export function canonicalUri(path: string, rule: UriRule): string {
  const bytes = toByteString(path);
  if (rule === 'as-sent') return bytes === '' ? '/' : encodeUnsafeBytes(bytes);
  return uriEncode(normalizePath(bytes), true);
}

/**
 * The canonical query string of a raw query (without `?`): every parameter, `%XX`-decoded
 * and re-encoded with the unreserved set, sorted by encoded name then encoded value.
 * `exclude` leaves out one parameter by its decoded name (`X-Amz-Signature` for presigned
 * URLs).
 *
 * @example
 * canonicalQuery('b=2&a=x+y&a=%41') // → 'a=A&a=x%2By&b=2'
 */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const pairs: [string, string][] = [];
  for (const p of parseQuery(toByteString(rawQuery))) {
    if (exclude !== undefined && p.name === exclude) continue;
    pairs.push([uriEncode(p.name), uriEncode(p.value)]);
  }
  pairs.sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0,
  );
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * A header value as SigV4 signs it: trimmed, every run of whitespace (folded lines
 * included, quotes or not) collapsed to one space.
 *
 * @example
 * canonicalHeaderValue(' "a   b\n  c" ') // → '"a b c"'
 */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[\t\n\v\f\r ]+/g, ' ').trim();
}

/** Every value of a header (case-insensitive name), in the order received. */
export function headerValues(
  headers: readonly (readonly [string, string])[],
  lowerName: string,
): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) if (name.toLowerCase() === lowerName) out.push(value);
  return out;
}

/**
 * The canonical headers block for the signed header names, each `name:value\n`, where the
 * value is every occurrence of the header joined with `,`. Names in `missing` were signed
 * but are absent from the request (their value is empty here; the signature cannot match).
 *
 * @example
 * canonicalHeaders([['Host', 'h:1'], ['X-A', ' 1 '], ['x-a', '2']], ['host', 'x-a'])
 * // → { text: 'host:h:1\nx-a:1,2\n', missing: [] }
 */
export function canonicalHeaders(
  headers: readonly (readonly [string, string])[],
  signedHeaders: readonly string[],
): { text: string; missing: string[] } {
  let text = '';
  const missing: string[] = [];
  for (const name of signedHeaders) {
    const values = headerValues(headers, name.toLowerCase());
    if (values.length === 0) missing.push(name);
    text += `${name}:${values.map((v) => canonicalHeaderValue(toByteString(v))).join(',')}\n`;
  }
  return { text, missing };
}

export interface CanonicalRequestInput {
  method: string;
  /** the raw request-target (path and query) */
  target: string;
  headers: readonly (readonly [string, string])[];
  /** as listed by the request (`SignedHeaders` / `X-Amz-SignedHeaders`) */
  signedHeaders: readonly string[];
  uriRule: UriRule;
  /** the HashedPayload line */
  payloadHash: string;
  /** presigned: the parameter left out of the canonical query (`X-Amz-Signature`) */
  excludeQueryParam?: string | undefined;
}

export interface CanonicalRequest {
  /** a byte string: hash `Buffer.from(text, 'latin1')` */
  bytes: string;
  /** the same, read as UTF-8, for comparisons and explanations */
  text: string;
  /** signed header names the request does not carry */
  missingHeaders: string[];
}

/**
 * Builds the canonical request of a raw request.
 *
 * @example
 * buildCanonicalRequest({ method: 'GET', target: '/', headers: [['Host', 'example.amazonaws.com'], ['X-Amz-Date', '20150830T123600Z']],
 *   signedHeaders: ['host', 'x-amz-date'], uriRule: 'normalize', payloadHash: EMPTY_SHA256 }).text
 * // → 'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0…b855'
 */
export function buildCanonicalRequest(input: CanonicalRequestInput): CanonicalRequest {
  const { path, query } = splitTarget(input.target);
  const headers = canonicalHeaders(input.headers, input.signedHeaders);
  const bytes = [
    input.method,
    canonicalUri(path, input.uriRule),
    canonicalQuery(query, input.excludeQueryParam),
    headers.text,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
  return {
    bytes,
    text: Buffer.from(bytes, 'latin1').toString('utf8'),
    missingHeaders: headers.missing,
  };
}
