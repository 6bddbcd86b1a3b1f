/**
 * STS throughput and latency, irsakit against moto_server, in the same run:
 * AssumeRoleWithWebIdentity (unsigned, a real token from irsakit's issuer) and SigV4-signed
 * GetCallerIdentity, at 1, 16 and 64 keep-alive connections. The load generator runs in this
 * process; each server runs in its own process. A trivial HTTP server is measured first, to
 * show the generator is not the bottleneck.
 *
 * irsakit does everything it does in production on each call: it verifies the JWT against
 * the issuer's JWKS (cached), evaluates the trust policy, seals credentials; for
 * GetCallerIdentity it verifies the signature and opens the sealed session. moto checks none
 * of it (spec/peers.md), so the comparison flatters moto.
 *
 * Run: npm run bench:sts   (needs python3 with moto installed for the comparison)
 */
import { cpus } from 'node:os';
import { type LoadRequest, type LoadResult, formatResult, runLoad } from '../lib/load.js';
import { haveWrk, runWrk } from '../lib/wrk.js';
import {
  connectionCounts,
  cpuSeconds,
  freePort,
  start,
  startMoto,
  runBench,
  warmUp,
  threadCpuSeconds,
  threadShares,
  waitFor,
} from '../lib/proc.js';
import { benchReplicas, signedQuery } from '../lib/irsa.js';
import { arwwiRequest, setupIrsakit } from './setup.js';
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

async function main() {
  const step = (s: string) => process.env.BENCH_DEBUG && console.error(`.. ${s}`);
  const load = cpus();
  const wrk = haveWrk() && process.env.BENCH_GENERATOR !== 'node';
  console.log(
    `irsakit STS benchmark — node ${process.version}, ${load[0]?.model ?? 'cpu'} (${load.length} cores); ${seconds}s per point; load from ${wrk ? 'wrk (one thread)' : 'the Node generator in this process'}; each server in its own process${benchReplicas() > 1 ? `; irsakit with ${benchReplicas()} edge replicas (BENCH_REPLICAS)` : ''}; cpu/req counts all of a server's processes`,
  );
  const measure = (
    base: string,
    make: () => LoadRequest,
    connections: number,
    duration = seconds,
  ): Promise<LoadResult> =>
    wrk
      ? runWrk(base, make(), { connections, seconds: duration })
      : runLoad(base, make, { connections, seconds: duration });
  const trivialPort = await freePort();
  start(process.execPath, [
    '-e',
    `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.end('ok'))}).listen(${trivialPort},'127.0.0.1')`,
  ]);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${trivialPort}/`)).ok, 'trivial server');

  step('trivial ok');
  const irsa = await setupIrsakit();
  step('irsakit ok');
  const motoServer = await startMoto();
  const haveMoto = motoServer !== undefined;
  const moto = motoServer?.base ?? '';
  const motoPid = motoServer?.pid;

  const arwwi = arwwiRequest(irsa.jwt);
  const gci = (host: string) =>
    signedQuery(host, 'Action=GetCallerIdentity&Version=2011-06-15', irsa.creds, 'sts');
  const trivial: LoadRequest = { method: 'GET', path: '/', headers: {} };

  step('moto ok');
  type Point = { perSecond: number; p99: number; cpuUs?: number | undefined };
  const results: Record<string, Record<number, Point>> = {};
  for (const c of connectionCounts()) {
    const t = await measure(`http://127.0.0.1:${trivialPort}`, () => trivial, c);
    console.log(formatResult('generator ceiling (trivial server)', t));
  }
  // both servers with keep-alive connections, as the SDKs connect
  type Series = [string, string, () => LoadRequest, number | undefined];
  const series: Series[] = [
    ['irsakit AssumeRoleWithWebIdentity', irsa.edge, () => arwwi, irsa.pid],
    ...(haveMoto
      ? ([['moto AssumeRoleWithWebIdentity', moto, () => arwwi, motoPid]] as Series[])
      : []),
    ['irsakit GetCallerIdentity (SigV4)', irsa.edge, () => gci(irsa.host), irsa.pid],
    ...(haveMoto
      ? ([
          ['moto GetCallerIdentity (SigV4)', moto, () => gci(motoServer?.host ?? ''), motoPid],
        ] as Series[])
      : []),
  ];
  // BENCH_ONLY=GetCallerIdentity: only the series whose name contains it
  const only = process.env.BENCH_ONLY;
  for (const [name, base, make, pid] of series.filter(([n]) => !only || n.includes(only))) {
    // each server warmed up on the call first (its code compiled, its caches filled), unmeasured
    await warmUp((c, d) => measure(base, make, c, d));
    for (const c of connectionCounts()) {
      const cpuBefore = cpuSeconds(pid);
      const threadsBefore = threadCpuSeconds(pid);
      const r = await measure(base, make, c);
      const cpuAfter = cpuSeconds(pid);
      // BENCH_THREADS=1: which of the server's threads used the CPU (cores busy)
      if (process.env.BENCH_THREADS)
        console.log(`  threads: ${threadShares(threadsBefore, threadCpuSeconds(pid), seconds)}`);
      const cpuUs =
        cpuBefore !== undefined && cpuAfter !== undefined && r.requests > 0
          ? ((cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) * 1e6) /
            r.requests
          : undefined;
      const systemShare =
        cpuBefore !== undefined && cpuAfter !== undefined
          ? (cpuAfter.system - cpuBefore.system) /
            Math.max(1e-9, cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system)
          : undefined;
      console.log(
        `${formatResult(name, r)}${cpuUs === undefined ? '' : `  server CPU ${Math.round(cpuUs)} µs/req (${Math.round((systemShare ?? 0) * 100)}% kernel)`}`,
      );
      results[name] ??= {};
      (results[name] as Record<number, Point>)[c] = { perSecond: r.perSecond, p99: r.p99, cpuUs };
    }
  }
  if (haveMoto) {
    console.log('');
    for (const op of ['AssumeRoleWithWebIdentity', 'GetCallerIdentity (SigV4)']) {
      const i = results[`irsakit ${op}`];
      const m = results[`moto ${op}`];
      for (const c of connectionCounts()) {
        const ratio = (i?.[c]?.perSecond ?? 0) / (m?.[c]?.perSecond ?? 1);
        const mc = m?.[c]?.cpuUs;
        const ic = i?.[c]?.cpuUs;
        const cpu =
          mc !== undefined && ic !== undefined
            ? `; CPU per request ${(mc / ic).toFixed(1)}× less`
            : '';
        console.log(
          `${op.padEnd(28)} c=${String(c).padStart(2)}  irsakit/moto throughput ${ratio.toFixed(1)}×${cpu}${c === 16 ? `  (target ≥ 20×; irsakit p99 ${i?.[c]?.p99.toFixed(2)} ms, target < 10 ms)` : ''}`,
        );
      }
    }
  } else
    console.log(
      process.env.BENCH_MOTO === '0'
        ? '\nBENCH_MOTO=0: no comparison'
        : '\nmoto is not installed for python3: no comparison',
    );
  irsa.cleanup();
}

runBench(main);
