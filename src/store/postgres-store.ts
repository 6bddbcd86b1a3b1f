/**
 * The shared store: PostgreSQL through node-postgres (`pg`), for `irsa up --store
 * postgres://…` (DESIGN.md "Storage and scale"). Several processes, on this machine or others,
 * may open the same database together: each transaction locks the store's one meta row
 * (`SELECT … FOR UPDATE`) before anything else, so transactions never interleave across them
 * either, and the store revision stays unique and increasing. Reads outside a transaction see
 * what is committed (READ COMMITTED), several at once on a pool of connections. Nothing is
 * cached: every read is a query.
 *
 * Tables live in a schema of their own (`?schema=` in the URL, default `irsakit`): `meta`
 * (schema version, revision, the data folder that owns the schema), `items` (collection, key,
 * JSON text, revision) and `changes` (the revision of each collection's latest write, what
 * `revision(collections)` reads). Keys and values are text, not jsonb: a document keeps its
 * members' order, as SQLite keeps it. Keys compare as bytes (`COLLATE "C"` on a UTF-8
 * database: code point order, as `compareStoreKeys`). A key may be longer than a B-tree entry
 * can hold (~2.7 KB; DynamoDB keys reach 3 KB, hex-encoded twice that), so items are unique by
 * a SHA-256 of their key and ordered through an index on the key's first 256 characters, then
 * the key. PostgreSQL text cannot hold U+0000, so keys and collection names are stored in an
 * order-keeping escape of U+0000 and U+0001 (`storedKey`).
 *
 * Unlike SQLite, a statement PostgreSQL refuses inside a transaction aborts the transaction:
 * a caller that catches the error and goes on gets it failed at its end, whole (nothing of it
 * kept). The store keeps data errors from reaching PostgreSQL (key length, U+0000), so what
 * remains is the server failing, where failing the whole transaction is right.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { compareStoreKeys, prefixEnd } from './keys.js';
import { isPostgresUrl, redactStoreUrl } from './store-url.js';
import {
  type ListOptions,
  type Store,
  StoreError,
  type StoreOps,
  type StoredItem,
  StoreUnavailable,
} from './types.js';

const SCHEMA_VERSION = 1;
const DEFAULT_SCHEMA = 'irsakit';
/** how long a connection attempt may take */
const CONNECT_TIMEOUT_MS = 5_000;
/** how long a transaction waits for another's lock */
const LOCK_TIMEOUT = '15s';
/** how long one statement may go unanswered (a server that stopped answering) */
const QUERY_TIMEOUT_MS = 20_000;
/** the characters of a key its ordering index holds (4 bytes each at most: within a B-tree entry) */
const KEY_PREFIX_CHARS = 256;
/** connections reading at once, outside transactions */
const READERS = 8;

export interface PostgresStoreOptions {
  /** the schema of the tables (else the URL's `?schema=`, else `irsakit`) */
  schema?: string | undefined;
  /**
   * the data folder that uses the schema (an id kept in it): a schema made for one is refused
   * to another, whose S3 bodies and audit trail would not be there
   */
  owner?: string | undefined;
  /** how long a connection attempt may take (default 5 s) */
  connectTimeoutMs?: number | undefined;
  /** how long one statement may go unanswered (default 20 s) */
  queryTimeoutMs?: number | undefined;
}

/**
 * A key as stored: U+0000 → U+0001 U+0001 and U+0001 → U+0001 U+0002, every other character
 * as it is. A prefix code applied character by character, so it keeps the order of keys (and
 * what starts with what) under byte comparison.
 *
 * @example
 * storedKey('a\u0000b') // → 'a\u0001\u0001b'
 */
export function storedKey(key: string): string {
  return /[\u0000\u0001]/.test(key)
    ? key.replace(/[\u0000\u0001]/g, (c) => (c === '\u0000' ? '\u0001\u0001' : '\u0001\u0002'))
    : key;
}

/** What items are unique by: the SHA-256 of a stored key's (`storedKey`) UTF-8 bytes. */
function keyHash(stored: string): Buffer {
  return createHash('sha256').update(stored, 'utf8').digest();
}

/** The key a stored key stands for (`storedKey` undone). */
export function keyOfStored(stored: string): string {
  return stored.includes('\u0001')
    ? stored.replace(/\u0001([\u0001\u0002])/g, (_m, c: string) =>
        c === '\u0001' ? '\u0000' : '\u0001',
      )
    : stored;
}

/**
 * SQLSTATEs that say the server is not there for now, not that the statement is wrong:
 * connection exceptions (08), operator intervention — shutdown, restart, terminated (57P0x),
 * too many connections (53300), a lock not had in time (55P03).
 */
function transient(e: unknown): boolean {
  if (!(e instanceof pg.DatabaseError)) return true;
  const code = e.code ?? '';
  return code.startsWith('08') || code.startsWith('57P0') || code === '53300' || code === '55P03';
}

function storeError(what: string, e: unknown): StoreError {
  const message = e instanceof Error ? e.message : String(e);
  return transient(e)
    ? new StoreUnavailable(`${what}: ${message}`, { cause: e })
    : new StoreError(`${what}: ${message}`, { cause: e });
}

interface Row {
  key: string;
  value: string;
  revision: string;
}

/** Runs one statement somewhere: on the writer's transaction, or on a reader of the pool. */
type Run = <T extends pg.QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<pg.QueryResult<T>>;

/** The open transaction: its connection, its revision counter, the collections it wrote. */
interface Tx {
  client: pg.Client;
  counter: number;
  written: Set<string>;
}

/**
 * A store on a PostgreSQL database. Open with `openPostgresStore`, which makes the tables.
 *
 * Transactions run one after the other on the writer connection. Reads outside a transaction
 * run on a pool of connections, several at once, each after every write asked for before it
 * (a read never misses a write its caller started first) — not after earlier reads.
 */
export class PostgresStore implements Store {
  private readonly config: pg.ClientConfig;
  private readonly schema: string;
  private readonly owner: string | undefined;
  /** the writer: transactions, one at a time */
  private writer: pg.Client | undefined;
  private readonly broken = new WeakSet<pg.Client>();
  private readonly readers: pg.Pool;
  /** the transactions, chained: each starts when the one before has ended */
  private writes: Promise<unknown> = Promise.resolve();
  /** reads under way (close waits for them) */
  private readonly reading = new Set<Promise<unknown>>();
  /** close() was called: what is asked from then on is refused (what was asked before runs) */
  private closing = false;
  private closed = false;
  /**
   * Per collection, how many transactions that wrote it rolled back here: `revision(collections)`
   * moves with those too (what a cache keyed on it may have seen inside one is gone).
   */
  private readonly rolledBack = new Map<string, number>();
  /**
   * Failed connection attempts, counted, and the last one's error: a call asked before an
   * attempt failed fails with it at once instead of waiting for one more (a server that does
   * not answer would otherwise cost every queued call a connect timeout in turn); a call asked
   * after it tries again.
   */
  private failures = 0;
  private lastFailure: { n: number; error: StoreError } | undefined;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StoreError(`not a PostgreSQL URL: ${redactStoreUrl(url)}`);
    }
    if (!isPostgresUrl(url)) throw new StoreError(`not a PostgreSQL URL: ${redactStoreUrl(url)}`);
    const schema = opts.schema ?? parsed.searchParams.get('schema') ?? DEFAULT_SCHEMA;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema))
      throw new StoreError(
        `the schema must be 1–63 letters, digits and underscores, not starting with a digit: ${JSON.stringify(schema)}`,
      );
    parsed.searchParams.delete('schema');
    this.schema = `"${schema}"`;
    this.owner = opts.owner;
    this.config = {
      connectionString: parsed.toString(),
      connectionTimeoutMillis: opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      query_timeout: opts.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'irsakit',
    };
    this.readers = new pg.Pool({ ...this.config, max: READERS, idleTimeoutMillis: 30_000 });
    // an idle reader whose connection breaks leaves the pool; the next read makes a new one
    this.readers.on('error', () => undefined);
  }

  /** The failure that answers a call asked when `asked` attempts had failed, if any. */
  private failedSince(asked: number): StoreError | undefined {
    const f = this.lastFailure;
    return f && f.n > asked ? f.error : undefined;
  }

  private failed(error: StoreError): StoreError {
    this.lastFailure = { n: ++this.failures, error };
    return error;
  }

  private t(name: 'meta' | 'items' | 'changes'): string {
    return `${this.schema}.${name}`;
  }

  /** The writer connection, made (again) when there is none or the last one broke. */
  private async writerConnection(asked: number): Promise<pg.Client> {
    if (this.writer) return this.writer;
    const failed = this.failedSince(asked);
    if (failed) throw failed;
    const client = new pg.Client(this.config);
    // a connection that breaks (the server restarted, the network went) is dropped; the next
    // transaction makes a new one
    client.on('error', () => this.drop(client));
    try {
      await client.connect();
      await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw this.failed(storeError('cannot connect to PostgreSQL', e));
    }
    this.writer = client;
    return client;
  }

  private drop(client: pg.Client): void {
    this.broken.add(client);
    if (this.writer === client) this.writer = undefined;
    void client.end().catch(() => undefined);
  }

  /**
   * The statements of a transaction: on its connection only (one that broke fails the
   * transaction; it never goes on in autocommit on another).
   */
  private onTx(tx: Tx): Run {
    // one statement at a time, in the order asked (a transaction's calls may overlap)
    let last: Promise<unknown> = Promise.resolve();
    return <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
      const run = async () => {
        if (this.broken.has(tx.client))
          throw new StoreUnavailable('PostgreSQL: the connection broke during the transaction');
        try {
          return await tx.client.query<T>(text, values);
        } catch (e) {
          // a statement the server refused leaves the connection usable; one that got no
          // answer (or too late: query_timeout) does not
          if (!(e instanceof pg.DatabaseError)) this.drop(tx.client);
          throw storeError('PostgreSQL', e);
        }
      };
      const next = last.then(run, run);
      last = next.catch(() => undefined);
      return next;
    };
  }

  /** Reads on the pool's connections, for a call asked when `asked` attempts had failed. */
  private onPool(asked: number): Run {
    return async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
      const failed = this.failedSince(asked);
      if (failed) throw failed;
      try {
        return await this.readers.query<T>(text, values);
      } catch (e) {
        // refused, or answered too late (query_timeout): the server is there
        if (
          e instanceof pg.DatabaseError ||
          (e instanceof Error && /Query read timeout/.test(e.message))
        )
          throw storeError('PostgreSQL', e);
        throw this.failed(storeError('cannot reach PostgreSQL', e));
      }
    };
  }

  /** Makes the schema and tables if they are not there; refuses a newer irsakit's. */
  async init(): Promise<void> {
    await this.afterWrites(async () => {
      const client = await this.writerConnection(this.failures);
      const run = this.onTx({ client, counter: 0, written: new Set() });
      const lock = `irsakit store ${this.schema.slice(1, -1)}`;
      // two processes starting at once: one makes the tables, the other waits for it
      await run('SELECT pg_advisory_lock(hashtext($1))', [lock]);
      try {
        await run(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        // keys compare as UTF-8 bytes only in a UTF-8 database, and text outside another
        // encoding's repertoire could not be stored at all
        const encoding = await run<{ server_encoding: string }>('SHOW server_encoding');
        const enc = encoding.rows[0]?.server_encoding ?? '';
        if (enc.toUpperCase() !== 'UTF8')
          throw new StoreError(
            `the database's encoding is ${enc}, not UTF8: irsakit needs a UTF8 database (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)`,
          );
        await run(`CREATE TABLE IF NOT EXISTS ${this.t('meta')} (
          id integer PRIMARY KEY CHECK (id = 1),
          schema_version integer NOT NULL,
          revision bigint NOT NULL,
          owner text)`);
        await run(`CREATE TABLE IF NOT EXISTS ${this.t('items')} (
          collection text COLLATE "C" NOT NULL,
          key text COLLATE "C" NOT NULL,
          value text NOT NULL,
          revision bigint NOT NULL,
          key_hash bytea NOT NULL,
          key_prefix text COLLATE "C" GENERATED ALWAYS AS (left(key, ${KEY_PREFIX_CHARS})) STORED,
          PRIMARY KEY (collection, key_hash))`);
        await run(
          `CREATE INDEX IF NOT EXISTS items_in_order ON ${this.t('items')} (collection, key_prefix)`,
        );
        await run(`CREATE TABLE IF NOT EXISTS ${this.t('changes')} (
          collection text COLLATE "C" PRIMARY KEY,
          revision bigint NOT NULL)`);
        await run(
          `INSERT INTO ${this.t('meta')} VALUES (1, $1, 0, $2) ON CONFLICT (id) DO NOTHING`,
          [SCHEMA_VERSION, this.owner ?? null],
        );
        const { rows } = await run<{ schema_version: number; owner: string | null }>(
          `SELECT schema_version, owner FROM ${this.t('meta')} WHERE id = 1`,
        );
        const version = rows[0]?.schema_version ?? 0;
        if (version > SCHEMA_VERSION)
          throw new StoreError(
            `the store was written by a newer irsakit (schema ${version} > ${SCHEMA_VERSION})`,
          );
        const owner = rows[0]?.owner ?? null;
        if (this.owner !== undefined && owner !== null && owner !== this.owner)
          throw new StoreError(
            `the schema ${this.schema} belongs to another data folder (its S3 object bodies and audit trail are there): start irsakit with that --data, or give this one a schema of its own (?schema=…)`,
          );
        if (this.owner !== undefined && owner === null)
          await run(`UPDATE ${this.t('meta')} SET owner = $1 WHERE id = 1`, [this.owner]);
      } finally {
        await run('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
      }
    });
  }

  private check(): void {
    if (this.closed) throw new StoreError('the store is closed');
  }

  /** A refusal for what is asked once close() was called. */
  private refused(): Promise<never> | undefined {
    return this.closing ? Promise.reject(new StoreError('the store is closed')) : undefined;
  }

  /** get, list, put and delete over `run`; writes only inside `tx`. */
  private opsOver(run: Run, tx: Tx | undefined): StoreOps {
    return {
      get: async <T>(collection: string, key: string): Promise<StoredItem<T> | undefined> => {
        this.check();
        const { rows } = await run<Row>(
          `SELECT value, revision FROM ${this.t('items')}
           WHERE collection = $1 AND key_hash = $2`,
          [storedKey(collection), keyHash(storedKey(key))],
        );
        const row = rows[0];
        return row
          ? { key, value: JSON.parse(row.value) as T, revision: Number(row.revision) }
          : undefined;
      },
      list: async <T>(collection: string, opts?: ListOptions): Promise<StoredItem<T>[]> => {
        this.check();
        const prefix = storedKey(opts?.prefix ?? '');
        const given = opts?.from === undefined ? undefined : storedKey(opts.from);
        // the later of the two, in the store's order
        const from = given !== undefined && compareStoreKeys(given, prefix) > 0 ? given : prefix;
        const limit = opts?.limit ?? -1;
        if (limit !== -1 && !(Number.isInteger(limit) && limit >= 0))
          throw new StoreError(`list limit must be a whole number, not ${limit}`);
        // in key order through the index on the keys' first characters: (prefix, key) sorts
        // as the key does, and the bounds on the key bound its prefix too
        const n = KEY_PREFIX_CHARS;
        const { rows } = await run<Row>(
          `SELECT key, value, revision FROM ${this.t('items')}
           WHERE collection = $1 AND key_prefix >= left($2::text, ${n}) AND key >= $2
           ${prefix ? `AND key_prefix <= left($4::text, ${n}) AND key < $4` : ''}
           ORDER BY key_prefix, key LIMIT $3`,
          [
            storedKey(collection),
            from,
            limit === -1 ? null : limit,
            ...(prefix ? [prefixEnd(prefix)] : []),
          ],
        );
        return rows.map((r) => ({
          key: keyOfStored(r.key),
          value: JSON.parse(r.value) as T,
          revision: Number(r.revision),
        }));
      },
      put: async <T>(collection: string, key: string, value: T): Promise<number> => {
        this.check();
        if (!tx) throw new StoreError('a write outside a transaction');
        const text = JSON.stringify(value);
        if (text === undefined)
          throw new StoreError(`cannot store undefined at ${collection}/${key}`);
        // numbered when asked, so that overlapping writes of one transaction stay in order
        const revision = ++tx.counter;
        const stored = storedKey(key);
        await run(
          `INSERT INTO ${this.t('items')} (collection, key, value, revision, key_hash)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (collection, key_hash) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision`,
          [storedKey(collection), stored, text, revision, keyHash(stored)],
        );
        tx.written.add(collection);
        return revision;
      },
      delete: async (collection: string, key: string): Promise<boolean> => {
        this.check();
        if (!tx) throw new StoreError('a write outside a transaction');
        // (a number a delete of nothing took is left out; revisions stay unique and increasing)
        tx.counter += 1;
        const r = await run(
          `DELETE FROM ${this.t('items')}
           WHERE collection = $1 AND key_hash = $2`,
          [storedKey(collection), keyHash(storedKey(key))],
        );
        if (r.rowCount === 0) return false;
        tx.written.add(collection);
        return true;
      },
    };
  }

  /** Runs `fn` once every transaction asked for before has ended; a transaction itself. */
  private afterWrites<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Runs a read once every transaction asked for before it has ended. */
  private read<R>(fn: (run: Run) => Promise<R>): Promise<R> {
    const refused = this.refused();
    if (refused) return refused;
    const onPool = this.onPool(this.failures);
    const go = () => fn(onPool);
    const run = this.writes.then(go, go);
    this.reading.add(run);
    const forget = () => this.reading.delete(run);
    run.then(forget, forget);
    return run;
  }

  get<T>(collection: string, key: string): Promise<StoredItem<T> | undefined> {
    return this.read((run) => this.opsOver(run, undefined).get<T>(collection, key));
  }

  list<T>(collection: string, opts?: ListOptions): Promise<StoredItem<T>[]> {
    return this.read((run) => this.opsOver(run, undefined).list<T>(collection, opts));
  }

  put<T>(collection: string, key: string, value: T): Promise<number> {
    return this.transaction((tx) => tx.put(collection, key, value));
  }

  delete(collection: string, key: string): Promise<boolean> {
    return this.transaction((tx) => tx.delete(collection, key));
  }

  /**
   * One PostgreSQL transaction on the writer: the meta row locked first (every other
   * process's transaction waits for this one's end), the writes numbered on from its
   * revision, then the revision and the written collections' marks set and the commit sent
   * together — or all rolled back if `fn` throws.
   */
  transaction<R>(fn: (tx: StoreOps) => Promise<R>): Promise<R> {
    const refused = this.refused();
    if (refused) return refused;
    const asked = this.failures;
    return this.afterWrites(async () => {
      this.check();
      const tx: Tx = {
        client: await this.writerConnection(asked),
        counter: 0,
        written: new Set(),
      };
      const run = this.onTx(tx);
      try {
        // one round trip: BEGIN and the lock
        const begun = (await run(
          `BEGIN; SELECT revision FROM ${this.t('meta')} WHERE id = 1 FOR UPDATE`,
        )) as unknown as pg.QueryResult<{ revision: string }>[];
        tx.counter = Number(begun[1]?.rows[0]?.revision ?? 0);
        const result = await fn(this.opsOver(run, tx));
        // one round trip: the marks and the commit (literals: a multi-statement text takes
        // no parameters; the collection names are escaped)
        const marks =
          tx.written.size === 0
            ? ''
            : `UPDATE ${this.t('meta')} SET revision = ${tx.counter} WHERE id = 1;
               INSERT INTO ${this.t('changes')} (collection, revision) VALUES ${[...tx.written]
                 .map((c) => `(${tx.client.escapeLiteral(storedKey(c))}, ${tx.counter})`)
                 .join(', ')}
               ON CONFLICT (collection) DO UPDATE SET revision = EXCLUDED.revision; `;
        try {
          await run(`${marks}COMMIT`);
        } catch (e) {
          // a connection lost during the commit leaves its outcome to the server (kept or
          // not): unavailable, as any call then; a refused commit kept nothing
          const text = `could not commit: ${e instanceof Error ? e.message : String(e)}`;
          throw e instanceof StoreUnavailable
            ? new StoreUnavailable(`${text} (whether it was kept, only the server knows)`, {
                cause: e,
              })
            : new StoreError(text, { cause: e });
        }
        return result;
      } catch (e) {
        for (const c of tx.written) this.rolledBack.set(c, (this.rolledBack.get(c) ?? 0) + 1);
        // (on a broken connection the server has rolled it back already)
        await run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  revision(collections?: readonly string[]): Promise<number> {
    return this.read(async (run) => {
      this.check();
      if (!collections) {
        const { rows } = await run<{ revision: string }>(
          `SELECT revision FROM ${this.t('meta')} WHERE id = 1`,
        );
        return Number(rows[0]?.revision ?? 0);
      }
      const { rows } = await run<{ revision: string | null }>(
        `SELECT max(revision) AS revision FROM ${this.t('changes')} WHERE collection = ANY($1::text[])`,
        [collections.map(storedKey)],
      );
      // both parts only grow, so their sum changes whenever either does
      let local = 0;
      for (const c of collections) local += this.rolledBack.get(c) ?? 0;
      return Number(rows[0]?.revision ?? 0) + local;
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.writes.then(() => undefined);
    this.closing = true;
    return this.afterWrites(async () => {
      await Promise.allSettled([...this.reading]);
      this.closed = true;
      const writer = this.writer;
      this.writer = undefined;
      await writer?.end().catch(() => undefined);
      await this.readers.end().catch(() => undefined);
    });
  }
}

/**
 * Opens (and on first use makes) the store in a PostgreSQL database.
 *
 * @example
 * const store = await openPostgresStore('postgres://irsa:pw@127.0.0.1:5432/irsa');
 * await store.put('roles', 'r', { name: 'r' });
 */
export async function openPostgresStore(
  url: string,
  opts?: PostgresStoreOptions,
): Promise<PostgresStore> {
  const store = new PostgresStore(url, opts);
  try {
    await store.init();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
