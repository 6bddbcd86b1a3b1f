/**
 * The life of a cluster's signing key, as pure functions of the key records and `now`
 * (spec/kubernetes.md §3, the rotation rule, and §8 item 9):
 *
 * ```
 *  createdAt ── published ──▶ activateAt ── signs ──▶ retiredAt ── verifies ──▶ retiredAt + max token lifetime
 *  (pending: in the JWKS,      (active: the newest     (retired: in the JWKS,      (expired: out of the JWKS,
 *   signs nothing)              active key signs)       signs nothing)              may be pruned)
 * ```
 *
 * - A new key appears in the JWKS at once and signs only after the discovery max-age
 *   (3600 s), because verifiers cache the JWKS that long.
 * - A key stops signing when the next key activates, and stays in the JWKS until every token
 *   it can have signed has expired: its `retiredAt` plus the longest lifetime of a token it
 *   signed or could sign (`maxTokenLifetimeSeconds`, which signing raises if ever needed).
 * - The first key of a cluster is active at once: nothing was published before it, so no
 *   verifier can hold a stale copy.
 *
 * kube-apiserver itself has no such schedule (its keys are files an operator rotates by hand);
 * these are the rules it asks operators to follow, enforced.
 */
import { IssuerError } from './errors.js';
import type { GeneratedAlg, GeneratedKey } from './keys.js';

/** `Cache-Control: public, max-age=3600` on discovery and JWKS (kubernetes.md §2). */
export const DISCOVERY_MAX_AGE_SECONDS = 3600;

/**
 * The lifetime bound a key starts with when the caller does not give the cluster's maximum:
 * a day, the IRSA default token lifetime. Signing a longer-lived token raises it.
 */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/** A signing key as stored (collection `issuer-keys`, key `<cluster>/<kid>`). */
export interface KeyRecord {
  cluster: string;
  kid: string;
  alg: GeneratedAlg;
  /** PKCS#8 PEM; never logged, never leaves the key ring */
  privateKeyPem: string;
  /** SPKI PEM */
  publicKeyPem: string;
  /** when the key was created, and published */
  createdAt: string;
  /** when the key starts signing */
  activateAt: string;
  /** when the key stops signing (set when a newer key is created) */
  retiredAt?: string;
  /** the longest lifetime, in seconds, of a token this key signed or may sign */
  maxTokenLifetimeSeconds: number;
}

export type KeyState = 'pending' | 'active' | 'retired' | 'expired';

/** A key as the rest of irsakit sees it: no private key, with its state at `now`. */
export interface KeyInfo {
  cluster: string;
  kid: string;
  alg: GeneratedAlg;
  publicKeyPem: string;
  createdAt: string;
  activateAt: string;
  retiredAt?: string;
  maxTokenLifetimeSeconds: number;
  state: KeyState;
  /** when the key leaves the JWKS; absent while it has no successor */
  verifiableUntil?: string;
}

const ms = (iso: string) => new Date(iso).getTime();
const iso = (t: number) => new Date(t).toISOString();

/**
 * Until when tokens signed by this key can be valid (so it must stay published), or
 * `undefined` while the key has no successor. A key retired before it ever activated signed
 * nothing and may leave at its retirement.
 *
 * @example
 * verifiableUntil({ ..., activateAt: '2025-01-01T00:00:00.000Z', retiredAt: '2025-01-08T00:00:00.000Z', maxTokenLifetimeSeconds: 86400 })
 * // → Date 2025-01-09T00:00:00.000Z
 */
export function verifiableUntil(r: KeyRecord): Date | undefined {
  if (r.retiredAt === undefined) return undefined;
  const retired = ms(r.retiredAt);
  if (retired <= ms(r.activateAt)) return new Date(retired);
  return new Date(retired + r.maxTokenLifetimeSeconds * 1000);
}

/**
 * The key's state at `now`.
 *
 * @example
 * keyState(justRotatedKey, now) // → 'pending'
 */
export function keyState(r: KeyRecord, now: Date): KeyState {
  const t = now.getTime();
  if (r.retiredAt !== undefined && t >= ms(r.retiredAt)) {
    const until = verifiableUntil(r);
    return until && t < until.getTime() ? 'retired' : 'expired';
  }
  return t < ms(r.activateAt) ? 'pending' : 'active';
}

/** The public view of a record at `now`. */
export function keyInfo(r: KeyRecord, now: Date): KeyInfo {
  const until = verifiableUntil(r);
  return {
    cluster: r.cluster,
    kid: r.kid,
    alg: r.alg,
    publicKeyPem: r.publicKeyPem,
    createdAt: r.createdAt,
    activateAt: r.activateAt,
    ...(r.retiredAt !== undefined ? { retiredAt: r.retiredAt } : {}),
    maxTokenLifetimeSeconds: r.maxTokenLifetimeSeconds,
    state: keyState(r, now),
    ...(until ? { verifiableUntil: until.toISOString() } : {}),
  };
}

/** Oldest first: by creation, then activation, then kid, so the order is stable. */
export function byAge(a: KeyRecord, b: KeyRecord): number {
  return (
    ms(a.createdAt) - ms(b.createdAt) ||
    ms(a.activateAt) - ms(b.activateAt) ||
    (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0)
  );
}

/**
 * The key that signs at `now`: the active key that activated last (ties: the newest).
 *
 * @example
 * signingRecord(records, now)?.kid // → the kid of the newest active key, or undefined
 */
export function signingRecord(records: readonly KeyRecord[], now: Date): KeyRecord | undefined {
  let best: KeyRecord | undefined;
  for (const r of records) {
    if (keyState(r, now) !== 'active') continue;
    if (
      !best ||
      ms(r.activateAt) > ms(best.activateAt) ||
      (ms(r.activateAt) === ms(best.activateAt) && byAge(r, best) > 0)
    )
      best = r;
  }
  return best;
}

/**
 * The keys the JWKS lists at `now`: pending, active and retired ones, oldest first.
 *
 * @example
 * publishedRecords(records, now).map((r) => r.kid) // → ['old', 'current', 'next']
 */
export function publishedRecords(records: readonly KeyRecord[], now: Date): KeyRecord[] {
  return records.filter((r) => keyState(r, now) !== 'expired').sort(byAge);
}

/** The keys `prune` may delete at `now`: those whose tokens have all expired. */
export function expiredRecords(records: readonly KeyRecord[], now: Date): KeyRecord[] {
  return records.filter((r) => keyState(r, now) === 'expired').sort(byAge);
}

function checkLifetime(seconds: number | undefined): number {
  const s = seconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(s) || s < 0)
    throw new IssuerError(
      'InvalidOption',
      `the token lifetime must be whole seconds ≥ 0, not ${s}`,
    );
  return s;
}

function newRecord(
  cluster: string,
  key: GeneratedKey,
  now: Date,
  activateAt: Date,
  maxTokenLifetimeSeconds: number,
): KeyRecord {
  return {
    cluster,
    kid: key.kid,
    alg: key.alg,
    privateKeyPem: key.privateKeyPem,
    publicKeyPem: key.publicKeyPem,
    createdAt: now.toISOString(),
    activateAt: activateAt.toISOString(),
    maxTokenLifetimeSeconds,
  };
}

export interface EnsurePlan {
  /** records to write (empty when the cluster already has a usable key) */
  put: KeyRecord[];
  /** the key that signs, or will sign first */
  key: KeyRecord;
}

/**
 * What `ensure` writes: nothing when the cluster has an active or pending key; the first key,
 * active at once, when it has no key at all; otherwise (only retired or expired keys, so a
 * JWKS was published) a rotation, so that the new key waits out the cached JWKS. Returns
 * `undefined` when a key is needed and `key` was not given (generate one and plan again).
 *
 * @example
 * planEnsure('dev', [], now, key, {})?.put[0]?.activateAt === now.toISOString() // → true
 */
export function planEnsure(
  cluster: string,
  records: readonly KeyRecord[],
  now: Date,
  key: GeneratedKey | undefined,
  opts: { maxTokenLifetimeSeconds?: number },
): EnsurePlan | undefined {
  const current =
    signingRecord(records, now) ??
    records
      .filter((r) => keyState(r, now) === 'pending')
      .sort((a, b) => ms(a.activateAt) - ms(b.activateAt) || byAge(a, b))[0];
  if (current) return { put: [], key: current };
  if (!key) return undefined;
  if (records.length === 0) {
    const rec = newRecord(cluster, key, now, now, checkLifetime(opts.maxTokenLifetimeSeconds));
    return { put: [rec], key: rec };
  }
  const put = planRotate(cluster, records, now, key, opts);
  return { put, key: put[0] as KeyRecord };
}

export interface RotateOptions {
  /** seconds between publication and first signature; default and minimum: the max-age */
  activateAfterSeconds?: number;
  /** allow `activateAfterSeconds` below the discovery max-age (tests, throwaway clusters) */
  allowEarlyActivation?: boolean;
  /** the cluster's maximum token lifetime: how long the key stays published once retired */
  maxTokenLifetimeSeconds?: number;
}

/**
 * What `rotate` writes: the new key (published now, active after `activateAfterSeconds`),
 * first, then every older key that would still be signing at that moment, now retiring then.
 *
 * @example
 * const [next, old] = planRotate('dev', [current], now, key, {});
 * next.activateAt  // → now + 3600 s
 * old.retiredAt    // → the same instant
 */
export function planRotate(
  cluster: string,
  records: readonly KeyRecord[],
  now: Date,
  key: GeneratedKey,
  opts: RotateOptions,
): KeyRecord[] {
  const after = opts.activateAfterSeconds ?? DISCOVERY_MAX_AGE_SECONDS;
  if (!Number.isSafeInteger(after) || after < 0)
    throw new IssuerError(
      'InvalidOption',
      `activateAfterSeconds must be whole seconds ≥ 0, not ${after}`,
    );
  if (after < DISCOVERY_MAX_AGE_SECONDS && !opts.allowEarlyActivation)
    throw new IssuerError(
      'InvalidOption',
      `a new key must be published for at least the discovery max-age (${DISCOVERY_MAX_AGE_SECONDS} s) before it signs; activateAfterSeconds ${after} is too short`,
    );
  if (records.some((r) => r.kid === key.kid))
    throw new IssuerError('InvalidKey', `key \`${key.kid}\` is already in the ring`);
  const activateAt = new Date(now.getTime() + after * 1000);
  const put = [
    newRecord(cluster, key, now, activateAt, checkLifetime(opts.maxTokenLifetimeSeconds)),
  ];
  for (const r of records) {
    if (keyState(r, now) === 'expired') continue;
    if (r.retiredAt !== undefined && ms(r.retiredAt) <= activateAt.getTime()) continue;
    put.push({ ...r, retiredAt: iso(activateAt.getTime()) });
  }
  return put;
}

/**
 * The record to write before a token with this lifetime is signed, when the key's bound must
 * grow; `undefined` when it already covers it.
 *
 * @example
 * raiseLifetime(keyWith86400, 31536000)?.maxTokenLifetimeSeconds // → 31536000
 */
export function raiseLifetime(r: KeyRecord, lifetimeSeconds: number): KeyRecord | undefined {
  return lifetimeSeconds > r.maxTokenLifetimeSeconds
    ? { ...r, maxTokenLifetimeSeconds: lifetimeSeconds }
    : undefined;
}
