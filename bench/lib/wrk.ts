/**
 * Load from wrk (Debian package `wrk`), a C load generator, when it is installed: it keeps
 * the generator's own CPU use small, so a 2-core machine measures the server, not the client.
 * Falls back to nothing: callers use `runLoad` when `haveWrk()` is false.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadRequest, LoadResult } from './load.js';

export function haveWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // wrk --version exits 1 after printing its version
    return (e as { status?: number }).status === 1;
  }
}

const lua = (s: string) => JSON.stringify(s);

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** Runs wrk with one fixed request (a SigV4 signature stays valid for 15 minutes). */
export function runWrk(
  base: string,
  r: LoadRequest,
  opts: { connections: number; seconds: number },
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-wrk-'));
  const script = join(dir, 'request.lua');
  const headers = Object.entries(r.headers)
    .filter(([k]) => k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length')
    .map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`)
    .join('\n');
  const body = r.body === undefined ? '' : `wrk.body = ${lua(r.body.toString())}`;
  writeFileSync(
    script,
    `wrk.method = ${lua(r.method)}\nwrk.path = ${lua(r.path)}\n${headers}\n${body}\n`,
  );
  return new Promise((resolve, reject) => {
    const args = [
      '-t1',
      `-c${opts.connections}`,
      `-d${opts.seconds}s`,
      '--latency',
      '-s',
      script,
      base,
    ];
    // BENCH_WRK_CPU=0: wrk pinned to that core (taskset), the servers left free
    const cpu = process.env.BENCH_WRK_CPU;
    execFile(cpu ? 'taskset' : 'wrk', cpu ? ['-c', cpu, 'wrk', ...args] : args, (err, stdout) => {
      if (err) return reject(err);
      const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
      const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const socketErrors =
        /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors =
        non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({
        connections: opts.connections,
        requests,
        errors,
        seconds: opts.seconds,
        perSecond,
        p50: ms(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? ''),
        p99: ms(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? ''),
        max: ms(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(stdout)?.[1] ?? ''),
        firstError: errors ? `${non2xx} non-2xx answers` : undefined,
      });
    });
  });
}
