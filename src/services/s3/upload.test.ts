import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { computeChecksum } from '../../sigv4/checksums.js';
import { STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER } from '../../sigv4/constants.js';
import { buildAwsChunked, signRequest } from '../../sigv4/testing/sign.js';
import type { AwsChunkedContext, PayloadInfo } from '../../sigv4/types.js';
import { SIGV2_PAYLOAD } from './sigv2-auth.js';
import {
  checkCannedAcl,
  checksumAlgorithmOf,
  describeUpload,
  readUpload,
  storageClassOf,
} from './upload.js';

const DATA = Buffer.from('hello\n');
const md5 = (b: Buffer) => createHash('md5').update(b).digest();
/** A request's headers, with the Content-Length every client sends unless `h` frames it. */
const headers = (h: Record<string, string>) =>
  new Map(Object.entries('transfer-encoding' in h ? h : { 'content-length': '0', ...h }));
const sha: PayloadInfo = { kind: 'sha256', sha256: 'x', verified: true };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    return `${e.code} ${e.httpStatus}: ${e.message}`;
  }
  return 'ok';
}

describe('plain bodies', () => {
  it('the ETag is the MD5; without a checksum S3 keeps a CRC64NVME', () => {
    const u = readUpload(DATA, sha, headers({}));
    expect(u.md5).toBe(md5(DATA).toString('hex'));
    expect(u.checksum).toEqual({
      algorithm: 'CRC64NVME',
      value: computeChecksum('CRC64NVME', DATA),
    });
    expect(u.checksumSent).toBe(false);
  });

  it('x-amz-checksum-crc32 is verified and kept', () => {
    const u = readUpload(DATA, sha, headers({ 'x-amz-checksum-crc32': 'NjowIA==' }));
    expect(u.checksum).toEqual({ algorithm: 'CRC32', value: 'NjowIA==' });
    expect(u.checksumSent).toBe(true);
  });

  it.each([
    [
      { 'x-amz-checksum-crc32': 'AAAAAA==' },
      'BadDigest 400: The CRC32 you specified did not match the calculated checksum.',
    ],
    [
      { 'x-amz-checksum-sha256': 'AAAAAA==' },
      'InvalidRequest 400: Value for x-amz-checksum-sha256 header is invalid.',
    ],
    [
      { 'x-amz-checksum-crc32': 'NjowIA==', 'x-amz-checksum-sha1': 'x' },
      'InvalidRequest 400: Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    ],
    [
      { 'content-md5': md5(Buffer.from('other')).toString('base64') },
      'BadDigest 400: The Content-MD5 you specified did not match what we received.',
    ],
    [{ 'content-md5': 'nope' }, 'InvalidDigest 400: The Content-MD5 you specified is not valid.'],
    [{ 'content-md5': md5(DATA).toString('base64') }, 'ok'],
    [
      { 'x-amz-sdk-checksum-algorithm': 'CRC32' },
      'InvalidRequest 400: x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    ],
  ])('%j', (h, expected) => {
    expect(errorOf(() => readUpload(DATA, sha, headers(h)))).toBe(expected);
  });
});

describe('aws-chunked bodies', () => {
  const trailers = [['x-amz-checksum-crc32', 'NjowIA==']] as const;

  it('STREAMING-UNSIGNED-PAYLOAD-TRAILER, decoded and its checksum kept', () => {
    const { body } = buildAwsChunked(DATA, { chunkSize: 4, trailers });
    const u = readUpload(
      body,
      {
        kind: 'aws-chunked',
        chunked: {
          mode: STREAMING_UNSIGNED_TRAILER,
          decodedContentLength: 6,
          trailers: ['x-amz-checksum-crc32'],
        },
      },
      headers({}),
    );
    expect(u.data.toString()).toBe('hello\n');
    expect(u.checksum).toEqual({ algorithm: 'CRC32', value: 'NjowIA==' });
  });

  it.each([
    ['anonymous', undefined],
    ['SigV2', SIGV2_PAYLOAD],
  ])('an %s upload in the unsigned trailer mode is decoded too', (_who, payload) => {
    const { body } = buildAwsChunked(DATA, { chunkSize: 4, trailers });
    const u = readUpload(
      body,
      payload,
      headers({
        'x-amz-content-sha256': STREAMING_UNSIGNED_TRAILER,
        'x-amz-decoded-content-length': '6',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      }),
    );
    expect(u.data.toString()).toBe('hello\n');
    expect(u.checksum).toEqual({ algorithm: 'CRC32', value: 'NjowIA==' });
  });

  it.each(['x-amz-checksum-constructor', 'x-amz-checksum-__proto__'])(
    'a trailer named %s is MalformedTrailerError, not a checksum',
    (name) => {
      const { body } = buildAwsChunked(DATA, { chunkSize: 4, trailers: [[name, 'NjowIA==']] });
      const chunked: AwsChunkedContext = {
        mode: STREAMING_UNSIGNED_TRAILER,
        decodedContentLength: 6,
        trailers: [name],
      };
      expect(errorOf(() => readUpload(body, { kind: 'aws-chunked', chunked }, headers({})))).toBe(
        'MalformedTrailerError 400: The request contained trailing data that was not well-formed or did not conform to our published schema.',
      );
    },
  );

  it('a wrong trailing checksum is BadDigest', () => {
    const { body } = buildAwsChunked(DATA, {
      chunkSize: 4,
      trailers: [['x-amz-checksum-crc32', 'AAAAAA==']],
    });
    expect(
      errorOf(() =>
        readUpload(
          body,
          {
            kind: 'aws-chunked',
            chunked: {
              mode: STREAMING_UNSIGNED_TRAILER,
              decodedContentLength: 6,
              trailers: ['x-amz-checksum-crc32'],
            },
          },
          headers({}),
        ),
      ),
    ).toBe('BadDigest 400: The CRC32 you specified did not match the calculated checksum.');
  });

  it('signed chunks are verified against the request’s signature chain', () => {
    const req = signRequest({
      method: 'PUT',
      target: '/b/k',
      headers: [
        ['Host', '127.0.0.1:4577'],
        ['x-amz-decoded-content-length', '6'],
        ['x-amz-trailer', 'x-amz-checksum-crc32'],
      ],
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' },
      region: 'us-east-1',
      service: 's3',
      now: new Date('2024-05-01T12:00:00Z'),
      payloadHash: STREAMING_SIGNED_TRAILER,
    });
    const { body } = buildAwsChunked(DATA, { chunkSize: 4, signing: req.signing, trailers });
    const chunked: AwsChunkedContext = {
      mode: STREAMING_SIGNED_TRAILER,
      decodedContentLength: 6,
      trailers: ['x-amz-checksum-crc32'],
      signing: req.signing,
    };
    expect(readUpload(body, { kind: 'aws-chunked', chunked }, headers({})).data.toString()).toBe(
      'hello\n',
    );
    const tampered = Buffer.from(body.toString('latin1').replace('hell', 'jell'), 'latin1');
    expect(errorOf(() => readUpload(tampered, { kind: 'aws-chunked', chunked }, headers({})))).toBe(
      'SignatureDoesNotMatch 403: The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  });

  it('signed modes need SigV4 header authentication', () => {
    expect(
      errorOf(() =>
        readUpload(
          Buffer.from('0\r\n\r\n'),
          undefined,
          headers({ 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }),
        ),
      ),
    ).toMatch(/^InvalidRequest 400/);
  });
});

describe('what an upload says about the object', () => {
  it('content type, stored headers, metadata', () => {
    expect(
      describeUpload(
        headers({
          'content-type': 'text/plain',
          'content-encoding': 'aws-chunked,gzip',
          'cache-control': 'no-cache',
          'x-amz-meta-team': 'irsa',
          'x-amz-storage-class': 'STANDARD',
        }),
      ),
    ).toEqual({
      contentType: 'text/plain',
      headers: { 'cache-control': 'no-cache', 'content-encoding': 'gzip' },
      meta: { team: 'irsa' },
      storageClass: undefined,
    });
    expect(describeUpload(headers({ 'content-encoding': 'aws-chunked' })).headers).toEqual({});
    expect(describeUpload(headers({})).contentType).toBe('binary/octet-stream');
  });

  it('a website redirect location is a URL or a path', () => {
    for (const ok of ['/other.html', 'https://example.com/x', 'http://example.com'])
      expect(describeUpload(headers({ 'x-amz-website-redirect-location': ok })).headers).toEqual({
        'x-amz-website-redirect-location': ok,
      });
    expect(
      errorOf(() => describeUpload(headers({ 'x-amz-website-redirect-location': 'bogus' }))),
    ).toBe(
      "InvalidArgument 400: The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
    );
  });

  it('metadata over 2 KB is MetadataTooLarge; a bad storage class is refused', () => {
    expect(errorOf(() => describeUpload(headers({ 'x-amz-meta-big': 'x'.repeat(2046) })))).toBe(
      'MetadataTooLarge 400: Your metadata headers exceed the maximum allowed metadata size.',
    );
    expect(errorOf(() => describeUpload(headers({ 'x-amz-storage-class': 'CHEAP' })))).toBe(
      'InvalidStorageClass 400: The storage class you specified is not valid',
    );
  });

  it('the storage class is checked on its own too (CopyObject keeps the source’s metadata)', () => {
    expect(storageClassOf(headers({ 'x-amz-storage-class': 'GLACIER' }))).toBe('GLACIER');
    expect(storageClassOf(headers({ 'x-amz-storage-class': 'STANDARD' }))).toBe('STANDARD');
    expect(storageClassOf(headers({}))).toBeUndefined();
    expect(errorOf(() => storageClassOf(headers({ 'x-amz-storage-class': 'constructor' })))).toBe(
      'InvalidStorageClass 400: The storage class you specified is not valid',
    );
  });

  it.each([
    ['crc32', 'CRC32'],
    ['SHA256', 'SHA256'],
  ])('x-amz-checksum-algorithm: %s asks for %s', (value, algorithm) => {
    expect(checksumAlgorithmOf(headers({ 'x-amz-checksum-algorithm': value }))).toBe(algorithm);
  });

  it.each(['constructor', '__proto__', 'md5'])(
    'x-amz-checksum-algorithm: %s is InvalidArgument',
    (value) => {
      expect(
        errorOf(() => checksumAlgorithmOf(headers({ 'x-amz-checksum-algorithm': value }))),
      ).toBe('InvalidArgument 400: Checksum algorithm provided is unsupported.');
    },
  );

  it('ACLs are disabled on the bucket', () => {
    expect(
      errorOf(() => checkCannedAcl(headers({ 'x-amz-acl': 'bucket-owner-full-control' }))),
    ).toBe('ok');
    expect(errorOf(() => checkCannedAcl(headers({ 'x-amz-acl': 'public-read' })))).toBe(
      'AccessControlListNotSupported 400: The bucket does not allow ACLs',
    );
  });
});
