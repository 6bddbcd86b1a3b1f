import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { hostName, parseAddress, virtualHostBucket } from './addressing.js';

describe('virtual-host style', () => {
  it.each([
    ['my-bucket.localhost:4577', 'my-bucket'],
    ['my-bucket.localhost', 'my-bucket'],
    ['My-Bucket.LOCALHOST:4577', 'my-bucket'],
    ['my.dotted.bucket.localhost:4577', 'my.dotted.bucket'],
    ['my-bucket.s3.localhost:4577', 'my-bucket'],
    ['my-bucket.s3.localhost.localstack.cloud:4566', 'my-bucket'],
    ['my-bucket.s3.amazonaws.com', 'my-bucket'],
    ['my-bucket.s3.us-west-2.amazonaws.com', 'my-bucket'],
    ['my-bucket.s3-us-west-2.amazonaws.com', 'my-bucket'],
    ['my.bucket.s3.dualstack.eu-central-1.amazonaws.com', 'my.bucket'],
  ])('%s → %s', (host, bucket) => {
    expect(virtualHostBucket(host)).toBe(bucket);
  });

  it.each([
    ['127.0.0.1:4577'],
    ['[::1]:4577'],
    ['localhost:4577'],
    ['s3.localhost:4577'],
    ['s3.amazonaws.com'],
    ['s3.us-west-2.amazonaws.com'],
    ['irsa.internal:4577'],
    ['-bad-.localhost'],
    [''],
  ])('%s is path style', (host) => {
    expect(virtualHostBucket(host)).toBeUndefined();
  });

  it('takes extra endpoint names', () => {
    expect(virtualHostBucket('b.irsa.internal:4577', ['irsa.internal'])).toBe('b');
    expect(virtualHostBucket('irsa.internal:4577', ['irsa.internal'])).toBeUndefined();
  });

  it('strips ports, keeps IPv6 brackets', () => {
    expect(hostName('Host.Example:80')).toBe('host.example');
    expect(hostName('[::1]:4577')).toBe('[::1]');
  });
});

describe('bucket and key', () => {
  it.each([
    ['/', '127.0.0.1:4577', { virtualHost: false }],
    ['/b', '127.0.0.1:4577', { bucket: 'b', key: undefined, virtualHost: false }],
    ['/b/', '127.0.0.1:4577', { bucket: 'b', key: undefined, virtualHost: false }],
    ['/b/k', '127.0.0.1:4577', { bucket: 'b', key: 'k', virtualHost: false }],
    // a bare + is a space, as S3 reads it; %2B is the plus
    [
      '/b/dir/a%20b+c%2Bd/%C3%BC.txt',
      '127.0.0.1:4577',
      { bucket: 'b', key: 'dir/a b c+d/ü.txt', virtualHost: false },
    ],
    ['/b/a+b.txt', '127.0.0.1:4577', { bucket: 'b', key: 'a b.txt', virtualHost: false }],
    ['/b/a%2Bb.txt', '127.0.0.1:4577', { bucket: 'b', key: 'a+b.txt', virtualHost: false }],
    ['/b/a%2B+b', '127.0.0.1:4577', { bucket: 'b', key: 'a+ b', virtualHost: false }],
    ['/c++', 'b.localhost:4577', { bucket: 'b', key: 'c  ', virtualHost: true }],
    [
      '/b//double//slash',
      '127.0.0.1:4577',
      { bucket: 'b', key: '/double//slash', virtualHost: false },
    ],
    ['/', 'b.localhost:4577', { bucket: 'b', key: undefined, virtualHost: true }],
    ['/dir/k', 'b.localhost:4577', { bucket: 'b', key: 'dir/k', virtualHost: true }],
    ['/b/k', 'localhost:4577', { bucket: 'b', key: 'k', virtualHost: false }],
  ])('%s at %s', (path, host, expected) => {
    expect(parseAddress(path, host)).toEqual(expected);
  });

  it('a key that is not UTF-8 is InvalidURI', () => {
    try {
      parseAddress('/b/%FF%FE', '127.0.0.1');
      throw new Error('expected InvalidURI');
    } catch (e) {
      expect(e).toBeInstanceOf(AwsError);
      expect([(e as AwsError).code, (e as AwsError).httpStatus]).toEqual(['InvalidURI', 400]);
    }
  });
});
