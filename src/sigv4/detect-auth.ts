/**
 * What authentication a request carries, read without verifying anything (spec/aws-wire.md
 * §6.2): the edge routes on the credential scope's service before it verifies, a SigV2
 * presign goes to S3, and `none` falls through to `X-Amz-Target` / `Action` routing.
 */
import { headerValues } from './canonical.js';
import { ALGORITHM_V2, H, Q, SIGV2_QUERY } from './constants.js';
import { hasQueryAuth, parseCredential, queryParams } from './parse-auth.js';
import type { AuthDetection, SigV4Request } from './types.js';

/**
 * What authentication a request carries, and — without verifying anything — its access key
 * id and credential scope. The edge routes on `scope.service` (spec §6.2); a SigV2 presign
 * goes to S3; `none` falls through to `X-Amz-Target` / `Action` routing.
 *
 * @example
 * detectAuth({ method: 'GET', target: '/', headers: [['Authorization', 'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=…']] })
 * // → { kind: 'header', algorithm: 'AWS4-HMAC-SHA256', accessKeyId: 'AKID', scope: { date: '20150830', region: 'us-east-1', service: 'sts' } }
 */
export function detectAuth(req: Pick<SigV4Request, 'target' | 'headers'>): AuthDetection {
  const params = queryParams(req.target);
  const names = new Set(params.map((p) => p.name));
  const first = (name: string) => params.find((p) => p.name === name)?.value;
  const authorization = headerValues(req.headers, H.authorization)[0]?.trim();

  if (authorization !== undefined) {
    const algorithm = authorization.split(/[\t ]/, 1)[0] ?? '';
    const out: AuthDetection = { kind: 'header', algorithm };
    if (hasQueryAuth(names) || names.has(SIGV2_QUERY.accessKeyId)) out.conflicting = true;
    if (algorithm === ALGORITHM_V2) {
      const akid = authorization.slice(algorithm.length).trim().split(':', 1)[0];
      if (akid) out.accessKeyId = akid;
      return out;
    }
    const m = /Credential=([^,\s]*)/.exec(authorization);
    if (m?.[1]) {
      const cred = parseCredential(m[1]);
      if (cred) {
        out.accessKeyId = cred.accessKeyId;
        out.scope = cred.scope;
      } else {
        out.accessKeyId = m[1].split('/', 1)[0] || undefined;
      }
    }
    return out;
  }
  if (hasQueryAuth(names)) {
    const out: AuthDetection = { kind: 'query', algorithm: first(Q.algorithm) };
    const credential = first(Q.credential);
    if (credential) {
      const cred = parseCredential(credential);
      out.accessKeyId = cred?.accessKeyId ?? (credential.split('/', 1)[0] || undefined);
      if (cred) out.scope = cred.scope;
    }
    return out;
  }
  if (names.has(SIGV2_QUERY.accessKeyId)) {
    return {
      kind: 'sigv2-query',
      algorithm: ALGORITHM_V2,
      accessKeyId: first(SIGV2_QUERY.accessKeyId),
    };
  }
  return { kind: 'none' };
}
