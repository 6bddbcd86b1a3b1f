/**
 * Body files no record names, removed. A body file is written before the transaction that
 * records it and deleted after the one that drops it (bodies.ts), so a process killed in
 * between leaves a file nothing refers to: never a record without its body, but disk that is
 * never given back. `irsa up` sweeps at start, in the background, and only files older than the
 * moment it started, so that a body being written by a request it already serves is never
 * taken for garbage.
 */
import type { Store } from '../../store/types.js';
import type { BlobStore } from './blobs.js';
import { type UploadRecord, uploadsOf } from './multipart.js';
import { BUCKETS, type ObjectRecord, objectsOf } from './repo.js';

/** What a sweep found and removed. */
export interface SweepResult {
  removed: number;
  bytes: number;
}

/**
 * Removes the body files older than `before` (epoch ms) that no object or upload part names.
 *
 * @example
 * await sweepUnreferencedBodies(store, blobs, Date.now()) // → { removed: 2, bytes: 10485760 }
 */
export async function sweepUnreferencedBodies(
  store: Store,
  blobs: BlobStore,
  before: number,
): Promise<SweepResult> {
  // the files named now; a file written after `before` is left alone whatever it is
  const named = new Set<string>();
  for (const { key: bucket } of await store.list(BUCKETS)) {
    for (const { value } of await store.list<ObjectRecord>(objectsOf(bucket)))
      if (!value.inline && value.file) named.add(value.file);
    for (const { value } of await store.list<UploadRecord>(uploadsOf(bucket)))
      for (const part of Object.values(value.parts)) named.add(part.file);
  }
  const result: SweepResult = { removed: 0, bytes: 0 };
  for await (const f of blobs.files()) {
    if (f.mtimeMs >= before || named.has(f.id)) continue;
    result.bytes += f.size;
    await blobs.remove(f.id);
    result.removed++;
  }
  return result;
}
