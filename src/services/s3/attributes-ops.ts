/**
 * GetObjectAttributes (`GET /bucket/key?attributes`): an object's ETag, checksum, part count,
 * storage class and size without its body, the attributes `x-amz-object-attributes` names. On an
 * unversioned bucket it needs s3:GetObject and s3:GetObjectAttributes (the API reference).
 */
import type { ServiceResponse } from '../../server/aws/types.js';
import {
  type S3Call,
  authorizeS3,
  bucketArn,
  noteEvent,
  noteOwner,
  objectArn,
  requireBucket,
} from './call.js';
import { invalidArgument, noSuchKey } from './errors.js';
import { checksumType, getObject } from './repo.js';
import { el, wrap, xmlDocument } from './xml.js';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];

export async function getObjectAttributes(
  call: S3Call,
  bucketName: string,
  key: string,
): Promise<ServiceResponse> {
  noteEvent(call, 'GetObjectAttributes', { readOnly: true, data: true, bucket: bucketName, key });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:GetObject', objectArn(bucketName, key), bucket);
  await authorizeS3(call, 's3:GetObjectAttributes', objectArn(bucketName, key), bucket);
  const asked = (call.headers.get('x-amz-object-attributes') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  // [inferred] S3's texts for no attribute and an unknown one
  if (asked.length === 0)
    throw invalidArgument(
      'Empty attribute specified.',
      'x-amz-object-attributes',
      call.headers.get('x-amz-object-attributes') ?? '',
    );
  const unknown = asked.find((a) => !ATTRIBUTES.includes(a));
  if (unknown !== undefined)
    throw invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes', unknown);
  const record = await getObject(call.deps.store, bucket.key, key);
  if (!record) {
    await authorizeS3(call, 's3:ListBucket', bucketArn(bucketName), bucket);
    throw noSuchKey(key);
  }
  const want = new Set(asked);
  let body = '';
  if (want.has('ETag')) body += el('ETag', record.etag);
  if (want.has('Checksum') && record.checksum)
    body += wrap(
      'Checksum',
      el(`Checksum${record.checksum.algorithm}`, record.checksum.value) +
        el('ChecksumType', checksumType(record.checksum)),
    );
  if (want.has('ObjectParts') && record.parts)
    body += wrap('ObjectParts', el('PartsCount', record.parts.length));
  if (want.has('StorageClass')) body += el('StorageClass', record.storageClass ?? 'STANDARD');
  if (want.has('ObjectSize')) body += el('ObjectSize', record.size);
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/xml',
      'Last-Modified': new Date(record.lastModified).toUTCString(),
    },
    body: xmlDocument('GetObjectAttributesResponse', body),
  };
}
