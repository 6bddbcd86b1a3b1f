import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { computeChecksum } from '../../sigv4/checksums.js';
import {
  checkCompletion,
  checkPartChecksum,
  completedChecksum,
  partChecksumOf,
  sentChecksumAlgorithm,
  uploadChecksumOf,
} from './multipart-checksums.js';

const headers = (h: Record<string, string>) => new Map(Object.entries(h));

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    return `${e.code} ${e.httpStatus}: ${e.message}`;
  }
  return 'ok';
}

describe('uploadChecksumOf (CreateMultipartUpload)', () => {
  it.each([
    [{}, undefined],
    [{ 'x-amz-checksum-algorithm': 'CRC32' }, { algorithm: 'CRC32', type: 'COMPOSITE' }],
    [{ 'x-amz-checksum-algorithm': 'crc32c' }, { algorithm: 'CRC32C', type: 'COMPOSITE' }],
    [{ 'x-amz-checksum-algorithm': 'SHA1' }, { algorithm: 'SHA1', type: 'COMPOSITE' }],
    // CRC64NVME is always a full object checksum
    [{ 'x-amz-checksum-algorithm': 'CRC64NVME' }, { algorithm: 'CRC64NVME', type: 'FULL_OBJECT' }],
    [
      { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'FULL_OBJECT' },
      { algorithm: 'CRC32', type: 'FULL_OBJECT' },
    ],
    [
      { 'x-amz-checksum-algorithm': 'CRC32C', 'x-amz-checksum-type': 'full_object' },
      { algorithm: 'CRC32C', type: 'FULL_OBJECT' },
    ],
    [
      { 'x-amz-checksum-algorithm': 'SHA256', 'x-amz-checksum-type': 'COMPOSITE' },
      { algorithm: 'SHA256', type: 'COMPOSITE' },
    ],
  ])('%j → %j', (h, expected) => {
    expect(uploadChecksumOf(headers(h))).toEqual(expected);
  });

  it.each([
    [
      { 'x-amz-checksum-algorithm': 'SHA256', 'x-amz-checksum-type': 'FULL_OBJECT' },
      'InvalidRequest 400: The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.',
    ],
    [
      { 'x-amz-checksum-algorithm': 'SHA1', 'x-amz-checksum-type': 'FULL_OBJECT' },
      'InvalidRequest 400: The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.',
    ],
    [
      { 'x-amz-checksum-algorithm': 'CRC64NVME', 'x-amz-checksum-type': 'COMPOSITE' },
      'InvalidRequest 400: The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.',
    ],
    [
      { 'x-amz-checksum-type': 'FULL_OBJECT' },
      'InvalidRequest 400: The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
    ],
    [
      { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'WHOLE' },
      'InvalidRequest 400: Value for x-amz-checksum-type header is invalid.',
    ],
  ])('%j is refused', (h, expected) => {
    expect(errorOf(() => uploadChecksumOf(headers(h)))).toBe(expected);
  });
});

describe('a part against its upload', () => {
  const crc32Composite = { algorithm: 'CRC32', type: 'COMPOSITE' } as const;
  const crc32Full = { algorithm: 'CRC32', type: 'FULL_OBJECT' } as const;

  it('finds the algorithm in a header, the trailer, or the SDK’s announcement', () => {
    expect(sentChecksumAlgorithm(headers({ 'x-amz-checksum-sha256': 'x' }))).toBe('SHA256');
    expect(sentChecksumAlgorithm(headers({ 'x-amz-trailer': 'x-amz-checksum-crc32c' }))).toBe(
      'CRC32C',
    );
    expect(sentChecksumAlgorithm(headers({ 'x-amz-sdk-checksum-algorithm': 'crc64nvme' }))).toBe(
      'CRC64NVME',
    );
    expect(sentChecksumAlgorithm(headers({ 'x-amz-trailer': 'x-amz-meta-x' }))).toBeUndefined();
  });

  it.each([
    [crc32Composite, { 'x-amz-checksum-crc32': 'NjowIA==' }, 'ok'],
    [
      crc32Composite,
      { 'x-amz-checksum-sha256': 'x' },
      'InvalidRequest 400: Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256',
    ],
    [
      crc32Composite,
      { 'x-amz-trailer': 'x-amz-checksum-crc64nvme' },
      'InvalidRequest 400: Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: crc64nvme',
    ],
    [
      crc32Composite,
      {},
      'InvalidRequest 400: Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: null',
    ],
    // a full-object checksum is S3's to compute: a part may come without one
    [crc32Full, {}, 'ok'],
    [
      crc32Full,
      { 'x-amz-checksum-crc32c': 'x' },
      'InvalidRequest 400: Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: crc32c',
    ],
    [undefined, { 'x-amz-checksum-sha1': 'x' }, 'ok'],
  ] as const)('%j with %j: %s', (upload, h, expected) => {
    expect(errorOf(() => checkPartChecksum(upload, headers(h)))).toBe(expected);
  });

  it('a part keeps the checksum it came with, else the upload’s algorithm’s of its bytes', () => {
    const data = Buffer.from('hello\n');
    const sent = { algorithm: 'CRC32', value: 'NjowIA==' } as const;
    expect(partChecksumOf(crc32Full, sent, data)).toBe(sent);
    expect(partChecksumOf(crc32Full, undefined, data)).toEqual(sent);
    expect(partChecksumOf(undefined, undefined, data)).toBeUndefined();
  });
});

describe('the completed object’s checksum', () => {
  const a = Buffer.from('first part ');
  const b = Buffer.from('second part');
  const whole = Buffer.concat([a, b]);
  const part = (alg: 'CRC32' | 'SHA256', d: Buffer) => ({
    checksum: { algorithm: alg, value: computeChecksum(alg, d) },
  });

  it('FULL_OBJECT: the whole body’s, of CRC32, CRC32C and CRC64NVME alike', () => {
    for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const)
      expect(completedChecksum({ algorithm, type: 'FULL_OBJECT' }, [{}, {}], whole)).toEqual({
        algorithm,
        value: computeChecksum(algorithm, whole),
      });
    // CRC-32's standard check value
    expect(
      completedChecksum({ algorithm: 'CRC32', type: 'FULL_OBJECT' }, [], Buffer.from('123456789')),
    ).toEqual({ algorithm: 'CRC32', value: Buffer.from('cbf43926', 'hex').toString('base64') });
  });

  it('COMPOSITE: the checksum of the parts’ checksums, -N', () => {
    const digests = Buffer.concat(
      [a, b].map((d) => Buffer.from(computeChecksum('SHA256', d), 'base64')),
    );
    expect(
      completedChecksum(
        { algorithm: 'SHA256', type: 'COMPOSITE' },
        [part('SHA256', a), part('SHA256', b)],
        whole,
      ),
    ).toEqual({ algorithm: 'SHA256', value: `${computeChecksum('SHA256', digests)}-2` });
  });

  it('no algorithm named: composite of one algorithm’s parts, else the full-object CRC64NVME', () => {
    expect(completedChecksum(undefined, [part('CRC32', a), part('CRC32', b)], whole).value).toMatch(
      /-2$/,
    );
    expect(completedChecksum(undefined, [part('CRC32', a), {}], whole)).toEqual({
      algorithm: 'CRC64NVME',
      value: computeChecksum('CRC64NVME', whole),
    });
  });

  it('a completion’s type and checksum must be the object’s', () => {
    const full = { algorithm: 'CRC32', value: computeChecksum('CRC32', whole) } as const;
    const composite = { algorithm: 'SHA256', value: 'abc=-2' } as const;
    const check = (
      h: Record<string, string>,
      c: { algorithm: 'CRC32' | 'SHA256'; value: string },
    ) => errorOf(() => checkCompletion(headers(h), c));
    expect(check({}, full)).toBe('ok');
    expect(
      check({ 'x-amz-checksum-crc32': full.value, 'x-amz-checksum-type': 'FULL_OBJECT' }, full),
    ).toBe('ok');
    expect(check({ 'x-amz-checksum-crc32': 'AAAAAA==' }, full)).toBe(
      'BadDigest 400: The crc32 you specified did not match the calculated checksum.',
    );
    expect(check({ 'x-amz-checksum-type': 'COMPOSITE' }, full)).toBe(
      'BadDigest 400: The upload was created using the FULL_OBJECT checksum mode. The complete request must use the same checksum mode.',
    );
    expect(check({ 'x-amz-checksum-sha256': full.value }, full)).toBe(
      'InvalidRequest 400: Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256',
    );
    expect(
      check({ 'x-amz-checksum-crc32': full.value, 'x-amz-checksum-crc32c': full.value }, full),
    ).toBe(
      'InvalidRequest 400: Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
    expect(check({ 'x-amz-checksum-sha256': 'abc=-2' }, composite)).toBe('ok');
    expect(check({ 'x-amz-checksum-sha256': 'abc=' }, composite)).toBe('ok');
    expect(check({ 'x-amz-checksum-sha256': 'abd=-2' }, composite)).toBe(
      'BadDigest 400: The sha256 you specified did not match the calculated checksum.',
    );
  });
});
