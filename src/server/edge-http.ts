/**
 * The edge port's HTTP server, as the primary process and every edge replica run it: health,
 * metrics, the admin API, and AWS — in that order, by path. What differs between them is
 * behind `EdgeRoutes`: a replica answers AWS itself and passes the admin API and metrics to
 * the primary (`proxyTo`), which holds the clusters' controllers and the audit log's writer.
 */
import {
  Agent,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request,
} from 'node:http';
import { detectAuth, pairRawHeaders } from '../sigv4/index.js';
import { ADMIN_PREFIX } from './admin-api.js';
import { MAX_AWS_BODY } from './aws/edge.js';
import { sendJson } from './http.js';

export interface EdgeRoutes {
  /** the issuers' base URL, which GET /health reports */
  issuerBase: string;
  /** which process answers (0: the primary; replicas from 1), which GET /health reports */
  replica: number;
  /** an unauthenticated GET /metrics */
  metrics(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
  /** a request under the admin prefix; false when the admin API does not serve it (AWS does) */
  admin(req: IncomingMessage, res: ServerResponse, target: string): Promise<boolean>;
  aws(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** an error no route answered for (logged; the client gets a 500) */
  log(line: string): void;
}

/** Dispatches one request of the edge port. */
export function edgeHandler(routes: EdgeRoutes) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    void (async () => {
      if (pathname === '/health' && req.method === 'GET') {
        sendJson(res, 200, { status: 'ok', issuer: routes.issuerBase, replica: routes.replica });
        return;
      }
      // an unauthenticated GET /metrics; one with any AWS authentication (SigV4 header or
      // query, SigV2 query) is S3's, for a bucket named metrics
      if (
        pathname === '/metrics' &&
        req.method === 'GET' &&
        detectAuth({ target, headers: pairRawHeaders(req.rawHeaders) }).kind === 'none'
      ) {
        await routes.metrics(req, res);
        return;
      }
      // the admin API parses its URL; an AWS call is not made to pay for that
      if (pathname.startsWith(`${ADMIN_PREFIX}/`) && (await routes.admin(req, res, target))) return;
      await routes.aws(req, res);
    })().catch((e: unknown) => {
      routes.log(`edge error: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error' });
      else res.destroy();
    });
  };
}

/**
 * The edge's HTTP server. Expect: 100-continue — a body too large to take is refused before
 * the client sends it (S3 answers EntityTooLarge without a 100); any other gets its 100 and
 * is served.
 */
export function createEdgeHttpServer(routes: EdgeRoutes): Server {
  const server = createServer(edgeHandler(routes));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers['content-length'] ?? 0) > MAX_AWS_BODY)) res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}

/**
 * Passes a request on to `base` (the primary's private port) and its answer back, streamed
 * both ways: how a replica serves the admin API and metrics. The primary being unreachable
 * is a 502, as a proxy answers.
 */
export function proxyTo(base: URL) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    new Promise<void>((resolve) => {
      const out = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      out.on('error', (e) => {
        if (!res.headersSent)
          sendJson(res, 502, {
            message: `the primary irsakit process did not answer: ${e.message}`,
          });
        else res.destroy();
        resolve();
      });
      // the client going away stops the request it made (a `trail --follow` ends with it)
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      req.pipe(out);
    });
}
