/**
 * The audit log's interface: append-only, every append resolved only once its record is
 * committed (the edge sends no answer before), queries by the columns the trail and
 * LookupEvents filter on, and a way to wait for what comes next (`irsa trail --follow`).
 * Asynchronous, so that a PostgreSQL implementation can sit beside the embedded SQLite one.
 * Retention: everything is kept.
 */
import { UNIT_MS } from '../common/durations.js';
import type { AuditEntry, StoredEvent } from './types.js';

/** What to look for; every given field must match. Times are epoch milliseconds, inclusive. */
export interface EventFilter {
  /** the record's recipientAccountId */
  account?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  eventId?: string | undefined;
  requestId?: string | undefined;
  eventName?: string | undefined;
  eventSource?: string | undefined;
  readOnly?: boolean | undefined;
  /** LookupEvents' Username; also matches the role name of a role session (README) */
  username?: string | undefined;
  accessKeyId?: string | undefined;
  resourceType?: string | undefined;
  /** a resource's ARN (or ARN prefix) */
  resourceName?: string | undefined;
  /** a role's name or ARN: calls made with its sessions, and AssumeRole* calls for it */
  role?: string | undefined;
  namespace?: string | undefined;
  serviceAccount?: string | undefined;
  /** only failed calls */
  errors?: boolean | undefined;
  /** management or data events only */
  category?: 'Management' | 'Data' | undefined;
}

export interface PageOptions {
  /** at most this many events */
  limit: number;
  /** 'newest' (LookupEvents, `irsa trail`) or 'oldest' first (following) */
  order: 'newest' | 'oldest';
  /** newest first: only events before this sequence number (paging) */
  beforeSeq?: number | undefined;
  /** oldest first: only events after this sequence number (following) */
  afterSeq?: number | undefined;
}

/** One committed batch, for the metrics. */
export interface CommitStats {
  size: number;
  ms: number;
}

export interface AuditLog {
  /** Appends one entry; resolves once it is committed. */
  append(entry: AuditEntry): Promise<StoredEvent>;
  query(filter: EventFilter, page: PageOptions): Promise<StoredEvent[]>;
  /** an event by its event id or by its request id */
  get(id: string): Promise<StoredEvent | undefined>;
  /** the sequence number of the latest committed event (0 when empty) */
  latestSeq(): Promise<number>;
  /**
   * Resolves once an event after `afterSeq` is committed, or after `timeoutMs`, or when
   * `signal` aborts — whichever comes first.
   */
  waitForNew(afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * `15m`, `2h`, `1d`, `30s`, `1w` before `now`, or an ISO time, as epoch milliseconds;
 * undefined when it is neither.
 *
 * @example
 * parseSince('15m', new Date('2026-01-01T00:15:00Z')) // → Date.parse('2026-01-01T00:00:00Z')
 */
export function parseSince(text: string, now: Date): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (m) return now.getTime() - Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  if (!/^\d{4}-\d\d-\d\d/.test(text.trim())) return undefined;
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? undefined : t;
}
