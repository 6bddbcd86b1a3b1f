/**
 * Object bodies as files under `<dataDir>/s3/objects/<2 hex>/<id>`. Every write makes a new
 * file with a fresh random id, and a body file never changes once written, so:
 *
 * - a write commits by recording its id in the object's record (one store transaction); a
 *   refused or failed request deletes its file, and a crash in between leaves at most an
 *   unreferenced file (removed by the next start's sweep, sweep.ts), never a record without
 *   its body or a body torn in half;
 * - readers and the in-memory cache need no invalidation: an id always means the same bytes.
 *
 * Small bodies go through synchronous file calls (one short blocking call is cheaper than
 * three trips through the thread pool); large ones are asynchronous. Nothing is fsynced: a
 * body is as durable as the store's own commits (SQLite WAL, `synchronous=NORMAL`).
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pooledRandom } from '../../common/random.js';

const random = pooledRandom();

/** Bodies up to this size are read and written with synchronous calls. */
const SYNC_LIMIT = 256 * 1024;

export interface BlobStoreOptions {
  /** total bytes the cache keeps (default 64 MiB) */
  cacheBytes?: number | undefined;
  /** bodies larger than this are never cached (default 1 MiB) */
  cacheMaxObject?: number | undefined;
}

export class BlobStore {
  private readonly dir: string;
  private readonly made = new Set<string>();
  /** id → body, least recently used first */
  private readonly cache = new Map<string, Buffer>();
  private cached = 0;
  private readonly cacheBytes: number;
  private readonly cacheMaxObject: number;

  constructor(dir: string, opts: BlobStoreOptions = {}) {
    this.dir = dir;
    this.cacheBytes = opts.cacheBytes ?? 64 * 1024 * 1024;
    this.cacheMaxObject = opts.cacheMaxObject ?? 1024 * 1024;
  }

  /** A fresh id for a body about to be written. */
  newId(): string {
    return Buffer.from(random(16)).toString('hex');
  }

  private path(id: string): string {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new TypeError(`not a body id: ${id}`);
    const shard = join(this.dir, id.slice(0, 2));
    if (!this.made.has(shard)) {
      mkdirSync(shard, { recursive: true, mode: 0o700 });
      this.made.add(shard);
    }
    return join(shard, id);
  }

  private remember(id: string, data: Buffer): void {
    if (data.length > this.cacheMaxObject) return;
    this.cache.set(id, data);
    this.cached += data.length;
    while (this.cached > this.cacheBytes) {
      const oldest = this.cache.entries().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value[0]);
      this.cached -= oldest.value[1].length;
    }
  }

  /** Writes a new body file (never overwriting one). */
  async write(id: string, data: Buffer): Promise<void> {
    const file = this.path(id);
    if (data.length <= SYNC_LIMIT) writeFileSync(file, data, { flag: 'wx', mode: 0o600 });
    else await writeFile(file, data, { flag: 'wx', mode: 0o600 });
    this.remember(id, data);
  }

  /** The body, or undefined when its file is gone (replaced or deleted meanwhile). */
  async read(id: string, sizeHint: number): Promise<Buffer | undefined> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    try {
      const data =
        sizeHint <= SYNC_LIMIT ? readFileSync(this.path(id)) : await readFile(this.path(id));
      this.remember(id, data);
      return data;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** The bodies of several files, one after the other; undefined if one is gone. */
  async concat(parts: readonly { file: string; size: number }[]): Promise<Buffer | undefined> {
    const out: Buffer[] = [];
    for (const p of parts) {
      const data = await this.read(p.file, p.size);
      if (!data) return undefined;
      out.push(data);
    }
    return Buffer.concat(out);
  }

  /** Every body file there is, with its size and when it was written (for the startup sweep). */
  async *files(): AsyncGenerator<{ id: string; mtimeMs: number; size: number }> {
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const shard of shards.filter((s) => /^[0-9a-f]{2}$/.test(s)).sort()) {
      for (const id of (await readdir(join(this.dir, shard))).sort()) {
        if (!/^[0-9a-f]{32}$/.test(id) || id.slice(0, 2) !== shard) continue;
        try {
          const st = await stat(join(this.dir, shard, id));
          yield { id, mtimeMs: st.mtimeMs, size: st.size };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }
    }
  }

  /** Deletes a body file; a missing one is fine. */
  async remove(id: string): Promise<void> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cached -= hit.length;
    }
    try {
      if (hit && hit.length <= SYNC_LIMIT) unlinkSync(this.path(id));
      else await unlink(this.path(id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
