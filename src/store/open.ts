/**
 * The store a server opens: PostgreSQL when given a `postgres://` URL (`irsa up --store`),
 * else the embedded SQLite file under the data folder.
 */
import { join } from 'node:path';
import { openPostgresStore } from './postgres-store.js';
import { redactStoreUrl } from './store-url.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** a PostgreSQL URL (`postgres://…`); absent: SQLite under the data folder */
  url?: string | undefined;
  /** SQLite only: other processes open the file too (edge replicas) */
  shared?: boolean | undefined;
}

/**
 * Opens the store of a server.
 *
 * @example
 * const store = await openStore('/tmp/irsa', { url: process.env.IRSA_STORE });
 */
export async function openStore(dataDir: string, o: OpenStoreOptions = {}): Promise<Store> {
  return o.url !== undefined
    ? openPostgresStore(o.url)
    : openSqliteStore(dataDir, { shared: o.shared });
}

/** Where a server's store is, as messages name it (a URL's password never shows). */
export function storeLocation(dataDir: string, url?: string): string {
  return url !== undefined ? redactStoreUrl(url) : join(dataDir, 'irsakit.db');
}
