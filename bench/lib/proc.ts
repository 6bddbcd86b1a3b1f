/**
 * The processes a benchmark runs (irsakit, moto_server, a trivial server): started without a
 * pipe nobody reads, waited for, measured from /proc, and stopped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

const children: ChildProcess[] = [];

/**
 * CPU seconds (user, system) a process has used so far, from /proc; undefined elsewhere.
 * CPU per request is what a shared machine's noise disturbs least: throughput drops when
 * other work takes the cores, the CPU a request costs does not.
 */
export function cpuSeconds(pid: number | undefined): { user: number; system: number } | undefined {
  if (pid === undefined) return undefined;
  const own = statOf(pid);
  if (!own) return undefined;
  // and its children's (irsa up --replicas: the edge replicas are its children)
  let user = own.user;
  let system = own.system;
  for (const child of childrenOf(pid)) {
    const c = cpuSeconds(child);
    if (c) {
      user += c.user;
      system += c.system;
    }
  }
  return { user, system };
}

function statOf(pid: number): { user: number; system: number; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      user: Number(fields[11]) / 100,
      system: Number(fields[12]) / 100,
    };
  } catch {
    return undefined;
  }
}

/** The live processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((f) => /^\d+$/.test(f))
    .map(Number)
    .filter((p) => statOf(p)?.ppid === pid);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms for up to 20 s. */
export async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

/**
 * Load that is not measured, before a series: `BENCH_WARMUP` seconds (default 1) at 16
 * connections, the same for every server, so that no point measures a server's first calls
 * (compiling its code, filling its caches). `BENCH_WARMUP=0` skips it.
 */
export async function warmUp(
  run: (connections: number, seconds: number) => Promise<unknown>,
): Promise<void> {
  const seconds = Number(process.env.BENCH_WARMUP ?? 1);
  if (seconds > 0) await run(16, seconds);
}

/** Starts a process the benchmark stops at the end (`stopAll`). */
export function start(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  // never a pipe nobody reads: a chatty server (moto logs every request) would block on it
  const c = spawn(cmd, args, {
    env,
    stdio: process.env.BENCH_STDERR ? ['ignore', 'ignore', 'inherit'] : 'ignore',
  });
  children.push(c);
  return c;
}

/** Stops every process `start` started. */
export function stopAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}

/** moto_server on a free port, or undefined when python3 has no moto (or BENCH_MOTO=0). */
export async function startMoto(): Promise<
  { base: string; host: string; pid?: number } | undefined
> {
  if (process.env.BENCH_MOTO === '0') return undefined;
  const have = await new Promise<boolean>((resolve) => {
    const c = spawn('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
    c.on('exit', (code) => resolve(code === 0));
    c.on('error', () => resolve(false));
  });
  if (!have) return undefined;
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const pid = start('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)]).pid;
  await waitFor(async () => (await fetch(`http://${host}/moto-api/`)).status < 500, 'moto_server');
  return { base: `http://${host}`, host, pid };
}

/** CPU seconds per thread of a process (by thread name and id), from /proc; empty elsewhere. */
export function threadCpuSeconds(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (pid === undefined) return out;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid}`, (Number(fields[11]) + Number(fields[12])) / 100);
    }
  } catch {
    // the process is gone or this is not Linux
  }
  return out;
}

/** The threads that used CPU between two readings, busiest first: `name 0.61, …` cores. */
export function threadShares(
  before: Map<string, number>,
  after: Map<string, number>,
  seconds: number,
): string {
  return [...after]
    .map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / seconds] as const)
    .filter(([, share]) => share >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([k, share]) => `${k} ${share.toFixed(2)}`)
    .join(', ');
}

/** The connection counts to measure: BENCH_CONNECTIONS=16 or 1,16 narrows the default 1, 16, 64. */
export function connectionCounts(): number[] {
  const given = (process.env.BENCH_CONNECTIONS ?? '')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  return given.length > 0 ? given : [1, 16, 64];
}

/** Runs a benchmark's `main`: its error printed (exit code 1), every started process stopped. */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => {
      stopAll();
      setTimeout(() => process.exit(), 500).unref();
    });
}
