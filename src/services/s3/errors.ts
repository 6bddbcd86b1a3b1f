/**
 * S3's errors, with S3's codes, statuses, texts and extra `<Error>` elements (spec/aws-wire.md
 * §9.1, §9.3). The edge renders them; nothing here writes XML. Texts are AWS's word for word
 * where known; the few that are not are marked [inferred].
 */
import { AwsError } from '../../common/aws-error.js';
import type { WriteConditionResult } from './http-semantics.js';

/** S3's texts. */
export const S3_MSG = {
  noSuchBucket: 'The specified bucket does not exist',
  missingContentLength: 'You must provide the Content-Length HTTP header.',
  copySourceRange:
    'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
  /** [inferred] */
  copySourceRangeSize: (size: number) =>
    `Range specified is not valid for source object of size: ${size}`,
  noSuchKey: 'The specified key does not exist.',
  noSuchBucketPolicy: 'The bucket policy does not exist',
  bucketNotEmpty: 'The bucket you tried to delete is not empty',
  bucketExists:
    'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  bucketOwned: 'Your previous request to create the named bucket succeeded and you already own it.',
  invalidBucketName: 'The specified bucket is not valid.',
  malformedXml:
    'The XML you provided was not well-formed or did not validate against our published schema',
  invalidRange: 'The requested range is not satisfiable',
  precondition: 'At least one of the pre-conditions you specified did not hold',
  invalidObjectState: "The operation is not valid for the object's storage class",
  noObjectLock: 'Bucket is missing Object Lock Configuration',
  methodNotAllowed: 'The specified method is not allowed against this resource.',
  notImplemented: 'A header you provided implies functionality that is not implemented',
  keyTooLong: 'Your key is too long',
  metadataTooLarge: 'Your metadata headers exceed the maximum allowed metadata size.',
  badMd5: 'The Content-MD5 you specified did not match what we received.',
  invalidMd5: 'The Content-MD5 you specified is not valid.',
  badChecksum: (alg: string) => `The ${alg} you specified did not match the calculated checksum.`,
  invalidChecksum: (header: string) => `Value for ${header} header is invalid.`,
  unsupportedChecksumAlgorithm: 'Checksum algorithm provided is unsupported.',
  multipleChecksums:
    'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
  /** a multipart upload's checksum type named on CreateMultipartUpload without an algorithm */
  checksumTypeWithoutAlgorithm:
    'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
  /** CRC64NVME is full-object only, SHA1 and SHA256 composite only (algorithm in lower case) */
  checksumTypeRefused: (type: string, alg: string) =>
    `The ${type} checksum type cannot be used with the ${alg} checksum algorithm.`,
  /** a part's checksum of another algorithm than its upload's (`null`: none); lower case */
  checksumTypeMismatch: (expected: string, actual: string) =>
    `Checksum Type mismatch occurred, expected checksum Type: ${expected}, actual checksum Type: ${actual}`,
  /** a composite upload's completion must name each part's checksum (algorithm in lower case) */
  partChecksumMissing: (alg: string, part: number) =>
    `The upload was created using a ${alg} checksum. The complete request must include the checksum for each part. It was missing for part ${part} in the request.`,
  // [inferred] S3-compatible servers' wording for the BadDigest S3 documents for a completion
  // whose x-amz-checksum-type is not the upload's
  checksumModeMismatch: (type: string) =>
    `The upload was created using the ${type} checksum mode. The complete request must use the same checksum mode.`,
  // [inferred] the wording S3 gives when the SDK announces an algorithm but sends no checksum
  checksumAlgorithmOnly:
    'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
  illegalLocation:
    'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
  illegalLocationNamed: (c: string) =>
    `The ${c} location constraint is incompatible for the region specific endpoint this request was sent to.`,
  invalidLocation: 'The specified location-constraint is not valid',
  aclNotSupported: 'The bucket does not allow ACLs',
  copyToItself:
    "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
  invalidCopySource: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
  invalidStorageClass: 'The storage class you specified is not valid',
  missingMd5: 'Missing required header for this request: Content-MD5',
  invalidVersionId: 'Invalid version id specified',
  pageSize: (name: string) => `Provided ${name} not an integer or within integer range`,
  encodingType: 'Invalid Encoding Method specified in Request',
  continuationToken: 'The continuation token provided is incorrect',
  regionWrong: (region: string, expected: string) =>
    `The authorization header is malformed; the region '${region}' is wrong; expecting '${expected}'`,
  regionWrongQuery: (region: string, expected: string) =>
    `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${expected}'`,
  // [inferred] S3-compatible servers' wording for a policy over S3's 20 KB
  policyTooLarge: 'Policy exceeds the maximum allowed document size.',
} as const;

export function noSuchBucket(bucket: string): AwsError {
  return new AwsError('NoSuchBucket', 404, S3_MSG.noSuchBucket, {
    elements: { BucketName: bucket },
  });
}

export function noSuchKey(key: string): AwsError {
  return new AwsError('NoSuchKey', 404, S3_MSG.noSuchKey, { elements: { Key: key } });
}

export function malformedXml(detail: string): AwsError {
  return new AwsError('MalformedXML', 400, S3_MSG.malformedXml, { detail });
}

export function invalidArgument(message: string, name: string, value: string): AwsError {
  return new AwsError('InvalidArgument', 400, message, {
    elements: { ArgumentName: name, ArgumentValue: value },
  });
}

export function invalidRequest(message: string): AwsError {
  return new AwsError('InvalidRequest', 400, message);
}

export function malformedPolicy(message: string, detail?: string): AwsError {
  return new AwsError('MalformedPolicy', 400, message, { detail });
}

/**
 * Throws S3's answer to a conditional write that may not go ahead: 412 PreconditionFailed
 * naming the header, NoSuchKey for If-Match on a missing key, 501 for an If-None-Match other
 * than `*` (the only value S3 takes on a write).
 */
export function refuseWrite(result: WriteConditionResult, key: string): void {
  if (result.outcome === 'failed')
    throw new AwsError('PreconditionFailed', 412, S3_MSG.precondition, {
      elements: { Condition: result.condition },
    });
  if (result.outcome === 'missing') throw noSuchKey(key);
  if (result.outcome === 'unsupported')
    throw new AwsError('NotImplemented', 501, S3_MSG.notImplemented, {
      elements: { Header: 'If-None-Match' },
      detail: 'S3 takes only If-None-Match: * on a write',
    });
}

/**
 * S3 takes `Transfer-Encoding` only around an aws-chunked body (which declares its decoded
 * length): any other is 501 naming the header, the answer SDKs get for a stream of unknown
 * length.
 */
export function transferEncodingRefused(): AwsError {
  return new AwsError('NotImplemented', 501, S3_MSG.notImplemented, {
    elements: { Header: 'Transfer-Encoding' },
  });
}

/** An upload (PutObject, UploadPart) without a Content-Length header: 411. */
export function missingContentLength(): AwsError {
  return new AwsError('MissingContentLength', 411, S3_MSG.missingContentLength);
}

/** An operation or sub-resource irsakit does not serve (S3's closest code). */
export function notImplemented(what: string): AwsError {
  return new AwsError('NotImplemented', 501, S3_MSG.notImplemented, {
    detail: `irsakit's S3 does not implement ${what}`,
  });
}

export function methodNotAllowed(method: string, resourceType: string): AwsError {
  return new AwsError('MethodNotAllowed', 405, S3_MSG.methodNotAllowed, {
    elements: { Method: method, ResourceType: resourceType },
  });
}
