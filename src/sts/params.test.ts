/**
 * The small pieces the operations share: role ARNs, the constraint wording (and the
 * sensitive member that is never echoed), session-tag rules and the packed-size model.
 */
import { describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { STS_MSG } from './errors.js';
import { ParamChecker, parseRoleArn } from './params.js';
import { mergeTransitive, packedSize, requestTagError, transitiveOf } from './session-tags.js';

function thrown(f: () => unknown): AwsError {
  try {
    f();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('nothing thrown');
}

describe('parseRoleArn', () => {
  it.each([
    [
      'arn:aws:iam::123456789012:role/app',
      { partition: 'aws', account: '123456789012', path: '/', name: 'app' },
    ],
    ['arn:aws:iam::123456789012:role/team/a/app', { path: '/team/a/', name: 'app' }],
    ['arn:aws-cn:iam::123456789012:role/app', { partition: 'aws-cn' }],
  ])('%s', (arn, parts) => {
    expect(parseRoleArn(arn)).toMatchObject({ ...parts, arn });
  });

  it.each([
    'arn:aws:iam::123456789012:user/app',
    'arn:aws:iam::12345678901:role/app',
    'arn:aws:iam:us-east-1:123456789012:role/app',
    'arn:aws:sts::123456789012:assumed-role/app/s',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::123456789012:role//app',
    'arn:aws:iam::123456789012:role/has space',
    'arn:foo:iam::123456789012:role/app',
  ])('refuses %s with "Request ARN is invalid"', (arn) => {
    const e = thrown(() => parseRoleArn(arn));
    expect([e.code, e.httpStatus, e.message]).toEqual([
      'ValidationError',
      400,
      STS_MSG.requestArnInvalid,
    ]);
  });
});

describe('ParamChecker', () => {
  it('words violations as the edge does, and hides sensitive values', () => {
    const c = new ParamChecker(
      new Map([
        ['A', 'x'],
        ['Secret', 'abc'],
      ]),
    );
    c.string('A', { min: 2 });
    c.string('Secret', { min: 4, sensitive: true });
    c.string('Missing', {}, true);
    c.count('List', [1, 2, 3], 2);
    const e = thrown(() => c.done());
    expect(e.message).toBe(
      '4 validation errors detected: ' +
        "Value 'x' at 'a' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
        "Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to 4; " +
        "Value null at 'missing' failed to satisfy constraint: Member must not be null; " +
        "Value at 'list' failed to satisfy constraint: Member must have length less than or equal to 2",
    );
  });

  it('passes when nothing is wrong', () => {
    const c = new ParamChecker(new Map([['N', '900']]));
    expect(c.integer('N', { min: 900, max: 43200 })).toBe(900);
    expect(() => c.done()).not.toThrow();
  });
});

describe('session tags', () => {
  it.each([
    [
      [
        { Key: 'a', Value: '1' },
        { Key: 'A', Value: '2' },
      ],
      [],
      STS_MSG.duplicateTagKeys,
    ],
    [[{ Key: 'a', Value: '1' }], ['b'], STS_MSG.transitiveNotInTags('b')],
  ])('refuses %j with transitive %j', (tags, transitive, message) => {
    expect(requestTagError(tags, transitive)?.message).toBe(message);
  });

  it('accepts transitive keys without regard to case', () => {
    expect(requestTagError([{ Key: 'Team', Value: 'x' }], ['team'])).toBeUndefined();
  });

  it('carries the transitive tags of a session, and refuses to set them again', () => {
    const carried = transitiveOf(
      [
        { Key: 'team', Value: 'data' },
        { Key: 'env', Value: 'dev' },
      ],
      ['TEAM'],
    );
    expect(carried).toEqual({ tags: [{ Key: 'team', Value: 'data' }], keys: ['team'] });
    expect(
      mergeTransitive(carried.tags, carried.keys, [{ Key: 'env', Value: 'prod' }], []),
    ).toEqual({
      tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'env', Value: 'prod' },
      ],
      transitiveTagKeys: ['team'],
    });
    const e = thrown(() =>
      mergeTransitive(carried.tags, carried.keys, [{ Key: 'Team', Value: 'x' }], []),
    );
    expect([e.code, e.message]).toEqual([
      'InvalidParameterValue',
      STS_MSG.transitiveOverride('Team'),
    ]);
  });
});

describe('packedSize', () => {
  it('counts the policy without whitespace plus the ARNs, and the tags, against 2,048 each', () => {
    expect(packedSize('{ "a" : 1 }', [], [])).toEqual({
      percent: 1,
      policyPercent: 1,
      tagPercent: 0,
    });
    expect(
      packedSize(undefined, ['x'.repeat(1024)], [{ Key: 'k'.repeat(100), Value: 'v'.repeat(100) }]),
    ).toEqual({
      percent: 50,
      policyPercent: 50,
      tagPercent: 10,
    });
    expect(packedSize(undefined, [], []).percent).toBe(0);
  });

  it('refuses more than 100 %', () => {
    const p = thrown(() => packedSize('x'.repeat(2000), ['y'.repeat(100)], []));
    expect([p.code, p.httpStatus, p.message]).toEqual([
      'PackedPolicyTooLarge',
      400,
      'Packed policy consumes 103% of allotted space, please use smaller policy.',
    ]);
    const tags = Array.from({ length: 20 }, (_, i) => ({
      Key: `k${i}`.padEnd(100, 'k'),
      Value: 'v'.repeat(20),
    }));
    const t = thrown(() => packedSize(undefined, [], tags));
    expect([t.code, t.message]).toEqual([
      'PackedPolicyTooLarge',
      'Packed size of session tags consumes 118% of allotted space.',
    ]);
  });
});
