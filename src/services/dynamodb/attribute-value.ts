/**
 * DynamoDB's AttributeValue: reading it from a request (the JSON shapes Coral accepts, then
 * DynamoDB's own rules: one type, valid numbers, non-empty sets without duplicates), the
 * canonical stored form (numbers in plain notation, NULL true), equality and ordering as the
 * expression language defines them (numbers exactly, strings and binaries by their bytes), and
 * DynamoDB's item-size arithmetic.
 */
import {
  DECIMAL_TEXT,
  type Decimal,
  compareDecimal,
  formatDecimal,
  parseDecimal,
} from './decimal.js';
import { serialization, validation } from './errors.js';
import { own, put } from '../../common/own.js';

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Item }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;

export type AttrType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

const TYPES: ReadonlySet<string> = new Set([
  'S',
  'N',
  'B',
  'BOOL',
  'NULL',
  'M',
  'L',
  'SS',
  'NS',
  'BS',
]);

/** The type of a valid (canonical) value. */
export function typeOf(v: AttributeValue): AttrType {
  for (const k in v) return k as AttrType;
  throw new TypeError('empty attribute value');
}

// ---------------------------------------------------------------------------------------------
// JSON shape (SerializationException, as Coral words it)

export function jsonKind(v: unknown): 'null' | 'string' | 'number' | 'boolean' | 'list' | 'map' {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return t;
  return 'map';
}

const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

/** Coral's text for a JSON value of the wrong kind where a scalar of `target` was expected. */
export function scalarMismatch(
  v: unknown,
  target: 'String' | 'Boolean' | 'Integer' | 'Long',
): string {
  switch (jsonKind(v)) {
    case 'list':
      return 'Start of list found where not expected';
    case 'map':
      return 'Start of structure or map found where not expected.';
    case 'number':
      return `${NUMBER_CLASS} can not be converted to an ${target}`;
    case 'boolean':
      return `class java.lang.Boolean can not be converted to an ${target}`;
    default:
      return `class java.lang.String can not be converted to an ${target}`;
  }
}

function expectString(v: unknown): string {
  if (typeof v !== 'string') throw serialization(scalarMismatch(v, 'String'));
  return v;
}

function expectBlob(v: unknown): string {
  if (typeof v !== 'string') {
    const k = jsonKind(v);
    if (k === 'list') throw serialization('Start of list found where not expected');
    if (k === 'map') throw serialization('Start of structure or map found where not expected.');
    throw serialization(
      `${k === 'number' ? NUMBER_CLASS : 'class java.lang.Boolean'} can not be converted to a Blob`,
    );
  }
  if (v.length % 4 !== 0)
    throw serialization(
      `'${v}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${v.length}`,
    );
  const bad = /[^A-Za-z0-9+/=]|=[^=]/.exec(v);
  if (bad)
    throw serialization(
      `'${v}' can not be converted to a Blob: Invalid Base64 character: '${bad[0][0]}'`,
    );
  return v;
}

function expectBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const u = v.toUpperCase();
    if (u === 'TRUE' || u === '1' || u === 'YES') return true;
    if (u === 'FALSE' || u === '0' || u === 'NO') return false;
    throw serialization(`'${u}' can not be converted to an Boolean`);
  }
  throw serialization(scalarMismatch(v, 'Boolean'));
}

function expectList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (jsonKind(v) === 'map')
    throw serialization('Start of structure or map found where not expected.');
  throw serialization('Expected list or null');
}

/** A JSON object where a map or structure was expected. */
export function expectMap(v: unknown, structure = false): Record<string, unknown> {
  if (jsonKind(v) === 'map') return v as Record<string, unknown>;
  if (Array.isArray(v)) throw serialization('Start of list found where not expected');
  throw serialization(structure ? 'Expected null' : 'Expected map or null');
}

// ---------------------------------------------------------------------------------------------
// reading a value: shape, then DynamoDB's rules, into the canonical stored form

function setDuplicates(
  kind: 'SS' | 'NS' | 'BS',
  raw: string[],
  keys: string[],
): string | undefined {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) {
      if (kind === 'NS') return 'Input collection contains duplicates';
      return kind === 'SS'
        ? `One or more parameter values were invalid: Input collection [${raw.join(', ')}] contains duplicates.`
        : `One or more parameter values were invalid: Input collection [${raw.join(', ')}]of type BS contains duplicates.`;
    }
    seen.add(k);
  }
  return undefined;
}

function numberText(text: string): string {
  if (text === '') throw validation(DECIMAL_TEXT['not-a-number']);
  const r = parseDecimal(text);
  if (!r.ok)
    throw validation(
      r.problem === 'not-a-number'
        ? `${DECIMAL_TEXT['not-a-number']}: ${text}`
        : DECIMAL_TEXT[r.problem],
    );
  return formatDecimal(r.value);
}

function canonicalBase64(b: string): string {
  return Buffer.from(b, 'base64').toString('base64');
}

/**
 * A document nests 32 levels at most: 31 maps or lists inside one another are stored, a 32nd
 * is refused (DynamoDB's limits, "Nesting depth"; measured against DynamoDB by others: 31
 * wraps accepted, 32 refused, for items and expression values alike).
 */
const MAX_NESTING = 32;
const MSG_NESTING =
  'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

/**
 * Reads one AttributeValue from request JSON: SerializationException for wrong JSON shapes,
 * ValidationException (DynamoDB's texts) for empty values, bad numbers, empty or duplicated
 * sets, zero or several types. Returns the canonical stored form.
 *
 * @example
 * readAttributeValue({ N: '1.50' }) // → { N: '1.5' }
 */
export function readAttributeValue(raw: unknown, depth = 1): AttributeValue {
  const obj = expectMap(raw, true);
  let found: AttributeValue | undefined;
  let count = 0;
  for (const key in obj) {
    const v = obj[key];
    if (!TYPES.has(key) || v === null || v === undefined) continue;
    count++;
    let value: AttributeValue;
    switch (key) {
      case 'S':
        value = { S: expectString(v) };
        break;
      case 'N':
        value = { N: numberText(expectString(v)) };
        break;
      case 'B':
        value = { B: canonicalBase64(expectBlob(v)) };
        break;
      case 'BOOL':
        value = { BOOL: expectBoolean(v) };
        break;
      case 'NULL':
        // DynamoDB now accepts NULL false and stores NULL true
        expectBoolean(v);
        value = { NULL: true };
        break;
      case 'M': {
        if (depth >= MAX_NESTING) throw validation(MSG_NESTING);
        const m = expectMap(v);
        const out: Item = {};
        for (const name of Object.keys(m)) put(out, name, readAttributeValue(m[name], depth + 1));
        value = { M: out };
        break;
      }
      case 'L':
        if (depth >= MAX_NESTING) throw validation(MSG_NESTING);
        value = { L: expectList(v).map((x) => readAttributeValue(x, depth + 1)) };
        break;
      case 'SS': {
        const ss = expectList(v).map(expectString);
        if (ss.length === 0)
          throw validation(
            'One or more parameter values were invalid: An string set  may not be empty',
          );
        if (ss.some((s) => s === ''))
          throw validation(
            'One or more parameter values were invalid: An string set may not have a empty string as a member',
          );
        const dup = setDuplicates('SS', ss, ss);
        if (dup) throw validation(dup);
        value = { SS: ss };
        break;
      }
      case 'NS': {
        const raw = expectList(v).map(expectString);
        if (raw.length === 0)
          throw validation(
            'One or more parameter values were invalid: An number set  may not be empty',
          );
        const ns = raw.map(numberText);
        const dup = setDuplicates('NS', raw, ns);
        if (dup) throw validation(dup);
        value = { NS: ns };
        break;
      }
      default: {
        const raw = expectList(v).map(expectBlob);
        if (raw.length === 0)
          throw validation(
            'One or more parameter values were invalid: Binary sets should not be empty',
          );
        if (raw.some((b) => b === ''))
          throw validation(
            'One or more parameter values were invalid: Binary sets may not contain null or empty values',
          );
        const bs = raw.map(canonicalBase64);
        const dup = setDuplicates('BS', raw, bs);
        if (dup) throw validation(dup);
        value = { BS: bs };
      }
    }
    found = value;
  }
  if (count === 0 || !found)
    throw validation(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  if (count > 1)
    throw validation(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  return found;
}

/** Reads a map of attribute values (an Item, a Key, ExpressionAttributeValues). */
export function readItem(raw: unknown): Item {
  const m = expectMap(raw);
  const out: Item = {};
  for (const name of Object.keys(m)) {
    if (m[name] === null || m[name] === undefined) continue;
    put(out, name, readAttributeValue(m[name]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// comparison

/** Compares strings by their UTF-8 bytes (= code points), as DynamoDB orders them. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // surrogates (D800–DFFF) encode code points above every BMP unit: move them past FFFF
    if (ca >= 0xd800) ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
    if (cb >= 0xd800) cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const decimals = new Map<string, Decimal>();

/** The decimal of a canonical number text (memoised: texts recur in filters and sets). */
export function decimalOf(n: string): Decimal {
  let d = decimals.get(n);
  if (!d) {
    const r = parseDecimal(n);
    if (!r.ok) throw new TypeError(`not a canonical number: ${n}`);
    d = r.value;
    if (decimals.size > 10_000) decimals.clear();
    decimals.set(n, d);
  }
  return d;
}

/**
 * Orders two scalars of the same type (S, N or B); undefined when they are not comparable
 * (different types, or not scalars), which makes `<`, `>`, BETWEEN false.
 */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a && 'S' in b) return compareUtf8(a.S, b.S);
  if ('N' in a && 'N' in b) return compareDecimal(decimalOf(a.N), decimalOf(b.N));
  if ('B' in a && 'B' in b)
    return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  return undefined;
}

function sameSet(a: string[], b: string[], key: (s: string) => string): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a.map(key));
  return b.every((x) => s.has(key(x)));
}

const numberKey = (n: string) => formatDecimal(decimalOf(n));

/** DynamoDB's `=`: same type and value (numbers by value, sets as sets, maps by member). */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S === b.S;
  if ('N' in a) return 'N' in b && compareDecimal(decimalOf(a.N), decimalOf(b.N)) === 0;
  if ('B' in a) return 'B' in b && a.B === b.B;
  if ('BOOL' in a) return 'BOOL' in b && a.BOOL === b.BOOL;
  if ('NULL' in a) return 'NULL' in b;
  if ('SS' in a) return 'SS' in b && sameSet(a.SS, b.SS, (s) => s);
  if ('NS' in a) return 'NS' in b && sameSet(a.NS, b.NS, numberKey);
  if ('BS' in a) return 'BS' in b && sameSet(a.BS, b.BS, (s) => s);
  if ('L' in a) {
    if (!('L' in b) || a.L.length !== b.L.length) return false;
    return a.L.every((x, i) => valuesEqual(x, b.L[i] as AttributeValue));
  }
  if (!('M' in b)) return false;
  const ka = Object.keys(a.M);
  if (ka.length !== Object.keys(b.M).length) return false;
  return ka.every((k) => {
    const bv = own(b.M, k);
    return bv !== undefined && valuesEqual(a.M[k] as AttributeValue, bv);
  });
}

// ---------------------------------------------------------------------------------------------
// sizes (DynamoDB developer guide, "Item sizes and formats")

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function numberSize(n: string): number {
  const d = decimalOf(n);
  return Math.ceil(d.digits.length / 2) + 1;
}

function base64Length(b: string): number {
  const pad = b.endsWith('==') ? 2 : b.endsWith('=') ? 1 : 0;
  return (b.length / 4) * 3 - pad;
}

/** The size DynamoDB counts for a value (names excluded). */
export function valueSize(v: AttributeValue): number {
  if ('S' in v) return utf8Length(v.S);
  if ('N' in v) return numberSize(v.N);
  if ('B' in v) return base64Length(v.B);
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('SS' in v) return v.SS.reduce((n, s) => n + utf8Length(s), 0);
  if ('NS' in v) return v.NS.reduce((n, s) => n + numberSize(s), 0);
  if ('BS' in v) return v.BS.reduce((n, s) => n + base64Length(s), 0);
  if ('L' in v) return 3 + v.L.reduce((n, x) => n + 1 + valueSize(x), 0);
  return 3 + Object.entries(v.M).reduce((n, [k, x]) => n + 1 + utf8Length(k) + valueSize(x), 0);
}

/** The size of an item: every attribute name plus its value. */
export function itemSize(item: Item): number {
  let n = 0;
  for (const k in item) n += utf8Length(k) + valueSize(item[k] as AttributeValue);
  return n;
}

/** A key value as condition keys and logs see it: the string, the number text, the base64. */
export function scalarText(v: AttributeValue): string {
  if ('S' in v) return v.S;
  if ('N' in v) return v.N;
  if ('B' in v) return v.B;
  return JSON.stringify(v);
}
