/**
 * Where an object's body lives: small bodies (at most 4 KiB by default) inline in the object's
 * own record (base64), so that they commit with it and go with it; larger ones as immutable
 * files (see blobs.ts), written before the record's transaction and deleted if it fails.
 * Inlining small bodies, as MinIO does, spares a file creation and deletion per small write —
 * and, in the record itself, the store writes of a separate body row (put, and the delete of
 * the replaced one): a 1 KiB PutObject writes one row. Records of earlier versions name an
 * inline body kept in `s3.bodies` by id; those are still read and released. Either way a body
 * always means the same bytes, and a failed or refused request leaves nothing behind.
 */
import type { Store, StoreOps } from '../../store/types.js';
import type { BlobStore } from './blobs.js';

/** Inline bodies by id, as irsakit kept them before they moved into their records. */
export const BODIES = 's3.bodies';
export const DEFAULT_INLINE_LIMIT = 4096;

/** How a record names its body. */
export interface BodyRef {
  /** the body's file (or, for an inline body of an earlier version, its id in `s3.bodies`) */
  file: string;
  /** the body is inline: in `body`, or else in the store (`s3.bodies`) */
  inline?: true | undefined;
  /** an inline body itself, base64 */
  body?: string | undefined;
}

export class Bodies {
  private readonly blobs: BlobStore;
  private readonly store: Store;
  private readonly inlineLimit: number;

  constructor(blobs: BlobStore, store: Store, inlineLimit = DEFAULT_INLINE_LIMIT) {
    this.blobs = blobs;
    this.store = store;
    this.inlineLimit = inlineLimit;
  }

  /**
   * Before the record's transaction: a file body is written now; an inline one rides in the
   * ref, which goes into the record.
   */
  async stage(data: Buffer): Promise<BodyRef> {
    if (data.length <= this.inlineLimit)
      return { file: '', inline: true, body: data.toString('base64') };
    const file = this.blobs.newId();
    await this.blobs.write(file, data);
    return { file };
  }

  /** After the record's transaction failed: a file body is deleted. */
  async discard(ref: BodyRef): Promise<void> {
    if (!ref.inline) await this.blobs.remove(ref.file);
  }

  /**
   * Inside a transaction that drops a record: an inline body goes with it; a file body's id is
   * returned, for `removeFile` once the transaction has committed.
   */
  async release(tx: StoreOps, ref: BodyRef): Promise<string | undefined> {
    if (ref.inline) {
      if (ref.body === undefined) await tx.delete(BODIES, ref.file);
      return undefined;
    }
    return ref.file;
  }

  async removeFile(file: string | undefined): Promise<void> {
    if (file !== undefined) await this.blobs.remove(file);
  }

  /** The body, or undefined when it is gone (its record was replaced meanwhile). */
  async read(ref: BodyRef, size: number): Promise<Buffer | undefined> {
    if (ref.body !== undefined) return Buffer.from(ref.body, 'base64');
    if (!ref.inline) return this.blobs.read(ref.file, size);
    const item = await this.store.get<string>(BODIES, ref.file);
    return item ? Buffer.from(item.value, 'base64') : undefined;
  }
}
