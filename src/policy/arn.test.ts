/**
 * ARNs and ARN patterns (spec/iam-policy.md §4, ARN operators of §7): parsing, the six
 * parts, case sensitivity, wildcards inside one part, the resource part crossing `/` and
 * (engine choice) `:`, and patterns with fewer than six parts (engine choice: the last part
 * covers the rest). AWS page: reference_policies_elements_resource.html.
 */
import { describe, expect, it } from 'vitest';
import { compileArnPattern, matchArnPattern, parseArn, splitSegments } from './arn.js';

const noVars = () => undefined;
const matches = (pattern: string, value: string) =>
  matchArnPattern(compileArnPattern(pattern, true), splitSegments(value), noVars);

describe('parseArn', () => {
  it.each([
    [
      'arn:aws:iam::123456789012:role/app',
      {
        partition: 'aws',
        service: 'iam',
        region: '',
        account: '123456789012',
        resource: 'role/app',
      },
    ],
    [
      'arn:aws:s3:::bucket/a:b/c',
      { partition: 'aws', service: 's3', region: '', account: '', resource: 'bucket/a:b/c' },
    ],
    [
      'arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s',
      {
        partition: 'aws',
        service: 'logs',
        region: 'us-east-1',
        account: '123456789012',
        resource: 'log-group:g:log-stream:s',
      },
    ],
    [
      'arn:aws-cn:sqs:cn-north-1:123456789012:q',
      { partition: 'aws-cn', service: 'sqs', region: 'cn-north-1', account: '123456789012' },
    ],
    ['arn:aws:sns:us-east-1:123456789012:', { resource: '' }],
  ])('%s', (text, expected) => {
    expect(parseArn(text)).toMatchObject(expected);
  });

  it.each([
    '*',
    'bucket',
    'arn:aws:s3',
    'arn:aws:sns:us-east-1:topic',
    'ARN:aws:s3:::b',
    'urn:aws:s3:::b',
    '',
  ])('%j is not an ARN', (text) => {
    expect(parseArn(text)).toBeUndefined();
  });
});

describe('splitSegments', () => {
  it('splits at the first five colons only', () => {
    expect(splitSegments('arn:aws:logs:r:1:log-group:g:x').parts).toEqual([
      'arn',
      'aws',
      'logs',
      'r',
      '1',
      'log-group:g:x',
    ]);
  });
  it('keeps short values short', () => {
    expect(splitSegments('arn:aws:sqs:*').parts).toEqual(['arn', 'aws', 'sqs', '*']);
    expect(splitSegments('*').parts).toEqual(['*']);
  });
  it('records where each part starts', () => {
    const s = splitSegments('arn:aws:s3:::b/k');
    expect(s.offsets).toEqual([0, 4, 8, 11, 12, 13]);
  });
});

describe('ARN patterns (§4)', () => {
  const A = '111122223333';
  const logs = `arn:aws:logs:us-east-1:${A}`;
  it.each<[string, string, boolean]>([
    // "*" matches everything, ARN or not
    ['*', 'arn:aws:s3:::b/k', true],
    ['*', '*', true],
    ['*', 'not an arn', true],
    // exact
    ['arn:aws:s3:::b', 'arn:aws:s3:::b', true],
    ['arn:aws:s3:::b', 'arn:aws:s3:::b/k', false],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b', false],
    // case-sensitive [doc]
    ['arn:aws:s3:::b/Photos/*', 'arn:aws:s3:::b/photos/x', false],
    ['arn:aws:s3:::B/*', 'arn:aws:s3:::b/x', false],
    // the resource part: * crosses / [doc], ? is one character
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/a/b/c', true],
    ['arn:aws:s3:::b/*/docs/*', 'arn:aws:s3:::b/ana/x/docs/f', true],
    ['arn:aws:s3:::b/file?.txt', 'arn:aws:s3:::b/file1.txt', true],
    ['arn:aws:s3:::b/file?.txt', 'arn:aws:s3:::b/file10.txt', false],
    ['arn:aws:s3:::b*', 'arn:aws:s3:::b', true],
    ['arn:aws:s3:::*/k', 'arn:aws:s3:::bucket/k', true],
    // engine choice [?]: in the resource part * also crosses :
    [`${logs}:log-group:g*`, `${logs}:log-group:grp:log-stream:s1`, true],
    [`${logs}:log-group:*:log-stream:s?`, `${logs}:log-group:g:log-stream:s1`, true],
    [`${logs}:log-group:grp`, `${logs}:log-group:grp:log-stream:s1`, false],
    // parts 1–5 one by one; wildcards inside a part, several per part
    [`arn:aws:dynamodb:*:${A}:table/Books`, `arn:aws:dynamodb:eu-west-1:${A}:table/Books`, true],
    [
      `arn:aws:dynamodb:*:${A}:table/Books`,
      'arn:aws:dynamodb:eu-west-1:444455556666:table/Books',
      false,
    ],
    [`arn:aws:dynamodb:us-*:${A}:t`, `arn:aws:dynamodb:us-west-2:${A}:t`, true],
    [`arn:aws:dynamodb:us-*:${A}:t`, `arn:aws:dynamodb:eu-west-1:${A}:t`, false],
    [`arn:aws:dynamodb:*-east-?:${A}:t`, `arn:aws:dynamodb:us-east-2:${A}:t`, true],
    ['arn:aws:dynamodb:us-east-1:1111*:t', `arn:aws:dynamodb:us-east-1:${A}:t`, true],
    ['arn:aws:s3:*:*:b/*', 'arn:aws:s3:::b/k', true],
    ['arn:*:s3:::b/*', 'arn:aws-cn:s3:::b/k', true],
    ['arn:aws:s3:::b/*', 'arn:aws-cn:s3:::b/k', false],
    [`arn:aws:dynamodb::${A}:t`, `arn:aws:dynamodb:us-east-1:${A}:t`, false],
    [`arn:aws:sqs:us-east-1:${A}:q`, `arn:aws:sns:us-east-1:${A}:q`, false],
    // a wildcard in an early part never swallows a colon
    ['arn:aws:dynamodb:*:table/Books', `arn:aws:dynamodb:us-east-1:${A}:table/Books`, false],
    ['arn:*:us-east-1:111122223333:topic', 'arn:aws:sns:us-east-1:111122223333:topic', false],
    // engine choice [?]: a short pattern's last part covers the rest of the ARN
    ['arn:aws:sqs:*', `arn:aws:sqs:us-east-1:${A}:q`, true],
    ['arn:aws:sqs:*', `arn:aws:sns:us-east-1:${A}:t`, false],
    ['arn:aws:sqs:us-east-1:*', `arn:aws:sqs:us-east-1:${A}:q`, true],
    ['arn:aws:sqs:us-east-1:*', `arn:aws:sqs:eu-west-1:${A}:q`, false],
    ['arn:aws:sqs:us-east-1', `arn:aws:sqs:us-east-1:${A}:q`, false],
    ['arn:*', `arn:aws:sqs:us-east-1:${A}:q`, true],
    // a six-part pattern does not match a shorter value
    ['arn:aws:s3:::*', '*', false],
    ['arn:aws:s3:::*', 'arn:aws:s3', false],
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });
});
