/**
 * ServiceAccounts from a running irsakit server (`--from-irsa`): polls
 * `GET {endpoint}/_irsa/v1/clusters/{cluster}/serviceaccounts` with the admin bearer token,
 * which answers a `ServiceAccountList` (or a Kubernetes `Status` on error). An unchanged
 * `resourceVersion` is not re-applied; a failed poll keeps the previous set. The token never
 * appears in a log line.
 */
import type { ServiceAccountSink } from '../sa-cache.js';
import type { ServiceAccount } from '../types.js';

export interface IrsaSourceOptions {
  /** e.g. `http://127.0.0.1:4577` */
  endpoint: string;
  /** the admin token (`<data>/admin-token`) */
  token: string;
  cluster: string;
  /** poll interval (default 2000 ms) */
  intervalMs?: number;
  /** per-request time-out (default 5000 ms) */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type ListParse =
  { ok: true; resourceVersion: string; items: ServiceAccount[] } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the endpoint's answer: a `ServiceAccountList`, or the message of a `Status`.
 *
 * @example
 * parseServiceAccountList(200, '{"kind":"ServiceAccountList","metadata":{"resourceVersion":"3"},"items":[]}');
 * // { ok: true, resourceVersion: '3', items: [] }
 */
export function parseServiceAccountList(status: number, text: string): ListParse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: `HTTP ${status}, not JSON` };
  }
  if (status !== 200 || (isObject(body) && body.kind === 'Status')) {
    const s = isObject(body) ? body : {};
    const reason = typeof s.reason === 'string' ? ` ${s.reason}` : '';
    const message = typeof s.message === 'string' ? `: ${s.message}` : '';
    return { ok: false, error: `HTTP ${status}${reason}${message}` };
  }
  if (!isObject(body) || !Array.isArray(body.items)) {
    return { ok: false, error: 'not a ServiceAccountList' };
  }
  const items: ServiceAccount[] = [];
  for (const item of body.items) {
    if (!isObject(item) || !isObject(item.metadata) || typeof item.metadata.name !== 'string') {
      return { ok: false, error: 'an item is not a ServiceAccount' };
    }
    items.push(item as ServiceAccount);
  }
  const meta = isObject(body.metadata) ? body.metadata : {};
  const rv = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
  return { ok: true, resourceVersion: rv, items };
}

export interface IrsaSource {
  /** polls now; concurrent calls share one request */
  poll(): Promise<void>;
  /** starts polling every interval (after a first poll) */
  start(): Promise<void>;
  stop(): void;
  /** whether the last poll succeeded */
  healthy(): boolean;
}

/**
 * A poller of the irsakit server's ServiceAccount list.
 *
 * @example
 * const src = createIrsaSource({ endpoint, token, cluster: 'dev' }, cache.source('irsa'), log);
 * await src.start();
 */
export function createIrsaSource(
  opts: IrsaSourceOptions,
  sink: ServiceAccountSink,
  log: (line: string) => void,
): IrsaSource {
  const doFetch = opts.fetch ?? fetch;
  const url = `${opts.endpoint.replace(/\/+$/, '')}/_irsa/v1/clusters/${encodeURIComponent(opts.cluster)}/serviceaccounts`;
  let lastVersion: string | undefined;
  let lastError: string | undefined;
  let ok = false;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const once = async () => {
    let result: ListParse;
    try {
      const res = await doFetch(url, {
        headers: { Authorization: `Bearer ${opts.token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      result = parseServiceAccountList(res.status, await res.text());
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      result = { ok: false, error: cause?.code ?? cause?.message ?? (e as Error).message };
    }
    if (!result.ok) {
      ok = false;
      if (result.error !== lastError) {
        log(`service accounts: ${url}: ${result.error}; keeping the previous set`);
      }
      lastError = result.error;
      return;
    }
    ok = true;
    if (lastError !== undefined) log(`service accounts: ${url}: reachable again`);
    lastError = undefined;
    if (result.resourceVersion !== '' && result.resourceVersion === lastVersion) return;
    lastVersion = result.resourceVersion;
    sink.replace(result.items);
    log(
      `service accounts: ${result.items.length} from irsakit cluster ${opts.cluster} (resourceVersion ${result.resourceVersion || '-'})`,
    );
  };

  const poll = () => {
    inFlight ??= once().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void poll().finally(loop), opts.intervalMs ?? 2000);
    timer.unref?.();
  };

  return {
    poll,
    async start() {
      await poll();
      loop();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    healthy: () => ok,
  };
}
