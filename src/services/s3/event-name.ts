/**
 * The S3 operation a request names, as CloudTrail names it, found without executing it: for
 * a request refused before S3 looked at it (a bad signature, expired credentials), whose
 * record must still say `GetObject` and be a data event, not `GET /bucket/key`. It follows
 * the service's own dispatch.
 */
import type { S3Address } from './addressing.js';

export interface S3EventName {
  eventName: string;
  /** a data event (objects, listings), else management */
  data: boolean;
  readOnly: boolean;
}

const op = (eventName: string, data: boolean, readOnly: boolean): S3EventName => ({
  eventName,
  data,
  readOnly,
});

/**
 * @example
 * s3EventName('GET', { bucket: 'b', key: 'k', virtualHost: false }, new Map(), new Map())
 * // → { eventName: 'GetObject', data: true, readOnly: true }
 */
export function s3EventName(
  method: string,
  addr: S3Address,
  query: ReadonlyMap<string, string>,
  headers: ReadonlyMap<string, string>,
): S3EventName | undefined {
  const { bucket, key } = addr;
  if (bucket === undefined) return method === 'GET' ? op('ListBuckets', false, true) : undefined;
  if (key === undefined && method === 'GET' && query.has('encryption'))
    return op('GetBucketEncryption', false, true);
  if (key !== undefined && method === 'GET' && query.has('attributes'))
    return op('GetObjectAttributes', true, true);
  if (query.has('acl') && (method === 'GET' || method === 'PUT'))
    return op(
      `${method === 'GET' ? 'Get' : 'Put'}${key === undefined ? 'Bucket' : 'Object'}Acl`,
      key !== undefined,
      method === 'GET',
    );
  if (key === undefined) {
    if (query.has('uploads')) return op('ListMultipartUploads', false, true);
    if (query.has('policy'))
      return method === 'GET'
        ? op('GetBucketPolicy', false, true)
        : method === 'PUT'
          ? op('PutBucketPolicy', false, false)
          : method === 'DELETE'
            ? op('DeleteBucketPolicy', false, false)
            : undefined;
    if (query.has('publicAccessBlock'))
      return method === 'GET'
        ? op('GetBucketPublicAccessBlock', false, true)
        : method === 'PUT'
          ? op('PutBucketPublicAccessBlock', false, false)
          : method === 'DELETE'
            ? op('DeleteBucketPublicAccessBlock', false, false)
            : undefined;
    if (query.has('location')) return op('GetBucketLocation', false, true);
    if (query.has('delete')) return op('DeleteObjects', true, false);
    switch (method) {
      case 'GET':
        return op('ListObjects', true, true);
      case 'PUT':
        return op('CreateBucket', false, false);
      case 'HEAD':
        return op('HeadBucket', false, true);
      case 'DELETE':
        return op('DeleteBucket', false, false);
      default:
        return undefined;
    }
  }
  if (query.has('uploadId')) {
    if (method === 'PUT')
      return headers.has('x-amz-copy-source')
        ? op('UploadPartCopy', true, false)
        : op('UploadPart', true, false);
    if (method === 'POST') return op('CompleteMultipartUpload', true, false);
    if (method === 'DELETE') return op('AbortMultipartUpload', true, false);
    if (method === 'GET') return op('ListParts', true, true);
    return undefined;
  }
  if (query.has('uploads'))
    return method === 'POST' ? op('CreateMultipartUpload', true, false) : undefined;
  switch (method) {
    case 'GET':
      return op('GetObject', true, true);
    case 'HEAD':
      return op('HeadObject', true, true);
    case 'PUT':
      return headers.has('x-amz-copy-source')
        ? op('CopyObject', true, false)
        : op('PutObject', true, false);
    case 'DELETE':
      return op('DeleteObject', true, false);
    default:
      return undefined;
  }
}
