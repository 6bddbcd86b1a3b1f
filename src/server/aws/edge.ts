/**
 * The AWS side of the edge: one port for every AWS API (spec/aws-wire.md §6). A request is
 * read raw, routed (credential scope → X-Amz-Target → form Action+Version → S3; a scope
 * naming a service not served here is refused by the service the other signals name),
 * authenticated (SigV4; only AssumeRoleWithWebIdentity/SAML may come unsigned), dispatched to
 * the operation, and answered in the protocol's shape. Every error is rendered here, in the
 * caller's protocol, and nowhere else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../../common/aws-error.js';
import type { Clock } from '../../common/clock.js';
import { own, table } from '../../common/own.js';
import { timeOrderedUuid } from '../../common/random.js';
import { StoreUnavailable } from '../../store/types.js';
import { BodiesBusy, BodyBudget, BodyIdle, BodyTooLarge } from '../http.js';
import { askingFor } from './query-params.js';
import { JSON_ACCESS_DENIED, REST_JSON_ACCESS_DENIED } from './denied.js';
import { errorText, renderQueryError, renderQueryResponse } from './query-xml.js';
import {
  type RawRequest,
  type Route,
  type ServedServices,
  header,
  queryApiVersion,
  readRawRequest,
  routeRequest,
} from './request.js';
import type {
  AuthInfo,
  CallContext,
  Caller,
  QueryOperation,
  ServiceHandler,
  ServiceResponse,
} from './types.js';

/** 20 MiB: larger bodies get 413 before anything else reads them. */
export const MAX_AWS_BODY = 20 * 1024 * 1024;

/**
 * 1 GiB: request bodies held in memory at once, over all requests (fifty full-size uploads,
 * or eight clients uploading ten 8 MiB parts each, twice over); past it a request is refused
 * with a 503 the SDKs retry.
 */
export const DEFAULT_BODY_BUDGET = 1024 * 1024 * 1024;

export interface AuthScope {
  kind: 'none' | 'header' | 'query' | 'sigv2-query';
  service?: string | undefined;
  region?: string | undefined;
}

/** SigV4 as the edge uses it (implemented over src/sigv4 and STS/IAM's credentials). */
export interface Authenticator {
  scope(raw: RawRequest): AuthScope;
  /** `scope` is what `scope(raw)` answered for this request (detected once) */
  verify(
    raw: RawRequest,
    route: Route,
    now: Date,
    scope: AuthScope,
  ): Promise<
    { ok: true; caller: Caller; region: string; auth: AuthInfo } | { ok: false; error: AwsError }
  >;
}

export interface RestJsonHandler {
  (ctx: CallContext, raw: RawRequest): Promise<{ status: number; body: unknown } | undefined>;
}

export interface AwsEdgeDeps {
  clock: Clock;
  auth: Authenticator;
  /** Query operations by service and Action */
  query: Readonly<Record<string, Readonly<Record<string, QueryOperation>>>>;
  /** REST-JSON services by signing name (eks, eks-auth) */
  restJson: Readonly<Record<string, RestJsonHandler>>;
  /**
   * Services that answer for themselves, by signing name (s3, sqs, dynamodb, secretsmanager,
   * cloudtrail): they get every protocol the route names, and anonymous S3 requests.
   */
  services?: Readonly<Record<string, ServiceHandler>>;
  defaultRegion: string;
  /**
   * The audit trail: awaited once per request after the answer is decided and before it is
   * sent, so a client that saw an answer has its record. A failure here fails the request.
   */
  record?: (event: AwsCallEvent) => Promise<void>;
  /**
   * Whether calls must be refused before anything is done (the data folder's disk is full):
   * 503, and no audit record, which could not be written either.
   */
  unavailable?: (incomingBytes: number) => boolean;
  /** aborted when the server shuts down: waiting calls (SQS long polls) answer at once */
  closing?: AbortSignal;
  /** the ceiling on request bodies held in memory at once (default 1 GiB) */
  bodyBudget?: BodyBudget;
  /** called once per request, after the answer is sent (request logs, metrics) */
  onResult?: (event: AwsCallEvent) => void;
}

export interface AwsCallEvent {
  requestId: string;
  route: Route;
  ctx: CallContext;
  /** the request's method and path, for logs */
  method: string;
  path: string;
  status: number;
  error?: AwsError | undefined;
  ms: number;
  /**
   * The request reached a service irsakit serves (authenticated, routed to a handler): only
   * then are `route.service` and `route.operation` names rather than whatever the caller sent
   * (metrics label by them, and must stay bounded).
   */
  known: boolean;
  /**
   * The body was never read (too large, stalled, over the body budget): the call was refused
   * before anyone looked at its signature, so it has no principal, signed or not.
   */
  unread?: boolean | undefined;
}

const UNSIGNED_STS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);
const JSON_NAMESPACES: Readonly<Record<string, string>> = table({
  sqs: 'com.amazonaws.sqs',
  dynamodb: 'com.amazonaws.dynamodb.v20120810',
  secretsmanager: 'com.amazonaws.secretsmanager',
  cloudtrail: 'com.amazonaws.cloudtrail.v20131101',
});
/** awsJson1_1 services; the others speak awsJson1_0 */
const JSON_1_1 = new Set(['secretsmanager', 'cloudtrail']);
const CORAL_CODES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'AccessDeniedException',
  'UnknownOperationException',
]);

/**
 * The `__type` namespace of a JSON error. Coral names where a refusal comes from: its service
 * layer (authentication, authorization, an unknown operation), its input validation, or the
 * service itself. DynamoDB's own answers show two more Coral layers than the other JSON
 * services here are known to: every ValidationException is `com.amazon.coral.validate`, and a
 * body it cannot read is `com.amazon.coral.service#SerializationException`.
 */
function jsonNamespace(service: string, code: string): string {
  if (service === 'dynamodb' && code === 'ValidationException') return 'com.amazon.coral.validate';
  if (service === 'dynamodb' && code === 'SerializationException')
    return 'com.amazon.coral.service';
  return CORAL_CODES.has(code)
    ? 'com.amazon.coral.service'
    : (JSON_NAMESPACES[service] ?? 'com.amazonaws');
}

/** DynamoDB's Coral-service errors whose text is `Message`, capitalized */
const DYNAMODB_CAPITAL_MESSAGE = new Set(['AccessDeniedException', 'SerializationException']);

/**
 * The text member of a JSON error. DynamoDB writes it `Message` in its AccessDeniedException and
 * SerializationException (captured real answers), and sends none at all for a body that is not
 * JSON (a SerializationException without text); everywhere else it is `message`.
 */
function jsonMessage(service: string, err: AwsError): Record<string, string> {
  if (service !== 'dynamodb') return { message: err.message };
  if (err.code === 'SerializationException' && err.message === '') return {};
  return DYNAMODB_CAPITAL_MESSAGE.has(err.code)
    ? { Message: err.message }
    : { message: err.message };
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  head: boolean,
): void {
  // a string body goes out with the head in one write, without a Buffer copy. A HEAD answer
  // keeps the Content-Length its handler gives (the size of what a GET would send).
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const given = head ? headers['Content-Length'] : undefined;
  res.writeHead(status, { ...headers, 'Content-Length': given ?? String(length) });
  res.end(head ? undefined : body);
}

/** AccessDenied as the JSON protocols name it (AccessDeniedException; 400, or 403 for REST-JSON). */
function forProtocol(protocol: string, err: AwsError): AwsError {
  if (err.code === 'AccessDenied' && (protocol === 'json' || protocol === 'rest-json')) {
    const a = protocol === 'json' ? JSON_ACCESS_DENIED : REST_JSON_ACCESS_DENIED;
    return new AwsError(a.code, a.status, err.message, { detail: err.detail });
  }
  return err;
}

function renderError(
  route: Route | undefined,
  original: AwsError,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const err = forProtocol(route?.protocol ?? 'query', original);
  const base = { 'x-amzn-RequestId': requestId, Date: httpDate(), ...err.headers };
  const protocol = route?.protocol ?? 'query';
  const service = route?.service ?? 'sts';
  switch (protocol) {
    case 'json': {
      const ns = jsonNamespace(service, err.code);
      return {
        status: err.httpStatus,
        headers: {
          ...base,
          'Content-Type': `application/x-amz-json-${JSON_1_1.has(service) ? '1.1' : '1.0'}`,
          'x-amzn-ErrorType': err.code,
        },
        body: JSON.stringify({
          __type: `${ns}#${err.code}`,
          ...jsonMessage(service, err),
          ...err.members,
        }),
      };
    }
    case 'rest-json':
      return {
        status: err.httpStatus,
        headers: { ...base, 'Content-Type': 'application/json', 'x-amzn-ErrorType': err.code },
        body: JSON.stringify({ message: err.message }),
      };
    case 'rest-xml':
      return {
        status: err.httpStatus,
        headers: {
          'x-amz-request-id': requestId,
          'x-amz-id-2': requestId,
          Date: base.Date,
          'Content-Type': 'application/xml',
          ...err.headers,
        },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${errorText(err.message)}</Message>${Object.entries(
          err.elements,
        )
          .map(([k, v]) => `<${k}>${errorText(v)}</${k}>`)
          .join('')}<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`,
      };
    default:
      return {
        status: err.httpStatus,
        headers: { ...base, 'Content-Type': 'text/xml' },
        body: renderQueryError(service, err, requestId),
      };
  }
}

/** `Date` to the second, as HTTP writes it: formatted once a second, not once a request */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** The request-id headers and Date every answer carries (spec/aws-wire.md §7.7). */
function idHeaders(protocol: string, requestId: string): Record<string, string> {
  const date = httpDate();
  return protocol === 'rest-xml'
    ? { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId, Date: date }
    : { 'x-amzn-RequestId': requestId, Date: date };
}

/**
 * Creates the AWS request handler of the edge.
 *
 * @example
 * const handle = createAwsEdge(deps);
 * http.createServer((req, res) => void handle(req, res));
 */
export function createAwsEdge(
  deps: AwsEdgeDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const services = deps.services ?? {};
  // what a credential scope may name; the names are the caller's, so own entries only
  const served: ServedServices = {
    has: (service) =>
      Boolean(own(deps.query, service) || own(services, service) || own(deps.restJson, service)),
    actionOwner: (action) =>
      Object.keys(deps.query).find((s) => own(own(deps.query, s), action) !== undefined) ??
      Object.keys(services).find((s) => own(services, s)?.queryActions?.has(action)),
  };

  async function dispatch(r: Route, ctx: CallContext, raw: RawRequest): Promise<ServiceResponse> {
    // the service and operation names are the caller's: only the tables' own entries count
    // (`Action=constructor` names no operation)
    const service = own(services, r.service);
    const ops = own(deps.query, r.service);
    if (r.protocol === 'query' && (ops || !service)) {
      const op = r.operation ? own(ops, r.operation) : undefined;
      if (!r.operation) throw new AwsError('MissingAction', 400, 'Missing Action');
      if (!op || r.apiVersion !== queryApiVersion(r.service))
        throw new AwsError(
          'InvalidAction',
          400,
          `Could not find operation ${r.operation} for version ${r.apiVersion ?? 'NO_VERSION_SPECIFIED'}`,
        );
      const params = r.params ?? new Map<string, string>();
      // what the operation asks for is what its record shows (audit/parameters.ts)
      const result = await op(ctx, askingFor(params));
      return {
        status: 200,
        headers: { 'Content-Type': 'text/xml' },
        body: renderQueryResponse(r.service, r.operation, result, ctx.requestId),
      };
    }
    if (service) return service(ctx, raw, r);
    if (r.protocol === 'rest-json') {
      const handler = own(deps.restJson, r.service);
      const answer = handler ? await handler(ctx, raw) : undefined;
      if (!answer)
        throw new AwsError(
          'UnknownOperationException',
          404,
          `No operation for ${raw.method} ${raw.path}`,
        );
      return {
        status: answer.status,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(answer.body),
      };
    }
    if (r.protocol === 'json')
      throw new AwsError(
        'UnknownOperationException',
        400,
        `${r.service} is not served by this irsakit yet`,
      );
    throw new AwsError(
      'NotImplemented',
      501,
      'A header you provided implies functionality that is not implemented',
    );
  }

  const budget = deps.bodyBudget ?? new BodyBudget(DEFAULT_BODY_BUDGET);
  return async (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = timeOrderedUuid();
    const head = req.method === 'HEAD';
    let route: Route | undefined;
    let ctx: CallContext | undefined;
    let out: ServiceResponse;
    let error: AwsError | undefined;
    let known = false;
    let unrecorded = false;
    let unread = false;
    let closeAfter = false;
    let held = 0;
    try {
      let raw: RawRequest;
      try {
        raw = await readRawRequest(req, MAX_AWS_BODY, budget, (bytes) => {
          // given back once the answer is done (or the connection is gone)
          if (held === 0) res.once('close', () => budget.give(held));
          held += bytes;
        });
      } catch (e) {
        if (e instanceof BodyIdle || e instanceof BodiesBusy || e instanceof BodyTooLarge) {
          route = routeUnread(req);
          // no record (no principal was ever checked), but the request log and the metrics
          // count it like any answer
          ctx = unreadContext(req, requestId, deps);
          unread = true;
          unrecorded = true;
          const s3 = route.service === 's3';
          if (e instanceof BodyIdle) {
            // S3's answer to a body that stopped arriving; the connection is closed after it
            closeAfter = true;
            throw new AwsError(
              'RequestTimeout',
              400,
              'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.',
            );
          }
          if (e instanceof BodiesBusy) {
            // nothing read: the client retries (S3's SlowDown, else a 503)
            throw s3
              ? new AwsError('SlowDown', 503, 'Please reduce your request rate.')
              : new AwsError('ServiceUnavailable', 503, 'Service is unable to handle request.');
          }
          if (!s3)
            throw new AwsError(
              'RequestEntityTooLarge',
              413,
              `Request body must be at most ${MAX_AWS_BODY} bytes`,
            );
          // a chunked body's size is what it declares, if it does
          const decoded = req.headers['x-amz-decoded-content-length'];
          const proposed =
            req.headers['content-length'] ?? (typeof decoded === 'string' ? decoded : undefined);
          throw new AwsError(
            'EntityTooLarge',
            400,
            'Your proposed upload exceeds the maximum allowed size',
            {
              elements: {
                ...(proposed !== undefined ? { ProposedSize: proposed } : {}),
                MaxSizeAllowed: String(MAX_AWS_BODY),
              },
            },
          );
        }
        // the client went away mid-body: nobody to answer, nothing to record
        if (req.destroyed || (e as NodeJS.ErrnoException).code === 'ECONNRESET') {
          res.destroy();
          return;
        }
        throw e;
      }
      const now = deps.clock();
      const scope = deps.auth.scope(raw);
      route = routeRequest(raw, scope.service, served);
      const host = header(raw, 'host') ?? '127.0.0.1';
      ctx = {
        requestId,
        region: scope.region ?? deps.defaultRegion,
        sourceIp: raw.sourceIp,
        userAgent: header(raw, 'user-agent') ?? '',
        secureTransport: raw.secure,
        now,
        endpoint: `${raw.secure ? 'https' : 'http'}://${host}`,
        audit: {},
        decisions: [],
      };
      if (route.service === 'sqs') {
        // a long poll ends when its client goes away or the server stops
        // (AbortSignal.any over the server's long-lived signal leaks on Node 20: one listener,
        // removed with the response, instead)
        const gone = new AbortController();
        const closing = deps.closing;
        const stop = () => gone.abort();
        closing?.addEventListener('abort', stop, { once: true });
        res.once('close', () => {
          closing?.removeEventListener('abort', stop);
          if (!res.writableFinished) gone.abort();
        });
        if (closing?.aborted) gone.abort();
        ctx.signal = gone.signal;
      }
      if (deps.unavailable?.(raw.body.length)) {
        unrecorded = true;
        // every SDK retries a 503 ServiceUnavailable, with backoff
        throw new AwsError(
          'ServiceUnavailable',
          503,
          route.protocol === 'rest-xml'
            ? 'Reduce your request rate.'
            : 'Service is unable to handle request.',
          { detail: 'the data folder’s disk is full' },
        );
      }
      if (scope.kind === 'none') {
        const unsignedOk =
          (route.service === 'sts' &&
            route.operation !== undefined &&
            UNSIGNED_STS.has(route.operation)) ||
          // anonymous S3: the bucket policy decides (spec/aws-wire.md §6.2)
          (route.service === 's3' && route.protocol === 'rest-xml' && services.s3 !== undefined);
        if (!unsignedOk) {
          // SQS answers as its query protocol did, with the legacy code header (§9.2)
          if (route.service === 'sqs')
            throw new AwsError(
              'MissingAuthenticationToken',
              403,
              'Request is missing Authentication Token',
              { headers: { 'x-amzn-query-error': 'MissingAuthenticationToken;Sender' } },
            );
          if (route.protocol === 'json')
            throw new AwsError(
              'MissingAuthenticationTokenException',
              400,
              'Request is missing Authentication Token',
            );
          if (route.protocol === 'rest-xml')
            throw new AwsError('AccessDenied', 403, 'Access Denied');
          throw new AwsError(
            'MissingAuthenticationToken',
            403,
            'Request is missing Authentication Token',
          );
        }
      } else {
        const v = await deps.auth.verify(raw, route, now, scope);
        if (!v.ok) {
          // the record names the operation the request asked for, as CloudTrail does
          const described = own(services, route.service)?.describe?.(raw, route);
          if (described) Object.assign(ctx.audit, described);
          throw v.error;
        }
        ctx.caller = v.caller;
        ctx.region = v.region;
        ctx.auth = v.auth;
      }
      known = served.has(route.service);
      out = await dispatch(route, ctx, raw);
    } catch (e) {
      error =
        e instanceof AwsError ? e : (exhausted(e, route) ?? storeDown(e, route) ?? internal(e));
      out = renderError(route, error, requestId);
    }
    const event = (status: number): AwsCallEvent | undefined =>
      route && ctx
        ? {
            requestId,
            route,
            ctx,
            method: req.method ?? 'GET',
            path: (req.url ?? '/').split('?')[0] ?? '/',
            status,
            error,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            known,
            ...(unread ? { unread } : {}),
          }
        : undefined;
    const recorded = event(out.status);
    if (recorded && deps.record && !unrecorded) {
      try {
        await deps.record(recorded);
      } catch (e) {
        // no answer without its record
        error = storeDown(e, route) ?? internal(e);
        out = renderError(route, error, requestId);
      }
    }
    if (res.headersSent || res.destroyed) {
      res.destroy();
    } else {
      const headers = error
        ? (out.headers ?? {})
        : { ...idHeaders(route?.protocol ?? 'query', requestId), ...(out.headers ?? {}) };
      send(
        res,
        out.status,
        closeAfter ? { ...headers, Connection: 'close' } : headers,
        out.body ?? '',
        head,
      );
      if (closeAfter) res.once('finish', () => req.socket.destroy());
    }
    const done = event(out.status);
    if (done) deps.onResult?.(done);
  };
}

/**
 * Where to answer a request whose body was never read (too large, stalled, over the budget):
 * JSON for an X-Amz-Target, Query for a form, else S3, which words these failures its own way.
 */
function routeUnread(req: IncomingMessage): Route {
  if (req.headers['x-amz-target']) return { service: 'unknown', protocol: 'json' };
  if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form'))
    return { service: 'unknown', protocol: 'query' };
  return { service: 's3', protocol: 'rest-xml' };
}

/** The context of a call refused before its body was read: where it came from, nothing more. */
function unreadContext(req: IncomingMessage, requestId: string, deps: AwsEdgeDeps): CallContext {
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  const secure = Boolean((req.socket as { encrypted?: boolean }).encrypted);
  return {
    requestId,
    region: deps.defaultRegion,
    sourceIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    userAgent: req.headers['user-agent'] ?? '',
    secureTransport: secure,
    now: deps.clock(),
    endpoint: `${secure ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`,
    audit: {},
    decisions: [],
  };
}

/**
 * The process out of file descriptors (too many connections open at once): a 503 the SDKs
 * retry with backoff, as AWS throttles, not a 500 — the call failed before what it changes,
 * or it is one a retry repeats harmlessly.
 */
function exhausted(e: unknown, route: Route | undefined): AwsError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EMFILE' && code !== 'ENFILE') return undefined;
  return new AwsError(
    route?.protocol === 'rest-xml' ? 'SlowDown' : 'ServiceUnavailable',
    503,
    route?.protocol === 'rest-xml'
      ? 'Please reduce your request rate.'
      : 'Service is unable to handle request.',
    { detail: `irsakit has no file descriptor left (${code}): too many connections are open` },
  );
}

/**
 * The store out of reach for now (its database server down or restarting): a 503 the SDKs
 * retry with backoff, as an AWS service answers while a dependency is down, and one line in
 * the log — not an internal error's stack. What the call was to change was not changed.
 */
function storeDown(e: unknown, route: Route | undefined): AwsError | undefined {
  if (!(e instanceof StoreUnavailable)) return undefined;
  process.stderr.write(`irsa: the store is unavailable: ${e.message}\n`);
  const s3 = route?.protocol === 'rest-xml';
  return new AwsError(
    'ServiceUnavailable',
    503,
    s3 ? 'Reduce your request rate.' : 'Service is unable to handle request.',
    { detail: `the store is unavailable: ${e.message}` },
  );
}

function internal(e: unknown): AwsError {
  process.stderr.write(
    `irsa: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return new AwsError(
    'InternalFailure',
    500,
    'The request processing has failed because of an unknown error, exception or failure.',
  );
}
