/**
 * IAM's view of the store: one collection per entity type, keys prefixed by account (names
 * folded to lower case, since IAM names are unique case-insensitively), and the managed
 * policy lookups that span the AWS catalogue and the account's own policies. Every method
 * works on the `StoreOps` it is given, so a whole operation runs in one transaction.
 */
import type { StoreOps } from '../store/types.js';
import type { AwsManagedPolicy, AwsPolicyCatalog } from './aws-managed/catalog.js';
import type {
  AccessKeyDoc,
  AccountDoc,
  AwsPolicyUsageDoc,
  ManagedPolicyDoc,
  OidcProviderDoc,
  RoleDoc,
  UserDoc,
} from './types.js';

export const COLLECTIONS = {
  accounts: 'iam-accounts',
  users: 'iam-users',
  accessKeys: 'iam-access-keys',
  /** access key ID → account, so a key can be found whatever its account */
  accessKeyIndex: 'iam-access-key-index',
  roles: 'iam-roles',
  policies: 'iam-policies',
  awsPolicyUsage: 'iam-aws-policy-usage',
  oidcProviders: 'iam-oidc-providers',
} as const;

/** Every IAM collection: what a cache of IAM reads keys its validity on (`Store.revision`). */
export const IAM_COLLECTIONS: readonly string[] = Object.values(COLLECTIONS);

export const KEYS = {
  account: (account: string) => account,
  user: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  accessKey: (account: string, id: string) => `${account}/${id}`,
  role: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  policy: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  awsPolicyUsage: (account: string, name: string) => `${account}/${name}`,
  oidcProvider: (account: string, url: string) => `${account}/${url}`,
  prefix: (account: string) => `${account}/`,
};

/** A managed policy, whoever manages it. */
export type PolicyRef =
  | { kind: 'aws'; arn: string; policy: AwsManagedPolicy; usage: AwsPolicyUsageDoc }
  | { kind: 'local'; arn: string; policy: ManagedPolicyDoc };

export class IamRepo {
  readonly ops: StoreOps;
  readonly aws: AwsPolicyCatalog;

  constructor(ops: StoreOps, aws: AwsPolicyCatalog) {
    this.ops = ops;
    this.aws = aws;
  }

  private async value<T>(collection: string, key: string): Promise<T | undefined> {
    return (await this.ops.get<T>(collection, key))?.value;
  }

  private async values<T>(collection: string, account: string): Promise<T[]> {
    const items = await this.ops.list<T>(collection, { prefix: KEYS.prefix(account) });
    return items.map((i) => i.value);
  }

  account(account: string): Promise<AccountDoc | undefined> {
    return this.value(COLLECTIONS.accounts, KEYS.account(account));
  }
  async accounts(): Promise<AccountDoc[]> {
    return (await this.ops.list<AccountDoc>(COLLECTIONS.accounts)).map((i) => i.value);
  }
  async putAccount(doc: AccountDoc): Promise<void> {
    await this.ops.put(COLLECTIONS.accounts, KEYS.account(doc.account), doc);
  }

  role(account: string, name: string): Promise<RoleDoc | undefined> {
    return this.value(COLLECTIONS.roles, KEYS.role(account, name));
  }
  roles(account: string): Promise<RoleDoc[]> {
    return this.values(COLLECTIONS.roles, account);
  }
  async putRole(doc: RoleDoc): Promise<void> {
    await this.ops.put(COLLECTIONS.roles, KEYS.role(doc.account, doc.roleName), doc);
  }
  async deleteRole(doc: RoleDoc): Promise<void> {
    await this.ops.delete(COLLECTIONS.roles, KEYS.role(doc.account, doc.roleName));
  }

  user(account: string, name: string): Promise<UserDoc | undefined> {
    return this.value(COLLECTIONS.users, KEYS.user(account, name));
  }
  users(account: string): Promise<UserDoc[]> {
    return this.values(COLLECTIONS.users, account);
  }
  async putUser(doc: UserDoc): Promise<void> {
    await this.ops.put(COLLECTIONS.users, KEYS.user(doc.account, doc.userName), doc);
  }
  async deleteUser(doc: UserDoc): Promise<void> {
    await this.ops.delete(COLLECTIONS.users, KEYS.user(doc.account, doc.userName));
  }

  accessKey(account: string, id: string): Promise<AccessKeyDoc | undefined> {
    return this.value(COLLECTIONS.accessKeys, KEYS.accessKey(account, id));
  }
  /** the user's keys, oldest first */
  async accessKeysOf(account: string, userName: string): Promise<AccessKeyDoc[]> {
    const all = await this.values<AccessKeyDoc>(COLLECTIONS.accessKeys, account);
    return all
      .filter((k) => k.userName.toLowerCase() === userName.toLowerCase())
      .sort((a, b) => a.createDate.localeCompare(b.createDate));
  }
  async putAccessKey(doc: AccessKeyDoc): Promise<void> {
    await this.ops.put(COLLECTIONS.accessKeys, KEYS.accessKey(doc.account, doc.accessKeyId), doc);
    await this.ops.put(COLLECTIONS.accessKeyIndex, doc.accessKeyId, { account: doc.account });
  }
  async deleteAccessKey(doc: AccessKeyDoc): Promise<void> {
    await this.ops.delete(COLLECTIONS.accessKeys, KEYS.accessKey(doc.account, doc.accessKeyId));
    await this.ops.delete(COLLECTIONS.accessKeyIndex, doc.accessKeyId);
  }

  localPolicy(account: string, name: string): Promise<ManagedPolicyDoc | undefined> {
    return this.value(COLLECTIONS.policies, KEYS.policy(account, name));
  }
  localPolicies(account: string): Promise<ManagedPolicyDoc[]> {
    return this.values(COLLECTIONS.policies, account);
  }
  async putLocalPolicy(doc: ManagedPolicyDoc): Promise<void> {
    await this.ops.put(COLLECTIONS.policies, KEYS.policy(doc.account, doc.policyName), doc);
  }
  async deleteLocalPolicy(doc: ManagedPolicyDoc): Promise<void> {
    await this.ops.delete(COLLECTIONS.policies, KEYS.policy(doc.account, doc.policyName));
  }

  async awsUsage(account: string, name: string): Promise<AwsPolicyUsageDoc> {
    return (
      (await this.value<AwsPolicyUsageDoc>(
        COLLECTIONS.awsPolicyUsage,
        KEYS.awsPolicyUsage(account, name),
      )) ?? { attachmentCount: 0, permissionsBoundaryUsageCount: 0 }
    );
  }

  /**
   * The managed policy an ARN names, as the caller's account sees it: an AWS managed one, or
   * one of the account's own (name case-insensitive, path exact). Undefined when none.
   */
  async policy(account: string, arn: string): Promise<PolicyRef | undefined> {
    const aws = this.aws.get(arn);
    if (aws)
      return { kind: 'aws', arn, policy: aws, usage: await this.awsUsage(account, aws.name) };
    const m = /^arn:aws:iam::(\d{12}):policy(\/(?:[^/]+\/)*)([^/]+)$/.exec(arn);
    if (!m || m[1] !== account) return undefined;
    const doc = await this.localPolicy(account, m[3] as string);
    if (!doc || doc.path !== m[2]) return undefined;
    return { kind: 'local', arn: doc.arn, policy: doc };
  }

  /** Adds `attachment` and `boundary` to a managed policy's usage counts. */
  async adjustUsage(
    account: string,
    ref: PolicyRef,
    delta: { attachment?: number; boundary?: number },
  ): Promise<void> {
    const a = delta.attachment ?? 0;
    const b = delta.boundary ?? 0;
    if (ref.kind === 'aws') {
      const usage = await this.awsUsage(account, ref.policy.name);
      await this.ops.put(
        COLLECTIONS.awsPolicyUsage,
        KEYS.awsPolicyUsage(account, ref.policy.name),
        {
          attachmentCount: Math.max(0, usage.attachmentCount + a),
          permissionsBoundaryUsageCount: Math.max(0, usage.permissionsBoundaryUsageCount + b),
        } satisfies AwsPolicyUsageDoc,
      );
    } else {
      const doc = await this.localPolicy(account, ref.policy.policyName);
      if (!doc) return;
      doc.attachmentCount = Math.max(0, doc.attachmentCount + a);
      doc.permissionsBoundaryUsageCount = Math.max(0, doc.permissionsBoundaryUsageCount + b);
      await this.putLocalPolicy(doc);
    }
  }

  oidcProvider(account: string, url: string): Promise<OidcProviderDoc | undefined> {
    return this.value(COLLECTIONS.oidcProviders, KEYS.oidcProvider(account, url));
  }
  oidcProviders(account: string): Promise<OidcProviderDoc[]> {
    return this.values(COLLECTIONS.oidcProviders, account);
  }
  async putOidcProvider(doc: OidcProviderDoc): Promise<void> {
    await this.ops.put(COLLECTIONS.oidcProviders, KEYS.oidcProvider(doc.account, doc.url), doc);
  }
  async deleteOidcProvider(doc: OidcProviderDoc): Promise<void> {
    await this.ops.delete(COLLECTIONS.oidcProviders, KEYS.oidcProvider(doc.account, doc.url));
  }
}
