import { describe, expect, it } from 'vitest';
import {
  CHECKSUM_HEADER_ALGORITHMS,
  checksumAlgorithmNamed,
  checksumHeader,
  computeChecksum,
  crc32,
  crc32c,
  crc64nvme,
} from './checksums.js';

const CHECK = Buffer.from('123456789');

describe('checksums', () => {
  it('matches the catalogued check values of "123456789"', () => {
    expect(crc32(CHECK)).toBe(0xcbf43926);
    expect(crc32c(CHECK)).toBe(0xe3069283);
    expect(Buffer.from(crc64nvme(CHECK)).toString('hex')).toBe('ae8b14860a799888');
  });

  it.each([
    // the empty input
    ['CRC32', '', 'AAAAAA=='],
    ['CRC32C', '', 'AAAAAA=='],
    ['CRC64NVME', '', 'AAAAAAAAAAA='],
    ['SHA1', '', '2jmj7l5rSw0yVb/vlWAYkK/YBwk='],
    ['SHA256', '', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
    // botocore's PutObject of "hello\n" (spec §7.2)
    ['CRC32', 'hello\n', 'NjowIA=='],
    ['CRC32', '123456789', 'y/Q5Jg=='],
    ['CRC32C', '123456789', '4waSgw=='],
    ['CRC64NVME', '123456789', 'rosUhgp5mIg='],
  ] as const)('%s(%j) = %s', (algorithm, input, expected) => {
    expect(computeChecksum(algorithm, Buffer.from(input))).toBe(expected);
  });

  it('agrees with a bitwise CRC on random data', () => {
    const bitwise = (data: Uint8Array, poly: number) => {
      let c = 0xffffffff;
      for (const b of data) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff));
    expect(crc32(data)).toBe(bitwise(data, 0xedb88320));
    expect(crc32c(data)).toBe(bitwise(data, 0x82f63b78));
  });
});

describe('checksum names', () => {
  it.each([
    ['crc32', 'CRC32'],
    ['CRC32C', 'CRC32C'],
    ['Crc64Nvme', 'CRC64NVME'],
    ['sha1', 'SHA1'],
    ['SHA256', 'SHA256'],
  ] as const)('%s names %s', (name, algorithm) => {
    expect(checksumAlgorithmNamed(name)).toBe(algorithm);
    expect(checksumHeader(algorithm)).toBe(`x-amz-checksum-${algorithm.toLowerCase()}`);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'md5', ''])(
    '%j names nothing, in the table either',
    (name) => {
      expect(checksumAlgorithmNamed(name)).toBeUndefined();
      expect(CHECKSUM_HEADER_ALGORITHMS[name]).toBeUndefined();
    },
  );
});
