/**
 * A KeyConditionExpression against a key schema: partition key equality, and at most one
 * sort-key condition (=, <, <=, >, >=, BETWEEN, begins_with), in DynamoDB's texts when it is
 * anything else.
 */
import { type AttributeValue, compareValues, typeOf, valuesEqual } from './attribute-value.js';
import { validation } from './errors.js';
import type { Condition, Operand } from './expression/ast.js';
import type { KeyInfo } from './types.js';
import { table } from '../../common/own.js';

export type RangeOp = '=' | '<' | '<=' | '>' | '>=' | 'BETWEEN' | 'begins_with';

export interface RangeCondition {
  op: RangeOp;
  values: AttributeValue[];
}

export interface KeyCondition {
  hash: AttributeValue;
  range?: RangeCondition | undefined;
}

const FLIP: Readonly<Record<string, RangeOp>> = table({
  '=': '=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
});

function leaves(c: Condition, out: Condition[]): void {
  if (c.kind === 'and') {
    leaves(c.left, out);
    leaves(c.right, out);
    return;
  }
  if (c.kind === 'or' || c.kind === 'not' || c.kind === 'in')
    throw validation(`Invalid operator used in KeyConditionExpression: ${c.kind.toUpperCase()}`);
  if (c.kind === 'compare' && c.op === '<>')
    throw validation('Invalid operator used in KeyConditionExpression: <>');
  if (c.kind === 'call' && c.call.name !== 'begins_with')
    throw validation(`Invalid operator used in KeyConditionExpression: ${c.call.name}`);
  out.push(c);
}

function operands(c: Condition): Operand[] {
  switch (c.kind) {
    case 'compare':
      return [c.left, c.right];
    case 'between':
      return [c.subject, c.low, c.high];
    case 'call':
      return c.call.args;
    default:
      return [];
  }
}

/**
 * Reads a checked key condition against a key schema.
 *
 * @example
 * // 'pk = :p AND sk BETWEEN :a AND :b' → { hash: {S:'p'}, range: { op: 'BETWEEN', values: [a, b] } }
 */
export function keyCondition(c: Condition, key: KeyInfo): KeyCondition {
  const list: Condition[] = [];
  leaves(c, list);
  const byName = new Map<string, RangeCondition>();
  for (const leaf of list) {
    const ops = operands(leaf);
    let name: string | undefined;
    let at = -1;
    for (const [i, o] of ops.entries()) {
      if (o.kind === 'call')
        throw validation('KeyConditionExpressions cannot contain nested operations');
      if (o.kind !== 'path') continue;
      if (name !== undefined)
        throw validation(
          'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition',
        );
      const p = o.resolved ?? [];
      if (p.length > 1)
        throw validation('KeyConditionExpressions cannot have conditions on nested attributes');
      name = String(p[0]);
      at = i;
    }
    if (name === undefined)
      throw validation('Invalid condition in KeyConditionExpression: No key attribute specified');
    if ((leaf.kind === 'between' || leaf.kind === 'call') && at !== 0)
      throw validation(
        `Invalid condition in KeyConditionExpression: ${leaf.kind === 'between' ? 'BETWEEN' : 'begins_with'} operator must have the key attribute as its first operand`,
      );
    if (byName.has(name))
      throw validation('KeyConditionExpressions must only contain one condition per key');
    const values = ops
      .filter((_, i) => i !== at)
      .map((o) => (o.kind === 'value' ? o.resolved : undefined));
    if (values.some((v) => v === undefined)) throw validation('Query key condition not supported');
    const op: RangeOp =
      leaf.kind === 'between'
        ? 'BETWEEN'
        : leaf.kind === 'call'
          ? 'begins_with'
          : leaf.kind === 'compare'
            ? at === 0
              ? (leaf.op as RangeOp)
              : (FLIP[leaf.op] as RangeOp)
            : '=';
    byName.set(name, { op, values: values as AttributeValue[] });
  }

  const hash = byName.get(key.hash);
  if (!hash) throw validation(`Query condition missed key schema element: ${key.hash}`);
  if (hash.op !== '=') throw validation('Query key condition not supported');
  byName.delete(key.hash);
  let range: RangeCondition | undefined;
  for (const [name, cond] of byName) {
    if (name !== key.range) {
      if (key.range !== undefined)
        throw validation(`Query condition missed key schema element: ${key.range}`);
      throw validation('Query key condition not supported');
    }
    range = cond;
  }
  const mismatch = () =>
    validation(
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
  if (typeOf(hash.values[0] as AttributeValue) !== key.hashType) throw mismatch();
  if (range) {
    if (range.op === 'begins_with' && key.rangeType === 'N')
      throw validation(
        'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
      );
    if (range.values.some((v) => typeOf(v) !== key.rangeType)) throw mismatch();
  }
  return { hash: hash.values[0] as AttributeValue, range };
}

/** True when a sort-key value satisfies the range condition. */
export function rangeHolds(r: RangeCondition, v: AttributeValue | undefined): boolean {
  if (v === undefined) return false;
  const [a, b] = r.values as [AttributeValue, AttributeValue | undefined];
  switch (r.op) {
    case '=':
      return valuesEqual(v, a);
    case 'begins_with':
      if ('S' in v && 'S' in a) return v.S.startsWith(a.S);
      if ('B' in v && 'B' in a) {
        const x = Buffer.from(v.B, 'base64');
        const y = Buffer.from(a.B, 'base64');
        return x.length >= y.length && x.subarray(0, y.length).equals(y);
      }
      return false;
    case 'BETWEEN': {
      const lo = compareValues(v, a);
      const hi = b ? compareValues(v, b) : undefined;
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    default: {
      const c = compareValues(v, a);
      if (c === undefined) return false;
      return r.op === '<' ? c < 0 : r.op === '<=' ? c <= 0 : r.op === '>' ? c > 0 : c >= 0;
    }
  }
}
