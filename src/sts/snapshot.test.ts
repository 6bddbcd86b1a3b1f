/**
 * The revision snapshot behind STS's IAM reads: one load per key and revision, frozen values,
 * everything dropped when the store revision moves, nothing kept that was read across a write.
 */
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { RevisionSnapshot, snapshotDirectory } from './snapshot.js';
import { MemoryDirectory } from './test-support.js';

describe('RevisionSnapshot', () => {
  it('loads once per revision and drops everything when the revision moves', async () => {
    let revision = 1;
    const snap = new RevisionSnapshot(async () => revision);
    let loads = 0;
    const load = async () => ({ n: ++loads });
    const a = await snap.get('k', load);
    expect(await snap.get('k', load)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(loads).toBe(1);
    revision = 2;
    expect(await snap.get('k', load)).toEqual({ n: 2 });
    expect(loads).toBe(2);
  });

  it('keeps missing values too, and nothing read while a write moved the revision', async () => {
    let revision = 1;
    const snap = new RevisionSnapshot(async () => revision);
    let loads = 0;
    expect(await snap.get('gone', async () => (loads++, undefined))).toBeUndefined();
    expect(await snap.get('gone', async () => (loads++, undefined))).toBeUndefined();
    expect(loads).toBe(1);
    const racing = async () => {
      revision = 2; // a write commits while this load runs
      return { stale: true };
    };
    await snap.get('k', racing);
    expect(await snap.get('k', async () => ({ stale: false }))).toEqual({ stale: false });
  });

  it('without a revision source, always loads', async () => {
    const snap = new RevisionSnapshot();
    let loads = 0;
    await snap.get('k', async () => ++loads);
    await snap.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });

  it('follows a real store: a write anywhere is seen on the next read', async () => {
    const store = new SqliteStore(':memory:');
    const dir = new MemoryDirectory();
    dir.addRole({
      account: '123456789012',
      name: 'app',
      trust: { Version: '2012-10-17', Statement: [] },
    });
    let reads = 0;
    const counted = Object.assign(Object.create(dir) as MemoryDirectory, {
      getRole: (account: string, name: string) => (reads++, dir.getRole(account, name)),
    });
    const snapDir = snapshotDirectory(counted, () => store.revision());
    const first = await snapDir.getRole('123456789012', 'app');
    expect(await snapDir.getRole('123456789012', 'app')).toBe(first);
    expect(reads).toBe(1);
    await store.put('anything', 'k', 1);
    await snapDir.getRole('123456789012', 'app');
    expect(reads).toBe(2);
    expect(await snapDir.getRole('123456789012', 'nope')).toBeUndefined();
    await store.close();
  });

  it('sees the store revision stay put across a rolled-back write, and move on a committed one', async () => {
    const store = new SqliteStore(':memory:');
    const r0 = await store.revision();
    await expect(
      store.transaction(async (tx) => {
        await tx.put('c', 'k', 1);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await store.revision()).toBe(r0);
    await store.put('c', 'k', 1);
    expect(await store.revision()).toBe(r0 + 1);
    await store.delete('c', 'k');
    expect(await store.revision()).toBe(r0 + 2);
    await store.close();
  });
});
