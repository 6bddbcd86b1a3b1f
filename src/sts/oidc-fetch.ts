/**
 * Fetching an identity provider's documents the way IAM trusts them (spec/aws-wire.md §3.3
 * step 5, spec/kubernetes.md §5): over HTTPS, trusting node's CA store (or the roots given);
 * when the chain does not verify against them, the connection is accepted only if the SHA-1
 * thumbprint (40 lowercase hex) of the TOP certificate of the chain the server presented is
 * in the provider's ThumbprintList, the chain's signatures link up to it, every certificate
 * of it is within its validity, and the host name still matches the leaf. irsakit's local CA
 * is such a private CA: serve `server.crt` followed by `ca.crt` and register the CA's
 * thumbprint.
 *
 * Plain `http://` is accepted for loopback hosts only (`localhost`, 127.0.0.0/8, `::1`), a
 * documented convenience. Redirects are not followed. Every request has a deadline and a
 * size cap.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  checkServerIdentity,
  connect as tlsConnect,
  type DetailedPeerCertificate,
  type TLSSocket,
} from 'node:tls';
import { isIP } from 'node:net';

export interface OidcFetchRequest {
  url: string;
  /** the provider's ThumbprintList, lowercase hex */
  thumbprints: readonly string[];
  timeoutMs: number;
  maxBytes: number;
}

export interface OidcFetchResponse {
  status: number;
  /** lower-case names */
  headers: Record<string, string>;
  body: string;
  /**
   * The top-certificate thumbprint through which an untrusted chain was accepted; absent
   * when the chain verified against trusted CAs, or for loopback http.
   */
  pinnedThumbprint?: string | undefined;
}

export type OidcFetch = (req: OidcFetchRequest) => Promise<OidcFetchResponse>;

export type OidcFetchErrorKind =
  'network' | 'timeout' | 'thumbprint' | 'tls' | 'scheme' | 'too-large';

/** Why a fetch failed; STS maps the kind to its wire error. */
export class OidcFetchError extends Error {
  override readonly name = 'OidcFetchError';
  readonly kind: OidcFetchErrorKind;
  readonly url: string;
  constructor(kind: OidcFetchErrorKind, url: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.url = url;
  }
}

export interface DefaultOidcFetchOptions {
  /** roots trusted instead of node's CA store (tests); PEM */
  trustedCas?: readonly string[];
  /** the time certificates are checked against on the thumbprint path (the real time) */
  now?: () => Date;
}

/** `localhost`, 127.0.0.0/8 and `::1`: the hosts plain http is accepted for. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** SHA-1 over a certificate's DER, 40 lowercase hex characters. */
export function thumbprintOf(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex');
}

/** The chain as the server presented it, leaf first, up to its top certificate. */
function presentedChain(leaf: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const chain = [leaf];
  const seen = new Set([leaf.fingerprint256]);
  let cur = leaf;
  while (cur.issuerCertificate && !seen.has(cur.issuerCertificate.fingerprint256)) {
    cur = cur.issuerCertificate;
    seen.add(cur.fingerprint256);
    chain.push(cur);
  }
  return chain;
}

/**
 * The thumbprint IAM takes when CreateOpenIDConnectProvider is given none: that of the top
 * certificate of the chain the provider's host presents (the one `judge` later pins). Rejects
 * when the host cannot be reached over TLS within `timeoutMs`.
 *
 * @example
 * await presentedThumbprint('https://127.0.0.1:4578/id/ABC') // → '9e99a48a9960b14926bb7f3b02e22da2b0ab7280'
 */
export function presentedThumbprint(url: string, timeoutMs = 5000): Promise<string> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port: Number(u.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      // the chain is read, not trusted: which CA it reaches is what is being asked
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OidcFetchError('timeout', url, `no TLS answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate(true);
      socket.end();
      if (!peer?.raw) {
        reject(new OidcFetchError('tls', url, 'no server certificate'));
        return;
      }
      const chain = presentedChain(peer);
      resolve(thumbprintOf((chain[chain.length - 1] as DetailedPeerCertificate).raw));
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new OidcFetchError('network', url, e.message));
    });
  });
}

/**
 * The thumbprint CreateOpenIDConnectProvider takes for an issuer given none: that of the host
 * serving its keys — the `jwks_uri` its discovery document names (IAM's documented way), which
 * is normally the issuer's own host; the issuer's host when the discovery document cannot be
 * read or names no https `jwks_uri`.
 *
 * @example
 * await issuerThumbprint('https://127.0.0.1:4578/id/ABC') // → the local CA's thumbprint
 */
export async function issuerThumbprint(issuer: string, timeoutMs = 5000): Promise<string> {
  const base = issuer.replace(/\/+$/, '');
  let keysUrl = base;
  try {
    const doc = JSON.parse(
      await readUnverified(`${base}/.well-known/openid-configuration`, timeoutMs),
    ) as { jwks_uri?: unknown };
    if (typeof doc.jwks_uri === 'string' && /^https:\/\//i.test(doc.jwks_uri))
      keysUrl = doc.jwks_uri;
  } catch {
    // the issuer's own host, then
  }
  return presentedThumbprint(keysUrl, timeoutMs);
}

/** A small document over https whatever CA signed the host (only to find where keys are). */
function readUnverified(url: string, timeoutMs: number): Promise<string> {
  const MAX = 64 * 1024;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode ?? 0}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX) req.destroy(new Error('too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Undefined when the chain links up and is valid at `now`, else what is wrong. */
function chainProblem(chain: readonly DetailedPeerCertificate[], now: Date): string | undefined {
  const certs = chain.map((c) => new X509Certificate(c.raw));
  const t = now.getTime();
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i] as X509Certificate;
    if (t < Date.parse(c.validFrom) || t >= Date.parse(c.validTo))
      return `certificate ${c.subject.replace(/\n/g, ', ')} is not valid at ${now.toISOString()}`;
    const parent = certs[i + 1];
    if (parent && (!c.checkIssued(parent) || !c.verify(parent.publicKey)))
      return `certificate ${c.subject.replace(/\n/g, ', ')} is not signed by the next one in the chain`;
    if (parent && !parent.ca) return `certificate ${parent.subject} is not a CA`;
  }
  return undefined;
}

type Verdict = { ok: true; pinned?: string } | { ok: false; error: OidcFetchError };

function judge(socket: TLSSocket, url: URL, thumbprints: readonly string[], now: Date): Verdict {
  if (socket.authorized) return { ok: true };
  const peer = socket.getPeerCertificate(true);
  if (!peer?.raw)
    return { ok: false, error: new OidcFetchError('tls', url.href, 'no server certificate') };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const mismatch = checkServerIdentity(host, peer);
  if (mismatch)
    return {
      ok: false,
      error: new OidcFetchError('tls', url.href, `host name: ${mismatch.message}`),
    };
  const chain = presentedChain(peer);
  const top = chain[chain.length - 1] as DetailedPeerCertificate;
  const thumb = thumbprintOf(top.raw);
  if (!thumbprints.includes(thumb))
    return {
      ok: false,
      error: new OidcFetchError(
        'thumbprint',
        url.href,
        `the chain is not trusted (${String(socket.authorizationError)}) and its top certificate's thumbprint ${thumb} is not in [${thumbprints.join(', ')}]`,
      ),
    };
  const problem = chainProblem(chain, now);
  if (problem) return { ok: false, error: new OidcFetchError('tls', url.href, problem) };
  return { ok: true, pinned: thumb };
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * The default fetch: node's http/https with the trust rules above.
 *
 * @example
 * const fetch = createOidcFetch();
 * await fetch({ url: 'https://127.0.0.1:4578/id/ABC/keys', thumbprints: [ca.thumbprint], timeoutMs: 5000, maxBytes: 1 << 20 });
 */
export function createOidcFetch(opts: DefaultOidcFetchOptions = {}): OidcFetch {
  const now = opts.now ?? (() => new Date());
  return (req) =>
    new Promise<OidcFetchResponse>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch (e) {
        reject(new OidcFetchError('scheme', req.url, 'not a URL', { cause: e }));
        return;
      }
      const https = url.protocol === 'https:';
      if (!https && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
        reject(
          new OidcFetchError(
            'scheme',
            req.url,
            'only https (or http to a loopback host) is fetched',
          ),
        );
        return;
      }
      let verdict: Verdict | undefined = https ? undefined : { ok: true };
      let settled = false;
      const fail = (e: OidcFetchError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.destroy();
        reject(e);
      };
      const options = {
        method: 'GET',
        agent: false as const,
        headers: { accept: 'application/json' },
        ...(https
          ? {
              rejectUnauthorized: false,
              ...(opts.trustedCas ? { ca: [...opts.trustedCas] } : {}),
            }
          : {}),
      };
      const onResponse = (res: IncomingMessage) => {
        if (!verdict?.ok) {
          fail(new OidcFetchError('tls', req.url, 'the TLS connection was not checked'));
          return;
        }
        const pinned = verdict.pinned;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > req.maxBytes)
            fail(new OidcFetchError('too-large', req.url, `more than ${req.maxBytes} bytes`));
          else chunks.push(c);
        });
        res.on('error', (e) =>
          fail(new OidcFetchError('network', req.url, e.message, { cause: e })),
        );
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: flatHeaders(res),
            body: Buffer.concat(chunks).toString('utf8'),
            pinnedThumbprint: pinned,
          });
        });
      };
      const r = https
        ? httpsRequest(url, options, onResponse)
        : httpRequest(url, options, onResponse);
      const timer = setTimeout(
        () => fail(new OidcFetchError('timeout', req.url, `no answer within ${req.timeoutMs} ms`)),
        req.timeoutMs,
      );
      if (https) {
        r.on('socket', (socket) => {
          socket.once('secureConnect', () => {
            const prints = req.thumbprints.map((t) => t.toLowerCase());
            verdict = judge(socket as TLSSocket, url, prints, now());
            if (!verdict.ok) fail(verdict.error);
          });
        });
      }
      r.on('error', (e) => {
        if (e instanceof OidcFetchError) fail(e);
        else fail(new OidcFetchError('network', req.url, e.message, { cause: e }));
      });
      r.end();
    });
}
