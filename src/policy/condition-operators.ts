/**
 * The condition operators of spec/iam-policy.md §7, with the `…IfExists` suffix and the
 * `ForAllValues:` / `ForAnyValue:` prefixes of §8. Operator names are case-sensitive, as in
 * IAM's validator (whether AWS folds their case is an open question, §15).
 */
import { table } from '../common/own.js';

export type OperatorFamily =
  'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn' | 'Null';
export type Comparison = 'eq' | 'like' | 'lt' | 'lte' | 'gt' | 'gte';
export type SetQualifier = 'none' | 'all' | 'any';

export interface OperatorInfo {
  /** the name as written, e.g. `ForAnyValue:StringLikeIfExists` */
  name: string;
  /** the operator without prefix or suffix, e.g. `StringLike` */
  base: string;
  family: OperatorFamily;
  comparison: Comparison;
  /** `…Not…` operators: values are NORed and a missing key is true */
  negated: boolean;
  ignoreCase: boolean;
  ifExists: boolean;
  set: SetQualifier;
}

type Base = Pick<OperatorInfo, 'family' | 'comparison' | 'negated' | 'ignoreCase'>;

const b = (
  family: OperatorFamily,
  comparison: Comparison,
  negated = false,
  ignoreCase = false,
): Base => ({
  family,
  comparison,
  negated,
  ignoreCase,
});

export const BASE_OPERATORS: Readonly<Record<string, Base>> = table({
  StringEquals: b('String', 'eq'),
  StringNotEquals: b('String', 'eq', true),
  StringEqualsIgnoreCase: b('String', 'eq', false, true),
  StringNotEqualsIgnoreCase: b('String', 'eq', true, true),
  StringLike: b('String', 'like'),
  StringNotLike: b('String', 'like', true),
  NumericEquals: b('Numeric', 'eq'),
  NumericNotEquals: b('Numeric', 'eq', true),
  NumericLessThan: b('Numeric', 'lt'),
  NumericLessThanEquals: b('Numeric', 'lte'),
  NumericGreaterThan: b('Numeric', 'gt'),
  NumericGreaterThanEquals: b('Numeric', 'gte'),
  DateEquals: b('Date', 'eq'),
  DateNotEquals: b('Date', 'eq', true),
  DateLessThan: b('Date', 'lt'),
  DateLessThanEquals: b('Date', 'lte'),
  DateGreaterThan: b('Date', 'gt'),
  DateGreaterThanEquals: b('Date', 'gte'),
  Bool: b('Bool', 'eq'),
  BinaryEquals: b('Binary', 'eq'),
  IpAddress: b('Ip', 'eq'),
  NotIpAddress: b('Ip', 'eq', true),
  ArnEquals: b('Arn', 'like'),
  ArnLike: b('Arn', 'like'),
  ArnNotEquals: b('Arn', 'like', true),
  ArnNotLike: b('Arn', 'like', true),
  Null: b('Null', 'eq'),
});

// INVARIANT: only known names are cached, so the cache is bounded (27 × 3 × 2 entries)
const cache = new Map<string, OperatorInfo>();

/**
 * Splits an operator name into its parts, or returns undefined for an unknown operator.
 *
 * @example
 * parseOperator('ForAllValues:StringNotLikeIfExists')
 * // → { base: 'StringNotLike', family: 'String', set: 'all', ifExists: true, negated: true, … }
 */
export function parseOperator(name: string): OperatorInfo | undefined {
  const hit = cache.get(name);
  if (hit) return hit;
  let rest = name;
  let set: SetQualifier = 'none';
  if (rest.startsWith('ForAllValues:')) {
    set = 'all';
    rest = rest.slice('ForAllValues:'.length);
  } else if (rest.startsWith('ForAnyValue:')) {
    set = 'any';
    rest = rest.slice('ForAnyValue:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const base = Object.hasOwn(BASE_OPERATORS, rest) ? BASE_OPERATORS[rest] : undefined;
  if (!base) return undefined;
  const info: OperatorInfo = { name, base: rest, ...base, ifExists, set };
  cache.set(name, info);
  return info;
}

export function isKnownOperator(name: string): boolean {
  return parseOperator(name) !== undefined;
}
