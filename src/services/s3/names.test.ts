import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { checkBucketName, checkKey, isValidBucketName } from './names.js';

describe('bucket names', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.name', 'a1b2c3', '123bucket', 'a'.repeat(63)])(
    '%s is valid',
    (name) => expect(isValidBucketName(name)).toBe(true),
  );
  it.each([
    'ab',
    'a'.repeat(64),
    'My-Bucket',
    'my_bucket',
    '-bucket',
    'bucket-',
    'my..bucket',
    'my.-bucket',
    'my-.bucket',
    '192.168.5.4',
    'xn--bucket',
    'sthree-bucket',
    'amzn-s3-demo-bucket',
    'bucket-s3alias',
    'bucket--ol-s3',
    'bucket.mrap',
    'bucket--x-s3',
    'bucket--table-s3',
    'bucket!',
  ])('%s is not', (name) => expect(isValidBucketName(name)).toBe(false));

  it('InvalidBucketName names the bucket', () => {
    try {
      checkBucketName('Bad_Name');
      throw new Error('expected an error');
    } catch (e) {
      const err = e as AwsError;
      expect([err.code, err.httpStatus, err.message, err.elements]).toEqual([
        'InvalidBucketName',
        400,
        'The specified bucket is not valid.',
        { BucketName: 'Bad_Name' },
      ]);
    }
  });
});

describe('keys', () => {
  it('1024 bytes of UTF-8 at most', () => {
    expect(() => checkKey('a'.repeat(1024))).not.toThrow();
    expect(() => checkKey('ü'.repeat(512))).not.toThrow();
    expect(() => checkKey('ü'.repeat(513))).toThrow(AwsError);
    try {
      checkKey('a'.repeat(1025));
    } catch (e) {
      expect([(e as AwsError).code, (e as AwsError).message, (e as AwsError).elements]).toEqual([
        'KeyTooLongError',
        'Your key is too long',
        { Size: '1025', MaxSizeAllowed: '1024' },
      ]);
    }
  });
});
