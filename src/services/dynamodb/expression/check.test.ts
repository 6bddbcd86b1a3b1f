import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../attribute-value.js';
import { ExpressionError } from './ast.js';
import { ExpressionScope, checkCondition, checkProjection, checkUpdate } from './check.js';
import { parseCondition, parseProjection, parseUpdate } from './parser.js';
import { RESERVED_WORD_COUNT, isReservedWord } from './reserved-words.js';

const NAMES = { '#a': 'a', '#data': 'data', '#s': 'status' };
const VALUES: Record<string, AttributeValue> = {
  ':s': { S: 'x' },
  ':n': { N: '1' },
  ':m': { N: '5' },
  ':b': { BOOL: true },
  ':t': { S: 'SS' },
  ':bad': { S: 'STRING' },
  ':l': { L: [] },
  ':ss': { SS: ['a'] },
};

function message(fn: (scope: ExpressionScope) => void): string {
  try {
    fn(new ExpressionScope(NAMES, VALUES));
  } catch (e) {
    if (e instanceof ExpressionError) return e.message;
    throw e;
  }
  return 'ok';
}

const condition = (src: string) =>
  message((scope) => {
    const p = parseCondition(src);
    checkCondition(p.condition, p.redundantParens, scope);
  });
const update = (src: string) => message((scope) => checkUpdate(parseUpdate(src), scope));
const projection = (src: string) =>
  message((scope) => checkProjection(parseProjection(src), scope));

describe('checking conditions', () => {
  it.each([
    ['#a = :s AND attribute_exists(#data) OR size(#s) > :n', 'ok'],
    ['status = :s', 'Attribute name is a reserved keyword; reserved keyword: status'],
    ['a.Name = :s', 'Attribute name is a reserved keyword; reserved keyword: Name'],
    [
      '#missing = :s',
      'An expression attribute name used in the document path is not defined; attribute name: #missing',
    ],
    [
      'a = :missing',
      'An expression attribute value used in expression is not defined; attribute value: :missing',
    ],
    ['((a = :s))', 'The expression has redundant parentheses;'],
    ['frobnicate(a)', 'Invalid function name; function: frobnicate'],
    ['size(a)', 'The function is not allowed to be used this way in an expression; function: size'],
    [
      'attribute_exists(a) = :s',
      'The function is not allowed to be used this way in an expression; function: attribute_exists',
    ],
    [
      'begins_with(a)',
      'Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1',
    ],
    [
      'attribute_exists(:s)',
      'Operator or function requires a document path; operator or function: attribute_exists',
    ],
    [
      'begins_with(a, :n)',
      'Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
    ],
    [
      'size(:n) > :m',
      'Incorrect operand type for operator or function; operator or function: size, operand type: N',
    ],
    [
      'attribute_type(a, :bad)',
      'Invalid attribute type name found; type: STRING, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}',
    ],
    [
      'attribute_type(a, :n)',
      'Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N',
    ],
    ['attribute_type(a, :t)', 'ok'],
    [
      'a = a',
      'The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]',
    ],
    [
      'contains(#a, #a)',
      'The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]',
    ],
    [
      'a < :b',
      'Incorrect operand type for operator or function; operator or function: <, operand type: BOOL',
    ],
    [
      'a BETWEEN :m AND :n',
      'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}',
    ],
    [
      'a BETWEEN :s AND :n',
      'The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {S:x}, upper bound operand: AttributeValue: {N:1}',
    ],
    // redundant parentheses come before everything but syntax
    ['((status = :missing))', 'The expression has redundant parentheses;'],
    // a reserved word before an undefined placeholder
    [
      '#missing = :s AND status = :s',
      'Attribute name is a reserved keyword; reserved keyword: status',
    ],
  ])('%j → %s', (src, expected) => {
    expect(condition(src)).toBe(expected);
  });

  it('records which placeholders were used', () => {
    const scope = new ExpressionScope(NAMES, VALUES);
    const p = parseCondition('#a = :s');
    checkCondition(p.condition, false, scope);
    expect([...scope.usedNames]).toEqual(['#a']);
    expect([...scope.usedValues]).toEqual([':s']);
  });
});

describe('checking updates', () => {
  it.each([
    [
      'SET a = a + :n, b = list_append(if_not_exists(b, :l), :l) REMOVE c ADD d :n DELETE e :ss',
      'ok',
    ],
    ['SET status = :s', 'Attribute name is a reserved keyword; reserved keyword: status'],
    ['SET a = size(b)', 'Invalid function name; function: size'],
    ['SET a = :s SET b = :s', 'The "SET" section can only be used once in an update expression;'],
    [
      'SET a = :missing',
      'An expression attribute value used in expression is not defined; attribute value: :missing',
    ],
    [
      'SET a = :s REMOVE a',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
    ],
    [
      'SET a.b = :s REMOVE a',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]',
    ],
    [
      'SET a.b = :s REMOVE a[0]',
      'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]',
    ],
    [
      'ADD a :s',
      'Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
    ],
    [
      'DELETE a :n',
      'Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER',
    ],
    [
      'SET a = b + :s',
      'Incorrect operand type for operator or function; operator or function: +, operand type: S',
    ],
    [
      'SET a = list_append(b, :s)',
      'Incorrect operand type for operator or function; operator or function: list_append, operand type: S',
    ],
    [
      'SET a = if_not_exists(:s, :s)',
      'Operator or function requires a document path; operator or function: if_not_exists',
    ],
    [
      'SET a = list_append(:l)',
      'Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1',
    ],
  ])('%j → %s', (src, expected) => {
    expect(update(src)).toBe(expected);
  });
});

describe('checking projections', () => {
  it.each([
    ['a, #data, b.c[1]', 'ok'],
    ['a, status', 'Attribute name is a reserved keyword; reserved keyword: status'],
    [
      'a, #nope',
      'An expression attribute name used in the document path is not defined; attribute name: #nope',
    ],
    [
      'a.b, a',
      'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]',
    ],
  ])('%j → %s', (src, expected) => {
    expect(projection(src)).toBe(expected);
  });
});

describe('reserved words', () => {
  it('are the 573 of the developer guide, in any case', () => {
    expect(RESERVED_WORD_COUNT).toBe(573);
    for (const w of ['status', 'NAME', 'Data', 'count', 'size', 'value', 'user', 'timestamp'])
      expect(isReservedWord(w), w).toBe(true);
    for (const w of ['pk', 'sk', 'tenant', 'email', 'createdAt'])
      expect(isReservedWord(w), w).toBe(false);
  });
});
