import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../common/aws-error.js';
import type { AttributeValue, Item } from '../attribute-value.js';
import { ExpressionScope, checkCondition, checkProjection, checkUpdate } from './check.js';
import { conditionHolds, project } from './evaluate.js';
import { parseCondition, parseProjection, parseUpdate } from './parser.js';
import { applyUpdate } from './update.js';

const ITEM: Item = {
  pk: { S: 'user#1' },
  n: { N: '41' },
  big: { N: '12345678901234567890123456789012345678' },
  s: { S: 'hello world' },
  b: { B: Buffer.from('abc').toString('base64') },
  ok: { BOOL: true },
  nothing: { NULL: true },
  tags: { SS: ['red', 'blue'] },
  nums: { NS: ['1', '2.5'] },
  lst: { L: [{ S: 'x' }, { N: '2' }, { M: { deep: { S: 'y' } } }] },
  mp: { M: { a: { N: '1' }, b: { M: { c: { S: 'z' } } } } },
};

const VALUES: Record<string, AttributeValue> = {
  ':41': { N: '41.0' },
  ':40': { N: '40' },
  ':50': { N: '50' },
  ':big': { N: '12345678901234567890123456789012345679' },
  ':hello': { S: 'hello' },
  ':world': { S: 'world' },
  ':red': { S: 'red' },
  ':green': { S: 'green' },
  ':x': { S: 'x' },
  ':2': { N: '2' },
  ':11': { N: '11' },
  ':3': { N: '3' },
  ':SS': { S: 'SS' },
  ':NULL': { S: 'NULL' },
  ':ab': { B: Buffer.from('ab').toString('base64') },
  ':true': { BOOL: true },
  ':one': { N: '1' },
  ':list': { L: [{ S: 'new' }] },
  ':empty': { L: [] },
  ':more': { SS: ['green', 'red'] },
  ':blue': { SS: ['blue'] },
  ':all': { SS: ['red', 'blue'] },
  ':huge': { N: '9.9e125' },
};

function holds(src: string, item: Item | null = ITEM): boolean {
  const p = parseCondition(src);
  checkCondition(p.condition, p.redundantParens, new ExpressionScope({ '#k': 'pk' }, VALUES));
  return conditionHolds(p.condition, item ?? undefined);
}

describe('evaluating conditions', () => {
  it.each([
    ['n = :41', true],
    ['n <> :41', false],
    ['n > :40 AND n < :50', true],
    ['n BETWEEN :40 AND :50', true],
    ['n IN (:40, :41)', true],
    ['n IN (:40, :50)', false],
    ['big < :big', true],
    ['s = :hello', false],
    ['begins_with(s, :hello)', true],
    ['contains(s, :world)', true],
    ['contains(tags, :red)', true],
    ['contains(tags, :green)', false],
    ['contains(nums, :one)', true],
    ['contains(lst, :x)', true],
    ['begins_with(b, :ab)', true],
    ['size(s) = :11', true],
    ['size(tags) = :2', true],
    ['size(lst) = :3', true],
    ['attribute_exists(mp.b.c)', true],
    ['attribute_exists(mp.b.d)', false],
    ['attribute_not_exists(#k)', false],
    ['attribute_type(tags, :SS)', true],
    ['attribute_type(nothing, :NULL)', true],
    ['lst[1] = :2', true],
    ['lst[2].deep = :x', false],
    ['ok = :true', true],
    ['NOT (n = :41)', false],
    ['n = :40 OR ok = :true', true],
    // an absent attribute: comparisons are false, <> true
    ['absent = :41', false],
    ['absent < :41', false],
    ['absent <> :41', true],
    // different types never compare
    ['s < :41', false],
    ['n <> :hello', true],
  ])('%s → %s', (src, expected) => {
    expect(holds(src)).toBe(expected);
  });

  it('evaluates against a missing item', () => {
    expect(holds('attribute_not_exists(pk)', null)).toBe(true);
    expect(holds('attribute_exists(pk)', null)).toBe(false);
  });
});

function update(src: string, old: Item | null = ITEM, names: Record<string, string> = {}) {
  const u = parseUpdate(src);
  checkUpdate(u, new ExpressionScope(names, VALUES));
  return applyUpdate(u, old ?? undefined, { pk: { S: 'user#1' } });
}

function updateError(src: string, old: Item | null = ITEM): string {
  try {
    update(src, old);
  } catch (e) {
    if (e instanceof AwsError) return e.message;
    throw e;
  }
  return 'ok';
}

describe('applying updates', () => {
  it('counts exactly with SET a = a + :n', () => {
    expect(update('SET n = n + :one').item.n).toEqual({ N: '42' });
    expect(update('SET big = big + :one').item.big).toEqual({
      N: '12345678901234567890123456789012345679',
    });
    expect(update('SET n = n - :50').item.n).toEqual({ N: '-9' });
  });

  it('creates with if_not_exists and appends with list_append', () => {
    const r = update(
      'SET c = if_not_exists(c, :one) + :one, l = list_append(if_not_exists(l, :empty), :list)',
    );
    expect(r.item.c).toEqual({ N: '2' });
    expect(r.item.l).toEqual({ L: [{ S: 'new' }] });
    expect(update('SET lst = list_append(:list, lst)').item.lst).toEqual({
      L: [{ S: 'new' }, { S: 'x' }, { N: '2' }, { M: { deep: { S: 'y' } } }],
    });
  });

  it('reads every operand from the item as it was', () => {
    const r = update('SET n = :one, m = n');
    expect(r.item.n).toEqual({ N: '1' });
    expect(r.item.m).toEqual({ N: '41' });
  });

  it('sets nested paths and appends past the end of a list', () => {
    const r = update('SET mp.b.c = :x, lst[10] = :x, mp.#new = :one', ITEM, { '#new': 'new' });
    expect(r.item.mp).toEqual({
      M: { a: { N: '1' }, b: { M: { c: { S: 'x' } } }, new: { N: '1' } },
    });
    expect(
      'L' in (r.item.lst as AttributeValue) && (r.item.lst as { L: unknown[] }).L,
    ).toHaveLength(4);
  });

  it('removes attributes, members and list elements (from the highest index)', () => {
    const r = update('REMOVE s, mp.a, lst[0], lst[2]');
    expect(r.item.s).toBeUndefined();
    expect(r.item.mp).toEqual({ M: { b: { M: { c: { S: 'z' } } } } });
    expect(r.item.lst).toEqual({ L: [{ N: '2' }] });
    expect(update('REMOVE absent, lst[99]').item).toEqual(ITEM);
  });

  it('adds to numbers and sets, deletes from sets', () => {
    expect(update('ADD n :one').item.n).toEqual({ N: '42' });
    expect(update('ADD fresh :one').item.fresh).toEqual({ N: '1' });
    expect(update('ADD tags :more').item.tags).toEqual({ SS: ['red', 'blue', 'green'] });
    expect(update('DELETE tags :blue').item.tags).toEqual({ SS: ['red'] });
    expect(update('DELETE tags :all').item.tags).toBeUndefined();
    expect(update('DELETE nope :all').item.nope).toBeUndefined();
  });

  it('starts from the key when there is no item', () => {
    expect(update('SET n = :one', null).item).toEqual({ pk: { S: 'user#1' }, n: { N: '1' } });
  });

  it.each([
    [
      'SET x = absent + :one',
      'The provided expression refers to an attribute that does not exist in the item',
    ],
    ['SET x = s + :one', 'An operand in the update expression has an incorrect data type'],
    [
      'SET x = list_append(s, :list)',
      'An operand in the update expression has an incorrect data type',
    ],
    [
      'SET nope.deeper = :one',
      'The document path provided in the update expression is invalid for update',
    ],
    ['ADD s :one', 'An operand in the update expression has an incorrect data type'],
    ['DELETE nums :blue', 'An operand in the update expression has an incorrect data type'],
    [
      'SET x = :huge + :huge',
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    ],
  ])('%s → %s', (src, message) => {
    expect(updateError(src)).toBe(message);
  });

  it('reports the paths it wrote', () => {
    expect(update('SET n = :one REMOVE s').paths).toEqual([['n'], ['s']]);
  });
});

describe('projections', () => {
  function projected(src: string): Item {
    const paths = parseProjection(src);
    checkProjection(paths, new ExpressionScope());
    return project(
      ITEM,
      paths.map((p) => p.resolved ?? []),
    );
  }

  it('keep only the named parts, lists in index order', () => {
    expect(projected('pk, mp.b.c, lst[2].deep, lst[0], absent')).toEqual({
      pk: { S: 'user#1' },
      mp: { M: { b: { M: { c: { S: 'z' } } } } },
      lst: { L: [{ S: 'x' }, { M: { deep: { S: 'y' } } }] },
    });
  });
});
