/**
 * The digests SQS returns so clients can check what it received (the SQS Developer Guide,
 * "Calculating the MD5 message digest for message attributes"): `MD5OfMessageBody` is the
 * hex MD5 of the body's UTF-8 bytes; `MD5OfMessageAttributes` is the hex MD5 of the
 * attributes sorted by name, each encoded as name, data type, a transport byte (1 for
 * String and Number values, 2 for Binary) and the value, every variable part preceded by its
 * length as a 4-byte big-endian integer.
 */
import { createHash } from 'node:crypto';
import type { MessageAttribute } from './types.js';

/**
 * The hex MD5 of a message body.
 *
 * @example
 * md5OfBody('hello') // → '5d41402abc4b2a76b9719d911017c592'
 */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/**
 * The hex MD5 of message attributes as SQS computes it; undefined when there are none.
 *
 * @example
 * md5OfAttributes({ color: { DataType: 'String', StringValue: 'red' } })
 */
export function md5OfAttributes(
  attrs: Readonly<Record<string, MessageAttribute>> | undefined,
): string | undefined {
  const names = Object.keys(attrs ?? {});
  if (!attrs || names.length === 0) return undefined;
  const hash = createHash('md5');
  // INVARIANT: SQS sorts by the names' code units, as the SDKs do
  for (const name of names.sort()) {
    const a = attrs[name] as MessageAttribute;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(a.DataType, 'utf8')));
    if (a.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(a.BinaryValue, 'base64')));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}
