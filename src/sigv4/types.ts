/**
 * The shapes of SigV4 request authentication: the raw request as the edge received it,
 * the verifier's options and credential lookup, and the result — a verified caller or a
 * failure that names the check that failed (spec/aws-wire.md §8, §9.2).
 */
import type { StreamingMode } from './constants.js';

/**
 * A request exactly as received, before any parsing. In Node: `method`, `req.url` and the
 * `req.rawHeaders` pairs (see `pairRawHeaders`), never `req.headers`, which merges and drops
 * duplicates.
 *
 * Strings are byte strings: Node hands over non-ASCII header bytes one character per byte
 * (latin1) and those are signed byte for byte. A string holding characters above U+00FF is
 * taken as Unicode text and encoded as UTF-8 (the conformance vectors write `/ሴ` that way).
 */
export interface SigV4Request {
  method: string;
  /** the request-target: raw path and `?query`, exactly as sent (Node's `req.url`) */
  target: string;
  /** every header line in order, duplicates as separate entries */
  headers: readonly (readonly [string, string])[];
  /**
   * The body. Leave it out when it has not been read yet (a streamed S3 upload): the
   * declared `x-amz-content-sha256` then stands for it and `payload.verified` is false.
   */
  body?: Uint8Array | string | undefined;
}

/** The credential scope `<date>/<region>/<service>/aws4_request`. */
export interface CredentialScope {
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
}

export type AuthKind = 'header' | 'query' | 'sigv2-query' | 'none';

/** What `detectAuth` reads off a request without verifying anything. */
export interface AuthDetection {
  kind: AuthKind;
  /** the algorithm named by the request (`AWS4-HMAC-SHA256`, `AWS` for a SigV2 header, …) */
  algorithm?: string | undefined;
  accessKeyId?: string | undefined;
  /** present when the credential has its five parts; the edge routes on `scope.service` */
  scope?: CredentialScope | undefined;
  /** both an Authorization header and query-string authentication (always rejected) */
  conflicting?: boolean | undefined;
}

export type LookupFailure = 'UnknownKey' | 'InvalidToken' | 'ExpiredToken';

/**
 * The caller's answer for an access key (and the session token, when the request carries
 * one). `identity` is handed back untouched in the verified result.
 */
export type LookupResult<I = unknown> =
  | { ok: true; secretAccessKey: string; identity?: I }
  | {
      ok: false;
      failure: LookupFailure;
      /** for ExpiredToken: whose session it was, and when it ended (the token is still genuine) */
      expired?: { arn: string; roleArn: string; expiredAt: string } | undefined;
    };

export type CredentialLookup<I = unknown> = (
  accessKeyId: string,
  sessionToken: string | undefined,
) => LookupResult<I> | Promise<LookupResult<I>>;

/** Which canonical-URI rule applies: S3's path as sent, or everyone else's normalisation. */
export type UriRule = 'as-sent' | 'normalize';

export interface VerifyOptions<I = unknown> {
  /** the server's clock reading for this request */
  now: Date;
  lookup: CredentialLookup<I>;
  /** the service the edge routed to; the credential scope must name it (default: any) */
  service?: string | undefined;
  /** the region(s) the endpoint answers for (default: any well-formed region name) */
  region?: string | readonly string[] | undefined;
  /** default: `as-sent` when the scope's service is `s3`, else `normalize` */
  uriRule?: UriRule | undefined;
}

/** The aws-chunked decoding context of a streaming upload (spec §8.4). */
export interface AwsChunkedContext {
  mode: StreamingMode;
  /** `x-amz-decoded-content-length` */
  decodedContentLength: number;
  /** the trailer names announced in `x-amz-trailer`, lower case */
  trailers: string[];
  /** for the signed modes: what each chunk signature chains from */
  signing?: ChunkSigning | undefined;
}

export interface ChunkSigning {
  /** kSigning, derived for this scope: secret material, never log it */
  signingKey: Uint8Array;
  amzDate: string;
  /** `<date>/<region>/<service>/aws4_request` */
  scope: string;
  /** the request's own signature, which the first chunk chains from */
  seedSignature: string;
}

/** How the payload was authenticated. */
export type PayloadInfo =
  /** a hex SHA-256; `verified` is false only when the body was not supplied */
  | { kind: 'sha256'; sha256: string; verified: boolean }
  | { kind: 'unsigned' }
  | { kind: 'aws-chunked'; chunked: AwsChunkedContext };

export interface SigV4Success<I = unknown> {
  ok: true;
  accessKeyId: string;
  sessionToken?: string | undefined;
  scope: CredentialScope;
  signedHeaders: string[];
  presigned: boolean;
  /** `X-Amz-Date` (or the `Date` header in that form) */
  amzDate: string;
  /** presigned URLs: when the URL stops being valid */
  expiresAt?: Date | undefined;
  payload: PayloadInfo;
  /** from the lookup */
  identity?: I | undefined;
}

export interface SigV4FailureResult {
  ok: false;
  failure: SigV4Failure;
}

export type VerifyResult<I = unknown> = SigV4Success<I> | SigV4FailureResult;

/** What irsakit computed, for the detail of a mismatch (never the secret or signing key). */
export interface ExpectedSigning {
  canonicalRequest: string;
  stringToSign: string;
}

interface Base {
  /** irsakit's own account of what went wrong (house style; never secrets or tokens) */
  reason: string;
  /**
   * the access key id the request was signed with, once its credential was parsed: a
   * signed request refused for its scope, clock or payload is still the key's (the audit
   * trail names it)
   */
  accessKeyId?: string | undefined;
}

/**
 * Every way authentication fails. `kind` names the check; the other fields carry what the
 * service's error message and irsakit's explanation need. `sigv4Error` turns one into the
 * error the target service answers with.
 */
export type SigV4Failure =
  | (Base & { kind: 'MissingAuthentication' })
  | (Base & { kind: 'ConflictingAuthentication' })
  | (Base & { kind: 'UnsupportedAlgorithm'; algorithm: string; presigned: boolean })
  | (Base & {
      kind: 'IncompleteSignature';
      presigned: boolean;
      /** Authorization components or query parameters that are absent (`Credential`, `X-Amz-Date`, `date`, …) */
      missing: string[];
      authorization?: string | undefined;
    })
  | (Base & {
      kind: 'MalformedAuthorization';
      presigned: boolean;
      /** the component that is not `key=value` */
      component?: string | undefined;
      authorization?: string | undefined;
    })
  | (Base & { kind: 'Duplicate'; field: string; where: 'header' | 'query' })
  | (Base & { kind: 'MalformedCredential'; presigned: boolean; credential: string })
  | (Base & { kind: 'InvalidDate'; presigned: boolean; value: string })
  | (Base & { kind: 'ScopeDateMismatch'; presigned: boolean; scopeDate: string; amzDate: string })
  | (Base & { kind: 'InvalidTerminator'; presigned: boolean; terminator: string })
  | (Base & { kind: 'WrongService'; presigned: boolean; service: string; expected: string })
  | (Base & {
      kind: 'WrongRegion';
      presigned: boolean;
      region: string;
      expected?: string | undefined;
    })
  | (Base & { kind: 'UnsignedHeaders'; headers: string[] })
  | (Base & {
      kind: 'RequestTimeTooSkewed';
      amzDate: string;
      /** the server's time, yyyymmddThhmmssZ */
      serverTime: string;
      direction: 'past' | 'future';
      /** a presigned URL (S3 says "Request is not yet valid" of one dated ahead) */
      presigned?: boolean | undefined;
    })
  | (Base & {
      kind: 'PresignExpired';
      amzDate: string;
      expiresSeconds: number;
      /** ISO 8601 */
      expiresAt: string;
      /** ISO 8601 */
      serverTime: string;
    })
  | (Base & {
      kind: 'InvalidExpires';
      value: string;
      problem: 'not-a-number' | 'negative' | 'too-large';
    })
  | (Base & { kind: 'MissingContentSha256' })
  | (Base & { kind: 'InvalidContentSha256'; value: string })
  | (Base & { kind: 'MissingDecodedContentLength' })
  | (Base & { kind: 'UnknownKey'; accessKeyId: string })
  | (Base & {
      kind: 'InvalidToken';
      accessKeyId: string;
      /**
       * the request carried no session token at all (an `ASIA…` key sent alone): S3 then says
       * the key does not exist, not that a token is malformed
       */
      tokenMissing?: boolean | undefined;
    })
  | (Base & {
      kind: 'ExpiredToken';
      accessKeyId: string;
      /** the session, when its (genuine) token says */
      session?: { arn: string; roleArn: string; expiredAt: string } | undefined;
    })
  | (Base & {
      kind: 'SignatureDoesNotMatch';
      accessKeyId: string;
      expected: ExpectedSigning;
      received: { signature: string };
      /** signed headers the request does not carry */
      missingSignedHeaders?: string[] | undefined;
    })
  | (Base & { kind: 'PayloadHashMismatch'; claimed: string; computed: string })
  // aws-chunked bodies (decodeAwsChunked)
  | (Base & { kind: 'MalformedChunk'; offset: number })
  | (Base & {
      kind: 'ChunkSignatureMismatch';
      /** 0-based chunk index; the final empty chunk included */
      chunk: number;
      expected: { stringToSign: string };
      received: { signature: string };
    })
  | (Base & {
      kind: 'TrailerSignatureMismatch';
      expected: { stringToSign: string };
      received: { signature: string };
    })
  | (Base & { kind: 'DecodedLengthMismatch'; declared: number; actual: number })
  | (Base & { kind: 'MalformedTrailer'; declared: string[]; received: string[] })
  | (Base & {
      kind: 'ChecksumMismatch';
      algorithm: ChecksumAlgorithm;
      claimed: string;
      computed: string;
    });

export type SigV4FailureKind = SigV4Failure['kind'];

/** Flexible-checksum algorithms of S3 (`x-amz-checksum-<alg>`). */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
