/**
 * The webhook's in-memory view of the cluster (spec/webhook.md §10): ServiceAccounts learnt
 * from one or more sources, the Pod Identity identities, and the ConfigMap entries. Each
 * source owns its own set; when two sources know the same SA, the one registered first
 * wins. Like upstream's informer it keeps only name, namespace, resourceVersion and the
 * annotations under the prefix. Admission may wait a grace period for an SA that is not
 * cached yet (`--service-account-lookup-grace-period`), and only for an absent one.
 */
import type { LookupResult } from './handler.js';
import type { ConfigMapEntry, ServiceAccount } from './types.js';

/** A source's handle on the cache. */
export interface ServiceAccountSink {
  /** replace everything this source knows (a fresh list) */
  replace(serviceAccounts: readonly ServiceAccount[]): void;
  /** one SA added or changed */
  upsert(serviceAccount: ServiceAccount): void;
  /** one SA deleted */
  remove(namespace: string, name: string): void;
}

/** Asks a source to fetch one SA now (a direct GET, an early poll); may do nothing. */
export type FetchServiceAccount = (namespace: string, name: string) => void;

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export interface CacheStats {
  serviceAccounts: number;
  bySource: Record<string, number>;
  podIdentities: number;
  configMapEntries: number;
}

export class ServiceAccountCache {
  private readonly prefix: string;
  private readonly sources: { name: string; items: Map<string, ServiceAccount> }[] = [];
  private readonly waiters = new Map<string, Set<(sa: ServiceAccount) => void>>();
  private readonly fetchers: FetchServiceAccount[] = [];
  private identities = new Set<string>();
  private entries: Readonly<Record<string, ConfigMapEntry>> = {};
  /** set once any SA was cached (the `pod_identity_webhook_used` gauge) */
  used = false;

  /**
   * @example
   * const cache = new ServiceAccountCache('eks.amazonaws.com');
   * cache.source('file').replace(serviceAccounts);
   * await cache.lookup('default', 'app', 100); // { serviceAccount, podIdentity }
   */
  constructor(annotationPrefix: string) {
    this.prefix = `${annotationPrefix}/`;
  }

  /** Registers a source; earlier sources win on conflicts. */
  source(name: string): ServiceAccountSink {
    const entry = { name, items: new Map<string, ServiceAccount>() };
    this.sources.push(entry);
    return {
      replace: (list) => {
        entry.items.clear();
        for (const sa of list) this.put(entry.items, sa);
      },
      upsert: (sa) => this.put(entry.items, sa),
      remove: (namespace, name) => {
        entry.items.delete(key(namespace, name));
      },
    };
  }

  /** Registers something that can fetch a missing SA on demand (grace period). */
  addFetcher(fetch: FetchServiceAccount): void {
    this.fetchers.push(fetch);
  }

  private trim(sa: ServiceAccount): ServiceAccount {
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(sa.metadata.annotations ?? {})) {
      if (k.startsWith(this.prefix) && typeof v === 'string') annotations[k] = v;
    }
    const metadata: ServiceAccount['metadata'] = {
      name: sa.metadata.name,
      namespace: sa.metadata.namespace ?? 'default',
      annotations,
    };
    if (sa.metadata.resourceVersion !== undefined) {
      metadata.resourceVersion = sa.metadata.resourceVersion;
    }
    return { metadata };
  }

  private put(items: Map<string, ServiceAccount>, sa: ServiceAccount): void {
    const trimmed = this.trim(sa);
    const k = key(trimmed.metadata.namespace as string, trimmed.metadata.name);
    items.set(k, trimmed);
    this.used = true;
    const waiting = this.waiters.get(k);
    if (waiting) {
      this.waiters.delete(k);
      for (const resolve of waiting) resolve(trimmed);
    }
  }

  /** The cached SA, if any source knows it. */
  get(namespace: string, name: string): ServiceAccount | undefined {
    const k = key(namespace, name);
    for (const s of this.sources) {
      const sa = s.items.get(k);
      if (sa) return sa;
    }
    return undefined;
  }

  /** Waits up to `ms` for an SA to arrive; resolves undefined on time-out. */
  waitFor(namespace: string, name: string, ms: number): Promise<ServiceAccount | undefined> {
    const found = this.get(namespace, name);
    if (found || ms <= 0) return Promise.resolve(found);
    const k = key(namespace, name);
    return new Promise((resolve) => {
      let set = this.waiters.get(k);
      if (!set) this.waiters.set(k, (set = new Set()));
      const waiter = (sa: ServiceAccount) => {
        clearTimeout(timer);
        resolve(sa);
      };
      const timer = setTimeout(() => {
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(k) === set) this.waiters.delete(k);
        resolve(undefined);
      }, ms);
      set.add(waiter);
      for (const fetch of this.fetchers) fetch(namespace, name);
    });
  }

  /**
   * What admission needs: the SA (waiting up to `graceMs` when it is absent) and whether
   * the pair is a Pod Identity identity.
   */
  async lookup(namespace: string, name: string, graceMs = 0): Promise<LookupResult> {
    const serviceAccount =
      this.get(namespace, name) ?? (await this.waitFor(namespace, name, graceMs));
    return { serviceAccount, podIdentity: this.isPodIdentity(namespace, name) };
  }

  setPodIdentities(pairs: readonly { namespace: string; serviceAccount: string }[]): void {
    this.identities = new Set(pairs.map((p) => key(p.namespace, p.serviceAccount)));
  }

  isPodIdentity(namespace: string, name: string): boolean {
    return this.identities.has(key(namespace, name));
  }

  setConfigMap(entries: Readonly<Record<string, ConfigMapEntry>>): void {
    this.entries = entries;
  }

  configMap(): Readonly<Record<string, ConfigMapEntry>> {
    return this.entries;
  }

  stats(): CacheStats {
    const bySource: Record<string, number> = {};
    const all = new Set<string>();
    for (const s of this.sources) {
      bySource[s.name] = s.items.size;
      for (const k of s.items.keys()) all.add(k);
    }
    return {
      serviceAccounts: all.size,
      bySource,
      podIdentities: this.identities.size,
      configMapEntries: Object.keys(this.entries).length,
    };
  }

  /** Every cached SA (first source wins), for `/debug/alpha/cache`. */
  dump(): ServiceAccount[] {
    const out = new Map<string, ServiceAccount>();
    for (const s of this.sources) for (const [k, sa] of s.items) if (!out.has(k)) out.set(k, sa);
    return [...out.values()];
  }

  /** Forgets every SA (`/debug/alpha/cache/clear`); sources fill it again as they update. */
  clear(): void {
    for (const s of this.sources) s.items.clear();
  }
}
