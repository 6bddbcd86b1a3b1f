/**
 * What the audit trail costs. First the log alone: closed-loop appenders (1, 16, 256 at a
 * time) against the SQLite log with group commit, at both durabilities — records/s, append
 * latency (append to commit) and the mean batch size. Then the whole edge: SigV4-signed
 * GetCallerIdentity at 16 keep-alive connections, with the trail off, on with
 * synchronous=NORMAL (the default) and on with synchronous=FULL — the difference is what
 * recording every call before answering adds. Each edge runs in its own process; the load
 * generator runs here.
 *
 * Run: npm run build && node dist/bench/audit/run.js   (BENCH_SECONDS, default 3)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteAuditLog } from '../../src/audit/sqlite-log.js';
import { auditEntry } from '../lib/audit-entry.js';
import { signedQuery } from '../lib/irsa.js';
import { type LoadRequest, formatResult, runLoad } from '../lib/load.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

function pct(sorted: Float64Array, p: number): number {
  return sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function logAlone(durability: 'full' | 'normal', concurrency: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-audit-'));
  let batches = 0;
  let batched = 0;
  const log = await SqliteAuditLog.open(join(dir, 'audit.db'), {
    durability,
    onCommit: (c) => {
      batches++;
      batched += c.size;
    },
  });
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t = process.hrtime.bigint();
        await log.append(auditEntry());
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  // process-wide: this thread (building rows) and the writer thread (SQLite)
  const cpu = process.cpuUsage(cpu0);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  const sorted = Float64Array.from(latencies).sort();
  const name = `log alone, synchronous=${durability.toUpperCase()}, appenders=${concurrency}`;
  return [
    name.padEnd(48),
    `${fmt(latencies.length / elapsed).padStart(7)} records/s`,
    `append p50 ${pct(sorted, 50).toFixed(2).padStart(6)} ms`,
    `p99 ${pct(sorted, 99).toFixed(2).padStart(7)} ms`,
    `mean batch ${(batched / Math.max(1, batches)).toFixed(1).padStart(5)}`,
    `CPU ${fmt((cpu.user + cpu.system) / Math.max(1, latencies.length)).padStart(4)} µs/record`,
  ].join('  ');
}

const children: ChildProcess[] = [];

interface Edge {
  base: string;
  make: () => LoadRequest;
  dir: string;
  child: ChildProcess;
  /** the edge process's CPU microseconds so far (writer thread included) */
  cpu(): Promise<number>;
}

async function edge(mode: 'off' | 'full' | 'normal'): Promise<Edge> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-edge-'));
  const child = spawn(process.execPath, [join(root, 'dist/bench/audit/server.js'), dir, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const info = JSON.parse(await nextLine()) as { port: number; key: string; secret: string };
  const host = `127.0.0.1:${info.port}`;
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const make = (): LoadRequest =>
    signedQuery(host, body, { accessKeyId: info.key, secretAccessKey: info.secret }, 'sts');
  const cpu = async () => {
    const line = nextLine();
    child.kill('SIGUSR2');
    return (JSON.parse(await line) as { cpu: number }).cpu;
  };
  return { base: `http://${host}`, make, dir, child, cpu };
}

interface Sample {
  p50: number;
  p99: number;
  rps: number;
  cpuMs: number;
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `audit trail benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load}, ${seconds} s per point, node ${process.version}`,
  );
  for (const durability of ['full', 'normal'] as const)
    for (const c of [1, 16, 256]) console.log(await logAlone(durability, c));
  // the three edges side by side, measured in interleaved rounds: a busy machine drifts
  const modes = ['off', 'normal', 'full'] as const;
  const edges = await Promise.all(modes.map((m) => edge(m)));
  for (const e of edges) await runLoad(e.base, e.make, { connections: 16, seconds: 1 }); // warm up
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const samples: Record<string, Sample[]> = {};
  for (let round = 0; round < rounds; round++)
    for (const [i, mode] of modes.entries()) {
      const e = edges[i] as Edge;
      const before = await e.cpu();
      const r = await runLoad(e.base, e.make, { connections: 16, seconds });
      const cpuMs = ((await e.cpu()) - before) / 1000 / Math.max(1, r.requests);
      console.log(
        `${formatResult(`edge GetCallerIdentity, audit ${mode} (round ${round + 1})`, r)}  edge CPU ${cpuMs.toFixed(3)} ms/request`,
      );
      (samples[mode] ??= []).push({ p50: r.p50, p99: r.p99, rps: r.perSecond, cpuMs });
    }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const med = (mode: string): Sample => {
    const s = samples[mode] ?? [];
    return {
      p50: median(s.map((x) => x.p50)),
      p99: median(s.map((x) => x.p99)),
      rps: median(s.map((x) => x.rps)),
      cpuMs: median(s.map((x) => x.cpuMs)),
    };
  };
  const off = med('off');
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;
  for (const mode of ['normal', 'full'] as const) {
    const on = med(mode);
    console.log(
      `audit ${mode.toUpperCase()} vs off, 16 callers, medians of ${rounds}: p50 ${on.p50.toFixed(2)} vs ${off.p50.toFixed(2)} ms (${signed(on.p50 - off.p50)}), p99 ${on.p99.toFixed(2)} vs ${off.p99.toFixed(2)} ms, ${fmt(on.rps)} vs ${fmt(off.rps)} req/s, edge CPU ${on.cpuMs.toFixed(3)} vs ${off.cpuMs.toFixed(3)} ms/request (${signed(on.cpuMs - off.cpuMs)})`,
    );
  }
  for (const e of edges) {
    e.child.kill('SIGTERM');
    rmSync(e.dir, { recursive: true, force: true });
  }
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });
