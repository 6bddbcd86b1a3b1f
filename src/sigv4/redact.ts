/**
 * What a canonical request (or a SigV2 string to sign) may show once it leaves the verifier —
 * in audit records, `irsa why`, S3's `<CanonicalRequest>`. It carries every signed header and
 * query parameter verbatim, and some of those are secrets: the session token, an SSE-C
 * customer key, a web identity token sent in a query string. Header values are kept only for
 * headers known to carry none (an allow-list: a header irsakit has never heard of may be
 * anything); query parameters lose their values when their names say token, assertion,
 * password, secret or private key. Names always stay, so a signature mismatch can still be
 * compared line by line. Pure.
 */

/** What stands in for the session token in explanations. */
export const REDACTED_TOKEN = '<session token redacted>';
/** What stands in for any other value that is not shown. */
export const REDACTED = '<redacted>';

/** Headers whose values are never secret. */
const SHOWN_HEADERS = new Set([
  'host',
  'content-type',
  'content-length',
  'content-md5',
  'content-encoding',
  'content-language',
  'content-disposition',
  'cache-control',
  'expires',
  'expect',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'user-agent',
  'x-amz-user-agent',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
  'x-amz-target',
  'x-amz-api-version',
  'x-amz-sdk-checksum-algorithm',
  'x-amz-checksum-algorithm',
  'x-amz-checksum-type',
  'x-amz-checksum-mode',
  'x-amz-checksum-crc32',
  'x-amz-checksum-crc32c',
  'x-amz-checksum-crc64nvme',
  'x-amz-checksum-sha1',
  'x-amz-checksum-sha256',
  'x-amz-acl',
  'x-amz-storage-class',
  'x-amz-copy-source',
  'x-amz-copy-source-range',
  'x-amz-metadata-directive',
  'x-amz-expected-bucket-owner',
  'x-amz-request-payer',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-copy-source-server-side-encryption-customer-algorithm',
  'x-amz-website-redirect-location',
  'x-amz-object-attributes',
  'x-amz-max-parts',
  'x-amz-part-number-marker',
]);

const SECRET_PARAM = /token|assertion|password|secret|privatekey/i;

/**
 * The header line `name:value` as it may be shown.
 *
 * @example
 * redactHeaderLine('x-amz-server-side-encryption-customer-key:c2VjcmV0') // → 'x-amz-server-side-encryption-customer-key:<redacted>'
 */
export function redactHeaderLine(line: string): string {
  const colon = line.indexOf(':');
  if (colon < 0) return line;
  const name = line.slice(0, colon).toLowerCase();
  if (SHOWN_HEADERS.has(name)) return line;
  const shown = name === 'x-amz-security-token' ? REDACTED_TOKEN : REDACTED;
  return `${line.slice(0, colon + 1)}${shown}`;
}

/**
 * A canonical query string (`a=1&b=2`) with the values of secret-named parameters replaced.
 *
 * @example
 * redactQuery('Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJ…') // → 'Action=AssumeRoleWithWebIdentity&WebIdentityToken=<redacted>'
 */
export function redactQuery(query: string): string {
  if (query === '') return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (!SECRET_PARAM.test(name)) return pair;
      return `${name}=${/^x-amz-security-token$/i.test(name) ? REDACTED_TOKEN : REDACTED}`;
    })
    .join('&');
}

/**
 * A SigV4 canonical request as it may be shown: method and path as they are, the query and
 * the header values redacted (see the module comment), signed headers and payload hash kept.
 *
 * @example
 * redactCanonicalRequest('GET\n/\n\nhost:h\nx-amz-security-token:abc\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD')
 * // → 'GET\n/\n\nhost:h\nx-amz-security-token:<session token redacted>\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD'
 */
export function redactCanonicalRequest(canonicalRequest: string): string {
  const lines = canonicalRequest.split('\n');
  // method, path, query, the header lines up to the blank line, signed headers, payload hash
  const blank = lines.indexOf('', 3);
  return lines
    .map((line, i) => {
      if (i === 2) return redactQuery(line);
      if (i > 2 && (blank < 0 || i < blank)) return redactHeaderLine(line);
      return line;
    })
    .join('\n');
}

/**
 * A SigV2 string to sign as it may be shown: its `x-amz-*` header lines redacted like a
 * canonical request's (the other lines are the method, Content-MD5, Content-Type, the date
 * and the resource, none secret).
 */
export function redactStringToSignV2(stringToSign: string): string {
  return stringToSign
    .split('\n')
    .map((line) => (/^x-amz-[^:]*:/i.test(line) ? redactHeaderLine(line) : line))
    .join('\n');
}
