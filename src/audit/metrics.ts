/**
 * The edge's Prometheus metrics (text exposition format 0.0.4, served at `/metrics`):
 * requests by service, action and outcome, request latency by service, and the audit log's
 * group commits (batch sizes, commit latency, records written, write failures).
 */

const escapeLabel = (v: string) =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};
const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : '-Inf');

/** Request latency buckets, seconds. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];
/** Audit batch size buckets, records. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
/** Audit commit latency buckets, seconds. */
export const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

class Histogram {
  readonly buckets: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i] = (this.counts[i] as number) + 1;
    });
  }
  render(name: string, labels: Record<string, string>): string[] {
    const out = this.buckets.map(
      (b, i) => `${name}_bucket${labelText({ ...labels, le: num(b) })} ${this.counts[i] as number}`,
    );
    out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${this.count}`);
    out.push(`${name}_sum${labelText(labels)} ${num(this.sum)}`);
    out.push(`${name}_count${labelText(labels)} ${this.count}`);
    return out;
  }
}

/** How a call ended, as a bounded label value. */
export type Outcome = 'allowed' | 'denied' | 'error';

/**
 * What the audit trail counts: EdgeMetrics in the process that serves `/metrics`, and in an
 * edge replica the one of its RemoteAuditLog, which hands the counts to that process.
 */
export interface TrailMetrics {
  request(service: string, action: string, outcome: Outcome, seconds: number): void;
  writeError(): void;
}

export class EdgeMetrics implements TrailMetrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; value: number }>();
  private readonly latency = new Map<string, Histogram>();
  private readonly batches = new Histogram(BATCH_BUCKETS);
  private readonly commits = new Histogram(COMMIT_BUCKETS);
  private records = 0;
  private writeErrors = 0;

  /**
   * Counts one answered request.
   *
   * @example
   * metrics.request('sts', 'AssumeRoleWithWebIdentity', 'allowed', 0.004);
   */
  request(service: string, action: string, outcome: Outcome, seconds: number): void {
    const key = `${service}\u0000${action}\u0000${outcome}`;
    const s = this.requests.get(key) ?? { labels: { service, action, outcome }, value: 0 };
    s.value++;
    this.requests.set(key, s);
    let h = this.latency.get(service);
    if (!h) {
      h = new Histogram(LATENCY_BUCKETS);
      this.latency.set(service, h);
    }
    h.observe(seconds);
  }

  /** One audit batch committed. */
  commit(size: number, ms: number): void {
    this.batches.observe(size);
    this.commits.observe(ms / 1000);
    this.records += size;
  }

  /** An audit write failed (the request answered 500). */
  writeError(): void {
    this.writeErrors++;
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [
      '# HELP irsa_requests_total AWS API requests answered by the edge, by service, action and outcome.',
      '# TYPE irsa_requests_total counter',
    ];
    for (const s of [...this.requests.values()].sort((a, b) =>
      labelText(a.labels) < labelText(b.labels) ? -1 : 1,
    ))
      out.push(`irsa_requests_total${labelText(s.labels)} ${s.value}`);
    out.push(
      '# HELP irsa_request_duration_seconds Time from the request arriving to its answer being sent.',
      '# TYPE irsa_request_duration_seconds histogram',
    );
    for (const [service, h] of [...this.latency.entries()].sort())
      out.push(...h.render('irsa_request_duration_seconds', { service }));
    out.push(
      '# HELP irsa_audit_batch_size Records committed per audit log transaction (group commit).',
      '# TYPE irsa_audit_batch_size histogram',
      ...this.batches.render('irsa_audit_batch_size', {}),
      '# HELP irsa_audit_commit_seconds Time from a batch leaving for the writer to its commit.',
      '# TYPE irsa_audit_commit_seconds histogram',
      ...this.commits.render('irsa_audit_commit_seconds', {}),
      '# HELP irsa_audit_records_total Audit records committed.',
      '# TYPE irsa_audit_records_total counter',
      `irsa_audit_records_total ${this.records}`,
      '# HELP irsa_audit_write_errors_total Audit writes that failed (their requests answered 500).',
      '# TYPE irsa_audit_write_errors_total counter',
      `irsa_audit_write_errors_total ${this.writeErrors}`,
    );
    return `${out.join('\n')}\n`;
  }
}
