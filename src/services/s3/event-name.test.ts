import { describe, expect, it } from 'vitest';
import { s3EventName } from './event-name.js';

const name = (method: string, key: string | undefined, query: string, headers = {}) =>
  s3EventName(
    method,
    { bucket: 'b', key, virtualHost: false },
    new Map(new URLSearchParams(query)),
    new Map(Object.entries(headers)),
  );

describe('the S3 operation a refused request names', () => {
  it('follows the dispatch, sub-resources first', () => {
    expect(name('GET', 'k', '')).toEqual({ eventName: 'GetObject', data: true, readOnly: true });
    expect(name('GET', 'k', 'attributes')).toEqual({
      eventName: 'GetObjectAttributes',
      data: true,
      readOnly: true,
    });
    expect(name('GET', undefined, 'encryption')).toMatchObject({
      eventName: 'GetBucketEncryption',
      data: false,
    });
    expect(name('PUT', 'k', 'acl')).toEqual({
      eventName: 'PutObjectAcl',
      data: true,
      readOnly: false,
    });
    expect(name('GET', undefined, 'acl')).toMatchObject({ eventName: 'GetBucketAcl', data: false });
    expect(name('PUT', 'k', '', { 'x-amz-copy-source': '/b/x' })?.eventName).toBe('CopyObject');
    expect(name('GET', undefined, 'publicAccessBlock')).toEqual({
      eventName: 'GetBucketPublicAccessBlock',
      data: false,
      readOnly: true,
    });
    expect(name('PUT', undefined, 'publicAccessBlock')?.eventName).toBe(
      'PutBucketPublicAccessBlock',
    );
    expect(name('DELETE', undefined, 'publicAccessBlock')?.eventName).toBe(
      'DeleteBucketPublicAccessBlock',
    );
  });
});
