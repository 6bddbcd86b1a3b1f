/**
 * The EKS Pod Identity agent's credentials endpoint on the edge (spec/webhook.md §13.2,
 * spec/aws-wire.md §10.2): `GET /v1/credentials` with the pod's raw token in `Authorization`
 * (no `Bearer`), as the SDKs' container credential providers send it when
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4577/v1/credentials` and
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` point at irsakit. It answers
 * `{AccessKeyId, SecretAccessKey, Token, AccountId, Expiration}` from the same core as EKS
 * Auth (src/sts/pod-identity.ts), for the cluster whose issuer signed the token.
 *
 * Where it lives: the edge's port also serves S3 path-style, where `GET /v1/credentials` is
 * object `credentials` of bucket `v1`. A request is the agent's only when it is a GET of exactly
 * `/v1/credentials` whose `Authorization` header is a bare JWT (three base64url segments) and
 * that carries no SigV4 query authentication; an S3 request is either signed (`AWS4-HMAC-SHA256
 * …` or `X-Amz-Signature`) or anonymous (no `Authorization`), so it never matches.
 *
 * As the agent does: the Host must be the agent's address (169.254.170.23, fd00:ec2::23) or a
 * loopback one (else 403); the token must parse and pass the time checks before anything else
 * (else 400; its signature is checked by the core); credentials are cached per exact token
 * string (2000 entries), served while they have more than 15 s left and are less than 3 h old;
 * upstream errors come back with their status and the text
 * `[<request-id>]: (<Code>): <message>, fault: client|server`. The agent's own call to EKS
 * Auth is signed with the node role; here the core is called directly (no node role).
 *
 * Audited as AWS would see it: each call the agent makes to EKS Auth (a cache miss, answered
 * or refused) is an `AssumeRoleForPodIdentity` record in the trail, committed before the pod
 * gets its answer, with the caller `Unknown` (there is no node role) and the pod's address
 * and user agent; answers from the cache make no call and no record, as with the real agent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterRecord } from '../../cluster/types.js';
import { AwsError } from '../../common/aws-error.js';
import type { Clock } from '../../common/clock.js';
import { timeOrderedUuid } from '../../common/random.js';
import type { AwsCallEvent } from '../../server/aws/edge.js';
import type { CallContext } from '../../server/aws/types.js';
import { decodeToken, integerClaim } from '../../sts/jwt.js';
import { findAssociation } from '../eks/pod-identity-associations.js';
import { clusterOwner } from '../eks/owner.js';
import { type EksAuthDeps, noteAnswer, noteCall, podIdentityCredentials } from './eks-auth.js';

export const AGENT_PATH = '/v1/credentials';
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const CACHE_MAX = 2000;
const REFRESH_MS = 3 * 3600 * 1000;
const MIN_LEFT_MS = 15_000;

export interface AgentDeps extends Pick<EksAuthDeps, 'store' | 'sts' | 'thumbprints' | 'clusters'> {
  clock: Clock;
  /** the account clusters belong to when no association names one */
  defaultAccount: string;
  /** the audit trail's hooks, as the edge has them: the call to EKS Auth is recorded */
  record?: ((e: AwsCallEvent) => Promise<void>) | undefined;
  onResult?: ((e: AwsCallEvent) => void) | undefined;
}

export interface AgentCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  AccountId: string;
  Expiration: string;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Whether a request is for the agent endpoint rather than S3 path-style `v1/credentials`.
 *
 * @example
 * isAgentRequest(req) // → true for GET /v1/credentials with `Authorization: eyJ…`
 */
export function isAgentRequest(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if ((q < 0 ? url : url.slice(0, q)) !== AGENT_PATH) return false;
  if (q >= 0 && /(^|&)X-Amz-(Signature|Credential)=/i.test(url.slice(q + 1))) return false;
  const auth = headerOf(req, 'authorization');
  return auth !== undefined && JWT.test(auth.trim());
}

/** The Host without port or IPv6 brackets, when it is one the agent answers on. */
function hostAllowed(host: string | undefined): boolean {
  if (!host) return false;
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  else if (h.includes(':') && h.indexOf(':') === h.lastIndexOf(':')) h = h.slice(0, h.indexOf(':'));
  return (
    h === '169.254.170.23' ||
    h === 'fd00:ec2::23' ||
    h === 'localhost' ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/**
 * `Expiration` as the agent writes it: Go's RFC3339Nano layout, which drops a fraction of
 * zeros — and EKS Auth's expiries are whole seconds: `2026-12-07T16:27:16Z`.
 */
function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * The agent endpoint: answers one request.
 *
 * @example
 * const agent = createPodIdentityAgent(deps);
 * if (isAgentRequest(req)) await agent(req, res);
 */
export function createPodIdentityAgent(
  deps: AgentDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const cache = new Map<string, { creds: AgentCredentials; expiresAt: number; at: number }>();

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  /** The cached credentials of `token`, if they are still good to serve. */
  function cached(token: string): AgentCredentials | undefined {
    const now = deps.clock().getTime();
    const hit = cache.get(token);
    if (hit && hit.expiresAt - now > MIN_LEFT_MS && now - hit.at < REFRESH_MS) {
      cache.delete(token);
      cache.set(token, hit);
      return hit.creds;
    }
    cache.delete(token);
    return undefined;
  }

  /** The agent's call to EKS Auth: new credentials for `token`, noted in `ctx` for the trail. */
  async function credentials(
    token: string,
    iss: string,
    ctx: CallContext,
  ): Promise<{ creds: AgentCredentials; expiresAt: number }> {
    const cluster: ClusterRecord | undefined = (await deps.clusters.listClusters()).find(
      (c) => c.issuer === iss,
    );
    if (!cluster)
      throw new AwsError('InvalidTokenException', 400, 'The provided token is invalid', {
        detail: { check: 'issuer', reason: `no cluster has issuer ${iss}` },
      });
    noteCall(ctx, cluster.name);
    // the cluster's account: the one its association was created in. Looked up by the
    // unverified `sub`, and handed on (not read again): the core verifies the token and
    // takes the association only if it is the verified service account's
    const claims = decodeToken(token);
    const sub = 'error' in claims ? undefined : claims.claims.sub;
    const m = typeof sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub) : null;
    const association = m
      ? ((await findAssociation(
          deps.store,
          clusterOwner(cluster),
          m[1] as string,
          m[2] as string,
        )) ?? null)
      : undefined;
    const account = clusterOwner(cluster).account;
    ctx.region = association?.region ?? cluster.region;
    ctx.audit.recipientAccountId = account;
    const out = await podIdentityCredentials(
      deps,
      ctx,
      cluster,
      account,
      ctx.region,
      token,
      association,
    );
    noteAnswer(ctx, `arn:aws:eks:${ctx.region}:${account}:cluster/${cluster.name}`, account, out);
    const creds: AgentCredentials = {
      AccessKeyId: out.credentials.accessKeyId,
      SecretAccessKey: out.credentials.secretAccessKey,
      Token: out.credentials.sessionToken,
      AccountId: /^arn:[^:]+:sts::(\d{12}):/.exec(out.assumedRoleUser.arn)?.[1] ?? '',
      Expiration: rfc3339(out.credentials.expiration),
    };
    return { creds, expiresAt: out.credentials.expiration * 1000 };
  }

  /** Keeps `creds` for `token` (once the trail has recorded the call that got them). */
  function keep(token: string, creds: AgentCredentials, expiresAt: number): void {
    const now = deps.clock().getTime();
    if (!(expiresAt - now > MIN_LEFT_MS)) return;
    if (cache.size >= CACHE_MAX) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(token, { creds, expiresAt, at: now });
  }

  return async (req, res) => {
    req.resume();
    const requestId = timeOrderedUuid();
    const target = headerOf(req, 'host');
    if (!hostAllowed(target)) {
      // the agent's own words (eks-pod-identity-agent validateRequestTargetHost)
      send(
        res,
        403,
        'text/plain; charset=utf-8',
        `Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not ${target ?? ''}`,
      );
      return;
    }
    const token = (headerOf(req, 'authorization') ?? '').trim();
    const decoded = decodeToken(token);
    const now = Math.floor(deps.clock().getTime() / 1000);
    const bad = (why: string) => send(res, 400, 'text/plain; charset=utf-8', why);
    // the agent's prefixes (its validateToken); what follows is its JWT library's reason,
    // in golang-jwt v5's words [inferred]. A token without `exp` is not refused here (the
    // library does not require one): EKS Auth refuses it.
    if ('error' in decoded)
      return bad(
        `Service account token cannot be parsed: token is malformed: ${token.split('.').length !== 3 ? 'token contains an invalid number of segments' : 'could not base64 or JSON decode the token'}`,
      );
    const exp = integerClaim(decoded.claims, 'exp');
    const nbf = integerClaim(decoded.claims, 'nbf');
    const claimsBad = (why: string) =>
      bad(`Service account token failed basic claim validations: token has invalid claims: ${why}`);
    if (exp === null || (typeof exp === 'number' && now >= exp))
      return claimsBad('token is expired');
    if (nbf === null || (typeof nbf === 'number' && nbf > now))
      return claimsBad('token is not valid yet');
    const iss = typeof decoded.claims.iss === 'string' ? decoded.claims.iss : '';
    const hit = cached(token);
    if (hit) return send(res, 200, 'application/json', JSON.stringify(hit));

    // a call to EKS Auth: answered or refused, it goes to the trail before the pod hears back
    const started = process.hrtime.bigint();
    const host = headerOf(req, 'host') ?? '127.0.0.1';
    const ip = req.socket.remoteAddress ?? '';
    const ctx: CallContext = {
      requestId,
      region: 'us-east-1',
      sourceIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
      userAgent: headerOf(req, 'user-agent') ?? '',
      secureTransport: false,
      now: deps.clock(),
      endpoint: `http://${host}`,
      audit: {},
      decisions: [],
    };
    noteCall(ctx, undefined);
    let status = 200;
    let type = 'application/json';
    let body: string;
    let error: AwsError | undefined;
    let fresh: { creds: AgentCredentials; expiresAt: number } | undefined;
    try {
      fresh = await credentials(token, iss, ctx);
      body = JSON.stringify(fresh.creds);
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      error = e;
      status = e.httpStatus;
      type = 'text/plain; charset=utf-8';
      const fault = e.httpStatus >= 500 ? 'server' : 'client';
      body = `[${requestId}]: (${e.code}): ${e.message}, fault: ${fault}`;
    }
    const event = (): AwsCallEvent => ({
      requestId,
      route: { service: 'eks-auth', protocol: 'rest-json', operation: 'AssumeRoleForPodIdentity' },
      ctx,
      method: 'GET',
      path: AGENT_PATH,
      status,
      error,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
      known: true,
    });
    if (deps.record) {
      try {
        await deps.record(event());
      } catch {
        // no credentials without their record
        return send(
          res,
          500,
          'text/plain; charset=utf-8',
          `[${requestId}]: (InternalFailure): the audit trail could not record this call, fault: server`,
        );
      }
    }
    // cached only now: credentials whose call the trail missed are never served again
    if (fresh) keep(token, fresh.creds, fresh.expiresAt);
    send(res, status, type, body);
    deps.onResult?.(event());
  };
}
