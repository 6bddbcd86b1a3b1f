/**
 * Evaluating checked expressions against an item: document paths, condition expressions
 * (comparisons, BETWEEN, IN, the functions, AND/OR/NOT) and projections. A path that does
 * not exist makes comparisons false (`<>` true), as in DynamoDB.
 */
import {
  type AttributeValue,
  type Item,
  compareValues,
  typeOf,
  valuesEqual,
} from '../attribute-value.js';
import { own, put } from '../../../common/own.js';
import type { Condition, Operand, PathOperand, ResolvedPath } from './ast.js';

/** The value at a document path, or undefined. */
export function valueAt(item: Item | undefined, path: ResolvedPath): AttributeValue | undefined {
  if (!item) return undefined;
  let cur: AttributeValue | undefined = own(item, path[0] as string);
  for (let i = 1; i < path.length && cur !== undefined; i++) {
    const e = path[i] as string | number;
    if (typeof e === 'number') cur = 'L' in cur ? cur.L[e] : undefined;
    else cur = 'M' in cur ? own(cur.M, e) : undefined;
  }
  return cur;
}

function resolved(p: PathOperand): ResolvedPath {
  if (!p.resolved) throw new TypeError('expression used before it was checked');
  return p.resolved;
}

function size(v: AttributeValue): AttributeValue | undefined {
  let n: number;
  if ('S' in v) n = [...v.S].length;
  else if ('B' in v) n = Buffer.from(v.B, 'base64').length;
  else if ('SS' in v) n = v.SS.length;
  else if ('NS' in v) n = v.NS.length;
  else if ('BS' in v) n = v.BS.length;
  else if ('L' in v) n = v.L.length;
  else if ('M' in v) n = Object.keys(v.M).length;
  else return undefined;
  return { N: String(n) };
}

/** An operand's value for this item (condition operands only). */
export function operandValue(item: Item | undefined, op: Operand): AttributeValue | undefined {
  switch (op.kind) {
    case 'path':
      return valueAt(item, resolved(op));
    case 'value':
      return op.resolved;
    case 'call': {
      if (op.name !== 'size' || !op.args[0]) return undefined;
      const v = operandValue(item, op.args[0]);
      return v === undefined ? undefined : size(v);
    }
    default:
      return undefined;
  }
}

function beginsWith(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a && 'S' in b) return a.S.startsWith(b.S);
  if ('B' in a && 'B' in b) {
    const x = Buffer.from(a.B, 'base64');
    const y = Buffer.from(b.B, 'base64');
    return x.length >= y.length && x.subarray(0, y.length).equals(y);
  }
  return false;
}

function contains(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S.includes(b.S);
  if ('B' in a) return 'B' in b && Buffer.from(a.B, 'base64').includes(Buffer.from(b.B, 'base64'));
  if ('SS' in a) return 'S' in b && a.SS.includes(b.S);
  if ('NS' in a) return 'N' in b && a.NS.some((n) => valuesEqual({ N: n }, b));
  if ('BS' in a) return 'B' in b && a.BS.includes(b.B);
  if ('L' in a) return a.L.some((x) => valuesEqual(x, b));
  return false;
}

function callHolds(item: Item | undefined, name: string, args: Operand[]): boolean {
  const [x, y] = args as [Operand, Operand | undefined];
  switch (name) {
    case 'attribute_exists':
      return operandValue(item, x) !== undefined;
    case 'attribute_not_exists':
      return operandValue(item, x) === undefined;
    case 'attribute_type': {
      const v = operandValue(item, x);
      const t = y ? operandValue(item, y) : undefined;
      return v !== undefined && t !== undefined && 'S' in t && typeOf(v) === t.S;
    }
    default: {
      const a = operandValue(item, x);
      const b = y ? operandValue(item, y) : undefined;
      if (a === undefined || b === undefined) return false;
      return name === 'begins_with' ? beginsWith(a, b) : contains(a, b);
    }
  }
}

/**
 * Evaluates a checked condition against an item (undefined: no item).
 *
 * @example
 * // with `attribute_not_exists(pk)` checked: conditionHolds(cond, undefined) → true
 */
export function conditionHolds(c: Condition, item: Item | undefined): boolean {
  switch (c.kind) {
    case 'and':
      return conditionHolds(c.left, item) && conditionHolds(c.right, item);
    case 'or':
      return conditionHolds(c.left, item) || conditionHolds(c.right, item);
    case 'not':
      return !conditionHolds(c.operand, item);
    case 'call':
      return callHolds(item, c.call.name, c.call.args);
    case 'compare': {
      const a = operandValue(item, c.left);
      const b = operandValue(item, c.right);
      if (c.op === '<>') return !(a !== undefined && b !== undefined && valuesEqual(a, b));
      if (a === undefined || b === undefined) return false;
      if (c.op === '=') return valuesEqual(a, b);
      const r = compareValues(a, b);
      if (r === undefined) return false;
      return c.op === '<' ? r < 0 : c.op === '<=' ? r <= 0 : c.op === '>' ? r > 0 : r >= 0;
    }
    case 'between': {
      const a = operandValue(item, c.subject);
      const lo = operandValue(item, c.low);
      const hi = operandValue(item, c.high);
      if (a === undefined || lo === undefined || hi === undefined) return false;
      const r1 = compareValues(a, lo);
      const r2 = compareValues(a, hi);
      return r1 !== undefined && r2 !== undefined && r1 >= 0 && r2 <= 0;
    }
    default: {
      const a = operandValue(item, c.subject);
      if (a === undefined) return false;
      return c.list.some((x) => {
        const v = operandValue(item, x);
        return v !== undefined && valuesEqual(a, v);
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// projection

type Node =
  | { kind: 'leaf'; value: AttributeValue }
  | { kind: 'map'; children: Map<string, Node> }
  | { kind: 'list'; children: Map<number, Node> };

function place(root: Map<string, Node>, path: ResolvedPath, value: AttributeValue): void {
  let children: Map<string | number, Node> = root as Map<string | number, Node>;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string | number;
    if (i === path.length - 1) {
      children.set(key, { kind: 'leaf', value });
      return;
    }
    const nextIsIndex = typeof path[i + 1] === 'number';
    let node = children.get(key);
    if (!node || node.kind === 'leaf') {
      node = nextIsIndex
        ? { kind: 'list', children: new Map<number, Node>() }
        : { kind: 'map', children: new Map<string, Node>() };
      children.set(key, node);
    }
    children = node.children as Map<string | number, Node>;
  }
}

function build(node: Node): AttributeValue {
  if (node.kind === 'leaf') return node.value;
  if (node.kind === 'list')
    return { L: [...node.children.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => build(n)) };
  const m: Item = {};
  for (const [k, n] of node.children) put(m, k, build(n));
  return { M: m };
}

/**
 * The part of an item that a projection names: nested maps keep only the named members,
 * lists only the named elements, in index order. Undefined when nothing matched.
 */
export function project(item: Item, paths: readonly ResolvedPath[]): Item {
  const root = new Map<string, Node>();
  for (const p of paths) {
    const v = valueAt(item, p);
    if (v !== undefined) place(root, p, v);
  }
  const out: Item = {};
  for (const [k, n] of root) put(out, k, build(n));
  return out;
}
