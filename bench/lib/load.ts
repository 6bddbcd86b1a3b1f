/**
 * A small closed-loop HTTP load generator for the benchmarks: N keep-alive connections, each
 * sending its next request as soon as the previous answer arrived, for a fixed time.
 * Latencies are kept per request; results are req/s, p50, p99 and the error count. Run it
 * against a trivial server first, in the same run, to show it is not the bottleneck.
 */
import { Agent, request } from 'node:http';

export interface LoadRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface LoadResult {
  connections: number;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** the first unexpected status seen, for diagnosis */
  firstError?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `connections` loops for `seconds` against `base` (http://host:port). */
export async function runLoad(
  base: string,
  make: () => LoadRequest,
  opts: { connections: number; seconds: number; expectStatus?: number; keepAlive?: boolean },
): Promise<LoadResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: opts.keepAlive ?? true, maxSockets: opts.connections });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const deadline = Date.now() + opts.seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const r = make();
      const started = process.hrtime.bigint();
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: r.method,
          path: r.path,
          headers: r.headers,
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (res.statusCode !== (opts.expectStatus ?? 200)) {
              errors++;
              firstError ??= `HTTP ${res.statusCode}`;
            }
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (e) => {
        errors++;
        firstError ??= e.message;
        resolve();
      });
      req.end(r.body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    connections: opts.connections,
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : 0,
    firstError,
  };
}

export function formatResult(name: string, r: LoadResult): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `${name.padEnd(48)} c=${String(r.connections).padStart(2)}  ${n(r.perSecond).padStart(8)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms${r.errors ? `  errors ${r.errors} (${r.firstError})` : ''}`;
}
