/**
 * irsakit as the benchmarks run it: `irsa up` on a fresh data folder (no demo), waited for,
 * with the default account's admin key read from the credentials file; and SigV4-signed
 * requests for the load generators.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signRequest } from '../../src/sigv4/testing/sign.js';
import type { LoadRequest } from './load.js';
import { start, waitFor } from './proc.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** One fixed request, SigV4-signed now (a signature stays valid for 15 minutes). */
export function signed(
  host: string,
  creds: Creds,
  method: string,
  target: string,
  service: string,
  body = '',
  headers: [string, string][] = [],
): LoadRequest {
  const s = signRequest({
    method,
    target,
    headers: [['Host', host], ...headers],
    body,
    credentials: creds,
    region: 'us-east-1',
    service,
    now: new Date(),
  });
  return {
    method,
    path: target,
    headers: Object.fromEntries(s.headers),
    body: body === '' ? undefined : body,
  };
}

/** A signed query-protocol call (STS, IAM): a form POST to `/`. */
export function signedQuery(
  host: string,
  body: string,
  creds: Creds,
  service: string,
): LoadRequest {
  return signed(host, creds, 'POST', '/', service, body, [
    ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
  ]);
}

/**
 * The edge processes the benchmarks run irsakit with: BENCH_REPLICAS (`irsa up --replicas`),
 * else 1 — as `irsa up` runs by default, and the faster on two cores (README, Benchmarks).
 */
export function benchReplicas(): number {
  const n = Number(process.env.BENCH_REPLICAS ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Starts `irsa up` (the `cli` given, else this checkout's) on a fresh data folder and waits
 * for it. BENCH_PROFILE_DIR=<dir>: it writes a CPU profile there when it stops;
 * BENCH_NODE_FLAGS='--perf-basic-prof': flags for its node (perf can then name JS frames).
 * BENCH_REPLICAS=<n>: its edge processes (`--replicas`; default `benchReplicas()`).
 * BENCH_STORE=postgres://…: its store in that PostgreSQL database (`--store`), a fresh schema.
 */
export async function startIrsaUp(cli: string = join(root, 'dist/src/cli/main.js')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'irsa-bench-'));
  const profile = process.env.BENCH_PROFILE_DIR;
  const server = start(process.execPath, [
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? []),
    cli,
    'up',
    '--port',
    '0',
    '--issuer-port',
    '0',
    '--data',
    dataDir,
    // each benchmark makes what it measures: no demo
    '--no-demo',
    // (only when more than one: an A/B against an older checkout runs its CLI, without the option)
    ...(benchReplicas() > 1 ? ['--replicas', String(benchReplicas())] : []),
    ...(process.env.BENCH_STORE
      ? ['--store', `${process.env.BENCH_STORE}?schema=bench_${Date.now().toString(36)}`]
      : []),
  ]);
  // server.json appears once both ports listen; it may be read while still being written
  let record: { edge: string; issuer: string } | undefined;
  await waitFor(async () => {
    record = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as typeof record;
    return true;
  }, 'irsa up');
  const { edge, issuer } = record as { edge: string; issuer: string };
  const text = readFileSync(join(dataDir, 'credentials'), 'utf8');
  const admin: Creds = {
    accessKeyId: /aws_access_key_id = (\S+)/.exec(text)?.[1] as string,
    secretAccessKey: /aws_secret_access_key = (\S+)/.exec(text)?.[1] as string,
  };
  return {
    pid: server.pid,
    dataDir,
    edge,
    issuer,
    host: new URL(edge).host,
    /** the admin API's bearer token */
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    /** the default account's admin access key */
    admin,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
