/**
 * DynamoDB numbers: decimals of up to 38 significant digits, magnitudes from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125, exact (never through a JS double). A number
 * is kept as its significant digits and a decimal exponent, which makes equality, ordering,
 * the canonical text DynamoDB returns (`1.5E2` → `150`, `3.1400` → `3.14`, `-0` → `0`) and
 * an order-preserving key encoding straightforward; `+` and `-` go through BigInt.
 */

/** value = (neg ? -1 : 1) × 0.digits × 10^exp; zero has no digits (and exp 0, neg false). */
export interface Decimal {
  readonly neg: boolean;
  /** significant digits, no leading or trailing zeros; '' for zero */
  readonly digits: string;
  /** the adjusted exponent: 0.digits × 10^exp */
  readonly exp: number;
}

/** Why a text is not a storable number, in DynamoDB's words. */
export type DecimalProblem = 'not-a-number' | 'overflow' | 'underflow' | 'too-many-digits';

export const DECIMAL_TEXT: Record<DecimalProblem, string> = {
  'not-a-number': 'The parameter cannot be converted to a numeric value',
  overflow:
    'Number overflow. Attempting to store a number with magnitude larger than supported range',
  underflow:
    'Number underflow. Attempting to store a number with magnitude smaller than supported range',
  'too-many-digits': 'Attempting to store more than 38 significant digits in a Number',
};

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const ZERO: Decimal = { neg: false, digits: '', exp: 0 };
/** the largest and smallest adjusted exponents DynamoDB stores */
const MAX_EXP = 126;
const MIN_EXP = -129;

function make(neg: boolean, all: string, point: number): Decimal {
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end--;
  if (start === end) return ZERO;
  return { neg, digits: all.slice(start, end), exp: point - start };
}

/** The problem with a decimal's size, if DynamoDB would refuse to store it. */
export function decimalProblem(d: Decimal): DecimalProblem | undefined {
  if (d.digits === '') return undefined;
  if (d.exp > MAX_EXP) return 'overflow';
  if (d.exp < MIN_EXP) return 'underflow';
  if (d.digits.length > 38) return 'too-many-digits';
  return undefined;
}

/**
 * Parses a number as DynamoDB accepts it (Java BigDecimal syntax: sign, digits, point,
 * exponent), checking DynamoDB's limits.
 *
 * @example
 * parseDecimal('1.5E2') // → { ok: true, value: { neg: false, digits: '15', exp: 3 } }
 */
export function parseDecimal(
  text: string,
): { ok: true; value: Decimal } | { ok: false; problem: DecimalProblem } {
  const m = NUMBER.exec(text);
  if (!m) return { ok: false, problem: 'not-a-number' };
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return { ok: false, problem: 'not-a-number' };
  const e = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(e)) {
    const d = make(false, int + frac, 0);
    if (d.digits === '') return { ok: true, value: ZERO };
    return { ok: false, problem: e > 0 ? 'overflow' : 'underflow' };
  }
  const value = make(m[1] === '-', int + frac, int.length + e);
  const problem = decimalProblem(value);
  return problem ? { ok: false, problem } : { ok: true, value };
}

/** The canonical text DynamoDB returns: plain notation, no exponent, no redundant zeros. */
export function formatDecimal(d: Decimal): string {
  if (d.digits === '') return '0';
  const { digits, exp } = d;
  let s: string;
  if (exp <= 0) s = `0.${'0'.repeat(-exp)}${digits}`;
  else if (exp >= digits.length) s = digits + '0'.repeat(exp - digits.length);
  else s = `${digits.slice(0, exp)}.${digits.slice(exp)}`;
  return d.neg ? `-${s}` : s;
}

/** The canonical text of a valid number text (callers validated it). */
export function canonicalNumber(text: string): string {
  const r = parseDecimal(text);
  if (!r.ok) throw new TypeError(`not a valid DynamoDB number: ${text}`);
  return formatDecimal(r.value);
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.exp !== b.exp) return a.exp < b.exp ? -1 : 1;
  if (a.digits === b.digits) return 0;
  return a.digits < b.digits ? -1 : 1;
}

/** -1, 0 or 1, exactly. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const sa = a.digits === '' ? 0 : a.neg ? -1 : 1;
  const sb = b.digits === '' ? 0 : b.neg ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const m = compareMagnitude(a, b);
  // equal negatives compare 0, not -0
  return sa < 0 && m !== 0 ? -m : m;
}

function toScaled(d: Decimal, scale: number): bigint {
  // value = digits × 10^(exp - len); expressed as an integer × 10^scale
  const own = d.exp - d.digits.length;
  const n = BigInt(d.digits) * 10n ** BigInt(own - scale);
  return d.neg ? -n : n;
}

/** a + b, or a - b with `negate`, exactly (the caller checks the result's limits). */
export function addDecimal(a: Decimal, b: Decimal, negate = false): Decimal {
  if (b.digits === '') return a;
  const bb: Decimal = negate ? { ...b, neg: !b.neg } : b;
  if (a.digits === '') return bb;
  const scale = Math.min(a.exp - a.digits.length, bb.exp - bb.digits.length);
  const sum = toScaled(a, scale) + toScaled(bb, scale);
  if (sum === 0n) return ZERO;
  const neg = sum < 0n;
  const all = (neg ? -sum : sum).toString();
  return make(neg, all, all.length + scale);
}
