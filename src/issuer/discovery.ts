/**
 * OIDC discovery and the JWKS, rendered byte for byte as kube-apiserver renders them
 * (spec/kubernetes.md §2; mirrors `pkg/serviceaccount/openidmetadata.go` and
 * `pkg/routes/openidmetadata.go`), and served per cluster at EKS-style issuer paths (§4):
 *
 * ```
 * GET /id/<32 uppercase hex>/.well-known/openid-configuration   application/json
 * GET /id/<32 uppercase hex>/keys                               application/jwk-set+json  (EKS, the jwks_uri)
 * GET /id/<32 uppercase hex>/openid/v1/jwks                     application/jwk-set+json  (kube-apiserver)
 * ```
 *
 * All with `Cache-Control: public, max-age=3600`. A cluster without published keys is not
 * served, as kube-apiserver installs no endpoint without keys.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../common/clock.js';
import type { Store } from '../store/index.js';
import { internalError, methodNotAllowed, pathNotFound, type Status } from './errors.js';
import { goJson } from './go-json.js';
import { DISCOVERY_MAX_AGE_SECONDS } from './key-lifecycle.js';
import { KeyRing } from './key-ring.js';
import { type PublicJwk, publicJwk, type SigningAlg } from './keys.js';

/** `Cache-Control` of both documents. */
export const CACHE_CONTROL = `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`;
export const DISCOVERY_CONTENT_TYPE = 'application/json';
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';

/** The discovery document: exactly these five fields, in this order. */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  response_types_supported: ['id_token'];
  subject_types_supported: ['public'];
  id_token_signing_alg_values_supported: SigningAlg[];
}

export interface Jwks {
  keys: PublicJwk[];
}

/**
 * The discovery document kube-apiserver serves; algorithms sorted and de-duplicated.
 *
 * @example
 * discoveryDocument('https://127.0.0.1:4578/id/ABC…', 'https://127.0.0.1:4578/id/ABC…/keys', ['RS256', 'ES256', 'RS256'])
 * // → { issuer, jwks_uri, response_types_supported: ['id_token'],
 * //     subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256', 'RS256'] }
 */
export function discoveryDocument(
  issuer: string,
  jwksUri: string,
  algs: readonly SigningAlg[],
): DiscoveryDocument {
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(algs)].sort(),
  };
}

/**
 * The JWKS of a set of public keys (PEM), each with its kube-apiserver kid.
 *
 * @example
 * await jwksDocument([publicKeyPem]) // → { keys: [{ use: 'sig', kty: 'RSA', kid, alg: 'RS256', n, e }] }
 */
export async function jwksDocument(publicKeys: readonly string[]): Promise<Jwks> {
  return { keys: await Promise.all(publicKeys.map((k) => publicJwk(k))) };
}

/** Both documents for a cluster, as the bytes served. */
export interface RenderedIssuer {
  discovery: string;
  jwks: string;
}

/**
 * Renders discovery and JWKS for an issuer and its published keys.
 *
 * @example
 * const { discovery, jwks } = await renderIssuerDocuments(issuer, `${issuer}/keys`, await ring.publishedKeys('dev'));
 */
export async function renderIssuerDocuments(
  issuer: string,
  jwksUri: string,
  keys: readonly { publicKeyPem: string; alg: SigningAlg }[],
): Promise<RenderedIssuer> {
  return {
    discovery: goJson(
      discoveryDocument(
        issuer,
        jwksUri,
        keys.map((k) => k.alg),
      ),
    ),
    jwks: goJson(await jwksDocument(keys.map((k) => k.publicKeyPem))),
  };
}

/** The issuer paths this handler serves: `/id/<32 uppercase hex>/…`. */
const ISSUER_PATH =
  /^\/id\/([0-9A-F]{32})(\/\.well-known\/openid-configuration|\/keys|\/openid\/v1\/jwks)$/;

/**
 * Splits a request path into the cluster's issuer ID and the document asked for.
 *
 * @example
 * parseIssuerPath('/id/0123456789ABCDEF0123456789ABCDEF/keys') // → { id: '0123…', document: 'jwks' }
 */
export function parseIssuerPath(
  path: string,
): { id: string; document: 'discovery' | 'jwks' } | undefined {
  const m = ISSUER_PATH.exec(path);
  if (!m) return undefined;
  return {
    id: m[1] as string,
    document: m[2] === '/.well-known/openid-configuration' ? 'discovery' : 'jwks',
  };
}

/** A cluster as the discovery handler needs it. */
export interface ServedCluster {
  /** the key ring's name for the cluster */
  name: string;
  /** `https://<host:port>/id/<ID>` */
  issuer: string;
  /** `--service-account-jwks-uri`; default `<issuer>/keys`, as EKS */
  jwksUri?: string;
}

export interface IssuerHandlerOptions {
  store: Store;
  clock: Clock;
  /** the cluster whose issuer ends in `/id/<id>`, or `undefined` */
  resolveCluster(id: string): ServedCluster | undefined | Promise<ServedCluster | undefined>;
}

function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  body: string,
  headers: Record<string, string>,
): void {
  res.writeHead(code, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendStatus(req: IncomingMessage, res: ServerResponse, s: Status, extra = {}): void {
  sendJson(req, res, s.code, goJson(s), { 'Content-Type': 'application/json', ...extra });
}

/**
 * A node `(req, res)` listener serving every cluster's discovery document and JWKS. Each
 * request reads the cluster's published keys through the store, so a rotation shows at once.
 *
 * @example
 * https.createServer({ key, cert }, createIssuerHandler({ store, clock: systemClock,
 *   resolveCluster: (id) => clustersById.get(id) })).listen(4578, '127.0.0.1');
 */
export function createIssuerHandler(
  opts: IssuerHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const ring = new KeyRing({ store: opts.store, clock: opts.clock });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const target = parseIssuerPath(path);
    if (!target) return sendStatus(req, res, pathNotFound());
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendStatus(req, res, methodNotAllowed(), { Allow: 'GET, HEAD' });
    const cluster = await opts.resolveCluster(target.id);
    if (!cluster) return sendStatus(req, res, pathNotFound());
    const keys = await ring.publishedKeys(cluster.name);
    if (keys.length === 0) return sendStatus(req, res, pathNotFound());
    const docs = await renderIssuerDocuments(
      cluster.issuer,
      cluster.jwksUri ?? `${cluster.issuer}/keys`,
      keys,
    );
    if (target.document === 'discovery')
      sendJson(req, res, 200, docs.discovery, {
        'Content-Type': DISCOVERY_CONTENT_TYPE,
        'Cache-Control': CACHE_CONTROL,
      });
    else
      sendJson(req, res, 200, docs.jwks, {
        'Content-Type': JWKS_CONTENT_TYPE,
        'Cache-Control': CACHE_CONTROL,
      });
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent)
        sendStatus(req, res, internalError('the issuer documents could not be rendered'));
      else res.destroy();
    });
  };
}
