/**
 * Roles and users named in a trust policy, as IAM keeps them: by unique ID. When a trust policy
 * is saved, IAM turns each role or user principal into the entity's unique ID (`AROA…`,
 * `AIDA…`); shown and evaluated later, the ID reads as the entity's ARN while it lives. Once the
 * entity is deleted the policy shows the bare ID, and a role or user created again under the
 * same name does not match it (IAM User Guide, "Unique identifiers": "if you delete the role
 * … the principal ARN is replaced by its unique ID … a new role with the same name does not
 * match"). irsakit keeps the text as written beside a map of each such principal to the ID it
 * had when saved, and resolves it on read.
 */
import { parseArn } from '../policy/arn.js';
import type { PolicyDocument } from '../policy/types.js';
import type { StoreOps } from '../store/types.js';
import { COLLECTIONS, KEYS } from './repo.js';
import type { RoleDoc, UserDoc } from './types.js';

/** A role or user, as a principal names it: its unique ID and current ARN. */
export interface PrincipalEntity {
  id: string;
  arn: string;
}

/** Finds the role or user an ARN names (by account and name, whatever its path). */
export type EntityLookup = (
  account: string,
  kind: 'role' | 'user',
  name: string,
) => Promise<PrincipalEntity | undefined>;

function named(
  value: string,
): { account: string; kind: 'role' | 'user'; name: string } | undefined {
  const arn = parseArn(value);
  if (!arn || arn.service !== 'iam') return undefined;
  const m = /^(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn.resource);
  if (!m) return undefined;
  return { account: arn.account, kind: m[1] as 'role' | 'user', name: m[2] as string };
}

/**
 * The unique ID of each role or user principal a trust policy names, as saved.
 *
 * @example
 * await principalIds(doc, lookup) // → { 'arn:aws:iam::123456789012:role/ci': 'AROA…' }
 */
export async function principalIds(
  doc: PolicyDocument,
  lookup: EntityLookup,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const s of doc.statements)
    for (const e of [...(s.principal?.entries ?? []), ...(s.notPrincipal?.entries ?? [])]) {
      if (e.kind !== 'AWS' || Object.hasOwn(ids, e.value)) continue;
      const n = named(e.value);
      const found = n && (await lookup(n.account, n.kind, n.name));
      // the ARN must name the entity exactly as it is (path included), as the save checked
      if (found && found.arn.toLowerCase() === e.value.toLowerCase()) ids[e.value] = found.id;
    }
  return ids;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The trust policy as IAM reads it now: each principal saved with a unique ID becomes the
 * entity's current ARN while that entity (that ID) lives, and the bare ID once it is gone or
 * was made again. The text is returned unchanged when nothing differs.
 *
 * @example
 * await resolveTrust(text, { 'arn:aws:iam::123456789012:role/ci': 'AROAOLD' }, lookup)
 * // → the text with "AROAOLD" where the deleted role's ARN was
 */
export async function resolveTrust(
  text: string,
  ids: Readonly<Record<string, string>> | undefined,
  lookup: EntityLookup,
): Promise<string> {
  if (!ids || Object.keys(ids).length === 0) return text;
  const now = new Map<string, string>();
  for (const [value, id] of Object.entries(ids)) {
    const n = named(value);
    const found = n && (await lookup(n.account, n.kind, n.name));
    const shown = found && found.id === id ? found.arn : id;
    if (shown !== value) now.set(value, shown);
  }
  if (now.size === 0) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isObject(doc)) return text;
  const swap = (v: unknown): unknown =>
    typeof v === 'string' ? (now.get(v) ?? v) : Array.isArray(v) ? v.map(swap) : v;
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  for (const st of statements) {
    if (!isObject(st)) continue;
    for (const key of ['Principal', 'NotPrincipal'])
      if (isObject(st[key]) && 'AWS' in (st[key] as Json))
        (st[key] as Json).AWS = swap((st[key] as Json).AWS);
  }
  return JSON.stringify(doc);
}

/**
 * The roles and users of a store, as trust principals look them up.
 *
 * @example
 * await resolveTrust(doc.assumeRolePolicyDocument, doc.trustPrincipalIds, storeEntities(store));
 */
export function storeEntities(ops: Pick<StoreOps, 'get'>): EntityLookup {
  return async (account, kind, name) => {
    if (kind === 'role') {
      const r = (await ops.get<RoleDoc>(COLLECTIONS.roles, KEYS.role(account, name)))?.value;
      return r && { id: r.roleId, arn: r.arn };
    }
    const u = (await ops.get<UserDoc>(COLLECTIONS.users, KEYS.user(account, name)))?.value;
    return u && { id: u.userId, arn: u.arn };
  };
}

/** A role's trust policy as IAM reads it now (see `resolveTrust`). */
export function currentTrust(doc: RoleDoc, ops: Pick<StoreOps, 'get'>): Promise<string> {
  return resolveTrust(doc.assumeRolePolicyDocument, doc.trustPrincipalIds, storeEntities(ops));
}
