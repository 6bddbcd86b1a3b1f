/**
 * What an edge worker process's audit records cost the primary, which commits them all. The
 * event loop's busy time per record (its utilization, main thread only: the indexer thread
 * runs beside it), 16 records a turn, min and median of a few rounds (a shared machine's noise
 * only ever adds):
 *
 * - the worker's share: `prepareEntry` of a record;
 * - the log alone: `append` of an entry against `appendPrepared` of the same entry prepared;
 * - through IPC: a forked worker's RemoteAuditLog (16 appenders in a closed loop) against the
 *   primary's log, measured on both sides — messages, structured clone and all.
 *
 * Run: npm run build && node dist/bench/audit/remote.js   (BENCH_RECORDS, default 32000)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Channel, RemoteAuditLog, serveAuditLog } from '../../src/audit/remote-log.js';
import { SqliteAuditLog, prepareEntry } from '../../src/audit/sqlite-log.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { auditEntry } from '../lib/audit-entry.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 32_000);
const PER_TURN = 16;
const ROUNDS = 5;

/** Distinct records, made before anything is measured. */
const entries = (): AuditEntry[] => Array.from({ length: RECORDS }, () => auditEntry());

/** Microseconds of event loop busy time per record while `work` runs. */
async function busyPerRecord(work: () => Promise<void>): Promise<number> {
  const before = performance.eventLoopUtilization();
  await work();
  return (performance.eventLoopUtilization(before).active * 1000) / RECORDS;
}

function prepareCost(all: AuditEntry[]): number {
  let bytes = 0;
  const t = process.hrtime.bigint();
  for (const e of all) bytes += prepareEntry(e).rest.length;
  if (bytes === 0) throw new Error('nothing prepared');
  return Number(process.hrtime.bigint() - t) / 1e3 / all.length;
}

/** The log alone: every record appended (or prepared elsewhere), 16 a turn. */
async function logAlone(mode: 'append' | 'appendPrepared', all: AuditEntry[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-remote-'));
  const log = await SqliteAuditLog.open(join(dir, 'audit.db'));
  const prepared = mode === 'appendPrepared' ? all.map((e) => prepareEntry(e)) : [];
  const us = await busyPerRecord(async () => {
    for (let i = 0; i < all.length; i += PER_TURN) {
      const turn: Promise<unknown>[] = [];
      for (let k = i; k < Math.min(i + PER_TURN, all.length); k++)
        turn.push(
          mode === 'append'
            ? log.append(all[k] as AuditEntry)
            : log.appendPrepared(prepared[k] as ReturnType<typeof prepareEntry>),
        );
      await Promise.all(turn);
    }
  });
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return us;
}

/** A forked worker appends RECORDS records through the primary's log. */
async function throughIpc(): Promise<{ primary: number; worker: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-remote-'));
  const log = await SqliteAuditLog.open(join(dir, 'audit.db'));
  const child = fork(fileURLToPath(import.meta.url), ['worker'], { serialization: 'advanced' });
  const stop = serveAuditLog(log, {
    send: (m) => child.send(m as object),
    onMessage: (handler) => {
      child.on('message', handler);
      return () => child.off('message', handler);
    },
  });
  const message = (type: string) =>
    new Promise<{ worker: number }>((resolve) => {
      const on = (m: { type?: string; worker: number }) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
  await message('bench.ready');
  let worker = 0;
  const primary = await busyPerRecord(async () => {
    const done = message('bench.done');
    child.send({ type: 'bench.go' });
    worker = (await done).worker;
  });
  stop();
  child.disconnect();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { primary, worker };
}

/** The forked worker: 16 appenders in a closed loop, its own busy time reported. */
async function workerMain(): Promise<void> {
  const channel: Channel = {
    send: (m) => process.send?.(m),
    onMessage: (handler) => {
      process.on('message', handler);
      return () => process.off('message', handler);
    },
  };
  const log = new RemoteAuditLog(channel);
  process.on('disconnect', () => log.fail(new Error('the primary went away')));
  const all = entries();
  process.on('message', (m: { type?: string }) => {
    if (m.type !== 'bench.go') return;
    void busyPerRecord(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: PER_TURN }, async () => {
          while (next < all.length) await log.append(all[next++] as AuditEntry);
        }),
      );
    }).then((worker) => process.send?.({ type: 'bench.done', worker }));
  });
  process.send?.({ type: 'bench.ready' });
}

function summary(name: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const at = (i: number) => (s[i] as number).toFixed(2).padStart(6);
  return `${name.padEnd(58)} min ${at(0)}  median ${at(s.length >> 1)} µs/record`;
}

async function main(): Promise<void> {
  const all = entries();
  const rows: Record<string, number[]> = {};
  const add = (name: string, v: number) => (rows[name] ??= []).push(v);
  for (let round = 0; round < ROUNDS; round++) {
    add('worker: prepareEntry', prepareCost(all));
    add('primary, log alone: append', await logAlone('append', all));
    add('primary, log alone: appendPrepared', await logAlone('appendPrepared', all));
    const ipc = await throughIpc();
    add('primary, a worker over IPC: serveAuditLog', ipc.primary);
    add('worker over IPC: RemoteAuditLog.append', ipc.worker);
  }
  console.log(`${RECORDS} records of about 1.5 KB, ${PER_TURN} a turn, ${ROUNDS} rounds`);
  for (const [name, values] of Object.entries(rows)) console.log(summary(name, values));
}

if (process.argv[2] === 'worker') await workerMain();
else await main();
