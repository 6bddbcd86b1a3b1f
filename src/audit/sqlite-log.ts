/**
 * The embedded audit log, under the data folder: a commit log (`<data>/audit.db.commitlog.<n>`,
 * one JSON line per record, a new segment every 4 MiB) that holds the records, and a SQLite
 * index of it (`<data>/audit.db`, WAL) that the trail and LookupEvents query: the columns they
 * filter on, and where each record's line is (segment, byte offset, length). Appending is
 * group commit: the records of one turn of the event loop are written to the commit log in
 * one `write` — that is the commit, and each append resolves then (the edge answers after) —
 * and handed to an indexer thread, which inserts their rows while the event loop serves the
 * next requests. Reads wait until the index holds every committed record, so a reader always
 * sees what was committed before it asked, and read each record from its segment. On open,
 * whatever the segments hold beyond the index (irsakit stopped before the indexer caught up)
 * is indexed first.
 *
 * Why the records stay in the segments: written once, there, they cost a few microseconds;
 * kept in SQLite as well, each was written twice more (its WAL frame and the checkpoint), and
 * the indexer thread's CPU competed with the edge's on a small machine — measured under
 * AssumeRoleWithWebIdentity load: 34 KB written per call before, 18 KB after; the index 4.4 KB
 * per record before, 0.8 KB after. An audit index of schema 1 (records in its rows) is read as
 * it is; its new rows point into the segments.
 *
 * Durability is the state store's by default (`normal`: written, not synced — a committed
 * record survives a crash of irsakit, a power loss may take the last moments of state and
 * trail alike); `full` syncs the commit log before the appends resolve (fdatasync, off the
 * event loop) and runs SQLite with synchronous=FULL.
 *
 * Retention (`retentionMs`; `irsa up` keeps 90 days, as CloudTrail's event history does):
 * records older than it leave the index, by the indexer thread in small transactions, and the
 * segments that held only such records are deleted. The newest record always stays, so
 * sequence numbers never start over.
 *
 * Why a commit log in front of SQLite: a SQLite commit per batch sits on the answer's path
 * (a round trip to a writer thread, eleven B-trees to update) and halved the edge's
 * throughput; one append to a file costs a few microseconds and keeps the indexing off the
 * event loop.
 */
import { createRequire } from 'node:module';
import {
  closeSync,
  fdatasync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AuditLog, CommitStats, EventFilter, PageOptions } from './log.js';
import type { AuditEntry, StoredEvent } from './types.js';

const SCHEMA_VERSION = 2;
/** segments kept open for reading records (the ones read last) */
const OPEN_READERS = 16;
/** a commit log segment this big is closed and a new one started */
const SEGMENT_BYTES = 4 * 1024 * 1024;
/**
 * Committed records the index may lag behind by before appends wait for it (backpressure: an
 * indexer that cannot keep up — the cores taken by the edge processes — must not fall behind
 * without bound, in memory and in the time a reader waits for it).
 */
const MAX_BACKLOG = 20_000;

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
  explanation TEXT NOT NULL,
  segment INTEGER,
  line_offset INTEGER,
  line_length INTEGER
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

/** schema 1 kept each record in its row; schema 2 keeps where its line is (record, explanation '') */
const TO_SCHEMA_2 = `
ALTER TABLE events ADD COLUMN segment INTEGER;
ALTER TABLE events ADD COLUMN line_offset INTEGER;
ALTER TABLE events ADD COLUMN line_length INTEGER;
`;

const INSERT =
  "INSERT OR IGNORE INTO events (seq, event_id, request_id, time_ms, account, event_source, event_name, read_only, category, username, access_key_id, principal, role_arn, role_name, namespace, service_account, error_code, record, explanation, segment, line_offset, line_length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?)";
const INSERT_RESOURCE = 'INSERT INTO event_resources (seq, type, name) VALUES (?, ?, ?)';

/**
 * The indexer thread (CommonJS, run with `eval`: it must load the same way under the built
 * CLI and under the test runner). It receives the index rows of each commit (`Row`: the
 * columns `prepareEntry` made, its sequence number and where its line is, never the record),
 * and inserts the rows of all the messages that arrived while it was busy in one transaction —
 * under load a transaction holds many commits — then answers with the highest sequence number
 * it holds. A row it already has (sent again after a restart) is skipped.
 */
const INDEXER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 5000');
const insert = db.prepare(workerData.insert);
const resource = db.prepare(workerData.insertResource);
function insertRow(r) {
  if (insert.run(r.seq, r.values, r.segment, r.offset, r.length).changes === 0) return;
  for (const [type, name] of r.resources) resource.run(r.seq, type, name);
}
const write = db.transaction((rows) => {
  for (const r of rows) insertRow(r);
});
// should a batch fail, its rows go again one by one, each in a savepoint of its own: a row the
// index refuses is left out (its record stays in the commit log), never a batch that fails
// again on every restart
const one = db.transaction(insertRow);
const writeEach = db.transaction((rows) => {
  for (const r of rows) {
    try {
      one(r);
    } catch {
      // refused (a value of the wrong type); the rest of the batch is indexed
    }
  }
});
let pending = [];
let scheduled = false;
function index() {
  scheduled = false;
  if (pending.length === 0) return;
  const rows = pending;
  pending = [];
  try {
    try {
      write(rows);
    } catch {
      writeEach(rows);
    }
    parentPort.postMessage({ indexed: rows[rows.length - 1].seq });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
}
// retention: the rows up to a sequence number leave the index, a small transaction at a time
// (indexing goes on between them). Resource rows are appended in seq order: they go from the
// front while the front is old enough.
const pruneEvents = db.prepare('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT 2000)');
const frontResource = db.prepare('SELECT seq FROM event_resources ORDER BY rowid LIMIT 1').pluck();
const pruneResources = db.prepare('DELETE FROM event_resources WHERE rowid IN (SELECT rowid FROM event_resources WHERE seq <= ? ORDER BY rowid LIMIT 2000)');
let pruning = null;
function pruneStep() {
  const p = pruning;
  if (!p) return;
  try {
    let events = 0;
    let resources = 0;
    db.transaction(() => {
      events = pruneEvents.run(p.through).changes;
      const front = frontResource.get();
      if (front !== undefined && front <= p.through) resources = pruneResources.run(p.through).changes;
    })();
    p.records += events;
    if (events === 0 && resources === 0) {
      pruning = null;
      parentPort.postMessage({ pruned: p.through, records: p.records });
      return;
    }
  } catch (e) {
    pruning = null;
    parentPort.postMessage({ pruneError: String(e && e.message || e) });
    return;
  }
  setImmediate(pruneStep);
}
parentPort.on('message', (m) => {
  if (m.close) { pruning = null; index(); db.close(); parentPort.postMessage({ closed: true }); return; }
  if (m.prune !== undefined) {
    // one at a time: the event loop waits for the answer before it asks again
    pruning = { through: m.prune, records: 0 };
    setImmediate(pruneStep);
    return;
  }
  for (const r of m.rows) pending.push(r);
  if (!scheduled) { scheduled = true; setImmediate(index); }
});
parentPort.postMessage({ ready: true });
`;

/**
 * A committed record as the indexer inserts it: its sequence number, the columns after it,
 * where its line is and its resources. The indexer binds the parts in the column order, so the
 * event loop never copies the columns into one array.
 */
interface Row extends IndexColumns, LineAt {
  seq: number;
}

/** The index columns of a record that do not depend on its sequence number or its line. */
interface IndexColumns {
  /** event_id … error_code, in INSERT's order */
  values: (string | number | null)[];
  /** (type, name) of each resource */
  resources: [string, string][];
}

/**
 * A record ready to be committed, made without its sequence number (`prepareEntry`): by the
 * process that built it, so that the one that commits only numbers and writes it.
 */
export interface PreparedEntry extends IndexColumns {
  /** its commit log line after `{"seq":<n>,`, the newline included */
  rest: string;
}

/** Where a commit's lines are in the commit log, the last of them numbered `last`. */
interface Committed {
  segment: number;
  offset: number;
  bytes: number;
  last: number;
}

/** Where a record's line is: its segment's number, its byte offset there, its length in bytes. */
interface LineAt {
  segment: number;
  offset: number;
  length: number;
}

/** One file of the commit log. */
interface Segment {
  number: number;
  path: string;
  fd: number;
  size: number;
}

interface Waiting {
  seq: number;
  prepared: PreparedEntry;
  resolve: (seq: number) => void;
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
  segment: number | null;
  line_offset: number | null;
  line_length: number | null;
}

export interface SqliteAuditLogOptions {
  /**
   * NORMAL (default, as the state store): a commit survives a crash of irsakit, not a power
   * loss; FULL: a commit is on disk (fsync per batch)
   */
  durability?: 'full' | 'normal' | undefined;
  /** called after each committed batch (metrics) */
  onCommit?: ((s: CommitStats) => void) | undefined;
  /** a commit log segment this big is closed and a new one started (default 4 MiB) */
  segmentBytes?: number | undefined;
  /** records the index may lag behind by before appends wait for it (default 20,000) */
  maxBacklog?: number | undefined;
  /**
   * how long `close` waits for the index to catch up and the indexer to stop (default 10 s);
   * past it the indexer is stopped — the segments keep every record, the next open indexes them
   */
  closeWaitMs?: number | undefined;
  /** records older than this are removed (hourly, and on open); undefined: kept forever */
  retentionMs?: number | undefined;
  /** the time retention counts from, in epoch milliseconds (default Date.now) */
  now?: (() => number) | undefined;
  /** how often retention runs while the log is open (default one hour) */
  pruneEveryMs?: number | undefined;
  /** told what each retention pass that ran on its own removed, or why it failed */
  onPrune?: ((r: Pruned | Error) => void) | undefined;
}

/** What one retention pass removed. */
export interface Pruned {
  records: number;
  segments: number;
}

/**
 * An entry as its commit log line (without the sequence number that starts it) and its index
 * columns. Pure: an edge replica prepares its records and the primary, which numbers and
 * writes every record (`appendPrepared`), does none of the JSON work.
 *
 * @example
 * const p = prepareEntry(entry);
 * const seq = await log.appendPrepared(p); // its line: `{"seq":${seq},${p.rest}`
 */
export function prepareEntry(e: AuditEntry): PreparedEntry {
  const { values, resources } = indexColumns(e);
  return {
    rest: `"index":${JSON.stringify(e.index)},"record":${JSON.stringify(e.record)},"explanation":${JSON.stringify(e.explanation)}}\n`,
    values,
    resources,
  };
}

/** A record's index columns, apart from its sequence number and where its line is. */
function indexColumns(e: AuditEntry): IndexColumns {
  const r = e.record;
  const i = e.index;
  const resources: [string, string][] = [];
  for (const x of r.resources ?? []) {
    const name = x.ARN ?? x.ARNPrefix;
    if (typeof name === 'string' && name !== '' && typeof x.type === 'string')
      resources.push([x.type, name]);
  }
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
    ],
    resources,
  };
}

/** The start of a record's commit log line, before what `prepareEntry` made. */
function head(seq: number): string {
  return `{"seq":${seq},`;
}

/** A record's row for the index: its columns, numbered, and where its line is. */
function rowOf(seq: number, columns: IndexColumns, at: LineAt): Row {
  return { seq, values: columns.values, resources: columns.resources, ...at };
}

/** A commit log line as a record, or undefined when it is not one (torn, edited, damaged). */
function parseCommitLine(line: string): { seq: number; entry: AuditEntry } | undefined {
  let v: { seq?: unknown } & Partial<AuditEntry>;
  try {
    v = JSON.parse(line) as typeof v;
  } catch {
    return undefined;
  }
  const str = (x: unknown) => typeof x === 'string';
  const r = v.record;
  if (
    !Number.isInteger(v.seq) ||
    (v.seq as number) <= 0 ||
    !r ||
    !str(r.eventID) ||
    !str(r.requestID) ||
    !str(r.eventSource) ||
    !str(r.eventName) ||
    !str(r.recipientAccountId) ||
    !str(r.eventCategory) ||
    !v.explanation ||
    typeof v.index?.timeMs !== 'number'
  )
    return undefined;
  return { seq: v.seq as number, entry: { record: r, explanation: v.explanation, index: v.index } };
}

/**
 * The committed records of a commit log segment's bytes, each with where its line is, and how
 * many lines were not records: a torn last line (a crash mid-write) or a line that was edited
 * or damaged.
 */
function commitLogEntries(
  bytes: Buffer,
  segment: number,
  base = 0,
): { entries: { seq: number; entry: AuditEntry; at: LineAt }[]; skipped: number } {
  const entries: { seq: number; entry: AuditEntry; at: LineAt }[] = [];
  let skipped = 0;
  let offset = 0;
  while (offset < bytes.length) {
    let end = bytes.indexOf(0x0a, offset);
    if (end < 0) end = bytes.length;
    const length = end - offset;
    if (length > 0) {
      const parsed = parseCommitLine(bytes.toString('utf8', offset, end));
      if (parsed) entries.push({ ...parsed, at: { segment, offset: base + offset, length } });
      else skipped++;
    }
    offset = end + 1;
  }
  return { entries, skipped };
}

/** A row's event; `line` is its record's commit log line (schema 2), absent for schema 1's rows. */
function storedOf(r: DbRow, line?: AuditEntry): StoredEvent {
  const opt = (v: string | null) => v ?? undefined;
  return {
    seq: r.seq,
    record: line ? line.record : (JSON.parse(r.record) as StoredEvent['record']),
    explanation: line
      ? line.explanation
      : (JSON.parse(r.explanation) as StoredEvent['explanation']),
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
 * The audit log in a commit log and its SQLite index.
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
  /** the commit log: the segment written to, and full ones the index does not hold yet */
  private current: Segment;
  private retired: Segment[] = [];
  private segmentNumber = 0;
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  /** appended, not yet written to the commit log (written at the end of this turn) */
  private pending: Waiting[] = [];
  private batchStarted = 0n;
  private flushScheduled = false;
  /** the highest committed sequence number, and the highest the index holds */
  private committed: number;
  private indexed: number;
  /**
   * commits the index does not hold yet: where their lines are, read again from the segment
   * should the indexer restart (main keeps no text, so it dies young instead of being promoted)
   */
  private unindexed: Committed[] = [];
  /** a `full` sync in flight, and the batches waiting behind it */
  private syncing = false;
  /** committed batches whose appends wait for the index to catch up (see `settle`) */
  private held: (() => void)[] = [];
  private syncQueue: { batch: Waiting[]; fd: number }[] = [];
  private indexerError: Error | undefined;
  /** no more appends (close began); closed: the indexer is no longer started */
  private closing = false;
  private closed = false;
  /** lines of the commit log that were not records (or that the index refused), found on open */
  skippedOnRecovery = 0;
  private readonly waiters = new Set<() => void>();
  /** segments open for reading records, by number */
  private readonly readers = new Map<number, number>();
  private readonly indexWaiters = new Set<() => void>();
  /** retention: the pass running, the indexer's answer it waits for, and the hourly timer */
  private pruning: Promise<Pruned> | undefined;
  private pruneReply: ((r: number | Error) => void) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

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
    else if (meta.schema_version === 1)
      this.reader.transaction(() => {
        this.reader.exec(TO_SCHEMA_2);
        this.reader.prepare('UPDATE meta SET schema_version = ?').run(SCHEMA_VERSION);
      })();
    this.indexed = this.recover();
    this.committed = this.indexed;
    this.current = this.newSegment();
  }

  /** A new segment, numbered after every one there is (a torn one is never written to again). */
  private newSegment(): Segment {
    const number = ++this.segmentNumber;
    const path = `${commitLogPath(this.path)}.${number}`;
    return { number, path, fd: openSync(path, 'wx', 0o600), size: 0 };
  }

  /**
   * Indexes what the commit log holds beyond the index (irsakit stopped before the indexer
   * caught up). Returns the highest sequence number the index holds. Only the segment of the
   * last indexed record and those after it are read: the ones before are indexed whole.
   */
  private recover(): number {
    const max = () =>
      (this.reader.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null })
        .seq ?? 0;
    const before = max();
    const last = this.reader
      .prepare('SELECT segment FROM events ORDER BY seq DESC LIMIT 1')
      .get() as { segment: number | null } | undefined;
    const all = commitLogFiles(this.path);
    this.segmentNumber = all.reduce((n, f) => Math.max(n, segmentNumberOf(f)), 0);
    const files = all.filter((f) => {
      if (segmentNumberOf(f) < (last?.segment ?? 0)) return false;
      // an empty segment (opened, never written, not closed) holds nothing
      if (statSync(f).size > 0) return true;
      rmSync(f, { force: true });
      return false;
    });
    const read = files.map((f) => commitLogEntries(readFileSync(f), segmentNumberOf(f)));
    this.skippedOnRecovery = read.reduce((n, r) => n + r.skipped, 0);
    const missing = read
      .flatMap((r) => r.entries)
      .filter((e) => e.seq > before)
      .sort((a, b) => a.seq - b.seq);
    if (missing.length > 0) {
      const insert = this.reader.prepare(INSERT);
      const resource = this.reader.prepare(INSERT_RESOURCE);
      this.reader.transaction(() => {
        for (const { seq, entry, at } of missing) {
          // a record the index refuses is skipped: irsakit still starts, with the rest
          try {
            const { values, resources } = indexColumns(entry);
            if (insert.run(seq, values, at.segment, at.offset, at.length).changes === 0) continue;
            for (const [type, name] of resources) resource.run(seq, type, name);
          } catch {
            this.skippedOnRecovery++;
          }
        }
      })();
    }
    return max();
  }

  /** Opens (creating if needed) the log at `path`, and starts its indexer. */
  static async open(path: string, opts: SqliteAuditLogOptions = {}): Promise<SqliteAuditLog> {
    const log = new SqliteAuditLog(path, opts);
    await log.start();
    if (opts.retentionMs !== undefined) {
      const pass = () =>
        void log.prune().then(
          (r) => (r.records > 0 || r.segments > 0) && opts.onPrune?.(r),
          // a pass cut short by close is no failure
          (e: unknown) =>
            !log.closing && opts.onPrune?.(e instanceof Error ? e : new Error(String(e))),
        );
      pass();
      log.pruneTimer = setInterval(pass, opts.pruneEveryMs ?? 3_600_000);
      log.pruneTimer.unref();
    }
    return log;
  }

  private start(): Promise<void> {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(INDEXER, {
      eval: true,
      workerData: {
        driver,
        path: this.path,
        synchronous: this.opts.durability === 'full' ? 'FULL' : 'NORMAL',
        insert: INSERT,
        insertResource: INSERT_RESOURCE,
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
    worker.on(
      'message',
      (m: {
        indexed?: number;
        error?: string;
        pruned?: number;
        records?: number;
        pruneError?: string;
      }) => {
        if (m.indexed !== undefined) this.onIndexed(m.indexed);
        else if (m.error !== undefined) this.indexFailed(new Error(`audit index: ${m.error}`));
        else if (m.pruned !== undefined) this.pruneReply?.(m.records ?? 0);
        else if (m.pruneError !== undefined)
          this.pruneReply?.(new Error(`audit retention: ${m.pruneError}`));
      },
    );
    worker.on('error', (e) => this.fail(worker, e));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(worker, new Error(`the audit indexer stopped (exit ${code})`));
    });
    this.indexerError = undefined;
    // what was committed before it and not indexed (a restart) goes first, read again
    if (this.unindexed.length > 0)
      worker.postMessage({ rows: this.unindexed.flatMap((c) => this.reread(c)) });
    return this.ready;
  }

  /** The indexer died: a new one takes up the committed rows it did not index. */
  private fail(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.indexFailed(e);
  }

  /** Readers waiting for the index are told; the next read or append starts an indexer. */
  private indexFailed(e: Error): void {
    this.indexerError = e;
    // committed records are answered; the next read restarts the indexer (or fails)
    this.releaseHeld();
    this.pruneReply?.(e);
    for (const wake of [...this.indexWaiters]) wake();
  }

  /** A commit's rows, its lines read back from its segment. */
  private reread(c: Committed): Row[] {
    const fd = openSync(`${commitLogPath(this.path)}.${c.segment}`, 'r');
    try {
      const bytes = Buffer.allocUnsafe(c.bytes);
      const got = readSync(fd, bytes, 0, c.bytes, c.offset);
      return commitLogEntries(bytes.subarray(0, got), c.segment, c.offset).entries.map((e) =>
        rowOf(e.seq, indexColumns(e.entry), e.at),
      );
    } finally {
      closeSync(fd);
    }
  }

  private onIndexed(seq: number): void {
    if (seq <= this.indexed) return;
    this.indexed = seq;
    let i = 0;
    while (i < this.unindexed.length && (this.unindexed[i]?.last as number) <= seq) i++;
    if (i > 0) this.unindexed.splice(0, i);
    if (this.held.length > 0 && !this.behind(0.5)) this.releaseHeld();
    for (const wake of [...this.indexWaiters]) wake();
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves once the index holds every record committed so far; an indexer that died is
   * started again (twice at most, then the read fails with its error).
   */
  private async caughtUp(): Promise<void> {
    const target = this.committed;
    let restarts = 0;
    while (this.indexed < target) {
      if (!this.worker || this.indexerError) {
        if (restarts++ >= 2 || this.closed)
          throw this.indexerError ?? new Error('the audit index is not running');
        await this.restartIndexer();
        continue;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.indexWaiters.delete(wake);
          resolve();
        };
        this.indexWaiters.add(wake);
      });
    }
  }

  append(entry: AuditEntry): Promise<StoredEvent> {
    if (this.closing) return Promise.reject(new Error('the audit log is closed'));
    const prepared = prepareEntry(entry);
    return new Promise<StoredEvent>((resolve, reject) =>
      this.enqueue(prepared, (seq) => resolve({ ...entry, seq }), reject),
    );
  }

  /**
   * Appends a record prepared elsewhere (`prepareEntry`, in an edge replica); resolves
   * with its sequence number once it is committed. It joins the same group commit as `append`:
   * the same order, the same failures, the same `onCommit`.
   */
  appendPrepared(prepared: PreparedEntry): Promise<number> {
    if (this.closing) return Promise.reject(new Error('the audit log is closed'));
    return new Promise<number>((resolve, reject) => this.enqueue(prepared, resolve, reject));
  }

  /** Numbers a record and adds it to this turn's batch, written at the end of the turn. */
  private enqueue(
    prepared: PreparedEntry,
    resolve: (seq: number) => void,
    reject: (e: Error) => void,
  ): void {
    if (this.pending.length === 0) this.batchStarted = process.hrtime.bigint();
    this.pending.push({ seq: this.committed + this.pending.length + 1, prepared, resolve, reject });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes this turn's records to the commit log in one write: their commit. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    const started = this.batchStarted;
    this.pending = [];
    if (batch.length === 0) return;
    const text = batch.map((w) => `${head(w.seq)}${w.prepared.rest}`).join('');
    const bytes = Buffer.from(text, 'utf8');
    const segment = this.current;
    try {
      // written at the segment's size, never at the descriptor's position: after a write the
      // disk took only part of, the truncation below does not move that position back
      let off = 0;
      while (off < bytes.length)
        off += writeSync(segment.fd, bytes, off, bytes.length - off, segment.size + off);
    } catch (e) {
      // nothing of a failed batch stays: no record of a call whose answer is an error
      try {
        ftruncateSync(segment.fd, segment.size);
      } catch {
        // the next open skips what cannot be read
      }
      const err = new Error(`audit log write failed: ${(e as Error).message}`);
      for (const w of batch) w.reject(err);
      return;
    }
    const offset = segment.size;
    segment.size += bytes.length;
    this.committed = batch[batch.length - 1]?.seq ?? this.committed;
    if (segment.size >= (this.opts.segmentBytes ?? SEGMENT_BYTES)) {
      this.retired.push(segment);
      this.current = this.newSegment();
    }
    this.unindexed.push({
      segment: segment.number,
      offset,
      bytes: bytes.length,
      last: this.committed,
    });
    if (this.worker && !this.indexerError) {
      const worker = this.worker;
      try {
        const rows: Row[] = [];
        let at = offset;
        for (const w of batch) {
          // the head is ASCII: only the rest has to be measured, as UTF-8
          const length = head(w.seq).length + Buffer.byteLength(w.prepared.rest) - 1;
          rows.push(rowOf(w.seq, w.prepared, { segment: segment.number, offset: at, length }));
          at += length + 1;
        }
        worker.postMessage({ rows });
      } catch (e) {
        // the records are committed (in the segment) whatever happens here; a row the indexer
        // could not be sent is read back from the segment by the indexer that replaces this one
        this.fail(worker, e instanceof Error ? e : new Error(String(e)));
        void worker.terminate();
      }
    } else if (!this.closed) void this.restartIndexer();
    if (this.opts.durability === 'full') {
      this.syncQueue.push({ batch, fd: segment.fd });
      this.sync(started);
    } else this.settle(batch, started);
    this.closeRetired();
  }

  /** Full segments are written no more: their descriptors close, once no sync may use them. */
  private closeRetired(): void {
    if (this.syncing || this.syncQueue.length > 0) return;
    for (const seg of this.retired.splice(0)) {
      try {
        closeSync(seg.fd);
      } catch {
        // already closed
      }
    }
  }

  /** `full`: the commit log synced before the appends resolve; batches wait behind a sync. */
  private sync(started: bigint): void {
    if (this.syncing) return;
    const queued = this.syncQueue;
    this.syncQueue = [];
    if (queued.length === 0) return;
    this.syncing = true;
    const batches = queued.map((q) => q.batch);
    // every segment written since the last sync (a rotation may lie between two batches)
    const fds = [...new Set(queued.map((q) => q.fd))];
    let left = fds.length;
    let failure: Error | null = null;
    for (const fd of fds)
      fdatasync(fd, (e) => {
        failure ??= e;
        if (--left > 0) return;
        this.synced(batches, failure, started);
      });
  }

  /**
   * A sync that failed (an I/O error) fails its appends; their lines stay in the commit log and
   * are indexed, as a record written but not known to be on disk may be.
   */
  private synced(batches: Waiting[][], e: Error | null, started: bigint): void {
    this.syncing = false;
    this.closeRetired();
    for (const b of batches) {
      if (e) for (const w of b) w.reject(new Error(`audit log sync failed: ${e.message}`));
      else this.settle(b, started);
    }
    this.sync(process.hrtime.bigint());
  }

  /**
   * The batch is committed: its appends resolve — unless the index lags too far behind, when
   * they wait for it to catch up halfway (`maxBacklog`).
   */
  private settle(batch: Waiting[], started: bigint): void {
    const release = () => {
      for (const w of batch) w.resolve(w.seq);
      this.opts.onCommit?.({
        size: batch.length,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
      for (const wake of [...this.waiters]) wake();
    };
    if (this.behind() && this.worker && !this.indexerError) this.held.push(release);
    else release();
  }

  /** The index lags more than `maxBacklog` records behind the commit log. */
  private behind(slack = 1): boolean {
    return this.committed - this.indexed > (this.opts.maxBacklog ?? MAX_BACKLOG) * slack;
  }

  /** Answers the appends held for the index (it caught up, failed, or the log closes). */
  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  /** A new indexer in place of one that failed; it starts with the rows not yet indexed. */
  private async restartIndexer(): Promise<void> {
    if (this.closed) return;
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    try {
      await this.start();
    } catch (e) {
      this.indexFailed(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async query(filter: EventFilter, page: PageOptions): Promise<StoredEvent[]> {
    await this.caughtUp();
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
    const sql = `SELECT seq, time_ms, username, access_key_id, principal, role_arn, role_name, namespace, service_account, record, explanation, segment, line_offset, line_length FROM events${
      where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''
    } ORDER BY seq ${page.order === 'newest' ? 'DESC' : 'ASC'} LIMIT ?`;
    args.push(Math.max(0, Math.floor(page.limit)));
    return (this.reader.prepare(sql).all(...args) as DbRow[]).flatMap((r) => this.stored(r) ?? []);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    await this.caughtUp();
    const row = this.reader
      .prepare(
        'SELECT seq, time_ms, username, access_key_id, principal, role_arn, role_name, namespace, service_account, record, explanation, segment, line_offset, line_length FROM events WHERE event_id = ? OR request_id = ? ORDER BY seq DESC LIMIT 1',
      )
      .get(id, id) as DbRow | undefined;
    return row ? this.stored(row) : undefined;
  }

  /**
   * A row's event: its record read from the commit log (schema 2), or from the row itself
   * (schema 1). A line that is gone or is not the row's record (a segment deleted or edited
   * by hand) leaves the event out, and the rest readable.
   */
  private stored(row: DbRow): StoredEvent | undefined {
    if (row.segment === null || row.line_offset === null || row.line_length === null)
      return storedOf(row);
    try {
      let fd = this.readers.get(row.segment);
      if (fd === undefined) {
        fd = openSync(`${commitLogPath(this.path)}.${row.segment}`, 'r');
        // a long history has thousands of segments: only the last few read stay open
        if (this.readers.size >= OPEN_READERS) {
          const [oldest, oldFd] = this.readers.entries().next().value as [number, number];
          this.readers.delete(oldest);
          closeSync(oldFd);
        }
        this.readers.set(row.segment, fd);
      }
      const bytes = Buffer.allocUnsafe(row.line_length);
      if (readSync(fd, bytes, 0, row.line_length, row.line_offset) !== row.line_length)
        return undefined;
      const line = parseCommitLine(bytes.toString('utf8'));
      return line?.seq === row.seq ? storedOf(row, line.entry) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Retention: removes the records older than `retentionMs` from the index, and deletes the
   * segments that held nothing newer. The newest record stays whatever its age (sequence
   * numbers go on from it). One pass at a time; a second call joins the running one.
   */
  prune(): Promise<Pruned> {
    const retention = this.opts.retentionMs;
    if (retention === undefined || this.closing)
      return Promise.resolve({ records: 0, segments: 0 });
    this.pruning ??= this.pruneOnce(retention).finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  private async pruneOnce(retention: number): Promise<Pruned> {
    await this.caughtUp();
    const cutoff = (this.opts.now ?? Date.now)() - retention;
    // the last record, in time, older than the cutoff; everything committed before it goes
    const oldest = this.reader
      .prepare('SELECT seq FROM events WHERE time_ms < ? ORDER BY time_ms DESC, seq DESC LIMIT 1')
      .pluck()
      .get(cutoff) as number | undefined;
    const newest = this.reader.prepare('SELECT max(seq) FROM events').pluck().get() as
      number | null;
    if (oldest === undefined || newest === null) return { records: 0, segments: 0 };
    const through = Math.min(oldest, newest - 1);
    if (through <= 0) return { records: 0, segments: 0 };
    const records = await this.pruneIndex(through);
    return { records, segments: this.removeSegmentsBefore(through) };
  }

  /** The indexer removes the rows up to `through`; resolves with how many records went. */
  private pruneIndex(through: number): Promise<number> {
    const worker = this.worker;
    if (!worker || this.indexerError)
      return Promise.reject(this.indexerError ?? new Error('the audit index is not running'));
    return new Promise<number>((resolve, reject) => {
      this.pruneReply = (r) => {
        this.pruneReply = undefined;
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      worker.postMessage({ prune: through });
    });
  }

  /** Deletes the segments before the one of the first record kept; returns how many. */
  private removeSegmentsBefore(through: number): number {
    const first = this.reader
      .prepare('SELECT segment FROM events WHERE seq > ? ORDER BY seq LIMIT 1')
      .pluck()
      .get(through) as number | null | undefined;
    // kept records of schema 1 (in their rows) or none: no segment is known to be all old
    if (first === undefined || first === null) return 0;
    let removed = 0;
    for (const file of commitLogFiles(this.path)) {
      const n = segmentNumberOf(file);
      if (n >= first || n >= this.current.number || this.retired.some((r) => r.number === n))
        continue;
      const fd = this.readers.get(n);
      if (fd !== undefined) {
        this.readers.delete(n);
        closeSync(fd);
      }
      rmSync(file, { force: true });
      removed++;
    }
    return removed;
  }

  async latestSeq(): Promise<number> {
    return this.committed;
  }

  waitForNew(afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.committed > afterSeq || this.closing || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const wake = () => {
        if (this.committed > afterSeq || this.closing) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(wake);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Commits what was appended, waits for the index to hold it, and stops. Should the indexer
   * not come back or not catch up within `closeWaitMs`, the commit log keeps the records and
   * the next open indexes them.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.pruneTimer);
    this.releaseHeld();
    this.pruneReply?.(new Error('the audit log is closed'));
    for (const wake of [...this.waiters]) wake();
    if (this.flushScheduled) this.flush();
    while (this.syncing || this.syncQueue.length > 0)
      await new Promise((resolve) => setTimeout(resolve, 1));
    const wait = this.opts.closeWaitMs ?? 10_000;
    const late = () => new Promise<void>((resolve) => setTimeout(resolve, wait).unref());
    await Promise.race([this.caughtUp().catch(() => undefined), late()]);
    this.closed = true;
    // the segments hold the records: they stay (an empty one, never written, goes)
    for (const seg of [...this.retired.splice(0), this.current]) {
      try {
        closeSync(seg.fd);
        if (seg.size === 0) rmSync(seg.path, { force: true });
      } catch {
        // already closed
      }
    }
    for (const fd of this.readers.values()) closeSync(fd);
    this.readers.clear();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      await this.ready?.catch(() => undefined);
      const stopped = new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('message', (m: { closed?: boolean }) => {
          if (m.closed) void worker.terminate();
        });
        worker.postMessage({ close: true });
      });
      // an indexer stuck in a transaction is stopped: SQLite rolls it back on the next open
      await Promise.race([stopped, late()]);
      await worker.terminate();
    }
    this.reader.close();
  }
}

/** The number of a segment file (`audit.db.commitlog.<n>`). */
function segmentNumberOf(file: string): number {
  return Number(file.slice(file.lastIndexOf('.') + 1));
}

/** The name the commit log's segments of the index at `path` start with (`<name>.<n>`). */
export function commitLogPath(path: string): string {
  return `${path}.commitlog`;
}

/** The commit log's segment files of the index at `path`, oldest first. */
export function commitLogFiles(path: string): string[] {
  const base = basename(commitLogPath(path));
  const dir = dirname(path);
  return readdirSync(dir)
    .map((f) => ({
      f,
      n: f.startsWith(`${base}.`) ? Number(f.slice(base.length + 1)) : Number.NaN,
    }))
    .filter((x) => Number.isInteger(x.n) && x.n > 0)
    .sort((a, b) => a.n - b.n)
    .map((x) => join(dir, x.f));
}

/** The audit log of a data folder: `<data>/audit.db`. */
export function openAuditLog(
  dataDir: string,
  opts: SqliteAuditLogOptions = {},
): Promise<SqliteAuditLog> {
  return SqliteAuditLog.open(join(dataDir, 'audit.db'), opts);
}
