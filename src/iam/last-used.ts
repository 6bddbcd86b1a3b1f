/**
 * When a role or an access key was last used (GetRole's `RoleLastUsed`,
 * GetAccessKeyLastUsed): "the last time that the role was used to make an AWS request", and an
 * access key's date, service and Region of its last request. Every authenticated request notes
 * its caller here; the notes are kept in memory and written to the store a few seconds later,
 * a whole batch in one transaction — a request does not pay for a write, and AWS itself reports
 * this with a delay. Reads merge what is not yet written, so the answer is current at once.
 *
 * Stored apart from the IAM entities (collection `iam-last-used`, not one of
 * `IAM_COLLECTIONS`), so that use does not invalidate what is cached of IAM. Roles are keyed by
 * their unique id: a role deleted and created again under the same name starts unused, as in AWS.
 */
import type { Clock } from '../common/clock.js';
import type { Store } from '../store/types.js';
import { isoSeconds } from '../common/times.js';

export const LAST_USED_COLLECTION = 'iam-last-used';

/** A role's last use: when, and the Region of the request. */
export interface RoleLastUse {
  date: string;
  region: string;
}

/** An access key's last use: when, the service (its signing name) and the Region. */
export interface KeyLastUse {
  date: string;
  service: string;
  region: string;
}

type Use = RoleLastUse | KeyLastUse;
/** a use as noted: its time as a number (formatted when written or read, not per request) */
interface Noted {
  at: number;
  region: string;
  service?: string | undefined;
}

function useOf(n: Noted): Use {
  const date = isoSeconds(new Date(n.at));
  return n.service === undefined
    ? { date, region: n.region }
    : { date, service: n.service, region: n.region };
}

const roleKey = (account: string, roleId: string) => `${account}/role/${roleId}`;
const accessKeyKey = (account: string, keyId: string) => `${account}/key/${keyId}`;

/** What IAM's operations read. */
export interface LastUsedReader {
  role(account: string, roleId: string): Promise<RoleLastUse | undefined>;
  accessKey(account: string, accessKeyId: string): Promise<KeyLastUse | undefined>;
}

export interface LastUsedTrackerOptions {
  store: Store;
  clock: Clock;
  /** how long a note waits before it is written (default 5 s) */
  flushMs?: number;
  /** told when a batch could not be written (the notes are kept for the next try) */
  onError?: (e: unknown) => void;
}

/**
 * Notes uses and writes them in batches.
 *
 * @example
 * const usage = new LastUsedTracker({ store, clock });
 * usage.noteRole('123456789012', 'AROA…', 'us-east-1');
 * await usage.role('123456789012', 'AROA…') // → { date: '2026-…Z', region: 'us-east-1' }
 * await usage.close();
 */
export class LastUsedTracker implements LastUsedReader {
  readonly #pending = new Map<string, Noted>();
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #flushMs: number;
  readonly #onError: (e: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(o: LastUsedTrackerOptions) {
    this.#store = o.store;
    this.#clock = o.clock;
    this.#flushMs = o.flushMs ?? 5000;
    this.#onError = o.onError ?? (() => undefined);
  }

  /** A request signed with a session of the role `roleId`, in `region`. */
  noteRole(account: string, roleId: string, region: string): void {
    this.#note(roleKey(account, roleId), { at: this.#clock().getTime(), region });
  }

  /** A request signed with the access key `accessKeyId`, to `service`, in `region`. */
  noteAccessKey(account: string, accessKeyId: string, service: string, region: string): void {
    this.#note(accessKeyKey(account, accessKeyId), {
      at: this.#clock().getTime(),
      service,
      region,
    });
  }

  #note(key: string, use: Noted): void {
    if (this.#closed) return;
    this.#pending.set(key, use);
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushMs);
      this.#timer.unref();
    }
  }

  role(account: string, roleId: string): Promise<RoleLastUse | undefined> {
    return this.#read<RoleLastUse>(roleKey(account, roleId));
  }

  accessKey(account: string, accessKeyId: string): Promise<KeyLastUse | undefined> {
    return this.#read<KeyLastUse>(accessKeyKey(account, accessKeyId));
  }

  async #read<T extends Use>(key: string): Promise<T | undefined> {
    const pending = this.#pending.get(key);
    const stored = (await this.#store.get<T>(LAST_USED_COLLECTION, key))?.value;
    // another process (edge replicas) may have written a later use than this one's note
    if (pending && !(stored && Date.parse(stored.date) > pending.at)) return useOf(pending) as T;
    return stored;
  }

  /** Writes what is noted (one transaction); a failed batch stays noted for the next flush. */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        if (this.#pending.size === 0) return;
        const batch = [...this.#pending];
        await this.#store.transaction(async (tx) => {
          for (const [key, use] of batch) {
            // a later use another process (edge replicas) wrote meanwhile stays
            const stored = (await tx.get<Use>(LAST_USED_COLLECTION, key))?.value;
            if (stored && Date.parse(stored.date) > use.at) continue;
            await tx.put(LAST_USED_COLLECTION, key, useOf(use));
          }
        });
        // a use noted while the batch was written is newer: keep it for the next flush
        for (const [key, use] of batch)
          if (this.#pending.get(key) === use) this.#pending.delete(key);
      } catch (e) {
        this.#onError(e);
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  /** Stops the timer and writes what is left (before the store closes). */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    await this.flush();
    this.#closed = true;
  }
}
