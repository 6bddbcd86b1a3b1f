/**
 * The request context of a web-identity trust evaluation (spec/iam-policy.md §12.2): STS
 * exposes a verified token's claims to the role's trust policy as keys prefixed by the
 * provider (`oidc.eks.us-east-1.amazonaws.com/id/ABCD:sub`). Only `sub`, `aud`, `amr` and a
 * provider's documented extras become keys; other claims (the Kubernetes pod name, say) do
 * not. Pure: STS calls this after it has verified the token.
 */
import type { ContextInput } from './context.js';
import type { RequestPrincipal } from './types.js';

export interface WebIdentityClaims {
  sub?: string | undefined;
  aud?: string | readonly string[] | undefined;
  azp?: string | undefined;
  amr?: readonly string[] | undefined;
}

/**
 * The provider name as it prefixes condition keys: the issuer URL without `https://` and
 * without a trailing slash.
 *
 * @example
 * providerKeyPrefix('https://oidc.eks.us-east-1.amazonaws.com/id/ABCD') // → 'oidc.eks.us-east-1.amazonaws.com/id/ABCD'
 */
export function providerKeyPrefix(issuer: string): string {
  return issuer.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

/**
 * Context keys a verified token contributes to the trust evaluation. For Google the `aud`
 * key carries `azp` when present and the original audience goes to `oaud`.
 *
 * @example
 * webIdentityKeys('oidc.eks.us-east-1.amazonaws.com/id/ABCD', { sub: 'system:serviceaccount:ns:sa', aud: ['sts.amazonaws.com'] })
 * // → { 'oidc.eks.us-east-1.amazonaws.com/id/ABCD:sub': 'system:serviceaccount:ns:sa',
 * //     'oidc.eks.us-east-1.amazonaws.com/id/ABCD:aud': 'sts.amazonaws.com' }
 */
export function webIdentityKeys(provider: string, claims: WebIdentityClaims): ContextInput {
  const prefix = providerKeyPrefix(provider);
  const keys: Record<string, string | string[]> = {};
  if (claims.sub !== undefined) keys[`${prefix}:sub`] = claims.sub;
  const auds =
    claims.aud === undefined ? [] : typeof claims.aud === 'string' ? [claims.aud] : [...claims.aud];
  if (prefix === 'accounts.google.com') {
    if (claims.azp !== undefined) {
      keys[`${prefix}:aud`] = claims.azp;
      if (auds.length > 0) keys[`${prefix}:oaud`] = auds.length === 1 ? (auds[0] as string) : auds;
    } else if (auds.length > 0)
      keys[`${prefix}:aud`] = auds.length === 1 ? (auds[0] as string) : auds;
  } else if (auds.length > 0) {
    // one audience is a single value; several make the key multivalued
    keys[`${prefix}:aud`] = auds.length === 1 ? (auds[0] as string) : auds;
  }
  if (claims.amr !== undefined) keys[`${prefix}:amr`] = [...claims.amr];
  return keys;
}

/**
 * The principal of a web-identity call: the IAM OIDC provider registered for the issuer.
 *
 * @example
 * webIdentityPrincipal('arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCD')
 */
export function webIdentityPrincipal(providerArn: string): RequestPrincipal {
  const m = /^arn:([^:]+):iam::(\d{12}):oidc-provider\//.exec(providerArn);
  return { type: 'WebIdentity', id: providerArn, partition: m?.[1] ?? 'aws', account: m?.[2] };
}
