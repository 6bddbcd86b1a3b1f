/**
 * The services' throughput and latency, irsakit against moto_server, in the same run: S3
 * GetObject and PutObject of 1 KiB and DynamoDB GetItem, SigV4-signed with a role session's
 * credentials, at 1, 16 and 64 keep-alive connections. Each server runs in its own process;
 * the load comes from wrk when installed. Besides req/s and latency it prints each server's
 * CPU per request (from /proc), which noise on a shared machine disturbs least.
 *
 * irsakit does on each call what it does in production: it verifies the signature and the
 * body's SHA-256, opens the sealed session, evaluates the role's policies (and the bucket
 * policy), reads or writes the record and body, and commits the call's audit record before
 * answering. moto checks none of it.
 *
 * Run: npm run bench:services   (moto_server for the comparison)
 */
import { cpus } from 'node:os';
import { type Creds, benchReplicas, signed } from '../lib/irsa.js';
import { type LoadRequest, type LoadResult, formatResult, runLoad } from '../lib/load.js';
import { haveWrk, runWrk } from '../lib/wrk.js';
import { connectionCounts, cpuSeconds, runBench, startMoto, warmUp } from '../lib/proc.js';
import { BUCKET, ITEM, TABLE, ddb, send, serviceOps, setupIrsakit } from './setup.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
async function main() {
  const load = cpus();
  const wrk = haveWrk() && process.env.BENCH_GENERATOR !== 'node';
  console.log(
    `irsakit services benchmark — node ${process.version}, ${load[0]?.model ?? 'cpu'} (${load.length} cores); ${seconds}s per point; load from ${wrk ? 'wrk (one thread)' : 'the Node generator in this process'}; each server in its own process${benchReplicas() > 1 ? `; irsakit with ${benchReplicas()} edge replicas (BENCH_REPLICAS)` : ''}${process.env.BENCH_STORE ? '; the store in PostgreSQL (BENCH_STORE; cpu/req without the database server)' : ''}; cpu/req counts all of a server's processes; 1 KiB objects; audit trail on`,
  );
  const measure = (
    base: string,
    r: LoadRequest,
    connections: number,
    duration = seconds,
  ): Promise<LoadResult> =>
    wrk
      ? runWrk(base, r, { connections, seconds: duration })
      : runLoad(base, () => r, { connections, seconds: duration });

  const irsa = await setupIrsakit();
  const motoServer = await startMoto();
  const haveMoto = motoServer !== undefined;
  const moto = motoServer?.base ?? '';
  const motoHost = motoServer?.host ?? '';
  const motoCreds: Creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' };
  const motoPid = motoServer?.pid;
  if (haveMoto) {
    await send(moto, signed(motoHost, motoCreds, 'PUT', `/${BUCKET}`, 's3'));
    for (const [t, b] of [
      ['CreateTable', TABLE],
      ['PutItem', ITEM],
    ] as const)
      await send(
        moto,
        signed(motoHost, motoCreds, 'POST', '/', 'dynamodb', JSON.stringify(b), ddb(t)),
      );
  }
  const [, put] = serviceOps[1] as (typeof serviceOps)[number];
  await send(irsa.edge, put(irsa.host, irsa.role));
  // the object the GetObject points read
  if (haveMoto) await send(moto, put(motoHost, motoCreds));

  const results: Record<string, Record<number, LoadResult>> = {};
  const ops = serviceOps;
  const points: [string, string, LoadRequest, number | undefined][] = [];
  for (const [op, make] of ops) {
    points.push([`irsakit ${op}`, irsa.edge, make(irsa.host, irsa.role), irsa.pid]);
    if (haveMoto) points.push([`moto ${op}`, moto, make(motoHost, motoCreds), motoPid]);
  }
  // BENCH_ONLY=GetItem: only the points whose name contains it
  const only = process.env.BENCH_ONLY;
  for (const [name, base, r, pid] of points.filter(([n]) => !only || n.includes(only))) {
    // each server warmed up on the call first (its code compiled, its caches filled), unmeasured
    await warmUp((c, d) => measure(base, r, c, d));
    for (const c of connectionCounts()) {
      const total = () => {
        const t = cpuSeconds(pid);
        return t ? t.user + t.system : Number.NaN;
      };
      const before = total();
      const res = await measure(base, r, c);
      const cpu = ((total() - before) / Math.max(1, res.requests)) * 1000;
      console.log(`${formatResult(name, res)}  cpu ${cpu.toFixed(3)} ms/req`);
      (results[name] ??= {})[c] = res;
    }
  }
  if (haveMoto) {
    console.log('');
    for (const op of ops.map(([o]) => o)) {
      for (const c of connectionCounts()) {
        const i = results[`irsakit ${op}`]?.[c];
        const m = results[`moto ${op}`]?.[c];
        const ratio = (i?.perSecond ?? 0) / (m?.perSecond || 1);
        console.log(
          `${op.padEnd(18)} c=${String(c).padStart(2)}  irsakit/moto throughput ${ratio.toFixed(1)}×${c === 16 ? `  (target ≥ 20×; irsakit p99 ${i?.p99.toFixed(2)} ms)` : ''}`,
        );
      }
    }
  } else console.log('\nmoto is not installed for python3: no comparison');
  irsa.cleanup();
}

runBench(main);
