/**
 * SigV4 request verification, header and presigned forms (spec/aws-wire.md §8): parse the
 * authentication, check the scope, the signed headers and the time, work out the payload
 * hash, look up the secret, recompute the signature and compare it in constant time.
 * Strict where local emulators are lax: every `x-amz-*` header sent must be signed, the
 * session token included, and a declared body hash must match the body.
 *
 * Pure: the clock reading and the credential lookup are the caller's.
 */
import { type CanonicalRequest, buildCanonicalRequest } from './canonical.js';
import {
  checkScope,
  checkSignedHeaders,
  checkSingleValued,
  checkTime,
  presignSeconds,
} from './checks.js';
import { Q, S3_SERVICE, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER } from './constants.js';
import { type ParsedAuth, parseAuth } from './parse-auth.js';
import { type PayloadCandidate, payloadCandidates } from './payload.js';
import {
  deriveSigningKey,
  scopeString,
  sha256Hex,
  signatureHex,
  signaturesEqual,
  stringToSign,
} from './signing.js';
import type { SigV4Failure, SigV4Request, UriRule, VerifyOptions, VerifyResult } from './types.js';
import { redactCanonicalRequest } from './redact.js';

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

/** Redaction of what a canonical request shows (one place: ./redact.ts). */
export { REDACTED_TOKEN, redactCanonicalRequest } from './redact.js';

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
  // the credential parsed: whatever fails from here on was signed with this key
  if (problem) return failed({ ...problem, accessKeyId: auth.accessKeyId });

  const payloads = payloadCandidates(req, auth);
  if (!Array.isArray(payloads)) return failed({ ...payloads, accessKeyId: auth.accessKeyId });

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
        ? new Date(auth.signedAt.getTime() + presignSeconds(auth) * 1000)
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
    const expired = found.expired;
    const tokenMissing = auth.sessionToken === undefined || auth.sessionToken === '';
    const what = {
      UnknownKey: `access key ${auth.accessKeyId} is unknown`,
      InvalidToken: tokenMissing
        ? `access key ${auth.accessKeyId} is temporary and the request carries no session token`
        : `the session token of ${auth.accessKeyId} is invalid`,
      ExpiredToken: expired
        ? `the session token of ${auth.accessKeyId} (session ${expired.arn}) expired at ${expired.expiredAt}`
        : `the session token of ${auth.accessKeyId} has expired`,
    }[found.failure];
    return failed(
      found.failure === 'ExpiredToken'
        ? { kind: 'ExpiredToken', accessKeyId: auth.accessKeyId, reason: what, session: expired }
        : found.failure === 'InvalidToken'
          ? { kind: 'InvalidToken', accessKeyId: auth.accessKeyId, reason: what, tokenMissing }
          : { kind: found.failure, accessKeyId: auth.accessKeyId, reason: what },
    );
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
        canonicalRequest: redactCanonicalRequest(first?.canonical.text ?? ''),
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
        accessKeyId: auth.accessKeyId,
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
