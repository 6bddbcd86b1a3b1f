/**
 * The HTTPS edge of `irsa webhook serve`: AdmissionReviews on `/mutate`, `/healthz`, the
 * certificate re-read when its files change; and the plain-HTTP metrics port (`/metrics`,
 * `/healthz`, and with debugging handlers `/debug/alpha/cache[/clear]`). One stderr line per
 * admission. Everything about a request's answer is decided by `handleWebhookRequest`.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { type AdmissionContext, type AdmissionRecord, handleWebhookRequest } from './handler.js';
import { WebhookMetrics } from './metrics.js';
import type { ServiceAccountCache } from './sa-cache.js';
import { type CertificatePair, loadCertificatePair } from './tls.js';
import type { RandomInt, WebhookOptions } from './types.js';
import { watchPaths, type Watcher } from './watch-file.js';

/** Larger AdmissionReviews are refused (the API server's own limit is about 3 MiB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Upstream's graceful shutdown time-out. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface WebhookServerConfig {
  /** where to listen (default all interfaces) */
  bindAddress?: string;
  /** HTTPS port (0 = ephemeral) */
  port: number;
  /** plain-HTTP metrics port (0 = ephemeral, null = off) */
  metricsPort: number | null;
  metricsBindAddress?: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsMinVersion?: SecureVersion | undefined;
  /** OpenSSL cipher string */
  ciphers?: string | undefined;
  /** the flag-derived options; the ConfigMap entries come from the cache */
  options: WebhookOptions;
  cache: ServiceAccountCache;
  /** `--service-account-lookup-grace-period` in ms */
  gracePeriodMs: number;
  debugHandlers?: boolean;
  random?: RandomInt;
  log: (line: string) => void;
  /** debounce of certificate reloads (default 100 ms) */
  certDebounceMs?: number;
}

export interface RunningWebhookServer {
  port: number;
  metricsPort: number | undefined;
  metrics: WebhookMetrics;
  /** re-reads the certificate pair now; false when the new pair is unusable */
  reloadCertificate(): Promise<boolean>;
  /** stops accepting, lets requests in flight finish (up to `timeoutMs`), then closes */
  close(timeoutMs?: number): Promise<void>;
}

/** logfmt value: quoted when it has spaces, quotes or `=`. */
const fmt = (v: string) => (v === '' || /[\s"=]/.test(v) ? JSON.stringify(v) : v);

/** The one line logged per admission. */
export function admissionLogLine(a: AdmissionRecord, ms: number): string {
  const parts = [
    `admission uid=${fmt(a.uid)}`,
    `namespace=${fmt(a.namespace)}`,
    `pod=${fmt(a.pod)}`,
    `sa=${fmt(a.serviceAccount)}`,
    `mode=${a.mode}`,
  ];
  if (!a.allowed) parts.push('allowed=false', `message=${fmt(a.message ?? '')}`);
  if (a.serviceAccount !== '' && !a.serviceAccountFound) parts.push('sa_cached=false');
  if (a.warnings.length > 0) parts.push(`warnings=${fmt(a.warnings.join('; '))}`);
  parts.push(`ms=${ms.toFixed(2)}`);
  return parts.join(' ');
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(
  server: Server | HttpsServer,
  port: number,
  host: string | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | HttpsServer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

const KNOWN_PATHS = new Set([
  '/mutate',
  '/healthz',
  '/metrics',
  '/debug/alpha/deny',
  '/debug/alpha/500',
]);
const pathLabel = (url: string | undefined) => {
  const p = (url ?? '').split('?')[0] ?? '';
  return KNOWN_PATHS.has(p) || p.startsWith('/debug/alpha/cache') ? p : 'other';
};

/**
 * Starts the HTTPS webhook and, unless `metricsPort` is null, the metrics port.
 *
 * @example
 * const r = await startWebhookServer({ port: 8443, metricsPort: 9999, tlsCertFile, tlsKeyFile,
 *   options: defaultWebhookOptions(), cache, gracePeriodMs: 0, log: console.error });
 * if (r.ok) await r.server.close();
 */
export async function startWebhookServer(
  config: WebhookServerConfig,
): Promise<{ ok: true; server: RunningWebhookServer } | { ok: false; error: string }> {
  const { cache, log } = config;
  const loaded = await loadCertificatePair(config.tlsCertFile, config.tlsKeyFile);
  if (!loaded.ok) return loaded;
  let current: CertificatePair = loaded.pair;
  const metrics = new WebhookMetrics(() => cache.used);

  let optionsFor: { configMap: unknown; options: WebhookOptions } | undefined;
  const options = () => {
    const configMap = cache.configMap();
    if (optionsFor?.configMap !== configMap) {
      optionsFor = { configMap, options: { ...config.options, configMap } };
    }
    return optionsFor.options;
  };
  const contextFor = (): AdmissionContext => ({
    options: options(),
    lookup: (namespace, name) => cache.lookup(namespace, name, config.gracePeriodMs),
    random: config.random,
    debugHandlers: config.debugHandlers,
  });

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const verb = req.method ?? 'GET';
    let status = 500;
    try {
      const body = await readBody(req);
      if (body === undefined) {
        status = 413;
        res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end('request body too large\n');
        return;
      }
      const answer = await handleWebhookRequest(
        { method: verb, path: req.url ?? '/', contentType: req.headers['content-type'], body },
        contextFor(),
      );
      status = answer.status;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      const a = answer.admission;
      if (a) {
        if (a.mode !== 'none') metrics.podMutated(a.mode);
        if (a.serviceAccount !== '' && !a.serviceAccountFound) metrics.serviceAccountMissing();
        log(admissionLogLine(a, performance.now() - started));
      }
    } catch (e) {
      log(`webhook: request failed: ${(e as Error).message}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error\n');
      } else res.destroy();
    } finally {
      metrics.observeRequest(
        verb,
        pathLabel(req.url),
        status,
        (performance.now() - started) * 1000,
      );
    }
  };

  const https = createHttpsServer(
    {
      cert: current.cert,
      key: current.key,
      minVersion: config.tlsMinVersion,
      ciphers: config.ciphers,
    },
    (req, res) => void onRequest(req, res),
  );
  https.on('tlsClientError', () => undefined);

  const onMetrics = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    let status = 200;
    if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.render());
    } else if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
    } else if (config.debugHandlers && path === '/debug/alpha/cache') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ...cache.stats(), items: cache.dump() }));
    } else if (config.debugHandlers && path === '/debug/alpha/cache/clear') {
      cache.clear();
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
    } else {
      status = 404;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    }
    metrics.observeRequest(
      req.method ?? 'GET',
      pathLabel(path),
      status,
      (performance.now() - started) * 1000,
    );
  };
  const metricsServer = config.metricsPort === null ? undefined : createHttpServer(onMetrics);

  let port: number;
  let metricsPort: number | undefined;
  try {
    port = await listen(https, config.port, config.bindAddress);
    if (metricsServer) {
      metricsPort = await listen(
        metricsServer,
        config.metricsPort ?? 0,
        config.metricsBindAddress ?? config.bindAddress,
      );
    }
  } catch (e) {
    https.close();
    metricsServer?.close();
    return { ok: false, error: `cannot listen: ${(e as Error).message}` };
  }

  const reloadCertificate = async () => {
    const r = await loadCertificatePair(config.tlsCertFile, config.tlsKeyFile);
    if (!r.ok) {
      log(`tls: ${r.error}; keeping the current certificate`);
      return false;
    }
    if (r.pair.cert.equals(current.cert) && r.pair.key.equals(current.key)) return true;
    https.setSecureContext({
      cert: r.pair.cert,
      key: r.pair.key,
      ciphers: config.ciphers,
      minVersion: config.tlsMinVersion,
    });
    current = r.pair;
    log(`tls: certificate reloaded from ${config.tlsCertFile}`);
    return true;
  };
  const watcher: Watcher = watchPaths(
    [config.tlsCertFile, config.tlsKeyFile],
    () => void reloadCertificate(),
    config.certDebounceMs ?? 100,
  );

  return {
    ok: true,
    server: {
      port,
      metricsPort,
      metrics,
      reloadCertificate,
      async close(timeoutMs = SHUTDOWN_TIMEOUT_MS) {
        watcher.close();
        await Promise.all([
          closeServer(https, timeoutMs),
          metricsServer ? closeServer(metricsServer, timeoutMs) : Promise.resolve(),
        ]);
      },
    },
  };
}
