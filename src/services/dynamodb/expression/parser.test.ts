import { describe, expect, it } from 'vitest';
import { ExpressionError } from './ast.js';
import { tokenize } from './lexer.js';
import { parseCondition, parseProjection, parseUpdate } from './parser.js';

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExpressionError) return e.message;
    throw e;
  }
  throw new Error('parsed');
}

describe('the expression lexer', () => {
  it('splits names, placeholders, indexes, comparators and stray characters', () => {
    expect(
      tokenize('#a.b[10] <> :v_1 AND size(x)>=:n !').map((t) => `${t.kind}:${t.text}`),
    ).toEqual([
      'attrName:#a',
      'punct:.',
      'name:b',
      'punct:[',
      'number:10',
      'punct:]',
      'punct:<>',
      'attrValue::v_1',
      'name:AND',
      'name:size',
      'punct:(',
      'name:x',
      'punct:)',
      'punct:>=',
      'attrValue::n',
      'other:!',
      'eof:',
    ]);
    expect(tokenize('a : b').map((t) => t.text)).toEqual(['a', ':', 'b', '']);
  });
});

describe('the condition parser', () => {
  it('gives NOT, AND, OR their precedence', () => {
    const { condition } = parseCondition('a = :a OR NOT b = :b AND c = :c');
    expect(condition.kind).toBe('or');
    if (condition.kind !== 'or') return;
    expect(condition.right.kind).toBe('and');
    if (condition.right.kind !== 'and') return;
    expect(condition.right.left.kind).toBe('not');
  });

  it('reads every comparison form', () => {
    const forms = [
      'a = :v',
      'a <> :v',
      '#n < :v',
      'a.b[2].c <= :v',
      'a > b',
      'a >= :v',
      'a BETWEEN :lo AND :hi',
      'a IN (:x, :y, :z)',
      'attribute_exists(a)',
      'attribute_not_exists(#k)',
      'attribute_type(a, :t)',
      'begins_with(a, :p)',
      'contains(a, :m)',
      'size(a) > :n',
      '(a = :v)',
      'a between :lo and :hi',
      'not (a = :v or b = :w)',
    ];
    for (const f of forms) expect(() => parseCondition(f), f).not.toThrow();
  });

  it('takes an IN list of at most 100 operands', () => {
    const list = (n: number) =>
      `a IN (${Array.from({ length: n }, (_, i) => `:v${i}`).join(', ')})`;
    expect(() => parseCondition(list(100))).not.toThrow();
    expect(() => parseCondition(list(101))).toThrow(
      'The IN operator is provided with too many operands; number of operands: 101',
    );
  });

  it('flags doubled parentheses', () => {
    expect(parseCondition('((a = :v))').redundantParens).toBe(true);
    expect(parseCondition('(a = :v) AND (b = :w)').redundantParens).toBe(false);
  });

  it.each([
    ['a = = b', 'Syntax error; token: "=", near: "= = b"'],
    ['attribute_not_exists(pk) AND', 'Syntax error; token: "<EOF>", near: "AND"'],
    ['a', 'Syntax error; token: "<EOF>", near: "a"'],
    ['a = :v b', 'Syntax error; token: "b", near: ":v b"'],
    ['a BETWEEN :x', 'Syntax error; token: "<EOF>", near: ":x"'],
    ['a IN :x', 'Syntax error; token: ":x", near: "IN :x"'],
    ['my-attr = :v', 'Syntax error; token: "-", near: "my-attr"'],
    ['a[x] = :v', 'Syntax error; token: "x", near: "[x]"'],
    ['(a = :v', 'Syntax error; token: "<EOF>", near: ":v"'],
    ['', 'The expression can not be empty;'],
  ])('%j → %s', (src, message) => {
    expect(error(() => parseCondition(src))).toBe(message);
  });
});

describe('the update parser', () => {
  it('reads SET, REMOVE, ADD and DELETE sections in any order', () => {
    const u = parseUpdate(
      'set a = a + :one, b = list_append(if_not_exists(b, :empty), :l) remove c[1], d.e ADD n :n DELETE s :s',
    );
    expect(u.sections).toEqual(['SET', 'REMOVE', 'ADD', 'DELETE']);
    expect(u.actions.map((a) => a.kind)).toEqual([
      'SET',
      'SET',
      'REMOVE',
      'REMOVE',
      'ADD',
      'DELETE',
    ]);
    const first = u.actions[0];
    expect(first?.kind === 'SET' && first.value.kind).toBe('arith');
  });

  it('keeps repeated sections for the checker', () => {
    expect(parseUpdate('SET a = :a SET b = :b').sections).toEqual(['SET', 'SET']);
  });

  it.each([
    // DynamoDB's own examples, word for word
    ['ADD hits : incr', 'Syntax error; token: ":", near: "hits : incr"'],
    ['INVALID SYNTAX HERE', 'Syntax error; token: "INVALID", near: "INVALID SYNTAX"'],
    ['SET a = :a,', 'Syntax error; token: "<EOF>", near: ","'],
    ['SET a :a', 'Syntax error; token: ":a", near: "a :a"'],
    ['SET a = :a + ', 'Syntax error; token: "<EOF>", near: "+"'],
    ['REMOVE', 'Syntax error; token: "<EOF>", near: "REMOVE"'],
    ['', 'The expression can not be empty;'],
  ])('%j → %s', (src, message) => {
    expect(error(() => parseUpdate(src))).toBe(message);
  });
});

describe('the projection parser', () => {
  it('reads document paths', () => {
    expect(parseProjection('a, #b.c[0], d').map((p) => p.elements.length)).toEqual([1, 3, 1]);
  });

  it.each([
    ['!!! INVALID !!!', 'Syntax error; token: "!", near: "!!"'],
    ['a,', 'Syntax error; token: "<EOF>", near: ","'],
    ['a b', 'Syntax error; token: "b", near: "a b"'],
    [':v', 'Syntax error; token: ":v", near: ":v"'],
  ])('%j → %s', (src, message) => {
    expect(error(() => parseProjection(src))).toBe(message);
  });
});
