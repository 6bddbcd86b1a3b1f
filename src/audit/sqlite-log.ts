/**
 * The embedded audit log: its own SQLite file under the data folder (`<data>/audit.db`, WAL),
 * apart from the state store so that audit writes never queue behind state transactions nor
 * they behind audit writes. Writes use group commit: one writer thread commits a batch while
 * the event loop keeps serving requests; records that arrive meanwhile wait for the next
 * transaction, and each append resolves once its own batch is committed. Durability is the
 * state store's by default (WAL, synchronous=NORMAL: a committed record survives a crash of
 * irsakit; a power loss may take the last moments of state and trail alike); `full` fsyncs
 * every batch. Reads run on the main thread over a second connection. Everything is kept
 * (no retention limit).
 */
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AuditLog, CommitStats, EventFilter, PageOptions } from './log.js';
import type { AuditEntry, StoredEvent } from './types.js';

const SCHEMA_VERSION = 1;
/** at most this many records per transaction */
const MAX_BATCH = 512;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (schema_version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  account TEXT NOT NULL,
  event_source TEXT NOT NULL,
  event_name TEXT NOT NULL,
  read_only INTEGER NOT NULL,
  category TEXT NOT NULL,
  username TEXT,
  access_key_id TEXT,
  principal TEXT,
  role_arn TEXT,
  role_name TEXT,
  namespace TEXT,
  service_account TEXT,
  error_code TEXT,
  record TEXT NOT NULL,
  explanation TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id);
CREATE INDEX IF NOT EXISTS events_request_id ON events (request_id);
CREATE INDEX IF NOT EXISTS events_time ON events (time_ms);
CREATE INDEX IF NOT EXISTS events_name ON events (event_name);
CREATE INDEX IF NOT EXISTS events_source ON events (event_source);
CREATE INDEX IF NOT EXISTS events_username ON events (username);
CREATE INDEX IF NOT EXISTS events_key ON events (access_key_id);
CREATE INDEX IF NOT EXISTS events_role ON events (role_name);
CREATE INDEX IF NOT EXISTS events_sa ON events (namespace, service_account);
CREATE INDEX IF NOT EXISTS events_errors ON events (error_code) WHERE error_code IS NOT NULL;
CREATE TABLE IF NOT EXISTS event_resources (
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS event_resources_name ON event_resources (name);
CREATE INDEX IF NOT EXISTS event_resources_type ON event_resources (type);
`;

/**
 * The writer thread (CommonJS, run with `eval`: it must load the same way under the built
 * CLI and under the test runner). It receives batches of rows and answers with their
 * sequence numbers once the transaction committed.
 */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 5000');
const insert = db.prepare('INSERT INTO events (event_id, request_id, time_ms, account, event_source, event_name, read_only, category, username, access_key_id, principal, role_arn, role_name, namespace, service_account, error_code, record, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const resource = db.prepare('INSERT INTO event_resources (seq, type, name) VALUES (?, ?, ?)');
const write = db.transaction((rows) => {
  const seqs = [];
  for (const r of rows) {
    const seq = Number(insert.run(r.values).lastInsertRowid);
    for (const [type, name] of r.resources) resource.run(seq, type, name);
    seqs.push(seq);
  }
  return seqs;
});
parentPort.on('message', (m) => {
  if (m.close) { db.close(); parentPort.postMessage({ closed: true }); return; }
  try {
    parentPort.postMessage({ id: m.id, seqs: write(m.rows) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface Row {
  values: (string | number | null)[];
  resources: [string, string][];
}

interface Waiting {
  entry: AuditEntry;
  row: Row;
  resolve: (e: StoredEvent) => void;
  reject: (e: Error) => void;
}

interface DbRow {
  seq: number;
  time_ms: number;
  username: string | null;
  access_key_id: string | null;
  principal: string | null;
  role_arn: string | null;
  role_name: string | null;
  namespace: string | null;
  service_account: string | null;
  record: string;
  explanation: string;
}

export interface SqliteAuditLogOptions {
  /**
   * NORMAL (default, as the state store): a commit survives a crash of irsakit, not a power
   * loss; FULL: a commit is on disk (fsync per batch)
   */
  durability?: 'full' | 'normal' | undefined;
  /** called after each committed batch (metrics) */
  onCommit?: ((s: CommitStats) => void) | undefined;
}

function rowOf(e: AuditEntry): Row {
  const r = e.record;
  const i = e.index;
  return {
    values: [
      r.eventID,
      r.requestID,
      i.timeMs,
      r.recipientAccountId,
      r.eventSource,
      r.eventName,
      r.readOnly ? 1 : 0,
      r.eventCategory,
      i.username ?? null,
      i.accessKeyId ?? null,
      i.principal ?? null,
      i.roleArn ?? null,
      i.roleName ?? null,
      i.namespace ?? null,
      i.serviceAccount ?? null,
      r.errorCode ?? null,
      JSON.stringify(r),
      JSON.stringify(e.explanation),
    ],
    resources: (r.resources ?? []).flatMap((x): [string, string][] => {
      const name = x.ARN ?? x.ARNPrefix;
      return name ? [[x.type, name]] : [];
    }),
  };
}

function storedOf(r: DbRow): StoredEvent {
  const opt = (v: string | null) => v ?? undefined;
  return {
    seq: r.seq,
    record: JSON.parse(r.record) as StoredEvent['record'],
    explanation: JSON.parse(r.explanation) as StoredEvent['explanation'],
    index: {
      timeMs: r.time_ms,
      username: opt(r.username),
      accessKeyId: opt(r.access_key_id),
      principal: opt(r.principal),
      roleArn: opt(r.role_arn),
      roleName: opt(r.role_name),
      namespace: opt(r.namespace),
      serviceAccount: opt(r.service_account),
    },
  };
}

/**
 * The audit log in a SQLite file.
 *
 * @example
 * const log = await SqliteAuditLog.open('/tmp/irsa/audit.db');
 * await log.append(buildAuditEntry(event, { eventId: randomUUID() }));
 * await log.query({ errors: true }, { limit: 20, order: 'newest' });
 */
export class SqliteAuditLog implements AuditLog {
  private readonly reader: Database.Database;
  private readonly path: string;
  private readonly opts: SqliteAuditLogOptions;
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private pending: Waiting[] = [];
  private inFlight: { id: number; batch: Waiting[]; started: bigint } | undefined;
  private nextId = 1;
  private latest: number;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private drained: (() => void) | undefined;

  private constructor(path: string, opts: SqliteAuditLogOptions) {
    this.path = path;
    this.opts = opts;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.reader = new Database(path);
    this.reader.pragma('journal_mode = WAL');
    this.reader.pragma('busy_timeout = 5000');
    this.reader.exec(SCHEMA);
    const meta = this.reader.prepare('SELECT schema_version FROM meta').get() as
      { schema_version: number } | undefined;
    if (!meta)
      this.reader.prepare('INSERT INTO meta (schema_version) VALUES (?)').run(SCHEMA_VERSION);
    else if (meta.schema_version > SCHEMA_VERSION)
      throw new Error(
        `the audit log was written by a newer irsakit (schema ${meta.schema_version} > ${SCHEMA_VERSION})`,
      );
    this.latest =
      (this.reader.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null })
        .seq ?? 0;
  }

  /** Opens (creating if needed) the log at `path`, and starts its writer. */
  static async open(path: string, opts: SqliteAuditLogOptions = {}): Promise<SqliteAuditLog> {
    const log = new SqliteAuditLog(path, opts);
    await log.start();
    return log;
  }

  private start(): Promise<void> {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WRITER, {
      eval: true,
      workerData: {
        driver,
        path: this.path,
        synchronous: this.opts.durability === 'full' ? 'FULL' : 'NORMAL',
      },
    });
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        worker.off('message', onReady);
        worker.off('error', reject);
        resolve();
      };
      worker.on('message', onReady);
      worker.once('error', reject);
    });
    worker.on('message', (m: { id?: number; seqs?: number[]; error?: string }) => {
      if (m.id !== undefined) this.settle(m.id, m.seqs, m.error);
    });
    worker.on('error', (e) => this.fail(worker, e));
    worker.on('exit', (code) => {
      if (!this.closed || this.inFlight)
        this.fail(worker, new Error(`the audit writer stopped (exit ${code})`));
    });
    return this.ready;
  }

  /** The writer died: every record in flight or waiting fails; the next append starts a new one. */
  private fail(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const lost = [...(this.inFlight?.batch ?? []), ...this.pending];
    this.inFlight = undefined;
    this.pending = [];
    for (const w of lost) w.reject(e);
    this.drained?.();
  }

  private settle(id: number, seqs: number[] | undefined, error: string | undefined): void {
    const f = this.inFlight;
    if (!f || f.id !== id) return;
    this.inFlight = undefined;
    if (error || !seqs) {
      for (const w of f.batch)
        w.reject(new Error(`audit log write failed: ${error ?? 'no answer'}`));
    } else {
      f.batch.forEach((w, i) => {
        const seq = seqs[i] as number;
        if (seq > this.latest) this.latest = seq;
        w.resolve({ ...w.entry, seq });
      });
      this.opts.onCommit?.({
        size: f.batch.length,
        ms: Number(process.hrtime.bigint() - f.started) / 1e6,
      });
      for (const wake of [...this.waiters]) wake();
    }
    this.kick();
  }

  private kick(): void {
    if (this.inFlight || this.pending.length === 0) {
      if (!this.inFlight && this.pending.length === 0) this.drained?.();
      return;
    }
    if (!this.worker) {
      if (this.closed) return;
      // a Worker that cannot even be constructed fails the same way as one that errors
      void new Promise<void>((resolve) => resolve(this.start())).then(
        () => this.kick(),
        (e: unknown) => {
          const lost = this.pending;
          this.pending = [];
          for (const w of lost) w.reject(e instanceof Error ? e : new Error(String(e)));
          // a close() waiting for these appends goes on
          this.drained?.();
        },
      );
      return;
    }
    const batch = this.pending.splice(0, MAX_BATCH);
    const id = this.nextId++;
    this.inFlight = { id, batch, started: process.hrtime.bigint() };
    this.worker.postMessage({ id, rows: batch.map((w) => w.row) });
  }

  append(entry: AuditEntry): Promise<StoredEvent> {
    if (this.closed) return Promise.reject(new Error('the audit log is closed'));
    return new Promise<StoredEvent>((resolve, reject) => {
      this.pending.push({ entry, row: rowOf(entry), resolve, reject });
      this.kick();
    });
  }

  async query(filter: EventFilter, page: PageOptions): Promise<StoredEvent[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const eq = (col: string, v: string | number | undefined) => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      args.push(v);
    };
    eq('account', filter.account);
    eq('event_id', filter.eventId);
    eq('request_id', filter.requestId);
    eq('event_name', filter.eventName);
    eq('event_source', filter.eventSource);
    eq('access_key_id', filter.accessKeyId);
    eq('namespace', filter.namespace);
    eq('service_account', filter.serviceAccount);
    eq('category', filter.category);
    if (filter.readOnly !== undefined) eq('read_only', filter.readOnly ? 1 : 0);
    if (filter.since !== undefined) {
      where.push('time_ms >= ?');
      args.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('time_ms <= ?');
      args.push(filter.until);
    }
    if (filter.username !== undefined) {
      where.push('(username = ? OR role_name = ?)');
      args.push(filter.username, filter.username);
    }
    if (filter.role !== undefined) {
      if (filter.role.startsWith('arn:')) eq('role_arn', filter.role);
      else eq('role_name', filter.role);
    }
    if (filter.errors) where.push('error_code IS NOT NULL');
    if (filter.resourceType !== undefined) {
      where.push('seq IN (SELECT seq FROM event_resources WHERE type = ?)');
      args.push(filter.resourceType);
    }
    if (filter.resourceName !== undefined) {
      where.push('seq IN (SELECT seq FROM event_resources WHERE name = ?)');
      args.push(filter.resourceName);
    }
    if (page.order === 'newest' && page.beforeSeq !== undefined) {
      where.push('seq < ?');
      args.push(page.beforeSeq);
    }
    if (page.order === 'oldest' && page.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(page.afterSeq);
    }
    const sql = `SELECT seq, time_ms, username, access_key_id, principal, role_arn, role_name, namespace, service_account, record, explanation FROM events${
      where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''
    } ORDER BY seq ${page.order === 'newest' ? 'DESC' : 'ASC'} LIMIT ?`;
    args.push(Math.max(0, Math.floor(page.limit)));
    return (this.reader.prepare(sql).all(...args) as DbRow[]).map(storedOf);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    const row = this.reader
      .prepare(
        'SELECT seq, time_ms, username, access_key_id, principal, role_arn, role_name, namespace, service_account, record, explanation FROM events WHERE event_id = ? OR request_id = ? ORDER BY seq DESC LIMIT 1',
      )
      .get(id, id) as DbRow | undefined;
    return row ? storedOf(row) : undefined;
  }

  async latestSeq(): Promise<number> {
    return this.latest;
  }

  waitForNew(afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.latest > afterSeq || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const wake = () => {
        if (this.latest > afterSeq || this.closed) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(wake);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of [...this.waiters]) wake();
    if (this.inFlight || this.pending.length > 0)
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      await this.ready?.catch(() => undefined);
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('message', (m: { closed?: boolean }) => {
          if (m.closed) void worker.terminate();
        });
        worker.postMessage({ close: true });
      });
    }
    this.reader.close();
  }
}

/** The audit log of a data folder: `<data>/audit.db`. */
export function openAuditLog(
  dataDir: string,
  opts: SqliteAuditLogOptions = {},
): Promise<SqliteAuditLog> {
  return SqliteAuditLog.open(join(dataDir, 'audit.db'), opts);
}
