/**
 * Two builds of irsakit side by side, to tell whether a change made an operation faster on a
 * machine whose speed drifts: both servers run at once and are measured in turns, several
 * rounds (the order flips each round), medians printed. Used by bench/sts/ab.ts and
 * bench/services/ab.ts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadRequest, type LoadResult, formatResult, runLoad } from './load.js';
import { cpuSeconds, threadCpuSeconds } from './proc.js';
import { haveWrk, runWrk } from './wrk.js';

const here = fileURLToPath(new URL('../../..', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export interface AbServer {
  pid: number | undefined;
  edge: string;
  cleanup: () => void;
}

/**
 * Starts this checkout's build and the one at `argv[2]` with `setup(cli)`, then measures each
 * of `ops` on both. BENCH_ROUNDS (5), BENCH_SECONDS (3), BENCH_CONNECTIONS (16).
 */
export async function compareBuilds<S extends AbServer>(
  setup: (cli: string) => Promise<S>,
  ops: [string, (s: S) => LoadRequest][],
): Promise<void> {
  const other = process.argv[2];
  if (!other) throw new Error('usage: ab.js <other checkout, built>');
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
  const servers: ({ name: string } & S)[] = [];
  for (const [name, cli] of [
    ['this', join(here, 'dist/src/cli/main.js')],
    ['other', join(other, 'dist/src/cli/main.js')],
  ] as const)
    servers.push({ name, ...(await setup(cli)) });
  const wrk = haveWrk() && process.env.BENCH_GENERATOR !== 'node';
  const measure = (base: string, r: LoadRequest): Promise<LoadResult> =>
    wrk
      ? runWrk(base, r, { connections, seconds })
      : runLoad(base, () => r, { connections, seconds });
  // the event loop's thread (its id is the process id): what bounds the throughput, and less
  // noisy than the throughput when other work shares the machine
  const loopSeconds = (pid: number | undefined) =>
    [...threadCpuSeconds(pid)].find(([k]) => k.endsWith(`#${pid}`))?.[1];
  const seen: Record<string, { rps: number[]; p99: number[]; cpu: number[]; loop: number[] }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [op, make] of ops) {
      for (const s of round % 2 ? [...servers].reverse() : servers) {
        const before = cpuSeconds(s.pid);
        const loopBefore = loopSeconds(s.pid);
        const r = await measure(s.edge, make(s));
        const after = cpuSeconds(s.pid);
        const loopAfter = loopSeconds(s.pid);
        const loop =
          loopBefore !== undefined && loopAfter !== undefined
            ? ((loopAfter - loopBefore) * 1e6) / Math.max(1, r.requests)
            : Number.NaN;
        const cpu =
          before && after
            ? ((after.user + after.system - before.user - before.system) * 1e6) /
              Math.max(1, r.requests)
            : Number.NaN;
        console.log(
          `${formatResult(`${s.name} ${op}`, r)}  CPU ${Math.round(cpu)} µs/req, event loop ${Math.round(loop)}`,
        );
        const k = `${op} ${s.name}`;
        seen[k] ??= { rps: [], p99: [], cpu: [], loop: [] };
        seen[k].rps.push(r.perSecond);
        seen[k].p99.push(r.p99);
        seen[k].cpu.push(cpu);
        seen[k].loop.push(loop);
      }
    }
  }
  console.log(`\nmedians of ${rounds} rounds, c=${connections}:`);
  for (const [k, v] of Object.entries(seen))
    console.log(
      `${k.padEnd(34)} ${Math.round(median(v.rps)).toLocaleString('en-US').padStart(7)} req/s  p99 ${median(v.p99).toFixed(2).padStart(6)} ms  CPU ${Math.round(median(v.cpu))} µs/req, event loop ${Math.round(median(v.loop))}`,
    );
  for (const s of servers) s.cleanup();
}
