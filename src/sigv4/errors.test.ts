import { describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { SigV4Error, errorFamily, sigv4Error } from './errors.js';
import { skewMessage } from './messages.js';
import type { SigV4Failure } from './types.js';

const SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const S3_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
const AKID = 'ASIAIOSFODNN7EXAMPLE';

const F = {
  missing: { kind: 'MissingAuthentication', reason: 'r' },
  incomplete: {
    kind: 'IncompleteSignature',
    presigned: false,
    missing: ['Credential', 'Signature', 'SignedHeaders', 'date'],
    authorization: 'AWS4-HMAC-SHA256',
    reason: 'r',
  },
  incompleteQuery: {
    kind: 'IncompleteSignature',
    presigned: true,
    missing: ['X-Amz-Signature'],
    reason: 'r',
  },
  mismatch: {
    kind: 'SignatureDoesNotMatch',
    accessKeyId: AKID,
    expected: {
      canonicalRequest: 'GET\n/b/k\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD',
      stringToSign: 'AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/us-east-1/s3/aws4_request\nab',
    },
    received: { signature: 'ff' },
    reason: 'r',
  },
  unknownKey: { kind: 'UnknownKey', accessKeyId: AKID, reason: 'r' },
  invalidToken: { kind: 'InvalidToken', accessKeyId: AKID, reason: 'r' },
  tokenMissing: { kind: 'InvalidToken', accessKeyId: AKID, tokenMissing: true, reason: 'r' },
  expiredToken: { kind: 'ExpiredToken', accessKeyId: AKID, reason: 'r' },
  skewPast: {
    kind: 'RequestTimeTooSkewed',
    amzDate: '20220127T001427Z',
    serverTime: '20220127T015928Z',
    direction: 'past',
    reason: 'r',
  },
  skewFuture: {
    kind: 'RequestTimeTooSkewed',
    amzDate: '20220127T031500Z',
    serverTime: '20220127T015928Z',
    direction: 'future',
    reason: 'r',
  },
  presignExpired: {
    kind: 'PresignExpired',
    amzDate: '20240501T120000Z',
    expiresSeconds: 3600,
    expiresAt: '2024-05-01T13:00:00Z',
    serverTime: '2024-05-01T13:00:01Z',
    reason: 'r',
  },
  expiresTooLarge: { kind: 'InvalidExpires', value: '604801', problem: 'too-large', reason: 'r' },
  payload: {
    kind: 'PayloadHashMismatch',
    claimed: 'aa'.repeat(32),
    computed: 'bb'.repeat(32),
    reason: 'r',
  },
  missingSha256: { kind: 'MissingContentSha256', reason: 'r' },
  scopeDate: {
    kind: 'ScopeDateMismatch',
    presigned: false,
    scopeDate: '20240430',
    amzDate: '20240501T120000Z',
    reason: 'r',
  },
  wrongService: {
    kind: 'WrongService',
    presigned: false,
    service: 'iam',
    expected: 'sts',
    reason: 'r',
  },
  wrongRegion: {
    kind: 'WrongRegion',
    presigned: false,
    region: 'us-east-1',
    expected: 'us-west-2',
    reason: 'r',
  },
  unsigned: { kind: 'UnsignedHeaders', headers: ['x-amz-security-token'], reason: 'r' },
  hostUnsigned: { kind: 'UnsignedHeaders', headers: ['host'], reason: 'r' },
  credential: {
    kind: 'MalformedCredential',
    presigned: false,
    credential: 'AKID/20240501/sts/aws4_request',
    reason: 'r',
  },
  v2: { kind: 'UnsupportedAlgorithm', algorithm: 'AWS', presigned: true, reason: 'r' },
  checksum: {
    kind: 'ChecksumMismatch',
    algorithm: 'CRC32',
    claimed: 'AAAAAA==',
    computed: 'NjowIA==',
    reason: 'r',
  },
} satisfies Record<string, SigV4Failure>;

type Row = [service: string, failure: SigV4Failure, code: string, status: number, message: string];

const ROWS: Row[] = [
  // STS (query XML)
  ['sts', F.missing, 'MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
  [
    'sts',
    F.incomplete,
    'IncompleteSignature',
    400,
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
  ],
  ['sts', F.mismatch, 'SignatureDoesNotMatch', 403, SIGNATURE],
  [
    'sts',
    F.unknownKey,
    'InvalidClientTokenId',
    403,
    'The security token included in the request is invalid',
  ],
  [
    'sts',
    F.invalidToken,
    'InvalidClientTokenId',
    403,
    'The security token included in the request is invalid',
  ],
  [
    'sts',
    F.expiredToken,
    'ExpiredToken',
    403,
    'The security token included in the request is expired',
  ],
  [
    'sts',
    F.skewPast,
    'SignatureDoesNotMatch',
    403,
    'Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)',
  ],
  [
    'sts',
    F.skewFuture,
    'SignatureDoesNotMatch',
    403,
    'Signature not yet current: 20220127T031500Z is still later than 20220127T021428Z (20220127T015928Z + 15 min.)',
  ],
  [
    'sts',
    F.scopeDate,
    'SignatureDoesNotMatch',
    403,
    'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP',
  ],
  [
    'sts',
    F.wrongService,
    'SignatureDoesNotMatch',
    403,
    "Credential should be scoped to correct service: 'sts'. ",
  ],
  [
    'sts',
    F.wrongRegion,
    'SignatureDoesNotMatch',
    403,
    "Credential should be scoped to a valid region, not 'us-east-1'. ",
  ],
  ['sts', F.unsigned, 'SignatureDoesNotMatch', 403, SIGNATURE],
  [
    'sts',
    F.hostUnsigned,
    'IncompleteSignature',
    400,
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  ],
  [
    'sts',
    F.credential,
    'IncompleteSignature',
    400,
    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20240501/sts/aws4_request'",
  ],
  [
    'sts',
    F.incompleteQuery,
    'IncompleteSignature',
    400,
    "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.",
  ],
  [
    'sts',
    F.expiresTooLarge,
    'IncompleteSignature',
    400,
    'X-Amz-Expires must be less than a week (in seconds) that is; 604800',
  ],
  // IAM: the same, with a trailing period on the invalid-token text
  ['iam', F.mismatch, 'SignatureDoesNotMatch', 403, SIGNATURE],
  [
    'iam',
    F.unknownKey,
    'InvalidClientTokenId',
    403,
    'The security token included in the request is invalid.',
  ],
  ['iam', F.missing, 'MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
  [
    'iam',
    F.expiredToken,
    'ExpiredToken',
    403,
    'The security token included in the request is expired',
  ],
  // SQS (JSON, query-compatible)
  ['sqs', F.mismatch, 'SignatureDoesNotMatch', 403, SIGNATURE],
  [
    'sqs',
    F.invalidToken,
    'InvalidClientTokenId',
    403,
    'The security token included in the request is invalid.',
  ],
  [
    'sqs',
    F.expiredToken,
    'ExpiredToken',
    403,
    'The security token included in the request is expired',
  ],
  ['sqs', F.missing, 'MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
  // DynamoDB, Secrets Manager, CloudTrail (JSON)
  ['dynamodb', F.mismatch, 'InvalidSignatureException', 400, SIGNATURE],
  [
    'dynamodb',
    F.unknownKey,
    'UnrecognizedClientException',
    400,
    'The security token included in the request is invalid.',
  ],
  [
    'dynamodb',
    F.expiredToken,
    'ExpiredTokenException',
    400,
    'The security token included in the request is expired',
  ],
  [
    'dynamodb',
    F.missing,
    'MissingAuthenticationTokenException',
    400,
    'Request is missing Authentication Token',
  ],
  [
    'dynamodb',
    F.skewPast,
    'InvalidSignatureException',
    400,
    'Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)',
  ],
  [
    'dynamodb',
    F.incomplete,
    'IncompleteSignatureException',
    400,
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
  ],
  // the scope texts as the JSON services send them (aws-es-curl#15, aws-signing-proxy#25)
  [
    'dynamodb',
    F.wrongService,
    'InvalidSignatureException',
    400,
    "Credential should be scoped to correct service: 'sts'. ",
  ],
  [
    'sqs',
    F.wrongRegion,
    'SignatureDoesNotMatch',
    403,
    "Credential should be scoped to a valid region, not 'us-east-1'. ",
  ],
  ['secretsmanager', F.mismatch, 'InvalidSignatureException', 400, SIGNATURE],
  [
    'sts',
    F.tokenMissing,
    'InvalidClientTokenId',
    403,
    'The security token included in the request is invalid',
  ],
  [
    'dynamodb',
    F.tokenMissing,
    'UnrecognizedClientException',
    400,
    'The security token included in the request is invalid.',
  ],
  [
    'secretsmanager',
    F.invalidToken,
    'UnrecognizedClientException',
    400,
    'The security token included in the request is invalid.',
  ],
  [
    'cloudtrail',
    F.expiredToken,
    'ExpiredTokenException',
    400,
    'The security token included in the request is expired',
  ],
  // S3 (XML <Error>)
  ['s3', F.missing, 'AccessDenied', 403, 'Access Denied'],
  ['s3', F.mismatch, 'SignatureDoesNotMatch', 403, S3_SIGNATURE],
  [
    's3',
    F.unknownKey,
    'InvalidAccessKeyId',
    403,
    'The AWS Access Key Id you provided does not exist in our records.',
  ],
  [
    's3',
    F.invalidToken,
    'InvalidToken',
    400,
    'The provided token is malformed or otherwise invalid.',
  ],
  // an ASIA key sent without its session token: S3 does not know the key (databend#8069)
  [
    's3',
    F.tokenMissing,
    'InvalidAccessKeyId',
    403,
    'The AWS Access Key Id you provided does not exist in our records.',
  ],
  ['s3', F.expiredToken, 'ExpiredToken', 400, 'The provided token has expired.'],
  [
    's3',
    F.skewPast,
    'RequestTimeTooSkewed',
    403,
    'The difference between the request time and the current time is too large.',
  ],
  ['s3', F.presignExpired, 'AccessDenied', 403, 'Request has expired'],
  [
    's3',
    F.expiresTooLarge,
    'AuthorizationQueryParametersError',
    400,
    'X-Amz-Expires must be less than a week (in seconds) that is; 604800',
  ],
  [
    's3',
    F.payload,
    'XAmzContentSHA256Mismatch',
    400,
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  ],
  [
    's3',
    F.missingSha256,
    'InvalidRequest',
    400,
    'Missing required header for this request: x-amz-content-sha256',
  ],
  [
    's3',
    F.wrongRegion,
    'AuthorizationHeaderMalformed',
    400,
    "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'us-west-2'",
  ],
  [
    's3',
    F.v2,
    'InvalidRequest',
    400,
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  ],
  [
    's3',
    F.unsigned,
    'AccessDenied',
    403,
    'There were headers present in the request which were not signed',
  ],
  [
    's3',
    F.checksum,
    'BadDigest',
    400,
    'The CRC32 you specified did not match the calculated checksum.',
  ],
];

describe('sigv4Error: each service’s code, status and text, word for word (spec §9.2)', () => {
  it.each(ROWS)('%s %o → %s %i', (service, failure, code, status, message) => {
    const e = sigv4Error(service, failure);
    expect(e).toBeInstanceOf(AwsError);
    expect(e).toBeInstanceOf(SigV4Error);
    expect({ code: e.code, httpStatus: e.httpStatus, message: e.message, fault: e.fault }).toEqual({
      code,
      httpStatus: status,
      message,
      fault: 'client',
    });
    expect(e.detail).toBe(failure);
  });

  it('adds x-amzn-query-error to SQS answers only', () => {
    expect(sigv4Error('sqs', F.invalidToken).headers).toEqual({
      'x-amzn-query-error': 'InvalidClientTokenId;Sender',
    });
    expect(sigv4Error('sts', F.invalidToken).headers).toEqual({});
    expect(sigv4Error('dynamodb', F.invalidToken).headers).toEqual({});
  });

  it('gives S3 errors their extra <Error> elements', () => {
    expect(sigv4Error('s3', F.mismatch).elements).toEqual({
      AWSAccessKeyId: AKID,
      StringToSign: F.mismatch.expected.stringToSign,
      SignatureProvided: 'ff',
      StringToSignBytes: Buffer.from(F.mismatch.expected.stringToSign)
        .toString('hex')
        .match(/../g)
        ?.join(' '),
      CanonicalRequest: F.mismatch.expected.canonicalRequest,
      CanonicalRequestBytes: Buffer.from(F.mismatch.expected.canonicalRequest)
        .toString('hex')
        .match(/../g)
        ?.join(' '),
    });
    expect(sigv4Error('s3', F.skewPast).elements).toEqual({
      RequestTime: '20220127T001427Z',
      ServerTime: '2022-01-27T01:59:28Z',
      MaxAllowedSkewMilliseconds: '900000',
    });
    expect(sigv4Error('s3', F.presignExpired).elements).toEqual({
      'X-Amz-Expires': '3600',
      Expires: '2024-05-01T13:00:00Z',
      ServerTime: '2024-05-01T13:00:01Z',
    });
    expect(sigv4Error('s3', F.unknownKey).elements).toEqual({ AWSAccessKeyId: AKID });
    expect(sigv4Error('s3', F.tokenMissing).elements).toEqual({ AWSAccessKeyId: AKID });
    expect(sigv4Error('s3', F.unsigned).elements).toEqual({
      HeadersNotSigned: 'x-amz-security-token',
    });
    expect(sigv4Error('s3', F.wrongRegion).elements).toEqual({ Region: 'us-west-2' });
    expect(sigv4Error('s3', F.payload).elements).toEqual({
      ClientComputedContentSHA256: 'aa'.repeat(32),
      S3ComputedContentSHA256: 'bb'.repeat(32),
    });
    expect(sigv4Error('sts', F.mismatch).elements).toEqual({});
  });

  it('maps signing names to families; unknown services answer like JSON services', () => {
    expect(
      [
        'sts',
        'iam',
        'sqs',
        's3',
        'dynamodb',
        'secretsmanager',
        'cloudtrail',
        'eks-auth',
        'kms',
      ].map(errorFamily),
    ).toEqual(['query', 'query', 'sqs', 's3', 'json', 'json', 'json', 'json', 'json']);
  });

  it('words skew in minutes of the 15-minute window', () => {
    expect(skewMessage('20240501T114459Z', '20240501T120000Z', 'past')).toBe(
      'Signature expired: 20240501T114459Z is now earlier than 20240501T114500Z (20240501T120000Z - 15 min.)',
    );
  });
});
