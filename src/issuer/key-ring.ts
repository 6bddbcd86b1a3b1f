/**
 * A cluster's signing keys over the store (collection `issuer-keys`, key `<cluster>/<kid>`):
 * create the first key, rotate, pick the key that signs, list the keys the JWKS publishes,
 * prune what no token can need any more, and sign. Every decision is a pure function of the
 * records and the clock (`key-lifecycle.ts`); this class only reads and writes, and writes
 * only inside `store.transaction`, so replicas sharing a store agree.
 *
 * Private keys never leave this class: callers see `KeyInfo` (kid, alg, public key, times)
 * and get compact JWS back from `sign`.
 */
import { CompactSign, importPKCS8 } from 'jose';
import type { Clock } from '../common/clock.js';
import type { Store, StoreOps } from '../store/index.js';
import { IssuerError } from './errors.js';
import {
  byAge,
  expiredRecords,
  type KeyInfo,
  keyInfo,
  type KeyRecord,
  planEnsure,
  planRotate,
  publishedRecords,
  raiseLifetime,
  type RotateOptions,
  signingRecord,
} from './key-lifecycle.js';
import { type GeneratedAlg, type GeneratedKey, generateSigningKey } from './keys.js';

/** The store collection holding key records. */
export const KEY_COLLECTION = 'issuer-keys';

export interface KeyRingOptions {
  store: Store;
  clock: Clock;
  /** key generation; node:crypto by default (tests may hand out pre-made keys) */
  generate?: (alg: GeneratedAlg) => Promise<GeneratedKey>;
}

export interface EnsureOptions {
  /** the algorithm of the first key; RS256 by default */
  alg?: GeneratedAlg;
  /** the cluster's maximum token lifetime (see `RotateOptions`) */
  maxTokenLifetimeSeconds?: number;
}

export interface KeyRotateOptions extends RotateOptions {
  /** the new key's algorithm; by default the current signing key's, else RS256 */
  alg?: GeneratedAlg;
}

export interface SignedToken {
  /** the compact JWS; never log it */
  token: string;
  kid: string;
  alg: GeneratedAlg;
}

type ImportedKey = Awaited<ReturnType<typeof importPKCS8>>;

function checkCluster(cluster: string): void {
  if (cluster === '' || cluster.includes('/'))
    throw new IssuerError(
      'InvalidOption',
      `a cluster name must be non-empty and free of \`/\`: \`${cluster}\``,
    );
}

/**
 * The key ring of every cluster in a store.
 *
 * @example
 * const ring = new KeyRing({ store, clock: systemClock });
 * await ring.ensure('dev');                      // first key, signs at once
 * const { token, kid } = await ring.sign('dev', payload, { lifetimeSeconds: 3600 });
 * await ring.rotate('dev');                      // published now, signs in an hour
 */
export class KeyRing {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly generate: (alg: GeneratedAlg) => Promise<GeneratedKey>;
  /** imported private keys by `<cluster>/<kid>`; the PEM is parsed once */
  private readonly imported = new Map<string, Promise<ImportedKey>>();

  constructor(opts: KeyRingOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.generate = opts.generate ?? generateSigningKey;
  }

  private async records(ops: StoreOps, cluster: string): Promise<KeyRecord[]> {
    checkCluster(cluster);
    const items = await ops.list<KeyRecord>(KEY_COLLECTION, { prefix: `${cluster}/` });
    return items.map((i) => i.value);
  }

  private async write(ops: StoreOps, records: readonly KeyRecord[]): Promise<void> {
    for (const r of records) await ops.put(KEY_COLLECTION, `${r.cluster}/${r.kid}`, r);
  }

  /**
   * Makes sure the cluster has a key that signs or will sign; the first key of a cluster is
   * active at once.
   *
   * @example
   * const { key, created } = await ring.ensure('dev', { alg: 'ES256' });
   */
  async ensure(
    cluster: string,
    opts: EnsureOptions = {},
  ): Promise<{ key: KeyInfo; created: boolean }> {
    const existing = planEnsure(
      cluster,
      await this.records(this.store, cluster),
      this.clock(),
      undefined,
      opts,
    );
    if (existing) return { key: keyInfo(existing.key, this.clock()), created: false };
    // generate outside the transaction (RSA takes a while), then decide again inside it
    const key = await this.generate(opts.alg ?? 'RS256');
    return this.store.transaction(async (tx) => {
      const now = this.clock();
      const plan = planEnsure(cluster, await this.records(tx, cluster), now, key, opts);
      if (!plan) throw new TypeError('unreachable: planEnsure was given a key');
      await this.write(tx, plan.put);
      return { key: keyInfo(plan.key, now), created: plan.put.length > 0 };
    });
  }

  /**
   * Creates the next key: in the JWKS at once, signing only after `activateAfterSeconds`
   * (default and minimum 3600 s, the discovery max-age). Keys signing until then retire at
   * that moment and stay published until their tokens can have expired.
   *
   * @example
   * const next = await ring.rotate('dev');   // next.state → 'pending'
   */
  async rotate(cluster: string, opts: KeyRotateOptions = {}): Promise<KeyInfo> {
    const before = await this.records(this.store, cluster);
    const alg = opts.alg ?? signingRecord(before, this.clock())?.alg ?? 'RS256';
    const key = await this.generate(alg);
    return this.store.transaction(async (tx) => {
      const now = this.clock();
      const put = planRotate(cluster, await this.records(tx, cluster), now, key, opts);
      await this.write(tx, put);
      return keyInfo(put[0] as KeyRecord, now);
    });
  }

  /**
   * The key that signs now: the newest active key, or `undefined`.
   *
   * @example
   * (await ring.signingKey('dev'))?.kid
   */
  async signingKey(cluster: string): Promise<KeyInfo | undefined> {
    const now = this.clock();
    const r = signingRecord(await this.records(this.store, cluster), now);
    return r ? keyInfo(r, now) : undefined;
  }

  /**
   * The keys the JWKS lists now: pending, active, and retired keys whose tokens may still be
   * valid; oldest first.
   *
   * @example
   * (await ring.publishedKeys('dev')).map((k) => `${k.kid} ${k.state}`)
   */
  async publishedKeys(cluster: string): Promise<KeyInfo[]> {
    const now = this.clock();
    return publishedRecords(await this.records(this.store, cluster), now).map((r) =>
      keyInfo(r, now),
    );
  }

  /**
   * Every key record of the cluster, expired ones included, with its state; oldest first.
   *
   * @example
   * (await ring.keys('dev')).filter((k) => k.state === 'expired')
   */
  async keys(cluster: string): Promise<KeyInfo[]> {
    const now = this.clock();
    const records = await this.records(this.store, cluster);
    return [...publishedRecords(records, now), ...expiredRecords(records, now)]
      .sort(byAge)
      .map((r) => keyInfo(r, now));
  }

  /**
   * Deletes the keys no valid token can need any more; returns their kids.
   *
   * @example
   * await ring.prune('dev') // → ['f4BC…']
   */
  async prune(cluster: string): Promise<string[]> {
    return this.store.transaction(async (tx) => {
      const gone = expiredRecords(await this.records(tx, cluster), this.clock());
      for (const r of gone) {
        await tx.delete(KEY_COLLECTION, `${cluster}/${r.kid}`);
        this.imported.delete(`${cluster}/${r.kid}`);
      }
      return gone.map((r) => r.kid);
    });
  }

  /**
   * Signs `payload` (the exact JWT claims bytes) with the cluster's signing key, header
   * exactly `{alg, kid}`. When the token outlives the key's recorded lifetime bound, the
   * bound is raised (and committed) first, so the key stays published long enough.
   *
   * @example
   * const { token, kid } = await ring.sign('dev', new TextEncoder().encode('{"sub":"x"}'), { lifetimeSeconds: 600 });
   */
  async sign(
    cluster: string,
    payload: Uint8Array,
    opts: { lifetimeSeconds: number },
  ): Promise<SignedToken> {
    let rec = signingRecord(await this.records(this.store, cluster), this.clock());
    if (rec && raiseLifetime(rec, opts.lifetimeSeconds)) {
      rec = await this.store.transaction(async (tx) => {
        const r = signingRecord(await this.records(tx, cluster), this.clock());
        const raised = r && raiseLifetime(r, opts.lifetimeSeconds);
        if (raised) await this.write(tx, [raised]);
        return raised ?? r;
      });
    }
    if (!rec)
      throw new IssuerError('NoSigningKey', `cluster \`${cluster}\` has no key that signs now`);
    const id = `${cluster}/${rec.kid}`;
    let key = this.imported.get(id);
    if (!key) {
      key = importPKCS8(rec.privateKeyPem, rec.alg);
      this.imported.set(id, key);
    }
    const token = await new CompactSign(payload)
      .setProtectedHeader({ alg: rec.alg, kid: rec.kid })
      .sign(await key);
    return { token, kid: rec.kid, alg: rec.alg };
  }
}
