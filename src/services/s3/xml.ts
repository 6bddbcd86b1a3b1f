/**
 * S3's XML, both ways: response documents in the `http://s3.amazonaws.com/doc/2006-03-01/`
 * namespace, built from escaped elements; and request bodies (CreateBucketConfiguration,
 * Delete) read with fast-xml-parser after a well-formedness check, so that garbage is S3's
 * MalformedXML and never a crash.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXml as escapeQueryXml } from '../../server/aws/query-xml.js';
import { malformedXml } from './errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * Text as S3 escapes it: the Query protocol's five entities, and a carriage return as `&#13;`
 * (a literal one would reach the client as a line feed, changing a key that contains it).
 */
function escapeXml(s: string): string {
  return escapeQueryXml(s).replace(/\r/g, '&#13;');
}

/**
 * One element with escaped text; `undefined` leaves it out.
 *
 * @example
 * el('Key', 'a&b') // → '<Key>a&amp;b</Key>'
 */
export function el(name: string, text: string | number | boolean | undefined): string {
  return text === undefined ? '' : `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** An element around already-built children. */
export function wrap(name: string, children: string): string {
  return `<${name}>${children}</${name}>`;
}

/** A complete response document. */
export function xmlDocument(root: string, children: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${children}</${root}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/**
 * A request body parsed as XML; S3's MalformedXML when it is not well-formed, is empty, or
 * its root is not `root`.
 *
 * @example
 * parseXmlBody(Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>'), 'Delete')
 * // → { Object: [{ Key: 'k' }] }
 */
export function parseXmlBody(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') throw malformedXml('the body is empty');
  // no document type definitions: their entities are a way to make a small body huge
  if (/<!DOCTYPE/i.test(text)) throw malformedXml('the body declares a DOCTYPE');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw malformedXml(`not well-formed XML: ${valid.err.msg}`);
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw malformedXml(`not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const top = Object.keys(doc).filter((k) => k !== '?xml');
  if (top.length !== 1 || top[0] !== root)
    throw malformedXml(`the root element is \`${top.join(', ')}\`, not \`${root}\``);
  const value = doc[root];
  if (value === '' || value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformedXml(`\`${root}\` has no elements`);
  return value as Record<string, unknown>;
}
