import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../store/sqlite-store.js';
import { BlobStore } from './blobs.js';
import { uploadsOf } from './multipart.js';
import { BUCKETS, objectsOf } from './repo.js';
import { sweepUnreferencedBodies } from './sweep.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('sweepUnreferencedBodies', () => {
  it('removes the old files no object or upload part names, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-sweep-'));
    dirs.push(dir);
    const blobs = new BlobStore(dir);
    const store = new SqliteStore(':memory:');
    const ids = {
      object: blobs.newId(),
      part: blobs.newId(),
      orphan: blobs.newId(),
      deletedBucketOrphan: blobs.newId(),
      recent: blobs.newId(),
    };
    for (const id of Object.values(ids)) await blobs.write(id, Buffer.alloc(5000, 1));
    const path = (id: string) => join(dir, id.slice(0, 2), id);
    const old = new Date('2026-12-01T00:00:00Z');
    for (const id of Object.values(ids)) if (id !== ids.recent) utimesSync(path(id), old, old);
    await store.put(BUCKETS, 'b1', { name: 'b1' });
    await store.put(objectsOf('b1'), 'big.bin', { file: ids.object, size: 5000 });
    await store.put(objectsOf('b1'), 'small.txt', {
      file: '',
      inline: true,
      body: 'aGk=',
      size: 2,
    });
    await store.put(uploadsOf('b1'), 'u1', {
      key: 'k',
      parts: { '1': { file: ids.part, size: 5000, etag: '"x"', lastModified: '' } },
    });
    // a record of a bucket that is gone names nothing
    await store.put(objectsOf('gone'), 'x', { file: ids.deletedBucketOrphan, size: 5000 });

    const r = await sweepUnreferencedBodies(store, blobs, Date.parse('2026-12-02T00:00:00Z'));
    expect(r).toEqual({ removed: 2, bytes: 10_000 });
    expect(existsSync(path(ids.object))).toBe(true);
    expect(existsSync(path(ids.part))).toBe(true);
    expect(existsSync(path(ids.recent))).toBe(true);
    expect(existsSync(path(ids.orphan))).toBe(false);
    expect(existsSync(path(ids.deletedBucketOrphan))).toBe(false);
    await store.close();
  });

  it('is a no-op on a data folder without bodies', async () => {
    const store = new SqliteStore(':memory:');
    const blobs = new BlobStore(join(tmpdir(), 'irsa-sweep-none-does-not-exist'));
    expect(await sweepUnreferencedBodies(store, blobs, Date.now())).toEqual({
      removed: 0,
      bytes: 0,
    });
    await store.close();
  });
});
