/**
 * The error each target service answers an authentication failure with (spec/aws-wire.md
 * §9.2 matrix, §8.3 scope checks, §8.5 presigned URLs, §8.6 clock skew): the same failure
 * is `SignatureDoesNotMatch` 403 from STS, `InvalidSignatureException` 400 from DynamoDB and
 * `SignatureDoesNotMatch` 403 with `<StringToSign>` from S3. The texts are AWS's, word for
 * word, so they break the house message style on purpose.
 * The texts live in `messages.ts`.
 */
import { AwsError } from '../common/aws-error.js';
import { table } from '../common/own.js';
import { MAX_SKEW_MS, S3_SERVICE } from './constants.js';
import { isoSeconds } from '../common/times.js';
import { parseAmzDate } from './dates.js';
import { SIGV4_MSG, skewMessage } from './messages.js';
import type { SigV4Failure } from './types.js';

/**
 * An authentication error with the extra elements S3 puts in its `<Error>` body
 * (`<StringToSign>`, `<RequestTime>`, `<HeadersNotSigned>`, …). Query and JSON services
 * have none. The renderer adds each entry as `<Name>value</Name>` after `<Message>`.
 */
export class SigV4Error extends AwsError {
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
    super(code, httpStatus, message, {
      headers: opts.headers,
      detail: opts.detail,
      elements: opts.elements,
    });
  }
}

/** The wire families of §9.2. */
export type ErrorFamily = 'query' | 'sqs' | 'json' | 's3';

const FAMILIES: Readonly<Record<string, ErrorFamily>> = table({
  sts: 'query',
  iam: 'query',
  sqs: 'sqs',
  [S3_SERVICE]: 's3',
  dynamodb: 'json',
  secretsmanager: 'json',
  cloudtrail: 'json',
  // REST-JSON; answers with the JSON services' `…Exception` codes [inferred]
  'eks-auth': 'json',
});

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

/** Bytes as S3's `…Bytes` error elements show them: hex pairs separated by spaces. */
export function spaced(bytes: string): string {
  return Buffer.from(bytes, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

function isoFromAmz(amz: string): string {
  const d = parseAmzDate(amz);
  return d ? isoSeconds(d) : amz;
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
        f.problem === 'too-large'
          ? SIGV4_MSG.expiresTooLarge
          : f.problem === 'negative'
            ? SIGV4_MSG.expiresNegative
            : SIGV4_MSG.expiresNotNumber,
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

/** S3's answer to an access key it does not know, naming the key. */
function unknownKey(accessKeyId: string): Shape {
  return {
    code: 'InvalidAccessKeyId',
    status: 403,
    message: SIGV4_MSG.s3InvalidAccessKeyId,
    elements: { AWSAccessKeyId: accessKeyId },
  };
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
        f.problem === 'too-large'
          ? SIGV4_MSG.expiresTooLarge
          : f.problem === 'negative'
            ? SIGV4_MSG.expiresNegative
            : SIGV4_MSG.expiresNotNumber,
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
      // a presigned URL dated ahead is not yet valid: S3 says so, as a denial
      if (f.presigned && f.direction === 'future')
        return {
          code: 'AccessDenied',
          status: 403,
          message: SIGV4_MSG.s3PresignNotYetValid,
          elements: { 'X-Amz-Date': f.amzDate, ServerTime: isoFromAmz(f.serverTime) },
        };
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
      return unknownKey(f.accessKeyId);
    case 'InvalidToken':
      // a temporary key sent without its token is, to S3, a key it has never heard of (the
      // error users of a forgotten AWS_SESSION_TOKEN meet); a token sent but forged or
      // malformed is InvalidToken
      return f.tokenMissing
        ? unknownKey(f.accessKeyId)
        : { code: 'InvalidToken', status: 400, message: SIGV4_MSG.s3InvalidToken };
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
