/**
 * The audit trail as the edge uses it: `record` builds the call's CloudTrail record and
 * explanation and awaits its commit (the edge sends nothing before), `onResult` writes the
 * request log line and counts the metrics once the answer is sent. One place where the
 * builder, the log, the request log and the metrics meet.
 */
import { timeOrderedUuid } from '../common/random.js';
import type { AwsCallEvent } from '../server/aws/edge.js';
import type { CallContext } from '../server/aws/types.js';
import type { AuditLog } from './log.js';
import type { Outcome, TrailMetrics } from './metrics.js';
import { buildAuditEntry } from './record.js';
import { principalText, unauthenticatedText } from './render.js';
import type { AuditEntry } from './types.js';
import { callerIdentity } from './user-identity.js';
import { oneLine } from '../common/one-line.js';

export type LogFormat = 'text' | 'json' | 'none';

export interface AuditTrailDeps {
  log: AuditLog;
  metrics?: TrailMetrics | undefined;
  /** where request log lines go (the terminal of `irsa up`) */
  requestLog?: ((line: string) => void) | undefined;
  logFormat?: LogFormat | undefined;
  /** the account of calls whose account is unknown */
  defaultAccount?: string | undefined;
  eventId?: (() => string) | undefined;
  /**
   * where a call that could not be explained is reported (its record is still written, with
   * a plain explanation); default: a line on standard error, apart from the request log
   */
  explainErrors?: ((line: string) => void) | undefined;
}

/** A time-ordered event id (common/random.ts `timeOrderedUuid`). */
export const eventUuid = timeOrderedUuid;

/**
 * A call's entry rides on its context from `record` to `onResult` (the context lives exactly as
 * long as the call). Not a WeakMap: V8 keeps a WeakMap's values through young-generation
 * collections, so every record was promoted to the old generation — measured under load, 1 MB
 * promoted per scavenge and scavenges of 2–4 ms, against 0.2 MB and 1.3 ms this way.
 */
const ENTRY = Symbol('audit entry');
type Recorded = CallContext & { [ENTRY]?: AuditEntry };

/** A bounded action label: the operation, or `unknown` for what the caller made up. */
function actionLabel(e: AwsCallEvent, entry: AuditEntry | undefined): string {
  if (!e.known) return 'unknown';
  const code = e.error?.code ?? '';
  if (/^(InvalidAction|MissingAction|UnknownOperation)/.test(code)) return 'unknown';
  const name = entry?.record.eventName ?? e.route.operation ?? 'unknown';
  return /^[A-Za-z0-9]{1,64}$/.test(name) ? name : 'unknown';
}

/** allowed, denied (a refusal of identity or permission) or error. */
export function outcomeOf(e: AwsCallEvent, entry: AuditEntry | undefined): Outcome {
  if (!e.error) return 'allowed';
  if (entry) return entry.explanation.outcome;
  return /AccessDenied|NotAuthorized|InvalidIdentityToken|Signature|ClientTokenId|ExpiredToken|MissingAuthentication/.test(
    e.error.code,
  )
    ? 'denied'
    : 'error';
}

function principalOf(e: AwsCallEvent, entry: AuditEntry | undefined): string {
  if (entry) return principalText(entry.record.userIdentity, entry.explanation);
  if (e.unread) return '-';
  if (e.ctx.caller) return principalText(callerIdentity(e.ctx.caller));
  // a refused signature (a SigV4 failure) still names the key it was made with
  const d = e.error?.detail as { kind?: unknown; accessKeyId?: unknown } | undefined;
  const signed = typeof d?.kind === 'string' && d.kind !== 'MissingAuthentication';
  return unauthenticatedText(
    typeof d?.accessKeyId === 'string' ? d.accessKeyId : undefined,
    signed,
  );
}

/**
 * The request log line of a call: time, method, principal, service:action, outcome, ms.
 *
 * @example
 * requestLine(event, entry, 'text')
 * // → '10:50:10.123 POST s3-app-role/botocore-session-1 s3:GetObject AccessDenied 4.1ms'
 */
export function requestLine(
  e: AwsCallEvent,
  entry: AuditEntry | undefined,
  format: 'text' | 'json',
): string {
  const outcome = outcomeOf(e, entry);
  const action = entry?.record.eventName ?? e.route.operation ?? '-';
  const principal = principalOf(e, entry);
  if (format === 'json')
    return JSON.stringify({
      time: e.ctx.now.toISOString(),
      requestId: e.requestId,
      method: e.method,
      path: e.path,
      principal,
      service: e.route.service,
      action,
      outcome,
      status: e.status,
      ...(e.error ? { errorCode: e.error.code } : {}),
      ms: Math.round(e.ms * 10) / 10,
    });
  const decision = e.error
    ? outcome === 'denied'
      ? `denied ${e.error.code}`
      : `error ${e.error.code}`
    : 'allowed';
  return oneLine(
    `${e.ctx.now.toISOString().slice(11, 23)} ${e.method} ${principal} ${e.route.service}:${action} ${decision} ${e.ms.toFixed(1)}ms`,
  );
}

/**
 * Builds the edge's hooks.
 *
 * @example
 * const trail = createAuditTrail({ log, metrics, requestLog: console.log });
 * const aws = await wireAws({ …, record: trail.record, onResult: trail.onResult });
 */
export function createAuditTrail(deps: AuditTrailDeps): {
  record: (e: AwsCallEvent) => Promise<void>;
  onResult: (e: AwsCallEvent) => void;
} {
  const newId = deps.eventId ?? (() => eventUuid());
  const report = deps.explainErrors ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    async record(e) {
      const entry = buildAuditEntry(e, {
        eventId: newId(),
        defaultAccount: deps.defaultAccount,
        onExplainError: (err) =>
          report(
            `irsa: could not explain request ${e.requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
          ),
      });
      (e.ctx as Recorded)[ENTRY] = entry;
      try {
        await deps.log.append(entry);
      } catch (err) {
        deps.metrics?.writeError();
        throw err;
      }
    },
    onResult(e) {
      const entry = (e.ctx as Recorded)[ENTRY];
      deps.metrics?.request(
        e.known ? e.route.service : 'unknown',
        actionLabel(e, entry),
        outcomeOf(e, entry),
        e.ms / 1000,
      );
      const format = deps.logFormat ?? 'text';
      if (format !== 'none' && deps.requestLog) deps.requestLog(requestLine(e, entry, format));
    },
  };
}
