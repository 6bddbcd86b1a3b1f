/**
 * Verification keys of OIDC identity providers (spec/aws-wire.md §3.3 step 4): discovery at
 * `<iss>/.well-known/openid-configuration`, then its `jwks_uri`, cached per issuer with
 * explicit knobs (as jose's remote JWKS set has them):
 *
 * | knob           | default | meaning                                                          |
 * | -------------- | ------- | ---------------------------------------------------------------- |
 * | cacheMaxAgeMs  | 10 min  | how long a JWKS is used, unless the JWKS response's Cache-Control |
 * |                |         | says otherwise (`max-age=N`; `no-cache`/`no-store` mean 0)        |
 * | timeoutMs      | 5 s     | deadline of each of the two requests                               |
 * | cooldownMs     | 30 s    | minimum time between two fetches triggered by an unknown `kid`    |
 *
 * A token whose `kid` is not in the cached set triggers one refetch (unless the set is younger
 * than the cooldown): that is how a rotated-in key is picked up. A cached set fetched through
 * a thumbprint-pinned TLS chain serves only providers whose ThumbprintList holds that
 * thumbprint, so one account's registration never vouches for another's.
 *
 * Errors are STS's: network failure or timeout → `IDPCommunicationError`; unusable
 * discovery or keys → `InvalidIdentityToken` "Couldn't retrieve verification key…"; an
 * untrusted chain without a matching thumbprint → `InvalidIdentityToken` "OpenIDConnect
 * provider's HTTPS certificate doesn't match configured thumbprint".
 */
import type { JWK } from 'jose';
import type { Clock } from '../common/clock.js';
import { table } from '../common/own.js';
import { idpCommunicationError, invalidIdentityToken, STS_MSG } from './errors.js';
import {
  createOidcFetch,
  isLoopbackHost,
  type OidcFetch,
  OidcFetchError,
  type OidcFetchResponse,
} from './oidc-fetch.js';

/** The algorithms STS accepts (spec/aws-wire.md §3.3 step 4): no `none`, no HMAC. */
export const WEB_IDENTITY_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
export type WebIdentityAlg = (typeof WEB_IDENTITY_ALGS)[number];

export function isWebIdentityAlg(alg: unknown): alg is WebIdentityAlg {
  return typeof alg === 'string' && (WEB_IDENTITY_ALGS as readonly string[]).includes(alg);
}

/** AWS reads at most this many keys of a JWKS [field]. */
export const MAX_JWKS_KEYS = 100;

export interface KeyHint {
  alg: WebIdentityAlg;
  kid?: string | undefined;
}

/** Where STS gets verification keys; tests may hand in their own. */
export interface OidcKeySource {
  /**
   * The keys of `issuer` that may have signed a token with this header: same `kid` (or, for a
   * token without one, every key), a key type that fits `alg`, `use` absent or `sig`. Never
   * empty; throws `AwsError` (`InvalidIdentityToken`, `IDPCommunicationError`).
   */
  keysFor(issuer: string, hint: KeyHint, thumbprints: readonly string[]): Promise<JWK[]>;
}

export interface OidcKeyFetcherOptions {
  clock: Clock;
  fetch?: OidcFetch;
  cacheMaxAgeMs?: number;
  timeoutMs?: number;
  cooldownMs?: number;
  /** size cap of each document; 1 MiB */
  maxBytes?: number;
}

interface CacheEntry {
  keys: JWK[];
  fetchedAt: number;
  expiresAt: number;
  /** thumbprints through which untrusted chains were accepted (discovery, JWKS) */
  pinned: string[];
}

const DAY_MS = 86_400_000;
const CURVE: Readonly<Record<string, string>> = table({
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
});

/** Whether a JWK can verify a signature of `alg`. */
export function keyFits(jwk: JWK, alg: WebIdentityAlg): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return false;
  if (alg.startsWith('RS')) return jwk.kty === 'RSA' && typeof jwk.n === 'string';
  return jwk.kty === 'EC' && jwk.crv === CURVE[alg] && typeof jwk.x === 'string';
}

function selectKeys(keys: readonly JWK[], hint: KeyHint): JWK[] {
  return keys.filter((k) => (hint.kid === undefined || k.kid === hint.kid) && keyFits(k, hint.alg));
}

function maxAgeOf(headers: Record<string, string>, fallback: number): number {
  const cc = headers['cache-control'];
  if (!cc) return fallback;
  if (/(^|[\s,])(no-store|no-cache)($|[\s,=])/i.test(cc)) return 0;
  const m = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/i.exec(cc);
  return m ? Math.min(Number(m[1]) * 1000, DAY_MS) : fallback;
}

function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Discovery and JWKS fetched, cached and refreshed as described above.
 *
 * @example
 * const keys = new OidcKeyFetcher({ clock: systemClock });
 * const candidates = await keys.keysFor('https://127.0.0.1:4578/id/ABC', { alg: 'RS256', kid }, [thumbprint]);
 */
export class OidcKeyFetcher implements OidcKeySource {
  private readonly clock: Clock;
  private readonly fetch: OidcFetch;
  readonly cacheMaxAgeMs: number;
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly maxBytes: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  constructor(opts: OidcKeyFetcherOptions) {
    this.clock = opts.clock;
    this.fetch = opts.fetch ?? createOidcFetch();
    this.cacheMaxAgeMs = opts.cacheMaxAgeMs ?? 10 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.maxBytes = opts.maxBytes ?? 1 << 20;
    for (const [name, v] of [
      ['cacheMaxAgeMs', this.cacheMaxAgeMs],
      ['timeoutMs', this.timeoutMs],
      ['cooldownMs', this.cooldownMs],
      ['maxBytes', this.maxBytes],
    ] as const)
      if (!Number.isFinite(v) || v < 0) throw new TypeError(`${name} must be a number ≥ 0`);
  }

  async keysFor(issuer: string, hint: KeyHint, thumbprints: readonly string[]): Promise<JWK[]> {
    const prints = thumbprints.map((t) => t.toLowerCase());
    const now = this.clock().getTime();
    let entry = this.cache.get(issuer);
    if (!entry || now >= entry.expiresAt || !entry.pinned.every((t) => prints.includes(t)))
      entry = await this.refresh(issuer, prints);
    let found = selectKeys(entry.keys, hint);
    if (found.length === 0 && this.clock().getTime() - entry.fetchedAt >= this.cooldownMs) {
      entry = await this.refresh(issuer, prints);
      found = selectKeys(entry.keys, hint);
    }
    if (found.length === 0)
      throw invalidIdentityToken(STS_MSG.couldNotRetrieveKey, {
        check: 'signature',
        reason:
          hint.kid === undefined
            ? `the JWKS of ${issuer} has no key for ${hint.alg}`
            : `the JWKS of ${issuer} has no ${hint.alg} key with kid \`${hint.kid}\``,
        kid: hint.kid,
        kids: entry.keys.map((k) => k.kid ?? null),
      });
    return found;
  }

  /** Forgets every cached key set. */
  clear(): void {
    this.cache.clear();
  }

  private refresh(issuer: string, prints: string[]): Promise<CacheEntry> {
    const key = `${issuer}\n${[...prints].sort().join(',')}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.load(issuer, prints).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async get(url: string, prints: string[]): Promise<OidcFetchResponse> {
    let res: OidcFetchResponse;
    try {
      res = await this.fetch({
        url,
        thumbprints: prints,
        timeoutMs: this.timeoutMs,
        maxBytes: this.maxBytes,
      });
    } catch (e) {
      if (!(e instanceof OidcFetchError)) throw idpCommunicationError(url, { reason: String(e) });
      const detail = { check: 'keys', url, reason: e.message };
      switch (e.kind) {
        case 'network':
        case 'timeout':
          throw idpCommunicationError(url, detail);
        case 'thumbprint':
          throw invalidIdentityToken(STS_MSG.thumbprintMismatch, detail);
        default:
          throw invalidIdentityToken(STS_MSG.couldNotRetrieveKey, detail);
      }
    }
    if (res.status >= 500 || res.status === 429)
      throw idpCommunicationError(url, { check: 'keys', url, reason: `HTTP ${res.status}` });
    if (res.status !== 200)
      throw invalidIdentityToken(STS_MSG.couldNotRetrieveKey, {
        check: 'keys',
        url,
        reason: `HTTP ${res.status}`,
      });
    return res;
  }

  private async load(issuer: string, prints: string[]): Promise<CacheEntry> {
    const dUrl = discoveryUrl(issuer);
    const discovery = await this.get(dUrl, prints);
    const jwksUri = parseDiscovery(discovery.body);
    if (!jwksUri)
      throw invalidIdentityToken(STS_MSG.couldNotRetrieveKey, {
        check: 'keys',
        url: dUrl,
        reason: 'the discovery document has no usable jwks_uri (https, or http to a loopback host)',
      });
    const jwks = await this.get(jwksUri, prints);
    const keys = parseJwks(jwks.body);
    if (!keys)
      throw invalidIdentityToken(STS_MSG.couldNotRetrieveKey, {
        check: 'keys',
        url: jwksUri,
        reason: 'the JWKS is not a JSON object with a `keys` array of JWKs',
      });
    const now = this.clock().getTime();
    const entry: CacheEntry = {
      keys,
      fetchedAt: now,
      expiresAt: now + maxAgeOf(jwks.headers, this.cacheMaxAgeMs),
      pinned: [
        ...new Set(
          [discovery.pinnedThumbprint, jwks.pinnedThumbprint].filter(
            (t): t is string => t !== undefined,
          ),
        ),
      ],
    };
    this.cache.set(issuer, entry);
    return entry;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `jwks_uri` of a discovery document, when it is one STS will fetch. */
export function parseDiscovery(text: string): string | undefined {
  const d = parseJson(text);
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return undefined;
  const uri = (d as Record<string, unknown>).jwks_uri;
  if (typeof uri !== 'string') return undefined;
  try {
    const u = new URL(uri);
    if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname)))
      return u.href;
  } catch {
    // not a URL
  }
  return undefined;
}

/** The first 100 keys of a JWKS; undefined when it is not one. */
export function parseJwks(text: string): JWK[] | undefined {
  const d = parseJson(text);
  if (typeof d !== 'object' || d === null) return undefined;
  const keys = (d as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return undefined;
  const out: JWK[] = [];
  for (const k of keys.slice(0, MAX_JWKS_KEYS)) {
    if (typeof k !== 'object' || k === null || typeof (k as JWK).kty !== 'string') return undefined;
    out.push(k as JWK);
  }
  return out;
}
