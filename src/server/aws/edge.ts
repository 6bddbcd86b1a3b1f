/**
 * The AWS side of the edge: one port for every AWS API (spec/aws-wire.md §6). A request is
 * read raw, routed (credential scope → X-Amz-Target → form Action+Version → S3),
 * authenticated (SigV4; only AssumeRoleWithWebIdentity/SAML may come unsigned), dispatched to
 * the operation, and answered in the protocol's shape. Every error is rendered here, in the
 * caller's protocol, and nowhere else.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../../common/aws-error.js';
import type { Clock } from '../../common/clock.js';
import { BodyTooLarge } from '../http.js';
import { renderQueryError, renderQueryResponse } from './query-xml.js';
import { type RawRequest, type Route, header, readRawRequest, routeRequest } from './request.js';
import type { CallContext, Caller, QueryOperation } from './types.js';

/** 20 MiB: larger bodies get 413 before anything else reads them. */
export const MAX_AWS_BODY = 20 * 1024 * 1024;

export interface AuthScope {
  kind: 'none' | 'header' | 'query' | 'sigv2-query';
  service?: string | undefined;
  region?: string | undefined;
}

/** SigV4 as the edge uses it (implemented over src/sigv4 and STS/IAM's credentials). */
export interface Authenticator {
  scope(raw: RawRequest): AuthScope;
  verify(
    raw: RawRequest,
    route: Route,
    now: Date,
  ): Promise<{ ok: true; caller: Caller; region: string } | { ok: false; error: AwsError }>;
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
  defaultRegion: string;
  /** called once per request, after the answer is decided (the audit trail hooks in here) */
  onResult?: (event: AwsCallEvent) => void;
}

export interface AwsCallEvent {
  requestId: string;
  route: Route;
  ctx: CallContext;
  status: number;
  error?: AwsError | undefined;
  ms: number;
}

const UNSIGNED_STS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);
const JSON_NAMESPACES: Record<string, string> = {
  sqs: 'com.amazonaws.sqs',
  dynamodb: 'com.amazonaws.dynamodb.v20120810',
  secretsmanager: 'com.amazonaws.secretsmanager',
  cloudtrail: 'com.amazonaws.cloudtrail.v20131101',
};
const CORAL_CODES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'AccessDeniedException',
  'UnknownOperationException',
]);

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  head: boolean,
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(head ? undefined : buf);
}

/** AccessDenied as the JSON protocols name it (AccessDeniedException; 400, or 403 for REST-JSON). */
function forProtocol(protocol: string, err: AwsError): AwsError {
  if (err.code === 'AccessDenied' && (protocol === 'json' || protocol === 'rest-json')) {
    return new AwsError('AccessDeniedException', protocol === 'json' ? 400 : 403, err.message, {
      detail: err.detail,
    });
  }
  return err;
}

function renderError(
  route: Route | undefined,
  original: AwsError,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const err = forProtocol(route?.protocol ?? 'query', original);
  const base = { 'x-amzn-RequestId': requestId, Date: new Date().toUTCString(), ...err.headers };
  const protocol = route?.protocol ?? 'query';
  const service = route?.service ?? 'sts';
  switch (protocol) {
    case 'json': {
      const ns = CORAL_CODES.has(err.code)
        ? 'com.amazon.coral.service'
        : (JSON_NAMESPACES[service] ?? 'com.amazonaws');
      return {
        status: err.httpStatus,
        headers: {
          ...base,
          'Content-Type': 'application/x-amz-json-1.0',
          'x-amzn-ErrorType': err.code,
        },
        body: JSON.stringify({ __type: `${ns}#${err.code}`, message: err.message }),
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
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${escape(err.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    default:
      return {
        status: err.httpStatus,
        headers: { ...base, 'Content-Type': 'text/xml' },
        body: renderQueryError(service, err, requestId),
      };
  }
}

function escape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
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
  return async (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    const head = req.method === 'HEAD';
    let route: Route | undefined;
    let ctx: CallContext | undefined;
    const finish = (status: number, error?: AwsError) => {
      if (route && ctx)
        deps.onResult?.({
          requestId,
          route,
          ctx,
          status,
          error,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        });
    };
    try {
      let raw: RawRequest;
      try {
        raw = await readRawRequest(req, MAX_AWS_BODY);
      } catch (e) {
        if (e instanceof BodyTooLarge)
          throw new AwsError(
            'RequestEntityTooLarge',
            413,
            `Request body must be at most ${MAX_AWS_BODY} bytes`,
          );
        throw e;
      }
      const now = deps.clock();
      const scope = deps.auth.scope(raw);
      route = routeRequest(raw, scope.service);
      const host = header(raw, 'host') ?? '127.0.0.1';
      ctx = {
        requestId,
        region: scope.region ?? deps.defaultRegion,
        sourceIp: raw.sourceIp,
        userAgent: header(raw, 'user-agent') ?? '',
        secureTransport: raw.secure,
        now,
        endpoint: `${raw.secure ? 'https' : 'http'}://${host}`,
      };
      if (scope.kind === 'none') {
        const unsignedOk =
          route.service === 'sts' &&
          route.operation !== undefined &&
          UNSIGNED_STS.has(route.operation);
        if (!unsignedOk) {
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
        const v = await deps.auth.verify(raw, route, now);
        if (!v.ok) throw v.error;
        ctx.caller = v.caller;
        ctx.region = v.region;
      }
      const r = route;
      if (r.protocol === 'query') {
        const ops = deps.query[r.service];
        const op = r.operation ? ops?.[r.operation] : undefined;
        if (!r.operation) throw new AwsError('MissingAction', 400, 'Missing Action');
        if (!op)
          throw new AwsError(
            'InvalidAction',
            400,
            `Could not find operation ${r.operation} for version ${r.apiVersion ?? 'NO_VERSION_SPECIFIED'}`,
          );
        const result = await op(ctx, r.params ?? new Map());
        const xml = renderQueryResponse(r.service, r.operation, result, requestId);
        send(
          res,
          200,
          {
            'Content-Type': 'text/xml',
            'x-amzn-RequestId': requestId,
            Date: new Date().toUTCString(),
          },
          xml,
          head,
        );
        finish(200);
        return;
      }
      if (r.protocol === 'rest-json') {
        const handler = deps.restJson[r.service];
        const answer = handler ? await handler(ctx, raw) : undefined;
        if (!answer)
          throw new AwsError(
            'UnknownOperationException',
            404,
            `No operation for ${raw.method} ${raw.path}`,
          );
        send(
          res,
          answer.status,
          {
            'Content-Type': 'application/json',
            'x-amzn-RequestId': requestId,
            Date: new Date().toUTCString(),
          },
          JSON.stringify(answer.body),
          head,
        );
        finish(answer.status);
        return;
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
    } catch (e) {
      const err = e instanceof AwsError ? e : internal(e);
      const out = renderError(route, err, requestId);
      if (!res.headersSent) send(res, out.status, out.headers, out.body, head);
      else res.destroy();
      finish(out.status, err);
    }
  };
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
