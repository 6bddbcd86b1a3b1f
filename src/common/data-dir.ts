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
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  adminToken: join(dir, 'admin-token'),
  server: join(dir, 'server.json'),
  caDir: join(dir, 'ca'),
  credentials: join(dir, 'credentials'),
  tokens: join(dir, 'tokens'),
});

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
