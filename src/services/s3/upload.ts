/**
 * An upload's body and what describes it (spec/aws-wire.md §7.2, §8.4): the aws-chunked
 * framing decoded and verified through src/sigv4 (chunk and trailer signatures, the decoded
 * length, the trailing checksum), `x-amz-checksum-*` and `Content-MD5` checked when sent,
 * and the representation headers and user metadata S3 stores with the object. Pure.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import { put } from '../../common/own.js';
import { decodeAwsChunked } from '../../sigv4/aws-chunked.js';
import {
  checksumAlgorithmNamed,
  computeChecksum,
  sentChecksumHeaders,
} from '../../sigv4/checksums.js';
import { STREAMING_MODES, STREAMING_UNSIGNED_TRAILER } from '../../sigv4/constants.js';
import { sigv4Error } from '../../sigv4/errors.js';
import type { AwsChunkedContext, ChecksumAlgorithm, PayloadInfo } from '../../sigv4/types.js';
import {
  S3_MSG,
  invalidArgument,
  invalidRequest,
  missingContentLength,
  notImplemented,
} from './errors.js';
import { storedMetaValue } from './metadata.js';

/** Lower-case header name → value (duplicates joined with `,`). */
export type HeaderMap = ReadonlyMap<string, string>;

/** The checksum S3 keeps for objects whose upload carried none (S3 does so since 2025). */
export const DEFAULT_CHECKSUM: ChecksumAlgorithm = 'CRC64NVME';

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

export interface UploadBody {
  data: Buffer;
  /** hex MD5 (the ETag) */
  md5: string;
  checksum: { algorithm: ChecksumAlgorithm; value: string };
  /** the checksum came with the request (else irsakit computed the default one) */
  checksumSent: boolean;
}

function isBase64Of(value: string, bytes: number): boolean {
  const b = Buffer.from(value, 'base64');
  return b.length === bytes && b.toString('base64') === value;
}

/** The aws-chunked context of a request the edge did not decode for us (anonymous, SigV2). */
function unsignedChunked(headers: HeaderMap): AwsChunkedContext | undefined {
  const mode = headers.get('x-amz-content-sha256');
  if (mode !== STREAMING_UNSIGNED_TRAILER) {
    if (mode && (STREAMING_MODES as readonly string[]).includes(mode))
      throw invalidRequest(`${mode} needs a request signed with the Authorization header (SigV4)`);
    return undefined;
  }
  const declared = Number(headers.get('x-amz-decoded-content-length'));
  if (!Number.isSafeInteger(declared) || declared < 0) throw missingContentLength();
  return {
    mode,
    decodedContentLength: declared,
    trailers: (headers.get('x-amz-trailer') ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  };
}

/**
 * Decodes and checks an upload's body.
 *
 * @example
 * const body = readUpload(raw.body, ctx.auth?.payload, headers);
 * // → { data, md5: '5d41…', checksum: { algorithm: 'CRC32', value: 'NjowIA==' }, checksumSent: true }
 */
export function readUpload(
  body: Buffer,
  payload: PayloadInfo | undefined,
  headers: HeaderMap,
): UploadBody {
  if (!headers.has('content-length') && !headers.has('transfer-encoding'))
    throw missingContentLength();
  let data = body;
  let trailer: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  // a SigV4 streaming upload arrives with its context; any other request (anonymous, SigV2,
  // presigned) names aws-chunked framing in its headers only
  const chunked = payload?.kind === 'aws-chunked' ? payload.chunked : unsignedChunked(headers);
  if (chunked) {
    const d = decodeAwsChunked(body, chunked);
    if (!d.ok) throw sigv4Error('s3', d.failure);
    data = d.payload;
    trailer = d.checksum;
  }

  const sent = sentChecksumHeaders(headers);
  if (sent.length + (trailer ? 1 : 0) > 1) throw invalidRequest(S3_MSG.multipleChecksums);
  let checksum = trailer;
  const first = sent[0];
  if (first) {
    const { algorithm, value, header } = first;
    if (!isBase64Of(value, DIGEST_BYTES[algorithm]))
      throw invalidRequest(S3_MSG.invalidChecksum(header));
    const computed = computeChecksum(algorithm, data);
    if (computed !== value)
      throw new AwsError('BadDigest', 400, S3_MSG.badChecksum(algorithm), {
        detail: `the ${algorithm} of the ${data.length} bytes is ${computed}; ${header} says ${value}`,
      });
    checksum = { algorithm, value };
  }
  const announced = headers.get('x-amz-sdk-checksum-algorithm');
  if (announced !== undefined && !checksum && !headers.has('x-amz-trailer'))
    throw invalidRequest(S3_MSG.checksumAlgorithmOnly);

  const md5 = createHash('md5').update(data).digest();
  const contentMd5 = headers.get('content-md5');
  if (contentMd5 !== undefined) {
    if (!isBase64Of(contentMd5.trim(), 16))
      throw new AwsError('InvalidDigest', 400, S3_MSG.invalidMd5, {
        elements: { 'Content-MD5': contentMd5 },
      });
    if (contentMd5.trim() !== md5.toString('base64'))
      throw new AwsError('BadDigest', 400, S3_MSG.badMd5, {
        elements: {
          ExpectedDigest: Buffer.from(contentMd5.trim(), 'base64').toString('hex'),
          CalculatedDigest: md5.toString('base64'),
        },
      });
  }
  return {
    data,
    md5: md5.toString('hex'),
    checksum: checksum ?? {
      algorithm: DEFAULT_CHECKSUM,
      value: computeChecksum(DEFAULT_CHECKSUM, data),
    },
    checksumSent: checksum !== undefined,
  };
}

/** Representation headers S3 stores with an object and sends back on GET and HEAD. */
export const STORED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-website-redirect-location',
] as const;

const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'EXPRESS_ONEZONE',
]);

/** The most user metadata an object may carry, in bytes of names and values. */
export const MAX_METADATA_BYTES = 2048;

/** Canned ACLs S3 accepts on buckets with ACLs disabled (Object Ownership BucketOwnerEnforced). */
const ACCEPTED_ACLS = new Set(['private', 'bucket-owner-full-control']);
const CANNED_ACLS = new Set([
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
]);

/**
 * Checks `x-amz-acl` as a bucket with ACLs disabled does (the default for new buckets since
 * April 2023): only `private` and `bucket-owner-full-control` are accepted.
 */
export function checkCannedAcl(headers: HeaderMap): void {
  const acl = headers.get('x-amz-acl');
  if (acl === undefined) return;
  // [inferred] S3's text for an unknown canned ACL
  if (!CANNED_ACLS.has(acl))
    throw invalidArgument('Argument format not recognized', 'x-amz-acl', acl);
  if (!ACCEPTED_ACLS.has(acl))
    throw new AwsError('AccessControlListNotSupported', 400, S3_MSG.aclNotSupported);
  for (const grant of ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-full-control'])
    if (headers.has(grant))
      throw new AwsError('AccessControlListNotSupported', 400, S3_MSG.aclNotSupported);
}

/**
 * The encryption a write asks for: S3 managed keys (`AES256`, what every object gets) or none
 * named. SSE-KMS and SSE-C are not served (`NotImplemented`: storing the object unencrypted
 * while answering as if it were would tell the client its data is protected when it is not);
 * an unknown method is S3's InvalidArgument.
 *
 * @example
 * checkEncryption(new Map([['x-amz-server-side-encryption', 'aws:kms']])) // throws NotImplemented
 */
export function checkEncryption(headers: HeaderMap): void {
  const sse = headers.get('x-amz-server-side-encryption');
  if (sse !== undefined && sse !== 'AES256') {
    if (sse === 'aws:kms' || sse === 'aws:kms:dsse')
      throw notImplemented(`server-side encryption with ${sse}`);
    throw invalidArgument(
      'The encryption method specified is not supported',
      'x-amz-server-side-encryption',
      sse,
    );
  }
  for (const name of [
    'x-amz-server-side-encryption-customer-algorithm',
    'x-amz-server-side-encryption-customer-key',
    'x-amz-copy-source-server-side-encryption-customer-algorithm',
  ])
    if (headers.has(name)) throw notImplemented('server-side encryption with customer keys');
}

/**
 * `x-amz-storage-class` as sent (`STANDARD` included), or undefined when absent; S3's
 * InvalidStorageClass for a class it does not know.
 *
 * @example
 * storageClassOf(new Map([['x-amz-storage-class', 'GLACIER']])) // → 'GLACIER'
 */
export function storageClassOf(headers: HeaderMap): string | undefined {
  const storageClass = headers.get('x-amz-storage-class');
  if (storageClass !== undefined && !STORAGE_CLASSES.has(storageClass))
    throw new AwsError('InvalidStorageClass', 400, S3_MSG.invalidStorageClass, {
      elements: { StorageClassRequested: storageClass },
    });
  return storageClass;
}

/**
 * The algorithm `x-amz-checksum-algorithm` asks for (CopyObject, CreateMultipartUpload), in
 * any case, or undefined when absent; S3's InvalidArgument for a name it does not know.
 *
 * @example
 * checksumAlgorithmOf(new Map([['x-amz-checksum-algorithm', 'crc32']])) // → 'CRC32'
 */
export function checksumAlgorithmOf(headers: HeaderMap): ChecksumAlgorithm | undefined {
  const wanted = headers.get('x-amz-checksum-algorithm');
  if (wanted === undefined) return undefined;
  const algorithm = checksumAlgorithmNamed(wanted);
  if (!algorithm)
    throw invalidArgument(S3_MSG.unsupportedChecksumAlgorithm, 'x-amz-checksum-algorithm', wanted);
  return algorithm;
}

export interface ObjectDescription {
  contentType: string;
  headers: Record<string, string>;
  meta: Record<string, string>;
  storageClass?: string | undefined;
}

/**
 * What an upload says about the object: Content-Type (S3's default `binary/octet-stream`),
 * the stored representation headers (`aws-chunked` removed from Content-Encoding), user
 * metadata (at most 2 KB) and the storage class.
 *
 * @example
 * describeUpload(new Map([['x-amz-meta-team', 'irsa']])).meta // → { team: 'irsa' }
 */
export function describeUpload(headers: HeaderMap): ObjectDescription {
  const stored: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = headers.get(name);
    if (value === undefined) continue;
    if (name === 'content-encoding') {
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v.toLowerCase() !== 'aws-chunked')
        .join(',');
      if (value === '') continue;
    }
    // S3 refuses a redirect that is not a URL or a path (the key's website redirect)
    if (name === 'x-amz-website-redirect-location' && !/^(https?:\/\/|\/)/.test(value))
      throw invalidArgument(
        "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
        name,
        value,
      );
    stored[name] = value;
  }
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of headers) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const short = name.slice('x-amz-meta-'.length);
    put(meta, short, storedMetaValue(value));
    size += Buffer.byteLength(short, 'latin1') + Buffer.byteLength(value, 'latin1');
  }
  if (size > MAX_METADATA_BYTES)
    throw new AwsError('MetadataTooLarge', 400, S3_MSG.metadataTooLarge, {
      elements: { Size: String(size), MaxSizeAllowed: String(MAX_METADATA_BYTES) },
    });
  const storageClass = storageClassOf(headers);
  return {
    contentType: headers.get('content-type') ?? 'binary/octet-stream',
    headers: stored,
    meta,
    storageClass: storageClass === 'STANDARD' ? undefined : storageClass,
  };
}
