/**
 * Where an S3 request points (spec/aws-wire.md §7.1): the bucket comes from the Host header
 * (virtual-host style, `my-bucket.localhost:4577`) or from the first path segment (path
 * style, `/my-bucket/key`, `/my-bucket`, `/my-bucket/`); the key is the rest of the path,
 * decoded as S3 decodes it: `%XX` escapes, and a bare `+` is a space (`/b/a+b.txt` names
 * `a b.txt`; a key's own plus travels as `%2B`, as every SDK sends it — aws-sdk-ruby#654,
 * s3cmd#554). IP-literal hosts are always path style. Pure.
 */
import { AwsError } from '../../common/aws-error.js';
import { percentDecode, toByteString } from '../../sigv4/encoding.js';

/**
 * Hosts that name the endpoint itself: a DNS label in front of one of them is a bucket
 * (`b.localhost`, `b.s3.localhost`, LocalStack's wildcard names, which resolve to 127.0.0.1
 * publicly). AWS's own S3 host names are recognised by pattern.
 */
export const DEFAULT_VIRTUAL_HOST_BASES: readonly string[] = [
  'localhost',
  's3.localhost',
  'localhost.localstack.cloud',
  's3.localhost.localstack.cloud',
];

const AWS_S3_HOST =
  /^(?:(.+)\.)?s3(?:[.-](?:dualstack\.)?[a-z]{2}(?:-gov)?-[a-z]+-\d)?(?:\.dualstack)?\.amazonaws\.com$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const DNS_BUCKET = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$|^[a-z0-9]$/;

/** The Host header's name, lower case, without the port (IPv6 literals keep their brackets). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/**
 * The bucket a Host header names in virtual-host style, or undefined for path style.
 *
 * @example
 * virtualHostBucket('my-bucket.localhost:4577') // → 'my-bucket'
 * virtualHostBucket('my.bucket.s3.us-west-2.amazonaws.com') // → 'my.bucket'
 * virtualHostBucket('127.0.0.1:4577') // → undefined
 * virtualHostBucket('localhost:4577') // → undefined
 */
export function virtualHostBucket(
  host: string | undefined,
  bases: readonly string[] = DEFAULT_VIRTUAL_HOST_BASES,
): string | undefined {
  if (!host) return undefined;
  const name = hostName(host);
  if (name.startsWith('[') || IPV4.test(name)) return undefined;
  let bucket: string | undefined;
  if (!bases.includes(name)) {
    const aws = AWS_S3_HOST.exec(name);
    if (aws) bucket = aws[1];
    else {
      let best = '';
      for (const base of bases) {
        if (base.length > best.length && name.endsWith(`.${base}`)) best = base;
      }
      if (best) bucket = name.slice(0, name.length - best.length - 1);
    }
  }
  return bucket !== undefined && DNS_BUCKET.test(bucket) ? bucket : undefined;
}

export interface S3Address {
  /** absent: the service itself (ListBuckets) */
  bucket?: string | undefined;
  /** absent or empty: the bucket itself */
  key?: string | undefined;
  /** the bucket came from the Host header */
  virtualHost: boolean;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A raw path segment as text: a bare `+` is a space and `%XX` is its byte (so `%2B` is a
 * plus), then read as UTF-8 (which it must be). The signature is not concerned: S3's
 * canonical URI is the path as sent.
 */
function decodeSegment(raw: string, uri: string): string {
  const spaced = raw.includes('+') ? raw.replace(/\+/g, '%20') : raw;
  const bytes = Buffer.from(percentDecode(toByteString(spaced)), 'latin1');
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new AwsError('InvalidURI', 400, "Couldn't parse the specified URI.", {
      elements: { URI: uri },
    });
  }
}

/**
 * The bucket and key of a request.
 *
 * @example
 * parseAddress('/b/dir/a%20b%2Bc.txt', '127.0.0.1:4577') // → { bucket: 'b', key: 'dir/a b+c.txt', virtualHost: false }
 * parseAddress('/b/a+b.txt', '127.0.0.1:4577') // → { bucket: 'b', key: 'a b.txt', virtualHost: false }
 * parseAddress('/dir/k', 'b.localhost:4577') // → { bucket: 'b', key: 'dir/k', virtualHost: true }
 * parseAddress('/b/', '127.0.0.1:4577') // → { bucket: 'b', key: undefined, virtualHost: false }
 */
export function parseAddress(
  rawPath: string,
  host: string | undefined,
  bases?: readonly string[],
): S3Address {
  const vbucket = virtualHostBucket(host, bases);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (vbucket !== undefined) {
    const key = decodeSegment(path, rawPath);
    return { bucket: vbucket, key: key === '' ? undefined : key, virtualHost: true };
  }
  if (path === '') return { virtualHost: false };
  const slash = path.indexOf('/');
  const bucket = decodeSegment(slash < 0 ? path : path.slice(0, slash), rawPath);
  const key = slash < 0 ? '' : decodeSegment(path.slice(slash + 1), rawPath);
  return { bucket, key: key === '' ? undefined : key, virtualHost: false };
}
