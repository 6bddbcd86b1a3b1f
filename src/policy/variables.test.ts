/**
 * Policy variables (spec/iam-policy.md §9): `${key}` with case-insensitive key names,
 * defaults, the escapes `${*}` `${?}` `${$}`, substituted values staying literal, unresolved
 * variables in conditions and Resource, and 2008-10-17 where `${…}` is text.
 * AWS page: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import { describe, expect, it } from 'vitest';
import { compileArnPattern, matchArnPattern, splitSegments } from './arn.js';
import { compileCondition, conditionHolds } from './conditions.js';
import { type ContextInput, createContext } from './context.js';
import { compileGlob, globFromParts, matchGlob } from './glob.js';
import { parseTemplate, renderTemplate, staticText, templateGlobParts } from './variables.js';

const lookupOf = (values: Record<string, string>) => (k: string) => values[k];

describe('parseTemplate', () => {
  it.each([
    [
      'home/${aws:username}/*',
      [
        { kind: 'text', text: 'home/' },
        { kind: 'var', key: 'aws:username' },
        { kind: 'text', text: '/*' },
      ],
    ],
    ['${AWS:UserName}', [{ kind: 'var', name: 'AWS:UserName', key: 'aws:username' }]],
    [
      "${aws:PrincipalTag/team, 'company-wide'}",
      [{ kind: 'var', key: 'aws:principaltag/team', fallback: 'company-wide' }],
    ],
    [
      'a${*}b',
      [
        { kind: 'text', text: 'a' },
        { kind: 'escape', text: '*' },
        { kind: 'text', text: 'b' },
      ],
    ],
    [
      '${?}${$}',
      [
        { kind: 'escape', text: '?' },
        { kind: 'escape', text: '$' },
      ],
    ],
    ['${aws:PrincipalTag/cost center}', [{ kind: 'var', key: 'aws:principaltag/cost center' }]],
  ])('%s', (text, parts) => {
    const t = parseTemplate(text);
    expect(t.hasVariables).toBe(true);
    expect(t.parts).toMatchObject(parts);
  });

  it.each(['plain', '$ {aws:username}', '${', 'a${}b', '${not a key}', '${k, default}'])(
    '%j holds no variable',
    (text) => {
      const t = parseTemplate(text);
      expect(t.hasVariables).toBe(false);
      expect(staticText(t)).toBe(text);
    },
  );
});

describe('renderTemplate (String values)', () => {
  const lookup = lookupOf({ 'aws:username': 'ana', 'aws:principaltag/team': 'eng' });
  it.each<[string, string | undefined]>([
    ['home/${aws:username}', 'home/ana'],
    ['${aws:PrincipalTag/team}/${aws:username}', 'eng/ana'],
    ["${aws:PrincipalTag/team, 'company-wide'}", 'eng'],
    ["${aws:PrincipalTag/dept, 'company-wide'}", 'company-wide'],
    ["${aws:PrincipalTag/dept, ''}", ''],
    ['${aws:userid}', undefined],
    ['x/${aws:userid}/${aws:username}', undefined],
    ['${*}${?}${$}', '*?$'],
    ['${$}{aws:username}', '${aws:username}'],
  ])('%s → %j', (text, expected) => {
    expect(renderTemplate(parseTemplate(text), lookup)).toBe(expected);
  });
});

describe('templateGlobParts (Like values and Resource)', () => {
  const globOf = (text: string, values: Record<string, string>) => {
    const parts = templateGlobParts(parseTemplate(text), lookupOf(values));
    return parts && globFromParts(parts);
  };
  it.each<[string, Record<string, string>, string, boolean]>([
    // text keeps its wildcards
    ['home/${aws:username}/*', { 'aws:username': 'ana' }, 'home/ana/x/y', true],
    ['home/${aws:username}/*', { 'aws:username': 'ana' }, 'home/bob/x', false],
    // substituted values are literal
    ['home/${aws:username}/*', { 'aws:username': 'a*' }, 'home/abc/x', false],
    ['home/${aws:username}/*', { 'aws:username': 'a*' }, 'home/a*/x', true],
    ['${aws:username}', { 'aws:username': '?' }, 'x', false],
    // escapes are literal
    ['${*}/x', {}, '*/x', true],
    ['${*}/x', {}, 'abc/x', false],
    ['file${?}', {}, 'file?', true],
    ['file${?}', {}, 'file1', false],
    ['${*}*', {}, '*abc', true],
  ])('%s with %j vs %j → %s', (text, values, s, expected) => {
    const g = globOf(text, values);
    expect(g).toBeDefined();
    if (g) expect(matchGlob(g, s)).toBe(expected);
  });
  it('an unresolved variable without default yields no pattern', () => {
    expect(globOf('home/${aws:username}/*', {})).toBeUndefined();
  });
  it('a plain glob still treats * as a wildcard', () => {
    expect(matchGlob(compileGlob('a*'), 'abc')).toBe(true);
  });
});

describe('variables in Resource (§4, §9)', () => {
  const B = 'arn:aws:s3:::amzn-s3-demo-bucket';
  const A = '111122223333';
  const ctx = (input: ContextInput) => createContext(input).variable;
  const res = (pattern: string, value: string, input: ContextInput, variables = true) =>
    matchArnPattern(compileArnPattern(pattern, variables), splitSegments(value), ctx(input));
  it.each<[string, string, ContextInput, boolean]>([
    [`${B}/home/\${aws:username}/*`, `${B}/home/ana/x`, { 'aws:username': 'ana' }, true],
    [`${B}/home/\${aws:username}/*`, `${B}/home/bob/x`, { 'aws:username': 'ana' }, false],
    // an unresolved variable: the entry matches nothing [doc]
    [`${B}/home/\${aws:username}/*`, `${B}/home/ana/x`, {}, false],
    [`${B}/home/\${aws:username}/*`, `${B}/home/\${aws:username}/x`, {}, false],
    // key names are case-insensitive, in the policy and in the context
    [`${B}/\${AWS:USERNAME}/*`, `${B}/ana/x`, { 'Aws:UserName': 'ana' }, true],
    [`${B}/\${aws:PrincipalTag/Team}/*`, `${B}/eng/x`, { 'aws:principaltag/team': 'eng' }, true],
    // defaults
    [`${B}/\${aws:PrincipalTag/team, 'company-wide'}/*`, `${B}/company-wide/x`, {}, true],
    [
      `${B}/\${aws:PrincipalTag/team, 'company-wide'}/*`,
      `${B}/eng/x`,
      { 'aws:PrincipalTag/team': 'eng' },
      true,
    ],
    [
      `${B}/\${aws:PrincipalTag/team, 'company-wide'}/*`,
      `${B}/company-wide/x`,
      { 'aws:PrincipalTag/team': 'eng' },
      false,
    ],
    // escapes
    [`${B}/\${*}`, `${B}/*`, {}, true],
    [`${B}/\${*}`, `${B}/k`, {}, false],
    // substituted values are literal
    [`${B}/\${aws:username}`, `${B}/anything`, { 'aws:username': '*' }, false],
    // only single-valued keys are variables [doc]
    [`${B}/\${aws:TagKeys}/*`, `${B}/a/x`, { 'aws:TagKeys': ['a'] }, false],
    [`${B}/\${aws:TagKeys}/*`, `${B}/a/x`, { 'aws:TagKeys': 'a' }, false],
    // engine choice: a one-element array of a single-valued key is its value
    [`${B}/\${aws:username}/*`, `${B}/ana/x`, { 'aws:username': ['ana'] }, true],
    [`${B}/\${aws:username}/*`, `${B}/ana/x`, { 'aws:username': ['ana', 'bob'] }, false],
    // before the fifth colon ${…} is literal text [doc]
    [
      `arn:aws:iam::\${aws:PrincipalAccount}:user/*`,
      `arn:aws:iam::${A}:user/x`,
      { 'aws:PrincipalAccount': A },
      false,
    ],
    [
      `arn:aws:sqs:\${aws:RequestedRegion}:${A}:q`,
      `arn:aws:sqs:us-east-1:${A}:q`,
      { 'aws:RequestedRegion': 'us-east-1' },
      false,
    ],
    [
      `arn:aws:sns:us-east-1:${A}:\${aws:username}`,
      `arn:aws:sns:us-east-1:${A}:ana`,
      { 'aws:username': 'ana' },
      true,
    ],
  ])('%s vs %s → %s', (pattern, value, input, expected) => {
    expect(res(pattern, value, input)).toBe(expected);
  });

  // §8/§10 [doc]: the multivalued keys are never variables, whatever their count
  it.each([
    'aws:CalledVia',
    'aws:PrincipalOrgPaths',
    'aws:PrincipalServiceNamesList',
    'aws:ResourceOrgPaths',
    'aws:SourceOrgPaths',
    'aws:TagKeys',
    'sts:TransitiveTagKeys',
    'cognito-identity.amazonaws.com:amr',
    'oidc.example.com:amr',
  ])('%s is not a variable', (key) => {
    expect(res(`${B}/\${${key}}`, `${B}/x`, { [key]: 'x' })).toBe(false);
    expect(res(`${B}/\${${key}}`, `${B}/x`, { [key]: ['x'] })).toBe(false);
  });

  it('2008-10-17: ${…} is literal text', () => {
    const input = { 'aws:username': 'ana' };
    expect(res(`${B}/home/\${aws:username}/*`, `${B}/home/ana/x`, input, false)).toBe(false);
    expect(res(`${B}/home/\${aws:username}/*`, `${B}/home/\${aws:username}/x`, input, false)).toBe(
      true,
    );
    expect(res(`${B}/\${*}`, `${B}/\${*}`, {}, false)).toBe(true);
  });
});

describe('variables in condition values (§6, §9)', () => {
  const cond = (
    operator: string,
    key: string,
    value: string,
    input: ContextInput,
    variables = true,
  ) =>
    conditionHolds(
      compileCondition({ operator, key, values: [{ value }] }, variables),
      createContext(input),
    );
  it.each<[string, string, string, ContextInput, boolean]>([
    [
      'StringEquals',
      'aws:ResourceTag/owner',
      '${aws:username}',
      { 'aws:username': 'ana', 'aws:ResourceTag/owner': 'ana' },
      true,
    ],
    [
      'StringEquals',
      'aws:ResourceTag/owner',
      '${aws:username}',
      { 'aws:username': 'ana', 'aws:ResourceTag/owner': 'bob' },
      false,
    ],
    [
      'StringEqualsIgnoreCase',
      'aws:ResourceTag/owner',
      '${aws:username}',
      { 'aws:username': 'Ana', 'aws:ResourceTag/owner': 'ANA' },
      true,
    ],
    [
      'StringLike',
      's3:prefix',
      'home/${aws:username}/*',
      { 'aws:username': 'ana', 's3:prefix': 'home/ana/a' },
      true,
    ],
    [
      'StringLike',
      's3:prefix',
      'home/${aws:username}/*',
      { 'aws:username': '*', 's3:prefix': 'home/bob/a' },
      false,
    ],
    ['StringLike', 's3:prefix', 'a${*}b*', { 's3:prefix': 'a*bc' }, true],
    ['StringLike', 's3:prefix', 'a${*}b*', { 's3:prefix': 'axbc' }, false],
    [
      'StringEquals',
      'aws:ResourceTag/team',
      "${aws:PrincipalTag/team, 'shared'}",
      { 'aws:ResourceTag/team': 'shared' },
      true,
    ],
    // unresolved: positive operators don't match, negated ones do [doc]
    [
      'StringEquals',
      'aws:ResourceTag/owner',
      '${aws:username}',
      { 'aws:ResourceTag/owner': 'ana' },
      false,
    ],
    [
      'StringLike',
      'aws:ResourceTag/owner',
      '${aws:username}*',
      { 'aws:ResourceTag/owner': 'ana' },
      false,
    ],
    [
      'StringNotEquals',
      'aws:ResourceTag/owner',
      '${aws:username}',
      { 'aws:ResourceTag/owner': 'ana' },
      true,
    ],
    [
      'StringNotLike',
      'aws:ResourceTag/owner',
      '${aws:username}',
      { 'aws:ResourceTag/owner': 'ana' },
      true,
    ],
    [
      'ArnLike',
      'aws:SourceArn',
      'arn:aws:sns:us-east-1:111122223333:${aws:username}',
      { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:ana' },
      false,
    ],
    [
      'ArnNotLike',
      'aws:SourceArn',
      'arn:aws:sns:us-east-1:111122223333:${aws:username}',
      { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:ana' },
      true,
    ],
    // Arn values: substituted in the resource part
    [
      'ArnEquals',
      'aws:SourceArn',
      'arn:aws:sns:us-east-1:111122223333:${aws:username}',
      { 'aws:username': 'ana', 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:ana' },
      true,
    ],
    // engine choice: Bool values are substituted
    [
      'Bool',
      'aws:SecureTransport',
      '${aws:PrincipalTag/tls}',
      { 'aws:PrincipalTag/tls': 'true', 'aws:SecureTransport': 'true' },
      true,
    ],
    // engine choice: elsewhere ${…} is literal text (and so not a number, date or range)
    [
      'NumericLessThan',
      's3:max-keys',
      '${aws:PrincipalTag/limit}',
      { 'aws:PrincipalTag/limit': '100', 's3:max-keys': '5' },
      false,
    ],
    [
      'DateLessThan',
      'aws:CurrentTime',
      '${aws:PrincipalTag/until}',
      { 'aws:PrincipalTag/until': '2030-01-01', 'aws:CurrentTime': '2020-01-01' },
      false,
    ],
    [
      'IpAddress',
      'aws:SourceIp',
      '${aws:PrincipalTag/net}',
      { 'aws:PrincipalTag/net': '10.0.0.0/8', 'aws:SourceIp': '10.0.0.1' },
      false,
    ],
    [
      'ArnLike',
      'aws:PrincipalArn',
      'arn:aws:iam::${aws:PrincipalAccount}:role/*',
      {
        'aws:PrincipalAccount': '111122223333',
        'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/a',
      },
      false,
    ],
  ])('%s %s %j → %s', (op, key, value, input, expected) => {
    expect(cond(op, key, value, input)).toBe(expected);
  });

  it('2008-10-17: condition values are literal text', () => {
    const input = { 'aws:username': 'ana', 'aws:ResourceTag/owner': 'ana' };
    expect(cond('StringEquals', 'aws:ResourceTag/owner', '${aws:username}', input, false)).toBe(
      false,
    );
    expect(
      cond('StringEquals', 'k:x', '${aws:username}', { 'k:x': '${aws:username}' }, false),
    ).toBe(true);
  });
});
