/**
 * irsakit's SigV4 request authentication: detect the authentication a request carries
 * (the edge routes on its scope), verify header and presigned SigV4 strictly, decode and
 * verify aws-chunked uploads, and answer failures with each service's exact error.
 * Pure: no I/O, no clock; the secret comes from the caller's lookup. See spec/aws-wire.md §8.
 *
 * Test helpers (a signer, an aws-chunked builder) live in `./testing/sign.js` and are not
 * exported here.
 */
export * from './aws-chunked.js';
export * from './canonical.js';
export * from './checksums.js';
export {
  ALGORITHM,
  EMPTY_SHA256,
  MAX_PRESIGN_EXPIRES_S,
  MAX_SKEW_MS,
  STREAMING_MODES,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  type StreamingMode,
  UNSIGNED_PAYLOAD,
} from './constants.js';
export * from './dates.js';
export * from './detect-auth.js';
export { pairRawHeaders, percentDecode, toByteString, uriEncode } from './encoding.js';
export * from './errors.js';
export { SIGV4_MSG, skewMessage } from './messages.js';
export { type ParsedAuth, type ParseResult, parseAuth } from './parse-auth.js';
export { REGION_PATTERN } from './checks.js';
export * from './signing.js';
export * from './types.js';
export * from './verify.js';
