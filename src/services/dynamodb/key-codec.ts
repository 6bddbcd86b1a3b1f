/**
 * Order-preserving encoding of key values into store keys, so that the store's key order is
 * DynamoDB's sort-key order and a partition is one key prefix (a Query reads one prefix, not
 * the table). Only ASCII is produced, so byte order, UTF-16 order and SQLite's order agree:
 *
 * - S and B: the hex of the UTF-8 bytes / raw bytes (byte order = DynamoDB's order);
 * - N: a class letter (A negative, B zero, C positive), the adjusted exponent biased to three
 *   digits, then the digits; negatives complement the exponent and the digits and end in `~`,
 *   so that a larger magnitude sorts first.
 *
 * Store key of an item: `<tableId>/<hash>` or `<tableId>/<hash>/<range>`; none of the
 * encodings contains `/`.
 */
import { type AttributeValue, decimalOf } from './attribute-value.js';

const EXP_BIAS = 200;

function complement(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) out += String(9 - (digits.charCodeAt(i) - 48));
  return out;
}

/** Encodes a number text (canonical or not) so that string order is numeric order. */
export function encodeNumber(n: string): string {
  const d = decimalOf(n);
  if (d.digits === '') return 'B';
  const e = d.exp + EXP_BIAS;
  if (!d.neg) return `C${String(e).padStart(3, '0')}${d.digits}`;
  return `A${String(999 - e).padStart(3, '0')}${complement(d.digits)}~`;
}

/** Encodes one key value (S, N or B). */
export function encodeKeyValue(v: AttributeValue): string {
  if ('S' in v) return Buffer.from(v.S, 'utf8').toString('hex');
  if ('N' in v) return encodeNumber(v.N);
  if ('B' in v) return Buffer.from(v.B, 'base64').toString('hex');
  throw new TypeError('key values are S, N or B');
}

/** The prefix of every item of a table. */
export function tablePrefix(tableId: string): string {
  return `${tableId}/`;
}

/** The prefix of every item of one partition (tables with a sort key). */
export function partitionPrefix(tableId: string, hash: AttributeValue): string {
  return `${tableId}/${encodeKeyValue(hash)}/`;
}

/**
 * The store key of an item.
 *
 * @example
 * itemStoreKey('t1', { S: 'a' }, { N: '10' }) // → 't1/61/C2021'
 */
export function itemStoreKey(
  tableId: string,
  hash: AttributeValue,
  range?: AttributeValue | undefined,
): string {
  const h = `${tableId}/${encodeKeyValue(hash)}`;
  return range === undefined ? h : `${h}/${encodeKeyValue(range)}`;
}
