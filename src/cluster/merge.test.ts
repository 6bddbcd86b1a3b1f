import { describe, expect, it } from 'vitest';
import { canonical, sameObject, sortedJson, threeWayMerge } from './merge.js';

describe('canonical form', () => {
  it('sorts keys, drops nulls and the empty lists and maps omitempty drops, keeps the rest', () => {
    expect(
      sortedJson(
        canonical({
          spec: {
            containers: [{ name: 'c', env: [], args: [], image: 'x', ports: [] }],
            volumes: [],
            nodeName: null,
          },
          metadata: { labels: {}, name: 'p' },
        }),
      ),
    ).toBe('{"metadata":{"name":"p"},"spec":{"containers":[{"image":"x","name":"c"}]}}');
    // `containers` has no omitempty: an empty list is not no list
    expect(sameObject({ spec: { containers: [] } }, { spec: {} })).toBe(false);
    expect(sameObject({ b: 1, a: [2, 3] }, { a: [2, 3], b: 1 })).toBe(true);
    expect(sameObject({ a: [2, 3] }, { a: [3, 2] })).toBe(false);
  });

  it('a plain scalar at its zero value is no field at all; a pointer field’s false is', () => {
    const c = (env: object, mount: object) => ({
      containers: [{ name: 'c', image: 'x', env: [env], volumeMounts: [mount] }],
    });
    expect(
      sameObject(
        c({ name: 'A', value: '' }, { name: 'v', mountPath: '/m', readOnly: false }),
        c({ name: 'A' }, { name: 'v', mountPath: '/m' }),
      ),
    ).toBe(true);
    expect(sameObject(c({ name: 'A', value: 'x' }, {}), c({ name: 'A' }, {}))).toBe(false);
    // securityContext.runAsNonRoot is a *bool: false is said, not absent
    expect(sameObject({ securityContext: { runAsNonRoot: false } }, { securityContext: {} })).toBe(
      false,
    );
  });
});

describe('three-way merge', () => {
  it('keeps what no manifest set, removes what the last one set and the new one does not', () => {
    const original = { metadata: { labels: { app: 'a', team: 't' } }, spec: { replicas: 2 } };
    const modified = { metadata: { labels: { app: 'a' } }, spec: { replicas: 3 } };
    const live = {
      metadata: { uid: 'u', labels: { app: 'a', team: 't', added: 'by-webhook' } },
      spec: { replicas: 2, template: { metadata: { annotations: { restartedAt: 'now' } } } },
      status: { readyReplicas: 2 },
    };
    expect(threeWayMerge(original, modified, live)).toEqual({
      metadata: { uid: 'u', labels: { app: 'a', added: 'by-webhook' } },
      spec: { replicas: 3, template: { metadata: { annotations: { restartedAt: 'now' } } } },
      status: { readyReplicas: 2 },
    });
    // a field dropped whole is deleted whole (kubectl's patch sets it to null)
    expect(threeWayMerge({ a: { x: 1 } }, {}, { a: { x: 1, y: 2 } })).toEqual({});
    // without a last-applied configuration nothing is removed
    expect(threeWayMerge(undefined, { a: 1 }, { a: 0, b: 2 })).toEqual({ a: 1, b: 2 });
  });

  it('merges lists of named things item by item, keeping items admission added where they were', () => {
    const original = {
      containers: [{ name: 'c', image: 'v1', env: [{ name: 'A', value: '1' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    };
    const modified = {
      containers: [{ name: 'c', image: 'v2', env: [{ name: 'A', value: '1' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    };
    const live = {
      containers: [
        {
          name: 'c',
          image: 'v1',
          env: [
            { name: 'A', value: '1' },
            { name: 'AWS_ROLE_ARN', value: 'r' },
          ],
          volumeMounts: [{ name: 'aws-iam-token', mountPath: '/t' }],
        },
      ],
      volumes: [
        { name: 'aws-iam-token', projected: {} },
        { name: 'data', emptyDir: {} },
        { name: 'kube-api-access-x', projected: {} },
      ],
    };
    expect(threeWayMerge(original, modified, live)).toEqual({
      ...live,
      containers: [{ ...live.containers[0], image: 'v2' }],
    });
    // an item removed from the manifest goes; a list of unnamed things is replaced whole
    expect(
      threeWayMerge(
        { env: [{ name: 'A' }, { name: 'B' }], args: ['a', 'b'] },
        { env: [{ name: 'A' }], args: ['a'] },
        { env: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], args: ['a', 'b'] },
        'container',
      ),
    ).toEqual({ env: [{ name: 'A' }, { name: 'C' }], args: ['a'] });
  });
});
