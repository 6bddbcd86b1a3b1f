/**
 * A path segment that is not valid percent-encoding is EKS's InvalidParameterException (400)
 * on every route that takes one — the EKS API's clusters and pod identity associations, and
 * EKS Auth — never a URIError (a 500).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterService } from '../../cluster/cluster-service.js';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { callContext } from '../../sts/test-support.js';
import { handleEksAuth } from '../eks-auth/eks-auth.js';
import { handleEks } from './eks-api.js';
import { pathSegment } from './path-segment.js';

const clock = fixedClock('2025-01-01T00:00:00Z');
const caller = {
  principal: {
    type: 'User' as const,
    id: 'arn:aws:iam::123456789012:user/admin',
    account: '123456789012',
    partition: 'aws',
  },
  accessKeyId: 'AKIAEXAMPLE',
  account: '123456789012',
  userId: 'AIDAEXAMPLE',
};
const BAD = ['%', '%E0%A4%A', 'a%zz', '%C0%80'];

async function refusal(p: Promise<unknown>): Promise<[string, number, string]> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AwsError);
  const a = e as AwsError;
  return [a.code, a.httpStatus, a.message];
}

describe('pathSegment', () => {
  it('decodes a segment', () => {
    expect(pathSegment('my%2Dcluster', 'clusterName', 'cluster name')).toBe('my-cluster');
    expect(pathSegment('demo', 'clusterName', 'cluster name')).toBe('demo');
  });

  it.each(BAD)('refuses %s with InvalidParameterException 400', async (s) => {
    expect(
      await refusal((async () => pathSegment(s, 'associationId', 'association ID'))()),
    ).toEqual(['InvalidParameterException', 400, 'associationId is not a valid association ID.']);
  });
});

describe('the routes that take a cluster name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsakit-eks-'));
  const caCertPath = join(dir, 'ca.pem');
  writeFileSync(caCertPath, 'not a certificate');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const clusters = { listClusters: async () => [] } as unknown as ClusterService;
  const eks = (method: string, path: string) =>
    handleEks(
      {
        clusters,
        authorize: async () => undefined,
        caCertPath,
        defaultAccount: '123456789012',
        store: new SqliteStore(':memory:'),
      },
      callContext(clock, caller),
      method,
      path,
      new URLSearchParams(),
      Buffer.alloc(0),
    );
  const NOT_VALID = ['InvalidParameterException', 400, 'clusterName is not a valid cluster name.'];

  it.each(BAD)('DescribeCluster and DeleteCluster of %s', async (s) => {
    expect(await refusal(eks('GET', `/clusters/${s}`))).toEqual(NOT_VALID);
    expect(await refusal(eks('DELETE', `/clusters/${s}`))).toEqual(NOT_VALID);
  });

  it.each(BAD)('the pod identity associations of cluster %s, and association %s', async (s) => {
    expect(await refusal(eks('GET', `/clusters/${s}/pod-identity-associations`))).toEqual(
      NOT_VALID,
    );
    expect(await refusal(eks('GET', `/clusters/demo/pod-identity-associations/${s}`))).toEqual([
      'InvalidParameterException',
      400,
      'associationId is not a valid association ID.',
    ]);
  });

  it.each(BAD)('EKS Auth for cluster %s', async (s) => {
    const path = `/clusters/${s}/assume-role-for-pod-identity`;
    const r = handleEksAuth(
      {
        store: new SqliteStore(':memory:'),
        clusters: { listClusters: async () => [] },
        authorize: async () => undefined,
        sts: {} as never,
        thumbprints: [],
      },
      callContext(clock, caller),
      {
        method: 'POST',
        target: path,
        path,
        rawQuery: '',
        rawHeaders: [],
        body: Buffer.from('{}'),
        sourceIp: '127.0.0.1',
        secure: false,
      },
    );
    expect(await refusal(r)).toEqual(NOT_VALID);
  });
});
