/**
 * The webhook's HTTP surface without sockets: one request in, one response out, with
 * upstream's behaviour (spec/webhook.md §9). `/mutate` takes an AdmissionReview
 * (`admission.k8s.io/v1` or `v1beta1`): the Content-Type must be exactly
 * `application/json` (else 415); a malformed review is answered 200 with `allowed: false`;
 * `kind`/`apiVersion` are echoed; `request.namespace` overrides the pod's own. `/healthz`
 * answers `ok`. The method is not checked, as upstream does not.
 */
import { openerPast, stringifyAnyDepth } from '../common/json-depth.js';
import { decodePod } from './decode-pod.js';
import { mutatePod } from './mutate.js';
import type { MutationMode, RandomInt, ServiceAccount, WebhookOptions } from './types.js';

export interface WebhookHttpRequest {
  method: string;
  /** the request target: path and optional query */
  path: string;
  contentType: string | undefined;
  body: string | Buffer;
}

/** One admission, for the log line and the metrics. */
export interface AdmissionRecord {
  uid: string;
  namespace: string;
  /** `metadata.name`, else `generateName` */
  pod: string;
  serviceAccount: string;
  mode: MutationMode;
  allowed: boolean;
  /** the denial message of a malformed review */
  message?: string;
  warnings: string[];
  /** whether the SA was in the cache */
  serviceAccountFound: boolean;
}

export interface WebhookHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** set for `/mutate` requests that got past the Content-Type check */
  admission?: AdmissionRecord;
}

/** What the webhook knows about one ServiceAccount at admission. */
export interface LookupResult {
  serviceAccount?: ServiceAccount | undefined;
  podIdentity?: boolean | undefined;
}

export interface AdmissionContext {
  /** current options (the ConfigMap part may change while serving) */
  options: WebhookOptions;
  /** the SA and its Pod Identity membership; may wait (grace period) */
  lookup: (namespace: string, name: string) => LookupResult | Promise<LookupResult>;
  /** jitter source (default `Math.random`) */
  random?: RandomInt;
  /** `--enable-debugging-handlers`: `/debug/alpha/deny` and `/debug/alpha/500` */
  debugHandlers?: boolean;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
const JSON_HEADERS = { 'Content-Type': 'application/json' };
export const BAD_CONTENT_TYPE_TEXT = 'Invalid Content-Type, expected `application/json`\n';
const API_VERSIONS = new Set(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']);
/** Go's `encoding/json` (and sigs.k8s.io/json) stops past this many levels. */
const GO_MAX_DEPTH = 10_000;
const TYPE_META_STRUCT =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

const text = (status: number, body: string): WebhookHttpResponse => ({
  status,
  headers: { ...TEXT },
  body,
});

/** Go's `ParseForm` rejects bad escapes and `;` separators. */
function queryParses(query: string): boolean {
  if (query.includes(';')) return false;
  try {
    for (const part of query.split('&')) decodeURIComponent(part.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

interface Review {
  typeMeta: { kind?: string; apiVersion?: string };
  request?: Record<string, unknown>;
}

/** Decodes the AdmissionReview envelope; a string is the decoder's error. */
function decodeReview(body: string): Review | string {
  if (body.trim() === '') return { typeMeta: {} };
  const tooDeep = openerPast(body, GO_MAX_DEPTH);
  if (tooDeep !== undefined) {
    return `couldn't get version/kind; json parse error: invalid character '${tooDeep}' exceeded max depth`;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    const m = (e as Error).message;
    return `couldn't get version/kind; json parse error: ${m.charAt(0).toLowerCase()}${m.slice(1)}`;
  }
  if (raw === null) return { typeMeta: {} };
  if (!isObject(raw)) {
    return `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonType(raw)} into Go value of type ${TYPE_META_STRUCT}`;
  }
  const { apiVersion, kind, request } = raw;
  for (const [name, v] of [
    ['apiVersion', apiVersion],
    ['kind', kind],
  ] as const) {
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonType(v)} into Go struct field .${name} of type string`;
    }
  }
  const typeMeta: Review['typeMeta'] = {};
  if (typeof kind === 'string' && kind !== '') typeMeta.kind = kind;
  if (typeof apiVersion === 'string' && apiVersion !== '') typeMeta.apiVersion = apiVersion;
  if (
    (typeMeta.apiVersion !== undefined && !API_VERSIONS.has(typeMeta.apiVersion)) ||
    (typeMeta.kind !== undefined && typeMeta.kind !== 'AdmissionReview')
  ) {
    return `no kind "${typeMeta.kind ?? ''}" is registered for version "${typeMeta.apiVersion ?? ''}"`;
  }
  if (request === undefined || request === null) return { typeMeta };
  if (!isObject(request)) {
    return `json: cannot unmarshal ${jsonType(request)} into Go struct field AdmissionReview.request of type v1.AdmissionRequest`;
  }
  for (const name of ['uid', 'namespace'] as const) {
    const v = request[name];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return `json: cannot unmarshal ${jsonType(v)} into Go struct field AdmissionRequest.request.${name} of type string`;
    }
  }
  return { typeMeta, request };
}

function reviewResponse(
  typeMeta: Review['typeMeta'],
  response: Record<string, unknown>,
): WebhookHttpResponse {
  return {
    status: 200,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({ ...typeMeta, response }),
  };
}

const denied = (uid: string, message: string) => ({
  uid,
  allowed: false,
  status: { metadata: {}, message },
});

async function admit(
  body: string,
  context: AdmissionContext,
  forceDeny: boolean,
): Promise<WebhookHttpResponse> {
  const review = decodeReview(body);
  const record: AdmissionRecord = {
    uid: '',
    namespace: '',
    pod: '',
    serviceAccount: '',
    mode: 'none',
    allowed: false,
    warnings: [],
    serviceAccountFound: false,
  };
  const deny = (typeMeta: Review['typeMeta'], message: string) => {
    record.message = message;
    return { ...reviewResponse(typeMeta, denied(record.uid, message)), admission: record };
  };
  if (typeof review === 'string') return deny({}, review);
  const { typeMeta, request } = review;
  if (!request) return deny(typeMeta, 'bad content');
  record.uid = typeof request.uid === 'string' ? request.uid : '';

  // a missing or null object is an empty RawExtension, which does not decode
  const object = request.object;
  if (object === undefined || object === null)
    return deny(typeMeta, 'unexpected end of JSON input');
  const decoded = decodePod(object);
  if (!decoded.ok) return deny(typeMeta, decoded.error);
  const pod = decoded.pod;

  const requestNamespace = typeof request.namespace === 'string' ? request.namespace : '';
  record.namespace = requestNamespace !== '' ? requestNamespace : (pod.metadata?.namespace ?? '');
  record.pod = pod.metadata?.name || pod.metadata?.generateName || '';
  record.serviceAccount = pod.spec?.serviceAccountName ?? '';
  if (forceDeny) return deny(typeMeta, 'Test deny message');

  const found: LookupResult =
    record.serviceAccount === ''
      ? {}
      : await context.lookup(record.namespace, record.serviceAccount);
  record.serviceAccountFound = found.serviceAccount !== undefined;
  const result = mutatePod(
    {
      pod,
      namespace: record.namespace,
      serviceAccount: found.serviceAccount,
      podIdentity: found.podIdentity ?? false,
    },
    context.options,
    context.random,
  );
  record.mode = result.mode;
  record.warnings = result.warnings;
  record.allowed = true;
  const response: Record<string, unknown> = { uid: record.uid, allowed: true };
  if (result.mode !== 'none') {
    response.patch = Buffer.from(stringifyAnyDepth(result.patch)).toString('base64');
    response.patchType = 'JSONPatch';
  }
  return { ...reviewResponse(typeMeta, response), admission: record };
}

/**
 * Serves one request of the webhook's HTTPS port.
 *
 * @example
 * const res = await handleWebhookRequest(
 *   { method: 'POST', path: '/mutate', contentType: 'application/json', body },
 *   { options: defaultWebhookOptions(), lookup: (ns, name) => cache.lookup(ns, name) },
 * );
 * // res.status 200, JSON.parse(res.body).response.patch (base64)
 */
export async function handleWebhookRequest(
  request: WebhookHttpRequest,
  context: AdmissionContext,
): Promise<WebhookHttpResponse> {
  const q = request.path.indexOf('?');
  const path = q < 0 ? request.path : request.path.slice(0, q);
  if (q >= 0 && !queryParses(request.path.slice(q + 1))) {
    return { status: 400, headers: { ...JSON_HEADERS }, body: '{"error": "error parsing form"}' };
  }
  const isDeny = context.debugHandlers === true && path === '/debug/alpha/deny';
  if (path === '/mutate' || isDeny) {
    if (request.contentType !== 'application/json') return text(415, BAD_CONTENT_TYPE_TEXT);
    const body = typeof request.body === 'string' ? request.body : request.body.toString('utf8');
    return admit(body, context, isDeny);
  }
  if (path === '/healthz') return text(200, 'ok');
  if (context.debugHandlers === true && path === '/debug/alpha/500') {
    return text(500, 'Internal Server Error\n');
  }
  return text(404, '404 page not found\n');
}
