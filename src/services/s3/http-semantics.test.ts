import { describe, expect, it } from 'vitest';
import { checkPreconditions, checkWriteConditions, parseRange } from './http-semantics.js';

describe('Range', () => {
  it.each([
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-9', 100, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-200', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=10-', 100, { kind: 'partial', start: 10, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=100-200', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=9-0', 100, { kind: 'full' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
    ['bytes=-', 100, { kind: 'full' }],
  ] as const)('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('preconditions', () => {
  const etag = 'abc';
  const modified = new Date('2024-05-01T12:00:00.500Z');
  it.each([
    [{}, 'proceed'],
    [{ ifMatch: '"abc"' }, 'proceed'],
    [{ ifMatch: '"x", "abc"' }, 'proceed'],
    [{ ifMatch: '*' }, 'proceed'],
    [{ ifMatch: '"x"' }, 'failed'],
    [{ ifNoneMatch: '"abc"' }, 'not-modified'],
    [{ ifNoneMatch: 'W/"abc"' }, 'not-modified'],
    [{ ifNoneMatch: '"x"' }, 'proceed'],
    [{ ifModifiedSince: 'Wed, 01 May 2024 12:00:00 GMT' }, 'not-modified'],
    [{ ifModifiedSince: 'Wed, 01 May 2024 11:59:59 GMT' }, 'proceed'],
    [{ ifUnmodifiedSince: 'Wed, 01 May 2024 11:59:59 GMT' }, 'failed'],
    [{ ifUnmodifiedSince: 'Wed, 01 May 2024 12:00:00 GMT' }, 'proceed'],
    [{ ifUnmodifiedSince: 'not a date' }, 'proceed'],
    // S3: If-Match true wins over If-Unmodified-Since false
    [{ ifMatch: '"abc"', ifUnmodifiedSince: 'Wed, 01 May 2024 11:00:00 GMT' }, 'proceed'],
    // S3: If-None-Match false with If-Modified-Since true → 304
    [{ ifNoneMatch: '"abc"', ifModifiedSince: 'Wed, 01 May 2024 11:00:00 GMT' }, 'not-modified'],
  ] as const)('%j → %s', (p, outcome) => {
    expect(checkPreconditions(p, etag, modified).outcome).toBe(outcome);
  });

  it('names the failed condition', () => {
    expect(checkPreconditions({ ifMatch: '"x"' }, etag, modified)).toEqual({
      outcome: 'failed',
      condition: 'If-Match',
    });
  });
});

describe('conditional writes', () => {
  it('If-None-Match: * goes ahead only where the key holds nothing', () => {
    expect(checkWriteConditions({ ifNoneMatch: '*' }, undefined)).toEqual({ outcome: 'proceed' });
    expect(checkWriteConditions({ ifNoneMatch: ' * ' }, 'abc')).toEqual({
      outcome: 'failed',
      condition: 'If-None-Match',
    });
    expect(checkWriteConditions({ ifNoneMatch: '"abc"' }, undefined)).toEqual({
      outcome: 'unsupported',
    });
  });

  it('If-Match goes ahead only over the object of that ETag (quoted or not, or any with *)', () => {
    expect(checkWriteConditions({ ifMatch: '"abc"' }, 'abc')).toEqual({ outcome: 'proceed' });
    expect(checkWriteConditions({ ifMatch: 'abc' }, 'abc')).toEqual({ outcome: 'proceed' });
    expect(checkWriteConditions({ ifMatch: '*' }, 'abc')).toEqual({ outcome: 'proceed' });
    expect(checkWriteConditions({ ifMatch: '"abd"' }, 'abc')).toEqual({
      outcome: 'failed',
      condition: 'If-Match',
    });
    expect(checkWriteConditions({ ifMatch: '"abc"' }, undefined)).toEqual({ outcome: 'missing' });
    expect(checkWriteConditions({}, 'abc')).toEqual({ outcome: 'proceed' });
  });
});
