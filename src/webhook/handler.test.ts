import { describe, expect, it, vi } from 'vitest';
import {
  type AdmissionContext,
  BAD_CONTENT_TYPE_TEXT,
  handleWebhookRequest,
  type LookupResult,
} from './handler.js';
import { defaultWebhookOptions } from './options.js';
import type { JsonPatchOp, ServiceAccount } from './types.js';

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const sa = (namespace: string, name: string): ServiceAccount => ({
  metadata: { namespace, name, annotations: { 'eks.amazonaws.com/role-arn': ROLE } },
});

function context(
  lookup: (ns: string, name: string) => LookupResult | Promise<LookupResult> = (ns, name) =>
    ns === 'team' && name === 'app' ? { serviceAccount: sa(ns, name) } : {},
  extra: Partial<AdmissionContext> = {},
): AdmissionContext {
  return { options: defaultWebhookOptions(), lookup, ...extra };
}

const review = (request: unknown, typeMeta: Record<string, string> = {}) =>
  JSON.stringify({ ...typeMeta, request });
const podObject = (over: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'team' },
  spec: { serviceAccountName: 'app', containers: [{ name: 'c' }] },
  ...over,
});

async function post(
  body: string | Buffer,
  ctx = context(),
  path = '/mutate',
  contentType = 'application/json',
) {
  const res = await handleWebhookRequest({ method: 'POST', path, contentType, body }, ctx);
  return { ...res, json: () => JSON.parse(res.body) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const patchOf = (response: { patch: string }) =>
  JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as JsonPatchOp[];

describe('handleWebhookRequest', () => {
  it.each([['admission.k8s.io/v1'], ['admission.k8s.io/v1beta1']])(
    'echoes %s and AdmissionReview',
    async (apiVersion) => {
      const res = await post(
        review(
          { uid: 'u1', namespace: 'team', object: podObject() },
          { apiVersion, kind: 'AdmissionReview' },
        ),
      );
      const body = res.json();
      expect(res.status).toBe(200);
      expect(res.headers['Content-Type']).toBe('application/json');
      expect(Object.keys(body)).toEqual(['kind', 'apiVersion', 'response']);
      expect(body.apiVersion).toBe(apiVersion);
      expect(body.response).toMatchObject({ uid: 'u1', allowed: true, patchType: 'JSONPatch' });
      expect(patchOf(body.response).map((o) => o.path)).toEqual([
        '/spec/volumes',
        '/spec/containers',
      ]);
      expect(res.admission).toEqual({
        uid: 'u1',
        namespace: 'team',
        pod: 'p',
        serviceAccount: 'app',
        mode: 'irsa',
        allowed: true,
        warnings: [],
        serviceAccountFound: true,
      });
    },
  );

  it('request.namespace overrides the object namespace', async () => {
    const lookup = vi.fn(() => ({}));
    await post(
      review({
        uid: 'u',
        namespace: 'team',
        object: podObject({ metadata: { namespace: 'evil' } }),
      }),
      context(lookup),
    );
    expect(lookup).toHaveBeenCalledWith('team', 'app');
  });

  it('falls back to the object namespace when the request has none', async () => {
    const lookup = vi.fn(() => ({}));
    await post(review({ uid: 'u', object: podObject() }), context(lookup));
    expect(lookup).toHaveBeenCalledWith('team', 'app');
  });

  it('does not look up a pod without a service account, and allows it unchanged', async () => {
    const lookup = vi.fn(() => ({}));
    const res = await post(
      review({ uid: 'u', namespace: 'team', object: { kind: 'ConfigMap', data: { a: 'b' } } }),
      context(lookup),
    );
    expect(lookup).not.toHaveBeenCalled();
    expect(res.json()).toEqual({ response: { uid: 'u', allowed: true } });
  });

  it('awaits an asynchronous lookup and reports generateName', async () => {
    const res = await post(
      review({
        uid: 'u',
        namespace: 'team',
        object: podObject({ metadata: { generateName: 'web-' } }),
      }),
      context(async (ns, name) => ({ serviceAccount: sa(ns, name) })),
    );
    expect(res.json().response.patchType).toBe('JSONPatch');
    expect(res.admission?.pod).toBe('web-');
  });

  it('Pod Identity through the lookup', async () => {
    const ctx = context(() => ({ podIdentity: true }), {
      options: {
        ...defaultWebhookOptions(),
        containerCredentials: {
          fullUri: 'u',
          audience: 'a',
          mountPath: '/m',
          volumeName: 'v',
          tokenPath: 't',
        },
      },
      random: (lo) => lo,
    });
    const res = await post(review({ uid: 'u', namespace: 'team', object: podObject() }), ctx);
    expect(res.admission?.mode).toBe('pod-identity');
    expect(patchOf(res.json().response)[0]?.path).toBe('/metadata/labels');
  });

  it('accepts a Buffer body and does not check the method', async () => {
    const res = await handleWebhookRequest(
      {
        method: 'GET',
        path: '/mutate',
        contentType: 'application/json',
        body: Buffer.from(review({ uid: 'u', namespace: 'team', object: podObject() })),
      },
      context(),
    );
    expect(JSON.parse(res.body).response.patchType).toBe('JSONPatch');
  });

  it.each([['application/json; charset=utf-8'], ['Application/JSON'], ['text/plain'], [undefined]])(
    'Content-Type %s → 415',
    async (contentType) => {
      const res = await handleWebhookRequest(
        { method: 'POST', path: '/mutate', contentType, body: '{}' },
        context(),
      );
      expect(res.status).toBe(415);
      expect(res.body).toBe(BAD_CONTENT_TYPE_TEXT);
      expect(res.headers['Content-Type']).toBe('text/plain; charset=utf-8');
      expect(res.admission).toBeUndefined();
    },
  );

  it.each([
    ['empty', '', 'bad content'],
    ['whitespace', '  \n', 'bad content'],
    ['null', 'null', 'bad content'],
    ['no request', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}', 'bad content'],
    ['request null', '{"request":null}', 'bad content'],
    ['truncated JSON', '{"request":', /^couldn't get version\/kind; json parse error: /],
    ['an array', '[]', /cannot unmarshal array into Go value of type struct/],
    [
      'apiVersion a number',
      '{"apiVersion":1}',
      /cannot unmarshal number into Go struct field \.apiVersion/,
    ],
    [
      'foreign apiVersion',
      '{"apiVersion":"v1","kind":"Pod","request":{}}',
      'no kind "Pod" is registered for version "v1"',
    ],
    [
      'request a string',
      '{"request":"x"}',
      'json: cannot unmarshal string into Go struct field AdmissionReview.request of type v1.AdmissionRequest',
    ],
    ['uid a number', '{"request":{"uid":1}}', /AdmissionRequest\.request\.uid of type string/],
    ['no object', '{"request":{"uid":"u"}}', 'unexpected end of JSON input'],
    ['object null', '{"request":{"uid":"u","object":null}}', 'unexpected end of JSON input'],
    [
      'object a string',
      '{"request":{"uid":"u","object":"x"}}',
      'json: cannot unmarshal string into Go value of type v1.Pod',
    ],
    [
      'containers an object',
      review({ uid: 'u', object: { spec: { containers: {} } } }),
      'json: cannot unmarshal object into Go struct field Pod.spec.containers of type []v1.Container',
    ],
    [
      'env name a number',
      review({ uid: 'u', object: { spec: { containers: [{ name: 'c', env: [{ name: 1 }] }] } } }),
      'json: cannot unmarshal number into Go struct field Pod.spec.containers.env.name of type string',
    ],
    [
      'labels not strings',
      review({ uid: 'u', object: { metadata: { labels: { a: true } } } }),
      'json: cannot unmarshal bool into Go struct field Pod.metadata.labels of type string',
    ],
    [
      'serviceAccountName a number',
      review({ uid: 'u', object: { spec: { serviceAccountName: 5 } } }),
      /Pod\.spec\.serviceAccountName of type string/,
    ],
  ])('malformed (%s) → 200 allowed:false', async (_n, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(200);
    const r = res.json().response;
    expect(r.allowed).toBe(false);
    expect(r.status.metadata).toEqual({});
    if (typeof message === 'string') expect(r.status.message).toBe(message);
    else expect(r.status.message).toMatch(message);
    expect(r.uid).toBe(body.includes('"uid":"u"') ? 'u' : '');
    expect(res.admission?.allowed).toBe(false);
  });

  it('echoes TypeMeta on a denial when the request had it', async () => {
    const res = await post(
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}',
    );
    expect(res.json()).toEqual({
      kind: 'AdmissionReview',
      apiVersion: 'admission.k8s.io/v1',
      response: {
        uid: 'u',
        allowed: false,
        status: { metadata: {}, message: 'unexpected end of JSON input' },
      },
    });
  });

  it('a null container decodes as an empty one', async () => {
    const res = await post(
      review({
        uid: 'u',
        namespace: 'team',
        object: podObject({ spec: { serviceAccountName: 'app', containers: [null] } }),
      }),
    );
    const containers = patchOf(res.json().response)[1] as { value: { name: string }[] };
    expect(containers.value[0]?.name).toBe('');
  });

  it.each([
    ['/healthz', 200, 'ok'],
    ['/healthz/', 404, '404 page not found\n'],
    ['/', 404, '404 page not found\n'],
    ['/debug/alpha/deny', 404, '404 page not found\n'],
    ['/mutate?x=%zz', 400, '{"error": "error parsing form"}'],
    ['/mutate?a=1;b=2', 400, '{"error": "error parsing form"}'],
  ])('%s → %d', async (path, status, body) => {
    const res = await handleWebhookRequest(
      { method: 'GET', path, contentType: undefined, body: '' },
      context(),
    );
    expect(res.status).toBe(status);
    expect(res.body).toBe(body);
  });

  it("passes a container field nested thousands deep through its patch; past Go's 10,000 levels, denies as Go's decoder does", async () => {
    // the review is written as text: JSON.stringify itself cannot write it
    const reviewOf = (levels: number) =>
      review({ uid: 'u', namespace: 'team', object: podObject() }).replace(
        '{"name":"c"}',
        `{"name":"c","extra":${'{"x":'.repeat(levels)}1${'}'.repeat(levels)}}`,
      );
    const res = await post(reviewOf(9_000));
    const body = res.json();
    expect(body.response.allowed).toBe(true);
    const text = Buffer.from(body.response.patch, 'base64').toString('utf8');
    expect(text).toContain(`${'{"x":'.repeat(9_000)}1`);

    const tooDeep = await post(reviewOf(10_000));
    expect(tooDeep.status).toBe(200);
    expect(tooDeep.json().response).toEqual({
      uid: '',
      allowed: false,
      status: {
        metadata: {},
        message:
          "couldn't get version/kind; json parse error: invalid character '{' exceeded max depth",
      },
    });
  });

  it('a query string that parses is ignored', async () => {
    const res = await post(
      review({ uid: 'u', namespace: 'team', object: podObject() }),
      context(),
      '/mutate?timeout=10s',
    );
    expect(res.json().response.allowed).toBe(true);
  });

  it('debugging handlers, when enabled', async () => {
    const ctx = context(undefined, { debugHandlers: true });
    const deny = await post(
      review({ uid: 'u', namespace: 'team', object: podObject() }),
      ctx,
      '/debug/alpha/deny',
    );
    expect(deny.json().response).toEqual({
      uid: 'u',
      allowed: false,
      status: { metadata: {}, message: 'Test deny message' },
    });
    const err = await handleWebhookRequest(
      { method: 'GET', path: '/debug/alpha/500', contentType: undefined, body: '' },
      ctx,
    );
    expect(err.status).toBe(500);
  });
});
