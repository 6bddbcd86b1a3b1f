/**
 * The data folder of `irsa up` and how every other command finds the running server
 * (DESIGN.md "Finding the server"): `--data`, else `$IRSA_DATA`, else `~/.irsa`; and
 * `--endpoint`, else `$IRSA_ENDPOINT`, else the endpoint `irsa up` recorded in the data
 * folder, else `http://127.0.0.1:4577`.
 *
 * Layout:
 * - `irsakit.db`    the embedded store
 * - `admin-token`   the bearer token of the server's admin API (mode 0600)
 * - `server.json`   what the running server recorded: `{ pid, edge, issuer }`
 * - `ca/`           the local certificate authority (`ca.crt`, `ca.key`) and server certificates
 * - `credentials`   the accounts' admin keys, AWS shared-credentials format (mode 0600)
 * - `tokens/`       token files written for `irsa exec`
 * - `irsakit.lock`  the pid of the `irsa up` that owns the folder (one server per folder)
 * - `audit.db`, `audit.db.commitlog.<n>`   the audit trail's index and commit log
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_EDGE_PORT = 4577;
export const DEFAULT_ISSUER_PORT = 4578;
export const DEFAULT_ENDPOINT = `http://127.0.0.1:${DEFAULT_EDGE_PORT}`;

export interface ServerRecord {
  pid: number;
  /** the edge's base URL, e.g. http://127.0.0.1:4577 */
  edge: string;
  /** the issuers' HTTPS base URL, e.g. https://127.0.0.1:4578 */
  issuer: string;
  startedAt: string;
}

export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag || env.IRSA_DATA || join(homedir(), '.irsa'));
}

export const dataPaths = (dir: string) => ({
  store: join(dir, 'irsakit.db'),
  /** the data folder's id, which a PostgreSQL store's schema is claimed by */
  storeOwner: join(dir, 'store-owner'),
  adminToken: join(dir, 'admin-token'),
  server: join(dir, 'server.json'),
  caDir: join(dir, 'ca'),
  credentials: join(dir, 'credentials'),
  tokens: join(dir, 'tokens'),
  lock: join(dir, 'irsakit.lock'),
});

/** Another `irsa up` owns the data folder. */
export class DataFolderInUse extends Error {
  override readonly name = 'DataFolderInUse';
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(
      `irsakit is already running on ${dir} (pid ${pid}): stop it first, or give this one another --data folder (if no irsakit runs there, remove ${join(dir, 'irsakit.lock')})`,
    );
    this.pid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this process the data folder's only server, as the store and the audit log require
 * (each assumes one writer): `irsakit.lock` holds the owner's pid. A lock whose process is gone
 * (irsakit was killed) is taken over. Returns the release function.
 *
 * @example
 * const release = lockDataFolder('/tmp/irsa'); // throws DataFolderInUse while another runs
 * release();
 */
function lockOwner(path: string): number {
  try {
    return Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    return Number.NaN; // unreadable (or gone): taken over
  }
}

/** A takeover marker older than this was left by a process that died taking over. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * Removes a stale lock, one process at a time: the `.takeover` marker is created exclusively,
 * so of several processes finding the same dead owner only one removes its lock (the others
 * would otherwise remove the winner's new one, and two servers would share the folder).
 */
function takeOver(dir: string, path: string, staleOwner: number): void {
  const marker = `${path}.takeover`;
  try {
    closeSync(openSync(marker, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    let age = 0;
    try {
      age = Date.now() - statSync(marker).mtimeMs;
    } catch {
      // gone meanwhile
    }
    if (age < TAKEOVER_STALE_MS) throw new DataFolderInUse(dir, staleOwner);
    rmSync(marker, { force: true });
    closeSync(openSync(marker, 'wx', 0o600));
  }
  try {
    // still the dead owner's lock? (a process quicker than us may hold it by now)
    if (lockOwner(path) === staleOwner || Number.isNaN(lockOwner(path)))
      rmSync(path, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
}

export function lockDataFolder(dir: string): () => void {
  const path = dataPaths(dir).lock;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = lockOwner(path);
      // this process's own lock (a server of it that did not close) is no other server
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner))
        throw new DataFolderInUse(dir, owner);
      // another process took the stale lock over between our two attempts
      if (attempt > 0) throw new DataFolderInUse(dir, owner);
      takeOver(dir, path, owner);
    }
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
}

export function readServerRecord(dir: string): ServerRecord | undefined {
  const p = dataPaths(dir).server;
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
}

export function resolveEndpoint(
  flag: string | undefined,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const e = flag || env.IRSA_ENDPOINT || readServerRecord(dataDir)?.edge || DEFAULT_ENDPOINT;
  return e.replace(/\/+$/, '');
}

/** The admin token, created (mode 0600) on first use. */
export function ensureAdminToken(dir: string): string {
  const p = dataPaths(dir).adminToken;
  if (existsSync(p)) return readFileSync(p, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(p, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

export function readAdminToken(dir: string): string | undefined {
  const p = dataPaths(dir).adminToken;
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined;
}
