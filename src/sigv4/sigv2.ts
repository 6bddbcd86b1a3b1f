/**
 * S3's SigV2 query authentication: the presigned URLs botocore and the AWS CLI v1 make by
 * default (`aws s3 presign`, `generate_presigned_url`), `?AWSAccessKeyId=…&Signature=…&Expires=…`
 * (spec/aws-wire.md §8.5, §12 item 12). Mirrors the string to sign of botocore's
 * `HmacV1QueryAuth` and the S3 REST authentication documentation:
 *
 * ```
 * METHOD \n Content-MD5 \n Content-Type \n Expires \n
 * x-amz-name:value \n …            (every x-amz-* header and query parameter, sorted)
 * /bucket/key?sub-resources         (path as sent; virtual-host style prefixes /bucket)
 * ```
 *
 * Signature = base64(HMAC-SHA1(secret, stringToSign)), compared in constant time.
 * Pure: the clock reading and the credential lookup are the caller's. SigV2 header
 * authentication (`Authorization: AWS AKID:sig`) is not accepted: S3 refuses it in every
 * region opened since 2014, and the SigV4 verifier answers it as S3 does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../common/aws-error.js';
import { spaced } from './errors.js';
import { redactStringToSignV2 } from './redact.js';
import { SIGV2_QUERY } from './constants.js';
import { isoSeconds } from '../common/times.js';
import { byteStringToText, percentDecode, splitTarget, toByteString } from './encoding.js';
import type { CredentialLookup } from './types.js';

/** The `Expires` parameter (SigV2's date), seconds since the epoch. */
export const SIGV2_EXPIRES = 'Expires';
/** The session token, as botocore moves it from the headers into the query. */
export const SIGV2_TOKEN = 'x-amz-security-token';

/**
 * The query parameters S3 signs as part of the resource (sub-resources and response
 * overrides), as botocore's `HmacV1Auth.QSAOfInterest` lists them.
 */
export const SIGV2_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'defaultObjectAcl',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** A request as received (byte strings, as `SigV4Request`). */
export interface SigV2Request {
  method: string;
  /** raw path and query, exactly as sent */
  target: string;
  headers: readonly (readonly [string, string])[];
}

export interface SigV2Options<I = unknown> {
  now: Date;
  lookup: CredentialLookup<I>;
  /**
   * The bucket named by the Host header (virtual-host style): the resource then starts with
   * `/<bucket>`, since SigV2 signs the path with its bucket whatever the addressing style.
   */
  virtualHostBucket?: string | undefined;
}

/** Every way SigV2 query authentication fails; `sigv2Error` words each as S3 does. */
export type SigV2Failure =
  | { kind: 'MissingParameters'; missing: string[]; reason: string }
  | { kind: 'InvalidExpires'; value: string; reason: string }
  | { kind: 'Expired'; expires: string; serverTime: string; reason: string }
  | { kind: 'UnknownKey' | 'ExpiredToken'; accessKeyId: string; reason: string }
  | {
      kind: 'InvalidToken';
      accessKeyId: string;
      /** the URL carries no session token at all (an `ASIA…` key alone) */
      tokenMissing: boolean;
      reason: string;
    }
  | {
      kind: 'SignatureDoesNotMatch';
      accessKeyId: string;
      /** the string to sign irsakit computed, the session token redacted */
      stringToSign: string;
      signatureProvided: string;
      reason: string;
    };

export type SigV2Result<I = unknown> =
  | {
      ok: true;
      accessKeyId: string;
      sessionToken?: string | undefined;
      expiresAt: Date;
      identity?: I | undefined;
    }
  | { ok: false; failure: SigV2Failure };

/** The parts of a SigV2 string to sign, as byte strings. */
export interface SigV2Parts {
  method: string;
  contentMd5: string;
  contentType: string;
  /** seconds since the epoch, as sent */
  expires: string;
  /** lower-case name → values (joined with `,`) */
  amzHeaders: readonly (readonly [string, string])[];
  /** the canonicalised resource */
  resource: string;
}

/**
 * The SigV2 string to sign.
 *
 * @example
 * sigv2StringToSign({ method: 'GET', contentMd5: '', contentType: '', expires: '1714568400',
 *   amzHeaders: [['x-amz-security-token', 'TOKEN']], resource: '/b/a%20b.txt' })
 * // → 'GET\n\n\n1714568400\nx-amz-security-token:TOKEN\n/b/a%20b.txt'
 */
export function sigv2StringToSign(p: SigV2Parts): string {
  const merged = new Map<string, string[]>();
  for (const [name, value] of p.amzHeaders) {
    const n = name.toLowerCase();
    const list = merged.get(n) ?? [];
    list.push(value.trim());
    merged.set(n, list);
  }
  const amz = [...merged.keys()]
    .sort()
    .map((n) => `${n}:${(merged.get(n) as string[]).join(',')}\n`)
    .join('');
  return `${p.method.toUpperCase()}\n${p.contentMd5.trim()}\n${p.contentType.trim()}\n${p.expires}\n${amz}${p.resource}`;
}

/**
 * The canonicalised resource: the path as sent (prefixed with `/<bucket>` for virtual-host
 * style), then the signed sub-resources sorted by name, values decoded.
 *
 * @example
 * sigv2Resource('/b/k', 'versionId=3&AWSAccessKeyId=AKID&acl') // → '/b/k?acl&versionId=3'
 * sigv2Resource('/k', '', 'b') // → '/b/k'
 */
export function sigv2Resource(
  rawPath: string,
  rawQuery: string,
  virtualHostBucket?: string,
): string {
  const path = virtualHostBucket === undefined ? rawPath : `/${virtualHostBucket}${rawPath}`;
  const subs: [string, string | undefined][] = [];
  for (const part of rawQuery === '' ? [] : rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!SIGV2_SUBRESOURCES.has(name)) continue;
    subs.push([name, eq < 0 ? undefined : percentDecode(part.slice(eq + 1))]);
  }
  if (subs.length === 0) return path;
  subs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${path}?${subs.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join('&')}`;
}

/**
 * base64(HMAC-SHA1(secret, stringToSign)); the string to sign is a byte string.
 *
 * @example
 * sigv2Signature('secret', 'GET\n\n\n1714568400\n/b/k') // → 28 base64 characters
 */
export function sigv2Signature(secretAccessKey: string, stringToSign: string): string {
  return createHmac('sha1', secretAccessKey)
    .update(Buffer.from(stringToSign, 'latin1'))
    .digest('base64');
}

function equalSignatures(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'base64');
  const b = Buffer.from(provided, 'base64');
  // the expected length is public (20 bytes); comparing lengths leaks nothing
  if (a.length !== b.length || b.toString('base64') !== provided) return false;
  return timingSafeEqual(a, b);
}

function header(headers: SigV2Request['headers'], name: string): string | undefined {
  const values = headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v.trim());
  return values.length === 0 ? undefined : values.join(',');
}

/**
 * Authenticates an S3 SigV2 presigned URL: the three parameters, `Expires` against the
 * clock, the access key and session token (`opts.lookup`), then the signature in constant
 * time. Content-MD5 and Content-Type come from the request's headers (else from the query,
 * where botocore also puts them); every `x-amz-*` query parameter and header is signed.
 *
 * @example
 * const r = await verifySigV2Query({ method: 'GET', target: req.url, headers }, { now, lookup });
 * if (!r.ok) throw sigv2Error(r.failure);
 */
export async function verifySigV2Query<I = unknown>(
  req: SigV2Request,
  opts: SigV2Options<I>,
): Promise<SigV2Result<I>> {
  const target = toByteString(req.target);
  const { path, query } = splitTarget(target);
  const params: [string, string][] = [];
  for (const part of query === '' ? [] : query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    params.push([
      percentDecode(eq < 0 ? part : part.slice(0, eq)),
      eq < 0 ? '' : percentDecode(part.slice(eq + 1)),
    ]);
  }
  const first = (name: string) => params.find(([n]) => n === name)?.[1];
  const accessKeyId = first(SIGV2_QUERY.accessKeyId) ?? '';
  const signature = first(SIGV2_QUERY.signature) ?? '';
  const expires = first(SIGV2_EXPIRES) ?? '';
  const missing = [
    [SIGV2_QUERY.signature, signature],
    [SIGV2_EXPIRES, expires],
    [SIGV2_QUERY.accessKeyId, accessKeyId],
  ]
    .filter(([, v]) => v === '')
    .map(([n]) => n as string);
  if (missing.length > 0) {
    return {
      ok: false,
      failure: {
        kind: 'MissingParameters',
        missing,
        reason: `the presigned URL has no ${missing.map((m) => `\`${m}\``).join(', ')}`,
      },
    };
  }
  if (!/^\d{1,15}$/.test(expires)) {
    return {
      ok: false,
      failure: {
        kind: 'InvalidExpires',
        value: byteStringToText(expires),
        reason: `Expires \`${byteStringToText(expires).slice(0, 40)}\` is not seconds since the epoch`,
      },
    };
  }
  const expiresAt = new Date(Number(expires) * 1000);
  if (opts.now.getTime() > expiresAt.getTime()) {
    return {
      ok: false,
      failure: {
        kind: 'Expired',
        expires: isoSeconds(expiresAt),
        serverTime: isoSeconds(opts.now),
        reason: `the URL expired at ${isoSeconds(expiresAt)}; it is ${isoSeconds(opts.now)}`,
      },
    };
  }

  const amz: [string, string][] = [];
  for (const [n, v] of params) if (n.toLowerCase().startsWith('x-amz-')) amz.push([n, v]);
  for (const [n, v] of req.headers) if (n.toLowerCase().startsWith('x-amz-')) amz.push([n, v]);
  const sessionToken = amz.find(([n]) => n.toLowerCase() === SIGV2_TOKEN)?.[1];

  const found = await opts.lookup(accessKeyId, sessionToken);
  if (!found.ok) {
    const tokenMissing = sessionToken === undefined || sessionToken === '';
    const reason = {
      UnknownKey: `access key ${accessKeyId} is unknown`,
      InvalidToken: tokenMissing
        ? `access key ${accessKeyId} is temporary and the URL carries no session token`
        : `the session token of ${accessKeyId} is invalid`,
      ExpiredToken: `the session token of ${accessKeyId} has expired`,
    }[found.failure];
    return {
      ok: false,
      failure:
        found.failure === 'InvalidToken'
          ? { kind: 'InvalidToken', accessKeyId, tokenMissing, reason }
          : { kind: found.failure, accessKeyId, reason },
    };
  }

  const stringToSign = (resource: string) =>
    sigv2StringToSign({
      method: req.method,
      contentMd5: header(req.headers, 'content-md5') ?? first('content-md5') ?? '',
      contentType: header(req.headers, 'content-type') ?? first('content-type') ?? '',
      expires,
      amzHeaders: amz,
      resource,
    });
  const resource = sigv2Resource(path, query, opts.virtualHostBucket);
  const sts = stringToSign(resource);
  // a bucket's own resource may be signed `/bucket/` for the path `/bucket`: botocore's clients
  // do so for every bucket-level URL (list_objects, get_bucket_location), and S3 takes it
  const bucketOnly = /^(\/[^/?]+)(\?.*)?$/.exec(resource);
  const matches = (s: string) =>
    equalSignatures(sigv2Signature(found.secretAccessKey, s), signature);
  if (
    !matches(sts) &&
    !(bucketOnly && matches(stringToSign(`${bucketOnly[1] as string}/${bucketOnly[2] ?? ''}`)))
  ) {
    return {
      ok: false,
      failure: {
        kind: 'SignatureDoesNotMatch',
        accessKeyId,
        // INVARIANT: the session token never leaves in a failure
        stringToSign: redactStringToSignV2(byteStringToText(sts)),
        signatureProvided: byteStringToText(signature),
        reason:
          'the SigV2 signature does not match the string to sign irsakit computed (wrong secret, or the URL changed after signing)',
      },
    };
  }
  return { ok: true, accessKeyId, sessionToken, expiresAt, identity: found.identity };
}

/** S3's texts for SigV2 query authentication (word for word where known). */
export const SIGV2_MSG = {
  missing:
    'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
  // [inferred] the text S3 is reported to give for a non-numeric Expires
  invalidExpires: (v: string) => `Invalid date (should be seconds since epoch): ${v}`,
  expired: 'Request has expired',
  invalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  invalidToken: 'The provided token is malformed or otherwise invalid.',
  expiredToken: 'The provided token has expired.',
  signature:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
} as const;

/**
 * The error S3 answers a SigV2 failure with; the failure rides along as the error's detail.
 *
 * @example
 * const r = await verifySigV2Query(req, opts);
 * if (!r.ok) throw sigv2Error(r.failure); // e.g. AccessDenied 403 "Request has expired"
 */
export function sigv2Error(f: SigV2Failure): AwsError {
  const make = (code: string, status: number, message: string, elements?: Record<string, string>) =>
    new AwsError(code, status, message, { detail: f, elements });
  switch (f.kind) {
    case 'MissingParameters':
      return make('AccessDenied', 403, SIGV2_MSG.missing);
    case 'InvalidExpires':
      return make('AccessDenied', 403, SIGV2_MSG.invalidExpires(f.value));
    case 'Expired':
      return make('AccessDenied', 403, SIGV2_MSG.expired, {
        Expires: f.expires,
        ServerTime: f.serverTime,
      });
    case 'UnknownKey':
      return make('InvalidAccessKeyId', 403, SIGV2_MSG.invalidAccessKeyId, {
        AWSAccessKeyId: f.accessKeyId,
      });
    case 'InvalidToken':
      // a temporary key without its token is a key S3 does not know (as with SigV4)
      return f.tokenMissing
        ? make('InvalidAccessKeyId', 403, SIGV2_MSG.invalidAccessKeyId, {
            AWSAccessKeyId: f.accessKeyId,
          })
        : make('InvalidToken', 400, SIGV2_MSG.invalidToken);
    case 'ExpiredToken':
      return make('ExpiredToken', 400, SIGV2_MSG.expiredToken);
    case 'SignatureDoesNotMatch':
      return make('SignatureDoesNotMatch', 403, SIGV2_MSG.signature, {
        AWSAccessKeyId: f.accessKeyId,
        StringToSign: f.stringToSign,
        SignatureProvided: f.signatureProvided,
        StringToSignBytes: spaced(f.stringToSign),
      });
  }
}
