/**
 * Two builds of irsakit side by side, to tell whether a change made STS faster on a machine
 * whose speed drifts: both servers run at once and are measured in turns (AssumeRoleWithWeb-
 * Identity and SigV4 GetCallerIdentity, 16 connections), several rounds, medians printed.
 *
 * Run: npm run build && node dist/bench/sts/ab.js /path/to/other/checkout
 * (the other checkout built too; BENCH_ROUNDS, default 5; BENCH_SECONDS, default 3)
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadRequest, type LoadResult, formatResult, runLoad } from '../lib/load.js';
import { haveWrk, runWrk } from '../lib/wrk.js';
import { cpuSeconds, runBench } from '../lib/proc.js';
import { signedQuery } from '../lib/irsa.js';
import { setupIrsakit } from './setup.js';

const here = fileURLToPath(new URL('../../..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main() {
  const other = process.argv[2];
  if (!other) throw new Error('usage: ab.js <other checkout, built>');
  const builds = [
    ['this', join(here, 'dist/src/cli/main.js')],
    ['other', join(other, 'dist/src/cli/main.js')],
  ] as const;
  const servers: ({ name: string } & Awaited<ReturnType<typeof setupIrsakit>>)[] = [];
  for (const [name, cli] of builds) servers.push({ name, ...(await setupIrsakit(cli)) });
  const wrk = haveWrk() && process.env.BENCH_GENERATOR !== 'node';
  const measure = (base: string, r: LoadRequest): Promise<LoadResult> =>
    wrk
      ? runWrk(base, r, { connections, seconds })
      : runLoad(base, () => r, { connections, seconds });
  const ops: [string, (s: (typeof servers)[number]) => LoadRequest][] = [
    [
      'AssumeRoleWithWebIdentity',
      (s) => ({
        method: 'POST',
        path: '/',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams({
          Action: 'AssumeRoleWithWebIdentity',
          Version: '2011-06-15',
          RoleArn: 'arn:aws:iam::123456789012:role/s3-app-role',
          RoleSessionName: 'bench',
          WebIdentityToken: s.jwt,
        }).toString(),
      }),
    ],
    [
      'GetCallerIdentity',
      (s) => signedQuery(s.host, 'Action=GetCallerIdentity&Version=2011-06-15', s.creds, 'sts'),
    ],
  ];
  const seen: Record<string, { rps: number[]; p99: number[]; cpu: number[] }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [op, make] of ops) {
      for (const s of round % 2 ? [...servers].reverse() : servers) {
        const before = cpuSeconds(s.pid);
        const r = await measure(s.edge, make(s));
        const after = cpuSeconds(s.pid);
        const cpu =
          before && after
            ? ((after.user + after.system - before.user - before.system) * 1e6) /
              Math.max(1, r.requests)
            : Number.NaN;
        console.log(`${formatResult(`${s.name} ${op}`, r)}  CPU ${Math.round(cpu)} µs/req`);
        const k = `${op} ${s.name}`;
        seen[k] ??= { rps: [], p99: [], cpu: [] };
        seen[k].rps.push(r.perSecond);
        seen[k].p99.push(r.p99);
        seen[k].cpu.push(cpu);
      }
    }
  }
  console.log(`\nmedians of ${rounds} rounds, c=${connections}:`);
  for (const [k, v] of Object.entries(seen))
    console.log(
      `${k.padEnd(34)} ${Math.round(median(v.rps)).toLocaleString('en-US').padStart(7)} req/s  p99 ${median(v.p99).toFixed(2).padStart(6)} ms  CPU ${Math.round(median(v.cpu))} µs/req`,
    );
  for (const s of servers) s.cleanup();
}

runBench(main);
