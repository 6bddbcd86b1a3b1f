/**
 * aws-chunked upload bodies (spec/aws-wire.md §8.4, §7.2): the framing left once the HTTP
 * layer has removed its own chunking.
 *
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: `hex(size);chunk-signature=<sig>\r\n<data>\r\n`
 *   … `0;chunk-signature=<sig>\r\n\r\n`, each signature chained from the previous one, the
 *   first from the request's (seed) signature.
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: the same, then trailer lines after the
 *   0-chunk and `x-amz-trailer-signature:<sig>`.
 * - `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (botocore over https, JS with streams):
 *   `hex(size)\r\n<data>\r\n` … `0\r\n<trailer>:<value>\r\n\r\n`, no signatures.
 *
 * Every chunk signature, the trailer signature, the decoded length and the
 * `x-amz-checksum-*` trailer are checked. Pure.
 */
import { checksumAlgorithmNamed, computeChecksum } from './checksums.js';
import {
  CHUNK_ALGORITHM,
  EMPTY_SHA256,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  TRAILER_ALGORITHM,
} from './constants.js';
import { sha256Hex, signatureHex, signaturesEqual } from './signing.js';
import type { AwsChunkedContext, ChecksumAlgorithm, ChunkSigning, SigV4Failure } from './types.js';

export const TRAILER_SIGNATURE = 'x-amz-trailer-signature';
const CHECKSUM_PREFIX = 'x-amz-checksum-';
const CRLF = Buffer.from('\r\n', 'latin1');

export type DecodeResult =
  | {
      ok: true;
      payload: Buffer;
      /** trailer name (lower case) → value, signature line excluded */
      trailers: Record<string, string>;
      /** the verified `x-amz-checksum-*` trailer, if any */
      checksum?: { algorithm: ChecksumAlgorithm; value: string } | undefined;
    }
  | { ok: false; failure: SigV4Failure };

/**
 * The string to sign of one chunk.
 *
 * @example
 * chunkStringToSign(signing, previousSignature, data)
 * // → 'AWS4-HMAC-SHA256-PAYLOAD\n<amzDate>\n<scope>\n<previous>\ne3b0…b855\n<hex sha256(data)>'
 */
export function chunkStringToSign(
  signing: Omit<ChunkSigning, 'signingKey' | 'seedSignature'>,
  previousSignature: string,
  data: Uint8Array,
): string {
  return [
    CHUNK_ALGORITHM,
    signing.amzDate,
    signing.scope,
    previousSignature,
    EMPTY_SHA256,
    sha256Hex(data),
  ].join('\n');
}

/**
 * The string to sign of the trailer: over the final chunk's signature and the trailer
 * lines as `name:value\n`.
 *
 * @example
 * trailerStringToSign(signing, finalChunkSignature, [['x-amz-checksum-crc32', 'NjowIA==']])
 */
export function trailerStringToSign(
  signing: Omit<ChunkSigning, 'signingKey' | 'seedSignature'>,
  previousSignature: string,
  trailers: readonly (readonly [string, string])[],
): string {
  const text = trailers.map(([name, value]) => `${name}:${value}\n`).join('');
  return [
    TRAILER_ALGORITHM,
    signing.amzDate,
    signing.scope,
    previousSignature,
    sha256Hex(text),
  ].join('\n');
}

function malformed(offset: number, reason: string): DecodeResult {
  return { ok: false, failure: { kind: 'MalformedChunk', offset, reason } };
}

function readLine(body: Buffer, from: number): { line: string; next: number } | undefined {
  const end = body.indexOf(CRLF, from);
  if (end < 0) return undefined;
  return { line: body.subarray(from, end).toString('latin1'), next: end + 2 };
}

const SIGNED_LINE = /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/;
const UNSIGNED_LINE = /^([0-9a-fA-F]{1,16})$/;

/**
 * Decodes and verifies an aws-chunked body. `ctx` is the `payload.chunked` of a verified
 * request (`verifySigV4`), which carries the signing key for the signed modes.
 *
 * @example
 * const r = await verifySigV4(req, opts);
 * if (r.ok && r.payload.kind === 'aws-chunked') {
 *   const d = decodeAwsChunked(body, r.payload.chunked);
 *   if (!d.ok) throw sigv4Error('s3', d.failure);
 *   store(d.payload);
 * }
 */
export function decodeAwsChunked(body: Uint8Array, ctx: AwsChunkedContext): DecodeResult {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.length);
  const signed = ctx.mode === STREAMING_SIGNED || ctx.mode === STREAMING_SIGNED_TRAILER;
  const withTrailer = ctx.mode !== STREAMING_SIGNED;
  const signing = ctx.signing;
  if (signed && !signing) {
    throw new TypeError(`decodeAwsChunked: ${ctx.mode} needs the signing context of the request`);
  }

  const parts: Buffer[] = [];
  let decoded = 0;
  let previous = signing?.seedSignature ?? '';
  let pos = 0;
  for (let index = 0; ; index++) {
    const header = readLine(buf, pos);
    if (!header) return malformed(pos, `chunk ${index}: no chunk header line`);
    const m = (signed ? SIGNED_LINE : UNSIGNED_LINE).exec(header.line);
    if (!m) {
      return malformed(
        pos,
        `chunk ${index}: \`${header.line.slice(0, 100)}\` is not ${signed ? '`hex;chunk-signature=<64 hex>`' : 'a hex size'}`,
      );
    }
    const size = parseInt(m[1] as string, 16);
    const start = header.next;
    const end = start + size;
    if (end > buf.length)
      return malformed(start, `chunk ${index}: ${size} bytes announced, fewer sent`);
    const data = buf.subarray(start, end);

    if (signing) {
      const sts = chunkStringToSign(signing, previous, data);
      const expected = signatureHex(signing.signingKey, sts);
      const provided = m[2] as string;
      if (!signaturesEqual(expected, provided)) {
        return {
          ok: false,
          failure: {
            kind: 'ChunkSignatureMismatch',
            chunk: index,
            expected: { stringToSign: sts },
            received: { signature: provided },
            reason: `the signature of chunk ${index} (${size} bytes) does not match`,
          },
        };
      }
      previous = provided;
    }

    if (size > 0) {
      if (!buf.subarray(end, end + 2).equals(CRLF)) {
        return malformed(end, `chunk ${index}: data not followed by CRLF`);
      }
      parts.push(data);
      decoded += size;
      pos = end + 2;
      continue;
    }

    // the final, empty chunk: then trailers (in the trailer modes) and an empty line
    pos = end;
    const trailers: [string, string][] = [];
    let trailerSignature: string | undefined;
    for (;;) {
      const line = readLine(buf, pos);
      if (!line) return malformed(pos, 'the body ends without its final empty line');
      pos = line.next;
      if (line.line === '') break;
      if (!withTrailer)
        return malformed(pos, `trailer \`${line.line.slice(0, 100)}\` in ${ctx.mode}`);
      const colon = line.line.indexOf(':');
      if (colon <= 0)
        return malformed(pos, `trailer line \`${line.line.slice(0, 100)}\` is not name:value`);
      const name = line.line.slice(0, colon).trim().toLowerCase();
      const value = line.line.slice(colon + 1).trim();
      if (trailerSignature !== undefined) {
        return malformed(pos, 'a trailer follows x-amz-trailer-signature');
      }
      if (name === TRAILER_SIGNATURE) trailerSignature = value;
      else trailers.push([name, value]);
    }
    if (pos !== buf.length)
      return malformed(pos, `${buf.length - pos} bytes after the final chunk`);

    if (decoded !== ctx.decodedContentLength) {
      return {
        ok: false,
        failure: {
          kind: 'DecodedLengthMismatch',
          declared: ctx.decodedContentLength,
          actual: decoded,
          reason: `x-amz-decoded-content-length says ${ctx.decodedContentLength} bytes; the chunks hold ${decoded}`,
        },
      };
    }

    const received = trailers.map(([n]) => n);
    const declared = [...ctx.trailers];
    if (
      received.length !== declared.length ||
      [...received].sort().some((n, i) => n !== [...declared].sort()[i]) ||
      (signing && withTrailer && trailerSignature === undefined) ||
      (!signing && trailerSignature !== undefined)
    ) {
      return {
        ok: false,
        failure: {
          kind: 'MalformedTrailer',
          declared,
          received,
          reason:
            signing && withTrailer && trailerSignature === undefined
              ? 'the signed trailer has no x-amz-trailer-signature'
              : !signing && trailerSignature !== undefined
                ? 'an unsigned upload carries x-amz-trailer-signature'
                : `x-amz-trailer announced [${declared.join(', ')}]; the body carries [${received.join(', ')}]`,
        },
      };
    }

    if (signing && trailerSignature !== undefined) {
      const sts = trailerStringToSign(signing, previous, trailers);
      const expected = signatureHex(signing.signingKey, sts);
      if (!signaturesEqual(expected, trailerSignature)) {
        return {
          ok: false,
          failure: {
            kind: 'TrailerSignatureMismatch',
            expected: { stringToSign: sts },
            received: { signature: trailerSignature },
            reason: 'the trailer signature does not match',
          },
        };
      }
    }

    const payload = Buffer.concat(parts, decoded);
    let checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
    for (const [name, value] of trailers) {
      if (!name.startsWith(CHECKSUM_PREFIX)) continue;
      const algorithm = checksumAlgorithmNamed(name.slice(CHECKSUM_PREFIX.length));
      if (!algorithm) {
        return {
          ok: false,
          failure: {
            kind: 'MalformedTrailer',
            declared,
            received,
            reason: `\`${name}\` is not a checksum S3 knows`,
          },
        };
      }
      const computed = computeChecksum(algorithm, payload);
      if (computed !== value) {
        return {
          ok: false,
          failure: {
            kind: 'ChecksumMismatch',
            algorithm,
            claimed: value,
            computed,
            reason: `the ${algorithm} of the ${decoded} bytes is ${computed}; the trailer says ${value}`,
          },
        };
      }
      checksum = { algorithm, value };
    }
    return { ok: true, payload, trailers: Object.fromEntries(trailers), checksum };
  }
}
