import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceAccountCache } from './sa-cache.js';
import type { ServiceAccount } from './types.js';

const sa = (
  name: string,
  annotations: Record<string, string> = {},
  namespace?: string,
): ServiceAccount => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace, annotations, resourceVersion: '7', uid: 'x', labels: { a: 'b' } },
  secrets: [{ name: 's' }],
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ServiceAccountCache', () => {
  it('keeps only name, namespace, resourceVersion and prefixed annotations', () => {
    const cache = new ServiceAccountCache('eks.amazonaws.com');
    cache.source('a').upsert(
      sa('app', {
        'eks.amazonaws.com/role-arn': 'r',
        'kubectl.kubernetes.io/last-applied-configuration': '{…}',
      }),
    );
    expect(cache.get('default', 'app')).toEqual({
      metadata: {
        name: 'app',
        namespace: 'default',
        resourceVersion: '7',
        annotations: { 'eks.amazonaws.com/role-arn': 'r' },
      },
    });
    expect(cache.used).toBe(true);
  });

  it('earlier sources win; each source replaces only its own set', () => {
    const cache = new ServiceAccountCache('p');
    const first = cache.source('first');
    const second = cache.source('second');
    second.replace([sa('app', { 'p/role-arn': 'second' }), sa('other')]);
    expect(cache.get('default', 'app')?.metadata.annotations).toEqual({ 'p/role-arn': 'second' });
    first.upsert(sa('app', { 'p/role-arn': 'first' }));
    expect(cache.get('default', 'app')?.metadata.annotations).toEqual({ 'p/role-arn': 'first' });
    first.replace([]);
    expect(cache.get('default', 'app')?.metadata.annotations).toEqual({ 'p/role-arn': 'second' });
    second.remove('default', 'app');
    expect(cache.get('default', 'app')).toBeUndefined();
    expect(cache.stats()).toEqual({
      serviceAccounts: 1,
      bySource: { first: 0, second: 1 },
      podIdentities: 0,
      configMapEntries: 0,
    });
    expect(cache.dump().map((s) => s.metadata.name)).toEqual(['other']);
    cache.clear();
    expect(cache.get('default', 'other')).toBeUndefined();
  });

  it('lookup without a grace period does not wait', async () => {
    const cache = new ServiceAccountCache('p');
    const fetch = vi.fn();
    cache.addFetcher(fetch);
    expect(await cache.lookup('ns', 'app')).toEqual({
      serviceAccount: undefined,
      podIdentity: false,
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('waits for an absent SA up to the grace period, asking the fetchers', async () => {
    const cache = new ServiceAccountCache('p');
    const src = cache.source('s');
    const fetch = vi.fn((ns: string, name: string) =>
      setTimeout(() => src.upsert(sa(name, {}, ns)), 5),
    );
    cache.addFetcher(fetch);
    const r = await cache.lookup('ns', 'late', 1000);
    expect(fetch).toHaveBeenCalledWith('ns', 'late');
    expect(r.serviceAccount?.metadata.name).toBe('late');
  });

  it('gives up after the grace period', async () => {
    vi.useFakeTimers();
    const cache = new ServiceAccountCache('p');
    const pending = cache.lookup('ns', 'never', 100);
    await vi.advanceTimersByTimeAsync(99);
    let done = false;
    void pending.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).serviceAccount).toBeUndefined();
  });

  it('answers Pod Identity membership and ConfigMap entries', async () => {
    const cache = new ServiceAccountCache('p');
    cache.setPodIdentities([{ namespace: 'ns', serviceAccount: 'app' }]);
    expect((await cache.lookup('ns', 'app')).podIdentity).toBe(true);
    expect(cache.isPodIdentity('ns', 'other')).toBe(false);
    const entries = {
      'ns/app': { roleArn: 'r', audience: '', useRegionalSts: false, tokenExpiration: 1 },
    };
    cache.setConfigMap(entries);
    expect(cache.configMap()).toBe(entries);
    expect(cache.used).toBe(false);
  });
});
