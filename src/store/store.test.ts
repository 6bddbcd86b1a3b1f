/**
 * The store conformance suite: every implementation of `Store` must pass it — the embedded
 * SQLite store on a real file, and the PostgreSQL store on the tests' private server (a schema
 * of its own per test; test/support/global-setup.ts). Then what is particular to each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { prefixEnd } from './keys.js';
import { PostgresStore, openPostgresStore, storedKey } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import { type Store, StoreUnavailable } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-store-'));
  dirs.push(dir);
  return join(dir, 'irsakit.db');
}

/** A store under test, how to open it again, and what another connection sees committed. */
interface Fixture {
  store: Store;
  reopen(): Promise<Store>;
  committed(collection: string, key: string): Promise<unknown>;
}

async function sqliteFixture(): Promise<Fixture> {
  const path = freshPath();
  return {
    store: new SqliteStore(path),
    reopen: async () => new SqliteStore(path),
    async committed(collection, key) {
      const db = new Database(path, { readonly: true });
      try {
        const row = db
          .prepare('SELECT value FROM items WHERE collection = ? AND key = ?')
          .get(collection, key) as { value: string } | undefined;
        return row && JSON.parse(row.value);
      } finally {
        db.close();
      }
    },
  };
}

const postgresUrl = inject('postgresUrl');
// the tests' connections to the server, each ended after the file
const outside: pg.Client[] = [];
afterAll(async () => {
  await Promise.all(outside.splice(0).map((c) => c.end()));
});

/** A connection of the test's own to the tests' PostgreSQL server. */
async function postgresClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  outside.push(c);
  return c;
}

let schemas = 0;
function freshSchema(): string {
  return `store_test_${process.pid}_${Date.now().toString(36)}_${schemas++}`;
}

async function postgresFixture(): Promise<Fixture> {
  const schema = freshSchema();
  const client = await postgresClient();
  return {
    store: await openPostgresStore(postgresUrl, { schema }),
    reopen: () => openPostgresStore(postgresUrl, { schema }),
    async committed(collection, key) {
      const { rows } = await client.query<{ value: string }>(
        `SELECT value FROM "${schema}".items WHERE collection = $1 AND key = $2`,
        [collection, storedKey(key)],
      );
      return rows[0] && JSON.parse(rows[0].value);
    },
  };
}

// under CI the server is always there (global-setup fails without it)
const withPostgres = postgresUrl ? describe : describe.skip;

const implementations: [string, () => Promise<Fixture>][] = [
  ['sqlite', sqliteFixture],
  ...(postgresUrl ? [['postgres', postgresFixture] as [string, () => Promise<Fixture>]] : []),
];

describe.each(implementations)('%s store', (_name, make) => {
  it('puts, gets, lists by prefix in key order, and deletes', async () => {
    const { store } = await make();
    expect(await store.revision()).toBe(0);
    await store.put('pods', 'prod/b', { n: 2 });
    await store.put('pods', 'prod/a', { n: 1 });
    await store.put('pods', 'dev/a', { n: 3 });
    await store.put('other', 'prod/z', { n: 9 });
    expect(await store.get('pods', 'prod/a')).toMatchObject({ key: 'prod/a', value: { n: 1 } });
    expect(await store.get('pods', 'nope')).toBeUndefined();
    expect((await store.list('pods', { prefix: 'prod/' })).map((i) => i.key)).toEqual([
      'prod/a',
      'prod/b',
    ]);
    expect((await store.list('pods')).map((i) => i.key)).toEqual(['dev/a', 'prod/a', 'prod/b']);
    expect(await store.delete('pods', 'prod/a')).toBe(true);
    expect(await store.delete('pods', 'prod/a')).toBe(false);
    expect((await store.list('pods', { prefix: 'prod/' })).map((i) => i.key)).toEqual(['prod/b']);
    await store.close();
  });

  it('lists a page: from a key on, at most so many, within a prefix', async () => {
    const { store } = await make();
    for (const k of ['a', 'b/1', 'b/2', 'b/3', 'c', '\u{e000}', '\u{10000}'])
      await store.put('c', k, k);
    const keys = async (o: Parameters<typeof store.list>[1]) =>
      (await store.list('c', o)).map((i) => i.key);
    expect(await keys({ from: 'b/2', limit: 2 })).toEqual(['b/2', 'b/3']);
    expect(await keys({ from: 'b/2\u0000' })).toEqual(['b/3', 'c', '\u{e000}', '\u{10000}']);
    expect(await keys({ prefix: 'b/', from: 'a', limit: 2 })).toEqual(['b/1', 'b/2']);
    expect(await keys({ prefix: 'b/', from: 'b/3\u0000' })).toEqual([]);
    // code point order: U+E000 before U+10000, whatever JavaScript's < says
    expect(await keys({ from: '\u{e001}' })).toEqual(['\u{10000}']);
    expect(await keys({ limit: 0 })).toEqual([]);
    await expect(store.list('c', { limit: 1.5 })).rejects.toThrow('whole number');
    await store.close();
  });

  it('keeps keys with U+0000 and U+0001 apart, in code point order', async () => {
    const { store } = await make();
    const keys = ['a', 'a\u0000', 'a\u0000b', 'a\u0001', 'a\u0001\u0001', 'a\u0002', 'b'];
    for (const k of [...keys].reverse()) await store.put('n', k, k);
    expect((await store.list('n')).map((i) => i.key)).toEqual(keys);
    expect((await store.list('n')).map((i) => i.value)).toEqual(keys);
    expect((await store.list('n', { prefix: 'a\u0000' })).map((i) => i.key)).toEqual([
      'a\u0000',
      'a\u0000b',
    ]);
    expect((await store.list('n', { from: 'a\u0000\u0000' })).map((i) => i.key)).toEqual(
      keys.slice(2),
    );
    expect((await store.get('n', 'a\u0001\u0001'))?.value).toBe('a\u0001\u0001');
    expect(await store.delete('n', 'a\u0000')).toBe(true);
    expect(await store.get('n', 'a\u0000')).toBeUndefined();
    expect((await store.get('n', 'a'))?.value).toBe('a');
    await store.close();
  });

  it('keeps keys longer than an index entry, in order (DynamoDB keys reach 3 KB, hex-encoded 6 KB)', async () => {
    const { store } = await make();
    const long = (c: string, n: number) => c.repeat(n);
    const keys = [
      long('a', 6000),
      `${long('a', 6000)}b`,
      long('b', 3000),
      `b${long('\u{1f600}', 1500)}`,
    ];
    for (const k of [...keys].reverse()) await store.put('long', k, k.length);
    expect((await store.list('long')).map((i) => i.key)).toEqual(keys);
    expect((await store.get('long', keys[1] as string))?.value).toBe(6001);
    expect((await store.list('long', { prefix: long('a', 6000) })).length).toBe(2);
    expect(
      (await store.list('long', { from: `${long('a', 6000)}\u0000` })).map((i) => i.key),
    ).toEqual(keys.slice(1));
    await store.put('long', keys[0] as string, 'again');
    expect((await store.get('long', keys[0] as string))?.value).toBe('again');
    expect(await store.delete('long', keys[2] as string)).toBe(true);
    expect((await store.list('long')).length).toBe(3);
    await store.close();
  });

  it('numbers the overlapping writes of one transaction in the order they were asked', async () => {
    const { store } = await make();
    const base = await store.put('o', 'x', 0);
    const revisions = await store.transaction((tx) =>
      Promise.all([tx.put('o', 'a', 1), tx.delete('o', 'x'), tx.put('p', 'b', 2)]),
    );
    expect(revisions).toEqual([base + 1, true, base + 3]);
    expect((await store.get('o', 'a'))?.revision).toBe(base + 1);
    expect((await store.get('p', 'b'))?.revision).toBe(base + 3);
    expect(await store.revision()).toBe(base + 3);
    await store.close();
  });

  it('keeps collections whose names hold U+0000 apart', async () => {
    const { store } = await make();
    await store.put('c\u0000', 'k', 1);
    await store.put('c', 'k', 2);
    expect((await store.get('c\u0000', 'k'))?.value).toBe(1);
    expect((await store.list('c')).map((i) => i.value)).toEqual([2]);
    const before = await store.revision(['c']);
    await store.put('c\u0000', 'k', 3);
    expect(await store.revision(['c'])).toBe(before);
    await store.close();
  });

  it('counts a revision per write and stamps items with it', async () => {
    const { store } = await make();
    const r1 = await store.put('c', 'k', 1);
    const r2 = await store.put('c', 'k', 2);
    expect(r2).toBe(r1 + 1);
    expect((await store.get('c', 'k'))?.revision).toBe(r2);
    await store.delete('c', 'k');
    expect(await store.revision()).toBe(r2 + 1);
    await store.close();
  });

  it('a revision of some collections moves with their writes only, rolled-back ones included', async () => {
    const { store } = await make();
    const iam = ['roles', 'providers'];
    const r0 = await store.revision(iam);
    await store.put('objects', 'a', 1);
    expect(await store.revision(iam)).toBe(r0);
    await store.put('roles', 'r', 1);
    const r1 = await store.revision(iam);
    expect(r1).not.toBe(r0);
    await store.delete('objects', 'a');
    expect(await store.revision(iam)).toBe(r1);
    // a write that rolls back still moves it: the number is never handed out again
    await expect(
      store.transaction(async (tx) => {
        await tx.put('providers', 'p', 1);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    const r2 = await store.revision(iam);
    expect(r2).not.toBe(r1);
    await store.put('roles', 'r', 2);
    expect(await store.revision(iam)).not.toBe(r2);
    await store.close();
  });

  it('commits a transaction whole, or not at all', async () => {
    const { store } = await make();
    await store.put('c', 'keep', 'before');
    await expect(
      store.transaction(async (tx) => {
        await tx.put('c', 'keep', 'during');
        await tx.put('c', 'new', 'x');
        throw new Error('invalid object');
      }),
    ).rejects.toThrow('invalid object');
    expect((await store.get('c', 'keep'))?.value).toBe('before');
    expect(await store.get('c', 'new')).toBeUndefined();
    const rev = await store.revision();
    await store.transaction(async (tx) => {
      await tx.put('c', 'a', 1);
      await tx.put('c', 'b', 2);
    });
    expect(await store.revision()).toBe(rev + 2);
    await store.close();
  });

  it('commits concurrent transactions each whole or not at all, each committed before it resolves', async () => {
    const { store, committed } = await make();
    const results = await Promise.allSettled([
      store.transaction(async (tx) => {
        await tx.put('g', 'a', 1);
        return 'a';
      }),
      store.transaction(async (tx) => {
        await tx.put('g', 'b', 2);
        await tx.put('g', 'a', 'clobbered');
        throw new Error('refused');
      }),
      store.transaction(async (tx) => {
        // sees the first transaction's write
        expect((await tx.get('g', 'a'))?.value).toBe(1);
        await tx.put('g', 'c', 3);
        return 'c';
      }),
    ]).then((all) =>
      Promise.all(
        all.map(async (r) => {
          // another connection sees what a resolved transaction wrote: committed before it resolved
          if (r.status === 'fulfilled') expect(await committed('g', r.value)).toBeDefined();
          return r.status === 'fulfilled' ? r.value : (r.reason as Error).message;
        }),
      ),
    );
    expect(results).toEqual(['a', 'refused', 'c']);
    expect((await store.get('g', 'a'))?.value).toBe(1);
    expect(await store.get('g', 'b')).toBeUndefined();
    expect(await committed('g', 'b')).toBeUndefined();
    await store.close();
  });

  it('never interleaves concurrent transactions', async () => {
    const { store } = await make();
    await store.put('c', 'counter', 0);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          const v = ((await tx.get<number>('c', 'counter'))?.value ?? 0) + 1;
          await new Promise((r) => setTimeout(r, 1));
          await tx.put('c', 'counter', v);
        }),
      ),
    );
    expect((await store.get('c', 'counter'))?.value).toBe(20);
    await store.close();
  });

  it('keeps state across reopening', async () => {
    const { store, reopen } = await make();
    await store.put('keys', 'k1', { kid: 'abc' });
    // one group of several writes, one of them rolled back
    await Promise.allSettled([
      store.put('keys', 'k2', 2),
      store.transaction(async (tx) => {
        await tx.put('keys', 'gone', 0);
        throw new Error('no');
      }),
      store.delete('keys', 'k2'),
      store.put('keys', 'k3', 3),
    ]);
    const rev = await store.revision();
    expect(rev).toBe(4);
    await store.close();
    const again = await reopen();
    expect(await again.revision()).toBe(rev);
    expect((await again.get('keys', 'k3'))?.revision).toBe(rev);
    expect(await again.get('keys', 'gone')).toBeUndefined();
    expect(await again.put('keys', 'k4', 4)).toBe(rev + 1);
    expect((await again.get('keys', 'k1'))?.value).toEqual({ kid: 'abc' });
    await expect(store.get('keys', 'k1')).rejects.toThrow('closed');
    await again.close();
  });
});

describe('sqlite store', () => {
  it('fails every transaction of a group whose commit fails, and keeps none of it', async () => {
    const store = new SqliteStore(freshPath());
    await store.put('g', 'kept', 'before');
    const rev = await store.revision();
    // the disk refuses the commit (as when it is full)
    const db = (store as unknown as { db: Database.Database }).db;
    const exec = db.exec.bind(db);
    let failures = 1;
    db.exec = (sql: string) => {
      if (sql === 'COMMIT' && failures-- > 0)
        throw new Error('SQLITE_FULL: database or disk is full');
      return exec(sql);
    };
    const outcomes = await Promise.allSettled([
      store.transaction((tx) => tx.put('g', 'kept', 'after')),
      store.transaction((tx) => tx.put('g', 'new', 1)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(
      /could not commit.*disk is full/,
    );
    expect((await store.get('g', 'kept'))?.value).toBe('before');
    expect(await store.get('g', 'new')).toBeUndefined();
    expect(await store.revision()).toBe(rev);
    // and the next write commits
    await store.put('g', 'new', 2);
    expect((await store.get('g', 'new'))?.value).toBe(2);
    await store.close();
  });

  it('takes over a store of schema 1 (items WITHOUT ROWID) with its items, order and revision', async () => {
    const path = freshPath();
    const old = new Database(path);
    old.exec(`
      CREATE TABLE meta (schema_version INTEGER NOT NULL, revision INTEGER NOT NULL);
      INSERT INTO meta VALUES (1, 7);
      CREATE TABLE items (collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        revision INTEGER NOT NULL, PRIMARY KEY (collection, key)) WITHOUT ROWID;
      INSERT INTO items VALUES ('s3.objects.b', 'b/2', '{"n":2}', 6), ('s3.objects.b', 'a', '{"n":1}', 5),
        ('iam.roles', 'r', '{"name":"r"}', 7);
    `);
    old.close();
    const store = new SqliteStore(path);
    expect((await store.list('s3.objects.b')).map((i) => [i.key, i.value, i.revision])).toEqual([
      ['a', { n: 1 }, 5],
      ['b/2', { n: 2 }, 6],
    ]);
    expect((await store.get('iam.roles', 'r'))?.value).toEqual({ name: 'r' });
    expect(await store.revision()).toBe(7);
    expect(await store.put('iam.roles', 's', {})).toBe(8);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT schema_version FROM meta').get()).toEqual({ schema_version: 3 });
    const sql = (
      db.prepare("SELECT sql FROM sqlite_master WHERE name = 'items'").get() as {
        sql: string;
      }
    ).sql;
    expect(sql).not.toMatch(/WITHOUT ROWID/);
    expect(
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'items_v1'").get(),
    ).toEqual({ n: 0 });
    db.close();
    // and it opens again as schema 3, untouched
    const again = new SqliteStore(path);
    expect((await again.list('s3.objects.b')).length).toBe(2);
    await again.close();
  });

  it('takes over a store of schema 2 with no change marks, which its next write adds', async () => {
    const path = freshPath();
    const old = new Database(path);
    old.exec(`
      CREATE TABLE meta (schema_version INTEGER NOT NULL, revision INTEGER NOT NULL);
      INSERT INTO meta VALUES (2, 3);
      CREATE TABLE items (collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        revision INTEGER NOT NULL, PRIMARY KEY (collection, key));
      INSERT INTO items VALUES ('iam.roles', 'r', '{"name":"r"}', 3);
    `);
    old.close();
    const store = new SqliteStore(path, { shared: true });
    expect(await store.get('iam.roles', 'r')).toEqual({
      key: 'r',
      value: { name: 'r' },
      revision: 3,
    });
    expect(await store.put('iam.roles', 's', {})).toBe(4);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT schema_version FROM meta').get()).toEqual({ schema_version: 3 });
    expect(db.prepare('SELECT * FROM changes').all()).toEqual([
      { collection: 'iam.roles', revision: 4 },
    ]);
    db.close();
  });

  it('refuses a store written by a newer irsakit', async () => {
    const path = freshPath();
    const db = new Database(path);
    db.exec(
      'CREATE TABLE meta (schema_version INTEGER NOT NULL, revision INTEGER NOT NULL); INSERT INTO meta VALUES (99, 0);',
    );
    db.close();
    expect(() => new SqliteStore(path)).toThrow('newer irsakit (schema 99 > 3)');
  });
});

withPostgres('postgres store', () => {
  it('is one state for every store open on it: writes, revisions and transactions across connections', async () => {
    const schema = freshSchema();
    const [a, b] = [
      await openPostgresStore(postgresUrl, { schema }),
      await openPostgresStore(postgresUrl, { schema }),
    ];
    const roles = ['roles'];
    const seen = await b.revision(roles);
    await a.put('roles', 'r', { name: 'r' });
    expect((await b.get('roles', 'r'))?.value).toEqual({ name: 'r' });
    expect(await b.revision(roles)).not.toBe(seen);
    expect(await b.revision()).toBe(await a.revision());
    // read-modify-write from both at once: the meta row's lock serialises them
    await a.put('c', 'counter', 0);
    const bump = (s: Store) =>
      s.transaction(async (tx) => {
        const v = ((await tx.get<number>('c', 'counter'))?.value ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 1));
        return tx.put('c', 'counter', v);
      });
    const revisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => bump(i % 2 === 0 ? a : b)),
    );
    expect((await a.get('c', 'counter'))?.value).toBe(20);
    expect(new Set(revisions).size).toBe(20);
    expect(await b.revision()).toBe(Math.max(...revisions));
    await a.close();
    await b.close();
  });

  it('reads several at once, each after every write asked for before it', async () => {
    const schema = freshSchema();
    const store = await openPostgresStore(postgresUrl, { schema });
    // writes not awaited, then reads: each read sees every write asked for before it
    const writes = Array.from({ length: 10 }, (_, i) => store.put('c', `k${i}`, i));
    const listed = store.list('c');
    const got = store.get('c', 'k9');
    expect((await listed).map((i) => i.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await got)?.value).toBe(9);
    await Promise.all(writes);
    // a burst of reads goes out on several connections of the pool
    await Promise.all(Array.from({ length: 64 }, (_, i) => store.get('c', `k${i % 10}`)));
    expect((store as unknown as { readers: pg.Pool }).readers.totalCount).toBeGreaterThan(1);
    await store.close();
    await expect(store.get('c', 'k1')).rejects.toThrow('closed');
  });

  it('fails a transaction whose connection breaks, keeps none of it, and connects again', async () => {
    const schema = freshSchema();
    const store = await openPostgresStore(postgresUrl, { schema });
    const admin = await postgresClient();
    await store.put('c', 'kept', 'before');
    const outcome = store.transaction(async (tx) => {
      await tx.put('c', 'kept', 'after');
      // the server ends this connection (as a restart or a failover would)
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'irsakit' AND query LIKE 'INSERT INTO "${schema}"%'`,
      );
      await tx.put('c', 'new', 1);
    });
    await expect(outcome).rejects.toThrow(/PostgreSQL/);
    expect((await store.get('c', 'kept'))?.value).toBe('before');
    expect(await store.get('c', 'new')).toBeUndefined();
    await store.put('c', 'new', 2);
    expect((await store.get('c', 'new'))?.value).toBe(2);
    await store.close();
    await expect(store.get('c', 'new')).rejects.toThrow('closed');
  });

  it('belongs to the data folder that made it', async () => {
    const schema = freshSchema();
    await (await openPostgresStore(postgresUrl, { schema, owner: 'folder-a' })).close();
    await (await openPostgresStore(postgresUrl, { schema, owner: 'folder-a' })).close();
    await (await openPostgresStore(postgresUrl, { schema })).close();
    await expect(openPostgresStore(postgresUrl, { schema, owner: 'folder-b' })).rejects.toThrow(
      /belongs to another data folder .*--data.*\?schema=/,
    );
  });

  it('refuses a database that is not UTF-8', async () => {
    const admin = await postgresClient();
    const name = `latin1_${process.pid}_${Date.now().toString(36)}`;
    await admin.query(
      `CREATE DATABASE ${name} ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
    const url = postgresUrl.replace(/\/[^/]*$/, `/${name}`);
    await expect(openPostgresStore(url)).rejects.toThrow(
      "the database's encoding is LATIN1, not UTF8",
    );
  });

  it('gives up on a server that does not answer in bounded time, without queueing the wait', async () => {
    // a port that takes connections and never says anything
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const store = new PostgresStore(`postgres://irsa@127.0.0.1:${port}/irsa`, {
      connectTimeoutMs: 400,
    });
    try {
      const started = Date.now();
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 6 }, (_, i) => store.put('c', `k${i}`, i)),
        store.get('c', 'k0'),
        store.list('c'),
      ]);
      // each a StoreUnavailable (a 503), the queued ones at once after the first
      for (const o of outcomes) {
        expect(o.status).toBe('rejected');
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailable);
      }
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await store.close();
      silent.close();
    }
  });

  it('gives up on a statement left unanswered, and goes on once the server answers', async () => {
    const schema = freshSchema();
    const store = await openPostgresStore(postgresUrl, { schema, queryTimeoutMs: 400 });
    await store.put('c', 'k', 1);
    const admin = await postgresClient();
    // the table locked by another connection: every statement on it waits
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE "${schema}".items IN ACCESS EXCLUSIVE MODE`);
    const waited = await store.get('c', 'k').catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(StoreUnavailable);
    expect(String(waited)).toMatch(/timeout/i);
    await admin.query('ROLLBACK');
    expect((await store.get('c', 'k'))?.value).toBe(1);
    await store.put('c', 'k', 2);
    expect((await store.get('c', 'k'))?.value).toBe(2);
    await store.close();
  });

  it('refuses a store written by a newer irsakit, a bad schema name and an unreachable server', async () => {
    const schema = freshSchema();
    await (await openPostgresStore(postgresUrl, { schema })).close();
    const admin = await postgresClient();
    await admin.query(`UPDATE "${schema}".meta SET schema_version = 99`);
    await expect(openPostgresStore(postgresUrl, { schema })).rejects.toThrow(
      'newer irsakit (schema 99 > 1)',
    );
    await expect(openPostgresStore(postgresUrl, { schema: 'x"; DROP' })).rejects.toThrow(
      'letters, digits and underscores',
    );
    // a port nothing listens on; the password never shows
    const e = await openPostgresStore('postgres://irsa:s3cret@127.0.0.1:1/irsa').catch(
      (x: unknown) => x as Error,
    );
    expect(String(e)).toMatch(/StoreUnavailable: cannot connect to PostgreSQL: .*ECONNREFUSED/);
    expect(String(e)).not.toContain('s3cret');
    await expect(openPostgresStore('mysql://x')).rejects.toThrow('not a PostgreSQL URL');
  });
});

describe('sqlite read cache', () => {
  it('never serves a stale or shared row', async () => {
    const store = new SqliteStore(':memory:');
    expect(await store.get('c', 'k')).toBeUndefined();
    await store.put('c', 'k', { n: 1 });
    const a = await store.get<{ n: number }>('c', 'k');
    expect(a?.value).toEqual({ n: 1 });
    (a as { value: { n: number } }).value.n = 99; // a reader's copy is its own
    expect((await store.get<{ n: number }>('c', 'k'))?.value).toEqual({ n: 1 });
    await store.transaction(async (tx) => {
      await tx.put('c', 'k', { n: 2 });
      expect((await tx.get<{ n: number }>('c', 'k'))?.value).toEqual({ n: 2 });
    });
    expect((await store.get<{ n: number }>('c', 'k'))?.value).toEqual({ n: 2 });
    await expect(
      store.transaction(async (tx) => {
        await tx.put('c', 'k', { n: 3 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await store.get<{ n: number }>('c', 'k'))?.value).toEqual({ n: 2 });
    await store.delete('c', 'k');
    expect(await store.get('c', 'k')).toBeUndefined();
    await store.close();
  });

  it('serves transactions the committed rows it holds, never one written in the open group', async () => {
    const store = new SqliteStore(':memory:');
    await store.put('c', 'a', 1);
    await store.put('c', 'b', 1);
    expect((await store.get('c', 'a'))?.value).toBe(1); // cached
    expect((await store.get('c', 'b'))?.value).toBe(1); // cached
    const seen: unknown[] = [];
    const outcomes = await Promise.allSettled([
      store.transaction((tx) => tx.put('c', 'b', 2)),
      // same group: b was written by the transaction before, a was not
      store.transaction(async (tx) => {
        seen.push((await tx.get('c', 'a'))?.value, (await tx.get('c', 'b'))?.value);
        await tx.put('c', 'a', 3);
        seen.push((await tx.get('c', 'a'))?.value);
      }),
      store.transaction(async (tx) => {
        seen.push((await tx.get('c', 'a'))?.value);
        await tx.put('c', 'a', 4);
        throw new Error('rolled back');
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(seen).toEqual([1, 2, 3, 3]);
    expect((await store.get('c', 'a'))?.value).toBe(3);
    expect((await store.get('c', 'b'))?.value).toBe(2);
    await store.close();
  });
});

describe('prefixEnd', () => {
  it('bounds every key under a prefix, characters beyond U+FFFF included', async () => {
    expect(prefixEnd('ab')).toBe('ac');
    expect(prefixEnd('a\u{d7ff}')).toBe('a\u{e000}');
    const store = new SqliteStore(':memory:');
    for (const k of ['a/', 'a/\u{1f600}', 'a/\uffff\uffff', 'a/z', 'a0', 'b'])
      await store.put('c', k, 1);
    expect((await store.list('c', { prefix: 'a/' })).map((i) => i.key)).toEqual([
      'a/',
      'a/z',
      'a/\uffff\uffff',
      'a/\u{1f600}',
    ]);
    await store.close();
  });
});
