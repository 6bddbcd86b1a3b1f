/**
 * The store a server opens: PostgreSQL when given a `postgres://` URL (`irsa up --store`),
 * else the embedded SQLite file under the data folder.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dataPaths } from '../common/data-dir.js';
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
    ? openPostgresStore(o.url, { owner: dataFolderId(dataDir) })
    : openSqliteStore(dataDir, { shared: o.shared });
}

/**
 * The data folder's id (`<data>/store-owner`, made on first use): a PostgreSQL schema is
 * claimed by the data folder that made it, since S3 bodies and the audit trail stay there.
 */
export function dataFolderId(dataDir: string): string {
  const file = dataPaths(dataDir).storeOwner;
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id !== '') return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const id = randomUUID();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // (wx: two processes making it at once agree on the first one's)
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFileSync(file, 'utf8').trim();
  }
}

/** Where a server's store is, as messages name it (a URL's password never shows). */
export function storeLocation(dataDir: string, url?: string): string {
  return url !== undefined ? redactStoreUrl(url) : dataPaths(dataDir).store;
}
