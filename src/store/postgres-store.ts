/**
 * The shared store: PostgreSQL through node-postgres (`pg`), for `irsa up --store
 * postgres://…` (DESIGN.md "Storage and scale"). Several processes, on this machine or others,
 * may open the same database together: each transaction locks the store's one meta row
 * (`SELECT … FOR UPDATE`) before anything else, so transactions never interleave across them
 * either, and the store revision stays unique and increasing. Reads outside a transaction see
 * what is committed (READ COMMITTED). Nothing is cached: every read is a query.
 *
 * Tables live in a schema of their own (`?schema=` in the URL, default `irsakit`): `meta`
 * (schema version, revision), `items` (collection, key, JSON text, revision) and `changes`
 * (the revision of each collection's latest write, what `revision(collections)` reads). Keys
 * and values are text, not jsonb: a document keeps its members' order, as SQLite keeps it.
 * Keys compare as bytes (`COLLATE "C"` on UTF-8: code point order, as `compareStoreKeys`).
 * PostgreSQL text cannot hold U+0000, so keys are stored in an order-keeping escape of
 * U+0000 and U+0001 (`storedKey`).
 */
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
/** how long a connection attempt, and a transaction's wait for another's lock, may take */
const CONNECT_TIMEOUT_MS = 10_000;
const LOCK_TIMEOUT = '15s';

export interface PostgresStoreOptions {
  /** the schema of the tables (else the URL's `?schema=`, else `irsakit`) */
  schema?: string | undefined;
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

/**
 * A store on a PostgreSQL database. Open with `openPostgresStore`, which makes the tables.
 */
export class PostgresStore implements Store {
  private readonly config: pg.ClientConfig;
  private readonly schema: string;
  private client: pg.Client | undefined;
  private readonly broken = new WeakSet<pg.Client>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** the open transaction: its connection, its revision counter, the collections it wrote */
  private tx: { client: pg.Client; counter: number; written: Set<string> } | undefined;
  /**
   * Per collection, how many transactions that wrote it rolled back here: `revision(collections)`
   * moves with those too (what a cache keyed on it may have seen inside one is gone).
   */
  private readonly rolledBack = new Map<string, number>();

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
    this.config = {
      connectionString: parsed.toString(),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'irsakit',
    };
  }

  private t(name: 'meta' | 'items' | 'changes'): string {
    return `${this.schema}.${name}`;
  }

  /** The connection, made (again) when there is none or the last one broke. */
  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client(this.config);
    // a connection that breaks (the server restarted, the network went) is dropped; the next
    // operation outside a transaction makes a new one
    client.on('error', () => this.drop(client));
    try {
      await client.connect();
      await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw storeError('cannot connect to PostgreSQL', e);
    }
    this.client = client;
    return client;
  }

  private drop(client: pg.Client): void {
    this.broken.add(client);
    if (this.client === client) this.client = undefined;
    void client.end().catch(() => undefined);
  }

  /**
   * A statement: on the open transaction's connection while there is one (never on another:
   * a transaction whose connection broke fails, it does not go on in autocommit), else on the
   * store's connection.
   */
  private async query<T extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<T>> {
    const client = this.tx?.client ?? (await this.connection());
    if (this.broken.has(client))
      throw new StoreUnavailable('PostgreSQL: the connection broke during the transaction');
    try {
      return await client.query<T>(text, values);
    } catch (e) {
      // a statement the server refused leaves the connection usable; one that got no answer
      // does not
      if (!(e instanceof pg.DatabaseError)) this.drop(client);
      throw storeError('PostgreSQL', e);
    }
  }

  /** Makes the schema and tables if they are not there; refuses a newer irsakit's. */
  async init(): Promise<void> {
    await this.enqueue(async () => {
      const name = this.schema.slice(1, -1);
      // two processes starting at once: one makes the tables, the other waits for it
      await this.query('SELECT pg_advisory_lock(hashtext($1))', [`irsakit store ${name}`]);
      try {
        await this.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await this.query(`CREATE TABLE IF NOT EXISTS ${this.t('meta')} (
          id integer PRIMARY KEY CHECK (id = 1),
          schema_version integer NOT NULL,
          revision bigint NOT NULL)`);
        await this.query(`CREATE TABLE IF NOT EXISTS ${this.t('items')} (
          collection text COLLATE "C" NOT NULL,
          key text COLLATE "C" NOT NULL,
          value text NOT NULL,
          revision bigint NOT NULL,
          PRIMARY KEY (collection, key))`);
        await this.query(`CREATE TABLE IF NOT EXISTS ${this.t('changes')} (
          collection text COLLATE "C" PRIMARY KEY,
          revision bigint NOT NULL)`);
        await this.query(
          `INSERT INTO ${this.t('meta')} VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING`,
          [SCHEMA_VERSION],
        );
        const { rows } = await this.query<{ schema_version: number }>(
          `SELECT schema_version FROM ${this.t('meta')} WHERE id = 1`,
        );
        const version = rows[0]?.schema_version ?? 0;
        if (version > SCHEMA_VERSION)
          throw new StoreError(
            `the store was written by a newer irsakit (schema ${version} > ${SCHEMA_VERSION})`,
          );
      } finally {
        await this.query('SELECT pg_advisory_unlock(hashtext($1))', [
          `irsakit store ${name}`,
        ]).catch(() => undefined);
      }
    });
  }

  private check(): void {
    if (this.closed) throw new StoreError('the store is closed');
  }

  private readonly ops: StoreOps = {
    get: async <T>(collection: string, key: string): Promise<StoredItem<T> | undefined> => {
      this.check();
      const { rows } = await this.query<Row>(
        `SELECT value, revision FROM ${this.t('items')} WHERE collection = $1 AND key = $2`,
        [collection, storedKey(key)],
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
      const { rows } = await this.query<Row>(
        `SELECT key, value, revision FROM ${this.t('items')}
         WHERE collection = $1 AND key >= $2 ${prefix ? 'AND key < $4' : ''}
         ORDER BY key LIMIT $3`,
        [collection, from, limit === -1 ? null : limit, ...(prefix ? [prefixEnd(prefix)] : [])],
      );
      return rows.map((r) => ({
        key: keyOfStored(r.key),
        value: JSON.parse(r.value) as T,
        revision: Number(r.revision),
      }));
    },
    put: async <T>(collection: string, key: string, value: T): Promise<number> => {
      this.check();
      const tx = this.tx;
      if (!tx) throw new StoreError('a write outside a transaction');
      const text = JSON.stringify(value);
      if (text === undefined)
        throw new StoreError(`cannot store undefined at ${collection}/${key}`);
      const revision = tx.counter + 1;
      await this.query(
        `INSERT INTO ${this.t('items')} (collection, key, value, revision) VALUES ($1, $2, $3, $4)
         ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision`,
        [collection, storedKey(key), text, revision],
      );
      tx.counter = revision;
      tx.written.add(collection);
      return revision;
    },
    delete: async (collection: string, key: string): Promise<boolean> => {
      this.check();
      const tx = this.tx;
      if (!tx) throw new StoreError('a write outside a transaction');
      const r = await this.query(
        `DELETE FROM ${this.t('items')} WHERE collection = $1 AND key = $2`,
        [collection, storedKey(key)],
      );
      if (r.rowCount === 0) return false;
      tx.counter += 1;
      tx.written.add(collection);
      return true;
    },
  };

  /** Runs `fn` after every earlier queued operation. */
  private enqueue<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get<T>(collection: string, key: string): Promise<StoredItem<T> | undefined> {
    return this.enqueue(() => this.ops.get<T>(collection, key));
  }

  list<T>(collection: string, opts?: ListOptions): Promise<StoredItem<T>[]> {
    return this.enqueue(() => this.ops.list<T>(collection, opts));
  }

  put<T>(collection: string, key: string, value: T): Promise<number> {
    return this.transaction((tx) => tx.put(collection, key, value));
  }

  delete(collection: string, key: string): Promise<boolean> {
    return this.transaction((tx) => tx.delete(collection, key));
  }

  /**
   * One PostgreSQL transaction: the meta row locked first (every other process's transaction
   * waits for this one's end), the writes numbered on from its revision, the revision and the
   * written collections' marks updated, committed — or rolled back whole if `fn` throws.
   */
  transaction<R>(fn: (tx: StoreOps) => Promise<R>): Promise<R> {
    return this.enqueue(async () => {
      this.check();
      const tx = { client: await this.connection(), counter: 0, written: new Set<string>() };
      this.tx = tx;
      try {
        await this.query('BEGIN');
        const { rows } = await this.query<{ revision: string }>(
          `SELECT revision FROM ${this.t('meta')} WHERE id = 1 FOR UPDATE`,
        );
        tx.counter = Number(rows[0]?.revision ?? 0);
        const result = await fn(this.ops);
        if (tx.written.size > 0) {
          await this.query(`UPDATE ${this.t('meta')} SET revision = $1 WHERE id = 1`, [tx.counter]);
          await this.query(
            `INSERT INTO ${this.t('changes')} (collection, revision)
             SELECT c, $2 FROM unnest($1::text[]) AS c
             ON CONFLICT (collection) DO UPDATE SET revision = EXCLUDED.revision`,
            [[...tx.written], tx.counter],
          );
        }
        try {
          await this.query('COMMIT');
        } catch (e) {
          throw new StoreError(`could not commit: ${e instanceof Error ? e.message : String(e)}`, {
            cause: e,
          });
        }
        return result;
      } catch (e) {
        for (const c of tx.written) this.rolledBack.set(c, (this.rolledBack.get(c) ?? 0) + 1);
        // (on a broken connection the server has rolled it back already)
        await this.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        this.tx = undefined;
      }
    });
  }

  revision(collections?: readonly string[]): Promise<number> {
    return this.enqueue(async () => {
      this.check();
      if (!collections) {
        const { rows } = await this.query<{ revision: string }>(
          `SELECT revision FROM ${this.t('meta')} WHERE id = 1`,
        );
        return Number(rows[0]?.revision ?? 0);
      }
      const { rows } = await this.query<{ revision: string | null }>(
        `SELECT max(revision) AS revision FROM ${this.t('changes')} WHERE collection = ANY($1::text[])`,
        [[...collections]],
      );
      // both parts only grow, so their sum changes whenever either does
      let local = 0;
      for (const c of collections) local += this.rolledBack.get(c) ?? 0;
      return Number(rows[0]?.revision ?? 0) + local;
    });
  }

  close(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      this.closed = true;
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => undefined);
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
