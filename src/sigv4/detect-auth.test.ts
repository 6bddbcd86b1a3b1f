import { describe, expect, it } from 'vitest';
import { formatAmzDate, httpDateToAmzDate, parseAmzDate } from './dates.js';
import { detectAuth } from './detect-auth.js';
import type { AuthDetection } from './types.js';

const CRED = 'AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request';
const SCOPE = { date: '20150830', region: 'us-east-1', service: 'sts' };
const AUTH = `AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`;

describe('detectAuth: what the edge routes on (spec §6.2), without verifying', () => {
  it.each<[string, string, [string, string][], AuthDetection]>([
    ['nothing', '/', [['Host', 'h']], { kind: 'none' }],
    [
      'an Authorization header',
      '/',
      [['Authorization', AUTH]],
      { kind: 'header', algorithm: 'AWS4-HMAC-SHA256', accessKeyId: 'AKIDEXAMPLE', scope: SCOPE },
    ],
    [
      'an Authorization header with leading space and no spaces after commas',
      '/',
      [['authorization', `  ${AUTH.replace(/, /g, ',')}`]],
      { kind: 'header', algorithm: 'AWS4-HMAC-SHA256', accessKeyId: 'AKIDEXAMPLE', scope: SCOPE },
    ],
    [
      'a malformed credential (no scope to route on)',
      '/',
      [['Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/sts, Signature=x']],
      { kind: 'header', algorithm: 'AWS4-HMAC-SHA256', accessKeyId: 'AKIDEXAMPLE' },
    ],
    [
      'a SigV2 Authorization header',
      '/b/k',
      [['Authorization', 'AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=']],
      { kind: 'header', algorithm: 'AWS', accessKeyId: 'AKIDEXAMPLE' },
    ],
    [
      'a presigned URL',
      `/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(CRED.replace('sts', 's3'))}&X-Amz-Date=20150830T123600Z`,
      [],
      {
        kind: 'query',
        algorithm: 'AWS4-HMAC-SHA256',
        accessKeyId: 'AKIDEXAMPLE',
        scope: { ...SCOPE, service: 's3' },
      },
    ],
    [
      'a presigned URL without its credential',
      '/b/k?X-Amz-Signature=abc',
      [],
      { kind: 'query', algorithm: undefined },
    ],
    [
      'a SigV2 presigned URL (→ S3)',
      '/b/k?AWSAccessKeyId=AKIDEXAMPLE&Expires=1440938160&Signature=abc%3D',
      [],
      { kind: 'sigv2-query', algorithm: 'AWS', accessKeyId: 'AKIDEXAMPLE' },
    ],
    [
      'both forms at once',
      '/?X-Amz-Algorithm=AWS4-HMAC-SHA256',
      [['Authorization', AUTH]],
      {
        kind: 'header',
        algorithm: 'AWS4-HMAC-SHA256',
        accessKeyId: 'AKIDEXAMPLE',
        scope: SCOPE,
        conflicting: true,
      },
    ],
    [
      'an unsigned form POST (AssumeRoleWithWebIdentity)',
      '/',
      [['Content-Type', 'application/x-www-form-urlencoded']],
      { kind: 'none' },
    ],
  ])('%s', (_, target, headers, expected) => {
    expect(detectAuth({ target, headers })).toEqual(expected);
  });
});

describe('dates', () => {
  it.each([
    ['20150830T123600Z', '2015-08-30T12:36:00.000Z'],
    ['20240229T000000Z', '2024-02-29T00:00:00.000Z'],
    ['20230229T000000Z', undefined],
    ['20150830T243600Z', undefined],
    ['2015-08-30T12:36:00Z', undefined],
    ['20150830T123600', undefined],
  ])('parseAmzDate(%s)', (value, iso) => {
    expect(parseAmzDate(value)?.toISOString()).toBe(iso);
  });

  it('formats and reads RFC 1123 dates', () => {
    expect(formatAmzDate(new Date('2015-08-30T12:36:00.123Z'))).toBe('20150830T123600Z');
    expect(httpDateToAmzDate('Sun, 30 Aug 2015 12:36:00 GMT')).toBe('20150830T123600Z');
    expect(httpDateToAmzDate('Sun, 30 Aug 2015 12:36:00 +0000')).toBeUndefined();
    expect(httpDateToAmzDate('Sun, 31 Feb 2015 12:36:00 GMT')).toBeUndefined();
  });
});
