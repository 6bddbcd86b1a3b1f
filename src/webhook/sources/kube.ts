/**
 * ServiceAccounts (and the `pod-identity-webhook` ConfigMap) from a real API server, through
 * `@kubernetes/client-node` informers (list + watch, relisted on error), as upstream's
 * cluster-wide informer does (spec/webhook.md §10). The informer plumbing is kept apart
 * from the event handling so the cache logic is tested with plain events.
 */
import {
  CoreV1Api,
  KubeConfig,
  ListWatch,
  makeInformer,
  type V1ConfigMap,
  type V1ServiceAccount,
  Watch,
} from '@kubernetes/client-node';
import { parseConfigMapConfig } from '../config-map.js';
import type { FetchServiceAccount, ServiceAccountSink } from '../sa-cache.js';
import type { ConfigMapEntry, ServiceAccount } from '../types.js';

/** The part of a client-node informer this module uses. */
export interface InformerLike<T> {
  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeConnectOptions {
  kubeconfig?: string | undefined;
  /** `--kube-api`: the API server URL, overriding the kubeconfig's */
  kubeApi?: string | undefined;
}

/**
 * A client configuration as upstream builds it: `--kubeconfig`, else in-cluster, else
 * `--kube-api` alone (no credentials); `--kube-api` overrides the server URL.
 *
 * @example
 * const kc = kubeConfigFor({ kubeconfig: '~/.kube/config' });
 * if (typeof kc === 'string') throw new Error(kc);
 */
export function kubeConfigFor(
  opts: KubeConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
): KubeConfig | string {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else if (opts.kubeApi) {
      kc.loadFromClusterAndUser(
        { name: 'kube-api', server: opts.kubeApi, skipTLSVerify: false },
        { name: 'anonymous' },
      );
    } else {
      return 'no API server: give --kubeconfig or --kube-api, or run inside a cluster';
    }
  } catch (e) {
    return `cannot load the client configuration: ${(e as Error).message}`;
  }
  const current = kc.getCurrentCluster();
  if (!current) return 'the kubeconfig has no current cluster';
  if (opts.kubeApi) {
    const server = opts.kubeApi;
    // client-node refuses plain http unless TLS verification is off, which means nothing there
    const plain = server.startsWith('http://');
    kc.clusters = kc.clusters.map((c) =>
      c.name === current.name ? { ...c, server, skipTLSVerify: plain || c.skipTLSVerify } : c,
    );
  }
  return kc;
}

const nameOf = (o: { metadata?: { name?: string; namespace?: string } }) =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Starts an informer and restarts it after an error, as client-node informers stop on one
 * (a failed list, a dropped watch) and a first start may fail outright.
 */
function supervise<T>(
  informer: InformerLike<T>,
  what: string,
  log: (line: string) => void,
  restartMs: number,
): InformerHandle {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const failed = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (stopped) return;
    log(`${what}: watch failed (${message}); restarting in ${restartMs} ms`);
    clearTimeout(timer);
    timer = setTimeout(() => void run(), restartMs);
    timer.unref?.();
  };
  const run = () => informer.start().catch(failed);
  informer.on('error', failed);
  return {
    start: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}

export interface InformerHandle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Feeds `sink` from a ServiceAccount informer: add/update upsert, delete removes.
 *
 * @example
 * const h = attachServiceAccountInformer(informer, cache.source('kube'), log);
 * await h.start();
 */
export function attachServiceAccountInformer(
  informer: InformerLike<V1ServiceAccount>,
  sink: ServiceAccountSink,
  log: (line: string) => void,
  restartMs = 5000,
): InformerHandle {
  const upsert = (sa: V1ServiceAccount) => {
    if (sa.metadata?.name) sink.upsert(sa as ServiceAccount);
  };
  informer.on('add', upsert);
  informer.on('update', upsert);
  informer.on('delete', (sa) => {
    if (sa.metadata?.name) sink.remove(sa.metadata.namespace ?? 'default', sa.metadata.name);
  });
  return supervise(informer, 'service accounts', log, restartMs);
}

/**
 * Feeds `apply` from the `pod-identity-webhook` ConfigMap: on add/update its `config` key
 * replaces the entries (keys that disappeared are gone); a parse error keeps the previous
 * entries. Deleting the ConfigMap keeps its entries, as upstream does.
 *
 * @example
 * attachConfigMapInformer(informer, { name: 'pod-identity-webhook', defaultExpiration: 86400,
 *   apply: (e) => cache.setConfigMap(e), log });
 */
export function attachConfigMapInformer(
  informer: InformerLike<V1ConfigMap>,
  opts: {
    name: string;
    defaultExpiration: number;
    apply: (entries: Record<string, ConfigMapEntry>) => void;
    log: (line: string) => void;
    restartMs?: number;
  },
): InformerHandle {
  const { log } = opts;
  const update = (cm: V1ConfigMap) => {
    if (cm.metadata?.name !== opts.name) return;
    const text = cm.data?.config;
    const r =
      text === undefined
        ? { ok: true as const, entries: {} }
        : parseConfigMapConfig(text, opts.defaultExpiration);
    if (!r.ok) {
      log(`config map ${nameOf(cm)}: ${r.error}; keeping the previous entries`);
      return;
    }
    opts.apply(r.entries);
    log(`config map ${nameOf(cm)}: ${Object.keys(r.entries).length} entries`);
  };
  informer.on('add', update);
  informer.on('update', update);
  informer.on('delete', (cm) => {
    if (cm.metadata?.name !== opts.name) return;
    log(`config map ${nameOf(cm)} deleted; its entries stay until it is recreated (as upstream)`);
  });
  return supervise(informer, `config map ${opts.name}`, log, opts.restartMs ?? 5000);
}

/**
 * The grace period's direct GET (spec §10): deduplicated per key, rate-limited (token bucket,
 * 10/s, burst 20), with a time-out; what it finds goes to `sink`.
 *
 * @example
 * cache.addFetcher(directFetcher((ns, name) => readSa(ns, name), cache.source('kube-get'), log));
 */
export function directFetcher(
  read: (
    namespace: string,
    name: string,
    signal: AbortSignal,
  ) => Promise<ServiceAccount | undefined>,
  sink: ServiceAccountSink,
  log: (line: string) => void,
  opts: { ratePerSecond?: number; burst?: number; timeoutMs?: number; now?: () => number } = {},
): FetchServiceAccount {
  const rate = opts.ratePerSecond ?? 10;
  const burst = opts.burst ?? 20;
  const now = opts.now ?? Date.now;
  let tokens = burst;
  let at = now();
  const inFlight = new Set<string>();
  return (namespace, name) => {
    const key = `${namespace}/${name}`;
    if (inFlight.has(key)) return;
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) / 1000) * rate);
    at = t;
    if (tokens < 1) return;
    tokens -= 1;
    inFlight.add(key);
    read(namespace, name, AbortSignal.timeout(opts.timeoutMs ?? 1000))
      .then((sa) => {
        if (sa) sink.upsert(sa);
      })
      .catch((e: unknown) => {
        const code = (e as { code?: number }).code;
        if (code !== 404)
          log(`service account ${key}: direct lookup failed: ${(e as Error).message}`);
      })
      .finally(() => inFlight.delete(key));
  };
}

export interface KubeSourcesOptions {
  kc: KubeConfig;
  serviceAccounts: ServiceAccountSink;
  /** where the direct GETs of the grace period put what they find */
  fetched?: ServiceAccountSink;
  /** `--namespace`, and `--watch-config-map` */
  configMap?: {
    namespace: string;
    name: string;
    defaultExpiration: number;
    apply: (e: Record<string, ConfigMapEntry>) => void;
  };
  log: (line: string) => void;
}

/**
 * Starts the informers against a real API server.
 *
 * @example
 * const kube = await startKubeSources({ kc, serviceAccounts: cache.source('kube'), log });
 * await kube.stop();
 */
export async function startKubeSources(
  opts: KubeSourcesOptions,
): Promise<{ stop(): Promise<void>; fetcher?: FetchServiceAccount }> {
  const core = opts.kc.makeApiClient(CoreV1Api);
  const handles: InformerHandle[] = [];
  const sas = makeInformer<V1ServiceAccount>(opts.kc, '/api/v1/serviceaccounts', () =>
    core.listServiceAccountForAllNamespaces(),
  );
  handles.push(attachServiceAccountInformer(sas, opts.serviceAccounts, opts.log));
  if (opts.configMap) {
    const { namespace, name } = opts.configMap;
    const fieldSelector = `metadata.name=${name}`;
    const cms = new ListWatch<V1ConfigMap>(
      `/api/v1/namespaces/${namespace}/configmaps`,
      new Watch(opts.kc),
      () => core.listNamespacedConfigMap({ namespace, fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    handles.push(
      attachConfigMapInformer(cms, {
        name,
        defaultExpiration: opts.configMap.defaultExpiration,
        apply: opts.configMap.apply,
        log: opts.log,
      }),
    );
  }
  for (const h of handles) void h.start();
  const read = (namespace: string, name: string, signal: AbortSignal) =>
    new Promise<ServiceAccount | undefined>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true });
      core
        .readNamespacedServiceAccount({ namespace, name })
        .then((sa) => resolve(sa as ServiceAccount), reject);
    });
  const fetcher = opts.fetched ? directFetcher(read, opts.fetched, opts.log) : undefined;
  return {
    fetcher,
    async stop() {
      await Promise.all(handles.map((h) => h.stop().catch(() => undefined)));
    },
  };
}
