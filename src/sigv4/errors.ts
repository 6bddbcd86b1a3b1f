/**
 * The error each target service answers an authentication failure with (spec/aws-wire.md
 * §9.2 matrix, §8.3 scope checks, §8.5 presigned URLs, §8.6 clock skew): the same failure
 * is `SignatureDoesNotMatch` 403 from STS, `InvalidSignatureException` 400 from DynamoDB and
 * `SignatureDoesNotMatch` 403 with `<StringToSign>` from S3. The texts are AWS's, word for
 * word, so they break the house message style on purpose.
 *
 * Where the spec gives no text, the choice is marked [inferred] below: the wording real
 * services are known to use, kept in one table so it is easy to correct.
 */
import { AwsError } from '../common/aws-error.js';
import { MAX_PRESIGN_EXPIRES_S, MAX_SKEW_MS, S3_SERVICE } from './constants.js';
import { parseAmzDate, formatAmzDate } from './parse-auth.js';
import type { SigV4Failure } from './types.js';

/**
 * An authentication error with the extra elements S3 puts in its `<Error>` body
 * (`<StringToSign>`, `<RequestTime>`, `<HeadersNotSigned>`, …). Query and JSON services
 * have none. The renderer adds each entry as `<Name>value</Name>` after `<Message>`.
 */
export class SigV4Error extends AwsError {
  readonly elements: Readonly<Record<string, string>>;

  constructor(
    code: string,
    httpStatus: number,
    message: string,
    opts: {
      headers?: Record<string, string>;
      detail: SigV4Failure;
      elements?: Record<string, string>;
    },
  ) {
    super(code, httpStatus, message, { headers: opts.headers, detail: opts.detail });
    this.elements = opts.elements ?? {};
  }
}

/** The wire families of §9.2. */
export type ErrorFamily = 'query' | 'sqs' | 'json' | 's3';

const FAMILIES: Readonly<Record<string, ErrorFamily>> = {
  sts: 'query',
  iam: 'query',
  sqs: 'sqs',
  [S3_SERVICE]: 's3',
  dynamodb: 'json',
  secretsmanager: 'json',
  cloudtrail: 'json',
  // REST-JSON; answers with the JSON services' `…Exception` codes [inferred]
  'eks-auth': 'json',
};

/**
 * The error family of a signing name (`sts`, `s3`, …); services irsakit does not know
 * answer like the JSON services, as most AWS services do.
 *
 * @example
 * errorFamily('iam') // → 'query'
 */
export function errorFamily(service: string): ErrorFamily {
  return FAMILIES[service] ?? 'json';
}

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
  s3Sha256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  s3MissingSha256: 'Missing required header for this request: x-amz-content-sha256',
  expiresTooLarge: `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGN_EXPIRES_S}`,
  scopeDate:
    'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP',
  scopeService: (service: string) => `Credential should be scoped to correct service: '${service}'`,
  scopeRegion: (region: string) => `Credential should be scoped to a valid Region, not '${region}'`,
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

function spaced(bytes: string): string {
  return Buffer.from(bytes, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

function isoFromAmz(amz: string): string {
  const d = parseAmzDate(amz);
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : amz;
}

interface Shape {
  code: string;
  status: number;
  message: string;
  elements?: Record<string, string>;
}

/** The codes of one family: query (STS/IAM), SQS and the JSON services share texts. */
const CODES = {
  query: {
    incomplete: ['IncompleteSignature', 400],
    signature: ['SignatureDoesNotMatch', 403],
    missing: ['MissingAuthenticationToken', 403],
    invalidToken: ['InvalidClientTokenId', 403],
    expired: ['ExpiredToken', 403],
    denied: ['AccessDenied', 403],
  },
  json: {
    incomplete: ['IncompleteSignatureException', 400],
    signature: ['InvalidSignatureException', 400],
    missing: ['MissingAuthenticationTokenException', 400],
    invalidToken: ['UnrecognizedClientException', 400],
    expired: ['ExpiredTokenException', 400],
    denied: ['AccessDeniedException', 400],
  },
} as const satisfies Record<string, Record<string, readonly [string, number]>>;

type CodeKey = keyof (typeof CODES)['query'];

function nonS3Shape(service: string, family: 'query' | 'sqs' | 'json', f: SigV4Failure): Shape {
  const codes = CODES[family === 'json' ? 'json' : 'query'];
  const as = (key: CodeKey, message: string): Shape => {
    const [code, status] = codes[key];
    return { code, status, message };
  };
  switch (f.kind) {
    case 'MissingAuthentication':
      return as('missing', SIGV4_MSG.missingAuth);
    case 'ConflictingAuthentication':
      return as('incomplete', SIGV4_MSG.bothAuth);
    case 'UnsupportedAlgorithm':
      return as('incomplete', SIGV4_MSG.unsupportedAlgorithm(f.algorithm));
    case 'IncompleteSignature':
      if (f.presigned) {
        return as(
          'incomplete',
          `${f.missing.map((m) => `AWS query-string parameters must include '${m}'.`).join(' ')} Re-examine the query-string parameters.`,
        );
      }
      return as(
        'incomplete',
        `${f.missing
          .map((m) =>
            m === 'date'
              ? "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
              : `Authorization header requires '${m}' parameter.`,
          )
          .join(' ')} Authorization=${f.authorization ?? ''}`,
      );
    case 'MalformedAuthorization':
      return as(
        'incomplete',
        f.component !== undefined && !f.component.includes('=') && f.authorization !== undefined
          ? SIGV4_MSG.notKeyValue(f.component, f.authorization)
          : `${f.presigned ? 'X-Amz-SignedHeaders' : 'Authorization header'} is malformed: '${f.component ?? ''}'`,
      );
    case 'Duplicate':
      return as('incomplete', SIGV4_MSG.duplicate(f.field));
    case 'MalformedCredential':
      return as('incomplete', SIGV4_MSG.credential(f.credential));
    case 'InvalidDate':
      return as('incomplete', SIGV4_MSG.badDate(f.value));
    case 'InvalidExpires':
      return as(
        'incomplete',
        f.problem === 'too-large' ? SIGV4_MSG.expiresTooLarge : SIGV4_MSG.expiresNotNumber,
      );
    case 'ScopeDateMismatch':
      return as('signature', SIGV4_MSG.scopeDate);
    case 'InvalidTerminator':
      return as('signature', SIGV4_MSG.scopeTerminator(f.terminator));
    case 'WrongService':
      return as('signature', SIGV4_MSG.scopeService(f.expected));
    case 'WrongRegion':
      return as('signature', SIGV4_MSG.scopeRegion(f.region));
    case 'UnsignedHeaders':
      return f.headers.includes('host')
        ? as('incomplete', SIGV4_MSG.hostUnsigned)
        : as('signature', SIGV4_MSG.signature);
    case 'RequestTimeTooSkewed':
      return as('signature', skewMessage(f.amzDate, f.serverTime, f.direction));
    case 'PresignExpired':
      return as('denied', SIGV4_MSG.s3PresignExpired);
    case 'UnknownKey':
    case 'InvalidToken':
      return as(
        'invalidToken',
        service === 'sts' ? SIGV4_MSG.invalidClientToken : `${SIGV4_MSG.invalidClientToken}.`,
      );
    case 'ExpiredToken':
      return as('expired', SIGV4_MSG.expiredToken);
    // what only S3 has (payload modes, aws-chunked bodies) reads as a bad signature elsewhere
    case 'SignatureDoesNotMatch':
    case 'PayloadHashMismatch':
    case 'MissingContentSha256':
    case 'InvalidContentSha256':
    case 'MissingDecodedContentLength':
    case 'MalformedChunk':
    case 'ChunkSignatureMismatch':
    case 'TrailerSignatureMismatch':
    case 'DecodedLengthMismatch':
    case 'MalformedTrailer':
    case 'ChecksumMismatch':
      return as('signature', SIGV4_MSG.signature);
  }
}

function s3Shape(f: SigV4Failure): Shape {
  const malformed = (
    presigned: boolean,
    detail: string,
    elements?: Record<string, string>,
  ): Shape =>
    presigned
      ? {
          code: 'AuthorizationQueryParametersError',
          status: 400,
          message: `${SIGV4_MSG.s3QueryMalformed}${detail}`,
          elements,
        }
      : {
          code: 'AuthorizationHeaderMalformed',
          status: 400,
          message: `${SIGV4_MSG.s3HeaderMalformed}${detail}`,
          elements,
        };
  const queryError = (message: string): Shape => ({
    code: 'AuthorizationQueryParametersError',
    status: 400,
    message,
  });
  switch (f.kind) {
    case 'MissingAuthentication':
      return { code: 'AccessDenied', status: 403, message: SIGV4_MSG.s3AccessDenied };
    case 'ConflictingAuthentication':
      return {
        code: 'InvalidArgument',
        status: 400,
        message: SIGV4_MSG.s3OneMechanism,
        elements: { ArgumentName: 'Authorization' },
      };
    case 'UnsupportedAlgorithm':
      return f.presigned && f.algorithm !== 'AWS'
        ? queryError(SIGV4_MSG.s3QueryAlgorithm)
        : { code: 'InvalidRequest', status: 400, message: SIGV4_MSG.s3Mechanism };
    case 'IncompleteSignature':
      if (f.presigned) return queryError(SIGV4_MSG.s3QueryRequired);
      if (f.missing.length === 1 && f.missing[0] === 'date') {
        return { code: 'AccessDenied', status: 403, message: SIGV4_MSG.s3NeedsDate };
      }
      return {
        code: 'AuthorizationHeaderMalformed',
        status: 400,
        message: `${SIGV4_MSG.s3HeaderMalformed}${SIGV4_MSG.s3ThreeComponents}`,
      };
    case 'MalformedAuthorization':
    case 'Duplicate':
      if (f.kind === 'Duplicate' && f.where === 'header' && f.field !== 'Authorization') {
        return { code: 'InvalidArgument', status: 400, message: SIGV4_MSG.duplicate(f.field) };
      }
      return (f.kind === 'Duplicate' ? f.where === 'query' : f.presigned)
        ? queryError(SIGV4_MSG.s3QueryRequired)
        : {
            code: 'AuthorizationHeaderMalformed',
            status: 400,
            message: `${SIGV4_MSG.s3HeaderMalformed}${SIGV4_MSG.s3ThreeComponents}`,
          };
    case 'MalformedCredential':
      return malformed(f.presigned, SIGV4_MSG.s3CredentialMalformed);
    case 'InvalidDate':
      return f.presigned
        ? queryError(SIGV4_MSG.s3QueryDate)
        : { code: 'AccessDenied', status: 403, message: SIGV4_MSG.s3NeedsDate };
    case 'InvalidExpires':
      return queryError(
        f.problem === 'too-large' ? SIGV4_MSG.expiresTooLarge : SIGV4_MSG.expiresNotNumber,
      );
    case 'ScopeDateMismatch':
      return f.presigned
        ? queryError(SIGV4_MSG.s3ScopeDate)
        : malformed(false, SIGV4_MSG.s3ScopeDate);
    case 'InvalidTerminator':
      return malformed(f.presigned, SIGV4_MSG.s3Terminator(f.terminator));
    case 'WrongService':
      return malformed(f.presigned, SIGV4_MSG.s3Service(f.service));
    case 'WrongRegion': {
      const expected = f.expected ?? 'us-east-1';
      return malformed(f.presigned, SIGV4_MSG.s3Region(f.region, expected), { Region: expected });
    }
    case 'UnsignedHeaders':
      return {
        code: 'AccessDenied',
        status: 403,
        message: SIGV4_MSG.s3HeadersNotSigned,
        elements: { HeadersNotSigned: f.headers.join(', ') },
      };
    case 'RequestTimeTooSkewed':
      return {
        code: 'RequestTimeTooSkewed',
        status: 403,
        message: SIGV4_MSG.s3Skew,
        elements: {
          RequestTime: f.amzDate,
          ServerTime: isoFromAmz(f.serverTime),
          MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
        },
      };
    case 'PresignExpired':
      return {
        code: 'AccessDenied',
        status: 403,
        message: SIGV4_MSG.s3PresignExpired,
        elements: {
          'X-Amz-Expires': String(f.expiresSeconds),
          Expires: f.expiresAt,
          ServerTime: f.serverTime,
        },
      };
    case 'MissingContentSha256':
      return { code: 'InvalidRequest', status: 400, message: SIGV4_MSG.s3MissingSha256 };
    case 'InvalidContentSha256':
      return { code: 'InvalidArgument', status: 400, message: SIGV4_MSG.s3InvalidSha256 };
    case 'MissingDecodedContentLength':
      return { code: 'MissingContentLength', status: 411, message: SIGV4_MSG.s3MissingLength };
    case 'UnknownKey':
      return {
        code: 'InvalidAccessKeyId',
        status: 403,
        message: SIGV4_MSG.s3InvalidAccessKeyId,
        elements: { AWSAccessKeyId: f.accessKeyId },
      };
    case 'InvalidToken':
      return { code: 'InvalidToken', status: 400, message: SIGV4_MSG.s3InvalidToken };
    case 'ExpiredToken':
      return { code: 'ExpiredToken', status: 400, message: SIGV4_MSG.s3ExpiredToken };
    case 'SignatureDoesNotMatch':
      return {
        code: 'SignatureDoesNotMatch',
        status: 403,
        message: SIGV4_MSG.s3Signature,
        elements: {
          AWSAccessKeyId: f.accessKeyId,
          StringToSign: f.expected.stringToSign,
          SignatureProvided: f.received.signature,
          StringToSignBytes: spaced(f.expected.stringToSign),
          CanonicalRequest: f.expected.canonicalRequest,
          CanonicalRequestBytes: spaced(f.expected.canonicalRequest),
        },
      };
    case 'ChunkSignatureMismatch':
    case 'TrailerSignatureMismatch':
      return {
        code: 'SignatureDoesNotMatch',
        status: 403,
        message: SIGV4_MSG.s3Signature,
        elements: {
          StringToSign: f.expected.stringToSign,
          SignatureProvided: f.received.signature,
          StringToSignBytes: spaced(f.expected.stringToSign),
        },
      };
    case 'PayloadHashMismatch':
      return {
        code: 'XAmzContentSHA256Mismatch',
        status: 400,
        message: SIGV4_MSG.s3Sha256Mismatch,
        elements: { ClientComputedContentSHA256: f.claimed, S3ComputedContentSHA256: f.computed },
      };
    case 'MalformedChunk':
      return { code: 'IncompleteBody', status: 400, message: SIGV4_MSG.s3TruncatedBody };
    case 'DecodedLengthMismatch':
      return { code: 'IncompleteBody', status: 400, message: SIGV4_MSG.s3IncompleteBody };
    case 'MalformedTrailer':
      return { code: 'MalformedTrailerError', status: 400, message: SIGV4_MSG.s3MalformedTrailer };
    case 'ChecksumMismatch':
      return { code: 'BadDigest', status: 400, message: SIGV4_MSG.s3BadDigest(f.algorithm) };
  }
}

/**
 * The error `service` (a SigV4 signing name: `sts`, `iam`, `s3`, `sqs`, `dynamodb`,
 * `secretsmanager`, `cloudtrail`, `eks-auth`) answers `failure` with. The failure itself is
 * the error's `detail` (irsakit's explanation: expected canonical request and string to
 * sign, never the secret); SQS errors carry `x-amzn-query-error`; S3 errors carry their
 * extra `<Error>` elements in `elements`.
 *
 * @example
 * const r = await verifySigV4(req, opts);
 * if (!r.ok) throw sigv4Error('sts', r.failure);
 * // e.g. SignatureDoesNotMatch 403 "The request signature we calculated does not match …"
 */
export function sigv4Error(service: string, failure: SigV4Failure): SigV4Error {
  const family = errorFamily(service);
  const shape = family === 's3' ? s3Shape(failure) : nonS3Shape(service, family, failure);
  const headers = family === 'sqs' ? { 'x-amzn-query-error': `${shape.code};Sender` } : undefined;
  return new SigV4Error(shape.code, shape.status, shape.message, {
    headers,
    detail: failure,
    elements: shape.elements,
  });
}
