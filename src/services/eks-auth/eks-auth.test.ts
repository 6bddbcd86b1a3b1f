/**
 * EKS Auth's request checks before the pod identity core runs: the route, the cluster name,
 * the body and its token, the caller's `eks-auth:AssumeRoleForPodIdentity` on the cluster ARN
 * (refused as AccessDeniedException 400), and an unknown cluster.
 */
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import type { AuthorizeRequest } from '../../server/aws/authorize.js';
import type { RawRequest } from '../../server/aws/request.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { CredentialSealer, OidcKeyFetcher, ServerKey } from '../../sts/index.js';
import { callContext, MemoryDirectory } from '../../sts/test-support.js';
import { type EksAuthDeps, handleEksAuth } from './eks-auth.js';

const clock = fixedClock('2025-01-01T00:00:00Z');
const caller = {
  principal: {
    type: 'AssumedRole' as const,
    id: 'arn:aws:sts::123456789012:assumed-role/node/i-1',
    account: '123456789012',
    partition: 'aws',
  },
  accessKeyId: 'ASIAEXAMPLE',
  account: '123456789012',
  userId: 'AROAEXAMPLE:i-1',
};
const asked: AuthorizeRequest[] = [];
const deps = (deny = false): EksAuthDeps => ({
  store: new SqliteStore(':memory:'),
  clusters: { listClusters: async () => [] },
  authorize: async (_ctx, r) => {
    asked.push(r);
    if (deny) {
      const d = r.deniedCode ?? { code: 'AccessDenied', status: 403 };
      throw new AwsError(d.code, d.status, 'denied');
    }
  },
  sts: {
    directory: new MemoryDirectory(),
    sealer: new CredentialSealer({ key: ServerKey.from(new Uint8Array(32)), clock }),
    keys: new OidcKeyFetcher({ clock }),
    clock,
  },
  thumbprints: [],
});
const raw = (path: string, body: string, method = 'POST'): RawRequest => ({
  method,
  target: path,
  path,
  rawQuery: '',
  rawHeaders: [],
  body: Buffer.from(body),
  sourceIp: '127.0.0.1',
  secure: false,
});
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const PATH = '/clusters/demo/assume-role-for-pod-identity';

async function code(p: Promise<unknown>): Promise<[string, number]> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AwsError);
  return [(e as AwsError).code, (e as AwsError).httpStatus];
}

describe('handleEksAuth', () => {
  it('is only its route', async () => {
    expect(await handleEksAuth(deps(), callContext(clock, caller), raw('/clusters/demo', ''))).toBe(
      undefined,
    );
  });

  it.each([
    [
      '/clusters/-bad/assume-role-for-pod-identity',
      JSON.stringify({ token: TOKEN }),
      'InvalidParameterException',
    ],
    [PATH, '{not json', 'InvalidParameterException'],
    [PATH, JSON.stringify({}), 'InvalidParameterException'],
    [PATH, JSON.stringify({ token: 'not a jwt' }), 'InvalidTokenException'],
  ])('refuses %s %s with %s', async (path, body, expected) => {
    expect(await code(handleEksAuth(deps(), callContext(clock, caller), raw(path, body)))).toEqual([
      expected,
      400,
    ]);
  });

  it('asks for eks-auth:AssumeRoleForPodIdentity on the cluster, refusing with 400', async () => {
    const ctx = callContext(clock, caller);
    expect(
      await code(handleEksAuth(deps(true), ctx, raw(PATH, JSON.stringify({ token: TOKEN })))),
    ).toEqual(['AccessDeniedException', 400]);
    expect(asked.at(-1)).toMatchObject({
      action: 'eks-auth:AssumeRoleForPodIdentity',
      resource: 'arn:aws:eks:us-east-1:123456789012:cluster/demo',
    });
    expect(ctx.audit).toMatchObject({
      eventName: 'AssumeRoleForPodIdentity',
      eventSource: 'eks-auth.amazonaws.com',
      requestParameters: { clusterName: 'demo' },
    });
    expect(JSON.stringify(ctx.audit)).not.toContain(TOKEN);
  });

  it('answers ResourceNotFoundException for an unknown cluster', async () => {
    expect(
      await code(
        handleEksAuth(
          deps(),
          callContext(clock, caller),
          raw(PATH, JSON.stringify({ token: TOKEN })),
        ),
      ),
    ).toEqual(['ResourceNotFoundException', 404]);
  });
});
