/**
 * The edge's SigV2 branch: S3 presigned URLs in SigV2 (`aws s3 presign`, botocore's default
 * in regions that still list SigV2) are verified by src/sigv4/sigv2.ts with the same
 * credential lookup as SigV4; S3 is the only service that accepts them.
 */
import type { AwsError } from '../../common/aws-error.js';
import { header } from '../../server/aws/request.js';
import type { RawRequest, Route } from '../../server/aws/request.js';
import type { AuthInfo, Caller } from '../../server/aws/types.js';
import { sigv4Error } from '../../sigv4/errors.js';
import { sigv2Error, verifySigV2Query } from '../../sigv4/sigv2.js';
import type { LookupFailure, PayloadInfo } from '../../sigv4/types.js';
import { virtualHostBucket } from './addressing.js';

/**
 * The payload of every SigV2 request: its signature covers no body, so S3 reads aws-chunked
 * framing from the headers, as for an anonymous request.
 */
export const SIGV2_PAYLOAD: PayloadInfo = { kind: 'unsigned' };

/** The region a SigV2 request is served in (SigV2 names none). */
export const SIGV2_REGION = 'us-east-1';

export type CredentialResolve = (
  accessKeyId: string,
  sessionToken?: string | undefined,
) => Promise<
  { ok: true; secretAccessKey: string; caller: Caller } | { ok: false; failure: LookupFailure }
>;

/**
 * Verifies a SigV2 presigned request as the edge's Authenticator answers.
 *
 * @example
 * if (this.scope(raw).kind === 'sigv2-query') return verifyS3SigV2(raw, route, now, resolve);
 */
export async function verifyS3SigV2(
  raw: RawRequest,
  route: Route,
  now: Date,
  resolve: CredentialResolve,
): Promise<
  { ok: true; caller: Caller; region: string; auth: AuthInfo } | { ok: false; error: AwsError }
> {
  if (route.service !== 's3')
    return {
      ok: false,
      error: sigv4Error(route.service, {
        kind: 'MissingAuthentication',
        reason: 'SigV2 query authentication is accepted by S3 only',
      }),
    };
  const r = await verifySigV2Query<Caller>(
    { method: raw.method, target: raw.target, headers: raw.rawHeaders },
    {
      now,
      virtualHostBucket: virtualHostBucket(header(raw, 'host')),
      lookup: async (akid, token) => {
        const c = await resolve(akid, token);
        return c.ok
          ? { ok: true, secretAccessKey: c.secretAccessKey, identity: c.caller }
          : { ok: false, failure: c.failure };
      },
    },
  );
  if (!r.ok) return { ok: false, error: sigv2Error(r.failure) };
  if (!r.identity) throw new TypeError('verified request without a caller');
  return {
    ok: true,
    caller: r.identity,
    region: SIGV2_REGION,
    auth: {
      kind: 'sigv2-query',
      accessKeyId: r.accessKeyId,
      presigned: true,
      payload: SIGV2_PAYLOAD,
      expiresAt: r.expiresAt,
    },
  };
}
