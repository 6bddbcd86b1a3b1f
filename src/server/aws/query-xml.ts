/**
 * The Query protocol's XML (spec/aws-wire.md §2): `<OpResponse xmlns=…><OpResult>…</OpResult>
 * <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>`, lists as `<member>`, maps
 * as `<entry><key/><value/></entry>`, timestamps ISO 8601 without milliseconds; and the
 * `<ErrorResponse>` every Query error renders as.
 */
import { isoSeconds } from '../../common/times.js';
import type { AwsError } from '../../common/aws-error.js';
import type { QueryResult } from './types.js';
import { table } from '../../common/own.js';

export const QUERY_NAMESPACES: Readonly<Record<string, string>> = table({
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sqs: 'http://queue.amazonaws.com/doc/2012-11-05/',
});

/** A map member (rendered as `<entry><key/><value/></entry>`). */
export class XmlMap {
  readonly entries: readonly [string, unknown][];
  constructor(entries: Iterable<[string, unknown]>) {
    this.entries = [...entries];
  }
}

const XML_SPECIAL = /[&<>"']/;

export function escapeXml(s: string): string {
  // most values (ids, ARNs, base64 tokens) have nothing to escape
  if (!XML_SPECIAL.test(s)) return s;
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** What XML 1.0 allows no document to hold, not even as a character reference. */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * An error's text for an XML body: escaped, and a character XML 1.0 cannot carry (a control
 * character a caller put in a name the message repeats) written as `\u0001` — left as it was,
 * it made the whole answer unreadable to the client's parser ("not well-formed").
 *
 * @example
 * errorText('bad\u0001name <x>') // → 'bad\\u0001name &lt;x&gt;'
 */
export function errorText(s: string): string {
  return escapeXml(s).replace(
    NOT_XML,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

function value(v: unknown): string {
  if (v instanceof Date) return isoSeconds(v);
  if (v instanceof XmlMap) {
    return v.entries
      .map(([k, x]) => `<entry><key>${escapeXml(k)}</key><value>${value(x)}</value></entry>`)
      .join('');
  }
  if (Array.isArray(v)) return v.map((x) => `<member>${value(x)}</member>`).join('');
  if (v !== null && typeof v === 'object') return members(v as Record<string, unknown>);
  return escapeXml(String(v));
}

function members(o: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    out += `<${k}>${value(v)}</${k}>`;
  }
  return out;
}

/**
 * Renders a successful Query response.
 *
 * @example
 * renderQueryResponse('sts', 'GetCallerIdentity', { UserId: 'AIDA…', Account: '123456789012', Arn: '…' }, id)
 */
export function renderQueryResponse(
  service: string,
  action: string,
  result: QueryResult,
  requestId: string,
): string {
  const ns = QUERY_NAMESPACES[service] ?? QUERY_NAMESPACES.iam;
  const body = result === null ? '' : `<${action}Result>${members(result)}</${action}Result>`;
  return `<${action}Response xmlns="${ns}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
}

export function renderQueryError(service: string, err: AwsError, requestId: string): string {
  const ns = QUERY_NAMESPACES[service] ?? QUERY_NAMESPACES.iam;
  return `<ErrorResponse xmlns="${ns}"><Error><Type>${err.fault === 'server' ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(err.code)}</Code><Message>${errorText(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
}
