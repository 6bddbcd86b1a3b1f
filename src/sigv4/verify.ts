/**
 * SigV4 request verification, header and presigned forms (spec/aws-wire.md §8): parse the
 * authentication, check the scope, the signed headers and the time, work out the payload
 * hash, look up the secret, recompute the signature and compare it in constant time.
 * Strict where local emulators are lax: every `x-amz-*` header sent must be signed, the
 * session token included, and a declared body hash must match the body.
 *
 * Pure: the clock reading and the credential lookup are the caller's.
 */
import { type CanonicalRequest, buildCanonicalRequest, headerValues } from './canonical.js';
import {
  AMZ_HEADER_PREFIX,
  H,
  MAX_SKEW_MS,
  Q,
  S3_SERVICE,
  SCOPE_TERMINATOR,
  STREAMING_MODES,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  type StreamingMode,
  UNSIGNED_PAYLOAD,
} from './constants.js';
import { toByteString, uriEncode } from './encoding.js';
import { type ParsedAuth, formatAmzDate, parseAuth } from './parse-auth.js';
import {
  deriveSigningKey,
  scopeString,
  sha256Hex,
  signatureHex,
  signaturesEqual,
  stringToSign,
} from './signing.js';
import type {
  AwsChunkedContext,
  PayloadInfo,
  SigV4Failure,
  SigV4Request,
  UriRule,
  VerifyOptions,
  VerifyResult,
} from './types.js';

/** What a region name looks like (`us-east-1`, `us-gov-west-1`, `eu-central-2`, …). */
export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** One way to read the payload: the HashedPayload line and what it says about the body. */
interface PayloadCandidate {
  payloadHash: string;
  payload: PayloadInfo;
  /** a declared hex hash still to compare with the body once the signature holds */
  checkBody?: string | undefined;
}

/** One canonical request to try, and its string to sign. */
export interface SigningCandidate {
  payloadHash: string;
  canonical: CanonicalRequest;
  stringToSign: string;
}

/** A request that passed every check a secret is not needed for. */
export interface PreparedSigV4 {
  auth: ParsedAuth;
  uriRule: UriRule;
  /**
   * The canonical requests to try, most likely first. There is more than one only for a
   * non-S3 presigned URL without `X-Amz-Content-Sha256`: the SDKs (aws-c-auth, botocore's
   * `aws eks get-token`, JS) hash the body, but a signer may also sign `UNSIGNED-PAYLOAD`
   * without announcing it. Either way only a signature over that exact canonical request
   * matches.
   */
  candidates: SigningCandidate[];
  /** parallel to `candidates` */
  payloads: PayloadCandidate[];
  expiresAt?: Date | undefined;
}

export type PrepareResult =
  { ok: true; prepared: PreparedSigV4 } | { ok: false; failure: SigV4Failure };

export type PrepareOptions = Omit<VerifyOptions, 'lookup'>;

function failed(failure: SigV4Failure): { ok: false; failure: SigV4Failure } {
  return { ok: false, failure };
}

function regionsOf(region: VerifyOptions['region']): readonly string[] | undefined {
  if (region === undefined) return undefined;
  return typeof region === 'string' ? [region] : region;
}

function checkScope(auth: ParsedAuth, opts: PrepareOptions): SigV4Failure | undefined {
  const { scope, presigned } = auth;
  if (auth.terminator !== SCOPE_TERMINATOR) {
    return {
      kind: 'InvalidTerminator',
      presigned,
      terminator: auth.terminator,
      reason: `the credential scope ends in \`${auth.terminator}\`, not \`${SCOPE_TERMINATOR}\``,
    };
  }
  if (scope.date !== auth.amzDate.slice(0, 8)) {
    return {
      kind: 'ScopeDateMismatch',
      presigned,
      scopeDate: scope.date,
      amzDate: auth.amzDate,
      reason: `the credential scope date ${scope.date} is not the date of X-Amz-Date ${auth.amzDate}`,
    };
  }
  if (opts.service !== undefined && scope.service !== opts.service) {
    return {
      kind: 'WrongService',
      presigned,
      service: scope.service,
      expected: opts.service,
      reason: `the credential is scoped to service \`${scope.service}\`, but the request is for \`${opts.service}\``,
    };
  }
  const regions = regionsOf(opts.region);
  if (regions ? !regions.includes(scope.region) : !REGION_PATTERN.test(scope.region)) {
    return {
      kind: 'WrongRegion',
      presigned,
      region: scope.region,
      expected: regions?.[0],
      reason: regions
        ? `the credential is scoped to region \`${scope.region}\`; this endpoint serves ${regions.map((r) => `\`${r}\``).join(', ')}`
        : `the credential is scoped to \`${scope.region}\`, which is not a region name`,
    };
  }
  return undefined;
}

function checkSignedHeaders(
  auth: ParsedAuth,
  headers: SigV4Request['headers'],
): SigV4Failure | undefined {
  const signed = new Set(auth.signedHeaders.map((h) => h.toLowerCase()));
  const unsigned = new Set<string>();
  if (!signed.has(H.host)) unsigned.add(H.host);
  if (auth.dateSource === 'x-amz-date' && !signed.has(H.amzDate)) unsigned.add(H.amzDate);
  if (auth.dateSource === 'date' && !signed.has(H.date)) unsigned.add(H.date);
  for (const [name] of headers) {
    const lower = name.toLowerCase();
    if (lower.startsWith(AMZ_HEADER_PREFIX) && !signed.has(lower)) unsigned.add(lower);
  }
  if (unsigned.size === 0) return undefined;
  const list = [...unsigned].sort();
  return {
    kind: 'UnsignedHeaders',
    headers: list,
    reason: `${list.map((h) => `\`${h}\``).join(', ')} must be signed (SignedHeaders: ${auth.signedHeaders.join(';')})`,
  };
}

function checkSingleValued(headers: SigV4Request['headers']): SigV4Failure | undefined {
  for (const name of [H.host, H.contentSha256, H.decodedContentLength]) {
    if (headerValues(headers, name).length > 1) {
      return {
        kind: 'Duplicate',
        field: name,
        where: 'header',
        reason: `the request carries more than one \`${name}\` header`,
      };
    }
  }
  return undefined;
}

function checkTime(auth: ParsedAuth, now: Date): SigV4Failure | undefined {
  const delta = auth.signedAt.getTime() - now.getTime();
  const serverTime = formatAmzDate(now);
  if (delta > MAX_SKEW_MS || (!auth.presigned && delta < -MAX_SKEW_MS)) {
    const direction = delta > 0 ? 'future' : 'past';
    return {
      kind: 'RequestTimeTooSkewed',
      amzDate: auth.amzDate,
      serverTime,
      direction,
      reason: `the request was signed at ${auth.amzDate}, ${Math.round(Math.abs(delta) / 1000)} s ${direction === 'past' ? 'before' : 'after'} the server's ${serverTime}; the window is 15 min`,
    };
  }
  if (auth.presigned) {
    const expiresAt = new Date(auth.signedAt.getTime() + (auth.expiresSeconds ?? 0) * 1000);
    if (now.getTime() > expiresAt.getTime()) {
      return {
        kind: 'PresignExpired',
        amzDate: auth.amzDate,
        expiresSeconds: auth.expiresSeconds ?? 0,
        expiresAt: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        serverTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        reason: `the presigned URL expired at ${formatAmzDate(expiresAt)} (X-Amz-Date ${auth.amzDate} + ${auth.expiresSeconds} s); it is now ${serverTime}`,
      };
    }
  }
  return undefined;
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
function payloadCandidates(req: SigV4Request, auth: ParsedAuth): PayloadCandidate[] | SigV4Failure {
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

/** What stands in for the session token in explanations. */
export const REDACTED_TOKEN = '<session token redacted>';

/**
 * The canonical request with the session token (raw in a header, encoded in a query)
 * replaced by `REDACTED_TOKEN`: failures feed audit records and S3's `<CanonicalRequest>`.
 *
 * @example
 * redactToken('x-amz-security-token:abc\n', 'abc') // → 'x-amz-security-token:<session token redacted>\n'
 */
export function redactToken(canonicalRequest: string, sessionToken: string | undefined): string {
  if (!sessionToken) return canonicalRequest;
  return canonicalRequest
    .split(sessionToken)
    .join(REDACTED_TOKEN)
    .split(uriEncode(toByteString(sessionToken)))
    .join(REDACTED_TOKEN);
}

/**
 * Every check that needs no secret: authentication shape, scope, signed headers, time,
 * payload mode — and the canonical request(s) and string(s) to sign. `verifySigV4` is this
 * plus the lookup and the signature; the conformance vectors assert on it directly.
 *
 * @example
 * const r = prepareSigV4(req, { now: new Date('2015-08-30T12:36:00Z'), uriRule: 'normalize' });
 * if (r.ok) console.log(r.prepared.candidates[0].canonical.text);
 */
export function prepareSigV4(req: SigV4Request, opts: PrepareOptions): PrepareResult {
  const parsed = parseAuth(req);
  if (!parsed.ok) return parsed;
  const { auth } = parsed;
  const problem =
    checkScope(auth, opts) ??
    checkSignedHeaders(auth, req.headers) ??
    checkSingleValued(req.headers) ??
    checkTime(auth, opts.now);
  if (problem) return failed(problem);

  const payloads = payloadCandidates(req, auth);
  if (!Array.isArray(payloads)) return failed(payloads);

  const uriRule: UriRule =
    opts.uriRule ?? (auth.scope.service === S3_SERVICE ? 'as-sent' : 'normalize');
  const candidates = payloads.map((p): SigningCandidate => {
    const canonical = buildCanonicalRequest({
      method: req.method,
      target: req.target,
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      uriRule,
      payloadHash: p.payloadHash,
      excludeQueryParam: auth.presigned ? Q.signature : undefined,
    });
    return {
      payloadHash: p.payloadHash,
      canonical,
      stringToSign: stringToSign(auth.amzDate, auth.scope, canonical.bytes),
    };
  });
  return {
    ok: true,
    prepared: {
      auth,
      uriRule,
      candidates,
      payloads,
      expiresAt: auth.presigned
        ? new Date(auth.signedAt.getTime() + (auth.expiresSeconds ?? 0) * 1000)
        : undefined,
    },
  };
}

/**
 * Authenticates a SigV4 request (Authorization header or presigned URL).
 *
 * Checks, in order: authentication shape; scope (terminator, date, service, region); that
 * `host`, the date and every `x-amz-*` header sent are signed; the 15-minute clock-skew
 * window and presigned expiry; the payload mode (`x-amz-content-sha256`); the access key
 * and session token (`opts.lookup`); the signature, in constant time; and a declared body
 * hash against the body.
 *
 * A non-S3 request needs its body (its payload hash is the body's). An S3 request may leave
 * the body out; `payload` then says what remains to check (`decodeAwsChunked` for aws-chunked
 * uploads).
 *
 * @example
 * const r = await verifySigV4(
 *   { method: 'POST', target: req.url, headers: pairRawHeaders(req.rawHeaders), body },
 *   { now: clock(), service: 'sts', lookup: (akid, token) => credentials.secretFor(akid, token) },
 * );
 * if (!r.ok) throw sigv4Error('sts', r.failure);
 */
export async function verifySigV4<I = unknown>(
  req: SigV4Request,
  opts: VerifyOptions<I>,
): Promise<VerifyResult<I>> {
  const prep = prepareSigV4(req, opts);
  if (!prep.ok) return prep;
  const { auth, candidates, payloads } = prep.prepared;

  const found = await opts.lookup(auth.accessKeyId, auth.sessionToken);
  if (!found.ok) {
    const what = {
      UnknownKey: `access key ${auth.accessKeyId} is unknown`,
      InvalidToken: `the session token of ${auth.accessKeyId} is missing or invalid`,
      ExpiredToken: `the session token of ${auth.accessKeyId} has expired`,
    }[found.failure];
    return failed({ kind: found.failure, accessKeyId: auth.accessKeyId, reason: what });
  }

  const signingKey = deriveSigningKey(found.secretAccessKey, auth.scope);
  const first = candidates[0];
  const missing = first?.canonical.missingHeaders ?? [];
  const matched =
    missing.length === 0
      ? candidates.findIndex((c) =>
          signaturesEqual(signatureHex(signingKey, c.stringToSign), auth.signature),
        )
      : -1;
  if (matched < 0 || first === undefined) {
    return failed({
      kind: 'SignatureDoesNotMatch',
      accessKeyId: auth.accessKeyId,
      // INVARIANT: the session token never leaves in a failure; its hash stays in the string to sign
      expected: {
        canonicalRequest: redactToken(first?.canonical.text ?? '', auth.sessionToken),
        stringToSign: first?.stringToSign ?? '',
      },
      received: { signature: auth.signature },
      missingSignedHeaders: missing.length > 0 ? missing : undefined,
      reason:
        missing.length > 0
          ? `signed header${missing.length > 1 ? 's' : ''} ${missing.map((h) => `\`${h}\``).join(', ')} absent from the request`
          : 'the signature does not match the canonical request irsakit computed (wrong secret, or the request changed after signing)',
    });
  }

  const chosen = payloads[matched] as PayloadCandidate;
  if (chosen.checkBody !== undefined && req.body !== undefined) {
    const computed = sha256Hex(req.body);
    if (computed !== chosen.checkBody) {
      return failed({
        kind: 'PayloadHashMismatch',
        claimed: chosen.checkBody,
        computed,
        reason: `the body hashes to ${computed}, not the declared ${chosen.checkBody}`,
      });
    }
  }

  let payload = chosen.payload;
  if (payload.kind === 'aws-chunked') {
    const mode = payload.chunked.mode;
    if (mode === STREAMING_SIGNED || mode === STREAMING_SIGNED_TRAILER) {
      payload = {
        kind: 'aws-chunked',
        chunked: {
          ...payload.chunked,
          signing: {
            signingKey,
            amzDate: auth.amzDate,
            scope: scopeString(auth.scope),
            seedSignature: auth.signature,
          },
        },
      };
    }
  }

  return {
    ok: true,
    accessKeyId: auth.accessKeyId,
    sessionToken: auth.sessionToken,
    scope: auth.scope,
    signedHeaders: auth.signedHeaders,
    presigned: auth.presigned,
    amzDate: auth.amzDate,
    expiresAt: prep.prepared.expiresAt,
    payload,
    identity: found.identity,
  };
}
