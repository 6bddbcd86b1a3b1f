/**
 * A multipart upload's checksum, as S3 keeps it (User Guide, "Checking object integrity"): the
 * algorithm and type CreateMultipartUpload names hold for the whole upload. CRC32 and CRC32C
 * are COMPOSITE by default (a checksum of the parts' checksums, `…-N`) or FULL_OBJECT when
 * `x-amz-checksum-type` says so (the CRC of the whole object, what boto3's upload_file sends
 * with a precomputed `ChecksumCRC32`); CRC64NVME is FULL_OBJECT only ("always a full object
 * checksum"); SHA1 and SHA256 are COMPOSITE only. A part must carry a checksum of the upload's
 * algorithm (a COMPOSITE one must carry one at all), and a completion's `x-amz-checksum-<alg>`
 * and `x-amz-checksum-type` must be the object's. Pure.
 */
import { AwsError } from '../../common/aws-error.js';
import {
  checksumAlgorithmNamed,
  checksumHeader,
  computeChecksum,
  sentChecksumHeaders,
} from '../../sigv4/checksums.js';
import type { ChecksumAlgorithm } from '../../sigv4/types.js';
import { S3_MSG, invalidRequest } from './errors.js';
import { checksumType } from './repo.js';
import { DEFAULT_CHECKSUM, type HeaderMap, checksumAlgorithmOf } from './upload.js';

export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** What CreateMultipartUpload named: the algorithm and how it covers the object. */
export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  value: string;
}

const TYPES: Readonly<Record<ChecksumType, ReadonlySet<ChecksumAlgorithm>>> = {
  COMPOSITE: new Set(['CRC32', 'CRC32C', 'SHA1', 'SHA256']),
  FULL_OBJECT: new Set(['CRC32', 'CRC32C', 'CRC64NVME']),
};

/**
 * The checksum CreateMultipartUpload asks for (`x-amz-checksum-algorithm`, and
 * `x-amz-checksum-type` in any case), or undefined when it names none; S3's InvalidRequest
 * for a type without an algorithm, a type it does not know, or one the algorithm cannot be.
 *
 * @example
 * uploadChecksumOf(new Map([['x-amz-checksum-algorithm', 'CRC32']]))
 * // → { algorithm: 'CRC32', type: 'COMPOSITE' }
 * uploadChecksumOf(new Map([['x-amz-checksum-algorithm', 'SHA256'], ['x-amz-checksum-type', 'FULL_OBJECT']]))
 * // throws InvalidRequest 'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.'
 */
export function uploadChecksumOf(headers: HeaderMap): UploadChecksum | undefined {
  const algorithm = checksumAlgorithmOf(headers);
  const named = headers.get('x-amz-checksum-type');
  const upper = named?.toUpperCase();
  if (named !== undefined && upper !== 'COMPOSITE' && upper !== 'FULL_OBJECT')
    throw invalidRequest(S3_MSG.invalidChecksum('x-amz-checksum-type'));
  if (!algorithm) {
    if (named !== undefined) throw invalidRequest(S3_MSG.checksumTypeWithoutAlgorithm);
    return undefined;
  }
  const type: ChecksumType =
    (upper as ChecksumType | undefined) ??
    (TYPES.COMPOSITE.has(algorithm) ? 'COMPOSITE' : 'FULL_OBJECT');
  if (!TYPES[type].has(algorithm))
    throw invalidRequest(S3_MSG.checksumTypeRefused(type, algorithm.toLowerCase()));
  return { algorithm, type };
}

/**
 * The algorithm of the checksum an upload's headers carry or announce: an
 * `x-amz-checksum-<alg>` header, the `x-amz-trailer` an aws-chunked body ends with, or
 * `x-amz-sdk-checksum-algorithm`; undefined when they name none.
 *
 * @example
 * sentChecksumAlgorithm(new Map([['x-amz-trailer', 'x-amz-checksum-sha256']])) // → 'SHA256'
 */
export function sentChecksumAlgorithm(headers: HeaderMap): ChecksumAlgorithm | undefined {
  const sent = sentChecksumHeaders(headers)[0];
  if (sent) return sent.algorithm;
  const trailer = (headers.get('x-amz-trailer') ?? '').trim().toLowerCase();
  if (trailer.startsWith('x-amz-checksum-')) {
    const algorithm = checksumAlgorithmNamed(trailer.slice('x-amz-checksum-'.length));
    if (algorithm) return algorithm;
  }
  const announced = headers.get('x-amz-sdk-checksum-algorithm');
  return announced === undefined ? undefined : checksumAlgorithmNamed(announced);
}

/**
 * Checks an UploadPart's checksum against its upload's before the body is read, as S3 does:
 * one of another algorithm is InvalidRequest, and so is none for a COMPOSITE upload (its
 * object's checksum is made of the parts'). A FULL_OBJECT upload's part may carry none; an
 * upload that named no algorithm takes any.
 *
 * @example
 * checkPartChecksum({ algorithm: 'CRC32', type: 'COMPOSITE' }, new Map([['x-amz-checksum-sha256', '…']]))
 * // throws InvalidRequest 'Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256'
 */
export function checkPartChecksum(upload: UploadChecksum | undefined, headers: HeaderMap): void {
  if (!upload) return;
  const sent = sentChecksumAlgorithm(headers);
  if (sent === undefined ? upload.type === 'COMPOSITE' : sent !== upload.algorithm)
    throw invalidRequest(
      S3_MSG.checksumTypeMismatch(upload.algorithm.toLowerCase(), sent?.toLowerCase() ?? 'null'),
    );
}

/**
 * The checksum a part keeps: the one it came with, else (the upload named an algorithm: a
 * FULL_OBJECT upload's part sent without one, an UploadPartCopy) S3's own of its bytes.
 *
 * @example
 * partChecksumOf({ algorithm: 'CRC32', type: 'FULL_OBJECT' }, undefined, Buffer.from('hello\n'))
 * // → { algorithm: 'CRC32', value: 'NjowIA==' }
 */
export function partChecksumOf(
  upload: UploadChecksum | undefined,
  sent: Checksum | undefined,
  data: Uint8Array,
  /** a checksum of `data` already computed (readUpload's default), reused when it fits */
  known?: Checksum,
): Checksum | undefined {
  if (sent || !upload) return sent;
  if (known?.algorithm === upload.algorithm) return known;
  return { algorithm: upload.algorithm, value: computeChecksum(upload.algorithm, data) };
}

/**
 * The completed object's checksum. FULL_OBJECT: the algorithm's checksum of the whole body.
 * COMPOSITE: the algorithm's checksum of the parts' checksums (their bytes, in order), `-N`.
 * An upload that named no algorithm (or one begun by an earlier version, which kept none):
 * composite when every part carried a checksum of one algorithm, else S3's default, the
 * full-object CRC64NVME.
 *
 * @example
 * completedChecksum({ algorithm: 'CRC32', type: 'FULL_OBJECT' }, parts, body)
 * // → { algorithm: 'CRC32', value: 'O7Fw8A==' }
 */
export function completedChecksum(
  upload: UploadChecksum | undefined,
  parts: readonly { checksum?: Checksum | undefined }[],
  data: Uint8Array,
): Checksum {
  if (upload?.type === 'FULL_OBJECT')
    return { algorithm: upload.algorithm, value: computeChecksum(upload.algorithm, data) };
  const algorithm = upload?.algorithm ?? parts[0]?.checksum?.algorithm;
  if (!algorithm || !parts.every((p) => p.checksum?.algorithm === algorithm))
    return { algorithm: DEFAULT_CHECKSUM, value: computeChecksum(DEFAULT_CHECKSUM, data) };
  const digests = Buffer.concat(parts.map((p) => Buffer.from(p.checksum?.value ?? '', 'base64')));
  return { algorithm, value: `${computeChecksum(algorithm, digests)}-${parts.length}` };
}

/**
 * Checks what a CompleteMultipartUpload says of the object against what it is:
 * `x-amz-checksum-type` must be its type (BadDigest, as S3 documents), and an
 * `x-amz-checksum-<alg>` must be of its algorithm (InvalidRequest) and its value (BadDigest;
 * a composite one with or without its `-N`).
 *
 * @example
 * checkCompletion(new Map([['x-amz-checksum-crc32', 'AAAAAA==']]), { algorithm: 'CRC32', value: 'O7Fw8A==' })
 * // throws BadDigest 'The crc32 you specified did not match the calculated checksum.'
 */
export function checkCompletion(headers: HeaderMap, checksum: Checksum): void {
  const type = checksumType(checksum);
  const namedType = headers.get('x-amz-checksum-type');
  if (namedType !== undefined && namedType.toUpperCase() !== type)
    throw new AwsError('BadDigest', 400, S3_MSG.checksumModeMismatch(type), {
      detail: `x-amz-checksum-type says ${namedType}; the upload's checksum is ${type}`,
    });
  const sent = sentChecksumHeaders(headers).map((h) => ({ ...h, value: h.value.trim() }));
  if (sent.length > 1) throw invalidRequest(S3_MSG.multipleChecksums);
  const claim = sent[0];
  if (!claim) return;
  // [inferred] S3's answer to a completion's checksum of another algorithm than the upload's
  if (claim.algorithm !== checksum.algorithm)
    throw invalidRequest(
      S3_MSG.checksumTypeMismatch(checksum.algorithm.toLowerCase(), claim.algorithm.toLowerCase()),
    );
  const whole = checksum.value.replace(/-\d+$/, '');
  if (claim.value !== checksum.value && claim.value !== whole)
    throw new AwsError('BadDigest', 400, S3_MSG.badChecksum(claim.algorithm.toLowerCase()), {
      detail: `the object's ${type} ${claim.algorithm} is ${checksum.value}; ${checksumHeader(claim.algorithm)} says ${claim.value}`,
    });
}
