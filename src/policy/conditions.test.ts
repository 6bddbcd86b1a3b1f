/**
 * Condition operators, one clause at a time (spec/iam-policy.md §6–§8): every operator
 * family, IfExists, the set qualifiers and the §8 truth table, Null, NOR for negated
 * operators, missing keys, key-name case-insensitivity and the value case rules.
 * AWS pages: reference_policies_elements_condition_operators.html,
 * reference_policies_condition-logic-multiple-context-keys-or-values.html,
 * reference_policies_condition-single-vs-multi-valued-context-keys.html.
 */
import { describe, expect, it } from 'vitest';
import { BASE_OPERATORS, parseOperator } from './condition-operators.js';
import { compileCondition, conditionHolds } from './conditions.js';
import { type ContextInput, createContext } from './context.js';

type Req = string | string[] | undefined;

/** Evaluates `{ operator: { key: values } }` against a context where `key` is `request`. */
function holds(
  operator: string,
  values: string | string[],
  request: Req,
  opts: { key?: string; requestKey?: string; variables?: boolean; extra?: ContextInput } = {},
): boolean {
  const key = opts.key ?? 'k:key';
  const list = Array.isArray(values) ? values : [values];
  const c = compileCondition(
    { operator, key, values: list.map((value) => ({ value })) },
    opts.variables ?? true,
  );
  const ctx: Record<string, string | string[]> = {};
  if (request !== undefined) ctx[opts.requestKey ?? key] = request;
  return conditionHolds(c, createContext({ ...opts.extra, ...ctx }));
}

const NON_NULL = Object.keys(BASE_OPERATORS).filter((o) => o !== 'Null');
const NEGATED = NON_NULL.filter((o) => BASE_OPERATORS[o]?.negated);
const POSITIVE = NON_NULL.filter((o) => !BASE_OPERATORS[o]?.negated);

describe('operator names', () => {
  // §7 operator table; engine choice: names are case-sensitive (§15 [?])
  it.each([
    ['StringEquals', { base: 'StringEquals', set: 'none', ifExists: false, negated: false }],
    [
      'ForAllValues:StringNotLikeIfExists',
      { base: 'StringNotLike', set: 'all', ifExists: true, negated: true },
    ],
    ['ForAnyValue:ArnLike', { base: 'ArnLike', set: 'any', ifExists: false, negated: false }],
    ['NotIpAddressIfExists', { base: 'NotIpAddress', set: 'none', ifExists: true, negated: true }],
    ['NumericNotEquals', { base: 'NumericNotEquals', negated: true }],
    ['ArnNotEquals', { family: 'Arn', negated: true }],
    ['StringEqualsIgnoreCase', { ignoreCase: true, negated: false }],
  ])('%s parses', (name, expected) => {
    expect(parseOperator(name)).toMatchObject(expected);
  });

  it.each([
    'stringequals',
    'STRINGEQUALS',
    'forallvalues:StringEquals',
    'ForAllValues:stringEquals',
    'StringEqualsIfexists',
    'StringEqual',
    'IpAddressNot',
    'ForAllValues:',
    'ForAnyValueIfExists:StringEquals',
    'IfExistsStringEquals',
    '',
  ])('%j is not an operator', (name) => {
    expect(parseOperator(name)).toBeUndefined();
  });

  it('knows all 27 base operators of §7', () => {
    expect(Object.keys(BASE_OPERATORS)).toHaveLength(27);
  });
});

describe('a missing key (§6 [doc])', () => {
  // positive operators are false, negated ones true
  it.each(POSITIVE)('%s is false', (op) => {
    expect(holds(op, 'x', undefined)).toBe(false);
  });
  it.each(NEGATED)('%s is true', (op) => {
    expect(holds(op, 'x', undefined)).toBe(true);
  });
  // …IfExists is true for every operator
  it.each(NON_NULL)('%sIfExists is true', (op) => {
    expect(holds(`${op}IfExists`, 'x', undefined)).toBe(true);
  });
  // §8: ForAllValues is vacuously true, ForAnyValue false
  it.each(NON_NULL)('ForAllValues:%s is true', (op) => {
    expect(holds(`ForAllValues:${op}`, 'x', undefined)).toBe(true);
  });
  it.each(NON_NULL)('ForAnyValue:%s is false', (op) => {
    expect(holds(`ForAnyValue:${op}`, 'x', undefined)).toBe(false);
  });
  it('a key given as null in the context is missing', () => {
    const c = compileCondition(
      { operator: 'StringNotEquals', key: 'k:key', values: [{ value: 'a' }] },
      true,
    );
    expect(conditionHolds(c, createContext({ 'k:key': null }))).toBe(true);
  });
});

describe('String operators (§7)', () => {
  it.each<[string, string | string[], Req, boolean]>([
    // exact and case-sensitive
    ['StringEquals', 'abc', 'abc', true],
    ['StringEquals', 'abc', 'ABC', false],
    ['StringEquals', 'abc', 'abcd', false],
    ['StringEquals', '', '', true],
    // only *Like interprets * and ?
    ['StringEquals', 'al*', 'alice', false],
    ['StringEquals', 'al*', 'al*', true],
    ['StringEquals', 'a?c', 'abc', false],
    ['StringEquals', ['a', 'b'], 'b', true],
    ['StringNotEquals', 'abc', 'ABC', true],
    ['StringNotEquals', ['a', 'b'], 'b', false],
    ['StringNotEquals', ['a', 'b'], 'c', true],
    // IgnoreCase folds both sides
    ['StringEqualsIgnoreCase', 'Admin', 'aDMIN', true],
    ['StringEqualsIgnoreCase', 'Admin', 'admins', false],
    ['StringEqualsIgnoreCase', 'A*', 'abc', false],
    ['StringNotEqualsIgnoreCase', ['Admin', 'Ops'], 'OPS', false],
    ['StringNotEqualsIgnoreCase', ['Admin', 'Ops'], 'dev', true],
    // Like: * any run (even empty, even across : and /), ? exactly one character
    ['StringLike', 'home/*', 'home/ana/docs', true],
    ['StringLike', 'home/*', 'home/', true],
    ['StringLike', 'home/*', 'Home/ana', false],
    ['StringLike', 'file?', 'file1', true],
    ['StringLike', 'file?', 'file', false],
    ['StringLike', 'file?', 'file12', false],
    ['StringLike', 'arn:aws:*:topic', 'arn:aws:sns:us-east-1:111122223333:topic', true],
    ['StringLike', '*a*b*', 'xxaxxbxx', true],
    ['StringLike', '*a*b*', 'xxbxxaxx', false],
    ['StringLike', '*', '', true],
    ['StringNotLike', ['*.tmp', '*.bak'], 'a.bak', false],
    ['StringNotLike', ['*.tmp', '*.bak'], 'a.txt', true],
  ])('%s %j vs %j → %s', (op, values, request, expected) => {
    expect(holds(op, values, request)).toBe(expected);
  });
});

describe('Numeric operators (§7)', () => {
  it.each<[string, string | string[], Req, boolean]>([
    ['NumericEquals', '10', '10', true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericEquals', '10.0', '10', true],
    ['NumericEquals', '2.50', '2.5', true],
    ['NumericEquals', '10', '10.5', false],
    ['NumericEquals', '-3', '-3.00', true],
    ['NumericNotEquals', ['1', '2'], '2', false],
    ['NumericNotEquals', ['1', '2'], '3', true],
    ['NumericLessThan', '10', '9.99', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericLessThanEquals', '10', '10.01', false],
    ['NumericGreaterThan', '10', '10', false],
    ['NumericGreaterThan', '10', '10.5', true],
    ['NumericGreaterThanEquals', '10', '10.000', true],
    ['NumericGreaterThanEquals', '10', '9', false],
    ['NumericLessThan', ['5', '10'], '7', true],
    // engine choice: a non-number matches nothing: positive false, negated true
    ['NumericEquals', '10', 'ten', false],
    ['NumericNotEquals', '10', 'ten', true],
    ['NumericLessThan', 'ten', '1', false],
    ['NumericGreaterThan', '1', '', false],
  ])('%s %j vs %j → %s', (op, values, request, expected) => {
    expect(holds(op, values, request)).toBe(expected);
  });
});

describe('Date operators (§7)', () => {
  const T = '2020-01-01T00:00:00Z';
  it.each<[string, string | string[], Req, boolean]>([
    ['DateEquals', T, '2020-01-01', true],
    ['DateEquals', T, '2020-01-01T02:00:00+02:00', true],
    ['DateEquals', T, '2019-12-31T19:00:00-05:00', true],
    ['DateEquals', T, '1577836800', true],
    ['DateEquals', '1577836800', T, true],
    ['DateEquals', T, '2020-01-01T00:00:00.000Z', true],
    ['DateEquals', T, '2020-01-01T00:00:01Z', false],
    ['DateNotEquals', T, '2020-01-01', false],
    ['DateNotEquals', T, '2021-01-01', true],
    ['DateLessThan', T, '2019-12-31T23:59:59Z', true],
    ['DateLessThan', T, T, false],
    ['DateLessThanEquals', T, T, true],
    ['DateGreaterThan', T, T, false],
    ['DateGreaterThan', T, '2020-01-01T00:00:00.5Z', true],
    ['DateGreaterThanEquals', T, '2019-12-31', false],
    ['DateLessThan', '1700000000', '1600000000', true],
    // engine choice: an all-digit string is epoch seconds
    ['DateEquals', '2019', '1970-01-01T00:33:39Z', true],
    // engine choice: a bad date matches nothing
    ['DateLessThan', T, 'yesterday', false],
    ['DateNotEquals', T, 'yesterday', true],
    ['DateEquals', 'not-a-date', T, false],
  ])('%s %j vs %j → %s', (op, values, request, expected) => {
    expect(holds(op, values, request)).toBe(expected);
  });
});

describe('Bool (§7)', () => {
  it.each<[string | string[], Req, boolean]>([
    ['true', 'true', true],
    ['true', 'false', false],
    ['false', 'false', true],
    ['false', 'true', false],
    [['true', 'false'], 'false', true],
  ])('Bool %j vs %j → %s', (values, request, expected) => {
    expect(holds('Bool', values, request)).toBe(expected);
  });
  it('accepts JSON booleans in the context (compared as strings)', () => {
    const t = compileCondition(
      { operator: 'Bool', key: 'aws:SecureTransport', values: [{ value: 'true' }] },
      true,
    );
    expect(conditionHolds(t, createContext({ 'aws:SecureTransport': true }))).toBe(true);
    expect(conditionHolds(t, createContext({ 'aws:SecureTransport': false }))).toBe(false);
  });
});

describe('BinaryEquals (§7)', () => {
  const V = 'QmluYXJ5VmFsdWVJbkJhc2U2NA==';
  it.each<[string | string[], Req, boolean]>([
    [V, V, true],
    [V, 'T3RoZXJWYWx1ZQ==', false],
    [['T3RoZXJWYWx1ZQ==', V], V, true],
    // engine choice: not base64 matches nothing
    [V, '!!not base64!!', false],
    ['%%%', V, false],
  ])('BinaryEquals %j vs %j → %s', (values, request, expected) => {
    expect(holds('BinaryEquals', values, request)).toBe(expected);
  });
});

describe('IP operators (§7)', () => {
  it.each<[string, string | string[], Req, boolean]>([
    ['IpAddress', '203.0.113.0/24', '203.0.113.7', true],
    ['IpAddress', '203.0.113.0/24', '203.0.114.7', false],
    ['IpAddress', '203.0.113.7', '203.0.113.7', true],
    ['IpAddress', '203.0.113.7', '203.0.113.8', false],
    ['IpAddress', '10.1.2.3/8', '10.200.0.1', true],
    ['IpAddress', '0.0.0.0/0', '198.51.100.1', true],
    ['IpAddress', ['192.0.2.0/24', '203.0.113.0/24'], '203.0.113.9', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5678::1', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:0db8:1234:5678:0000:0000:0000:0001', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1', false],
    ['IpAddress', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', true],
    ['IpAddress', '2001:db8::1', '2001:db8::2', false],
    ['IpAddress', '0.0.0.0/0', '2001:db8::1', false],
    ['IpAddress', '::/0', '203.0.113.1', false],
    ['NotIpAddress', ['192.0.2.0/24', '203.0.113.0/24'], '203.0.113.1', false],
    ['NotIpAddress', ['192.0.2.0/24', '203.0.113.0/24'], '198.51.100.1', true],
    // engine choice: a bad address or range matches nothing
    ['IpAddress', '0.0.0.0/0', 'localhost', false],
    ['NotIpAddress', '203.0.113.0/24', 'localhost', true],
    ['IpAddress', '203.0.113.0/33', '203.0.113.1', false],
  ])('%s %j vs %j → %s', (op, values, request, expected) => {
    expect(holds(op, values, request)).toBe(expected);
  });
});

describe('ARN operators (§7)', () => {
  const topic = 'arn:aws:sns:us-east-1:111122223333:topic';
  it.each<[string, string | string[], Req, boolean]>([
    ['ArnEquals', topic, topic, true],
    ['ArnEquals', topic, 'arn:aws:sns:us-east-1:111122223333:Topic', false],
    ['ArnEquals', 'arn:aws:sns:*:111122223333:topic', topic, true],
    ['ArnLike', 'arn:aws:sns:*:111122223333:topic', topic, true],
    ['ArnLike', 'arn:aws:sns:us-east-?:*:top*', topic, true],
    ['ArnLike', 'arn:aws:sns:*:444455556666:topic', topic, false],
    ['ArnLike', 'arn:aws:iam::*:role/admin/*', 'arn:aws:iam::111122223333:role/admin/a/b', true],
    ['ArnNotEquals', topic, topic, false],
    ['ArnNotLike', ['arn:aws:sns:*:111122223333:*', 'arn:aws:sns:*:444455556666:*'], topic, false],
    ['ArnNotLike', 'arn:aws:sns:*:444455556666:*', topic, true],
    // engine choice: in the resource part * crosses :
    [
      'ArnLike',
      'arn:aws:logs:*:111122223333:log-group:*',
      'arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s',
      true,
    ],
    // engine choice: a short pattern matches its last part against the rest
    ['ArnLike', 'arn:aws:sqs:*', 'arn:aws:sqs:us-east-1:111122223333:q', true],
    ['ArnLike', 'arn:aws:sqs:*', topic, false],
    // §7 [doc]: unlike StringLike, * in a part does not cross a colon
    ['ArnLike', 'arn:*:us-east-1:111122223333:topic', topic, false],
    // engine choice: a non-ARN value matches nothing
    ['ArnLike', '*', 'not-an-arn', false],
    ['ArnLike', '*', 'arn:aws:sns:us-east-1:topic', false],
    ['ArnNotLike', 'arn:aws:sns:*:111122223333:*', 'not-an-arn', true],
  ])('%s %j vs %j → %s', (op, values, request, expected) => {
    expect(holds(op, values, request)).toBe(expected);
  });
});

describe('Null (§7)', () => {
  it.each<[string | string[], Req, boolean]>([
    ['true', undefined, true],
    ['true', 'x', false],
    ['false', 'x', true],
    ['false', undefined, false],
    [['true', 'false'], undefined, true],
    [['true', 'false'], 'x', true],
    ['TRUE', undefined, true],
    ['maybe', undefined, false],
    ['maybe', 'x', false],
  ])('Null %j with key %j → %s', (values, request, expected) => {
    expect(holds('Null', values, request)).toBe(expected);
  });
  it('an empty multivalued key counts as null (multivalued examples page)', () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
    expect(holds('Null', 'false', [], { key: 'aws:TagKeys' })).toBe(false);
    expect(holds('Null', 'true', [], { key: 'aws:TagKeys' })).toBe(true);
  });
});

describe('negated operators are the exact negation when the key is present (§6, §15)', () => {
  const pairs: [string, string][] = [
    ['StringEquals', 'StringNotEquals'],
    ['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'],
    ['StringLike', 'StringNotLike'],
    ['ArnEquals', 'ArnNotEquals'],
    ['ArnLike', 'ArnNotLike'],
  ];
  const values = ['a*', 'arn:aws:s3:::b/*', 'B'];
  const requests = ['a', 'a*', 'abc', 'b', 'arn:aws:s3:::b/k', 'arn:aws:s3:::c/k'];
  it.each(pairs.flatMap(([p, n]) => requests.map((r) => [p, n, r] as const)))(
    '%s / %s on %j',
    (pos, neg, r) => {
      expect(holds(neg, values, r)).toBe(!holds(pos, values, r));
    },
  );
  it.each([
    ['NumericEquals', 'NumericNotEquals', ['1', '2.0'], ['1', '2', '3', 'x']],
    ['DateEquals', 'DateNotEquals', ['2020-01-01'], ['2020-01-01T00:00:00Z', '2021-01-01', 'x']],
    ['IpAddress', 'NotIpAddress', ['10.0.0.0/8', '::1'], ['10.1.1.1', '11.1.1.1', '::1', 'x']],
  ] as const)('%s / %s', (pos, neg, vs, rs) => {
    for (const r of rs) expect(holds(neg, [...vs], r), r).toBe(!holds(pos, [...vs], r));
  });
});

describe('…IfExists equals the base operator when the key is present (§15)', () => {
  it.each<[string, string[], string]>([
    ['StringEquals', ['a'], 'a'],
    ['StringEquals', ['a'], 'b'],
    ['StringNotLike', ['a*'], 'abc'],
    ['StringNotLike', ['a*'], 'bcd'],
    ['NumericLessThan', ['10'], '5'],
    ['NumericLessThan', ['10'], '15'],
    ['DateGreaterThan', ['2020-01-01'], '2021-01-01'],
    ['Bool', ['true'], 'false'],
    ['IpAddress', ['10.0.0.0/8'], '10.0.0.1'],
    ['NotIpAddress', ['10.0.0.0/8'], '10.0.0.1'],
    ['ArnLike', ['arn:aws:s3:::b/*'], 'arn:aws:s3:::b/k'],
    ['BinaryEquals', ['YQ=='], 'Yg=='],
  ])('%s %j vs %j', (op, values, request) => {
    expect(holds(`${op}IfExists`, values, request)).toBe(holds(op, values, request));
  });
});

describe('set operators (§8)', () => {
  // the reference truth table of §8, P = [a, b]
  const rows: [string, Req][] = [
    ['absent', undefined],
    ['[]', []],
    ['⊆ P', ['a']],
    ['= P', ['a', 'b']],
    ['partly in P', ['a', 'c']],
    ['disjoint', ['c', 'd']],
  ];
  const table: Record<string, boolean[]> = {
    'ForAllValues:StringEquals': [true, true, true, true, false, false],
    'ForAnyValue:StringEquals': [false, false, true, true, true, false],
    'ForAllValues:StringNotLike': [true, true, false, false, false, true],
    'ForAnyValue:StringNotEquals': [false, false, false, false, true, true],
  };
  it.each(
    Object.entries(table).flatMap(([op, results]) =>
      rows.map(([name, r], i) => [op, name, r, results[i] as boolean] as const),
    ),
  )('%s with R %s → %s', (op, _name, r, expected) => {
    expect(holds(op, ['a', 'b'], r, { key: 'aws:TagKeys' })).toBe(expected);
  });

  it.each<[string, string[], Req, boolean]>([
    // ForAllValues with a positive operator: every request value matches some policy value
    ['ForAllValues:StringLike', ['key1*', 'key2*'], ['key1a', 'key2b'], true],
    ['ForAllValues:StringLike', ['key1*'], ['key1a', 'key2b'], false],
    ['ForAnyValue:StringLike', ['key1*'], ['key2b', 'key1a'], true],
    ['ForAnyValue:StringEqualsIgnoreCase', ['Env'], ['ENV'], true],
    ['ForAllValues:StringEquals', ['env'], ['Env'], false],
    ['ForAllValues:NumericLessThan', ['10'], ['1', '9.5'], true],
    ['ForAllValues:NumericLessThan', ['10'], ['1', '11'], false],
    ['ForAnyValue:IpAddress', ['10.0.0.0/8'], ['192.0.2.1', '10.1.1.1'], true],
    ['ForAnyValue:ArnLike', ['arn:aws:iam::*:role/x'], ['arn:aws:iam::1:role/x'], true],
    ['ForAnyValue:NumericNotEquals', ['1'], ['1', '1.0'], false],
    ['ForAllValues:DateLessThan', ['2020-01-01'], ['2019-01-01', '2019-06-01'], true],
  ])('%s %j vs %j → %s', (op, values, r, expected) => {
    expect(holds(op, values, r, { key: 'svc:List' })).toBe(expected);
  });

  it('set qualifiers combine with IfExists', () => {
    expect(holds('ForAnyValue:StringEqualsIfExists', 'a', undefined)).toBe(true);
    expect(holds('ForAnyValue:StringEqualsIfExists', 'a', ['b'])).toBe(false);
    expect(holds('ForAllValues:StringEqualsIfExists', 'a', ['a', 'b'])).toBe(false);
  });

  it('a multivalued key stays a set when given one value', () => {
    expect(holds('ForAllValues:StringEquals', 'a', 'a', { key: 'aws:TagKeys' })).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'a', 'b', { key: 'aws:TagKeys' })).toBe(false);
  });

  // engine choice: a plain operator over several request values is true if any matches,
  // its negated form the exact negation
  it.each<[string, Req, boolean]>([
    ['StringEquals', ['team', 'cost'], true],
    ['StringEquals', ['cost', 'env'], false],
    ['StringNotEquals', ['team', 'cost'], false],
    ['StringNotEquals', ['cost', 'env'], true],
    ['StringEquals', [], false],
    ['StringNotEquals', [], true],
  ])('plain %s "team" over %j → %s', (op, r, expected) => {
    expect(holds(op, 'team', r, { key: 'aws:TagKeys' })).toBe(expected);
  });
});

describe('combining (§6)', () => {
  it('keys of one clause list are separate clauses, each must hold', () => {
    const a = compileCondition(
      { operator: 'StringEquals', key: 'k:a', values: [{ value: '1' }] },
      true,
    );
    const b = compileCondition(
      { operator: 'StringEquals', key: 'k:b', values: [{ value: '2' }] },
      true,
    );
    const ctx = createContext({ 'k:a': '1', 'k:b': '3' });
    expect(conditionHolds(a, ctx)).toBe(true);
    expect(conditionHolds(b, ctx)).toBe(false);
  });
  it('an empty value list matches nothing; its negation everything', () => {
    expect(holds('StringEquals', [], 'a')).toBe(false);
    expect(holds('StringNotEquals', [], 'a')).toBe(true);
  });
});

describe('case rules (§6)', () => {
  // key names are case-insensitive, tag-key suffixes included
  it.each<[string, string]>([
    ['aws:SourceIp', 'AWS:SOURCEIP'],
    ['AWS:sourceip', 'aws:SourceIp'],
    ['aws:ResourceTag/TagKey1', 'aws:resourcetag/tagkey1'],
    ['aws:PrincipalTag/Team', 'AWS:PRINCIPALTAG/TEAM'],
  ])('policy key %s finds request key %s', (key, requestKey) => {
    const op = key.toLowerCase().includes('sourceip') ? 'IpAddress' : 'StringEquals';
    const value = op === 'IpAddress' ? '10.0.0.0/8' : 'v';
    const request = op === 'IpAddress' ? '10.1.1.1' : 'v';
    expect(holds(op, value, request, { key, requestKey })).toBe(true);
  });
  // value case matters except under IgnoreCase (and Bool, whose values are true/false)
  it.each<[string, string, string, boolean]>([
    ['StringEquals', 'Value', 'value', false],
    ['StringLike', 'Val*', 'value', false],
    ['StringNotEquals', 'Value', 'value', true],
    ['StringEqualsIgnoreCase', 'Value', 'vALUE', true],
    ['ArnEquals', 'arn:aws:s3:::Bucket', 'arn:aws:s3:::bucket', false],
    ['IpAddress', '2001:DB8::/32', '2001:db8::1', true],
  ])('%s %j vs %j → %s', (op, value, request, expected) => {
    expect(holds(op, value, request)).toBe(expected);
  });
});
