/**
 * S3's flexible checksums (`x-amz-checksum-crc32|crc32c|crc64nvme|sha1|sha256`, spec
 * §7.2, §8.4): the base64 of the big-endian checksum. CRC32 (ISO-HDLC), CRC32C (Castagnoli)
 * and CRC64/NVME are table-driven here — node:zlib has `crc32` only from Node 22 — and the
 * SHAs come from node:crypto.
 */
import { createHash } from 'node:crypto';
import { table } from '../common/own.js';
import type { ChecksumAlgorithm } from './types.js';

function table32(reflectedPoly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

const CRC32_TABLE = table32(0xedb88320);
const CRC32C_TABLE = table32(0x82f63b78);

function crc32With(table: Uint32Array, data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c = (table[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * CRC-32 (the zlib/PNG one).
 *
 * @example
 * crc32(Buffer.from('123456789')) // → 0xcbf43926
 */
export function crc32(data: Uint8Array): number {
  return crc32With(CRC32_TABLE, data);
}

/**
 * CRC-32C (Castagnoli).
 *
 * @example
 * crc32c(Buffer.from('123456789')) // → 0xe3069283
 */
export function crc32c(data: Uint8Array): number {
  return crc32With(CRC32C_TABLE, data);
}

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, as two 32-bit halves (no BigInt in the loop)
const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
{
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ polyHi) >>> 0;
        lo = (lo ^ polyLo) >>> 0;
      }
    }
    CRC64_HI[n] = hi;
    CRC64_LO[n] = lo;
  }
}

/**
 * CRC-64/NVME, as 8 big-endian bytes.
 *
 * @example
 * Buffer.from(crc64nvme(Buffer.from('123456789'))).toString('hex') // → 'ae8b14860a799888'
 */
export function crc64nvme(data: Uint8Array): Uint8Array {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ (data[i] as number)) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ (CRC64_LO[idx] as number)) >>> 0;
    hi = ((hi >>> 8) ^ (CRC64_HI[idx] as number)) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
  return out;
}

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/**
 * The algorithms by their `x-amz-checksum-<name>` suffix. The table has no prototype, so a
 * name taken from a request (`constructor`, `__proto__`) finds nothing; look names up with
 * checksumAlgorithmNamed.
 */
export const CHECKSUM_HEADER_ALGORITHMS: Readonly<Record<string, ChecksumAlgorithm>> = table({
  crc32: 'CRC32',
  crc32c: 'CRC32C',
  crc64nvme: 'CRC64NVME',
  sha1: 'SHA1',
  sha256: 'SHA256',
});

/**
 * The algorithm a request names, in any case (`x-amz-checksum-algorithm: crc32`, `CRC32`), or
 * undefined for a name S3 does not know.
 *
 * @example
 * checksumAlgorithmNamed('crc64nvme') // → 'CRC64NVME'
 * checksumAlgorithmNamed('constructor') // → undefined
 */
export function checksumAlgorithmNamed(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  return Object.hasOwn(CHECKSUM_HEADER_ALGORITHMS, lower)
    ? CHECKSUM_HEADER_ALGORITHMS[lower]
    : undefined;
}

/**
 * The header that carries an algorithm's checksum.
 *
 * @example
 * checksumHeader('CRC64NVME') // → 'x-amz-checksum-crc64nvme'
 */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/**
 * The `x-amz-checksum-<alg>` headers a request carries, in CHECKSUM_HEADER_ALGORITHMS' order
 * (one is all S3 takes: the callers refuse more), each with its algorithm and header name.
 *
 * @example
 * sentChecksumHeaders(new Map([['x-amz-checksum-crc32', 'NjowIA==']]))
 * // → [{ algorithm: 'CRC32', value: 'NjowIA==', header: 'x-amz-checksum-crc32' }]
 */
export function sentChecksumHeaders(headers: {
  get(name: string): string | undefined;
}): { algorithm: ChecksumAlgorithm; value: string; header: string }[] {
  const out: { algorithm: ChecksumAlgorithm; value: string; header: string }[] = [];
  for (const algorithm of Object.values(CHECKSUM_HEADER_ALGORITHMS)) {
    const header = checksumHeader(algorithm);
    const value = headers.get(header);
    if (value !== undefined) out.push({ algorithm, value, header });
  }
  return out;
}

/**
 * The checksum as S3 sends it: base64 of the big-endian value (or digest).
 *
 * @example
 * computeChecksum('CRC32', Buffer.from('hello\n')) // → 'NjowIA=='
 */
export function computeChecksum(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  switch (algorithm) {
    case 'CRC32':
      return be32(crc32(data)).toString('base64');
    case 'CRC32C':
      return be32(crc32c(data)).toString('base64');
    case 'CRC64NVME':
      return Buffer.from(crc64nvme(data)).toString('base64');
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
  }
}
