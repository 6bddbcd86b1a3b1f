/**
 * The client-node wiring of the API-server source against a tiny fake API server (list +
 * watch of ServiceAccounts and of the ConfigMap, and the grace period's direct GET): checks
 * the paths, selectors and the decoding that the event-level tests in kube.test.ts assume.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceAccountCache } from '../sa-cache.js';
import { kubeConfigFor, startKubeSources } from './kube.js';

const sa = (name: string, rv: string, role?: string) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: {
    name,
    namespace: 'team',
    resourceVersion: rv,
    annotations: role ? { 'eks.amazonaws.com/role-arn': role } : {},
  },
});

function fakeApiServer() {
  const watches: ServerResponse[] = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname}?${url.searchParams.toString()}`);
    res.setHeader('Content-Type', 'application/json');
    if (url.pathname === '/api/v1/serviceaccounts' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200);
      res.write('');
      watches.push(res);
      return;
    }
    if (url.pathname === '/api/v1/serviceaccounts') {
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ServiceAccountList',
          metadata: { resourceVersion: '10' },
          items: [sa('app', '9', 'arn:aws:iam::111122223333:role/app')],
        }),
      );
      return;
    }
    if (
      url.pathname === '/api/v1/namespaces/eks/configmaps' &&
      url.searchParams.get('watch') === 'true'
    ) {
      res.writeHead(200);
      res.write('');
      return;
    }
    if (url.pathname === '/api/v1/namespaces/eks/configmaps') {
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMapList',
          metadata: { resourceVersion: '10' },
          items: [
            {
              metadata: { name: 'pod-identity-webhook', namespace: 'eks' },
              data: { config: '{"*/cm-sa": {"RoleARN": "arn:aws:iam::111122223333:role/cm"}}' },
            },
          ],
        }),
      );
      return;
    }
    if (url.pathname === '/api/v1/namespaces/team/serviceaccounts/direct') {
      res.end(JSON.stringify(sa('direct', '11', 'arn:aws:iam::111122223333:role/direct')));
      return;
    }
    res.writeHead(404);
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
      }),
    );
  });
  return { server, watches, seen };
}

describe('startKubeSources (client-node against a fake API server)', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('lists, watches, reads the ConfigMap, and fetches a missing SA directly', async () => {
    const { server, watches, seen } = fakeApiServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    const kc = kubeConfigFor(
      { kubeApi: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      {},
    );
    if (typeof kc === 'string') throw new Error(kc);
    const cache = new ServiceAccountCache('eks.amazonaws.com');
    const logs: string[] = [];
    const kube = await startKubeSources({
      kc,
      serviceAccounts: cache.source('kube'),
      fetched: cache.source('kube-get'),
      configMap: {
        namespace: 'eks',
        name: 'pod-identity-webhook',
        defaultExpiration: 86400,
        apply: (e) => cache.setConfigMap(e),
      },
      log: (l) => logs.push(l),
    });
    closers.push(() => kube.stop());
    if (kube.fetcher) cache.addFetcher(kube.fetcher);

    await expect
      .poll(() => cache.get('team', 'app')?.metadata.annotations, { timeout: 5000 })
      .toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' });
    await expect.poll(() => Object.keys(cache.configMap()), { timeout: 5000 }).toEqual(['*/cm-sa']);
    expect(seen).toContain(
      '/api/v1/namespaces/eks/configmaps?fieldSelector=metadata.name%3Dpod-identity-webhook',
    );

    await expect.poll(() => watches.length, { timeout: 5000 }).toBe(1);
    watches[0]?.write(
      `${JSON.stringify({ type: 'ADDED', object: sa('new', '12', 'arn:aws:iam::111122223333:role/new') })}\n`,
    );
    await expect.poll(() => cache.get('team', 'new'), { timeout: 5000 }).toBeDefined();
    watches[0]?.write(`${JSON.stringify({ type: 'DELETED', object: sa('app', '13') })}\n`);
    await expect.poll(() => cache.get('team', 'app'), { timeout: 5000 }).toBeUndefined();

    const looked = await cache.lookup('team', 'direct', 2000);
    expect(looked.serviceAccount?.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/direct',
    });
    expect(logs.filter((l) => l.includes('failed'))).toEqual([]);
  });
});
