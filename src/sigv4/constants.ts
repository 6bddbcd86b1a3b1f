/**
 * Every name, marker and limit of SigV4 request authentication in one place
 * (spec/aws-wire.md §8), so the logic never spells a header or parameter name itself.
 * Header names are lower case; query parameter names keep AWS's exact case, because
 * query names are case-sensitive.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** the SigV4a algorithm: recognised, not supported (spec §8.2: ECDSA is SigV4a only) */
export const ALGORITHM_V4A = 'AWS4-ECDSA-P256-SHA256';
/** a SigV2 Authorization header is `AWS <AKID>:<signature>` */
export const ALGORITHM_V2 = 'AWS';
export const CHUNK_ALGORITHM = 'AWS4-HMAC-SHA256-PAYLOAD';
export const TRAILER_ALGORITHM = 'AWS4-HMAC-SHA256-TRAILER';
export const SCOPE_TERMINATOR = 'aws4_request';
export const KEY_PREFIX = 'AWS4';

/** Header names (lower case). */
export const H = {
  authorization: 'authorization',
  host: 'host',
  amzDate: 'x-amz-date',
  date: 'date',
  securityToken: 'x-amz-security-token',
  contentSha256: 'x-amz-content-sha256',
  decodedContentLength: 'x-amz-decoded-content-length',
  trailer: 'x-amz-trailer',
  contentEncoding: 'content-encoding',
} as const;

/** Prefix of the headers a request must sign whenever it sends them. */
export const AMZ_HEADER_PREFIX = 'x-amz-';

/** Headers that carry authentication state: a second copy makes the request ambiguous. */
export const SINGLE_VALUED_HEADERS: readonly string[] = [
  H.authorization,
  H.host,
  H.amzDate,
  H.securityToken,
  H.contentSha256,
  H.decodedContentLength,
];

/** Presigned-URL parameters (exact case). */
export const Q = {
  algorithm: 'X-Amz-Algorithm',
  credential: 'X-Amz-Credential',
  date: 'X-Amz-Date',
  expires: 'X-Amz-Expires',
  signedHeaders: 'X-Amz-SignedHeaders',
  signature: 'X-Amz-Signature',
  securityToken: 'X-Amz-Security-Token',
  contentSha256: 'X-Amz-Content-Sha256',
} as const;

/** The parameters every SigV4 presigned URL carries, in the order S3 names them. */
export const REQUIRED_PRESIGN_PARAMS: readonly string[] = [
  Q.algorithm,
  Q.credential,
  Q.signature,
  Q.date,
  Q.signedHeaders,
  Q.expires,
];

/** SigV2 query authentication (S3 presigned URLs from botocore / CLI v1, spec §8.5). */
export const SIGV2_QUERY = { accessKeyId: 'AWSAccessKeyId', signature: 'Signature' } as const;

/** `x-amz-content-sha256` values other than a hex SHA-256 (spec §8.2). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const STREAMING_MODES = [
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
] as const;
export type StreamingMode = (typeof STREAMING_MODES)[number];

/** hex SHA-256 of the empty string */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The clock-skew window, everywhere (spec §8.6). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may live: 7 days (spec §8.1, §8.5). */
export const MAX_PRESIGN_EXPIRES_S = 604_800;

/** The one service whose canonical URI and payload hash follow S3's rules (spec §8.2). */
export const S3_SERVICE = 's3';
