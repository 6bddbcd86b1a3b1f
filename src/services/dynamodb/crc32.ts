/**
 * CRC-32 (IEEE), for the `x-amz-crc32` header botocore checks on DynamoDB answers and for
 * Scan segments: zlib's when the runtime has it (Node ≥ 20.15), a table otherwise.
 */
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function slow(data: string | Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0xffffffff;
  for (const b of bytes) crc = (table[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;

/**
 * The CRC-32 of a string (as UTF-8) or bytes, unsigned.
 *
 * @example
 * crc32('hello') // → 907060870
 */
export function crc32(data: string | Uint8Array): number {
  return native ? native(data) : slow(data);
}

/** For tests: the table implementation. */
export const crc32Table = slow;
