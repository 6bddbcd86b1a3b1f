/**
 * Principals (spec/iam-policy.md §5): who is calling, and whether a `Principal` /
 * `NotPrincipal` element names them. A caller presents a chain of identities — a role
 * session is its session ARN, its role ARN and its account — and a policy can name any link;
 * which link it named decides the same-account rules of §11 (a `GrantKind`).
 */
import { parseArn } from './arn.js';
import type { GrantKind, PrincipalElement, PrincipalType, RequestPrincipal } from './types.js';

/** Identity providers that appear as `Federated` principals by name rather than by ARN. */
export const WELL_KNOWN_FEDERATED = new Set([
  'accounts.google.com',
  'cognito-identity.amazonaws.com',
  'graph.facebook.com',
  'www.amazon.com',
]);

const ACCOUNT_ID = /^\d{12}$/;

/**
 * Interprets a caller given as text: an ARN (user, role, role session, federated user,
 * account root, OIDC or SAML provider), a 12-digit account ID, a service principal
 * (`pods.eks.amazonaws.com`), a well-known web-identity provider, or `*` / `anonymous`.
 *
 * `principalArn` (the `aws:PrincipalArn` context value) supplies a session's role ARN with
 * its path, which the session ARN does not carry.
 *
 * @example
 * principalFromString('arn:aws:sts::111122223333:assumed-role/app/s1').roleArn
 * // → 'arn:aws:iam::111122223333:role/app'
 */
export function principalFromString(
  s: string,
  principalArn?: string,
): RequestPrincipal | undefined {
  const text = s.trim();
  if (text === '*' || text.toLowerCase() === 'anonymous') {
    return { type: 'Anonymous', id: 'anonymous', partition: 'aws' };
  }
  if (ACCOUNT_ID.test(text)) {
    return { type: 'Account', id: `arn:aws:iam::${text}:root`, account: text, partition: 'aws' };
  }
  if (WELL_KNOWN_FEDERATED.has(text)) return { type: 'WebIdentity', id: text, partition: 'aws' };
  const arn = parseArn(text);
  if (!arn) {
    if (/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/i.test(text)) {
      return { type: 'Service', id: text, partition: 'aws' };
    }
    return undefined;
  }
  const { partition, service, account, resource } = arn;
  const mk = (type: PrincipalType, extra: Partial<RequestPrincipal> = {}): RequestPrincipal => ({
    type,
    id: text,
    account,
    partition,
    ...extra,
  });
  if (service === 'iam') {
    if (resource === 'root') return mk('Account');
    if (resource.startsWith('user/')) return mk('User');
    if (resource.startsWith('role/')) return mk('Role', { roleArn: text });
    if (resource.startsWith('oidc-provider/')) return mk('WebIdentity');
    if (resource.startsWith('saml-provider/')) return mk('SAML');
    return undefined;
  }
  if (service === 'sts') {
    const m = /^assumed-role\/([^/]+)\/(.+)$/.exec(resource);
    if (m) {
      const fromContext = principalArn && parseArn(principalArn);
      const roleArn =
        fromContext &&
        fromContext.service === 'iam' &&
        fromContext.account === account &&
        fromContext.partition === partition &&
        fromContext.resource.startsWith('role/') &&
        fromContext.resource.endsWith(`/${m[1]}`)
          ? principalArn
          : `arn:${partition}:iam::${account}:role/${m[1]}`;
      return mk('AssumedRole', { roleArn });
    }
    if (resource.startsWith('federated-user/')) return mk('FederatedUser');
  }
  return undefined;
}

/**
 * Sets on `keys` the condition keys every signed request carries of its caller (spec §9
 * "Principal keys by caller type", §10): aws:PrincipalArn (a role session's role ARN),
 * aws:PrincipalAccount, aws:PrincipalType (`Account` for root, `User`, `FederatedUser`, else
 * `AssumedRole`), aws:userid when known, aws:username for an IAM user only, and
 * aws:PrincipalIsAWSService (false: nobody here signs as an AWS service). Set on the object
 * given rather than returned in a new one: the edge calls it once per request. Pure: the
 * edge's authorizer and `irsa simulate` share it.
 *
 * @example
 * setPrincipalKeys({}, principalFromString('arn:aws:iam::111122223333:user/bob')!, { account: '111122223333' })
 * // → { 'aws:PrincipalAccount': '111122223333', 'aws:PrincipalType': 'User',
 * //     'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/bob', 'aws:username': 'bob', … }
 */
export function setPrincipalKeys<K extends Record<string, string | string[]>>(
  keys: K,
  p: RequestPrincipal,
  ids: { account: string; userId?: string | undefined },
): K {
  const k = keys as Record<string, string | string[]>;
  k['aws:PrincipalAccount'] = ids.account;
  if (ids.userId !== undefined) k['aws:userid'] = ids.userId;
  k['aws:PrincipalType'] =
    p.type === 'Account'
      ? 'Account'
      : p.type === 'User'
        ? 'User'
        : p.type === 'FederatedUser'
          ? 'FederatedUser'
          : 'AssumedRole';
  k['aws:PrincipalArn'] = p.type === 'AssumedRole' ? (p.roleArn ?? p.id) : p.id;
  if (p.type === 'User') k['aws:username'] = p.id.slice(p.id.lastIndexOf('/') + 1);
  k['aws:PrincipalIsAWSService'] = 'false';
  return keys;
}

/** One link of a caller's chain, as a policy would name it. */
export interface PrincipalIdentity {
  kind: 'AWS' | 'Federated' | 'Service';
  /** normalised: `acct:<id>` for an account, otherwise the ARN or name */
  value: string;
  grant: GrantKind;
}

export function accountKey(account: string): string {
  return `acct:${account}`;
}

/** The chain of identities a caller presents, most specific first. */
export function principalIdentities(p: RequestPrincipal): PrincipalIdentity[] {
  const out: PrincipalIdentity[] = [];
  const aws = (value: string, grant: GrantKind) => out.push({ kind: 'AWS', value, grant });
  switch (p.type) {
    case 'Account':
      break;
    case 'User':
      aws(p.id, 'direct');
      break;
    case 'Role':
      aws(p.roleArn ?? p.id, 'role');
      break;
    case 'AssumedRole':
      aws(p.id, 'direct');
      if (p.roleArn) aws(p.roleArn, 'role');
      break;
    case 'FederatedUser':
      aws(p.id, 'direct');
      if (p.federatingUserArn) aws(p.federatingUserArn, 'role');
      break;
    case 'WebIdentity':
    case 'SAML':
      out.push({ kind: 'Federated', value: p.id, grant: 'direct' });
      break;
    case 'Service':
      out.push({ kind: 'Service', value: p.id, grant: 'direct' });
      break;
    case 'Anonymous':
      break;
  }
  if (p.account && (p.type === 'Account' || out.some((i) => i.kind === 'AWS'))) {
    aws(accountKey(p.account), p.type === 'Account' ? 'direct' : 'account');
  }
  return out;
}

/** A compiled `Principal` / `NotPrincipal` element. */
export interface PrincipalMatcher {
  star: boolean;
  aws: Set<string>;
  federated: Set<string>;
  service: Set<string>;
  canonical: Set<string>;
  /** the values as written, for explanations */
  listed: string[];
}

/** Normalises an `AWS` principal value: account IDs and root ARNs become `acct:<id>`. */
export function normaliseAwsPrincipal(v: string): string {
  if (ACCOUNT_ID.test(v)) return accountKey(v);
  const arn = parseArn(v);
  if (arn && arn.service === 'iam' && arn.resource === 'root') return accountKey(arn.account);
  return v;
}

export function compilePrincipal(el: PrincipalElement): PrincipalMatcher {
  const m: PrincipalMatcher = {
    star: el.star,
    aws: new Set(),
    federated: new Set(),
    service: new Set(),
    canonical: new Set(),
    listed: el.star ? ['*'] : [],
  };
  for (const e of el.entries) {
    m.listed.push(`${e.kind}:${e.value}`);
    if (e.kind === 'AWS') {
      if (e.value === '*') m.star = true;
      else m.aws.add(normaliseAwsPrincipal(e.value));
    } else if (e.kind === 'Federated') m.federated.add(e.value);
    else if (e.kind === 'Service') m.service.add(e.value);
    else m.canonical.add(e.value);
  }
  return m;
}

function lists(m: PrincipalMatcher, id: PrincipalIdentity): boolean {
  if (id.kind === 'AWS') return m.aws.has(id.value);
  if (id.kind === 'Federated') return m.federated.has(id.value);
  return m.service.has(id.value);
}

/**
 * Whether a `Principal` element names the caller, and through which link: the strongest
 * (`direct` over `role` over `account`). Undefined when it does not.
 */
export function principalGrant(
  m: PrincipalMatcher,
  chain: readonly PrincipalIdentity[],
): GrantKind | undefined {
  if (m.star) return 'direct';
  for (const id of chain) if (lists(m, id)) return id.grant;
  return undefined;
}

/**
 * Whether a `NotPrincipal` element applies to the caller: it does unless every link of the
 * caller's chain is listed. A caller with a permissions boundary is never exempt from a
 * Deny with NotPrincipal (§5).
 */
export function notPrincipalApplies(
  m: PrincipalMatcher,
  chain: readonly PrincipalIdentity[],
  denyWithBoundary: boolean,
): boolean {
  if (denyWithBoundary) return true;
  if (m.star) return false;
  if (chain.length === 0) return true;
  for (const id of chain) if (!lists(m, id)) return true;
  return false;
}
