/**
 * AWS's texts for authentication failures, word for word (spec/aws-wire.md §8.3, §8.5, §8.6,
 * §9.2). Texts the spec does not give are marked [inferred]: the wording real services are
 * known to use, kept here so they are easy to correct.
 */
import { MAX_PRESIGN_EXPIRES_S, MAX_SKEW_MS } from './constants.js';
import { formatAmzDate, parseAmzDate } from './dates.js';

/** AWS's texts. */
export const SIGV4_MSG = {
  signature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  s3Signature:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  missingAuth: 'Request is missing Authentication Token',
  /** STS words it without a final period; IAM, SQS and the JSON services add one */
  invalidClientToken: 'The security token included in the request is invalid',
  expiredToken: 'The security token included in the request is expired',
  s3AccessDenied: 'Access Denied',
  s3InvalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  s3InvalidToken: 'The provided token is malformed or otherwise invalid.',
  s3ExpiredToken: 'The provided token has expired.',
  s3Skew: 'The difference between the request time and the current time is too large.',
  s3PresignExpired: 'Request has expired',
  /** [field] S3 on a presigned URL whose X-Amz-Date is ahead of its clock */
  s3PresignNotYetValid: 'Request is not yet valid',
  s3Sha256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  s3MissingSha256: 'Missing required header for this request: x-amz-content-sha256',
  expiresTooLarge: `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGN_EXPIRES_S}`,
  scopeDate:
    'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP',
  /*
   * The scope texts as they arrive on the wire (IAM and STS XML, SQS, the JSON services'
   * `message`): "region" in lower case, ending in a period and a space. The SigV4
   * troubleshooting page's template ("… to a valid Region, not 'region-code'", no period) is
   * not what the services send; rusoto#1870, aws-sdk-ruby#508, cognitect-labs/aws-api#27,
   * joona/aws-es-curl#15 and cllunsford/aws-signing-proxy#25 quote the wire's.
   */
  scopeService: (service: string) =>
    `Credential should be scoped to correct service: '${service}'. `,
  scopeRegion: (region: string) =>
    `Credential should be scoped to a valid region, not '${region}'. `,
  s3Region: (region: string, expected: string) =>
    `the region '${region}' is wrong; expecting '${expected}'`,
  // [inferred] — texts the spec does not give
  scopeTerminator: (t: string) =>
    `Credential should be scoped with a valid terminator: 'aws4_request', not '${t}'.`,
  credential: (c: string) =>
    `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${c}'`,
  badDate: (v: string) =>
    `Date must be in ISO-8601 'basic format'. Got '${v}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  notKeyValue: (component: string, authorization: string) =>
    `'${component}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`,
  hostUnsigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  bothAuth:
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
  unsupportedAlgorithm: (a: string) => `Unsupported AWS 'algorithm': '${a}'.`,
  expiresNotNumber: 'X-Amz-Expires should be a number',
  /** [field] S3's answer to a negative X-Amz-Expires */
  expiresNegative: 'X-Amz-Expires must be non-negative',
  s3HeaderMalformed: 'The authorization header is malformed; ',
  s3QueryMalformed: 'Error parsing the X-Amz-Credential parameter; ',
  s3ThreeComponents:
    'the authorization header requires three components: Credential, SignedHeaders, and Signature.',
  s3QueryRequired:
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  s3CredentialMalformed:
    'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
  s3ScopeDate: 'Invalid credential date. Date is not the same as X-Amz-Date.',
  s3Service: (s: string) => `incorrect service "${s}". This endpoint belongs to "s3".`,
  s3Terminator: (t: string) => `incorrect terminal "${t}". This endpoint uses "aws4_request".`,
  s3NeedsDate: 'AWS authentication requires a valid Date or x-amz-date header',
  s3QueryDate: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
  s3Mechanism:
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  s3QueryAlgorithm: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
  s3OneMechanism:
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
  s3HeadersNotSigned: 'There were headers present in the request which were not signed',
  s3InvalidSha256:
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
  s3MissingLength: 'You must provide the Content-Length HTTP header.',
  s3IncompleteBody:
    'You did not provide the number of bytes specified by the Content-Length HTTP header',
  s3TruncatedBody: 'The request body terminated unexpectedly',
  s3MalformedTrailer:
    'The request contained trailing data that was not well-formed or did not conform to our published schema.',
  s3BadDigest: (alg: string) => `The ${alg} you specified did not match the calculated checksum.`,
  duplicate: (field: string) => `The request contains more than one '${field}'.`,
} as const;

/** `Signature expired: … is now earlier than … (… - 15 min.)` and its future twin (§8.6). */
export function skewMessage(
  amzDate: string,
  serverTime: string,
  direction: 'past' | 'future',
): string {
  const now = parseAmzDate(serverTime) ?? new Date(Number.NaN);
  const minutes = MAX_SKEW_MS / 60_000;
  if (direction === 'past') {
    const bound = formatAmzDate(new Date(now.getTime() - MAX_SKEW_MS));
    return `Signature expired: ${amzDate} is now earlier than ${bound} (${serverTime} - ${minutes} min.)`;
  }
  const bound = formatAmzDate(new Date(now.getTime() + MAX_SKEW_MS));
  return `Signature not yet current: ${amzDate} is still later than ${bound} (${serverTime} + ${minutes} min.)`;
}
