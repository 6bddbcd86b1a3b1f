/**
 * The listings of multipart uploads in progress: ListMultipartUploads (`GET /bucket?uploads`,
 * `s3:ListBucketMultipartUploads` on the bucket) and ListParts (`GET /bucket/key?uploadId=…`,
 * `s3:ListMultipartUploadParts` on the object), what resumable uploaders call to pick up an
 * upload where it stopped. Uploads are listed by key, then by when they began; parts by number.
 */
import type { ServiceResponse } from '../../server/aws/types.js';
import {
  type S3Call,
  authorizeS3,
  bucketArn,
  canonicalUserId,
  noteEvent,
  noteOwner,
  objectArn,
  requireBucket,
} from './call.js';
import { S3_MSG, invalidArgument } from './errors.js';
import { compareKeys, parseCount, parseMaxKeys, urlEncodeKey } from './listing.js';
import { type UploadRecord, noSuchUpload, uploadsOf } from './multipart.js';
import { el, wrap, xmlDocument } from './xml.js';

function people(account: string): string {
  const id = el('ID', canonicalUserId(account));
  return wrap('Initiator', id) + wrap('Owner', id);
}

/** The checksum CreateMultipartUpload named, as the listings show it ('' when none). */
function namedChecksum(upload: UploadRecord): string {
  const c = upload.checksum;
  return c ? el('ChecksumAlgorithm', c.algorithm) + el('ChecksumType', c.type) : '';
}

/**
 * An upload's `<ChecksumAlgorithm>` and `<ChecksumType>`: what CreateMultipartUpload named;
 * for an upload that named none, what its parts' checksums will make on completion (composite).
 */
function checksumElements(upload: UploadRecord): string {
  if (upload.checksum) return namedChecksum(upload);
  const algorithm = Object.values(upload.parts)[0]?.checksum?.algorithm;
  return algorithm ? el('ChecksumAlgorithm', algorithm) + el('ChecksumType', 'COMPOSITE') : '';
}

/** ListMultipartUploads. */
export async function listMultipartUploads(
  call: S3Call,
  bucketName: string,
): Promise<ServiceResponse> {
  const q = call.query;
  const params: Record<string, unknown> = { uploads: '' };
  for (const name of ['prefix', 'delimiter', 'key-marker', 'upload-id-marker', 'max-uploads'])
    if (q.has(name)) params[name] = q.get(name);
  noteEvent(call, 'ListMultipartUploads', {
    readOnly: true,
    data: false,
    bucket: bucketName,
    params,
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:ListBucketMultipartUploads', bucketArn(bucketName), bucket);
  const encoding = q.get('encoding-type');
  if (encoding !== undefined && encoding !== 'url')
    throw invalidArgument(S3_MSG.encodingType, 'encoding-type', encoding);
  const enc = encoding === 'url' ? urlEncodeKey : (s: string) => s;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = keyMarker === '' ? '' : (q.get('upload-id-marker') ?? '');
  const max = parseMaxKeys(q.get('max-uploads'), 'max-uploads');

  const all = (await call.deps.store.list<UploadRecord>(uploadsOf(bucketName), { prefix: '' }))
    .map((i) => ({ id: i.key, upload: i.value }))
    .filter((u) => u.upload.key.startsWith(prefix))
    .sort(
      (a, b) =>
        compareKeys(a.upload.key, b.upload.key) ||
        a.upload.initiated.localeCompare(b.upload.initiated) ||
        a.id.localeCompare(b.id),
    );
  // past the markers: a later key, or the marker's key past the marker's upload
  let at = 0;
  if (keyMarker !== '') {
    const marked = idMarker === '' ? -1 : all.findIndex((u) => u.id === idMarker);
    at = all.findIndex((u, i) => {
      const c = compareKeys(u.upload.key, keyMarker);
      return c > 0 || (c === 0 && marked >= 0 && i > marked);
    });
    if (at < 0) at = all.length;
  }
  const uploads: typeof all = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last: { key: string; id: string } | undefined;
  for (let i = at; i < all.length; i++) {
    const u = all[i] as (typeof all)[number];
    const cut = delimiter ? u.upload.key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? u.upload.key.slice(0, cut + (delimiter as string).length) : undefined;
    if (common !== undefined && prefixes[prefixes.length - 1] === common) continue;
    if (uploads.length + prefixes.length >= max) {
      truncated = max > 0;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = { key: common, id: '' };
    } else {
      uploads.push(u);
      last = { key: u.upload.key, id: u.id };
    }
  }
  const body = xmlDocument(
    'ListMultipartUploadsResult',
    el('Bucket', bucketName) +
      el('KeyMarker', enc(keyMarker)) +
      el('UploadIdMarker', idMarker) +
      (truncated && last
        ? el('NextKeyMarker', enc(last.key)) + el('NextUploadIdMarker', last.id)
        : '') +
      (delimiter !== undefined ? el('Delimiter', enc(delimiter)) : '') +
      el('Prefix', enc(prefix)) +
      el('MaxUploads', max) +
      (encoding !== undefined ? el('EncodingType', encoding) : '') +
      el('IsTruncated', truncated) +
      uploads
        .map((u) =>
          wrap(
            'Upload',
            el('Key', enc(u.upload.key)) +
              el('UploadId', u.id) +
              people(bucket.value.account) +
              el('StorageClass', u.upload.storageClass ?? 'STANDARD') +
              el('Initiated', u.upload.initiated) +
              namedChecksum(u.upload),
          ),
        )
        .join('') +
      prefixes.map((p) => wrap('CommonPrefixes', el('Prefix', enc(p)))).join(''),
  );
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body };
}

/** ListParts. */
export async function listParts(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  const q = call.query;
  const uploadId = q.get('uploadId') as string;
  const params: Record<string, unknown> = { uploadId };
  for (const name of ['max-parts', 'part-number-marker'])
    if (q.has(name)) params[name] = q.get(name);
  noteEvent(call, 'ListParts', { readOnly: true, data: true, bucket: bucketName, key, params });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:ListMultipartUploadParts', objectArn(bucketName, key), bucket);
  const max = parseMaxKeys(q.get('max-parts'), 'max-parts');
  const marker = parseCount(q.get('part-number-marker') ?? '0', 'part-number-marker');
  const upload = (await call.deps.store.get<UploadRecord>(uploadsOf(bucketName), uploadId))?.value;
  if (!upload || upload.key !== key) throw noSuchUpload(uploadId);
  const numbers = Object.keys(upload.parts)
    .map(Number)
    .filter((n) => n > marker)
    .sort((a, b) => a - b);
  const page = numbers.slice(0, max);
  const truncated = numbers.length > page.length;
  const body = xmlDocument(
    'ListPartsResult',
    el('Bucket', bucketName) +
      el('Key', key) +
      el('UploadId', uploadId) +
      el('PartNumberMarker', marker) +
      (page.length > 0 ? el('NextPartNumberMarker', page[page.length - 1]) : '') +
      el('MaxParts', max) +
      el('IsTruncated', truncated) +
      page
        .map((n) => {
          const p = upload.parts[String(n)];
          if (!p) return '';
          return wrap(
            'Part',
            el('PartNumber', n) +
              el('LastModified', p.lastModified) +
              el('ETag', `"${p.etag}"`) +
              el('Size', p.size) +
              (p.checksum ? el(`Checksum${p.checksum.algorithm}`, p.checksum.value) : ''),
          );
        })
        .join('') +
      people(bucket.value.account) +
      el('StorageClass', upload.storageClass ?? 'STANDARD') +
      checksumElements(upload),
  );
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body };
}
