/**
 * IAM's stored entities (one store collection per entity type, keys prefixed by account) and
 * the dependencies the IAM component is built from. Dates are ISO 8601 strings without
 * milliseconds, as AWS prints them. See spec/aws-wire.md §3.6, §5.
 */
import type { Clock } from '../common/clock.js';
import type { Store } from '../store/types.js';
import type { CallContext } from '../server/aws/types.js';

export interface Tag {
  Key: string;
  Value: string;
}

/** An inline policy: its name and the document exactly as it was put (JSON text). */
export interface InlinePolicy {
  name: string;
  document: string;
}

export interface AccountDoc {
  account: string;
  createDate: string;
}

/** What roles and users share: inline policies, attached managed policies, a boundary. */
export interface PolicyHolder {
  account: string;
  path: string;
  arn: string;
  createDate: string;
  tags: Tag[];
  permissionsBoundaryArn?: string | undefined;
  /** in name order */
  inlinePolicies: InlinePolicy[];
  /** managed policy ARNs, in attachment order */
  attachedPolicies: string[];
}

export interface RoleDoc extends PolicyHolder {
  roleName: string;
  /** `AROA…` */
  roleId: string;
  /** the trust policy as it was put (JSON text, not URL-encoded) */
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  description?: string | undefined;
  lastUsed?: { date: string; region: string } | undefined;
  /**
   * The unique ID each role or user principal of the trust policy had when it was saved
   * (trust-principals.ts): a principal deleted and made again does not match
   */
  trustPrincipalIds?: Record<string, string> | undefined;
}

export interface UserDoc extends PolicyHolder {
  userName: string;
  /** `AIDA…` */
  userId: string;
}

export interface AccessKeyDoc {
  accessKeyId: string;
  secretAccessKey: string;
  account: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

export interface PolicyVersionDoc {
  versionId: string;
  document: string;
  createDate: string;
}

/** A customer managed policy. */
export interface ManagedPolicyDoc {
  account: string;
  policyName: string;
  /** `ANPA…` */
  policyId: string;
  path: string;
  arn: string;
  description?: string | undefined;
  createDate: string;
  updateDate: string;
  defaultVersionId: string;
  /** at most 5, oldest first */
  versions: PolicyVersionDoc[];
  /** the number the next version gets (AWS never reuses a version number) */
  nextVersion: number;
  attachmentCount: number;
  permissionsBoundaryUsageCount: number;
  tags: Tag[];
}

/** How often an account uses an AWS managed policy (AWS keeps these counts per account). */
export interface AwsPolicyUsageDoc {
  attachmentCount: number;
  permissionsBoundaryUsageCount: number;
}

export interface OidcProviderDoc {
  account: string;
  arn: string;
  /** without `https://` */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tag[];
  createDate: string;
}

/** Random bytes; `crypto.randomBytes` at the edge, a fixed sequence in tests. */
export type RandomSource = (bytes: number) => Uint8Array;

/**
 * Checks that the caller may perform an IAM action on a resource; throws `AccessDenied`
 * (an `AwsError`) when not. Provided by the edge.
 */
export type IamAuthorize = (
  ctx: CallContext,
  action: string,
  resource: string,
  /** IAM's condition keys of the call (iam:PolicyARN, aws:RequestTag/*, aws:ResourceTag/*, …) */
  context?: Record<string, string | string[]>,
  /** how a refusal names the resource, when `resource` does not say it (ListPolicies') */
  resourceName?: string,
) => Promise<void>;

export interface IamDeps {
  store: Store;
  clock: Clock;
  random: RandomSource;
  authorize: IamAuthorize;
}
