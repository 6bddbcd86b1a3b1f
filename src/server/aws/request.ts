/**
 * A request as the AWS edge sees it: the raw target (path and query exactly as sent, for
 * SigV4's canonical URI), the raw header list (duplicates kept, for SigV4), the body, and
 * where it came from. Routing follows spec/aws-wire.md §6.2: the SigV4 credential scope's
 * service, then `X-Amz-Target`, then a form's `Action` + `Version`, else S3 — never the
 * Content-Type alone. A scope that names a service irsakit does not serve (or one an
 * `X-Amz-Target` of another served service contradicts) is not followed: the other signals
 * decide, and that service refuses the scope as AWS's endpoint would.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { type BodyBudget, readBody } from '../http.js';
import { table } from '../../common/own.js';

export interface RawRequest {
  method: string;
  /** path + query exactly as sent */
  target: string;
  /** the raw path (before `?`) */
  path: string;
  /** the raw query string (after `?`, without it) */
  rawQuery: string;
  /** every header as sent, in order, names as sent */
  rawHeaders: [string, string][];
  body: Buffer;
  sourceIp: string;
  secure: boolean;
}

/** A header's value; duplicates joined with `,` as HTTP allows. */
export function header(r: RawRequest, name: string): string | undefined {
  const n = name.toLowerCase();
  const values = r.rawHeaders.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(',');
}

/**
 * A request target in absolute form (`GET http://host/path HTTP/1.1`, as sent through a
 * proxy; RFC 9112 §3.2.2 says a server must accept it) made the origin form the rest of the
 * edge and SigV4's canonical URI expect: the path and query.
 *
 * @example
 * originForm('http://127.0.0.1:4577/my-bucket/k?x=1') // → '/my-bucket/k?x=1'
 */
export function originForm(target: string): string {
  const m = /^https?:\/\/[^/?#]*/i.exec(target);
  if (!m) return target;
  const rest = target.slice(m[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

export async function readRawRequest(
  req: IncomingMessage,
  limit: number,
  budget?: BodyBudget,
  took?: (bytes: number) => void,
): Promise<RawRequest> {
  const target = originForm(req.url ?? '/');
  const q = target.indexOf('?');
  const rawHeaders: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    rawHeaders.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
  }
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return {
    method: req.method ?? 'GET',
    target,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    rawHeaders,
    body: await readBody(req, limit, budget, took),
    sourceIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    secure: Boolean((req.socket as TLSSocket).encrypted),
  };
}

export type Protocol = 'query' | 'json' | 'rest-json' | 'rest-xml';

export interface Route {
  /** the signing name: sts, iam, eks, eks-auth, sqs, dynamodb, secretsmanager, cloudtrail, s3 */
  service: string;
  protocol: Protocol;
  /** the operation, when the protocol names it (query Action, JSON target) */
  operation?: string | undefined;
  /** query protocol: the `Version` parameter */
  apiVersion?: string | undefined;
  /** query protocol: every parameter, from the query string and the form body */
  params?: Map<string, string> | undefined;
}

/**
 * The API version a query-protocol service answers to: an operation asked for under another
 * version (or none) is one AWS cannot find (`InvalidAction`).
 */
export function queryApiVersion(service: string): string | undefined {
  return API_VERSIONS.get(service);
}

const QUERY_VERSIONS: Readonly<Record<string, string>> = table({
  '2011-06-15': 'sts',
  '2010-05-08': 'iam',
  '2012-11-05': 'sqs',
});

const TARGETS: [RegExp, string][] = [
  [/^AmazonSQS\./, 'sqs'],
  [/^DynamoDB_20120810\./, 'dynamodb'],
  [/^secretsmanager\./, 'secretsmanager'],
  [/^(com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\./, 'cloudtrail'],
];

const QUERY_SERVICES = new Set(['sts', 'iam']);

/** service → the API version it answers to (the reverse of QUERY_VERSIONS, looked up per call) */
const API_VERSIONS = new Map(Object.entries(QUERY_VERSIONS).map(([v, s]) => [s, v]));

/**
 * `application/x-www-form-urlencoded` pairs into `params` (later ones win), exactly as
 * `URLSearchParams` reads them; `decodeURIComponent` per pair is the fast way, and a pair it
 * refuses (a stray `%`, bytes that are not UTF-8) sends the whole text to `URLSearchParams`.
 */
function addForm(params: Map<string, string>, text: string): void {
  if (text === '') return;
  const pairs: [string, string][] = [];
  try {
    for (const pair of text.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const k = eq < 0 ? pair : pair.slice(0, eq);
      const v = eq < 0 ? '' : pair.slice(eq + 1);
      pairs.push([formDecode(k), formDecode(v)]);
    }
  } catch {
    for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
    return;
  }
  for (const [k, v] of pairs) params.set(k, v);
}

function formDecode(s: string): string {
  const plain = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  return plain.includes('%') ? decodeURIComponent(plain) : plain;
}

/**
 * What the edge serves, for a request whose credential scope names something else: the
 * signing names it answers, and which Query service an `Action` belongs to.
 */
export interface ServedServices {
  /** whether requests signed for `service` are answered here */
  has(service: string): boolean;
  /** the Query-protocol service whose operation `action` is (for a form without a known Version) */
  actionOwner?(action: string): string | undefined;
}

const EKS_AUTH_PATH = /^\/clusters\/[^/]+\/assume-role-for-pod-identity$/;

/** A JSON route for an `X-Amz-Target` of `service`: the operation is after the last dot. */
function jsonRoute(service: string, target: string): Route {
  return { service, protocol: 'json', operation: target.slice(target.lastIndexOf('.') + 1) };
}

/**
 * The service a signed request is really for when its scope cannot be followed: the scope
 * names a service irsakit does not serve (`s4`, `ec2`), or an `X-Amz-Target` names another
 * served JSON service. The other signals decide — `X-Amz-Target`, then a query `Action` (by
 * `Version`, else by the operation's name), then the EKS Auth path, else S3 — so that service
 * answers its own wrong-service error (the verifier checks the scope against `route.service`)
 * instead of an operation nobody asked for. Undefined when the scope stands: it names a served
 * service nothing contradicts, or no signal points to a served one (`kinesis` with a Kinesis
 * target is still "not served").
 */
function routeAgainstScope(
  r: RawRequest,
  scopeService: string,
  served: ServedServices,
  target: string | undefined,
  named: string | undefined,
): Route | undefined {
  if (served.has(scopeService)) {
    // signed for S3, a request is S3's whatever it carries (see routeRequest)
    return target && named && named !== scopeService && scopeService !== 's3' && served.has(named)
      ? jsonRoute(named, target)
      : undefined;
  }
  if (target) return named && served.has(named) ? jsonRoute(named, target) : undefined;
  const params = queryParams(r);
  const action = params.get('Action');
  if (action !== undefined) {
    const version = params.get('Version');
    const owner =
      (version !== undefined ? QUERY_VERSIONS[version] : undefined) ?? served.actionOwner?.(action);
    return owner !== undefined && served.has(owner)
      ? { service: owner, protocol: 'query', operation: action, apiVersion: version, params }
      : undefined;
  }
  if (EKS_AUTH_PATH.test(r.path) && served.has('eks-auth'))
    return { service: 'eks-auth', protocol: 'rest-json' };
  return served.has('s3') ? { service: 's3', protocol: 'rest-xml' } : undefined;
}

/** Query parameters from the URL and, for a form POST, the body. */
function queryParams(r: RawRequest): Map<string, string> {
  const params = new Map<string, string>();
  addForm(params, r.rawQuery);
  const type = (header(r, 'content-type') ?? '').toLowerCase();
  if (r.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    addForm(params, r.body.toString('utf8'));
  }
  return params;
}

/**
 * Routes a request. `scopeService` is the SigV4 credential scope's service, when signed;
 * `served`, when given, says what the edge answers, so that a scope naming anything else is
 * routed by the request's other signals (and refused there for its service).
 *
 * @example
 * routeRequest(raw, 'sts') // → { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity', … }
 * routeRequest(presignedGet, 's4', served) // → { service: 's3', protocol: 'rest-xml' }
 */
export function routeRequest(r: RawRequest, scopeService?: string, served?: ServedServices): Route {
  const target = header(r, 'x-amz-target');
  // the service an X-Amz-Target names (looked up once: both routings below read it)
  const named = target ? TARGETS.find(([re]) => re.test(target))?.[1] : undefined;
  if (scopeService && served) {
    const meant = routeAgainstScope(r, scopeService, served, target, named);
    if (meant) return meant;
  }
  if (scopeService && QUERY_SERVICES.has(scopeService)) {
    const params = queryParams(r);
    return {
      service: scopeService,
      protocol: 'query',
      operation: params.get('Action'),
      apiVersion: params.get('Version'),
      params,
    };
  }
  // a request signed for S3 is S3's whatever it carries: S3 answers in XML only, and a
  // caller's X-Amz-Target must not become an operation (or a metrics label) of S3
  if (target && scopeService !== 's3') return jsonRoute(scopeService ?? named ?? 'unknown', target);
  if (scopeService === 'eks' || scopeService === 'eks-auth')
    return { service: scopeService, protocol: 'rest-json' };
  if (scopeService && scopeService !== 's3') {
    const params = queryParams(r);
    if (params.has('Action'))
      return {
        service: scopeService,
        protocol: 'query',
        operation: params.get('Action'),
        apiVersion: params.get('Version'),
        params,
      };
    return { service: scopeService, protocol: 'rest-json' };
  }
  if (!scopeService) {
    const params = queryParams(r);
    const version = params.get('Version');
    const action = params.get('Action');
    if (action && version && QUERY_VERSIONS[version]) {
      return {
        service: QUERY_VERSIONS[version] as string,
        protocol: 'query',
        operation: action,
        apiVersion: version,
        params,
      };
    }
    if (EKS_AUTH_PATH.test(r.path)) return { service: 'eks-auth', protocol: 'rest-json' };
  }
  return { service: 's3', protocol: 'rest-xml' };
}
