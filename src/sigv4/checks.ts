/**
 * The checks of a SigV4 request that need no secret (spec/aws-wire.md §8.1, §8.3, §8.6):
 * the credential scope, the headers that must be signed, single-valued authentication
 * headers, the 15-minute clock-skew window and presigned expiry. Each returns the failure
 * or undefined.
 */
import { headerValues } from './canonical.js';
import { AMZ_HEADER_PREFIX, H, MAX_SKEW_MS, SCOPE_TERMINATOR } from './constants.js';
import { isoSeconds } from '../common/times.js';
import { formatAmzDate } from './dates.js';
import type { ParsedAuth } from './parse-auth.js';
import type { SigV4Failure, SigV4Request, VerifyOptions } from './types.js';

/** What a region name looks like (`us-east-1`, `us-gov-west-1`, `eu-central-2`, …). */
export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

export function regionsOf(region: VerifyOptions['region']): readonly string[] | undefined {
  if (region === undefined) return undefined;
  return typeof region === 'string' ? [region] : region;
}

export function checkScope(
  auth: ParsedAuth,
  opts: Pick<VerifyOptions, 'service' | 'region'>,
): SigV4Failure | undefined {
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

export function checkSignedHeaders(
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

export function checkSingleValued(headers: SigV4Request['headers']): SigV4Failure | undefined {
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

/** How long STS honours a presigned URL, whatever its X-Amz-Expires says. */
export const STS_PRESIGN_SECONDS = 900;

/** How long a presigned request is good for: its X-Amz-Expires, or STS's 15 minutes. */
export function presignSeconds(auth: ParsedAuth): number {
  return auth.scope.service === 'sts' ? STS_PRESIGN_SECONDS : (auth.expiresSeconds ?? 0);
}

export function checkTime(auth: ParsedAuth, now: Date): SigV4Failure | undefined {
  const delta = auth.signedAt.getTime() - now.getTime();
  // formatted only for a failure's message: most requests pass
  const serverTime = () => formatAmzDate(now);
  if (delta > MAX_SKEW_MS || (!auth.presigned && delta < -MAX_SKEW_MS)) {
    const direction = delta > 0 ? 'future' : 'past';
    return {
      kind: 'RequestTimeTooSkewed',
      amzDate: auth.amzDate,
      serverTime: serverTime(),
      direction,
      presigned: auth.presigned,
      reason: `the request was signed at ${auth.amzDate}, ${Math.round(Math.abs(delta) / 1000)} s ${direction === 'past' ? 'before' : 'after'} the server's ${serverTime()}; the window is 15 min`,
    };
  }
  if (auth.presigned) {
    // STS ignores X-Amz-Expires: a presigned STS URL (`aws eks get-token`, IAM authenticators)
    // is good for 15 minutes from its X-Amz-Date, whatever it says
    const seconds = auth.scope.service === 'sts' ? STS_PRESIGN_SECONDS : (auth.expiresSeconds ?? 0);
    const expiresAt = new Date(auth.signedAt.getTime() + seconds * 1000);
    if (now.getTime() > expiresAt.getTime()) {
      return {
        kind: 'PresignExpired',
        amzDate: auth.amzDate,
        expiresSeconds: auth.expiresSeconds ?? 0,
        expiresAt: isoSeconds(expiresAt),
        serverTime: isoSeconds(now),
        reason: `the presigned URL expired at ${formatAmzDate(expiresAt)} (X-Amz-Date ${auth.amzDate} + ${seconds} s${seconds !== auth.expiresSeconds ? ': STS ignores X-Amz-Expires' : ''}); it is now ${serverTime()}`,
      };
    }
  }
  return undefined;
}
