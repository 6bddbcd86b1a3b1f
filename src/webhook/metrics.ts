/**
 * The webhook's Prometheus metrics under upstream's names (spec/webhook.md §11), in the
 * text exposition format 0.0.4: `pod_identity_webhook_pod_count{method}`,
 * `pod_identity_webhook_missing_sa_count`, `pod_identity_webhook_used`,
 * `http_request_count{verb,path,code}`, `http_request_latencies` (histogram, µs) and
 * `http_request_duration_microseconds` (summary over the last samples).
 */

const escapeLabel = (v: string) =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const num = (n: number) =>
  Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';

/** Latency buckets, µs: 250 µs … 10 s. */
export const LATENCY_BUCKETS_US = [
  250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 10_000_000,
];
const QUANTILES = [0.5, 0.9, 0.99];
const SUMMARY_WINDOW = 1024;

interface Series {
  labels: Record<string, string>;
  value: number;
}

interface Histogram {
  labels: Record<string, string>;
  buckets: number[];
  sum: number;
  count: number;
  /** the most recent samples, for the summary's quantiles */
  window: number[];
  next: number;
}

export class WebhookMetrics {
  private readonly podCount = new Map<string, Series>();
  private missingSa = 0;
  private readonly requests = new Map<string, Series>();
  private readonly latencies = new Map<string, Histogram>();
  private readonly used: () => boolean;

  /**
   * @example
   * const m = new WebhookMetrics(() => cache.used);
   * m.observeRequest('POST', '/mutate', 200, 412);
   * m.render(); // Prometheus text
   */
  constructor(used: () => boolean) {
    this.used = used;
  }

  /** A pod mutated: `sts_web_identity` (IRSA) or `container_credentials` (Pod Identity). */
  podMutated(mode: 'irsa' | 'pod-identity'): void {
    const method = mode === 'irsa' ? 'sts_web_identity' : 'container_credentials';
    const s = this.podCount.get(method) ?? { labels: { method }, value: 0 };
    s.value++;
    this.podCount.set(method, s);
  }

  /** An admission whose ServiceAccount was not in the cache. */
  serviceAccountMissing(): void {
    this.missingSa++;
  }

  observeRequest(verb: string, path: string, code: number, micros: number): void {
    const k = `${verb} ${path} ${code}`;
    const s = this.requests.get(k) ?? { labels: { verb, path, code: String(code) }, value: 0 };
    s.value++;
    this.requests.set(k, s);

    const hk = `${verb} ${path}`;
    let h = this.latencies.get(hk);
    if (!h) {
      h = {
        labels: { verb, path },
        buckets: LATENCY_BUCKETS_US.map(() => 0),
        sum: 0,
        count: 0,
        window: [],
        next: 0,
      };
      this.latencies.set(hk, h);
    }
    LATENCY_BUCKETS_US.forEach((le, i) => {
      if (micros <= le) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
    });
    h.sum += micros;
    h.count++;
    if (h.window.length < SUMMARY_WINDOW) h.window.push(micros);
    else h.window[h.next] = micros;
    h.next = (h.next + 1) % SUMMARY_WINDOW;
  }

  render(): string {
    const out: string[] = [];
    const block = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    block(
      'pod_identity_webhook_pod_count',
      'counter',
      'Pods mutated, by credential method.',
      [...this.podCount.values()].map(
        (s) => `pod_identity_webhook_pod_count${labelText(s.labels)} ${s.value}`,
      ),
    );
    block(
      'pod_identity_webhook_missing_sa_count',
      'counter',
      'Admissions whose service account was not cached.',
      [`pod_identity_webhook_missing_sa_count ${this.missingSa}`],
    );
    block('pod_identity_webhook_used', 'gauge', '1 once any service account is cached.', [
      `pod_identity_webhook_used ${this.used() ? 1 : 0}`,
    ]);
    block(
      'http_request_count',
      'counter',
      'Counter of requests broken out for each verb, path, and response code.',
      [...this.requests.values()].map((s) => `http_request_count${labelText(s.labels)} ${s.value}`),
    );
    const hist: string[] = [];
    const summary: string[] = [];
    for (const h of this.latencies.values()) {
      LATENCY_BUCKETS_US.forEach((le, i) => {
        hist.push(
          `http_request_latencies_bucket${labelText({ ...h.labels, le: num(le) })} ${h.buckets[i]}`,
        );
      });
      hist.push(
        `http_request_latencies_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`,
      );
      hist.push(`http_request_latencies_sum${labelText(h.labels)} ${num(h.sum)}`);
      hist.push(`http_request_latencies_count${labelText(h.labels)} ${h.count}`);
      const sorted = [...h.window].sort((a, b) => a - b);
      for (const q of QUANTILES) {
        const v = sorted.length
          ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN)
          : NaN;
        summary.push(
          `http_request_duration_microseconds${labelText({ ...h.labels, quantile: String(q) })} ${num(v)}`,
        );
      }
      summary.push(`http_request_duration_microseconds_sum${labelText(h.labels)} ${num(h.sum)}`);
      summary.push(`http_request_duration_microseconds_count${labelText(h.labels)} ${h.count}`);
    }
    block(
      'http_request_latencies',
      'histogram',
      'Response latency distribution in microseconds for each verb and path.',
      hist,
    );
    block(
      'http_request_duration_microseconds',
      'summary',
      'Response latency summary in microseconds for each verb and path.',
      summary,
    );
    return `${out.join('\n')}\n`;
  }
}
