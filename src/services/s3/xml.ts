/**
 * S3's XML, both ways: response documents in the `http://s3.amazonaws.com/doc/2006-03-01/`
 * namespace, built from escaped elements; and request bodies (CreateBucketConfiguration,
 * Delete) read with fast-xml-parser after a well-formedness check, so that garbage is S3's
 * MalformedXML and never a crash.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXml as escapeQueryXml } from '../../server/aws/query-xml.js';
import { malformedXml } from './errors.js';
import { utf8Text } from '../../common/utf8.js';

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
  // references are decoded below, in one pass: the parser's own passes leave numeric ones
  processEntities: false,
  isArray: (name) => name === 'Object' || name === 'Part',
});

const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|apos|quot));|&/g;
const NAMED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  apos: "'",
  quot: '"',
};

/** XML 1.0's Char production: what a character reference may name. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Element text with its references decoded, each once: the five predefined entities and
 * character references (`&#x0A;` is how the JS SDK writes a line feed in a key). Anything
 * else after `&` is not XML: MalformedXML.
 */
function decodeText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) return NAMED[name] as string;
    if (hex === undefined && dec === undefined)
      throw malformedXml('an `&` that starts no entity or character reference');
    const cp = hex !== undefined ? parseInt(hex, 16) : parseInt(dec as string, 10);
    if (!isXmlChar(cp)) throw malformedXml(`${whole} names no XML character`);
    return String.fromCodePoint(cp);
  });
}

/** XML's white space (S), as written: a character reference to one is text, not layout. */
const LAYOUT = /^[ \t\r\n]*$/;

/**
 * Decodes every text value of a parsed document in place, without recursion, and drops the
 * white space between the elements of an element (the indentation of a pretty-printed body,
 * which the parser keeps as `#text` since values are not trimmed): S3 reads element-only
 * content, so it is layout. A leaf's text (a `<Key>`) is kept exactly, spaces and all, and other
 * text beside elements stays, for the operation to refuse.
 */
function decodeAll(doc: Record<string, unknown>): void {
  const stack: Record<string, unknown>[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    const text = node['#text'];
    if (typeof text === 'string' && LAYOUT.test(text)) delete node['#text'];
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string') node[k] = decodeText(v);
      else if (v !== null && typeof v === 'object') stack.push(v as Record<string, unknown>);
    }
  }
}

/**
 * A request body parsed as XML; S3's MalformedXML when it is not well-formed, is empty, or
 * its root is not `root`.
 *
 * @example
 * parseXmlBody(Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>'), 'Delete')
 * // → { Object: [{ Key: 'k' }] }
 */
export function parseXmlBody(body: Buffer, root: string): Record<string, unknown> {
  const text = utf8Text(body);
  if (text === undefined) throw malformedXml('the body is not UTF-8');
  if (text.trim() === '') throw malformedXml('the body is empty');
  // no document type definitions: their entities are a way to make a small body huge
  if (/<!DOCTYPE/i.test(text)) throw malformedXml('the body declares a DOCTYPE');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw malformedXml(`not well-formed XML: ${valid.err.msg}`);
  let doc: Record<string, unknown>;
  try {
    // CDATA is literal text: written as escaped text, the one decoding pass below gives it back
    // as it was (`<![CDATA[a&amp;b]]>` is the key `a&amp;b`)
    const literal = text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, c: string) =>
      c.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    );
    doc = parser.parse(literal) as Record<string, unknown>;
  } catch (e) {
    throw malformedXml(`not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const top = Object.keys(doc).filter((k) => k !== '?xml');
  if (top.length !== 1 || top[0] !== root)
    throw malformedXml(`the root element is \`${top.join(', ')}\`, not \`${root}\``);
  // a root with white space only (`<Delete>\n</Delete>`) has no elements, as an empty one
  const rootText = doc[root];
  if (typeof rootText === 'string' && LAYOUT.test(rootText)) doc[root] = '';
  decodeAll(doc);
  const value = doc[root];
  if (value === '' || value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformedXml(`\`${root}\` has no elements`);
  return value as Record<string, unknown>;
}
