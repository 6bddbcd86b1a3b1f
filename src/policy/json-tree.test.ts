import { describe, expect, it } from 'vitest';
import { type JsonNode, LineIndex, parseJsonTree, property } from './json-tree.js';
import type { SourceSpan } from './types.js';

function root(text: string): JsonNode {
  const r = parseJsonTree(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${r.detail}`);
  return r.root;
}

function child(node: JsonNode, ...path: (string | number)[]): JsonNode {
  let n = node;
  for (const step of path) {
    if (typeof step === 'number') {
      if (n.kind !== 'array') throw new Error(`not an array at ${step}`);
      const item = n.items[step];
      if (!item) throw new Error(`no item ${step}`);
      n = item;
    } else {
      const p = property(n, step);
      if (!p) throw new Error(`no property ${step}`);
      n = p.value;
    }
  }
  return n;
}

function keySpan(node: JsonNode, key: string): SourceSpan {
  const p = property(node, key);
  if (!p) throw new Error(`no property ${key}`);
  return p.keySpan;
}

const at = (line: number, column: number) => ({ line, column });
const pos = (s: SourceSpan) => ({ line: s.line, column: s.column });
const source = (text: string, s: SourceSpan) => text.slice(s.offset, s.offset + s.length);

describe('LineIndex', () => {
  const text = 'ab\ncd\r\nef\n\ng';
  const lines = new LineIndex(text);

  it.each([
    [0, 1, 1],
    [1, 1, 2],
    [2, 1, 3], // the LF itself ends line 1
    [3, 2, 1],
    [5, 2, 3], // the CR of CRLF is the last column of line 2
    [6, 2, 4],
    [7, 3, 1],
    [10, 4, 1], // an empty line
    [11, 5, 1],
    [12, 5, 2], // end of text
  ])('offset %i is line %i, column %i', (offset, line, column) => {
    expect(lines.position(offset)).toEqual({ line, column });
  });

  it('builds spans with 1-based start and exclusive end positions', () => {
    expect(lines.span(3, 6)).toEqual({
      offset: 3,
      length: 6,
      line: 2,
      column: 1,
      endLine: 3,
      endColumn: 3,
    });
    expect(lines.span(0, 0)).toEqual({
      offset: 0,
      length: 0,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
    });
  });
});

describe('parseJsonTree: positions', () => {
  const text = [
    '{',
    '  "Version": "2012-10-17",',
    '  "Statement": [',
    '    {',
    '      "Effect": "Allow",',
    '      "Action": ["s3:GetObject", "s3:PutObject"],',
    '      "Condition": {"NumericLessThan": {"s3:max-keys": 10.0}}',
    '    }',
    '  ]',
    '}',
  ].join('\n');
  const tree = root(text);
  const statement = child(tree, 'Statement', 0);

  it('gives the root object the whole text', () => {
    expect(tree.span).toEqual({
      offset: 0,
      length: text.length,
      line: 1,
      column: 1,
      endLine: 10,
      endColumn: 2,
    });
  });

  it('locates keys and values by line and column', () => {
    expect(keySpan(tree, 'Version')).toEqual({
      offset: 4,
      length: 9,
      line: 2,
      column: 3,
      endLine: 2,
      endColumn: 12,
    });
    expect(child(tree, 'Version').span).toEqual({
      offset: 15,
      length: 12,
      line: 2,
      column: 14,
      endLine: 2,
      endColumn: 26,
    });
    expect(pos(keySpan(tree, 'Statement'))).toEqual(at(3, 3));
    expect(pos(child(tree, 'Statement').span)).toEqual(at(3, 16));
    expect(pos(statement.span)).toEqual(at(4, 5));
    expect({ line: statement.span.endLine, column: statement.span.endColumn }).toEqual(at(8, 6));
    expect(pos(keySpan(statement, 'Effect'))).toEqual(at(5, 7));
    expect(pos(child(statement, 'Effect').span)).toEqual(at(5, 17));
    expect(pos(child(statement, 'Action', 0).span)).toEqual(at(6, 18));
    expect(pos(child(statement, 'Action', 1).span)).toEqual(at(6, 34));
    const op = child(statement, 'Condition');
    expect(pos(keySpan(op, 'NumericLessThan'))).toEqual(at(7, 21));
    expect(pos(keySpan(child(op, 'NumericLessThan'), 's3:max-keys'))).toEqual(at(7, 41));
    expect(pos(child(op, 'NumericLessThan', 's3:max-keys').span)).toEqual(at(7, 56));
  });

  it('has offsets that slice back to the source token', () => {
    expect(source(text, keySpan(tree, 'Version'))).toBe('"Version"');
    expect(source(text, child(tree, 'Version').span)).toBe('"2012-10-17"');
    expect(source(text, child(statement, 'Action').span)).toBe('["s3:GetObject", "s3:PutObject"]');
    expect(source(text, child(statement, 'Action', 1).span)).toBe('"s3:PutObject"');
    expect(source(text, child(statement, 'Condition', 'NumericLessThan', 's3:max-keys').span)).toBe(
      '10.0',
    );
  });

  it('counts CRLF line ends as one line break', () => {
    const crlf = '{\r\n  "a": {\r\n    "b": true\r\n  }\r\n}';
    const t = root(crlf);
    expect(pos(keySpan(t, 'a'))).toEqual(at(2, 3));
    expect(pos(keySpan(child(t, 'a'), 'b'))).toEqual(at(3, 5));
    expect(pos(child(t, 'a', 'b').span)).toEqual(at(3, 10));
    expect(source(crlf, child(t, 'a', 'b').span)).toBe('true');
  });

  it('counts a TAB as one column', () => {
    const t = root('{\n\t"a":\t1}');
    expect(pos(keySpan(t, 'a'))).toEqual(at(2, 2));
    expect(pos(child(t, 'a').span)).toEqual(at(2, 7));
  });

  it('keeps the offset relative to the start of the text, leading whitespace included', () => {
    const t = root('\n\n   {"k": "v"}');
    expect(t.span.offset).toBe(5);
    expect(pos(t.span)).toEqual(at(3, 4));
  });
});

describe('parseJsonTree: values', () => {
  it.each([
    ['"s"', { kind: 'string', value: 's' }],
    ['"\\u0041\\n\\"x\\""', { kind: 'string', value: 'A\n"x"' }],
    ['true', { kind: 'boolean', value: true }],
    ['false', { kind: 'boolean', value: false }],
    ['null', { kind: 'null' }],
    ['10', { kind: 'number', value: 10, raw: '10' }],
    ['10.0', { kind: 'number', value: 10, raw: '10.0' }],
    ['-0.50', { kind: 'number', value: -0.5, raw: '-0.50' }],
    ['1e3', { kind: 'number', value: 1000, raw: '1e3' }],
    ['2.5E-1', { kind: 'number', value: 0.25, raw: '2.5E-1' }],
    ['0', { kind: 'number', value: 0, raw: '0' }],
  ])('%s', (text, expected) => {
    const v = child(root(`{"v": ${text}}`), 'v');
    const { span: _span, ...rest } = v;
    expect(rest).toEqual(expected);
  });

  it('keeps object properties in document order, and arrays in order', () => {
    const t = root('{"z": 1, "a": [3, 1, 2], "m": {}}');
    expect(t.kind === 'object' && t.properties.map((p) => p.key)).toEqual(['z', 'a', 'm']);
    const a = child(t, 'a');
    expect(a.kind === 'array' && a.items.map((i) => (i.kind === 'number' ? i.raw : ''))).toEqual([
      '3',
      '1',
      '2',
    ]);
    const m = child(t, 'm');
    expect(m.kind === 'object' && m.properties).toEqual([]);
  });

  it('unescapes keys', () => {
    const t = root('{"\\u0041ction": 1}');
    expect(property(t, 'Action')).toBeDefined();
  });

  it('accepts a non-object root (the grammar, not the tree, insists on an object)', () => {
    expect(root('[1, 2]').kind).toBe('array');
    expect(root(' "x" ').kind).toBe('string');
  });
});

describe('property', () => {
  const t = root('{"Effect": "Allow", "effect": "Deny"}');

  it('looks a key up by exact, case-sensitive name', () => {
    expect(property(t, 'Effect')?.value).toMatchObject({ kind: 'string', value: 'Allow' });
    expect(property(t, 'effect')?.value).toMatchObject({ kind: 'string', value: 'Deny' });
    expect(property(t, 'EFFECT')).toBeUndefined();
  });

  it('is undefined on anything but an object', () => {
    expect(property(root('["Effect"]'), 'Effect')).toBeUndefined();
    expect(property(child(t, 'Effect'), 'Effect')).toBeUndefined();
  });
});

describe('parseJsonTree: duplicate keys', () => {
  it.each([
    [
      'top level',
      '{"Version": "2012-10-17", "Statement": [], "Version": "2008-10-17"}',
      'Version',
      { line: 1, column: 44 },
    ],
    [
      'statement',
      '{"Statement": [{"Effect": "Allow", "Action": "s3:*",\n "Effect": "Deny"}]}',
      'Effect',
      { line: 2, column: 2 },
    ],
    [
      'Condition operator block',
      '{"Statement": {"Condition": {\n  "StringEquals": {"a:b": "1"},\n  "StringEquals": {"c:d": "2"}}}}',
      'StringEquals',
      { line: 3, column: 3 },
    ],
    [
      'condition keys',
      '{"Statement": {"Condition": {"StringLike": {\n    "aws:PrincipalTag/team": "a",\n    "aws:PrincipalTag/team": "b"}}}}',
      'aws:PrincipalTag/team',
      { line: 3, column: 5 },
    ],
    [
      'principal map',
      '{"Statement": {"Principal": {"AWS": "1", "Service": "x", "AWS": "2"}}}',
      'AWS',
      { line: 1, column: 58 },
    ],
    ['an object inside an array', '[{"x": 1}, {"y": 1, "y": 2}]', 'y', { line: 1, column: 21 }],
    ['a key spelt with an escape', '{"Action": "a", "\\u0041ction": "b"}', 'Action', at(1, 17)],
  ])('at %s', (_where, text, key, position) => {
    const r = parseJsonTree(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toBe('duplicate-key');
    expect(r.detail).toBe(key);
    expect(r.span && pos(r.span)).toEqual(position);
    // the span covers the second occurrence of the key, quotes included
    expect(r.span?.offset).toBeGreaterThan(text.indexOf(`"${key}"`));
    expect(r.span && JSON.parse(source(text, r.span))).toBe(key);
  });

  it('reports the first duplicate in document order', () => {
    const r = parseJsonTree('{"a": {"x": 1, "x": 2}, "a": 3, "b": 1, "b": 2}');
    expect(!r.ok && r.detail).toBe('x');
  });

  it.each([
    ['sibling statements', '{"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]}'],
    ['parent and child', '{"Condition": {"Condition": {"Condition": 1}}}'],
    ['keys that differ in case', '{"Effect": "Allow", "effect": "Deny", "EFFECT": "x"}'],
    [
      'the same key in two operator blocks',
      '{"StringEquals": {"k": "1"}, "StringLike": {"k": "2"}}',
    ],
    ['repeated array values', '{"Action": ["s3:GetObject", "s3:GetObject"]}'],
  ])('does not flag %s', (_what, text) => {
    expect(parseJsonTree(text).ok).toBe(true);
  });
});

describe('parseJsonTree: strict JSON', () => {
  it.each([
    ['trailing comma in an object', '{"a": 1,}'],
    ['trailing comma in an array', '{"a": [1, 2,]}'],
    ['line comment', '{"a": 1 // note\n}'],
    ['block comment', '{/* note */ "a": 1}'],
    ['single-quoted string', '{"a": \'x\'}'],
    ['single-quoted key', "{'a': 1}"],
    ['unquoted key', '{a: 1}'],
    ['NaN', '{"a": NaN}'],
    ['Infinity', '{"a": Infinity}'],
    ['-Infinity', '{"a": -Infinity}'],
    ['leading zero', '{"a": 01}'],
    ['leading zero with a fraction', '{"a": 00.5}'],
    ['leading plus', '{"a": +1}'],
    ['hexadecimal', '{"a": 0x10}'],
    ['bare fraction', '{"a": .5}'],
    ['trailing dot', '{"a": 1.}'],
    ['undefined', '{"a": undefined}'],
    ['raw control character in a string', '{"a": "x\ty"}'],
    ['raw newline in a string', '{"a": "x\ny"}'],
    ['invalid escape', '{"a": "\\x41"}'],
    ['unterminated string', '{"a": "x}'],
    ['missing comma', '{"a": 1 "b": 2}'],
    ['missing colon', '{"a" 1}'],
    ['missing value', '{"a": }'],
    ['unclosed object', '{"a": 1'],
    ['extra closing brace', '{"a": 1}}'],
    ['two top-level values', '{} {}'],
    ['empty text', ''],
    ['whitespace only', ' \n\t '],
    ['capitalised literal', '{"a": True}'],
  ])('rejects %s', (_what, text) => {
    const r = parseJsonTree(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toBe('syntax');
  });

  it('reports a syntax error rather than a duplicate when the text is not JSON', () => {
    const r = parseJsonTree('{"a": 1, "a": 2,}');
    expect(!r.ok && r.problem).toBe('syntax');
  });

  it.each([
    ['surrounding whitespace', ' \r\n\t{"a": 1}\n '],
    ['exponent with sign', '{"a": 1E+2}'],
    ['negative zero', '{"a": -0}'],
    ['escaped solidus and unicode', '{"a": "\\/\\u00e9"}'],
    ['nested empty containers', '{"a": [[], {}, [{}]]}'],
  ])('accepts %s', (_what, text) => {
    expect(parseJsonTree(text).ok).toBe(true);
  });
});
