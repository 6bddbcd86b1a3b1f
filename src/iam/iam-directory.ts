/**
 * The `IamDirectory` over the store: what STS, the services and the edge's authorizer read
 * from IAM. Policies are compiled once and reused: `policiesOf` answers from its cache while
 * the store revision has not moved, and after any write re-reads only the items' revisions,
 * recompiling just the documents that changed (so writes elsewhere in the store, such as
 * audit records, never cause a recompile). AWS managed policies compile once per process.
 */
import { type CompiledPolicy, compilePolicy } from '../policy/compile-policy.js';
import { parsePolicy } from '../policy/parse-policy.js';
import type { PolicySetKind } from '../policy/types.js';
import type { Store, StoredItem } from '../store/types.js';
import { AWS_MANAGED_POLICIES, type AwsPolicyCatalog } from './aws-managed/catalog.js';
import type {
  AccessKeyRecord,
  IamDirectory,
  IdentityPolicies,
  OidcProviderRecord,
  RoleRecord,
  UserRecord,
} from './directory.js';
import { COLLECTIONS, IAM_COLLECTIONS, KEYS } from './repo.js';
import type {
  AccessKeyDoc,
  AccountDoc,
  ManagedPolicyDoc,
  OidcProviderDoc,
  PolicyHolder,
  RoleDoc,
  UserDoc,
} from './types.js';
import { currentTrust } from './trust-principals.js';

export interface IamDirectoryDeps {
  store: Store;
  awsPolicies?: AwsPolicyCatalog | undefined;
}

export function roleRecord(d: RoleDoc): RoleRecord {
  return {
    account: d.account,
    roleName: d.roleName,
    roleId: d.roleId,
    path: d.path,
    arn: d.arn,
    assumeRolePolicyDocument: d.assumeRolePolicyDocument,
    maxSessionDuration: d.maxSessionDuration,
    description: d.description,
    permissionsBoundaryArn: d.permissionsBoundaryArn,
    tags: d.tags.map((t) => ({ ...t })),
    createDate: d.createDate,
  };
}

export function userRecord(d: UserDoc): UserRecord {
  return {
    account: d.account,
    userName: d.userName,
    userId: d.userId,
    path: d.path,
    arn: d.arn,
    permissionsBoundaryArn: d.permissionsBoundaryArn,
    tags: d.tags.map((t) => ({ ...t })),
    createDate: d.createDate,
  };
}

export function oidcProviderRecord(d: OidcProviderDoc): OidcProviderRecord {
  return {
    account: d.account,
    arn: d.arn,
    url: d.url,
    clientIds: [...d.clientIds],
    thumbprints: d.thumbprints.map((t) => t.toLowerCase()),
    tags: d.tags.map((t) => ({ ...t })),
    createDate: d.createDate,
  };
}

function compile(text: string, id: string, kind: PolicySetKind): CompiledPolicy {
  // stored documents passed IAM's validation when they were saved
  const parsed = parsePolicy(text);
  if (!parsed.ok)
    throw new TypeError(`stored policy ${id} no longer parses: ${parsed.error.message}`);
  return compilePolicy(parsed.document, { id, kind });
}

interface CachedPolicies {
  storeRevision: number;
  entityRevision: number;
  /** managed policy ARN → the revision of its stored item (-1 for AWS managed, -2 missing) */
  managed: Map<string, number>;
  result: IdentityPolicies;
}

/**
 * Builds the directory.
 *
 * @example
 * const directory = createIamDirectory({ store });
 * const { identity, boundary } = await directory.policiesOf({ kind: 'role', account, roleName: 's3-app-role' });
 */
export function createIamDirectory(deps: IamDirectoryDeps): IamDirectory {
  const { store } = deps;
  const aws = deps.awsPolicies ?? AWS_MANAGED_POLICIES;
  const awsCompiled = new Map<string, CompiledPolicy>();
  const localCompiled = new Map<string, { revision: number; policy: CompiledPolicy }>();
  const inlineCompiled = new Map<string, { text: string; policy: CompiledPolicy }>();
  const cache = new Map<string, CachedPolicies>();

  /** A managed policy's stored item (customer managed) by ARN, when it exists. */
  const localItem = async (arn: string): Promise<StoredItem<ManagedPolicyDoc> | undefined> => {
    const m = /^arn:aws:iam::(\d{12}):policy(\/(?:[^/]+\/)*)([^/]+)$/.exec(arn);
    if (!m) return undefined;
    const item = await store.get<ManagedPolicyDoc>(
      COLLECTIONS.policies,
      KEYS.policy(m[1] as string, m[3] as string),
    );
    return item && item.value.path === m[2] ? item : undefined;
  };

  const defaultDocument = (p: ManagedPolicyDoc): string =>
    p.versions.find((v) => v.versionId === p.defaultVersionId)?.document ?? '';

  /** The compiled default version of a managed policy, from the caches when unchanged. */
  const managedPolicy = async (
    arn: string,
    kind: PolicySetKind,
    item?: StoredItem<ManagedPolicyDoc>,
  ): Promise<{ document: string; policy: CompiledPolicy } | undefined> => {
    const a = aws.get(arn);
    if (a) {
      const key = `${kind}\u0000${arn}`;
      let policy = awsCompiled.get(key);
      if (!policy) {
        policy = compile(a.document, arn, kind);
        awsCompiled.set(key, policy);
      }
      return { document: a.document, policy };
    }
    const found = item ?? (await localItem(arn));
    if (!found) return undefined;
    const key = `${kind}\u0000${arn}`;
    const hit = localCompiled.get(key);
    const document = defaultDocument(found.value);
    if (hit && hit.revision === found.revision) return { document, policy: hit.policy };
    const policy = compile(document, arn, kind);
    localCompiled.set(key, { revision: found.revision, policy });
    return { document, policy };
  };

  const managedRevisions = async (holder: PolicyHolder): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    const arns = [...holder.attachedPolicies];
    if (holder.permissionsBoundaryArn !== undefined) arns.push(holder.permissionsBoundaryArn);
    for (const arn of arns) {
      if (out.has(arn)) continue;
      if (aws.has(arn)) out.set(arn, -1);
      else out.set(arn, (await localItem(arn))?.revision ?? -2);
    }
    return out;
  };

  const build = async (entityKey: string, holder: PolicyHolder): Promise<IdentityPolicies> => {
    const identity: CompiledPolicy[] = [];
    for (const p of holder.inlinePolicies) {
      const key = `${entityKey}\u0000${p.name}`;
      const hit = inlineCompiled.get(key);
      if (hit && hit.text === p.document) identity.push(hit.policy);
      else {
        const policy = compile(p.document, p.name, 'identity');
        inlineCompiled.set(key, { text: p.document, policy });
        identity.push(policy);
      }
    }
    for (const arn of holder.attachedPolicies) {
      const m = await managedPolicy(arn, 'identity');
      if (m) identity.push(m.policy);
    }
    const boundary: CompiledPolicy[] = [];
    if (holder.permissionsBoundaryArn !== undefined) {
      const m = await managedPolicy(holder.permissionsBoundaryArn, 'boundary');
      if (m) boundary.push(m.policy);
    }
    const unique = holder as { roleId?: string; userId?: string };
    return { identity, boundary, uniqueId: unique.roleId ?? unique.userId, tags: holder.tags };
  };

  const sameRevisions = (a: Map<string, number>, b: Map<string, number>): boolean =>
    a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

  return {
    async getRole(account, roleName) {
      const item = await store.get<RoleDoc>(COLLECTIONS.roles, KEYS.role(account, roleName));
      if (!item) return undefined;
      // the trust policy as IAM evaluates it: principals by the unique IDs they had when saved
      const trust = await currentTrust(item.value, store);
      return roleRecord({ ...item.value, assumeRolePolicyDocument: trust });
    },

    async findOidcProvider(account, url) {
      const bare = url.replace(/^https:\/\//i, '');
      const item = await store.get<OidcProviderDoc>(
        COLLECTIONS.oidcProviders,
        KEYS.oidcProvider(account, bare),
      );
      return item && oidcProviderRecord(item.value);
    },

    async getUser(account, userName) {
      const item = await store.get<UserDoc>(COLLECTIONS.users, KEYS.user(account, userName));
      return item && userRecord(item.value);
    },

    async getAccessKey(id): Promise<AccessKeyRecord | undefined> {
      const index = await store.get<{ account: string }>(COLLECTIONS.accessKeyIndex, id);
      if (!index) return undefined;
      const item = await store.get<AccessKeyDoc>(
        COLLECTIONS.accessKeys,
        KEYS.accessKey(index.value.account, id),
      );
      return item && { ...item.value };
    },

    async getManagedPolicy(arn) {
      const m = await managedPolicy(arn, 'identity');
      return m && { arn, document: m.document, policy: m.policy };
    },

    async policiesOf(entity) {
      const [collection, key] =
        entity.kind === 'role'
          ? [COLLECTIONS.roles, KEYS.role(entity.account, entity.roleName)]
          : [COLLECTIONS.users, KEYS.user(entity.account, entity.userName)];
      const cacheKey = `${collection}\u0000${key}`;
      // only IAM writes matter: objects and messages written meanwhile keep the cache
      const revision = await store.revision(IAM_COLLECTIONS);
      const cached = cache.get(cacheKey);
      if (cached && cached.storeRevision === revision) return cached.result;

      const item = await store.get<PolicyHolder>(collection, key);
      if (!item) {
        const result: IdentityPolicies = { identity: [], boundary: [], tags: [] };
        cache.set(cacheKey, {
          storeRevision: revision,
          entityRevision: -1,
          managed: new Map(),
          result,
        });
        return result;
      }
      const managed = await managedRevisions(item.value);
      if (
        cached &&
        cached.entityRevision === item.revision &&
        sameRevisions(cached.managed, managed)
      ) {
        cached.storeRevision = revision;
        return cached.result;
      }
      const result = await build(cacheKey, item.value);
      cache.set(cacheKey, {
        storeRevision: revision,
        entityRevision: item.revision,
        managed,
        result,
      });
      return result;
    },

    async accounts() {
      return (await store.list<AccountDoc>(COLLECTIONS.accounts)).map((i) => i.value.account);
    },
  };
}
