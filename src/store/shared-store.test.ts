/**
 * One store file, several connections (`shared`): what edge replicas rely on. Two stores on
 * one file in this process are two connections; the last test adds a real second process.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { StoreError } from './types.js';

const dirs: string[] = [];
const open: SqliteStore[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-shared-'));
  dirs.push(dir);
  return join(dir, 'irsakit.db');
}

/** Two connections to one new store file, both shared. */
function twoStores(): { a: SqliteStore; b: SqliteStore; path: string } {
  const path = freshPath();
  const a = new SqliteStore(path, { shared: true });
  const b = new SqliteStore(path, { shared: true });
  open.push(a, b);
  return { a, b, path };
}

/** `n` transactions that each add one to `c/counter`, reading it first. */
function increments(store: SqliteStore, n: number, yieldInside: boolean): Promise<void>[] {
  return Array.from({ length: n }, (_, i) =>
    store.transaction(async (tx) => {
      const v = (await tx.get<number>('c', 'counter'))?.value ?? 0;
      // every other one holds the write lock across a turn, so the other store waits for it
      if (yieldInside && i % 2 === 0) await new Promise((r) => setImmediate(r));
      await tx.put('c', 'counter', v + 1);
    }),
  );
}

describe('sqlite store shared by several connections', () => {
  it("serves the other connection's write to the next read, cached row or not, and in a transaction", async () => {
    const { a, b } = twoStores();
    await a.put('c', 'k', 1);
    expect((await a.get('c', 'k'))?.value).toBe(1); // now cached
    expect(await a.get('c', 'gone')).toBeUndefined(); // cached as absent
    const rev = await b.put('c', 'k', 2);
    await b.put('c', 'gone', 'here');
    expect(await a.get('c', 'k')).toEqual({ key: 'k', value: 2, revision: rev });
    expect((await a.get('c', 'gone'))?.value).toBe('here');
    await b.put('c', 'k', 3);
    await b.delete('c', 'gone');
    const seen = await a.transaction(async (tx) => [
      (await tx.get('c', 'k'))?.value,
      await tx.get('c', 'gone'),
      (await tx.list('c')).map((i) => i.value),
    ]);
    expect(seen).toEqual([3, undefined, [3]]);
    expect((await a.list('c')).map((i) => i.value)).toEqual([3]);
  });

  it('keeps cached rows of the collections the other connection did not write', async () => {
    const { a, b, path } = twoStores();
    await a.put('kept', 'k', 1);
    await a.get('kept', 'k');
    await b.put('other', 'k', 1);
    // the row changes behind both stores' backs (no store would do this): a read of A's cache shows it
    const raw = new Database(path);
    raw.prepare("UPDATE items SET value = '99' WHERE collection = 'kept'").run();
    raw.close();
    expect((await a.get('kept', 'k'))?.value).toBe(1);
  });

  it('moves revision(collections) when anyone writes one of them, and only then', async () => {
    const { a, b } = twoStores();
    const r0 = await a.revision(['x']);
    await b.put('y', 'k', 1);
    expect(await a.revision(['x'])).toBe(r0);
    await b.put('x', 'k', 1);
    const r1 = await a.revision(['x']);
    expect(r1).not.toBe(r0);
    expect(await a.revision(['x'])).toBe(r1);
    await b.transaction(async (tx) => {
      await tx.put('y', 'k', 2);
      await tx.delete('z', 'nothing there');
    });
    expect(await a.revision(['x', 'z'])).toBe(r1);
    await b.delete('x', 'k');
    expect(await a.revision(['y', 'x'])).not.toBe(r1);
  });

  it('continues the store revision from the latest commit of any connection', async () => {
    const { a, b } = twoStores();
    const before = await a.revision();
    const rb = await b.put('c', 'k', 1);
    expect(await a.revision()).toBe(rb);
    expect(rb).toBeGreaterThan(before);
    const ra = await a.put('c', 'k', 2);
    expect(ra).toBe(rb + 1);
    expect(await b.put('d', 'k', 1)).toBe(ra + 1);
    expect(await b.revision()).toBe(ra + 1);
    expect(await a.revision()).toBe(ra + 1);
  });

  it('loses no update when both connections read-modify-write one item concurrently', async () => {
    const { a, b } = twoStores();
    await Promise.all([...increments(a, 200, true), ...increments(b, 200, true)]);
    const counter = await a.get<number>('c', 'counter');
    expect(counter?.value).toBe(400);
    // one revision per write, none handed out twice
    expect(counter?.revision).toBe(400);
    expect((await b.get('c', 'counter'))?.value).toBe(400);
  });

  it('waits for the write lock without blocking the event loop, then sees what the holder wrote', async () => {
    const { a, b } = twoStores();
    const events: string[] = [];
    let release = () => {};
    const holding = a.transaction(async (tx) => {
      await tx.put('c', 'k', 'from a');
      await new Promise<void>((r) => (release = r));
      events.push('a commits');
    });
    await sleep(5); // A holds the lock
    const waiting = b.transaction(async (tx) => {
      events.push('b runs');
      return (await tx.get('c', 'k'))?.value;
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    await sleep(40);
    expect(ticks).toBeGreaterThanOrEqual(3); // the event loop ran on while B waited
    expect(events).toEqual([]);
    release();
    await holding;
    expect(await waiting).toBe('from a');
    clearInterval(timer);
    expect(events).toEqual(['a commits', 'b runs']);
  });

  it('gives up on a write lock held too long, naming it', async () => {
    const { a, path } = twoStores();
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    // the clock jumps past the wait once the store has tried a few times
    const now = Date.now();
    let calls = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => (++calls > 5 ? now + 60_000 : now));
    const write = a.put('c', 'k', 1);
    await expect(write).rejects.toThrow(StoreError);
    await expect(write).rejects.toThrow(
      /locked by another process: no write lock on .*irsakit\.db/,
    );
    holder.exec('ROLLBACK');
    holder.close();
    vi.restoreAllMocks();
    // and the store goes on
    expect(await a.put('c', 'k', 2)).toBe(1);
  });

  it('keeps nothing of a rolled-back transaction: items, revision, change marks', async () => {
    const { a, b, path } = twoStores();
    await a.put('c', 'k', 1);
    const rev = await a.revision();
    const iam = await a.revision(['rolled']);
    await expect(
      b.transaction(async (tx) => {
        await tx.put('c', 'k', 2);
        await tx.put('rolled', 'r', 1);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect((await a.get('c', 'k'))?.value).toBe(1);
    expect(await a.get('rolled', 'r')).toBeUndefined();
    expect(await a.revision()).toBe(rev);
    expect(await a.revision(['rolled'])).toBe(iam);
    expect(await b.put('c', 'k', 3)).toBe(rev + 1);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT collection, revision FROM changes').all()).toEqual([
      { collection: 'c', revision: rev + 1 },
    ]);
    raw.close();
  });

  it('sees the writes of a real second process, and loses none of either', async () => {
    const path = freshPath();
    const a = new SqliteStore(path, { shared: true });
    open.push(a);
    expect(await a.get('child', 'done')).toBeUndefined(); // cached as absent
    const before = await a.revision(['child']);
    // the writer runs its TypeScript through vite-node, as vitest runs this file
    const child = fork(
      join(import.meta.dirname, '../../node_modules/vite-node/vite-node.mjs'),
      [join(import.meta.dirname, '../../test/support/store-writer.ts')],
      {
        env: { ...process.env, STORE_PATH: path, STORE_INCREMENTS: '100' },
        serialization: 'advanced',
        stdio: 'inherit',
      },
    );
    const reply = new Promise<{ revision: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { revision: number }));
      child.once('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
    });
    // increments from both processes, while the writer's run
    const mine = (async () => {
      for (let i = 0; i < 100; i++) await Promise.all(increments(a, 1, true));
    })();
    const { revision } = await reply;
    await mine;
    expect(await a.get('child', 'done')).toEqual({ key: 'done', value: true, revision });
    expect(await a.revision(['child'])).not.toBe(before);
    expect((await a.get('c', 'counter'))?.value).toBe(200);
    expect(await a.put('c', 'after', 1)).toBeGreaterThan(revision);
  });
});
