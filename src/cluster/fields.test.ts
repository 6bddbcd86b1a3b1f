import { describe, expect, it } from 'vitest';
import { strictDecodingMessage, unknownFields } from './fields.js';

describe('strict field validation', () => {
  it('finds the seeds’ typos: metadata.annotation, spec.serviceaccountName, a container’s evn', () => {
    expect(
      unknownFields({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 's', annotation: { 'eks.amazonaws.com/role-arn': 'x' } } as never,
      }),
    ).toEqual(['metadata.annotation']);
    expect(
      unknownFields({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: {
          serviceaccountName: 's3-app',
          containers: [
            { name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] },
            { name: 'b', image: 'x', evn: [], volumeMounts: [{ name: 'v', mountpath: '/x' }] },
          ],
        },
      }),
    ).toEqual([
      'spec.serviceaccountName',
      'spec.containers[1].evn',
      'spec.containers[1].volumeMounts[0].mountpath',
    ]);
    expect(
      unknownFields({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: {
          replica: 2,
          template: { metadata: { labels: {} }, spec: { containers: [{ name: 'c', imag: 'x' }] } },
        },
      }),
    ).toEqual(['spec.replica', 'spec.template.spec.containers[0].imag']);
  });

  it('accepts what the types have, deeper structures unchecked', () => {
    expect(
      unknownFields({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', labels: { a: 'b' }, annotations: {} },
        spec: {
          serviceAccountName: 's',
          volumes: [{ name: 'v', projected: { anything: true } }],
          containers: [
            {
              name: 'c',
              image: 'x',
              securityContext: { whatever: 1 },
              env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
            },
          ],
        },
        status: { phase: 'Running' },
      }),
    ).toEqual([]);
  });

  it('words the refusal as the API server does', () => {
    expect(
      strictDecodingMessage({ apiVersion: 'apps/v1', kind: 'Deployment' }, ['spec.a', 'spec.b']),
    ).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.a", unknown field "spec.b"',
    );
  });
});
