/**
 * The audit log of an edge replica (`irsa up --replicas`), served by the primary's. The trail has
 * one writer, the primary; a replica appends its records through it,
 * over the IPC channel between them, and reads the trail through it.
 *
 * Why records go prepared: the JSON work of a record (its commit log line and index columns,
 * `prepareEntry`) is half of what appending costs the event loop; done in the replica, the
 * primary only numbers and writes each record — measured (bench/audit/remote.ts, 1.5 KB
 * records, 16 a turn): `append` 13–19 µs a record, `appendPrepared` 6–10 µs, and a replica's
 * record over IPC, receiving and answering included, 13–17 µs: what a record of its own costs
 * the primary, never the JSON of one. Why one message per turn: a replica's appends of one turn
 * of its event loop go in one message and are answered in one, as the primary commits them
 * together anyway — an IPC message costs more than a record. The trail's metrics ride on those
 * messages, so that `/metrics` on the primary counts the requests of every process.
 *
 * Every message is a plain object with a string `type`; this module's start with `audit.` and
 * the rest are left to the others that share the channel.
 */
import type { AuditLog, EventFilter, PageOptions } from './log.js';
import type { Outcome, TrailMetrics } from './metrics.js';
import { type PreparedEntry, prepareEntry } from './sqlite-log.js';
import type { AuditEntry, StoredEvent } from './types.js';

/**
 * A message channel between two processes (src/server/replicas.ts: `process.send`/`process.on('message')`
 * in a replica, `child.send`/`child.on('message')` in the primary, with serialization 'advanced').
 */
export interface Channel {
  /** sends one message; a channel that is gone throws or drops it */
  send(message: unknown): void;
  /** calls `handler` with each message that arrives; returns what stops it */
  onMessage(handler: (message: unknown) => void): () => void;
}

/** A log the primary serves to replicas: it also commits records prepared elsewhere. */
export type ServedAuditLog = AuditLog & {
  appendPrepared(prepared: PreparedEntry): Promise<number>;
};

/**
 * A replica's turn: the records it appends (one commit on the primary, answered by one
 * `audit.appended`) and the metrics it counted — `requests` flat, four values a request.
 */
interface BatchMessage {
  type: 'audit.batch';
  id: number;
  entries: PreparedEntry[];
  requests: (string | number)[];
  writeErrors: number;
}

/** The sequence numbers of a batch's records, in order, or why its commit failed. */
interface AppendedMessage {
  type: 'audit.appended';
  id: number;
  seqs?: number[];
  error?: string;
}

/** A read, answered by an `audit.result` of the same id. */
type CallMessage =
  | { type: 'audit.query'; id: number; filter: EventFilter; page: PageOptions }
  | { type: 'audit.get'; id: number; eventId: string }
  | { type: 'audit.latestSeq'; id: number }
  | { type: 'audit.waitForNew'; id: number; afterSeq: number; timeoutMs: number };

interface ResultMessage {
  type: 'audit.result';
  id: number;
  value?: unknown;
  error?: string;
}

/** The replica no longer waits (its signal aborted, or it closes): the primary stops too. */
interface CancelMessage {
  type: 'audit.cancel';
  id: number;
}

type AuditMessage = BatchMessage | AppendedMessage | CallMessage | ResultMessage | CancelMessage;

/** A message of this module's; the channel carries others too. */
function auditMessage(m: unknown): AuditMessage | undefined {
  const type = (m as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith('audit.') ? (m as AuditMessage) : undefined;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** An append sent or about to be: settled when the primary answers its batch. */
interface Appending {
  entry: AuditEntry;
  resolve: (e: StoredEvent) => void;
  reject: (e: Error) => void;
}

interface Calling {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

export interface RemoteAuditLogOptions {
  /** how long `close` waits for the primary to answer the appends sent (default 10 s) */
  closeWaitMs?: number | undefined;
  /**
   * how long counted metrics wait for a batch of appends to ride on before they go alone
   * (default 100 ms): under load they always find one, and `/metrics` is scraped in seconds
   */
  metricsDelayMs?: number | undefined;
}

/**
 * An edge replica's audit log: appends and reads go to the primary's log over `channel`.
 *
 * @example
 * const log = new RemoteAuditLog({
 *   send: (m) => process.send?.(m),
 *   onMessage: (h) => (process.on('message', h), () => process.off('message', h)),
 * });
 * process.on('disconnect', () => log.fail(new Error('the primary went away')));
 * const trail = createAuditTrail({ log, metrics: log.metrics });
 */
export class RemoteAuditLog implements AuditLog {
  /** the trail's metrics of this process, counted by the primary's (`serveAuditLog`) */
  readonly metrics: TrailMetrics;
  private readonly channel: Channel;
  private readonly opts: RemoteAuditLogOptions;
  private readonly unsubscribe: () => void;
  private lastId = 0;
  /** this turn's appends and the metrics counted since the last batch: sent at its end */
  private entries: PreparedEntry[] = [];
  private appending: Appending[] = [];
  private requests: (string | number)[] = [];
  private writeErrors = 0;
  private flushScheduled = false;
  private metricsTimer: NodeJS.Timeout | undefined;
  /** batches sent and not answered, by id */
  private readonly sent = new Map<number, Appending[]>();
  /** reads sent and not answered, and waits for new records (resolved, never rejected) */
  private readonly calls = new Map<number, Calling>();
  private readonly waits = new Map<number, () => void>();
  private closing: Promise<void> | undefined;
  /** why nothing more goes through (closed, or the channel or the primary is gone) */
  private failure: Error | undefined;

  constructor(channel: Channel, opts: RemoteAuditLogOptions = {}) {
    this.channel = channel;
    this.opts = opts;
    this.unsubscribe = channel.onMessage((m) => this.receive(m));
    this.metrics = {
      request: (service: string, action: string, outcome: Outcome, seconds: number) => {
        this.requests.push(service, action, outcome, seconds);
        this.metricsCounted();
      },
      writeError: () => {
        this.writeErrors++;
        this.metricsCounted();
      },
    };
  }

  /** Prepares the entry here and sends it with the rest of this turn's; resolves once committed. */
  append(entry: AuditEntry): Promise<StoredEvent> {
    const refused = this.refused();
    if (refused) return Promise.reject(refused);
    const prepared = prepareEntry(entry);
    return new Promise<StoredEvent>((resolve, reject) => {
      this.entries.push(prepared);
      this.appending.push({ entry, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  query(filter: EventFilter, page: PageOptions): Promise<StoredEvent[]> {
    return this.call<StoredEvent[]>((id) => ({ type: 'audit.query', id, filter, page }));
  }

  get(id: string): Promise<StoredEvent | undefined> {
    return this.call<StoredEvent | undefined>((n) => ({ type: 'audit.get', id: n, eventId: id }));
  }

  latestSeq(): Promise<number> {
    return this.call<number>((id) => ({ type: 'audit.latestSeq', id }));
  }

  /**
   * The primary waits (and times out); an abort here ends the wait at once and tells the
   * primary to stop waiting. Like the local log's, it never fails: a log closed or gone ends it.
   */
  waitForNew(afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.refused() || signal?.aborted) return Promise.resolve();
    const id = ++this.lastId;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.waits.delete(id);
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        if (!this.waits.has(id)) return;
        done();
        this.send({ type: 'audit.cancel', id } satisfies CancelMessage);
      };
      this.waits.set(id, done);
      signal?.addEventListener('abort', abort, { once: true });
      this.send({ type: 'audit.waitForNew', id, afterSeq, timeoutMs } satisfies CallMessage);
    });
  }

  /**
   * Sends what is queued, waits (up to `closeWaitMs`) for the primary to answer the appends
   * sent, and stops: what is still unanswered then fails, the primary's waits are cancelled.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    this.flush();
    const deadline = Date.now() + (this.opts.closeWaitMs ?? 10_000);
    while (this.sent.size > 0 && !this.failure && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
    for (const id of this.waits.keys())
      this.send({ type: 'audit.cancel', id } satisfies CancelMessage);
    this.fail(new Error('the audit log is closed'));
  }

  /**
   * Nothing more goes through: the appends not answered and the reads fail with `reason`, the
   * waits end. For when the channel closes or the primary goes away.
   */
  fail(reason: Error): void {
    if (this.failure) return;
    this.failure = reason;
    this.unsubscribe();
    clearTimeout(this.metricsTimer);
    const appends = [...this.appending, ...[...this.sent.values()].flat()];
    const calls = [...this.calls.values()];
    const waits = [...this.waits.values()];
    this.entries = [];
    this.appending = [];
    this.sent.clear();
    this.calls.clear();
    for (const a of appends) a.reject(reason);
    for (const c of calls) c.reject(reason);
    for (const done of waits) done();
  }

  /** Why a new append or read is refused: the log is closing or failed. */
  private refused(): Error | undefined {
    return this.failure ?? (this.closing ? new Error('the audit log is closed') : undefined);
  }

  /** Counted metrics go with the next batch of appends, or on their own after a while. */
  private metricsCounted(): void {
    if (this.flushScheduled || this.metricsTimer || this.failure) return;
    this.metricsTimer = setTimeout(() => this.flush(), this.opts.metricsDelayMs ?? 100);
    this.metricsTimer.unref();
  }

  /** Sends this turn's appends and the metrics counted, in one message. */
  private flush(): void {
    this.flushScheduled = false;
    clearTimeout(this.metricsTimer);
    this.metricsTimer = undefined;
    if (this.entries.length === 0 && this.requests.length === 0 && this.writeErrors === 0) return;
    const id = ++this.lastId;
    const message: BatchMessage = {
      type: 'audit.batch',
      id,
      entries: this.entries,
      requests: this.requests,
      writeErrors: this.writeErrors,
    };
    if (this.appending.length > 0) this.sent.set(id, this.appending);
    this.entries = [];
    this.appending = [];
    this.requests = [];
    this.writeErrors = 0;
    this.send(message);
  }

  /** A read the primary answers; `message` is made with its id. */
  private call<T>(message: (id: number) => CallMessage): Promise<T> {
    const refused = this.refused();
    if (refused) return Promise.reject(refused);
    const id = ++this.lastId;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.send(message(id));
    });
  }

  /** A channel that refuses a message is gone: everything waiting on it fails. */
  private send(message: AuditMessage): void {
    try {
      this.channel.send(message);
    } catch (e) {
      this.fail(new Error(`the audit channel to the primary failed: ${messageOf(e)}`));
    }
  }

  private receive(raw: unknown): void {
    const m = auditMessage(raw);
    if (m?.type === 'audit.appended') {
      const appends = this.sent.get(m.id);
      if (!appends) return;
      this.sent.delete(m.id);
      const seqs = m.seqs;
      if (seqs === undefined) {
        const e = new Error(m.error ?? 'the primary did not commit the records');
        for (const a of appends) a.reject(e);
      } else appends.forEach((a, i) => a.resolve({ ...a.entry, seq: seqs[i] as number }));
    } else if (m?.type === 'audit.result') {
      const done = this.waits.get(m.id);
      if (done) return done();
      const call = this.calls.get(m.id);
      if (!call) return;
      this.calls.delete(m.id);
      if (m.error !== undefined) call.reject(new Error(m.error));
      else call.resolve(m.value);
    }
  }
}

export interface ServeAuditLogOptions {
  /** where the replicas' counted metrics go (the primary's EdgeMetrics) */
  metrics?: TrailMetrics | undefined;
}

/**
 * The primary's side: answers one replica's audit messages with `log` — its records committed
 * with `appendPrepared`, so the primary does no JSON work for them. Returns what stops serving
 * it (replicas.ts calls it when the replica exits): the waits it asked for end.
 *
 * @example
 * const stop = serveAuditLog(audit, {
 *   send: (m) => child.send(m),
 *   onMessage: (h) => (child.on('message', h), () => child.off('message', h)),
 * }, { metrics });
 * child.once('exit', stop);
 */
export function serveAuditLog(
  log: ServedAuditLog,
  channel: Channel,
  opts: ServeAuditLogOptions = {},
): () => void {
  const waits = new Map<number, AbortController>();
  let stopped = false;
  const reply = (m: AppendedMessage | ResultMessage) => {
    if (stopped) return;
    try {
      channel.send(m);
    } catch {
      // the replica is gone: its serving stops when it exits
    }
  };
  const answer = (id: number, read: () => Promise<unknown>) =>
    void Promise.resolve()
      .then(read)
      .then(
        (value) => reply({ type: 'audit.result', id, value }),
        (e: unknown) => reply({ type: 'audit.result', id, error: messageOf(e) }),
      );
  const unsubscribe = channel.onMessage((raw) => {
    const m = auditMessage(raw);
    switch (m?.type) {
      case 'audit.batch':
        count(m, opts.metrics);
        if (m.entries.length > 0) commit(log, m, reply);
        break;
      case 'audit.query':
        answer(m.id, () => log.query(m.filter, m.page));
        break;
      case 'audit.get':
        answer(m.id, () => log.get(m.eventId));
        break;
      case 'audit.latestSeq':
        answer(m.id, () => log.latestSeq());
        break;
      case 'audit.waitForNew': {
        const abort = new AbortController();
        waits.set(m.id, abort);
        answer(m.id, () =>
          log.waitForNew(m.afterSeq, m.timeoutMs, abort.signal).finally(() => waits.delete(m.id)),
        );
        break;
      }
      case 'audit.cancel':
        waits.get(m.id)?.abort();
        break;
    }
  });
  return () => {
    stopped = true;
    unsubscribe();
    for (const abort of waits.values()) abort.abort();
  };
}

/** A batch's records, committed together; one answer for them all. */
function commit(log: ServedAuditLog, m: BatchMessage, reply: (m: AppendedMessage) => void): void {
  void Promise.all(m.entries.map((p) => log.appendPrepared(p))).then(
    (seqs) => reply({ type: 'audit.appended', id: m.id, seqs }),
    (e: unknown) => reply({ type: 'audit.appended', id: m.id, error: messageOf(e) }),
  );
}

/** A batch's metrics, counted as if the trail of this process had. */
function count(m: BatchMessage, metrics: TrailMetrics | undefined): void {
  if (!metrics) return;
  const r = m.requests;
  for (let i = 0; i + 3 < r.length; i += 4)
    metrics.request(r[i] as string, r[i + 1] as string, r[i + 2] as Outcome, r[i + 3] as number);
  for (let i = 0; i < m.writeErrors; i++) metrics.writeError();
}
