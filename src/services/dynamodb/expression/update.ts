/**
 * Applying a checked UpdateExpression (SET with `+`, `-`, if_not_exists and list_append;
 * REMOVE; ADD; DELETE) to an item. As in DynamoDB, every operand reads the item as it was
 * before the update; SET on a list index past the end appends; REMOVE of list elements
 * shifts the rest; DELETE that empties a set removes the attribute.
 */
import { type AttributeValue, type Item, decimalOf, typeOf } from '../attribute-value.js';
import { DECIMAL_TEXT, addDecimal, decimalProblem, formatDecimal } from '../decimal.js';
import { MSG, validation } from '../errors.js';
import type { Operand, ResolvedPath, UpdateExpression } from './ast.js';
import { valueAt } from './evaluate.js';
import { put } from '../../../common/own.js';

function pathOf(p: { resolved?: ResolvedPath | undefined }): ResolvedPath {
  if (!p.resolved) throw new TypeError('update expression used before it was checked');
  return p.resolved;
}

function operand(op: Operand, old: Item | undefined): AttributeValue {
  switch (op.kind) {
    case 'path': {
      const v = valueAt(old, pathOf(op));
      if (v === undefined) throw validation(MSG.attrNotExists);
      return v;
    }
    case 'value':
      if (!op.resolved) throw new TypeError('update expression used before it was checked');
      return op.resolved;
    case 'call': {
      const [a, b] = op.args as [Operand, Operand];
      if (op.name === 'if_not_exists') {
        const v = a.kind === 'path' ? valueAt(old, pathOf(a)) : undefined;
        return v ?? operand(b, old);
      }
      const x = operand(a, old);
      const y = operand(b, old);
      if (!('L' in x) || !('L' in y)) throw validation(MSG.incorrectType);
      return { L: [...x.L, ...y.L] };
    }
    default: {
      const x = operand(op.left, old);
      const y = operand(op.right, old);
      if (!('N' in x) || !('N' in y)) throw validation(MSG.incorrectType);
      const sum = addDecimal(decimalOf(x.N), decimalOf(y.N), op.op === '-');
      const problem = decimalProblem(sum);
      if (problem) throw validation(DECIMAL_TEXT[problem]);
      return { N: formatDecimal(sum) };
    }
  }
}

function parentOf(item: Item, path: ResolvedPath): AttributeValue | undefined {
  return valueAt(item, path.slice(0, -1));
}

function setAt(item: Item, path: ResolvedPath, value: AttributeValue): void {
  const last = path[path.length - 1] as string | number;
  if (path.length === 1) {
    put(item, last as string, value);
    return;
  }
  const parent = parentOf(item, path);
  if (typeof last === 'number') {
    if (!parent || !('L' in parent)) throw validation(MSG.invalidPath);
    if (last >= parent.L.length) parent.L.push(value);
    else parent.L[last] = value;
  } else {
    if (!parent || !('M' in parent)) throw validation(MSG.invalidPath);
    put(parent.M, last, value);
  }
}

function numberKey(n: string): string {
  return formatDecimal(decimalOf(n));
}

function setKind(v: AttributeValue): 'SS' | 'NS' | 'BS' | undefined {
  const t = typeOf(v);
  return t === 'SS' || t === 'NS' || t === 'BS' ? t : undefined;
}

function members(v: AttributeValue): string[] {
  if ('SS' in v) return v.SS;
  if ('NS' in v) return v.NS;
  if ('BS' in v) return v.BS;
  return [];
}

function makeSet(kind: 'SS' | 'NS' | 'BS', values: string[]): AttributeValue {
  return kind === 'SS' ? { SS: values } : kind === 'NS' ? { NS: values } : { BS: values };
}

/**
 * Applies a checked update to `old` (undefined: no item yet, start from the key). Returns the
 * new item and the paths the update wrote (for ReturnValues UPDATED_OLD / UPDATED_NEW).
 *
 * @example
 * // 'SET n = n + :one' with :one = {N:'1'} on {pk, n:{N:'41'}} → n = {N:'42'}
 */
export function applyUpdate(
  update: UpdateExpression,
  old: Item | undefined,
  key: Item,
): { item: Item; paths: ResolvedPath[] } {
  const item: Item = structuredClone(old ?? key);
  // every right-hand side reads the item as it was
  const sets = update.actions.flatMap((a) =>
    a.kind === 'SET' ? [{ path: pathOf(a.path), value: operand(a.value, old) }] : [],
  );
  for (const s of sets) setAt(item, s.path, s.value);

  // removals: find every target first, then delete (list elements from the highest index)
  const listRemovals = new Map<AttributeValue[], number[]>();
  for (const a of update.actions) {
    if (a.kind !== 'REMOVE') continue;
    const path = pathOf(a.path);
    const last = path[path.length - 1] as string | number;
    if (path.length === 1) {
      delete item[last as string];
      continue;
    }
    const parent = parentOf(item, path);
    if (!parent) throw validation(MSG.invalidPath);
    if (typeof last === 'number') {
      if (!('L' in parent)) throw validation(MSG.invalidPath);
      if (last < parent.L.length)
        listRemovals.set(parent.L, [...(listRemovals.get(parent.L) ?? []), last]);
    } else {
      if (!('M' in parent)) throw validation(MSG.invalidPath);
      delete parent.M[last];
    }
  }
  for (const [list, indexes] of listRemovals)
    for (const i of [...new Set(indexes)].sort((x, y) => y - x)) list.splice(i, 1);

  for (const a of update.actions) {
    if (a.kind !== 'ADD' && a.kind !== 'DELETE') continue;
    const path = pathOf(a.path);
    const v = a.value.resolved;
    if (!v) throw new TypeError('update expression used before it was checked');
    const cur = valueAt(item, path);
    if (a.kind === 'ADD') {
      if (cur === undefined) {
        setAt(item, path, v);
      } else if ('N' in cur && 'N' in v) {
        const sum = addDecimal(decimalOf(cur.N), decimalOf(v.N));
        const problem = decimalProblem(sum);
        if (problem) throw validation(DECIMAL_TEXT[problem]);
        setAt(item, path, { N: formatDecimal(sum) });
      } else {
        const kind = setKind(cur);
        if (!kind || kind !== setKind(v)) throw validation(MSG.incorrectType);
        const key = kind === 'NS' ? numberKey : (s: string) => s;
        const have = new Set(members(cur).map(key));
        const added = members(v).filter((m) => !have.has(key(m)));
        setAt(item, path, makeSet(kind, [...members(cur), ...added]));
      }
    } else {
      if (cur === undefined) continue;
      const kind = setKind(cur);
      if (!kind || kind !== setKind(v)) throw validation(MSG.incorrectType);
      const key = kind === 'NS' ? numberKey : (s: string) => s;
      const drop = new Set(members(v).map(key));
      const left = members(cur).filter((m) => !drop.has(key(m)));
      if (left.length > 0) setAt(item, path, makeSet(kind, left));
      else if (path.length === 1) delete item[path[0] as string];
      else {
        const parent = parentOf(item, path);
        const last = path[path.length - 1] as string | number;
        if (parent && 'M' in parent && typeof last === 'string') delete parent.M[last];
        else if (parent && 'L' in parent && typeof last === 'number') parent.L.splice(last, 1);
      }
    }
  }
  return { item, paths: update.actions.map((a) => pathOf(a.path)) };
}
