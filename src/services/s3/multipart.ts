/**
 * Multipart uploads, as `aws s3 cp` and the SDKs' upload managers use them for large files:
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload and AbortMultipartUpload. An
 * upload in progress is one record (`s3.uploads/<bucket>`, by upload id) naming its parts'
 * body files; completing it writes one new body file from the parts and commits the object
 * record and the upload's removal together. The three writing steps are `s3:PutObject`;
 * aborting is `s3:AbortMultipartUpload`. The ETag is S3's: the MD5 of the parts' MD5s, `-N`;
 * the checksum is the one CreateMultipartUpload named, COMPOSITE (`<checksum of the parts'
 * checksums>-N`) or FULL_OBJECT (the whole body's), with the parts and the completion checked
 * against it (multipart-checksums.ts); an upload that named none gets a composite when its
 * parts carried checksums of one algorithm, else S3's full-object CRC64NVME.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import { CHECKSUM_HEADER_ALGORITHMS, checksumHeader } from '../../sigv4/checksums.js';
import type { ChecksumAlgorithm } from '../../sigv4/types.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import {
  type S3Call,
  authorizeS3,
  noteBytes,
  noteEvent,
  noteOwner,
  objectArn,
  requireBucket,
} from './call.js';
import {
  S3_MSG,
  invalidArgument,
  invalidRequest,
  malformedXml,
  noSuchBucket,
  refuseWrite,
} from './errors.js';
import { checkWriteConditions } from './http-semantics.js';
import { writeConditions } from './object-ops.js';
import { checkKey } from './names.js';
import {
  type UploadChecksum,
  checkCompletion,
  checkPartChecksum,
  completedChecksum,
  partChecksumOf,
  uploadChecksumOf,
} from './multipart-checksums.js';
import { BUCKETS, type ObjectRecord, checksumType, objectsOf } from './repo.js';
import { checkCannedAcl, checkEncryption, describeUpload, readUpload } from './upload.js';
import { el, parseXmlBody, xmlDocument } from './xml.js';

/** The collection of a bucket's uploads in progress. */
export function uploadsOf(bucket: string): string {
  return `s3.uploads/${bucket}`;
}

/** Every part but the last must be at least this large. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/**
 * The largest object a completion assembles. A deviation: S3 allows 5 TiB, but irsakit joins
 * the parts in memory to write the object's body, so it refuses (S3's EntityTooLarge) what
 * would not fit comfortably in a local emulator's memory.
 */
export const MAX_COMPLETED_BYTES = 1024 * 1024 * 1024;

export interface PartRecord {
  etag: string;
  size: number;
  file: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  lastModified: string;
}

export interface UploadRecord {
  key: string;
  initiated: string;
  contentType: string;
  headers?: Record<string, string> | undefined;
  meta?: Record<string, string> | undefined;
  storageClass?: string | undefined;
  /**
   * the checksum CreateMultipartUpload named; absent when it named none (and in the records of
   * uploads an earlier version began, which kept none)
   */
  checksum?: UploadChecksum | undefined;
  /** part number → part */
  parts: Record<string, PartRecord>;
}

export const MULTIPART_MSG = {
  noSuchUpload:
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  invalidPart:
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  invalidPartOrder:
    'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
  entityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  entityTooLarge: 'Your proposed upload exceeds the maximum allowed object size.',
  partNumber: 'Part number must be an integer between 1 and 10000, inclusive',
} as const;

export function noSuchUpload(uploadId: string): AwsError {
  return new AwsError('NoSuchUpload', 404, MULTIPART_MSG.noSuchUpload, {
    elements: { UploadId: uploadId },
  });
}

/** CreateMultipartUpload (`POST /bucket/key?uploads`). */
export async function createMultipartUpload(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  noteEvent(call, 'CreateMultipartUpload', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    key,
    params: { uploads: '' },
  });
  checkKey(key);
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  const acl = call.headers.get('x-amz-acl');
  await authorizeS3(call, 's3:PutObject', objectArn(bucketName, key), bucket, {
    ...(acl !== undefined ? { 's3:x-amz-acl': acl } : {}),
  });
  checkCannedAcl(call.headers);
  checkEncryption(call.headers);
  const desc = describeUpload(call.headers);
  const checksum = uploadChecksumOf(call.headers);
  const uploadId = randomBytes(24).toString('base64url');
  await call.deps.store.transaction(async (tx) => {
    if (!(await tx.get(BUCKETS, bucketName))) throw noSuchBucket(bucketName);
    await tx.put<UploadRecord>(uploadsOf(bucketName), uploadId, {
      key,
      initiated: call.ctx.now.toISOString(),
      contentType: desc.contentType,
      headers: Object.keys(desc.headers).length > 0 ? desc.headers : undefined,
      meta: Object.keys(desc.meta).length > 0 ? desc.meta : undefined,
      storageClass: desc.storageClass,
      checksum,
      parts: {},
    });
  });
  call.ctx.audit.responseElements = { uploadId };
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/xml',
      'x-amz-server-side-encryption': 'AES256',
      ...(checksum
        ? { 'x-amz-checksum-algorithm': checksum.algorithm, 'x-amz-checksum-type': checksum.type }
        : {}),
    },
    body: xmlDocument(
      'InitiateMultipartUploadResult',
      el('Bucket', bucketName) + el('Key', key) + el('UploadId', uploadId),
    ),
  };
}

export async function requireUpload(call: S3Call, bucket: string, key: string, uploadId: string) {
  const upload = await call.deps.store.get<UploadRecord>(uploadsOf(bucket), uploadId);
  if (!upload || upload.value.key !== key) throw noSuchUpload(uploadId);
  return upload.value;
}

/** The part number of `PUT …?partNumber=N`, or S3's InvalidArgument. */
export function readPartNumber(partRaw: string): number {
  const part = Number(partRaw);
  if (!/^\d{1,5}$/.test(partRaw) || part < 1 || part > MAX_PARTS)
    throw invalidArgument(MULTIPART_MSG.partNumber, 'partNumber', partRaw);
  return part;
}

/**
 * Stores a part's bytes as part `part` of the upload (replacing an earlier one of that number):
 * the body file first, then the upload's record in one transaction; a failure leaves no file.
 */
export async function storePart(
  call: S3Call,
  bucketName: string,
  key: string,
  uploadId: string,
  part: number,
  body: {
    data: Buffer;
    md5: string;
    checksum?: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  },
): Promise<void> {
  const blobs = call.deps.blobs;
  const file = blobs.newId();
  await blobs.write(file, body.data);
  let replaced: PartRecord | undefined;
  try {
    replaced = await call.deps.store.transaction(async (tx) => {
      const current = await tx.get<UploadRecord>(uploadsOf(bucketName), uploadId);
      if (!current || current.value.key !== key) throw noSuchUpload(uploadId);
      const previous = current.value.parts[String(part)];
      await tx.put<UploadRecord>(uploadsOf(bucketName), uploadId, {
        ...current.value,
        parts: {
          ...current.value.parts,
          [String(part)]: {
            etag: body.md5,
            size: body.data.length,
            file,
            checksum: body.checksum,
            lastModified: call.ctx.now.toISOString(),
          },
        },
      });
      return previous;
    });
  } catch (e) {
    await blobs.remove(file);
    throw e;
  }
  if (replaced) await blobs.remove(replaced.file);
}

/** UploadPart (`PUT /bucket/key?partNumber=N&uploadId=…`). */
export async function uploadPart(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  const uploadId = call.query.get('uploadId') ?? '';
  const partRaw = call.query.get('partNumber') ?? '';
  noteEvent(call, 'UploadPart', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    key,
    params: { uploadId, partNumber: partRaw },
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:PutObject', objectArn(bucketName, key), bucket);
  const part = readPartNumber(partRaw);
  const upload = await requireUpload(call, bucketName, key, uploadId);
  checkPartChecksum(upload.checksum, call.headers);
  const body = readUpload(call.raw.body, call.ctx.auth?.payload, call.headers);
  await storePart(call, bucketName, key, uploadId, part, {
    data: body.data,
    md5: body.md5,
    checksum: partChecksumOf(
      upload.checksum,
      body.checksumSent ? body.checksum : undefined,
      body.data,
      body.checksum,
    ),
  });
  noteBytes(call, body.data.length, 0);
  return {
    status: 200,
    headers: {
      ETag: `"${body.md5}"`,
      'x-amz-server-side-encryption': 'AES256',
      ...(body.checksumSent
        ? { [checksumHeader(body.checksum.algorithm)]: body.checksum.value }
        : {}),
    },
  };
}

interface ListedPart {
  number: number;
  etag: string;
  /** the part's checksums the completion names (`<ChecksumCRC32>` …), by algorithm */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

function listedParts(doc: Record<string, unknown>): ListedPart[] {
  const parts = doc.Part;
  if (!Array.isArray(parts) || parts.length === 0)
    throw malformedXml('CompleteMultipartUpload names no Part');
  return parts.map((p): ListedPart => {
    if (typeof p !== 'object' || p === null) throw malformedXml('a Part without elements');
    const fields = p as Record<string, unknown>;
    const { PartNumber: n, ETag: etag } = fields;
    if (typeof n !== 'string' || !/^\d+$/.test(n) || typeof etag !== 'string')
      throw malformedXml('a Part without a PartNumber or an ETag');
    const checksums: ListedPart['checksums'] = {};
    for (const algorithm of Object.values(CHECKSUM_HEADER_ALGORITHMS)) {
      const value = fields[`Checksum${algorithm}`];
      if (typeof value === 'string') checksums[algorithm] = value.trim();
    }
    return { number: Number(n), etag: etag.trim().replace(/^"(.*)"$/, '$1'), checksums };
  });
}

/** CompleteMultipartUpload (`POST /bucket/key?uploadId=…`). */
export async function completeMultipartUpload(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  const uploadId = call.query.get('uploadId') ?? '';
  noteEvent(call, 'CompleteMultipartUpload', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    key,
    params: { uploadId },
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:PutObject', objectArn(bucketName, key), bucket);
  const upload = await requireUpload(call, bucketName, key, uploadId);
  const listed = listedParts(parseXmlBody(call.raw.body, 'CompleteMultipartUpload'));
  let last = 0;
  for (const l of listed) {
    if (l.number <= last)
      throw new AwsError('InvalidPartOrder', 400, MULTIPART_MSG.invalidPartOrder, {
        elements: { UploadId: uploadId },
      });
    last = l.number;
  }
  const composite = upload.checksum?.type === 'COMPOSITE' ? upload.checksum.algorithm : undefined;
  const chosen = listed.map((l): PartRecord => {
    const part = upload.parts[String(l.number)];
    const invalidPart = () =>
      new AwsError('InvalidPart', 400, MULTIPART_MSG.invalidPart, {
        elements: { UploadId: uploadId, PartNumber: String(l.number), ETag: l.etag },
      });
    if (!part || part.etag !== l.etag) throw invalidPart();
    // a composite checksum is made of the parts' checksums: the completion names each one
    if (composite) {
      const named = l.checksums[composite];
      if (named === undefined)
        throw invalidRequest(S3_MSG.partChecksumMissing(composite.toLowerCase(), l.number));
      if (named !== part.checksum?.value) throw invalidPart();
    }
    return part;
  });
  for (const [i, part] of chosen.entries()) {
    if (i < chosen.length - 1 && part.size < MIN_PART_BYTES)
      throw new AwsError('EntityTooSmall', 400, MULTIPART_MSG.entityTooSmall, {
        elements: {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_BYTES),
          PartNumber: String(listed[i]?.number),
          ETag: part.etag,
        },
      });
  }
  const total = chosen.reduce((sum, p) => sum + p.size, 0);
  if (total > MAX_COMPLETED_BYTES)
    throw new AwsError('EntityTooLarge', 400, MULTIPART_MSG.entityTooLarge, {
      elements: { ProposedSize: String(total), MaxSizeAllowed: String(MAX_COMPLETED_BYTES) },
      detail: `irsakit assembles objects of at most ${MAX_COMPLETED_BYTES} bytes`,
    });

  const blobs = call.deps.blobs;
  const data = await blobs.concat(chosen.map((p) => ({ file: p.file, size: p.size })));
  if (!data) throw noSuchUpload(uploadId);
  const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')));
  const etag = `${createHash('md5').update(md5s).digest('hex')}-${chosen.length}`;
  const checksum = completedChecksum(upload.checksum, chosen, data);
  checkCompletion(call.headers, checksum);
  const bodies = call.deps.bodies;
  const staged = await bodies.stage(data);
  const conditions = writeConditions(call);
  let done: { released?: string | undefined; parts: string[] };
  try {
    done = await call.deps.store.transaction(async (tx) => {
      if (!(await tx.get(BUCKETS, bucketName))) throw noSuchBucket(bucketName);
      const current = await tx.get<UploadRecord>(uploadsOf(bucketName), uploadId);
      if (!current || current.value.key !== key) throw noSuchUpload(uploadId);
      const previous = await tx.get<ObjectRecord>(objectsOf(bucketName), key);
      if (conditions) refuseWrite(checkWriteConditions(conditions, previous?.value.etag), key);
      await tx.put<ObjectRecord>(objectsOf(bucketName), key, {
        size: data.length,
        etag,
        lastModified: call.ctx.now.toISOString(),
        contentType: upload.contentType,
        headers: upload.headers,
        meta: upload.meta,
        checksum,
        storageClass: upload.storageClass,
        parts: listed.map((l, i) => [l.number, chosen[i]?.size ?? 0]),
        ...staged,
      });
      await tx.delete(uploadsOf(bucketName), uploadId);
      return {
        released: previous ? await bodies.release(tx, previous.value) : undefined,
        parts: Object.values(current.value.parts).map((p) => p.file),
      };
    });
  } catch (e) {
    await bodies.discard(staged);
    throw e;
  }
  for (const f of done.parts) await blobs.remove(f);
  await bodies.removeFile(done.released);
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml', 'x-amz-server-side-encryption': 'AES256' },
    body: xmlDocument(
      'CompleteMultipartUploadResult',
      el('Location', `${call.ctx.endpoint}/${bucketName}/${encodeURI(key)}`) +
        el('Bucket', bucketName) +
        el('Key', key) +
        el('ETag', `"${etag}"`) +
        el(`Checksum${checksum.algorithm}`, checksum.value) +
        el('ChecksumType', checksumType(checksum)),
    ),
  };
}

/** AbortMultipartUpload (`DELETE /bucket/key?uploadId=…`): 204. */
export async function abortMultipartUpload(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  const uploadId = call.query.get('uploadId') ?? '';
  noteEvent(call, 'AbortMultipartUpload', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    key,
    params: { uploadId },
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:AbortMultipartUpload', objectArn(bucketName, key), bucket);
  const files = await call.deps.store.transaction(async (tx) => {
    const current = await tx.get<UploadRecord>(uploadsOf(bucketName), uploadId);
    if (!current || current.value.key !== key) throw noSuchUpload(uploadId);
    await tx.delete(uploadsOf(bucketName), uploadId);
    return Object.values(current.value.parts).map((p) => p.file);
  });
  for (const f of files) await call.deps.blobs.remove(f);
  return { status: 204 };
}
