/**
 * Where an object's body lives: small bodies (at most 4 KiB by default) inline in the store
 * (`s3.bodies`, by body id), committed in the same transaction as the object's record; larger
 * ones as immutable files (see blobs.ts), written before that transaction and deleted if it
 * fails. Inlining small bodies, as MinIO does, spares a file creation and deletion per small
 * write, which is most of a 1 KiB PutObject's cost; either way a body id always means the
 * same bytes, and a failed or refused request leaves nothing behind.
 */
import type { Store, StoreOps } from '../../store/types.js';
import type { BlobStore } from './blobs.js';

export const BODIES = 's3.bodies';
export const DEFAULT_INLINE_LIMIT = 4096;

/** How a record names its body. */
export interface BodyRef {
  file: string;
  /** the body is in the store (`s3.bodies`), not in a file */
  inline?: true | undefined;
}

/** A body written or about to be written, until its record commits. */
export interface StagedBody {
  ref: BodyRef;
  data: Buffer;
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

  /** Before the record's transaction: a file body is written now. */
  async stage(data: Buffer): Promise<StagedBody> {
    const file = this.blobs.newId();
    if (data.length <= this.inlineLimit) return { ref: { file, inline: true }, data };
    await this.blobs.write(file, data);
    return { ref: { file }, data };
  }

  /** Inside the record's transaction: an inline body is stored with it. */
  async commit(tx: StoreOps, staged: StagedBody): Promise<void> {
    if (staged.ref.inline) await tx.put(BODIES, staged.ref.file, staged.data.toString('base64'));
  }

  /** After the record's transaction failed: a file body is deleted. */
  async discard(staged: StagedBody): Promise<void> {
    if (!staged.ref.inline) await this.blobs.remove(staged.ref.file);
  }

  /**
   * Inside a transaction that drops a record: an inline body goes with it; a file body's id is
   * returned, for `removeFile` once the transaction has committed.
   */
  async release(tx: StoreOps, ref: BodyRef): Promise<string | undefined> {
    if (ref.inline) {
      await tx.delete(BODIES, ref.file);
      return undefined;
    }
    return ref.file;
  }

  async removeFile(file: string | undefined): Promise<void> {
    if (file !== undefined) await this.blobs.remove(file);
  }

  /** The body, or undefined when it is gone (its record was replaced meanwhile). */
  async read(ref: BodyRef, size: number): Promise<Buffer | undefined> {
    if (!ref.inline) return this.blobs.read(ref.file, size);
    const item = await this.store.get<string>(BODIES, ref.file);
    return item ? Buffer.from(item.value, 'base64') : undefined;
  }
}
