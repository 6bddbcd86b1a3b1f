/**
 * The payload hash a SigV4 signer can have used (spec/aws-wire.md §8.2): S3 signs the
 * `x-amz-content-sha256` it sends (a hex SHA-256, `UNSIGNED-PAYLOAD` or an aws-chunked
 * streaming mode), S3 presigned URLs `UNSIGNED-PAYLOAD` unless they say otherwise, and every
 * other service the SHA-256 of the body.
 */
import { headerValues } from './canonical.js';
import {
  H,
  S3_SERVICE,
  STREAMING_MODES,
  type StreamingMode,
  UNSIGNED_PAYLOAD,
} from './constants.js';
import type { ParsedAuth } from './parse-auth.js';
import { sha256Hex } from './signing.js';
import type { AwsChunkedContext, PayloadInfo, SigV4Failure, SigV4Request } from './types.js';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** One way to read the payload: the HashedPayload line and what it says about the body. */
export interface PayloadCandidate {
  payloadHash: string;
  payload: PayloadInfo;
  /** a declared hex hash still to compare with the body once the signature holds */
  checkBody?: string | undefined;
}

function bodyHash(req: SigV4Request, service: string): string {
  if (req.body === undefined) {
    throw new TypeError(
      `verifySigV4: a ${service} request's payload hash is its body's: pass the body`,
    );
  }
  return sha256Hex(req.body);
}

function streamingContext(
  mode: StreamingMode,
  headers: SigV4Request['headers'],
): AwsChunkedContext | SigV4Failure {
  const declared = headerValues(headers, H.decodedContentLength)[0]?.trim();
  if (declared === undefined || !/^\d+$/.test(declared)) {
    return {
      kind: 'MissingDecodedContentLength',
      reason:
        declared === undefined
          ? `an ${mode} upload needs \`x-amz-decoded-content-length\``
          : `\`x-amz-decoded-content-length: ${declared}\` is not a length`,
    };
  }
  const trailers = headerValues(headers, H.trailer)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  return { mode, decodedContentLength: Number(declared), trailers };
}

/** The payload hash(es) the signer can have used, per service and auth form (spec §8.2). */
export function payloadCandidates(
  req: SigV4Request,
  auth: ParsedAuth,
): PayloadCandidate[] | SigV4Failure {
  const s3 = auth.scope.service === S3_SERVICE;
  const unsigned: PayloadCandidate = {
    payloadHash: UNSIGNED_PAYLOAD,
    payload: { kind: 'unsigned' },
  };
  const declaredHex = (value: string): PayloadCandidate => ({
    payloadHash: value,
    payload: { kind: 'sha256', sha256: value.toLowerCase(), verified: req.body !== undefined },
    checkBody: value.toLowerCase(),
  });
  const fromBody = (): PayloadCandidate => {
    const hash = bodyHash(req, auth.scope.service);
    return { payloadHash: hash, payload: { kind: 'sha256', sha256: hash, verified: true } };
  };
  const invalid = (value: string): SigV4Failure => ({
    kind: 'InvalidContentSha256',
    value,
    reason: `\`${value}\` is neither a hex SHA-256 nor a payload mode this request can use`,
  });

  if (auth.presigned) {
    const param = auth.contentSha256Param;
    if (param !== undefined) {
      if (HEX_SHA256.test(param)) return [declaredHex(param)];
      if (param === UNSIGNED_PAYLOAD) return [unsigned];
      return invalid(param);
    }
    return s3 ? [unsigned] : [fromBody(), unsigned];
  }

  const declared = headerValues(req.headers, H.contentSha256)[0]?.trim();
  if (!s3)
    return declared !== undefined && HEX_SHA256.test(declared)
      ? [declaredHex(declared)]
      : [fromBody()];
  if (declared === undefined) {
    return {
      kind: 'MissingContentSha256',
      reason: 'an S3 request signed in the Authorization header must send `x-amz-content-sha256`',
    };
  }
  if (HEX_SHA256.test(declared)) return [declaredHex(declared)];
  if (declared === UNSIGNED_PAYLOAD) return [unsigned];
  const mode = STREAMING_MODES.find((m) => m === declared);
  if (mode === undefined) return invalid(declared);
  const chunked = streamingContext(mode, req.headers);
  if ('kind' in chunked) return chunked;
  return [{ payloadHash: mode, payload: { kind: 'aws-chunked', chunked } }];
}
