/**
 * The TokenRequest API against kube-apiserver's behaviour (spec/kubernetes.md §1.2–§1.5):
 * exact claims and header, defaults, the validation messages and Status objects word for
 * word, the max-expiration warning, and the 3607-second extension. Fixed clock, fixed jti.
 */
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { SqliteStore } from '../store/index.js';
import { renderIssuerDocuments } from './discovery.js';
import { KeyRing } from './key-ring.js';
import {
  checkMaxTokenExpiration,
  issueToken,
  planTokenRequest,
  tokenLifetime,
} from './token-request.js';
import { decodeTokenRequest } from './token-request-body.js';
import type { IssuerCluster, TokenRequestInput } from './types.js';

const NOW = '2024-06-06T10:55:55Z';
const IAT = 1717671355;
const JTI = 'e51f1fbc-4733-4b85-a59f-ba80c0523874';
const ISSUER = 'https://oidc.example.test/id/0123456789ABCDEF0123456789ABCDEF';
const KUBE_AUD = 'https://kubernetes.default.svc';

const cluster: IssuerCluster = {
  name: 'dev',
  issuer: ISSUER,
  apiAudiences: [KUBE_AUD],
  maxTokenExpirationSeconds: 0,
};
const sa = { name: 'app', namespace: 'default', uid: 'e6a8680e-0000-4000-8000-000000000001' };
const pod = {
  name: 'app-7c9f',
  namespace: 'default',
  uid: '0d8b260e-0000-4000-8000-000000000002',
  serviceAccountName: 'app',
  nodeName: 'worker-1',
};
const node = { name: 'worker-1', uid: '517eb86e-0000-4000-8000-000000000003' };
const secret = {
  name: 'app-token',
  namespace: 'default',
  uid: '9a1b2c3d-0000-4000-8000-000000000004',
};
const podRef = { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid };

function input(over: Partial<TokenRequestInput> = {}): TokenRequestInput {
  return {
    cluster,
    namespace: 'default',
    name: 'app',
    serviceAccount: sa,
    request: {
      spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400, boundObjectRef: podRef },
    },
    bound: { pod, node },
    ...over,
  };
}

const plan = (over: Partial<TokenRequestInput> = {}) =>
  planTokenRequest(input(over), { now: new Date(NOW), jti: JTI });

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('TokenRequest claims', () => {
  let ring: KeyRing;
  let store: SqliteStore;
  const clock = fixedClock(NOW);
  beforeAll(async () => {
    store = new SqliteStore(':memory:');
    ring = new KeyRing({ store, clock });
    await ring.ensure('dev', { alg: 'RS256' });
  });

  it('issues an IRSA token exactly as a 1.30+ API server does', async () => {
    const r = await issueToken({ ...input(), clock, keyRing: ring, randomUUID: () => JTI });
    if (!r.ok) throw new Error(r.status.message);
    const key = await ring.signingKey('dev');
    // header: exactly alg and kid, in that order, no typ
    const header = JSON.parse(
      Buffer.from(r.token.split('.')[0] as string, 'base64url').toString('utf8'),
    ) as unknown;
    expect(JSON.stringify(header)).toBe(`{"alg":"RS256","kid":"${key?.kid}"}`);
    expect(decodeProtectedHeader(r.token)).toEqual({ alg: 'RS256', kid: key?.kid });
    // payload: these bytes, keys sorted as Go writes them
    const payload = Buffer.from(r.token.split('.')[1] as string, 'base64url').toString('utf8');
    expect(payload).toBe(
      '{"aud":["sts.amazonaws.com"],"exp":1717757755,"iat":1717671355,' +
        `"iss":"${ISSUER}","jti":"${JTI}",` +
        '"kubernetes.io":{"namespace":"default",' +
        `"node":{"name":"worker-1","uid":"${node.uid}"},` +
        `"pod":{"name":"app-7c9f","uid":"${pod.uid}"},` +
        `"serviceaccount":{"name":"app","uid":"${sa.uid}"}},` +
        '"nbf":1717671355,"sub":"system:serviceaccount:default:app"}',
    );
    expect(r.claims).toEqual(JSON.parse(payload));
    expect(r.expirationTimestamp).toBe('2024-06-07T10:55:55Z');
    expect(r.warnings).toEqual([]);
    expect(r.kid).toBe(key?.kid);
    // it verifies against the cluster's JWKS
    const docs = await renderIssuerDocuments(
      ISSUER,
      `${ISSUER}/keys`,
      await ring.publishedKeys('dev'),
    );
    const jwks = createLocalJWKSet(JSON.parse(docs.jwks));
    const verified = await jwtVerify(r.token, jwks, {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
      currentDate: clock(),
    });
    expect(verified.payload).toEqual(r.claims);
    expect((await compactVerify(r.token, jwks)).protectedHeader).toEqual({
      alg: 'RS256',
      kid: key?.kid,
    });
    // the TokenRequest response
    expect(r.response).toEqual({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'app', namespace: 'default', creationTimestamp: '2024-06-06T10:55:55Z' },
      spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400, boundObjectRef: podRef },
      status: { token: r.token, expirationTimestamp: '2024-06-07T10:55:55Z' },
    });
  });

  it('answers 500 when the cluster has no signing key', async () => {
    const r = await issueToken({
      ...input({ cluster: { ...cluster, name: 'keyless' } }),
      clock,
      keyRing: ring,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status.code).toBe(500);
      expect(r.status.message).toBe(
        'Internal error occurred: failed to generate token: cluster `keyless` has no key that signs now',
      );
    }
  });

  it('draws a fresh jti per token by default', async () => {
    const a = await issueToken({ ...input(), clock, keyRing: ring });
    const b = await issueToken({ ...input(), clock, keyRing: ring });
    if (!a.ok || !b.ok) throw new Error('not issued');
    expect(a.claims.jti).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.claims.jti).not.toBe(b.claims.jti);
  });

  it('signs ES256 with an EC key', async () => {
    const store2 = new SqliteStore(':memory:');
    stores.push(store2);
    const ring2 = new KeyRing({ store: store2, clock });
    await ring2.ensure('dev', { alg: 'ES256' });
    const r = await issueToken({ ...input(), clock, keyRing: ring2 });
    if (!r.ok) throw new Error(r.status.message);
    expect(decodeProtectedHeader(r.token).alg).toBe('ES256');
  });
});

describe('TokenRequest defaults and bindings', () => {
  it.each([
    [
      'defaults: API audiences, 3600 s, no binding',
      { request: {}, bound: {} },
      {
        aud: [KUBE_AUD],
        exp: IAT + 3600,
        k8s: { namespace: 'default', serviceaccount: { name: 'app', uid: sa.uid } },
      },
    ],
    [
      'an empty audience list means the default',
      { request: { spec: { audiences: [] } }, bound: {} },
      {
        aud: [KUBE_AUD],
        exp: IAT + 3600,
        k8s: { namespace: 'default', serviceaccount: { name: 'app', uid: sa.uid } },
      },
    ],
    [
      'API audiences default to the issuer',
      { cluster: { name: 'dev', issuer: ISSUER }, request: {}, bound: {} },
      {
        aud: [ISSUER],
        exp: IAT + 3600,
        k8s: { namespace: 'default', serviceaccount: { name: 'app', uid: sa.uid } },
      },
    ],
    [
      'a pod not yet scheduled carries no node',
      {
        request: { spec: { audiences: ['a', 'b'], boundObjectRef: podRef } },
        bound: { pod: { ...pod, nodeName: undefined } },
      },
      {
        aud: ['a', 'b'],
        exp: IAT + 3600,
        k8s: {
          namespace: 'default',
          pod: { name: pod.name, uid: pod.uid },
          serviceaccount: { name: 'app', uid: sa.uid },
        },
      },
    ],
    [
      'a pod whose Node object is unknown carries only the node name',
      { request: { spec: { audiences: ['a'], boundObjectRef: podRef } }, bound: { pod } },
      {
        aud: ['a'],
        exp: IAT + 3600,
        k8s: {
          namespace: 'default',
          node: { name: 'worker-1' },
          pod: { name: pod.name, uid: pod.uid },
          serviceaccount: { name: 'app', uid: sa.uid },
        },
      },
    ],
    [
      'a Secret binding',
      {
        request: {
          spec: {
            audiences: ['a'],
            boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: secret.name },
          },
        },
        bound: { secret },
      },
      {
        aud: ['a'],
        exp: IAT + 3600,
        k8s: {
          namespace: 'default',
          secret: { name: secret.name, uid: secret.uid },
          serviceaccount: { name: 'app', uid: sa.uid },
        },
      },
    ],
    [
      'a Node binding',
      {
        request: {
          spec: {
            audiences: ['a'],
            boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: node.name, uid: node.uid },
          },
        },
        bound: { node },
      },
      {
        aud: ['a'],
        exp: IAT + 3600,
        k8s: {
          namespace: 'default',
          node: { name: node.name, uid: node.uid },
          serviceaccount: { name: 'app', uid: sa.uid },
        },
      },
    ],
  ] as const)('%s', (_name, over, want) => {
    const r = plan(over as Partial<TokenRequestInput>);
    if (!r.ok) throw new Error(r.status.message);
    expect(r.plan.claims).toEqual({
      aud: want.aud,
      exp: want.exp,
      iat: IAT,
      iss: (over as { cluster?: IssuerCluster }).cluster?.issuer ?? ISSUER,
      jti: JTI,
      'kubernetes.io': want.k8s,
      nbf: IAT,
      sub: 'system:serviceaccount:default:app',
    });
    expect(Object.keys(r.plan.claims['kubernetes.io'])).toEqual(Object.keys(want.k8s));
  });
});

describe('TokenRequest errors, word for word', () => {
  const spec = (s: object) => ({ request: { spec: { audiences: ['sts.amazonaws.com'], ...s } } });
  it.each([
    [
      'a lifetime under 10 minutes',
      spec({ expirationSeconds: 599 }),
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
        reason: 'Invalid',
        details: {
          group: 'authentication.k8s.io',
          kind: 'TokenRequest',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: 599: may not specify a duration less than 10 minutes',
              field: 'spec.expirationSeconds',
            },
          ],
        },
        code: 422,
      },
    ],
    [
      'a lifetime over 2^32 seconds',
      spec({ expirationSeconds: 2 ** 32 + 1 }),
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
        reason: 'Invalid',
        details: {
          group: 'authentication.k8s.io',
          kind: 'TokenRequest',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message:
                'Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
              field: 'spec.expirationSeconds',
            },
          ],
        },
        code: 422,
      },
    ],
    [
      'a binding to a ConfigMap',
      spec({ boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'cm' } }),
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'cannot bind token to object of type /v1, Kind=ConfigMap',
        reason: 'BadRequest',
        code: 400,
      },
    ],
    [
      'a binding to a Pod of another group',
      spec({ boundObjectRef: { kind: 'Pod', apiVersion: 'apps/v1', name: 'app-7c9f' } }),
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'cannot bind token to object of type apps/v1, Kind=Pod',
        reason: 'BadRequest',
        code: 400,
      },
    ],
    [
      'a pod running as another service account',
      {
        ...spec({ boundObjectRef: podRef }),
        bound: { pod: { ...pod, serviceAccountName: 'default' } },
      },
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'cannot bind token for serviceaccount "app" to pod running with different serviceaccount name.',
        reason: 'BadRequest',
        code: 400,
      },
    ],
    [
      'a pod UID that does not match',
      spec({ boundObjectRef: { ...podRef, uid: 'stale-uid' } }),
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'Operation cannot be fulfilled on Pod "app-7c9f": the UID in the bound object reference (stale-uid) does not match the UID in record. The object might have been deleted and then recreated',
        reason: 'Conflict',
        details: { name: 'app-7c9f', kind: 'Pod' },
        code: 409,
      },
    ],
    [
      'a pod that does not exist',
      { ...spec({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'ghost' } }), bound: {} },
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "ghost" not found',
        reason: 'NotFound',
        details: { name: 'ghost', kind: 'pods' },
        code: 404,
      },
    ],
    [
      'a service account that does not exist',
      { ...spec({ expirationSeconds: 1 }), serviceAccount: undefined },
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'serviceaccounts "app" not found',
        reason: 'NotFound',
        details: { name: 'app', kind: 'serviceaccounts' },
        code: 404,
      },
    ],
    [
      'a body naming another service account',
      { request: { metadata: { name: 'other' }, spec: {} } },
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'TokenRequest.authentication.k8s.io "app" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
        reason: 'Invalid',
        details: {
          name: 'app',
          group: 'authentication.k8s.io',
          kind: 'TokenRequest',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: "other": must match the service account name if specified',
              field: 'metadata.name',
            },
          ],
        },
        code: 422,
      },
    ],
    [
      'a body naming another namespace',
      { request: { metadata: { namespace: 'prod' }, spec: {} } },
      expect.objectContaining({
        message:
          'TokenRequest.authentication.k8s.io "app" is invalid: metadata.namespace: Invalid value: "prod": must match the service account namespace if specified',
        code: 422,
      }),
    ],
    [
      'an invalid lifetime before a bad binding (validation comes first)',
      spec({ expirationSeconds: 10, boundObjectRef: { kind: 'ConfigMap', name: 'x' } }),
      expect.objectContaining({ reason: 'Invalid', code: 422 }),
    ],
  ])('%s', (_name, over, status) => {
    const r = plan(over as Partial<TokenRequestInput>);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status).toEqual(status);
      if (typeof status === 'object' && 'kind' in status)
        expect(Object.keys(r.status)).toEqual(Object.keys(status));
    }
  });

  it.each([600, 2 ** 32])('accepts the bound %i', (expirationSeconds) => {
    const r = plan(spec({ expirationSeconds }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.plan.claims.exp).toBe(IAT + expirationSeconds);
  });
});

describe('lifetimes: the cluster maximum and the 3607-second extension', () => {
  it('shortens a request over the cluster maximum, with kube-apiserver’s warning', () => {
    const r = plan({ cluster: { ...cluster, maxTokenExpirationSeconds: 7200 } });
    if (!r.ok) throw new Error(r.status.message);
    expect(r.plan.warnings).toEqual([
      'requested expiration of 86400 seconds shortened to 7200 seconds',
    ]);
    expect(r.plan.claims.exp).toBe(IAT + 7200);
    expect(r.plan.expirationTimestamp).toBe('2024-06-06T12:55:55Z');
    expect(r.plan.response.spec.expirationSeconds).toBe(7200);
  });

  it('leaves a request within the maximum alone', () => {
    const r = plan({ cluster: { ...cluster, maxTokenExpirationSeconds: 86400 } });
    if (!r.ok) throw new Error(r.status.message);
    expect(r.plan.warnings).toEqual([]);
    expect(r.plan.claims.exp).toBe(IAT + 86400);
  });

  it('extends a pod-bound 3607-second token for API audiences to a year, reporting 3607 s', () => {
    const r = plan({
      request: { spec: { expirationSeconds: 3607, boundObjectRef: podRef } },
    });
    if (!r.ok) throw new Error(r.status.message);
    expect(r.plan.claims.aud).toEqual([KUBE_AUD]);
    expect(r.plan.claims.exp).toBe(IAT + 365 * 24 * 3600);
    expect(r.plan.claims['kubernetes.io'].warnafter).toBe(IAT + 3607);
    expect(Object.keys(r.plan.claims['kubernetes.io']).at(-1)).toBe('warnafter');
    expect(r.plan.lifetimeSeconds).toBe(365 * 24 * 3600);
    expect(r.plan.expirationTimestamp).toBe('2024-06-06T11:56:02Z');
    expect(r.plan.response.spec.expirationSeconds).toBe(3607);
  });

  it.each([
    [
      'an IRSA audience',
      { audiences: ['sts.amazonaws.com'], expirationSeconds: 3607, boundObjectRef: podRef },
      {},
    ],
    [
      'API and other audiences',
      { audiences: [KUBE_AUD, 'x'], expirationSeconds: 3607, boundObjectRef: podRef },
      {},
    ],
    ['no pod binding', { expirationSeconds: 3607 }, {}],
    ['3608 seconds', { expirationSeconds: 3608, boundObjectRef: podRef }, {}],
    [
      'extension turned off',
      { expirationSeconds: 3607, boundObjectRef: podRef },
      { extendTokenExpiration: false },
    ],
  ])('does not extend with %s', (_name, s, c) => {
    const r = plan({ cluster: { ...cluster, ...c }, request: { spec: s } });
    if (!r.ok) throw new Error(r.status.message);
    expect(r.plan.claims.exp).toBe(IAT + (s.expirationSeconds ?? 0));
    expect(r.plan.claims['kubernetes.io']).not.toHaveProperty('warnafter');
  });

  it('computes lifetimes without a request', () => {
    expect(
      tokenLifetime(
        { name: 'd', issuer: 'https://i', maxTokenExpirationSeconds: 3600 },
        86400,
        ['sts.amazonaws.com'],
        true,
      ),
    ).toEqual({
      expirationSeconds: 3600,
      lifetimeSeconds: 3600,
      warnAfterSeconds: undefined,
      warnings: ['requested expiration of 86400 seconds shortened to 3600 seconds'],
    });
  });
});

describe('decodeTokenRequest', () => {
  it.each([
    [undefined, {}],
    [{}, {}],
    [
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: ['sts.amazonaws.com'],
          expirationSeconds: 86400,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u', extra: 1 },
        },
      },
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: ['sts.amazonaws.com'],
          expirationSeconds: 86400,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' },
        },
      },
    ],
  ])('reads %j', (body, request) => {
    expect(decodeTokenRequest(body)).toEqual({ ok: true, request });
  });

  it.each([
    [[1], 'the body must be a JSON object'],
    [{ kind: 'Pod' }, 'kind `Pod` is not TokenRequest'],
    [{ apiVersion: 'v1' }, 'apiVersion `v1` is not authentication.k8s.io/v1'],
    [{ spec: { audiences: 'sts.amazonaws.com' } }, 'spec.audiences must be an array of strings'],
    [
      { spec: { expirationSeconds: '3600' } },
      'spec.expirationSeconds must be an integer, not "3600"',
    ],
    [
      { spec: { expirationSeconds: 600.5 } },
      'spec.expirationSeconds must be an integer, not 600.5',
    ],
    [{ spec: { boundObjectRef: { name: 5 } } }, 'spec.boundObjectRef.name must be a string'],
  ])('refuses %j with a 400', (body, detail) => {
    const r = decodeTokenRequest(body);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status.code).toBe(400);
      expect(r.status.reason).toBe('BadRequest');
      expect(r.status.message).toBe(
        `TokenRequest in version "v1" cannot be handled as a TokenRequest: ${detail}`,
      );
    }
  });
});

describe('checkMaxTokenExpiration', () => {
  it.each([
    [0, undefined],
    [3600, undefined],
    [86400, undefined],
    [2 ** 32, undefined],
    [3599, 'the service-account-max-token-expiration must be between 1 hour and 2^32 seconds'],
    [
      2 ** 32 + 1,
      'the service-account-max-token-expiration must be between 1 hour and 2^32 seconds',
    ],
  ])('%i → %s', (seconds, message) => {
    expect(checkMaxTokenExpiration(seconds)).toBe(message);
  });
});
