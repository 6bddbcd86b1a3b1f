/**
 * The server's own admin API, under `/_irsa/v1/`: clusters, manifests, objects, tokens and
 * issuer keys, for the `irsa` commands and `irsa webhook serve --from-irsa`. Authenticated
 * by the bearer token in the data folder (compared in constant time). Errors are Kubernetes
 * `Status` objects, rendered in one place (`handleAdmin`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditLog, EventFilter, StoredEvent } from '../audit/index.js';
import type { ClusterService, Kind } from '../cluster/cluster-service.js';
import { ClusterError, type ClusterRecord } from '../cluster/types.js';
import { type StatusReason, kubeStatus } from '../common/kube-status.js';
import type { DoctorOps } from '../doctor/collect.js';
import { BodyIdle, BodyTooLarge, readBody, sendJson } from './http.js';
import { table } from '../common/own.js';

export const ADMIN_PREFIX = '/_irsa/v1';
const MAX_BODY = 10 * 1024 * 1024;

/** What the admin API needs from the issuer component. */
export interface IssuerOps {
  /** a TokenRequest for a ServiceAccount, as the API server answers it (or a Status) */
  createToken(
    cluster: ClusterRecord,
    namespace: string,
    serviceAccount: string,
    request: unknown,
  ): Promise<{ status: number; body: unknown; warnings: string[] }>;
  rotate(
    cluster: ClusterRecord,
    opts: { alg?: string; activateAfterSeconds?: number },
  ): Promise<unknown>;
  describe(cluster: ClusterRecord): Promise<unknown>;
}

/** AWS accounts: each has an admin user whose key lands in `<data>/credentials`. */
export interface AccountOps {
  list(): Promise<string[]>;
  /** creates the account (idempotent) and rewrites the credentials file */
  create(account: string): Promise<{ account: string; accessKeyId: string }>;
}

export interface AdminDeps {
  token: string;
  clusters: ClusterService;
  issuer: IssuerOps;
  /** `irsa doctor`'s live snapshot */
  doctor?: DoctorOps | undefined;
  accounts?: AccountOps | undefined;
  /** the audit log (`irsa trail`, `irsa why`) */
  audit?: AuditLog | undefined;
  /** how long the trail keeps a call (`irsa up --trail-retention`), said when an id is not found */
  trailRetention?: string | undefined;
}

const KINDS: Readonly<Record<string, Kind>> = table({
  namespaces: 'Namespace',
  ns: 'Namespace',
  serviceaccounts: 'ServiceAccount',
  sa: 'ServiceAccount',
  pods: 'Pod',
  po: 'Pod',
  deployments: 'Deployment',
  deploy: 'Deployment',
});

const status = (reason: StatusReason, code: number, message: string) =>
  kubeStatus(code, reason, message);

/** A path segment, percent-decoded; a malformed escape (`%zz`) is the client's BadRequest. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ClusterError(
      'BadRequest',
      400,
      `the path segment \`${segment}\` is not valid percent-encoding`,
    );
  }
}

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1] as string);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function json(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = (await readBody(req, MAX_BODY)).toString('utf8');
  if (body.trim() === '') return {};
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new ClusterError('BadRequest', 400, 'the request body is not a JSON object');
  }
}

/**
 * `GET /clusters/:c/doctor?namespace=NS&serviceAccount=SA&pod=P&container=C`: the live
 * snapshot `irsa doctor` runs its checks over (src/doctor).
 */
async function routeDoctor(
  doctor: DoctorOps,
  cluster: ClusterRecord,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rest: string[],
): Promise<void> {
  if (rest.length !== 1) {
    sendJson(res, 404, status('NotFound', 404, `no admin route ${url.pathname}`));
    return;
  }
  if (req.method !== 'GET') {
    sendJson(
      res,
      405,
      status('MethodNotAllowed', 405, `method ${req.method} is not allowed on ${url.pathname}`),
    );
    return;
  }
  const q = url.searchParams;
  const namespace = q.get('namespace') ?? 'default';
  const serviceAccount = q.get('serviceAccount') || undefined;
  const pod = q.get('pod') || undefined;
  if (!serviceAccount && !pod)
    throw new ClusterError('BadRequest', 400, 'doctor needs a `serviceAccount` or a `pod`');
  sendJson(
    res,
    200,
    await doctor.snapshot(cluster, {
      namespace,
      serviceAccount,
      pod,
      container: q.get('container') || undefined,
      resource: q.get('resource') || undefined,
    }),
  );
}

/**
 * Handles an admin request; returns false when the path is not the admin API's.
 */
export async function handleAdmin(
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (!url.pathname.startsWith(`${ADMIN_PREFIX}/`)) return false;
  try {
    if (!authorized(req, deps.token)) {
      sendJson(
        res,
        401,
        status(
          'Unauthorized',
          401,
          'Unauthorized: the admin API needs `Authorization: Bearer <token>` (the token is in the data folder: admin-token)',
        ),
      );
      return true;
    }
    const parts = url.pathname
      .slice(ADMIN_PREFIX.length + 1)
      .split('/')
      .filter(Boolean)
      .map(decodeSegment);
    await route(deps, req, res, url, parts);
  } catch (e) {
    if (e instanceof ClusterError) sendJson(res, e.status.code, e.status);
    else if (e instanceof BodyTooLarge)
      sendJson(
        res,
        413,
        status('BadRequest', 413, `the request body is larger than ${e.limit} bytes`),
      );
    // the client stopped sending its body: its request, not the server, is at fault
    else if (e instanceof BodyIdle)
      sendJson(
        res,
        408,
        status('BadRequest', 408, `the request body stopped coming (${e.message})`),
      );
    else {
      process.stderr.write(
        `irsa: admin API error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      sendJson(res, 500, status('InternalError', 500, 'internal error (see the server log)'));
    }
  }
  return true;
}

async function route(
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  p: string[],
): Promise<void> {
  const m = req.method ?? 'GET';
  const c = deps.clusters;
  const notAllowed = () =>
    sendJson(
      res,
      405,
      status('MethodNotAllowed', 405, `method ${m} is not allowed on ${url.pathname}`),
    );
  if (p[0] === 'accounts' && p.length === 1 && deps.accounts) {
    if (m === 'GET') return sendJson(res, 200, { items: await deps.accounts.list() });
    if (m === 'POST') {
      const b = await json(req);
      if (typeof b.account !== 'string' || !/^\d{12}$/.test(b.account)) {
        throw new ClusterError('BadRequest', 400, 'an account needs a 12-digit `account` id');
      }
      return sendJson(res, 201, await deps.accounts.create(b.account));
    }
    return notAllowed();
  }
  if (p[0] === 'trail' && deps.audit) {
    if (m !== 'GET') return notAllowed();
    if (p.length === 1) return sendJson(res, 200, await trail(deps.audit, res, url));
    if (p.length === 2) {
      const e = await deps.audit.get(p[1] as string);
      if (!e)
        throw new ClusterError(
          'NotFound',
          404,
          `no audit event with request id or event id ${p[1]}${deps.trailRetention ? ` (the trail keeps ${deps.trailRetention})` : ''}`,
        );
      return sendJson(res, 200, trailItem(e));
    }
  }
  // a role with its documents (trust, inline, attached, boundary): `irsa policy generate`
  if (p[0] === 'roles' && p.length === 3 && deps.doctor) {
    if (m !== 'GET') return notAllowed();
    const role = await deps.doctor.role(p[1] as string, p[2] as string);
    if (!role) throw new ClusterError('NotFound', 404, `no role ${p[2]} in account ${p[1]}`);
    return sendJson(res, 200, role);
  }
  if (p[0] !== 'clusters') {
    sendJson(res, 404, status('NotFound', 404, `no admin route ${url.pathname}`));
    return;
  }
  if (p.length === 1) {
    if (m === 'GET') return sendJson(res, 200, { items: await c.listClusters() });
    if (m === 'POST') {
      const b = await json(req);
      if (typeof b.name !== 'string')
        throw new ClusterError('BadRequest', 400, 'a cluster needs a `name`');
      if (b.keyAlg !== undefined && b.keyAlg !== 'RS256' && b.keyAlg !== 'ES256') {
        throw new ClusterError(
          'BadRequest',
          400,
          `unsupported keyAlg \`${String(b.keyAlg)}\`: RS256 or ES256`,
        );
      }
      if (b.account !== undefined && (typeof b.account !== 'string' || !/^\d{12}$/.test(b.account)))
        throw new ClusterError('BadRequest', 400, 'an `account` is 12 digits');
      if (b.region !== undefined && typeof b.region !== 'string')
        throw new ClusterError('BadRequest', 400, 'a cluster `region` is a string');
      const created = await c.createCluster(b.name, {
        region: b.region,
        account: b.account,
        keyAlg: b.keyAlg as 'RS256' | 'ES256' | undefined,
      });
      return sendJson(res, 201, created);
    }
    return notAllowed();
  }
  const clusterName = p[1] as string;
  if (p.length === 2) {
    if (m === 'GET') return sendJson(res, 200, await c.getCluster(clusterName));
    if (m === 'DELETE') {
      await c.deleteCluster(clusterName);
      return sendJson(res, 200, { deleted: clusterName });
    }
    return notAllowed();
  }
  const rest = p.slice(2);
  if (rest[0] === 'doctor' && deps.doctor)
    return routeDoctor(deps.doctor, await c.getCluster(clusterName), req, res, url, rest);
  if (rest[0] === 'apply' && rest.length === 1) {
    if (m !== 'POST') return notAllowed();
    const text = (await readBody(req, MAX_BODY)).toString('utf8');
    const outcomes = await c.apply(clusterName, text, {
      defaultNamespace: url.searchParams.get('namespace') ?? undefined,
    });
    return sendJson(res, 200, { items: outcomes });
  }
  if (rest[0] === 'issuer') {
    const cluster = await c.getCluster(clusterName);
    if (rest.length === 1 && m === 'GET')
      return sendJson(res, 200, await deps.issuer.describe(cluster));
    if (rest[1] === 'rotate' && m === 'POST') {
      const b = await json(req);
      const result = await deps.issuer.rotate(cluster, {
        alg: typeof b.alg === 'string' ? b.alg : undefined,
        activateAfterSeconds:
          typeof b.activateAfterSeconds === 'number' ? b.activateAfterSeconds : undefined,
      });
      return sendJson(res, 200, result);
    }
    return notAllowed();
  }
  // /clusters/:c/:kind  (all namespaces)
  if (rest.length === 1) {
    const kind = KINDS[rest[0] as string];
    if (!kind)
      throw new ClusterError(
        'NotFound',
        404,
        `the server doesn't have a resource type "${rest[0]}"`,
      );
    if (m !== 'GET') return notAllowed();
    const list = await c.list(clusterName, kind, url.searchParams.get('namespace') ?? undefined);
    return sendJson(res, 200, {
      apiVersion: 'v1',
      kind: `${kind}List`,
      metadata: { resourceVersion: list.resourceVersion },
      items: list.items,
    });
  }
  // /clusters/:c/namespaces/:ns/:kind[/:name[/:sub]]
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const ns = rest[1] as string;
    const kind = KINDS[rest[2] as string];
    if (!kind)
      throw new ClusterError(
        'NotFound',
        404,
        `the server doesn't have a resource type "${rest[2]}"`,
      );
    if (rest.length === 3) {
      if (m !== 'GET') return notAllowed();
      const list = await c.list(clusterName, kind, ns);
      return sendJson(res, 200, {
        apiVersion: 'v1',
        kind: `${kind}List`,
        metadata: { resourceVersion: list.resourceVersion },
        items: list.items,
      });
    }
    const name = rest[3] as string;
    if (rest.length === 4) {
      if (m === 'GET') {
        const obj = await c.get(clusterName, kind, ns, name);
        if (kind === 'Pod') {
          const admission = await c.admission(clusterName, ns, name);
          return sendJson(res, 200, { object: obj, admission });
        }
        return sendJson(res, 200, { object: obj });
      }
      if (m === 'DELETE') return sendJson(res, 200, await c.delete(clusterName, kind, ns, name));
      return notAllowed();
    }
    if (rest.length === 5 && rest[4] === 'token' && kind === 'ServiceAccount') {
      if (m !== 'POST') return notAllowed();
      const cluster = await c.getCluster(clusterName);
      const r = await deps.issuer.createToken(cluster, ns, name, await json(req));
      const headers: Record<string, string> = {};
      if (r.warnings.length > 0)
        headers.Warning = r.warnings.map((w) => `299 - "${w.replace(/"/g, "'")}"`).join(', ');
      return sendJson(res, r.status, r.body, headers);
    }
    if (rest.length === 5 && rest[4] === 'restart' && kind === 'Deployment') {
      if (m !== 'POST') return notAllowed();
      return sendJson(res, 200, await c.restartDeployment(clusterName, ns, name));
    }
  }
  sendJson(res, 404, status('NotFound', 404, `no admin route ${url.pathname}`));
}

function trailItem(e: StoredEvent): Record<string, unknown> {
  return { seq: e.seq, record: e.record, irsaExplanation: e.explanation };
}

/**
 * `GET /trail?…`: events newest first (`before=<seq>` pages back), or after `after=<seq>`
 * oldest first, waiting up to `wait` seconds for one to arrive (`irsa trail --follow`).
 */
async function trail(
  log: AuditLog,
  res: ServerResponse,
  url: URL,
): Promise<{ items: Record<string, unknown>[]; latest: number }> {
  const q = url.searchParams;
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ClusterError(
        'BadRequest',
        400,
        `\`${name}\` takes an integer from ${min} to ${max}`,
      );
    return n;
  };
  const str = (name: string) => q.get(name) || undefined;
  const filter: EventFilter = {
    account: str('account'),
    since: int('since', 0, Number.MAX_SAFE_INTEGER),
    until: int('until', 0, Number.MAX_SAFE_INTEGER),
    role: str('role'),
    namespace: str('namespace'),
    serviceAccount: str('serviceAccount'),
    eventName: str('eventName'),
    eventSource: str('eventSource'),
    username: str('username'),
    errors: q.get('errors') === 'true' || q.get('errors') === '1' ? true : undefined,
  };
  const limit = int('limit', 1, 1000) ?? 100;
  const after = int('after', 0, Number.MAX_SAFE_INTEGER);
  const wait = int('wait', 0, 60) ?? 0;
  if (after === undefined) {
    const items = await log.query(filter, {
      limit,
      order: 'newest',
      beforeSeq: int('before', 1, Number.MAX_SAFE_INTEGER),
    });
    return { items: items.map(trailItem), latest: await log.latestSeq() };
  }
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const deadline = Date.now() + wait * 1000;
  let from = after;
  for (;;) {
    const latest = await log.latestSeq();
    const items = await log.query(filter, { limit, order: 'oldest', afterSeq: from });
    if (items.length > 0 || Date.now() >= deadline || gone.signal.aborted)
      return { items: items.map(trailItem), latest: Math.max(latest, from) };
    // nothing matching yet: skip what was committed meanwhile, wait for more
    from = Math.max(from, latest);
    await log.waitForNew(from, deadline - Date.now(), gone.signal);
  }
}
