/**
 * The server key that seals sessions and derives secret keys (DESIGN.md "Credentials without
 * a lookup"): 32 random bytes, created once and kept in the store (collection `sts-keys`,
 * key `server`) so that every replica sharing the store — and the same replica after a
 * restart — verifies the credentials it issued. The bytes never leave `ServerKey` except to
 * the sealer; printing one shows `[ServerKey]`.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { Store } from '../store/index.js';
import type { RandomSource } from './types.js';

export const SERVER_KEY_COLLECTION = 'sts-keys';
export const SERVER_KEY_NAME = 'server';
export const SERVER_KEY_BYTES = 32;

interface StoredServerKey {
  /** base64 of the 32 bytes */
  key: string;
  createdAt: string;
}

export class ServerKey {
  readonly #bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Wraps 32 bytes (copied). */
  static from(bytes: Uint8Array): ServerKey {
    if (bytes.length !== SERVER_KEY_BYTES)
      throw new TypeError(`a server key is ${SERVER_KEY_BYTES} bytes, not ${bytes.length}`);
    return new ServerKey(Uint8Array.from(bytes));
  }

  /** The raw bytes; for the sealer only. */
  bytes(): Uint8Array {
    return this.#bytes;
  }

  toJSON(): string {
    return '[ServerKey]';
  }

  toString(): string {
    return '[ServerKey]';
  }

  [inspect.custom](): string {
    return '[ServerKey]';
  }
}

/**
 * The store's server key, created (in a transaction, so concurrent replicas agree) when
 * there is none yet.
 *
 * @example
 * const key = await loadOrCreateServerKey(store);
 * const sealer = new CredentialSealer({ key, clock: systemClock });
 */
export async function loadOrCreateServerKey(
  store: Store,
  opts: { random?: RandomSource; now?: () => Date } = {},
): Promise<ServerKey> {
  const existing = await store.get<StoredServerKey>(SERVER_KEY_COLLECTION, SERVER_KEY_NAME);
  if (existing) return decode(existing.value);
  return store.transaction(async (tx) => {
    const again = await tx.get<StoredServerKey>(SERVER_KEY_COLLECTION, SERVER_KEY_NAME);
    if (again) return decode(again.value);
    const bytes = (opts.random ?? randomBytes)(SERVER_KEY_BYTES);
    await tx.put<StoredServerKey>(SERVER_KEY_COLLECTION, SERVER_KEY_NAME, {
      key: Buffer.from(bytes).toString('base64'),
      createdAt: (opts.now ?? (() => new Date()))().toISOString(),
    });
    return ServerKey.from(bytes);
  });
}

function decode(v: StoredServerKey): ServerKey {
  const bytes = Buffer.from(v.key, 'base64');
  if (bytes.length !== SERVER_KEY_BYTES)
    throw new TypeError(`the stored STS server key is ${bytes.length} bytes, not 32`);
  return ServerKey.from(bytes);
}
