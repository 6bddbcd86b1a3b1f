/**
 * The persistence interface every component uses (DESIGN.md "Storage and scale"): named
 * collections of JSON documents by key, transactions, and a store-wide revision that grows
 * with every write (like a Kubernetes resourceVersion), so readers can tell whether anything
 * changed. Asynchronous, so that SQLite (embedded) and PostgreSQL (shared) fit behind it.
 */

export interface StoredItem<T> {
  key: string;
  value: T;
  /** the store revision at which this item was last written */
  revision: number;
}

export interface ListOptions {
  /** only keys that start with it */
  prefix?: string | undefined;
  /** only keys at or after it (`k + '\u0000'` starts right after `k`) */
  from?: string | undefined;
  /** at most this many items (a page: the caller goes on from past the last one) */
  limit?: number | undefined;
}

/** Reads and writes; inside a transaction, all of them commit or none does. */
export interface StoreOps {
  get<T>(collection: string, key: string): Promise<StoredItem<T> | undefined>;
  /** items in key order (by code point); see `ListOptions` */
  list<T>(collection: string, opts?: ListOptions): Promise<StoredItem<T>[]>;
  /** writes the item; returns its new revision */
  put<T>(collection: string, key: string, value: T): Promise<number>;
  /** true when the item existed */
  delete(collection: string, key: string): Promise<boolean>;
}

export interface Store extends StoreOps {
  /**
   * Runs `fn` in one transaction: every write inside commits together, or, if `fn` throws,
   * none does and the error propagates. Transactions never interleave.
   */
  transaction<R>(fn: (tx: StoreOps) => Promise<R>): Promise<R>;
  /**
   * The revision of the latest committed write (0 for an empty store), whoever committed it:
   * when several processes share the store, revisions stay unique and increasing across them.
   * With `collections`: a number that changes whenever one of them is written, by this store
   * or another process's, and only then — what a cache of those collections keys on, so that
   * writes elsewhere (objects, queue messages) leave it be. Comparable for equality only, and
   * only within one open store.
   */
  revision(collections?: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/** A programming error or a broken store, never a user mistake. */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}

/**
 * The store cannot be reached, or is too busy, for now (a database server down, restarting or
 * out of connections; a lock not had in time): nothing was changed, and the same call may
 * succeed later.
 */
export class StoreUnavailable extends StoreError {
  override readonly name = 'StoreUnavailable';
}
