/**
 * What other components (STS, the services, the edge's authorizer) read from IAM: roles,
 * OIDC providers, users and their access keys, and the policies that apply to a principal.
 * IAM implements it over the store; readers never reach into IAM's storage themselves.
 */
import type { CompiledPolicy } from '../policy/compile-policy.js';

export interface RoleRecord {
  account: string;
  roleName: string;
  /** `AROA…`, 21 characters */
  roleId: string;
  path: string;
  arn: string;
  /** the trust policy as stored (JSON text, not URL-encoded) */
  assumeRolePolicyDocument: string;
  /** 3600–43200 */
  maxSessionDuration: number;
  description?: string | undefined;
  permissionsBoundaryArn?: string | undefined;
  tags: { Key: string; Value: string }[];
  createDate: string;
}

export interface OidcProviderRecord {
  account: string;
  arn: string;
  /** without `https://`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC` or `127.0.0.1:4578/id/ABC` */
  url: string;
  clientIds: string[];
  /** 40 lowercase hex characters each */
  thumbprints: string[];
  tags: { Key: string; Value: string }[];
  createDate: string;
}

export interface UserRecord {
  account: string;
  userName: string;
  /** `AIDA…` */
  userId: string;
  path: string;
  arn: string;
  permissionsBoundaryArn?: string | undefined;
  tags: { Key: string; Value: string }[];
  createDate: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  /** never logged */
  secretAccessKey: string;
  account: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

/** The policies that apply to an IAM identity, compiled once and cached by revision. */
export interface IdentityPolicies {
  identity: CompiledPolicy[];
  /** the permissions boundary, when set */
  boundary: CompiledPolicy[];
  /** the role's `AROA…` or the user's `AIDA…` unique id; undefined when it does not exist */
  uniqueId?: string | undefined;
  /** the role's or user's tags: its principal tags (a session's own tags override a role's) */
  tags: readonly { Key: string; Value: string }[];
}

export interface IamDirectory {
  getRole(account: string, roleName: string): Promise<RoleRecord | undefined>;
  /** the provider whose URL (without `https://`) is `url`, in `account` */
  findOidcProvider(account: string, url: string): Promise<OidcProviderRecord | undefined>;
  getUser(account: string, userName: string): Promise<UserRecord | undefined>;
  /** a long-term access key (`AKIA…`), whatever account it belongs to */
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** a managed policy's default version, compiled (AWS managed ones included), by ARN */
  getManagedPolicy(
    arn: string,
  ): Promise<{ arn: string; document: string; policy: CompiledPolicy } | undefined>;
  /** identity policies (inline + attached) and boundary of a role or a user */
  policiesOf(
    entity:
      | { kind: 'role'; account: string; roleName: string }
      | { kind: 'user'; account: string; userName: string },
  ): Promise<IdentityPolicies>;
  /** the accounts irsakit knows (each created with an admin user and access key) */
  accounts(): Promise<string[]>;
}
