/**
 * S3's naming rules: general purpose bucket names as CreateBucket checks them (3–63
 * characters of `a-z 0-9 . -`, a letter or digit at each end, no `..`, not an IPv4 address,
 * not one of the reserved prefixes and suffixes), and object keys (at most 1024 bytes of
 * UTF-8). Pure.
 */
import { AwsError } from '../../common/aws-error.js';
import { S3_MSG } from './errors.js';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** The longest key S3 stores, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/**
 * Whether `name` is a valid general purpose bucket name.
 *
 * @example
 * isValidBucketName('my-bucket') // → true
 * isValidBucketName('My_Bucket') // → false
 * isValidBucketName('192.168.5.4') // → false
 */
export function isValidBucketName(name: string): boolean {
  if (!BUCKET.test(name)) return false;
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return false;
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return false;
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return false;
  return true;
}

/** Throws S3's InvalidBucketName for a name CreateBucket refuses. */
export function checkBucketName(name: string): void {
  if (!isValidBucketName(name)) {
    throw new AwsError('InvalidBucketName', 400, S3_MSG.invalidBucketName, {
      elements: { BucketName: name },
    });
  }
}

/** Throws S3's KeyTooLongError for a key over 1024 bytes. */
export function checkKey(key: string): void {
  const size = Buffer.byteLength(key, 'utf8');
  if (size > MAX_KEY_BYTES) {
    throw new AwsError('KeyTooLongError', 400, S3_MSG.keyTooLong, {
      elements: { Size: String(size), MaxSizeAllowed: String(MAX_KEY_BYTES) },
    });
  }
}
