/**
 * What a second event loop could buy, at best: one `irsa up` under 16 connections against two
 * independent ones (each with its own data folder) under 8 + 8 at the same time, for
 * AssumeRoleWithWebIdentity, S3 GetObject and PutObject of 1 KiB, and DynamoDB GetItem. The
 * two share nothing, so their sum is an upper bound for an edge on two event loops over one
 * state; the one is today's edge. Several rounds, medians printed.
 *
 * Run: npm run bench:scale   (BENCH_ROUNDS, default 3; BENCH_SECONDS, default 5)
 */
import type { LoadRequest } from '../lib/load.js';
import { runBench, warmUp } from '../lib/proc.js';
import { haveWrk, runWrk } from '../lib/wrk.js';
import { serviceOps, setupIrsakit as setupServices } from '../services/setup.js';
import { arwwiRequest, setupIrsakit as setupSts } from '../sts/setup.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Pair {
  name: string;
  a: { edge: string; request: LoadRequest };
  b: { edge: string; request: LoadRequest };
}

async function measure(pair: Pair): Promise<void> {
  const rate = (requests: number) => Math.round(requests / seconds);
  for (const side of [pair.a, pair.b])
    await warmUp((c, s) => runWrk(side.edge, side.request, { connections: c, seconds: s }));
  const one: number[] = [];
  const two: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const single = await runWrk(pair.a.edge, pair.a.request, { connections: 16, seconds });
    one.push(rate(single.requests));
    const [x, y] = await Promise.all([
      runWrk(pair.a.edge, pair.a.request, { connections: 8, seconds }),
      runWrk(pair.b.edge, pair.b.request, { connections: 8, seconds }),
    ]);
    two.push(rate(x.requests + y.requests));
  }
  const m1 = median(one);
  const m2 = median(two);
  console.log(
    `${pair.name.padEnd(28)} one server ${m1.toLocaleString('en-US').padStart(6)} req/s   two servers ${m2
      .toLocaleString('en-US')
      .padStart(6)} req/s   ${(((m2 - m1) / m1) * 100).toFixed(0).padStart(3)} %`,
  );
}

runBench(async () => {
  if (!haveWrk()) throw new Error('bench:scale needs wrk (two load generators at once)');
  console.log(
    `one irsa up (16 connections) against two independent ones (8 + 8), ${seconds}s per point, medians of ${rounds}`,
  );
  const [s1, s2] = [await setupSts(), await setupSts()];
  await measure({
    name: 'AssumeRoleWithWebIdentity',
    a: { edge: s1.edge, request: arwwiRequest(s1.jwt) },
    b: { edge: s2.edge, request: arwwiRequest(s2.jwt) },
  });
  s1.cleanup();
  s2.cleanup();
  const [v1, v2] = [await setupServices(), await setupServices()];
  for (const [name, make] of serviceOps)
    await measure({
      name,
      a: { edge: v1.edge, request: make(v1.host, v1.role) },
      b: { edge: v2.edge, request: make(v2.host, v2.role) },
    });
  v1.cleanup();
  v2.cleanup();
});
