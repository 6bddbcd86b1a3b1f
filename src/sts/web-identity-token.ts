/**
 * Web-identity token validation, in AWS's order and words (spec/aws-wire.md §3.3): parse the
 * JWT; its `iss` must name an IAM OIDC provider in the role's account; its `aud` (a string or
 * an array) must meet the provider's client-ID list; the signature must verify with a key of
 * the issuer's JWKS, with RS256/384/512 or ES256/384/512 only (no `none`, no HMAC; `jku`,
 * `x5u` and `jwk` headers are never used); then `exp` (`ExpiredTokenException`), then a
 * future `nbf` or `iat` beyond a small leeway. Session tags and the source identity come from
 * the `https://aws.amazon.com/*` claims.
 *
 * The token itself never goes into an error or a detail: they cite `kid`, `jti`, `sub`.
 */
import type { Clock } from '../common/clock.js';
import type { IamDirectory, OidcProviderRecord } from '../iam/directory.js';
import { AwsError } from '../common/aws-error.js';
import { invalidIdentityToken, STS_MSG } from './errors.js';
import { isWebIdentityAlg, type OidcKeySource, type WebIdentityAlg } from './oidc-keys.js';
import { isLoopbackHost } from './oidc-fetch.js';
import { audiencesOf, type Claims, decodeToken, integerClaim, verifySignature } from './jwt.js';
import { tagProblem } from './session-tags.js';
import type { SessionTag } from './types.js';

export const TAGS_CLAIM = 'https://aws.amazon.com/tags';
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';
/** clock-skew leeway for a future `nbf`/`iat` (spec/aws-wire.md §3.3 step 6) */
export const DEFAULT_LEEWAY_SECONDS = 300;
export const SOURCE_IDENTITY_PATTERN = /^[\w+=,.@-]*$/;

export interface VerifiedToken {
  provider: OidcProviderRecord;
  iss: string;
  alg: WebIdentityAlg;
  kid?: string | undefined;
  sub: string;
  /** the token audience that matched the client-ID list */
  audience: string;
  /** every audience of the token */
  audiences: string[];
  amr?: string[] | undefined;
  jti?: string | undefined;
  exp: number;
  /** present when the token carries session tags */
  tags?: { tags: SessionTag[]; transitiveTagKeys: string[] } | undefined;
  sourceIdentity?: string | undefined;
}

export interface VerifyTokenInput {
  token: string;
  /** the role's account: the provider must be registered there */
  account: string;
  directory: IamDirectory;
  keys: OidcKeySource;
  clock: Clock;
  leewaySeconds?: number;
}

/** `iss` → the provider URL as IAM stores it, when the scheme is one STS accepts. */
export function providerUrlOf(iss: string): string | undefined {
  if (iss.startsWith('https://')) return iss.slice('https://'.length);
  if (iss.startsWith('http://')) {
    try {
      if (isLoopbackHost(new URL(iss).hostname)) return iss.slice('http://'.length);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function decode(token: string): { header: Claims; claims: Claims } {
  const d = decodeToken(token);
  if ('error' in d)
    throw invalidIdentityToken(STS_MSG.notAJwt, { check: 'parse', reason: d.error });
  return d;
}

function requiredInteger(claims: Claims, name: string, required: boolean): number | undefined {
  const v = integerClaim(claims, name);
  if (v === undefined && required)
    throw invalidIdentityToken(STS_MSG.missingClaim(name), {
      check: 'claims',
      reason: `no \`${name}\``,
    });
  if (v === null)
    throw invalidIdentityToken(STS_MSG.notAJwt, {
      check: 'claims',
      reason: `\`${name}\` is not a JSON integer`,
    });
  return v;
}

function sessionTagsOf(claim: unknown): { tags: SessionTag[]; transitiveTagKeys: string[] } {
  const bad = (reason: string) =>
    invalidIdentityToken(STS_MSG.invalidTags, { check: 'tags', reason });
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim))
    throw bad(`\`${TAGS_CLAIM}\` is not an object`);
  const c = claim as Record<string, unknown>;
  const principal = c.principal_tags ?? {};
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal))
    throw bad('`principal_tags` is not an object');
  const tags: SessionTag[] = [];
  for (const [Key, v] of Object.entries(principal as Record<string, unknown>)) {
    const values = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string')
      throw bad(`the value of tag \`${Key}\` is not an array of one string`);
    tags.push({ Key, Value: values[0] });
  }
  const transitive = c.transitive_tag_keys ?? [];
  if (!Array.isArray(transitive) || !transitive.every((k): k is string => typeof k === 'string'))
    throw bad('`transitive_tag_keys` is not an array of strings');
  const problem = tagProblem(tags, transitive);
  if (problem) throw bad(problem);
  return { tags, transitiveTagKeys: transitive };
}

/**
 * Validates a web-identity token for a role in `account`.
 *
 * @example
 * const t = await verifyWebIdentityToken({ token, account: '123456789012', directory, keys, clock });
 * t.sub // → 'system:serviceaccount:production:s3-app'
 */
export async function verifyWebIdentityToken(input: VerifyTokenInput): Promise<VerifiedToken> {
  const { token, account, directory, keys, clock } = input;
  const { header, claims } = decode(token);

  // issuer → a provider of the role's account
  const iss = claims.iss;
  if (typeof iss !== 'string')
    throw invalidIdentityToken(STS_MSG.missingClaim('iss'), {
      check: 'issuer',
      reason: 'no `iss`',
    });
  const url = providerUrlOf(iss);
  const provider = url === undefined ? undefined : await directory.findOidcProvider(account, url);
  if (!provider)
    throw invalidIdentityToken(STS_MSG.noProvider(iss), {
      check: 'issuer',
      iss,
      account,
      reason: `no IAM OIDC provider for \`${url ?? iss}\` in account ${account}`,
    });

  // audience
  const audiences = audiencesOf(claims.aud);
  const audience = audiences?.find((a) => provider.clientIds.includes(a));
  if (audience === undefined)
    throw invalidIdentityToken(STS_MSG.incorrectAudience, {
      check: 'audience',
      expected: provider.clientIds,
      actual: claims.aud ?? null,
      providerArn: provider.arn,
    });

  // signature
  const alg = header.alg;
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string')
    throw invalidIdentityToken(STS_MSG.notAJwt, {
      check: 'parse',
      reason: '`kid` is not a string',
    });
  if (!isWebIdentityAlg(alg))
    throw invalidIdentityToken(STS_MSG.badSignature, {
      check: 'signature',
      alg: typeof alg === 'string' ? alg : null,
      reason: 'only RS256, RS384, RS512, ES256, ES384 and ES512 are accepted',
    });
  if (header.b64 === false || header.crit !== undefined)
    throw invalidIdentityToken(STS_MSG.badSignature, {
      check: 'signature',
      reason: 'unsupported JWS header parameters (`b64`, `crit`)',
    });
  const candidates = await keys.keysFor(iss, { alg, kid }, provider.thumbprints);
  const sig = await verifySignature(token, candidates, alg);
  if (!sig.ok)
    throw invalidIdentityToken(STS_MSG.badSignature, {
      check: 'signature',
      alg,
      kid,
      reasons: sig.reasons,
    });

  // times
  const now = Math.floor(clock().getTime() / 1000);
  const leeway = input.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const exp = requiredInteger(claims, 'exp', true) as number;
  if (now >= exp)
    throw new AwsError('ExpiredTokenException', 400, STS_MSG.tokenExpired(now, exp), {
      detail: { check: 'expiry', now, exp, jti: claims.jti, kid },
    });
  const nbf = requiredInteger(claims, 'nbf', false);
  if (nbf !== undefined && nbf > now + leeway)
    throw invalidIdentityToken(STS_MSG.notYetValid(now, nbf), {
      check: 'not-before',
      now,
      nbf,
      leeway,
    });
  const iat = requiredInteger(claims, 'iat', false);
  if (iat !== undefined && iat > now + leeway)
    throw invalidIdentityToken(STS_MSG.issuedInFuture(now, iat), {
      check: 'issued-at',
      now,
      iat,
      leeway,
    });

  // subject and the AWS claims
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '')
    throw invalidIdentityToken(STS_MSG.missingClaim('sub'), {
      check: 'claims',
      reason: 'no `sub`',
    });
  const amr = claims.amr;
  const tags = claims[TAGS_CLAIM] === undefined ? undefined : sessionTagsOf(claims[TAGS_CLAIM]);
  const si = claims[SOURCE_IDENTITY_CLAIM];
  if (
    si !== undefined &&
    (typeof si !== 'string' ||
      si.length < 2 ||
      si.length > 64 ||
      !SOURCE_IDENTITY_PATTERN.test(si) ||
      si.toLowerCase().startsWith('aws:'))
  )
    throw invalidIdentityToken(STS_MSG.invalidSourceIdentity, {
      check: 'source-identity',
      reason: `\`${SOURCE_IDENTITY_CLAIM}\` is not 2–64 characters of [\\w+=,.@-]`,
    });
  return {
    provider,
    iss,
    alg,
    kid,
    sub,
    audience,
    audiences: audiences ?? [],
    amr:
      Array.isArray(amr) && amr.every((a) => typeof a === 'string') ? (amr as string[]) : undefined,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    exp,
    tags,
    sourceIdentity: si,
  };
}
