/**
 * The embedded store: SQLite in WAL mode through better-sqlite3, one file under the data
 * folder. better-sqlite3 is synchronous; the asynchronous interface serialises transactions
 * with a queue so that an `await` inside one never lets another write slip in. Several
 * processes may open the file together (edge replicas), each with its own connection and the
 * option `shared`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { compareStoreKeys, prefixEnd } from './keys.js';
import {
  type ListOptions,
  type Store,
  StoreError,
  type StoreOps,
  type StoredItem,
} from './types.js';

const SCHEMA_VERSION = 3;
/** how long a read waits for SQLite's own locks (rare in WAL mode), and a writer for the write lock */
const BUSY_TIMEOUT_MS = 5000;
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
/**
 * The change marks (schema 3): each commit of a shared store sets the mark of every collection
 * it wrote to the revision of its last write there, so that another connection, seeing that something was
 * committed (`PRAGMA data_version`), finds which collections with one indexed read — those
 * marked above the revision it knew.
 */
const CHANGES_TABLE = `CREATE TABLE changes (
  collection TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX changes_by_revision ON changes (revision);`;

/** commits made by the stores of this process, so far */
let localCommits = 0;

export interface SqliteStoreOptions {
  /**
   * Other processes use the file too, each through its own connection: every transaction
   * commits at its own end (no group commit, which would hold the write lock for a whole
   * turn), the write lock is waited for without blocking the event loop, and reads take in
   * the other connections' commits. Off, the store assumes it is the file's only user.
   */
  shared?: boolean | undefined;
}

type Row = { value: string; revision: number };

interface Group {
  /** the store revision before the group's first write (restored should the group fail) */
  mark: number;
  /** the change marks it commits: collection → revision of its last write there */
  marks: Map<string, number>;
  committed: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly shared: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private inTransaction = false;
  /**
   * Rows read outside transactions by collection and key, as stored text (parsed afresh for
   * each reader, so no reader can change another's copy), read by transactions too.
   * INVARIANT: a cached row is the latest committed one — this store's writes drop the rows
   * they touch, a rollback drops them all, and when shared, another connection's commit drops
   * the collections it wrote, seen before any read served from here (`sync`).
   */
  private readonly rows = new Map<string, Map<string, Row | null>>();
  /** rows cached since the cache was last emptied (it is emptied whole past a bound) */
  private cachedRows = 0;
  /** the open group of transactions (see `transaction`), committed at the end of the turn */
  private group: Group | undefined;
  /**
   * The store revision: the last one an item was written with. Kept here, read on open, and
   * written to `meta` once per group, as it commits — not with every write. INVARIANT: it is
   * the latest committed revision whenever a group opens — true of a store with one user, and
   * when shared, `sync` reloads it from `meta` as the write lock is taken — so revisions stay
   * unique and increasing across connections. A rolled-back transaction or group takes its
   * revisions back, as SQLite takes back its rows.
   */
  private counter = 0;
  /** writes so far, and the last write to each collection (see `revision(collections)`) */
  private writes = 0;
  private readonly collectionWrites = new Map<string, number>();
  /** the change marks of the running transaction, handed to its group once it succeeds */
  private readonly written = new Map<string, number>();
  /** `localCommits` when this macrotask last checked for other connections' commits; -1: not yet */
  private checkedAt = -1;
  /** `PRAGMA data_version` at the last look: it moves only with other connections' commits */
  private dataVersion: number;
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
    mark: Database.Statement<[string, number]>;
    dataVersion: Database.Statement<[], number>;
    /** the collections marked above a revision, and (collection null) the store revision */
    changedSince: Database.Statement<[number], { collection: string | null; revision: number }>;
  };

  /** Opens (creating if needed) the store at `path`; `:memory:` for a throwaway one. */
  constructor(path: string, opts?: SqliteStoreOptions) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.shared = opts?.shared ?? false;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
      mark: this.db.prepare(
        'INSERT INTO changes (collection, revision) VALUES (?, ?) ON CONFLICT (collection) DO UPDATE SET revision = excluded.revision',
      ),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      // one statement, so one snapshot: no commit falls between the marks and the revision
      changedSince: this.db.prepare(
        'SELECT collection, revision FROM changes WHERE revision > ? UNION ALL SELECT NULL, revision FROM meta',
      ),
    };
    // in this order: a commit in between is seen again (harmlessly), never missed
    this.dataVersion = this.stmts.dataVersion.get() as number;
    this.counter = (this.stmts.revision.get() as { revision: number }).revision;
  }

  /**
   * Brings the schema to SCHEMA_VERSION, under the write lock: processes opening the file
   * together upgrade it once.
   */
  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS meta (schema_version INTEGER NOT NULL, revision INTEGER NOT NULL)',
    );
    if (this.schemaVersion() === SCHEMA_VERSION) return;
    this.db
      .transaction(() => {
        const version = this.schemaVersion();
        if (version === SCHEMA_VERSION) return;
        if (version === undefined) {
          this.db.exec(`${ITEMS_TABLE}\n${CHANGES_TABLE}`);
          this.db
            .prepare('INSERT INTO meta (schema_version, revision) VALUES (?, 0)')
            .run(SCHEMA_VERSION);
          return;
        }
        // schema 1 kept items in a WITHOUT ROWID table: rows of a kilobyte and more (S3 bodies
        // inline, DynamoDB items) made every insert at a random key split pages, ~3x the cost
        if (version < 2)
          this.db.exec(`
            ALTER TABLE items RENAME TO items_v1;
            ${ITEMS_TABLE}
            INSERT INTO items (collection, key, value, revision)
              SELECT collection, key, value, revision FROM items_v1 ORDER BY collection, key;
            DROP TABLE items_v1;
          `);
        // no marks yet: a connection opened later reads the revision, and marks above it are new
        if (version < 3) this.db.exec(CHANGES_TABLE);
        this.db.prepare('UPDATE meta SET schema_version = ?').run(SCHEMA_VERSION);
      })
      .immediate();
  }

  /** The schema of the file, undefined for a new one; refuses one of a newer irsakit. */
  private schemaVersion(): number | undefined {
    const row = this.db.prepare('SELECT schema_version FROM meta').get() as
      { schema_version: number } | undefined;
    if (row && row.schema_version > SCHEMA_VERSION)
      throw new StoreError(
        `the store was written by a newer irsakit (schema ${row.schema_version} > ${SCHEMA_VERSION})`,
      );
    return row?.schema_version;
  }

  private check(): void {
    if (this.closed) throw new StoreError('the store is closed');
  }

  private readonly ops: StoreOps = {
    get: async <T>(collection: string, key: string) => {
      this.check();
      // a cached row is the latest committed one (see `rows`): what a transaction would read
      // too. Only reads outside one fill the cache.
      if (!this.inTransaction) this.sync();
      let row = this.rows.get(collection)?.get(key);
      if (row === undefined) {
        if (!this.inTransaction) this.commitGroup();
        row = this.stmts.get.get(collection, key) ?? null;
        if (!this.inTransaction) this.cache(collection, key, row);
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
      if (!this.inTransaction) {
        this.commitGroup();
        this.sync();
      }
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
      this.wrote(collection, key, revision);
      return revision;
    },
    delete: async (collection: string, key: string) => {
      this.check();
      if (this.stmts.del.run(collection, key).changes === 0) return false;
      this.wrote(collection, key, ++this.counter);
      return true;
    },
  };

  /** Keeps a committed row read outside a transaction. */
  private cache(collection: string, key: string, row: Row | null): void {
    if (this.cachedRows >= 10_000) this.forgetRows();
    let byKey = this.rows.get(collection);
    if (!byKey) this.rows.set(collection, (byKey = new Map()));
    byKey.set(key, row);
    this.cachedRows++;
  }

  private forgetRows(): void {
    this.rows.clear();
    this.cachedRows = 0;
  }

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
   *
   * Shared, a group is one transaction, committed at its end: the group commit would hold the
   * write lock, and so stall every other process's writes, for the rest of the turn.
   */
  async transaction<R>(fn: (tx: StoreOps) => Promise<R>): Promise<R> {
    const done = await this.enqueue(async () => {
      this.check();
      const group = this.group ?? (await this.openGroup());
      this.db.exec('SAVEPOINT tx');
      const mark = this.counter;
      this.inTransaction = true;
      try {
        const result = await fn(this.ops);
        this.db.exec('RELEASE tx');
        for (const [collection, revision] of this.written) group.marks.set(collection, revision);
        return { result, group };
      } catch (e) {
        this.db.exec('ROLLBACK TO tx');
        this.db.exec('RELEASE tx');
        this.counter = mark;
        // rows read or written by the failed transaction may be cached wrongly: forget all
        this.forgetRows();
        throw e;
      } finally {
        this.inTransaction = false;
        this.written.clear();
        if (this.shared) this.commitGroup();
      }
    });
    await done.group.committed;
    return done.result;
  }

  /**
   * Takes the write lock and opens a group; shared, it catches up with the other connections'
   * commits first, so that the group's reads see them and its revisions continue from theirs.
   */
  private async openGroup(): Promise<Group> {
    if (!this.beginImmediate()) await this.waitForWriteLock();
    this.sync(true);
    let resolve = () => {};
    let reject: (e: Error) => void = () => {};
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // a group's failure reaches its transactions; nobody else need handle it
    committed.catch(() => undefined);
    const group: Group = { mark: this.counter, marks: new Map(), committed, resolve, reject };
    this.group = group;
    // at the end of this turn, behind the transactions queued by then
    if (!this.shared) setImmediate(() => void this.enqueue(async () => this.commitGroup()));
    return group;
  }

  /**
   * BEGIN IMMEDIATE: the write lock. Shared, without waiting for it (busy_timeout 0 for this
   * statement only: SQLite's busy handler sleeps, blocking the event loop), false when another
   * connection holds it; reads keep the timeout.
   */
  private beginImmediate(): boolean {
    if (!this.shared) {
      this.db.exec('BEGIN IMMEDIATE');
      return true;
    }
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      return true;
    } catch (e) {
      if (e instanceof Database.SqliteError && e.code.startsWith('SQLITE_BUSY')) return false;
      throw e;
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  /**
   * Tries for the write lock again and again, letting the event loop run in between: a few
   * turns first (another process's transaction is mostly that short), then short sleeps.
   */
  private async waitForWriteLock(): Promise<void> {
    const since = Date.now();
    for (let attempt = 1; ; attempt++) {
      await (attempt <= 3 ? nextTurn() : sleep(Math.min(2 ** (attempt - 4), 8)));
      if (this.beginImmediate()) return;
      if (Date.now() - since >= BUSY_TIMEOUT_MS)
        throw new StoreError(
          `the store is locked by another process: no write lock on ${this.db.name} in ${BUSY_TIMEOUT_MS / 1000} s`,
        );
    }
  }

  /** Commits the open group, if any (never while a transaction is running: callers are queued). */
  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      if (this.counter !== group.mark) this.stmts.setRevision.run(this.counter);
      for (const [collection, revision] of group.marks) this.stmts.mark.run(collection, revision);
      this.db.exec('COMMIT');
      localCommits++;
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // SQLite rolled it back itself
      }
      this.forgetRows();
      this.counter = group.mark;
      group.reject(new StoreError(`the store could not commit: ${(e as Error).message}`));
      return;
    }
    group.resolve();
  }

  /**
   * A write to `collection` at `revision` (committed or not: a rolled-back one only costs a
   * cache a reload). Counted in memory, never reused. Shared, it is marked in `changes` as the
   * transaction commits; a store with the file to itself marks nothing (two more pages per
   * commit, ~10 µs, for no reader: a connection opened later starts from `meta`'s revision).
   */
  private wrote(collection: string, key: string, revision: number): void {
    this.rows.get(collection)?.delete(key);
    this.collectionWrites.set(collection, ++this.writes);
    if (this.shared) this.written.set(collection, revision);
  }

  /**
   * Takes in the other connections' commits (shared only): the store revision, and for each
   * collection they wrote, its cached rows dropped and its count in `collectionWrites` moved.
   * `PRAGMA data_version` costs a read transaction (~2 µs on a file), hence never when the store
   * has the file to itself, and once per macrotask — an I/O or timer
   * callback and the promise chains it starts — unless `force`d (the write lock just taken):
   * a request that another process's answer came before arrives in a later callback than that
   * commit, so its first check sees it; a commit by another store of this process (tests run
   * two) makes the next read check again.
   */
  private sync(force = false): void {
    if (!this.shared) return;
    if (!force && this.checkedAt === localCommits) return;
    if (this.checkedAt === -1)
      process.nextTick(() => {
        this.checkedAt = -1;
      });
    this.checkedAt = localCommits;
    const version = this.stmts.dataVersion.get() as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    for (const { collection, revision } of this.stmts.changedSince.all(this.counter)) {
      if (collection === null) {
        this.counter = revision;
      } else {
        this.rows.delete(collection);
        this.collectionWrites.set(collection, ++this.writes);
      }
    }
  }

  revision(collections?: readonly string[]): Promise<number> {
    return this.enqueue(async () => {
      this.check();
      if (collections) {
        this.sync();
        let latest = 0;
        for (const c of collections) latest = Math.max(latest, this.collectionWrites.get(c) ?? 0);
        return latest;
      }
      // queued behind every earlier write, so a write in flight is committed (or rolled back)
      this.commitGroup();
      this.sync();
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
export function openSqliteStore(dataDir: string, opts?: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(`${dataDir}/irsakit.db`, opts);
}
