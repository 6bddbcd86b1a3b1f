/**
 * Object operations: PutObject, GetObject, HeadObject, DeleteObject and CopyObject, authorized
 * as S3 maps them (HeadObject is `s3:GetObject`; CopyObject is `s3:GetObject` on the source
 * and `s3:PutObject` on the target). A missing key (a copy's source too) is NoSuchKey only to
 * callers who may list the bucket, else AccessDenied, as S3 answers.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import { boundedCache } from '../../common/bounded-cache.js';
import { checksumHeader, computeChecksum } from '../../sigv4/checksums.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import {
  type S3Call,
  authorizeS3,
  bucketArn,
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
  noSuchBucket,
  noSuchKey,
  notImplemented,
  refuseWrite,
} from './errors.js';
import { checkPreconditions, checkWriteConditions, parseRange } from './http-semantics.js';
import { readPartNumber, requireUpload, storePart } from './multipart.js';
import { partChecksumOf } from './multipart-checksums.js';
import { checkKey } from './names.js';
import { shownMetaValue } from './metadata.js';
import {
  type Bucket,
  type ObjectRecord,
  checksumType,
  getBucket,
  getObject,
  objectsOf,
  BUCKETS,
} from './repo.js';
import {
  checkCannedAcl,
  checkEncryption,
  checksumAlgorithmOf,
  describeUpload,
  readUpload,
  storageClassOf,
} from './upload.js';
import { el, xmlDocument } from './xml.js';
import { table } from '../../common/own.js';

const SSE = { 'x-amz-server-side-encryption': 'AES256' };

const httpDates = boundedCache<string>(1024);

/** An object's Last-Modified in HTTP's date form (objects of one second share it). */
function httpDate(iso: string): string {
  return httpDates.get(iso, () => new Date(iso).toUTCString());
}

/** `versionId` on an unversioned bucket: only `null` names the one version there is. */
function checkVersionId(call: S3Call): void {
  const v = call.query.get('versionId');
  if (v !== undefined && v !== 'null')
    throw invalidArgument(S3_MSG.invalidVersionId, 'versionId', v);
}

/**
 * Stores a body and its record in one step: a file body first, then the record (with an
 * inline body) in a transaction that also checks the bucket still exists and releases the
 * replaced version's body; a failure discards the new body, a success removes the old file.
 */
async function commitObject(
  call: S3Call,
  bucket: string,
  key: string,
  data: Buffer,
  record: Omit<ObjectRecord, 'file' | 'inline'>,
): Promise<void> {
  const bodies = call.deps.bodies;
  const staged = await bodies.stage(data);
  const conditions = writeConditions(call);
  let released: string | undefined;
  try {
    released = await call.deps.store.transaction(async (tx) => {
      if (!(await tx.get(BUCKETS, bucket))) throw noSuchBucket(bucket);
      const previous = await tx.get<ObjectRecord>(objectsOf(bucket), key);
      // checked where the write happens, so that no other write comes between
      if (conditions) refuseWrite(checkWriteConditions(conditions, previous?.value.etag), key);
      await tx.put<ObjectRecord>(objectsOf(bucket), key, { ...record, ...staged });
      return previous ? bodies.release(tx, previous.value) : undefined;
    });
  } catch (e) {
    await bodies.discard(staged);
    throw e;
  }
  await bodies.removeFile(released);
}

/** The conditional write headers of the request (If-Match, If-None-Match), if it has any. */
export function writeConditions(
  call: S3Call,
): { ifMatch?: string | undefined; ifNoneMatch?: string | undefined } | undefined {
  const ifMatch = call.headers.get('if-match');
  const ifNoneMatch = call.headers.get('if-none-match');
  return ifMatch === undefined && ifNoneMatch === undefined ? undefined : { ifMatch, ifNoneMatch };
}

/**
 * `?partNumber=N`: the bytes of part N of a multipart object (its part numbers are those the
 * upload was completed with), or of part 1 — the whole object — of any other; a 206 like any
 * range. S3's InvalidPartNumber past the last part, InvalidRequest with a Range as well.
 */
function partRange(
  text: string,
  rangeHeader: string | undefined,
  record: ObjectRecord,
): { kind: 'partial'; start: number; end: number } {
  if (rangeHeader !== undefined)
    throw invalidRequest('Cannot specify both Range header and partNumber query parameter');
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 10_000)
    throw invalidArgument(
      'Part number must be an integer between 1 and 10000, inclusive',
      'partNumber',
      text,
    );
  const parts = record.parts ?? [[1, record.size] as [number, number]];
  let start = 0;
  for (const [number, size] of parts) {
    if (number === n) {
      if (size === 0) break;
      return { kind: 'partial', start, end: start + size - 1 };
    }
    start += size;
  }
  throw new AwsError('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable', {
    elements: { PartNumberRequested: text, ActualPartCount: String(parts.length) },
  });
}

/** The storage classes whose objects S3 reads only after RestoreObject. */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** GetObject (and a copy's source) of an archived object: S3's InvalidObjectState. */
function refuseArchived(record: ObjectRecord): void {
  if (record.storageClass !== undefined && ARCHIVED.has(record.storageClass))
    throw new AwsError('InvalidObjectState', 403, S3_MSG.invalidObjectState, {
      elements: { StorageClass: record.storageClass },
    });
}

/**
 * Headers of what irsakit does not serve on a write, refused rather than dropped: object tags
 * (`NotImplemented`, README) and Object Lock, which a bucket made here never has.
 */
function refuseUnserved(h: ReadonlyMap<string, string>): void {
  if (h.has('x-amz-tagging')) throw notImplemented('object tagging');
  for (const name of [
    'x-amz-object-lock-mode',
    'x-amz-object-lock-retain-until-date',
    'x-amz-object-lock-legal-hold',
  ])
    if (h.has(name)) throw invalidRequest(S3_MSG.noObjectLock);
}

/** PutObject. */
export async function putObject(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  noteEvent(call, 'PutObject', { readOnly: false, data: true, bucket: bucketName, key });
  checkKey(key);
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  const h = call.headers;
  const acl = h.get('x-amz-acl');
  const sse = h.get('x-amz-server-side-encryption');
  const storage = h.get('x-amz-storage-class');
  await authorizeS3(call, 's3:PutObject', objectArn(bucketName, key), bucket, {
    ...(acl !== undefined ? { 's3:x-amz-acl': acl } : {}),
    ...(sse !== undefined ? { 's3:x-amz-server-side-encryption': sse } : {}),
    ...(storage !== undefined ? { 's3:x-amz-storage-class': storage } : {}),
  });
  checkCannedAcl(h);
  checkEncryption(h);
  refuseUnserved(h);
  const desc = describeUpload(h);
  const body = readUpload(call.raw.body, call.ctx.auth?.payload, h);
  await commitObject(call, bucketName, key, body.data, {
    size: body.data.length,
    etag: body.md5,
    lastModified: call.ctx.now.toISOString(),
    contentType: desc.contentType,
    headers: Object.keys(desc.headers).length > 0 ? desc.headers : undefined,
    meta: Object.keys(desc.meta).length > 0 ? desc.meta : undefined,
    checksum: body.checksum,
    storageClass: desc.storageClass,
  });
  call.ctx.audit.responseElements = { ...SSE };
  noteBytes(call, body.data.length, 0);
  return {
    status: 200,
    headers: {
      ETag: `"${body.md5}"`,
      ...SSE,
      [checksumHeader(body.checksum.algorithm)]: body.checksum.value,
      'x-amz-checksum-type': 'FULL_OBJECT',
    },
  };
}

/** The object, or the error S3 gives for a missing key: NoSuchKey only with s3:ListBucket. */
async function requireObject(call: S3Call, bucket: Bucket, key: string): Promise<ObjectRecord> {
  const record = await getObject(call.deps.store, bucket.key, key);
  if (record) return record;
  await authorizeS3(call, 's3:ListBucket', bucketArn(bucket.key), bucket);
  throw noSuchKey(key);
}

/** The body of a record; a file replaced meanwhile means reading the record again. */
async function readBody(call: S3Call, bucket: string, key: string, record: ObjectRecord) {
  let current = record;
  for (let attempt = 0; attempt < 3; attempt++) {
    const data = await call.deps.bodies.read(current, current.size);
    if (data) return { record: current, data };
    const again = await getObject(call.deps.store, bucket, key);
    if (!again) throw noSuchKey(key);
    current = again;
  }
  throw new Error(`the body of s3://${bucket}/${key} keeps disappearing`);
}

const OVERRIDES: Readonly<Record<string, string>> = table({
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
});

/**
 * A `response-*` override as a header value: UTF-8 bytes one per character (what Node writes
 * as latin1), and never a control character that would end the header early.
 */
function headerValue(name: string, value: string): string {
  // [inferred] S3's words for a value a header cannot carry
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value))
    throw invalidArgument('Header value cannot be represented using ISO-8859-1.', name, value);
  return Buffer.from(value, 'utf8').toString('latin1');
}

function objectHeaders(record: ObjectRecord): Record<string, string> {
  const out: Record<string, string> = {
    'Content-Type': record.contentType,
    ETag: `"${record.etag}"`,
    'Last-Modified': httpDate(record.lastModified),
    'Accept-Ranges': 'bytes',
    ...SSE,
  };
  for (const [k, v] of Object.entries(record.headers ?? {})) out[k] = v;
  for (const [k, v] of Object.entries(record.meta ?? {}))
    out[`x-amz-meta-${k}`] = shownMetaValue(v);
  if (record.storageClass) out['x-amz-storage-class'] = record.storageClass;
  return out;
}

/**
 * GetObject and HeadObject. HEAD reads no body: its answer is empty, with the Content-Length a
 * GET would have (the edge keeps a HEAD answer's Content-Length).
 */
export async function getObjectOp(
  call: S3Call,
  bucketName: string,
  key: string,
  head: boolean,
): Promise<ServiceResponse> {
  noteEvent(call, head ? 'HeadObject' : 'GetObject', {
    readOnly: true,
    data: true,
    bucket: bucketName,
    key,
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  checkVersionId(call);
  await authorizeS3(call, 's3:GetObject', objectArn(bucketName, key), bucket);
  const overrides = [...call.query.keys()].filter((q) => q in OVERRIDES);
  if (overrides.length > 0 && !call.ctx.caller)
    throw invalidRequest(
      'Request specific response headers cannot be used for anonymous GET requests.',
    );
  let record = await requireObject(call, bucket, key);
  const h = call.headers;
  const pre = checkPreconditions(
    {
      ifMatch: h.get('if-match'),
      ifNoneMatch: h.get('if-none-match'),
      ifModifiedSince: h.get('if-modified-since'),
      ifUnmodifiedSince: h.get('if-unmodified-since'),
    },
    record.etag,
    new Date(record.lastModified),
  );
  if (pre.outcome === 'failed')
    throw new AwsError('PreconditionFailed', 412, S3_MSG.precondition, {
      elements: { Condition: pre.condition },
    });
  if (pre.outcome === 'not-modified')
    return {
      status: 304,
      headers: { ETag: `"${record.etag}"`, 'Last-Modified': httpDate(record.lastModified) },
    };

  // an archived object is read only after a restore, which irsakit does not serve
  if (!head) refuseArchived(record);
  const range = call.query.has('partNumber')
    ? partRange(call.query.get('partNumber') as string, h.get('range'), record)
    : parseRange(h.get('range'), record.size);
  if (range.kind === 'unsatisfiable')
    throw new AwsError('InvalidRange', 416, S3_MSG.invalidRange, {
      elements: { RangeRequested: h.get('range') ?? '', ActualObjectSize: String(record.size) },
      headers: { 'Content-Range': `bytes */${record.size}` },
    });
  let data: Buffer | undefined;
  if (!head) {
    const read = await readBody(call, bucketName, key, record);
    record = read.record;
    data = read.data;
  }
  const headers = objectHeaders(record);
  let status = 200;
  let length = record.size;
  if (range.kind === 'partial') {
    status = 206;
    length = range.end - range.start + 1;
    data = data?.subarray(range.start, range.end + 1);
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${record.size}`;
    if (call.query.has('partNumber') && record.parts)
      headers['x-amz-mp-parts-count'] = String(record.parts.length);
  } else if (h.get('x-amz-checksum-mode') === 'ENABLED' && record.checksum) {
    headers[checksumHeader(record.checksum.algorithm)] = record.checksum.value;
    headers['x-amz-checksum-type'] = checksumType(record.checksum);
  }
  for (const q of overrides) {
    const name = OVERRIDES[q] as string;
    // the override replaces the stored header (kept under its lower-case name), not beside it
    delete headers[name.toLowerCase()];
    headers[name] = headerValue(q, call.query.get(q) as string);
  }
  if (head) {
    headers['Content-Length'] = String(length);
    return { status, headers };
  }
  noteBytes(call, 0, length);
  return { status, headers, body: data };
}

/** DeleteObject: 204 whether or not the key existed. */
export async function deleteObject(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  noteEvent(call, 'DeleteObject', { readOnly: false, data: true, bucket: bucketName, key });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  checkVersionId(call);
  await authorizeS3(call, 's3:DeleteObject', objectArn(bucketName, key), bucket);
  const bodies = call.deps.bodies;
  const released = await call.deps.store.transaction(async (tx) => {
    const previous = await tx.get<ObjectRecord>(objectsOf(bucketName), key);
    if (!previous) return undefined;
    await tx.delete(objectsOf(bucketName), key);
    return bodies.release(tx, previous.value);
  });
  await bodies.removeFile(released);
  return { status: 204 };
}

/**
 * `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, URL-encoded. A bare `+` is not a plus
 * there either: S3 answers NoSuchKey for a source key with a plus sent unencoded
 * (aws-sdk-js#1821, aws-sdk-php#236, aws-sdk-rust#1357), so it is read as the request path
 * is, a space [inferred]; SDKs send a key's plus as `%2B`.
 */
function parseCopySource(raw: string): { bucket: string; key: string } {
  let source = raw;
  const q = source.indexOf('?');
  if (q >= 0) {
    const version = new URLSearchParams(source.slice(q + 1)).get('versionId');
    if (version !== null && version !== 'null')
      throw invalidArgument(S3_MSG.invalidVersionId, 'x-amz-copy-source', raw);
    source = source.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(source.replace(/\+/g, '%20'));
  } catch {
    throw invalidArgument(S3_MSG.invalidCopySource, 'x-amz-copy-source', raw);
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1)
    throw invalidArgument(S3_MSG.invalidCopySource, 'x-amz-copy-source', raw);
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/**
 * A copy's source as both copies (CopyObject, UploadPartCopy) read it: named among the
 * record's resources, its bucket found (the target's when the same), `s3:GetObject` on it.
 */
async function authorizeCopySource(
  call: S3Call,
  source: { bucket: string; key: string },
  targetName: string,
  target: Bucket,
): Promise<Bucket> {
  call.ctx.audit.resources?.push({
    type: 'AWS::S3::Object',
    ARN: objectArn(source.bucket, source.key),
  });
  const sourceBucket =
    source.bucket === targetName ? target : await getBucket(call.deps.store, source.bucket);
  if (!sourceBucket) throw noSuchBucket(source.bucket);
  await authorizeS3(call, 's3:GetObject', objectArn(source.bucket, source.key), sourceBucket);
  return sourceBucket;
}

/** The `x-amz-copy-source-if-*` conditions on a copy's source: 412 naming the one that failed. */
function checkCopySourceConditions(h: ReadonlyMap<string, string>, src: ObjectRecord): void {
  const pre = checkPreconditions(
    {
      ifMatch: h.get('x-amz-copy-source-if-match'),
      ifNoneMatch: h.get('x-amz-copy-source-if-none-match'),
      ifModifiedSince: h.get('x-amz-copy-source-if-modified-since'),
      ifUnmodifiedSince: h.get('x-amz-copy-source-if-unmodified-since'),
    },
    src.etag,
    new Date(src.lastModified),
  );
  if (pre.outcome !== 'proceed')
    throw new AwsError('PreconditionFailed', 412, S3_MSG.precondition, {
      elements: {
        Condition:
          pre.outcome === 'failed'
            ? `x-amz-copy-source-${pre.condition.toLowerCase()}`
            : h.get('x-amz-copy-source-if-none-match') !== undefined
              ? 'x-amz-copy-source-if-none-match'
              : 'x-amz-copy-source-if-modified-since',
      },
    });
}

/**
 * UploadPartCopy (`PUT /bucket/key?partNumber=N&uploadId=…` with `x-amz-copy-source`, and
 * `x-amz-copy-source-range: bytes=first-last` for a slice): a part made of an existing
 * object's bytes — how the CLI and the SDKs copy an object larger than their multipart
 * threshold. `s3:GetObject` on the source, `s3:PutObject` on the target, as CopyObject.
 */
export async function uploadPartCopy(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  const h = call.headers;
  const rawSource = h.get('x-amz-copy-source') as string;
  const uploadId = call.query.get('uploadId') ?? '';
  const partRaw = call.query.get('partNumber') ?? '';
  noteEvent(call, 'UploadPartCopy', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    key,
    params: { uploadId, partNumber: partRaw, 'x-amz-copy-source': rawSource },
  });
  const source = parseCopySource(rawSource);
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  const sourceBucket = await authorizeCopySource(call, source, bucketName, bucket);
  await authorizeS3(call, 's3:PutObject', objectArn(bucketName, key), bucket, {
    's3:x-amz-copy-source': rawSource,
  });
  const part = readPartNumber(partRaw);
  const upload = await requireUpload(call, bucketName, key, uploadId);
  const src = await requireObject(call, sourceBucket, source.key);
  refuseArchived(src);
  checkCopySourceConditions(h, src);
  const read = await readBody(call, source.bucket, source.key, src);
  let data = read.data;
  const range = h.get('x-amz-copy-source-range');
  if (range !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (!m || Number(m[1]) > Number(m[2]))
      throw invalidArgument(S3_MSG.copySourceRange, 'x-amz-copy-source-range', range);
    const first = Number(m[1]);
    const last = Number(m[2]);
    if (last >= data.length)
      throw invalidArgument(
        S3_MSG.copySourceRangeSize(data.length),
        'x-amz-copy-source-range',
        range,
      );
    data = data.subarray(first, last + 1);
  }
  const md5 = createHash('md5').update(data).digest('hex');
  // an upload that named an algorithm has S3 compute the copied part's checksum with it
  const checksum = partChecksumOf(upload.checksum, undefined, data);
  await storePart(call, bucketName, key, uploadId, part, { data, md5, checksum });
  noteBytes(call, 0, 0);
  const now = call.ctx.now.toISOString();
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml', ...SSE },
    body: xmlDocument(
      'CopyPartResult',
      el('ETag', `"${md5}"`) +
        el('LastModified', now) +
        (checksum ? el(`Checksum${checksum.algorithm}`, checksum.value) : ''),
    ),
  };
}

/** CopyObject: the source's body (and, by default, its metadata) under the target's key. */
export async function copyObject(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  const h = call.headers;
  const rawSource = h.get('x-amz-copy-source') as string;
  noteEvent(call, 'CopyObject', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    key,
    params: { 'x-amz-copy-source': rawSource },
  });
  checkKey(key);
  const source = parseCopySource(rawSource);
  const directive = h.get('x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE')
    throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  const sourceBucket = await authorizeCopySource(call, source, bucketName, bucket);
  const acl = h.get('x-amz-acl');
  await authorizeS3(call, 's3:PutObject', objectArn(bucketName, key), bucket, {
    's3:x-amz-copy-source': rawSource,
    's3:x-amz-metadata-directive': directive,
    ...(acl !== undefined ? { 's3:x-amz-acl': acl } : {}),
  });
  checkCannedAcl(h);
  checkEncryption(h);
  refuseUnserved(h);
  const storage = storageClassOf(h);
  const wanted = checksumAlgorithmOf(h);
  const src = await requireObject(call, sourceBucket, source.key);
  refuseArchived(src);
  checkCopySourceConditions(h, src);
  if (
    source.bucket === bucketName &&
    source.key === key &&
    directive === 'COPY' &&
    storage === undefined
  )
    throw invalidRequest(S3_MSG.copyToItself);
  const read = await readBody(call, source.bucket, source.key, src);
  const described = directive === 'REPLACE' ? describeUpload(h) : undefined;
  const checksum = wanted
    ? { algorithm: wanted, value: computeChecksum(wanted, read.data) }
    : read.record.checksum;
  const now = call.ctx.now.toISOString();
  await commitObject(call, bucketName, key, read.data, {
    size: read.data.length,
    etag: read.record.etag,
    lastModified: now,
    contentType: described?.contentType ?? read.record.contentType,
    headers: described
      ? Object.keys(described.headers).length > 0
        ? described.headers
        : undefined
      : read.record.headers,
    meta: described
      ? Object.keys(described.meta).length > 0
        ? described.meta
        : undefined
      : read.record.meta,
    checksum,
    storageClass:
      storage === undefined
        ? read.record.storageClass
        : storage === 'STANDARD'
          ? undefined
          : storage,
  });
  call.ctx.audit.responseElements = { ...SSE };
  noteBytes(call, 0, 0);
  const result = xmlDocument(
    'CopyObjectResult',
    el('ETag', `"${read.record.etag}"`) +
      el('LastModified', now) +
      (checksum
        ? el(`Checksum${checksum.algorithm}`, checksum.value) +
          el('ChecksumType', checksumType(checksum))
        : ''),
  );
  return { status: 200, headers: { 'Content-Type': 'application/xml', ...SSE }, body: result };
}
