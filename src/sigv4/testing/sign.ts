/**
 * FOR TESTS ONLY — never imported by production code, not exported from `sigv4/index.ts`.
 *
 * A tiny SigV4 signer and aws-chunked body builder, so tests elsewhere can make signed
 * requests for the edge, STS, IAM and the services. It shares the canonicaliser with the
 * verifier, so it proves nothing about canonicalisation by itself: that is what the
 * conformance vectors and the botocore-signed requests in `../*.test.ts` are for.
 */
import { buildCanonicalRequest } from '../canonical.js';
import { chunkStringToSign, trailerStringToSign, TRAILER_SIGNATURE } from '../aws-chunked.js';
import { ALGORITHM, Q, S3_SERVICE, UNSIGNED_PAYLOAD } from '../constants.js';
import { uriEncode, toByteString } from '../encoding.js';
import { formatAmzDate } from '../dates.js';
import {
  deriveSigningKey,
  scopeString,
  sha256Hex,
  signatureHex,
  stringToSign as makeStringToSign,
} from '../signing.js';
import type { ChunkSigning, CredentialScope, SigV4Request, UriRule } from '../types.js';

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignInput {
  method: string;
  /** raw path and query, as it will be sent */
  target: string;
  /** must include Host */
  headers: readonly (readonly [string, string])[];
  body?: string | Uint8Array | undefined;
  credentials: TestCredentials;
  region: string;
  service: string;
  now: Date;
  /** presign (query authentication) instead of the Authorization header */
  presign?: { expiresIn: number } | undefined;
  /**
   * The HashedPayload, sent as `x-amz-content-sha256` (header auth) or
   * `X-Amz-Content-Sha256` (presigned). Default: S3 sends the body's SHA-256 (header auth)
   * or `UNSIGNED-PAYLOAD` (presigned, not sent); other services hash the body, not sent.
   */
  payloadHash?: string | undefined;
  /** send `payloadHash` as the header / parameter (default true); botocore's presigned non-S3 URLs sign `UNSIGNED-PAYLOAD` silently */
  announcePayloadHash?: boolean | undefined;
  uriRule?: UriRule | undefined;
  /** sign only these headers (lower case); default every header of the request */
  signedHeaders?: readonly string[] | undefined;
  /** add the session token after signing, as the signer-only vectors do (must be rejected) */
  tokenAfterSigning?: boolean | undefined;
}

export interface SignedTestRequest extends SigV4Request {
  headers: [string, string][];
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
  scope: CredentialScope;
  amzDate: string;
  /** for building aws-chunked bodies */
  signing: ChunkSigning;
}

/**
 * Signs a request the way the SDKs do (for tests).
 *
 * @example
 * const req = signRequest({ method: 'POST', target: '/', headers: [['Host', '127.0.0.1:4577'],
 *   ['Content-Type', 'application/x-www-form-urlencoded']], body: 'Action=GetCallerIdentity&Version=2011-06-15',
 *   credentials, region: 'us-east-1', service: 'sts', now });
 */
export function signRequest(input: SignInput): SignedTestRequest {
  const amzDate = formatAmzDate(input.now);
  const scope: CredentialScope = {
    date: amzDate.slice(0, 8),
    region: input.region,
    service: input.service,
  };
  const s3 = input.service === S3_SERVICE;
  const body = input.body ?? '';
  const token = input.credentials.sessionToken;
  const headers: [string, string][] = input.headers.map(([n, v]) => [n, v]);
  let target = input.target;
  let payloadHash: string;

  if (input.presign) {
    payloadHash = input.payloadHash ?? (s3 ? UNSIGNED_PAYLOAD : sha256Hex(body));
    const signedHeaders =
      input.signedHeaders ?? [...new Set(headers.map(([n]) => n.toLowerCase()))].sort();
    const params: [string, string][] = [
      [Q.algorithm, ALGORITHM],
      [Q.credential, `${input.credentials.accessKeyId}/${scopeString(scope)}`],
      [Q.date, amzDate],
      [Q.expires, String(input.presign.expiresIn)],
      [Q.signedHeaders, signedHeaders.join(';')],
    ];
    if (input.payloadHash !== undefined && input.announcePayloadHash !== false) {
      params.push([Q.contentSha256, input.payloadHash]);
    }
    if (token && !input.tokenAfterSigning) params.push([Q.securityToken, token]);
    const encoded = params.map(([k, v]) => `${k}=${uriEncode(toByteString(v))}`).join('&');
    target += `${target.includes('?') ? '&' : '?'}${encoded}`;
    const done = finish(input, headers, target, signedHeaders, payloadHash, amzDate, scope, true);
    let finalTarget = `${target}&${Q.signature}=${done.signature}`;
    if (token && input.tokenAfterSigning) {
      finalTarget += `&${Q.securityToken}=${uriEncode(toByteString(token))}`;
    }
    return { ...done, target: finalTarget };
  }

  headers.push(['X-Amz-Date', amzDate]);
  if (token && !input.tokenAfterSigning) headers.push(['X-Amz-Security-Token', token]);
  payloadHash = input.payloadHash ?? sha256Hex(body);
  if ((s3 || input.payloadHash !== undefined) && input.announcePayloadHash !== false) {
    headers.push(['X-Amz-Content-SHA256', payloadHash]);
  }
  const signedHeaders =
    input.signedHeaders ?? [...new Set(headers.map(([n]) => n.toLowerCase()))].sort();
  const done = finish(input, headers, target, signedHeaders, payloadHash, amzDate, scope, false);
  if (token && input.tokenAfterSigning) headers.push(['X-Amz-Security-Token', token]);
  headers.push([
    'Authorization',
    `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scopeString(scope)}, SignedHeaders=${signedHeaders.join(';')}, Signature=${done.signature}`,
  ]);
  return { ...done, headers };
}

function finish(
  input: SignInput,
  headers: [string, string][],
  target: string,
  signedHeaders: readonly string[],
  payloadHash: string,
  amzDate: string,
  scope: CredentialScope,
  presigned: boolean,
): SignedTestRequest {
  const canonical = buildCanonicalRequest({
    method: input.method,
    target,
    headers,
    signedHeaders,
    uriRule: input.uriRule ?? (input.service === S3_SERVICE ? 'as-sent' : 'normalize'),
    payloadHash,
    excludeQueryParam: presigned ? Q.signature : undefined,
  });
  const sts = makeStringToSign(amzDate, scope, canonical.bytes);
  const signingKey = deriveSigningKey(input.credentials.secretAccessKey, scope);
  const signature = signatureHex(signingKey, sts);
  return {
    method: input.method,
    target,
    headers,
    body: input.body,
    signature,
    canonicalRequest: canonical.text,
    stringToSign: sts,
    scope,
    amzDate,
    signing: { signingKey, amzDate, scope: scopeString(scope), seedSignature: signature },
  };
}

export interface ChunkedBodyOptions {
  /** bytes per chunk (the last data chunk may be shorter) */
  chunkSize: number;
  /** sign every chunk (the `STREAMING-AWS4-HMAC-SHA256-PAYLOAD*` modes) */
  signing?: ChunkSigning | undefined;
  /** trailer lines after the 0-chunk (the `…-TRAILER` modes), e.g. `[['x-amz-checksum-crc32', 'NjowIA==']]` */
  trailers?: readonly (readonly [string, string])[] | undefined;
}

/**
 * Frames a payload as aws-chunked (for tests), with a real chain of chunk signatures when
 * `signing` is given and a signed trailer when both `signing` and `trailers` are.
 *
 * @example
 * const req = signRequest({ ..., service: 's3', payloadHash: STREAMING_SIGNED, headers: [...,
 *   ['x-amz-decoded-content-length', String(data.length)]] });
 * const body = buildAwsChunked(data, { chunkSize: 65536, signing: req.signing });
 */
export function buildAwsChunked(
  payload: Uint8Array,
  opts: ChunkedBodyOptions,
): { body: Buffer; chunkSignatures: string[]; trailerSignature?: string | undefined } {
  const out: Buffer[] = [];
  const chunkSignatures: string[] = [];
  let previous = opts.signing?.seedSignature ?? '';
  const data = Buffer.from(payload);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += opts.chunkSize)
    chunks.push(data.subarray(i, i + opts.chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    let line = chunk.length.toString(16);
    if (opts.signing) {
      const sig = signatureHex(
        opts.signing.signingKey,
        chunkStringToSign(opts.signing, previous, chunk),
      );
      chunkSignatures.push(sig);
      previous = sig;
      line += `;chunk-signature=${sig}`;
    }
    out.push(Buffer.from(`${line}\r\n`, 'latin1'));
    if (chunk.length > 0) out.push(chunk, Buffer.from('\r\n', 'latin1'));
  }
  let trailerSignature: string | undefined;
  for (const [name, value] of opts.trailers ?? [])
    out.push(Buffer.from(`${name}:${value}\r\n`, 'latin1'));
  if (opts.signing && opts.trailers) {
    trailerSignature = signatureHex(
      opts.signing.signingKey,
      trailerStringToSign(opts.signing, previous, opts.trailers),
    );
    out.push(Buffer.from(`${TRAILER_SIGNATURE}:${trailerSignature}\r\n`, 'latin1'));
  }
  out.push(Buffer.from('\r\n', 'latin1'));
  return { body: Buffer.concat(out), chunkSignatures, trailerSignature };
}

/** The `Host` header value helper tests keep repeating. */
export const TEST_HOST = '127.0.0.1:4577';

/** A header pair list with `Host` first, for brevity in tests. */
export function withHost(
  headers: readonly (readonly [string, string])[] = [],
  host = TEST_HOST,
): [string, string][] {
  return [['Host', host], ...headers.map(([n, v]): [string, string] => [n, v])];
}
