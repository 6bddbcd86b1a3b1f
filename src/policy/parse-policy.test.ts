import { describe, expect, it } from 'vitest';
import type { PolicyProblem } from './errors.js';
import {
  findInvalidCharacter,
  type ParseResult,
  parsePolicy,
  parsePolicyValue,
} from './parse-policy.js';
import { POLICY_TYPES, type PolicyDocument, type PolicyType } from './types.js';

// IAM's texts, written out here rather than taken from errors.ts, so a typo there fails a test
const SYNTAX = 'Syntax errors in policy.';
const INVALID_JSON = 'This policy contains invalid Json';
const charsetMessage = (param: string) =>
  `1 validation error detected: Value at '${param}' failed to satisfy constraint: ` +
  'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+';

function ok(r: ParseResult): PolicyDocument {
  if (!r.ok)
    throw new Error(`expected the policy to parse: ${r.error.message} (${r.error.detail})`);
  return r.document;
}

function error(r: ParseResult): PolicyProblem {
  if (r.ok) throw new Error('expected the policy to be rejected');
  return r.error;
}

/** The document without positions and source text, to compare shapes. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'span' || k === 'keySpans' || k === 'operatorSpan' || k === 'text') continue;
      if (x === undefined) continue;
      out[k] = shape(x);
    }
    return out;
  }
  return v;
}

const stmt = (s: Record<string, unknown>) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...s }] });
const withCondition = (condition: unknown) =>
  stmt({ Action: 's3:GetObject', Resource: '*', Condition: condition });

describe('parsePolicy: character set', () => {
  const around = (ch: string) => `{"Version":"2012-10-17","Statement":{"Sid":"a${ch}b"}}`;

  it.each([
    ['TAB', '\t'],
    ['LF', '\n'],
    ['CR', '\r'],
    ['CRLF', '\r\n'],
  ])('allows %s as whitespace', (_name, ch) => {
    const text = `{${ch}"Version":${ch}"2012-10-17",${ch}"Statement":{"Effect":"Allow","Action":"s3:*"}${ch}}`;
    expect(parsePolicy(text).ok).toBe(true);
  });

  it.each([
    ['U+0020 space', ' '],
    ['U+007E tilde', '~'],
    ['U+007F delete', '\u007f'],
    ['U+0080', '\u0080'],
    ['U+009F', '\u009f'],
    ['U+00A0 no-break space', '\u00a0'],
    ['U+00E9 é', 'é'],
    ['U+00FF ÿ', 'ÿ'],
  ])('allows %s', (_name, ch) => {
    const text = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${ch}"}}`;
    expect(findInvalidCharacter(text)).toBe(-1);
    expect(parsePolicy(text).ok).toBe(true);
  });

  it.each([
    ['U+0000', '\u0000'],
    ['U+0001', '\u0001'],
    ['U+0008 backspace', '\b'],
    ['U+000B vertical tab', '\u000b'],
    ['U+000C form feed', '\f'],
    ['U+001F', '\u001f'],
    ['U+0100 Ā', '\u0100'],
    ['U+2028 line separator', '\u2028'],
    ['U+FEFF byte-order mark', '\ufeff'],
    ['U+4E2D 中', '中'],
    ['an emoji (surrogate pair)', '😀'],
    ['a lone surrogate', '\ud800'],
  ])('rejects %s with ValidationError', (_name, ch) => {
    const text = around(ch);
    expect(findInvalidCharacter(text)).toBe(text.indexOf(ch));
    for (const type of POLICY_TYPES) {
      const e = error(parsePolicy(text, { type }));
      expect(e.code).toBe('ValidationError');
      expect(e.httpStatus).toBe(400);
      expect(e.message).toBe(charsetMessage('policyDocument'));
    }
  });

  it('names the API parameter it was given', () => {
    const e = error(
      parsePolicy('{"Statement":"→"}', { type: 'trust', parameter: 'assumeRolePolicyDocument' }),
    );
    expect(e.message).toBe(
      "1 validation error detected: Value at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    );
  });

  it('checks the character set before the JSON', () => {
    const e = error(parsePolicy('{"a": 1,, 😀', { type: 'trust' }));
    expect(e.code).toBe('ValidationError');
  });

  it('checks a value passed as an object too', () => {
    const e = error(parsePolicyValue({ Version: '2012-10-17', Statement: { Sid: '中' } }));
    expect(e.code).toBe('ValidationError');
  });

  it('finds the first bad character', () => {
    expect(findInvalidCharacter('ab\u0100c\u0001')).toBe(2);
    expect(findInvalidCharacter('')).toBe(-1);
  });
});

describe('parsePolicy: invalid JSON and duplicate keys', () => {
  const badJson = [
    ['a trailing comma', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",}]}'],
    ['a comment', '{"Version":"2012-10-17", // c\n"Statement":[]}'],
    ['single quotes', "{'Version':'2012-10-17'}"],
    ['NaN', '{"Version":"2012-10-17","Statement":{"Condition":{"NumericEquals":{"k:n":NaN}}}}'],
    [
      'a leading zero',
      '{"Version":"2012-10-17","Statement":{"Condition":{"NumericEquals":{"k:n":007}}}}',
    ],
    ['an unclosed object', '{"Version":"2012-10-17"'],
    ['empty text', ''],
    ['plain text', 'not json'],
  ];
  const duplicates = [
    [
      'top level',
      '{"Version":"2012-10-17","Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}',
    ],
    ['statement', '{"Statement":{"Effect":"Allow","Action":"*","Action":"s3:*"}}'],
    [
      'Condition operator block',
      '{"Statement":{"Effect":"Allow","Action":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:ViaAWSService":"true"}}}}',
    ],
    [
      'condition keys',
      '{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"aws:username":"a","aws:username":"b"}}}}',
    ],
    [
      'Principal',
      '{"Statement":{"Effect":"Allow","Action":"*","Principal":{"AWS":"1","AWS":"2"}}}',
    ],
  ];
  const expected = (type: PolicyType | undefined) => (type === 'trust' ? INVALID_JSON : SYNTAX);
  const types = [...POLICY_TYPES, undefined];

  describe.each(badJson)('%s', (_what, text) => {
    it.each(types)('as %s', (type) => {
      const e = error(parsePolicy(text as string, { type }));
      expect(e.code).toBe('MalformedPolicyDocument');
      expect(e.httpStatus).toBe(400);
      expect(e.message).toBe(expected(type));
    });
  });

  describe.each(duplicates)('duplicate key at %s', (_where, text) => {
    it.each(types)('as %s', (type) => {
      const e = error(parsePolicy(text as string, { type }));
      expect(e.code).toBe('MalformedPolicyDocument');
      expect(e.httpStatus).toBe(400);
      expect(e.message).toBe(expected(type));
    });
  });

  it('says so in the detail and points at the repeated key', () => {
    const text = '{\n  "Statement": {\n    "Effect": "Allow",\n    "Effect": "Deny"\n  }\n}';
    const e = error(parsePolicy(text, { type: 'identity' }));
    expect(e.detail).toBe('duplicate key `Effect`');
    expect(e.span).toMatchObject({ line: 4, column: 5 });
  });

  it('says the JSON is invalid in the detail', () => {
    expect(error(parsePolicy('{,}')).detail).toMatch(/^invalid JSON: /);
  });
});

describe('parsePolicy: Syntax errors in policy.', () => {
  const S = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
  const doc = (statement: unknown, top: Record<string, unknown> = { Version: '2012-10-17' }) =>
    JSON.stringify({ ...top, Statement: statement });
  const cases: [string, string][] = [
    // the document
    ['root is an array', JSON.stringify([S])],
    ['root is a string', '"policy"'],
    ['root is a number', '1'],
    ['root is null', 'null'],
    ['unknown top-level element', doc(S, { Version: '2012-10-17', Foo: 'bar' })],
    ['top-level element in the wrong case', doc(S, { version: '2012-10-17' })],
    ['top-level Conditions', doc(S, { Version: '2012-10-17', Conditions: {} })],
    ['Version is a number', doc(S, { Version: 2012 })],
    ['Version is null', doc(S, { Version: null })],
    ['Version is an unknown date', doc(S, { Version: '2012-10-18' })],
    ['Version has a trailing space', doc(S, { Version: '2012-10-17 ' })],
    ['Version is empty', doc(S, { Version: '' })],
    ['Version is 2012-10-17 in an array', doc(S, { Version: ['2012-10-17'] })],
    ['Id is a number', doc(S, { Version: '2012-10-17', Id: 1 })],
    ['Id is an object', doc(S, { Version: '2012-10-17', Id: {} })],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
    ['empty Statement', doc([])],
    ['Statement is a string', doc('s')],
    ['Statement is null', doc(null)],
    ['Statement item is a number', doc([1])],
    ['Statement item is an array', doc([[S]])],
    ['one good and one bad Statement item', doc([S, 'x'])],
    // the statement
    ['unknown statement element', doc({ ...S, Resources: '*' })],
    ['statement element in the wrong case', doc({ ...S, action: 's3:*' })],
    ['misspelt Condition', doc({ ...S, Condtion: {} })],
    ['Sid is a number', doc({ ...S, Sid: 1 })],
    ['Sid is null', doc({ ...S, Sid: null })],
    ['no Effect', doc({ Action: 's3:*', Resource: '*' })],
    ['Effect is a number', doc({ ...S, Effect: 1 })],
    ['Effect is an array', doc({ ...S, Effect: ['Allow'] })],
    ['Effect is Permit', doc({ ...S, Effect: 'Permit' })],
    ['Effect is Allowed', doc({ ...S, Effect: 'Allowed' })],
    ['Effect is ALLOWX', doc({ ...S, Effect: 'ALLOWX' })],
    ['Effect is empty', doc({ ...S, Effect: '' })],
    ['Effect has a space', doc({ ...S, Effect: 'Allow ' })],
    // Action / Resource values
    ['Action is a number', doc({ ...S, Action: 1 })],
    ['Action is an object', doc({ ...S, Action: {} })],
    ['Action is null', doc({ ...S, Action: null })],
    ['Action is a boolean', doc({ ...S, Action: true })],
    ['Action has a number', doc({ ...S, Action: ['s3:GetObject', 1] })],
    ['Action has a null', doc({ ...S, Action: [null] })],
    ['Action has a nested array', doc({ ...S, Action: [['s3:GetObject']] })],
    ['NotAction is a boolean', doc({ Effect: 'Allow', NotAction: false, Resource: '*' })],
    ['Resource is a number', doc({ ...S, Resource: 5 })],
    ['Resource has an object', doc({ ...S, Resource: [{}] })],
    ['NotResource is an object', doc({ Effect: 'Allow', Action: '*', NotResource: {} })],
    // mutually exclusive pairs
    ['Action with NotAction', doc({ ...S, NotAction: 's3:PutObject' })],
    ['Resource with NotResource', doc({ ...S, NotResource: 'arn:aws:s3:::b' })],
    ['Principal with NotPrincipal', doc({ ...S, Principal: '*', NotPrincipal: { AWS: '1' } })],
    // Principal values
    [
      'Principal is a string other than *',
      doc({ ...S, Principal: 'arn:aws:iam::123456789012:root' }),
    ],
    ['Principal is an array', doc({ ...S, Principal: ['*'] })],
    ['Principal is a number', doc({ ...S, Principal: 1 })],
    ['Principal has an unknown kind', doc({ ...S, Principal: { Foo: 'x' } })],
    ['Principal kind in the wrong case', doc({ ...S, Principal: { aws: '*' } })],
    ['Principal value is a number', doc({ ...S, Principal: { AWS: 123456789012 } })],
    ['Principal value has a number', doc({ ...S, Principal: { AWS: ['*', 1] } })],
    ['Principal value is an object', doc({ ...S, Principal: { Service: {} } })],
    ['NotPrincipal is a string other than *', doc({ ...S, NotPrincipal: 'x' })],
    // Condition
    ['Condition is a string', doc({ ...S, Condition: 'x' })],
    ['Condition is an array', doc({ ...S, Condition: [] })],
    ['operator maps to a string', doc({ ...S, Condition: { StringEquals: 'x' } })],
    ['operator maps to an array', doc({ ...S, Condition: { StringEquals: [] } })],
    ['operator maps to null', doc({ ...S, Condition: { StringEquals: null } })],
    ['unknown operator', doc({ ...S, Condition: { StringEqual: { 'aws:username': 'a' } } })],
    [
      'operator in the wrong case',
      doc({ ...S, Condition: { stringequals: { 'aws:username': 'a' } } }),
    ],
    [
      'two set prefixes',
      doc({ ...S, Condition: { 'ForAnyValue:ForAllValues:StringEquals': { 'aws:TagKeys': 'a' } } }),
    ],
    [
      'IfExists twice',
      doc({ ...S, Condition: { StringEqualsIfExistsIfExists: { 'aws:username': 'a' } } }),
    ],
    [
      'unknown set prefix',
      doc({ ...S, Condition: { 'ForSomeValues:StringEquals': { 'k:k': 'a' } } }),
    ],
    [
      'unknown operator beside a known one',
      doc({ ...S, Condition: { StringEquals: { 'k:k': 'a' }, Nope: { 'k:k': 'b' } } }),
    ],
    [
      'nested object as condition value',
      doc({ ...S, Condition: { StringEquals: { 'k:k': { a: 'b' } } } }),
    ],
    [
      'nested object in a condition value list',
      doc({ ...S, Condition: { StringEquals: { 'k:k': ['a', { a: 'b' }] } } }),
    ],
    [
      'nested array as condition value',
      doc({ ...S, Condition: { StringEquals: { 'k:k': [['a']] } } }),
    ],
    ['null condition value', doc({ ...S, Condition: { Null: { 'k:k': null } } })],
    [
      'null in a condition value list',
      doc({ ...S, Condition: { StringEquals: { 'k:k': ['a', null] } } }),
    ],
  ];

  it.each(cases)('%s', (_what, text) => {
    for (const type of POLICY_TYPES) {
      // grammar errors are "Syntax errors" for trust policies too: only unparseable JSON differs
      const e = error(parsePolicy(text, { type }));
      expect(e.code).toBe('MalformedPolicyDocument');
      expect(e.httpStatus).toBe(400);
      expect(e.message).toBe(SYNTAX);
      expect(e.detail).toBeTruthy();
    }
  });

  it.each([
    ['an unknown operator with an empty map', { Foo: {} }],
    ['a misspelt operator with an empty map', { StringEqual: {} }],
    ['a known operator with an empty map', { StringEquals: {} }],
    ['an empty Condition', {}],
    ['every known operator form', { 'ForAllValues:StringLikeIfExists': { 'aws:TagKeys': [] } }],
  ])('accepts %s', (_what, condition) => {
    for (const type of POLICY_TYPES) {
      expect(parsePolicy(withCondition(condition), { type }).ok).toBe(true);
    }
  });

  it('drops an unknown operator with an empty map from the AST', () => {
    const d = ok(parsePolicy(withCondition({ Foo: {}, Bool: { 'aws:SecureTransport': 'true' } })));
    expect(d.statements[0]?.conditions.map((c) => c.operator)).toEqual(['Bool']);
  });

  it.each([['allow'], ['deny'], ['ALLOW'], ['DENY'], ['aLLoW']])(
    'leaves Effect %s to validation (legacy parsing), keeping it as written',
    (effect) => {
      const d = ok(parsePolicy(stmt({ Effect: effect, Action: '*', Resource: '*' })));
      expect(d.statements[0]?.effect).toBe(effect);
    },
  );

  it.each([
    ['no Version', JSON.stringify({ Statement: S })],
    ['Version 2008-10-17', doc(S, { Version: '2008-10-17' })],
    ['an Id', doc(S, { Version: '2012-10-17', Id: 'my-policy' })],
    ['Principal *', doc({ ...S, Principal: '*' })],
    [
      'NotPrincipal map',
      doc({ ...S, NotPrincipal: { AWS: ['1', '2'], Service: 's.amazonaws.com' } }),
    ],
    ['an empty Action list', doc({ ...S, Action: [] })],
    ['no Action at all', doc({ Effect: 'Allow', Resource: '*' })],
    ['an empty condition value list', doc({ ...S, Condition: { StringEquals: { 'k:k': [] } } })],
    ['an empty Sid', doc({ ...S, Sid: '' })],
  ])('accepts %s', (_what, text) => {
    expect(parsePolicy(text).ok).toBe(true);
  });
});

describe('parsePolicy: scalar or array', () => {
  it.each([
    [
      'Action',
      { Action: 's3:GetObject', Resource: '*' },
      { Action: ['s3:GetObject'], Resource: '*' },
    ],
    ['NotAction', { NotAction: 'iam:*', Resource: '*' }, { NotAction: ['iam:*'], Resource: '*' }],
    [
      'Resource',
      { Action: '*', Resource: 'arn:aws:s3:::b/*' },
      { Action: '*', Resource: ['arn:aws:s3:::b/*'] },
    ],
    [
      'NotResource',
      { Action: '*', NotResource: 'arn:aws:s3:::b' },
      { Action: '*', NotResource: ['arn:aws:s3:::b'] },
    ],
    [
      'Principal values',
      { Action: '*', Principal: { AWS: '111122223333', Service: 'ec2.amazonaws.com' } },
      { Action: '*', Principal: { AWS: ['111122223333'], Service: ['ec2.amazonaws.com'] } },
    ],
    [
      'NotPrincipal values',
      { Action: '*', NotPrincipal: { Federated: 'accounts.google.com' } },
      { Action: '*', NotPrincipal: { Federated: ['accounts.google.com'] } },
    ],
    [
      'condition values',
      {
        Action: '*',
        Condition: { StringEquals: { 'aws:username': 'alice' }, Bool: { 'k:b': true } },
      },
      {
        Action: '*',
        Condition: { StringEquals: { 'aws:username': ['alice'] }, Bool: { 'k:b': [true] } },
      },
    ],
    [
      'numeric condition values',
      { Action: '*', Condition: { NumericLessThan: { 's3:max-keys': 10.5 } } },
      { Action: '*', Condition: { NumericLessThan: { 's3:max-keys': [10.5] } } },
    ],
  ])('%s: a scalar and a one-element array give the same AST', (_what, scalar, array) => {
    const a = ok(parsePolicy(stmt(scalar)));
    const b = ok(parsePolicy(stmt(array)));
    expect(shape(a)).toEqual(shape(b));
  });

  it('keeps every item of an array, in order', () => {
    const d = ok(parsePolicy(stmt({ Action: ['s3:b', 's3:a', 's3:b'], Resource: ['r1', 'r2'] })));
    expect(d.statements[0]?.action?.map((a) => a.value)).toEqual(['s3:b', 's3:a', 's3:b']);
    expect(d.statements[0]?.resource?.map((a) => a.value)).toEqual(['r1', 'r2']);
  });

  it('accepts a single statement object the same as a one-element array', () => {
    const s = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
    const a = ok(parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: s })));
    const b = ok(parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [s] })));
    expect(shape(a)).toEqual(shape(b));
  });

  it('flattens a principal map into kind/value entries in document order', () => {
    const d = ok(
      parsePolicy(
        stmt({
          Action: '*',
          Principal: { Service: ['a.amazonaws.com', 'b.amazonaws.com'], AWS: '111122223333' },
        }),
      ),
    );
    expect(shape(d.statements[0]?.principal)).toEqual({
      star: false,
      entries: [
        { kind: 'Service', value: 'a.amazonaws.com' },
        { kind: 'Service', value: 'b.amazonaws.com' },
        { kind: 'AWS', value: '111122223333' },
      ],
    });
  });

  it('reads Principal "*" as star with no entries', () => {
    const d = ok(parsePolicy(stmt({ Action: '*', Principal: '*' })));
    expect(shape(d.statements[0]?.principal)).toEqual({ star: true, entries: [] });
  });
});

describe('parsePolicy: condition values', () => {
  const values = (v: unknown, operator = 'StringEquals') => {
    const d = ok(parsePolicy(withCondition({ [operator]: { 'k:k': v } })));
    return d.statements[0]?.conditions[0]?.values.map((x) => x.value);
  };

  it.each([
    ['a string', 'abc', ['abc']],
    ['an empty string', '', ['']],
    ['a list of strings', ['a', 'b'], ['a', 'b']],
    ['an empty list', [], []],
    ['true', true, ['true']],
    ['false', false, ['false']],
    ['a mixed list', ['x', 1, true], ['x', '1', 'true']],
  ])('%s', (_what, v, expected) => {
    expect(values(v)).toEqual(expected);
  });

  it.each([
    ['10', ['10']],
    ['10.0', ['10.0']],
    ['-3.50', ['-3.50']],
    ['1e3', ['1e3']],
    ['2E-2', ['2E-2']],
    ['0', ['0']],
    ['-0', ['-0']],
    ['12345678901234567890', ['12345678901234567890']],
    ['[1.0, 2.00]', ['1.0', '2.00']],
  ])('a number keeps its raw text: %s', (raw, expected) => {
    const text = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":${raw}}}}}`;
    const d = ok(parsePolicy(text));
    expect(d.statements[0]?.conditions[0]?.values.map((x) => x.value)).toEqual(expected);
  });

  it('flattens operators and keys into clauses in document order', () => {
    const d = ok(
      parsePolicy(
        withCondition({
          StringLike: { 'k:a': 'x*', 'k:b': ['1', '2'] },
          'ForAnyValue:StringEquals': { 'aws:TagKeys': 'env' },
        }),
      ),
    );
    expect(shape(d.statements[0]?.conditions)).toEqual([
      { operator: 'StringLike', key: 'k:a', values: [{ value: 'x*' }] },
      { operator: 'StringLike', key: 'k:b', values: [{ value: '1' }, { value: '2' }] },
      { operator: 'ForAnyValue:StringEquals', key: 'aws:TagKeys', values: [{ value: 'env' }] },
    ]);
  });
});

describe('parsePolicy: the document', () => {
  it('keeps Version, Id, Sid, Effect, statement indexes and the source text', () => {
    const text = JSON.stringify({
      Version: '2008-10-17',
      Id: 'Policy1',
      Statement: [
        { Sid: 'One', Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', NotAction: 'iam:*', NotResource: '*' },
      ],
    });
    const d = ok(parsePolicy(text));
    expect(d.version).toBe('2008-10-17');
    expect(d.id).toBe('Policy1');
    expect(d.text).toBe(text);
    expect(d.statements.map((s) => [s.index, s.sid, s.effect])).toEqual([
      [0, 'One', 'Allow'],
      [1, undefined, 'Deny'],
    ]);
    expect(d.statements[1]?.notAction?.map((a) => a.value)).toEqual(['iam:*']);
    expect(d.statements[1]?.notResource?.map((a) => a.value)).toEqual(['*']);
    expect(d.statements[1]?.action).toBeUndefined();
  });

  it('leaves Version undefined when absent', () => {
    expect(
      ok(parsePolicy('{"Statement":{"Effect":"Allow","Action":"*"}}')).version,
    ).toBeUndefined();
  });

  it('parsePolicyValue takes an object or a string and gives the same AST as the text', () => {
    const value = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
    };
    const fromValue = ok(parsePolicyValue(value));
    const fromText = ok(parsePolicy(JSON.stringify(value)));
    expect(shape(fromValue)).toEqual(shape(fromText));
    expect(shape(ok(parsePolicyValue(JSON.stringify(value))))).toEqual(shape(fromText));
  });

  it('parsePolicyValue passes the type on, so trust policies say invalid Json', () => {
    expect(error(parsePolicyValue('{', { type: 'trust' })).message).toBe(INVALID_JSON);
    expect(error(parsePolicyValue('{', { type: 'identity' })).message).toBe(SYNTAX);
    expect(error(parsePolicyValue(undefined)).message).toBe(SYNTAX);
  });
});

describe('parsePolicy: source spans', () => {
  const text = [
    '{',
    '  "Version": "2012-10-17",',
    '  "Statement": [',
    '    {',
    '      "Sid": "ReadBucket",',
    '      "Effect": "Allow",',
    '      "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:role/app"]},',
    '      "Action": ["s3:GetObject",',
    '                 "s3:ListBucket"],',
    '      "Resource": "arn:aws:s3:::b/*",',
    '      "Condition": {',
    '        "NumericLessThan": {"s3:max-keys": 10.0}',
    '      }',
    '    }',
    '  ]',
    '}',
  ].join('\n');
  const d = ok(parsePolicy(text));
  const s = d.statements[0];
  const at = (span: { line: number; column: number } | undefined) =>
    span && { line: span.line, column: span.column };
  const slice = (span: { offset: number; length: number } | undefined) =>
    span && text.slice(span.offset, span.offset + span.length);

  it('points at top-level keys', () => {
    expect(at(d.keySpans.Version)).toEqual({ line: 2, column: 3 });
    expect(at(d.keySpans.Statement)).toEqual({ line: 3, column: 3 });
  });

  it('points at the statement and its keys', () => {
    expect(at(s?.span)).toEqual({ line: 4, column: 5 });
    expect(s?.span && { line: s.span.endLine, column: s.span.endColumn }).toEqual({
      line: 14,
      column: 6,
    });
    expect(at(s?.keySpans.Sid)).toEqual({ line: 5, column: 7 });
    expect(at(s?.keySpans.Effect)).toEqual({ line: 6, column: 7 });
    expect(at(s?.keySpans.Condition)).toEqual({ line: 11, column: 7 });
    expect(slice(s?.keySpans.Resource)).toBe('"Resource"');
  });

  it('points at values', () => {
    expect(at(s?.action?.[0]?.span)).toEqual({ line: 8, column: 18 });
    expect(at(s?.action?.[1]?.span)).toEqual({ line: 9, column: 18 });
    expect(slice(s?.action?.[1]?.span)).toBe('"s3:ListBucket"');
    expect(at(s?.resource?.[0]?.span)).toEqual({ line: 10, column: 19 });
    expect(at(s?.principal?.span)).toEqual({ line: 7, column: 20 });
    expect(at(s?.principal?.entries[1]?.span)).toEqual({ line: 7, column: 45 });
    expect(slice(s?.principal?.entries[1]?.span)).toBe('"arn:aws:iam::111122223333:role/app"');
  });

  it('points at condition operators, keys and values', () => {
    const c = s?.conditions[0];
    expect(at(c?.operatorSpan)).toEqual({ line: 12, column: 9 });
    expect(at(c?.span)).toEqual({ line: 12, column: 29 });
    expect(at(c?.values[0]?.span)).toEqual({ line: 12, column: 44 });
    expect(slice(c?.values[0]?.span)).toBe('10.0');
  });

  it.each([
    [
      'an unknown statement element',
      '{\n  "Statement": {\n    "Effect": "Allow",\n    "Acton": "*"\n  }\n}',
      4,
      5,
    ],
    ['an unknown top-level element', '{"Statement": [],\n "Extra": 1}', 2, 2],
    ['a bad Version', '{\n  "Version": "2013-01-01",\n  "Statement": []\n}', 2, 14],
    ['an Effect other than Allow or Deny', '{"Statement": {\n  "Effect": "Maybe"}}', 2, 13],
    [
      'NotAction after Action',
      '{"Statement": {"Effect": "Allow", "Action": "*",\n   "NotAction": "s3:*"}}',
      2,
      4,
    ],
    [
      'an unknown operator',
      '{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {\n    "StringEqualz": {"k:k": "v"}}}}',
      2,
      5,
    ],
    [
      'a nested object in a condition value',
      '{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals":\n {"k:k": ["a",\n {"x": 1}]}}}}',
      3,
      2,
    ],
    [
      'a non-string Action item',
      '{"Statement": {"Effect": "Allow",\n "Action": ["s3:*", 7]}}',
      2,
      21,
    ],
    ['an empty Statement', '{"Version": "2012-10-17",\n "Statement": []}', 2, 15],
  ])('points a syntax error at %s', (_what, bad, line, column) => {
    const e = error(parsePolicy(bad));
    expect(e.message).toBe(SYNTAX);
    expect(at(e.span)).toEqual({ line, column });
  });
});
