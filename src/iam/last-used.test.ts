import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore, openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { LAST_USED_COLLECTION, LastUsedTracker } from './last-used.js';
import { IAM_COLLECTIONS } from './repo.js';

const A = '123456789012';
let now = new Date('2026-12-07T10:00:00.250Z');
const clock = () => now;
const dirs: string[] = [];

afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('LastUsedTracker', () => {
  it('answers from memory at once and writes one batch after the delay', async () => {
    vi.useFakeTimers();
    const store = new SqliteStore(':memory:');
    const t = new LastUsedTracker({ store, clock, flushMs: 5000 });
    t.noteRole(A, 'AROAROLE1', 'eu-west-1');
    t.noteAccessKey(A, 'AKIAKEY1', 's3', 'us-west-2');
    expect(await t.role(A, 'AROAROLE1')).toEqual({
      date: '2026-12-07T10:00:00Z',
      region: 'eu-west-1',
    });
    expect(await store.list(LAST_USED_COLLECTION)).toEqual([]);
    const before = await store.revision();
    await vi.advanceTimersByTimeAsync(5000);
    const stored = await store.list(LAST_USED_COLLECTION);
    expect(stored.map((i) => [i.key, i.value])).toEqual([
      [`${A}/key/AKIAKEY1`, { date: '2026-12-07T10:00:00Z', service: 's3', region: 'us-west-2' }],
      [`${A}/role/AROAROLE1`, { date: '2026-12-07T10:00:00Z', region: 'eu-west-1' }],
    ]);
    // one transaction for the batch
    expect(await store.revision()).toBe(before + 2);
    await t.close();
    await store.close();
  });

  it('never replaces a later use another process wrote with an earlier one (edge replicas)', async () => {
    const store = new SqliteStore(':memory:');
    let t = new Date('2026-12-07T10:00:03.000Z');
    const later = new LastUsedTracker({ store, clock: () => t, flushMs: 60_000 });
    t = new Date('2026-12-07T10:00:01.000Z');
    const earlier = new LastUsedTracker({ store, clock: () => t, flushMs: 60_000 });
    earlier.noteAccessKey(A, 'AKIAKEY1', 'sts', 'us-east-1');
    t = new Date('2026-12-07T10:00:03.000Z');
    later.noteAccessKey(A, 'AKIAKEY1', 'iam', 'us-east-1');
    await later.flush();
    // the earlier note, written last, does not win; nor is it what its own process answers
    expect((await earlier.accessKey(A, 'AKIAKEY1'))?.service).toBe('iam');
    await earlier.flush();
    expect((await store.get(LAST_USED_COLLECTION, `${A}/key/AKIAKEY1`))?.value).toEqual({
      date: '2026-12-07T10:00:03Z',
      service: 'iam',
      region: 'us-east-1',
    });
    await earlier.close();
    await later.close();
    await store.close();
  });

  it('keeps the last use of each, and does not touch the IAM collections caches key on', async () => {
    const store = new SqliteStore(':memory:');
    const iamRevision = await store.revision(IAM_COLLECTIONS);
    const t = new LastUsedTracker({ store, clock });
    t.noteRole(A, 'AROAROLE1', 'eu-west-1');
    now = new Date('2026-12-07T10:05:00Z');
    t.noteRole(A, 'AROAROLE1', 'us-east-2');
    await t.flush();
    expect(await t.role(A, 'AROAROLE1')).toEqual({
      date: '2026-12-07T10:05:00Z',
      region: 'us-east-2',
    });
    expect(await t.role(A, 'AROAOTHER')).toBeUndefined();
    expect(await t.role('210987654321', 'AROAROLE1')).toBeUndefined();
    expect(await store.revision(IAM_COLLECTIONS)).toBe(iamRevision);
    await t.close();
    await store.close();
  });

  it('survives a restart: close writes what is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-lastused-'));
    dirs.push(dir);
    let store: Store = openSqliteStore(dir);
    let t = new LastUsedTracker({ store, clock, flushMs: 60_000 });
    t.noteAccessKey(A, 'AKIAKEY2', 'sts', 'us-east-1');
    await t.close();
    await store.close();
    store = openSqliteStore(dir);
    t = new LastUsedTracker({ store, clock });
    expect(await t.accessKey(A, 'AKIAKEY2')).toEqual({
      date: expect.stringMatching(/Z$/),
      service: 'sts',
      region: 'us-east-1',
    });
    await t.close();
    await store.close();
  });

  it('a batch that cannot be written stays noted and is written by the next flush', async () => {
    const store = new SqliteStore(':memory:');
    const errors: unknown[] = [];
    const t = new LastUsedTracker({ store, clock, onError: (e) => errors.push(e) });
    const real = store.transaction.bind(store);
    const spy = vi
      .spyOn(store, 'transaction')
      .mockImplementationOnce(() => Promise.reject(new Error('disk full')));
    t.noteRole(A, 'AROAROLE1', 'eu-west-1');
    await t.flush();
    expect(errors).toHaveLength(1);
    expect(await store.list(LAST_USED_COLLECTION)).toEqual([]);
    expect((await t.role(A, 'AROAROLE1'))?.region).toBe('eu-west-1');
    spy.mockImplementation(real);
    await t.flush();
    expect((await store.list(LAST_USED_COLLECTION)).map((i) => i.key)).toEqual([
      `${A}/role/AROAROLE1`,
    ]);
    await t.close();
    await store.close();
  });

  it('a use noted while a batch is written is kept for the next one', async () => {
    const store = new SqliteStore(':memory:');
    const t = new LastUsedTracker({ store, clock });
    t.noteRole(A, 'AROAROLE1', 'eu-west-1');
    const writing = t.flush();
    t.noteRole(A, 'AROAROLE1', 'sa-east-1');
    await writing;
    expect((await t.role(A, 'AROAROLE1'))?.region).toBe('sa-east-1');
    await t.close();
    const stored = await store.get<{ region: string }>(LAST_USED_COLLECTION, `${A}/role/AROAROLE1`);
    expect(stored?.value.region).toBe('sa-east-1');
    await store.close();
  });
});
