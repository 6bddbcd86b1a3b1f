import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap, V1ServiceAccount } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceAccountCache } from '../sa-cache.js';
import type { ConfigMapEntry, ServiceAccount } from '../types.js';
import {
  attachConfigMapInformer,
  attachServiceAccountInformer,
  directFetcher,
  type InformerLike,
  kubeConfigFor,
} from './kube.js';

/** An informer whose events the test emits (what client-node's ListWatch calls back with). */
class FakeInformer<T> implements InformerLike<T> {
  handlers: Record<string, ((x: never) => void)[]> = {};
  starts = 0;
  stops = 0;
  failStart = false;
  on(verb: string, cb: (x: never) => void): void {
    (this.handlers[verb] ??= []).push(cb);
  }
  emit(verb: 'add' | 'update' | 'delete' | 'error', obj: unknown): void {
    for (const cb of this.handlers[verb] ?? []) (cb as (x: unknown) => void)(obj);
  }
  async start(): Promise<void> {
    this.starts++;
    if (this.failStart) throw new Error('connect ECONNREFUSED');
  }
  async stop(): Promise<void> {
    this.stops++;
  }
}

const sa = (
  name: string,
  annotations?: Record<string, string>,
  namespace = 'ns',
): V1ServiceAccount => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace, annotations, resourceVersion: '1' },
});

afterEach(() => {
  vi.useRealTimers();
});

describe('attachServiceAccountInformer', () => {
  it('add, update and delete events drive the cache', async () => {
    const cache = new ServiceAccountCache('eks.amazonaws.com');
    const informer = new FakeInformer<V1ServiceAccount>();
    const h = attachServiceAccountInformer(informer, cache.source('kube'), () => undefined);
    await h.start();
    expect(informer.starts).toBe(1);

    informer.emit('add', sa('app'));
    expect(cache.get('ns', 'app')?.metadata.annotations).toEqual({});
    informer.emit('update', sa('app', { 'eks.amazonaws.com/role-arn': 'r' }));
    expect(cache.get('ns', 'app')?.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'r',
    });
    informer.emit('update', sa('app', {}));
    expect(cache.get('ns', 'app')?.metadata.annotations).toEqual({}); // removing an annotation takes effect
    informer.emit('delete', sa('app'));
    expect(cache.get('ns', 'app')).toBeUndefined();
    informer.emit('add', { metadata: {} }); // nameless objects are ignored
    expect(cache.stats().serviceAccounts).toBe(0);
    await h.stop();
    expect(informer.stops).toBe(1);
  });

  it('wakes an admission waiting for the SA (grace period)', async () => {
    const cache = new ServiceAccountCache('p');
    const informer = new FakeInformer<V1ServiceAccount>();
    attachServiceAccountInformer(informer, cache.source('kube'), () => undefined);
    const pending = cache.lookup('ns', 'late', 5000);
    informer.emit('add', sa('late'));
    expect((await pending).serviceAccount?.metadata.name).toBe('late');
  });

  it('restarts after an error and after a failed start, until stopped', async () => {
    vi.useFakeTimers();
    const informer = new FakeInformer<V1ServiceAccount>();
    const logs: string[] = [];
    const h = attachServiceAccountInformer(
      informer,
      new ServiceAccountCache('p').source('k'),
      (l) => logs.push(l),
      1000,
    );
    informer.failStart = true;
    await h.start();
    expect(logs.at(-1)).toBe(
      'service accounts: watch failed (connect ECONNREFUSED); restarting in 1000 ms',
    );
    informer.failStart = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(informer.starts).toBe(2);
    informer.emit('error', new Error('watch closed'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(informer.starts).toBe(3);
    await h.stop();
    informer.emit('error', new Error('late'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(informer.starts).toBe(3);
  });
});

describe('attachConfigMapInformer', () => {
  const cm = (config: string | undefined, name = 'pod-identity-webhook'): V1ConfigMap => ({
    metadata: { name, namespace: 'eks' },
    data: config === undefined ? {} : { config },
  });

  it('applies the config key, drops vanished keys, keeps entries on a parse error and on delete', () => {
    let entries: Record<string, ConfigMapEntry> | undefined;
    const logs: string[] = [];
    const informer = new FakeInformer<V1ConfigMap>();
    attachConfigMapInformer(informer, {
      name: 'pod-identity-webhook',
      defaultExpiration: 3600,
      apply: (e) => (entries = e),
      log: (l) => logs.push(l),
    });

    informer.emit(
      'add',
      cm(
        JSON.stringify({
          'a/x': { RoleARN: 'r1' },
          '*/y': { RoleARN: 'r2', TokenExpiration: 900 },
        }),
      ),
    );
    expect(Object.keys(entries ?? {})).toEqual(['a/x', '*/y']);
    expect(entries?.['a/x']?.tokenExpiration).toBe(3600);

    informer.emit('update', cm(JSON.stringify({ '*/y': { RoleARN: 'r2' } })));
    expect(Object.keys(entries ?? {})).toEqual(['*/y']);

    informer.emit('update', cm('{not json'));
    expect(Object.keys(entries ?? {})).toEqual(['*/y']);
    expect(logs.at(-1)).toMatch(/keeping the previous entries/);

    informer.emit('update', cm(JSON.stringify({ 'z/z': { RoleARN: 'r' } }), 'another-config-map'));
    expect(Object.keys(entries ?? {})).toEqual(['*/y']);

    informer.emit('delete', cm(undefined));
    expect(Object.keys(entries ?? {})).toEqual(['*/y']);
    expect(logs.at(-1)).toMatch(/deleted; its entries stay/);

    informer.emit('add', cm(undefined));
    expect(entries).toEqual({});
  });
});

describe('directFetcher', () => {
  it('deduplicates per key and rate-limits (burst, then refill)', async () => {
    let now = 0;
    const cache = new ServiceAccountCache('p');
    const resolvers: ((sa: ServiceAccount | undefined) => void)[] = [];
    const read = vi.fn(
      (_ns: string, _n: string) =>
        new Promise<ServiceAccount | undefined>((r) => resolvers.push(r)),
    );
    const fetch = directFetcher(read, cache.source('get'), () => undefined, {
      ratePerSecond: 10,
      burst: 2,
      now: () => now,
    });
    fetch('ns', 'a');
    fetch('ns', 'a');
    expect(read).toHaveBeenCalledTimes(1);
    fetch('ns', 'b');
    fetch('ns', 'c'); // burst of 2 spent
    expect(read).toHaveBeenCalledTimes(2);
    now += 100; // one token back
    fetch('ns', 'c');
    expect(read).toHaveBeenCalledTimes(3);
    resolvers[0]?.(sa('a') as ServiceAccount);
    await new Promise((r) => setImmediate(r));
    expect(cache.get('ns', 'a')).toBeDefined();
  });

  it('logs failures other than 404', async () => {
    const logs: string[] = [];
    const fetch = directFetcher(
      async (_ns, name) => {
        throw Object.assign(new Error(name === 'missing' ? 'not found' : 'timed out'), {
          code: name === 'missing' ? 404 : undefined,
        });
      },
      new ServiceAccountCache('p').source('get'),
      (l) => logs.push(l),
    );
    fetch('ns', 'missing');
    fetch('ns', 'slow');
    await new Promise((r) => setImmediate(r));
    expect(logs).toEqual(['service account ns/slow: direct lookup failed: timed out']);
  });
});

describe('kubeConfigFor', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const kubeconfig = () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-kc-'));
    dirs.push(dir);
    const file = join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: abc}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`,
    );
    return file;
  };

  it.each([
    ['a kubeconfig', () => ({ kubeconfig: kubeconfig() }), {}, 'https://10.0.0.1:6443'],
    [
      '--kube-api overrides it',
      () => ({ kubeconfig: kubeconfig(), kubeApi: 'https://127.0.0.1:7443' }),
      {},
      'https://127.0.0.1:7443',
    ],
    ['--kube-api alone', () => ({ kubeApi: 'http://127.0.0.1:8080' }), {}, 'http://127.0.0.1:8080'],
  ])('%s', (_n, opts, env, server) => {
    const kc = kubeConfigFor(opts(), env);
    expect(typeof kc).not.toBe('string');
    if (typeof kc !== 'string') expect(kc.getCurrentCluster()?.server).toBe(server);
  });

  it('says what is missing', () => {
    expect(kubeConfigFor({}, {})).toBe(
      'no API server: give --kubeconfig or --kube-api, or run inside a cluster',
    );
    expect(kubeConfigFor({ kubeconfig: '/nonexistent/config' }, {})).toMatch(
      /^cannot load the client configuration: /,
    );
  });
});
