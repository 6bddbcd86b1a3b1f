/**
 * The upstream conformance corpus (shared/conformance/webhook, README §1): the 24 fixture
 * cases through `mutatePod`, compared with `expected.patchSemantic` (same ops and paths in
 * the same order, values deep-equal), the random source pinned to the minimum; and the 8
 * HTTP cases through the AdmissionReview handler (README §1.2).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AdmissionContext, handleWebhookRequest } from './handler.js';
import { applyJsonPatch } from './json-patch.js';
import { mutatePod } from './mutate.js';
import { defaultWebhookOptions } from './options.js';
import type { JsonPatchOp, Pod, ServiceAccount, WebhookOptions } from './types.js';

const ROOT = new URL('../../../shared/conformance/webhook/', import.meta.url);

interface FixtureSa {
  namespace: string;
  name: string;
  annotations: Record<string, string>;
}

interface Fixture {
  name: string;
  serviceAccount: FixtureSa;
  webhookOptions: {
    annotationPrefix: string;
    tokenAudience: string;
    tokenMountPath: string;
    tokenExpiration: number;
    awsDefaultRegion: string;
    stsRegionalEndpoint: boolean;
    containerCredentials: null | {
      fullUri: string;
      audience: string;
      mountPath: string;
      volumeName: string;
      tokenPath: string;
      identities: { namespace: string; serviceAccount: string }[];
    };
    jitter: { mode: string; min: number; max: number };
  };
  pod: Pod;
  expected: {
    mutate: boolean;
    patchSemantic: JsonPatchOp[];
    patchedPod: unknown;
  };
}

const read = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, ROOT), 'utf8')) as T;

const fixtureFiles = [
  ...readdirSync(ROOT)
    .filter((f) => f.endsWith('.json') && f !== 'index.json')
    .map((f) => f),
  ...readdirSync(new URL('containercredentials/', ROOT))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `containercredentials/${f}`),
].sort();

const toSa = (s: FixtureSa): ServiceAccount => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { namespace: s.namespace, name: s.name, annotations: s.annotations },
});

function optionsOf(f: Fixture): WebhookOptions {
  const o = f.webhookOptions;
  const cc = o.containerCredentials;
  return {
    ...defaultWebhookOptions(),
    annotationPrefix: o.annotationPrefix,
    tokenAudience: o.tokenAudience,
    tokenMountPath: o.tokenMountPath,
    tokenExpiration: o.tokenExpiration,
    awsDefaultRegion: o.awsDefaultRegion,
    stsRegionalEndpoint: o.stsRegionalEndpoint,
    containerCredentials: cc && {
      fullUri: cc.fullUri,
      audience: cc.audience,
      mountPath: cc.mountPath,
      volumeName: cc.volumeName,
      tokenPath: cc.tokenPath,
    },
  };
}

describe('conformance: upstream fixtures', () => {
  it('has the 24 cases of index.json', () => {
    const index = read<{ fixtureCases: { file: string }[] }>('index.json');
    expect(fixtureFiles).toEqual(index.fixtureCases.map((c) => c.file).sort());
    expect(fixtureFiles).toHaveLength(24);
  });

  it.each(fixtureFiles)('%s', (file) => {
    const f = read<Fixture>(file);
    const namespace = f.pod.metadata?.namespace ?? 'default';
    const saName = f.pod.spec?.serviceAccountName ?? '';
    const podIdentity =
      f.webhookOptions.containerCredentials?.identities.some(
        (i) => i.namespace === namespace && i.serviceAccount === saName,
      ) ?? false;
    const sa = f.serviceAccount;
    const serviceAccount = sa.namespace === namespace && sa.name === saName ? toSa(sa) : undefined;
    const pinned = (min: number, max: number) => {
      expect([min, max]).toEqual([f.webhookOptions.jitter.min, f.webhookOptions.jitter.max]);
      return min;
    };
    const before = structuredClone(f.pod);

    const r = mutatePod(
      { pod: f.pod, namespace, serviceAccount, podIdentity },
      optionsOf(f),
      pinned,
    );

    expect(r.mode).toBe(podIdentity ? 'pod-identity' : 'irsa');
    expect(r.patch.map((op) => `${op.op} ${op.path}`)).toEqual(
      f.expected.patchSemantic.map((op) => `${op.op} ${op.path}`),
    );
    expect(r.patch).toEqual(f.expected.patchSemantic);
    expect(r.warnings).toEqual([]);
    expect(f.pod).toEqual(before); // the input is not modified
    // the patch applies to the pod (the API server's view of it)
    expect(() => applyJsonPatch(f.pod, r.patch)).not.toThrow();
  });
});

interface HttpCase {
  name: string;
  method: string;
  path: string;
  contentType: string;
  body: string;
  serviceAccount: FixtureSa | null;
  expectStatus: number;
  expectBody?: { response: { patch?: string; status?: { message: string } } };
  expectBodyText?: string;
  messageInformational?: boolean;
  expectedPatchRaw: string | null;
}

/** README §1.2: drop `"resources":{}` and `null` values before comparing patches. */
function normalizePatch(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizePatch);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null) continue;
      if (k === 'resources' && x && typeof x === 'object' && Object.keys(x).length === 0) continue;
      out[k] = normalizePatch(x);
    }
    return out;
  }
  return v;
}

const httpFiles = readdirSync(new URL('_http/', ROOT))
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('conformance: HTTP cases', () => {
  it('has the 8 cases of index.json', () => {
    const index = read<{ httpCases: { file: string }[] }>('index.json');
    expect(httpFiles.map((f) => `_http/${f}`)).toEqual(index.httpCases.map((c) => c.file).sort());
    expect(httpFiles).toHaveLength(8);
  });

  it.each(httpFiles)('%s', async (file) => {
    const c = read<HttpCase>(`_http/${file}`);
    const context: AdmissionContext = {
      options: defaultWebhookOptions(),
      lookup: (namespace, name) => ({
        serviceAccount:
          c.serviceAccount &&
          c.serviceAccount.namespace === namespace &&
          c.serviceAccount.name === name
            ? toSa(c.serviceAccount)
            : undefined,
        podIdentity: false,
      }),
    };
    const res = await handleWebhookRequest(
      { method: c.method, path: c.path, contentType: c.contentType, body: c.body },
      context,
    );
    expect(res.status).toBe(c.expectStatus);
    if (c.expectBodyText !== undefined) {
      expect(res.body).toBe(c.expectBodyText);
      return;
    }
    const body = JSON.parse(res.body) as {
      response: { patch?: string; status?: { message: string }; allowed: boolean };
    };
    const expected = structuredClone(c.expectBody) as typeof body;
    if (c.messageInformational) {
      expect(body.response.allowed).toBe(false);
      expect(body.response.status?.message).toMatch(/./);
      body.response.status = expected.response.status;
    }
    if (c.expectedPatchRaw !== null) {
      const got = JSON.parse(Buffer.from(body.response.patch ?? '', 'base64').toString('utf8'));
      expect(normalizePatch(got)).toEqual(normalizePatch(JSON.parse(c.expectedPatchRaw)));
      body.response.patch = expected.response.patch;
    }
    expect(body).toEqual(expected);
  });
});
