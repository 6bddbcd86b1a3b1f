/**
 * The embedded store: SQLite in WAL mode through better-sqlite3, one file under the data
 * folder. better-sqlite3 is synchronous; the asynchronous interface serialises transactions
 * with a queue so that an `await` inside one never lets another write slip in.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { compareStoreKeys, prefixEnd } from './keys.js';
import {
  type ListOptions,
  type Store,
  StoreError,
  type StoreOps,
  type StoredItem,
} from './types.js';

const SCHEMA_VERSION = 2;
/**
 * Items by collection and key, in a rowid table with the key as a unique index: values are
 * often a kilobyte or more, which a WITHOUT ROWID table (rows in the key's B-tree) pays for
 * with page splits on every insert at a random key.
 */
const ITEMS_TABLE = `CREATE TABLE items (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  revision INTEGER NOT NULL,
  PRIMARY KEY (collection, key)
);`;

interface Group {
  /** the store revision before the group's first write (restored should the group fail) */
  mark: number;
  committed: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private inTransaction = false;
  /**
   * Rows read outside transactions, as stored text (parsed afresh for each reader, so no
   * reader can change another's copy), read by transactions too. INVARIANT: this process is
   * the store's only writer (every command goes through the server), every write drops the row
   * it touches, and a rollback drops them all.
   */
  private readonly rows = new Map<string, { value: string; revision: number } | null>();
  /** the open group of transactions (see `transaction`), committed at the end of the turn */
  private group: Group | undefined;
  /**
   * The store revision: the last one an item was written with. Kept here, read once on open
   * (same INVARIANT as `rows`), and written to `meta` once per group, as it commits — not with
   * every write. A rolled-back transaction or group takes its revisions back, as SQLite
   * takes back its rows.
   */
  private counter = 0;
  /** writes so far, and the last write to each collection (see `revision(collections)`) */
  private writes = 0;
  private readonly collectionWrites = new Map<string, number>();
  private readonly stmts: {
    get: Database.Statement<[string, string], { value: string; revision: number }>;
    list: Database.Statement<
      [string, string, number],
      { key: string; value: string; revision: number }
    >;
    listPrefix: Database.Statement<
      [string, string, string, number],
      { key: string; value: string; revision: number }
    >;
    put: Database.Statement<[string, string, string, number]>;
    del: Database.Statement<[string, string]>;
    setRevision: Database.Statement<[number]>;
    revision: Database.Statement<[], { revision: number }>;
  };

  /** Opens (creating if needed) the store at `path`; `:memory:` for a throwaway one. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmts = {
      get: this.db.prepare('SELECT value, revision FROM items WHERE collection = ? AND key = ?'),
      // LIMIT -1: no limit
      list: this.db.prepare(
        'SELECT key, value, revision FROM items WHERE collection = ? AND key >= ? ORDER BY key LIMIT ?',
      ),
      listPrefix: this.db.prepare(
        'SELECT key, value, revision FROM items WHERE collection = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      put: this.db.prepare(
        'INSERT INTO items (collection, key, value, revision) VALUES (?, ?, ?, ?) ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, revision = excluded.revision',
      ),
      del: this.db.prepare('DELETE FROM items WHERE collection = ? AND key = ?'),
      setRevision: this.db.prepare('UPDATE meta SET revision = ?'),
      revision: this.db.prepare('SELECT revision FROM meta'),
    };
    this.counter = (this.stmts.revision.get() as { revision: number }).revision;
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS meta (schema_version INTEGER NOT NULL, revision INTEGER NOT NULL)',
    );
    const row = this.db.prepare('SELECT schema_version FROM meta').get() as
      { schema_version: number } | undefined;
    if (row && row.schema_version > SCHEMA_VERSION)
      throw new StoreError(
        `the store was written by a newer irsakit (schema ${row.schema_version} > ${SCHEMA_VERSION})`,
      );
    if (row?.schema_version === SCHEMA_VERSION) return;
    this.db.transaction(() => {
      if (!row) {
        this.db.exec(ITEMS_TABLE);
        this.db
          .prepare('INSERT INTO meta (schema_version, revision) VALUES (?, 0)')
          .run(SCHEMA_VERSION);
        return;
      }
      // schema 1 kept items in a WITHOUT ROWID table: rows of a kilobyte and more (S3 bodies
      // inline, DynamoDB items) made every insert at a random key split pages, ~3x the cost
      this.db.exec(`
        ALTER TABLE items RENAME TO items_v1;
        ${ITEMS_TABLE}
        INSERT INTO items (collection, key, value, revision)
          SELECT collection, key, value, revision FROM items_v1 ORDER BY collection, key;
        DROP TABLE items_v1;
      `);
      this.db.prepare('UPDATE meta SET schema_version = ?').run(SCHEMA_VERSION);
    })();
  }

  private check(): void {
    if (this.closed) throw new StoreError('the store is closed');
  }

  private readonly ops: StoreOps = {
    get: async <T>(collection: string, key: string) => {
      this.check();
      const id = `${collection}\u0000${key}`;
      // a cached row is committed and untouched since (a write drops it, a rollback drops
      // them all): what a transaction would read too. Only reads outside one fill the cache.
      let row = this.rows.get(id);
      if (row === undefined) {
        if (!this.inTransaction) this.commitGroup();
        row = this.stmts.get.get(collection, key) ?? null;
        if (!this.inTransaction) {
          if (this.rows.size >= 10_000) this.rows.clear();
          this.rows.set(id, row);
        }
      }
      return row ? { key, value: JSON.parse(row.value) as T, revision: row.revision } : undefined;
    },
    list: async <T>(collection: string, opts?: ListOptions) => {
      this.check();
      const prefix = opts?.prefix ?? '';
      // the later of the two, in the store's order (UTF-8 bytes, i.e. code points)
      const from =
        opts?.from !== undefined && compareStoreKeys(opts.from, prefix) > 0 ? opts.from : prefix;
      const limit = opts?.limit ?? -1;
      if (limit !== -1 && !(Number.isInteger(limit) && limit >= 0))
        throw new StoreError(`list limit must be a whole number, not ${limit}`);
      if (!this.inTransaction) this.commitGroup();
      const rows = prefix
        ? this.stmts.listPrefix.all(collection, from, prefixEnd(prefix), limit)
        : this.stmts.list.all(collection, from, limit);
      return rows.map((r): StoredItem<T> => ({
        key: r.key,
        value: JSON.parse(r.value) as T,
        revision: r.revision,
      }));
    },
    put: async <T>(collection: string, key: string, value: T) => {
      this.check();
      const text = JSON.stringify(value);
      if (text === undefined)
        throw new StoreError(`cannot store undefined at ${collection}/${key}`);
      const revision = ++this.counter;
      this.stmts.put.run(collection, key, text, revision);
      this.rows.delete(`${collection}\u0000${key}`);
      this.wrote(collection);
      return revision;
    },
    delete: async (collection: string, key: string) => {
      this.check();
      const r = this.stmts.del.run(collection, key);
      this.rows.delete(`${collection}\u0000${key}`);
      this.wrote(collection);
      if (r.changes > 0) ++this.counter;
      return r.changes > 0;
    },
  };

  /** Runs `fn` after every earlier queued operation. */
  private enqueue<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get<T>(collection: string, key: string) {
    return this.enqueue(() => this.ops.get<T>(collection, key));
  }
  list<T>(collection: string, opts?: ListOptions) {
    return this.enqueue(() => this.ops.list<T>(collection, opts));
  }
  put<T>(collection: string, key: string, value: T) {
    return this.transaction((tx) => tx.put(collection, key, value));
  }
  delete(collection: string, key: string) {
    return this.transaction((tx) => tx.delete(collection, key));
  }

  /**
   * Group commit: the transactions of one turn of the event loop share one SQLite transaction,
   * each in a savepoint of its own (released when it succeeds, rolled back alone when it
   * throws), committed once at the end of the turn — and only then does any of them resolve.
   * A commit costs about as much as the writes of a small transaction (the WAL frames, the
   * locks), so a turn of several writes pays it once. Reads never see an uncommitted group: a
   * read that goes to SQLite commits the open group first, and the read cache holds committed
   * rows only (a write drops the row it touches). Should the commit fail, every transaction of
   * the group fails with it and nothing of it stays.
   */
  async transaction<R>(fn: (tx: StoreOps) => Promise<R>): Promise<R> {
    const done = await this.enqueue(async () => {
      this.check();
      const group = this.group ?? this.openGroup();
      this.db.exec('SAVEPOINT tx');
      const mark = this.counter;
      this.inTransaction = true;
      try {
        const result = await fn(this.ops);
        this.db.exec('RELEASE tx');
        return { result, group };
      } catch (e) {
        this.db.exec('ROLLBACK TO tx');
        this.db.exec('RELEASE tx');
        this.counter = mark;
        // rows read or written by the failed transaction may be cached wrongly: forget all
        this.rows.clear();
        throw e;
      } finally {
        this.inTransaction = false;
      }
    });
    await done.group.committed;
    return done.result;
  }

  private openGroup(): Group {
    this.db.exec('BEGIN IMMEDIATE');
    let resolve = () => {};
    let reject: (e: Error) => void = () => {};
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // a group's failure reaches its transactions; nobody else need handle it
    committed.catch(() => undefined);
    const group: Group = { mark: this.counter, committed, resolve, reject };
    this.group = group;
    // at the end of this turn, behind the transactions queued by then
    setImmediate(() => void this.enqueue(async () => this.commitGroup()));
    return group;
  }

  /** Commits the open group, if any (never while a transaction is running: callers are queued). */
  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      if (this.counter !== group.mark) this.stmts.setRevision.run(this.counter);
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // SQLite rolled it back itself
      }
      this.rows.clear();
      this.counter = group.mark;
      group.reject(new StoreError(`the store could not commit: ${(e as Error).message}`));
      return;
    }
    group.resolve();
  }

  /**
   * A write to `collection` (committed or not: a rolled-back one only costs a cache a reload).
   * Counted in memory, never reused: the store has one writer, this process (INVARIANT above).
   */
  private wrote(collection: string): void {
    this.collectionWrites.set(collection, ++this.writes);
  }

  revision(collections?: readonly string[]): Promise<number> {
    return this.enqueue(async () => {
      this.check();
      if (collections) {
        let latest = 0;
        for (const c of collections) latest = Math.max(latest, this.collectionWrites.get(c) ?? 0);
        return latest;
      }
      // queued behind every earlier write, so a write in flight is committed (or rolled back)
      this.commitGroup();
      return this.counter;
    });
  }

  close(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      this.commitGroup();
      this.closed = true;
      this.db.close();
    });
  }
}

/** Opens the embedded store of a data folder. */
export function openSqliteStore(dataDir: string): SqliteStore {
  return new SqliteStore(`${dataDir}/irsakit.db`);
}
