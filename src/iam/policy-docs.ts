/**
 * Policy documents as IAM checks them when they are saved (spec/iam-policy.md §13): the
 * policy engine parses and validates in save mode with IAM's texts, and for trust policies
 * the principals must exist — IAM stores principals as unique IDs, so a role, user or OIDC
 * provider of an account irsakit knows must be there (`Invalid principal in policy: …`).
 * Principals of accounts irsakit does not know cannot be checked and are accepted.
 */
import { parseArn } from '../policy/arn.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { WELL_KNOWN_FEDERATED } from '../policy/principal.js';
import type { PolicyDocument, PolicyType, PrincipalKind } from '../policy/types.js';
import { policySize, validatePolicy } from '../policy/validate-policy.js';
import { policyProblem } from './errors.js';
import type { IamRepo } from './repo.js';

export interface CheckOptions {
  /** the API parameter, named in character-set errors (`policyDocument`) */
  parameter: string;
  /** overrides the type's size quota; null: no per-document quota (inline policies) */
  sizeLimit?: number | null;
  /** for trust policies: resolves whether principals exist */
  repo?: IamRepo;
}

/**
 * Parses and validates a document as IAM does on save; throws the first problem as IAM's
 * error (MalformedPolicyDocument, LimitExceeded, or the character-set ValidationError).
 *
 * @example
 * await checkPolicy(text, 'trust', { parameter: 'assumeRolePolicyDocument', repo });
 */
export async function checkPolicy(
  text: string,
  type: PolicyType,
  opts: CheckOptions,
): Promise<PolicyDocument> {
  const parsed = parsePolicy(text, { type, parameter: opts.parameter });
  if (!parsed.ok) throw policyProblem(parsed.error);
  const doc = parsed.document;
  const exists = opts.repo ? await principalsExisting(doc, repoLookup(opts.repo)) : undefined;
  const problem = validatePolicy(doc, type, {
    mode: 'save',
    sizeLimit: opts.sizeLimit,
    principalExists: exists && ((kind, value) => exists.get(`${kind}\u0000${value}`) ?? true),
  })[0];
  if (problem) throw policyProblem(problem);
  return doc;
}

/** A policy's size as IAM's quotas count it: characters, whitespace not counted. */
export function quotaSize(text: string): number {
  return policySize(text, false);
}

/** What checking a policy's principals reads: IAM's repo, or another component's directory. */
export interface PrincipalLookup {
  /** the accounts irsakit knows (principals of other accounts cannot be checked) */
  accounts(): Promise<string[]>;
  role(account: string, name: string): Promise<{ path: string } | undefined>;
  user(account: string, name: string): Promise<{ path: string } | undefined>;
  /** the provider whose URL, without `https://`, is `url` */
  oidcProvider(account: string, url: string): Promise<unknown>;
}

function repoLookup(repo: IamRepo): PrincipalLookup {
  return {
    accounts: async () => (await repo.accounts()).map((a) => a.account),
    role: (account, name) => repo.role(account, name),
    user: (account, name) => repo.user(account, name),
    oidcProvider: (account, url) => repo.oidcProvider(account, url),
  };
}

/**
 * Whether each principal a document names exists, keyed `<kind>\u0000<value>`; principals
 * irsakit cannot check (other accounts, services, well-known providers) count as existing.
 *
 * @example
 * const exists = await principalsExisting(doc, lookup);
 * exists.get(`AWS\u0000arn:aws:iam::123456789012:role/ghost`) // → false (a known account, no such role)
 */
export async function principalsExisting(
  doc: PolicyDocument,
  lookup: PrincipalLookup,
): Promise<Map<string, boolean>> {
  const known = new Set(await lookup.accounts());
  const out = new Map<string, boolean>();
  for (const s of doc.statements) {
    for (const e of [...(s.principal?.entries ?? []), ...(s.notPrincipal?.entries ?? [])]) {
      const key = `${e.kind}\u0000${e.value}`;
      if (!out.has(key)) out.set(key, await principalExists(e.kind, e.value, known, lookup));
    }
  }
  return out;
}

async function principalExists(
  kind: PrincipalKind,
  value: string,
  known: ReadonlySet<string>,
  lookup: PrincipalLookup,
): Promise<boolean> {
  if (kind === 'Federated' && WELL_KNOWN_FEDERATED.has(value)) return true;
  if (kind !== 'AWS' && kind !== 'Federated') return true;
  const arn = parseArn(value);
  if (!arn || arn.service !== 'iam' || !known.has(arn.account)) return true;
  const m = /^(role|user|oidc-provider|saml-provider)\/(.*)$/.exec(arn.resource);
  if (!m) return true;
  const rest = m[2] as string;
  switch (m[1]) {
    case 'role':
    case 'user': {
      const slash = rest.lastIndexOf('/');
      const path = `/${rest.slice(0, slash + 1)}`;
      const name = rest.slice(slash + 1);
      const entity =
        m[1] === 'role'
          ? await lookup.role(arn.account, name)
          : await lookup.user(arn.account, name);
      return entity !== undefined && entity.path === path;
    }
    case 'oidc-provider':
      return (await lookup.oidcProvider(arn.account, rest)) !== undefined;
    default:
      // irsakit has no SAML providers
      return false;
  }
}
