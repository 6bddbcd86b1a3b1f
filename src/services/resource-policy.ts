/**
 * The resource policy a service keeps for an ARN — an S3 bucket's policy, an SQS queue's
 * `Policy` attribute, a secret's resource policy, a role's trust policy (the resource policy
 * STS evaluates for `sts:AssumeRole` on it) — read from the store as the services themselves
 * read it, for `irsa doctor --action … --resource ARN`, which evaluates it beside the caller's
 * own policies as the service would.
 */
import type { IamDirectory } from '../iam/directory.js';
import { parseArn } from '../policy/arn.js';
import type { StoreOps } from '../store/types.js';
import {
  isPublicPolicyText,
  publicPolicyOnlyFor,
  restrictedPolicyText,
} from './s3/public-policy.js';
import { getBucket } from './s3/repo.js';
import { secretKey, secretRef } from './secretsmanager/secrets.js';
import { SECRETS, type SecretRecord } from './secretsmanager/types.js';
import { isQueueName, queueKey } from './sqs/queues.js';
import { QUEUES, type QueueRecord } from './sqs/types.js';

export interface ResourcePolicyText {
  /** how the doctor names it: "the bucket policy of my-bucket" */
  name: string;
  /** the policy's JSON text; undefined for a role that does not exist (see `unknown`) */
  document?: string | undefined;
  /** why there is no document */
  unknown?: string | undefined;
  /** a role's trust policy: it must name the caller itself (spec/iam-policy.md §12.1) */
  trust?: boolean | undefined;
  /**
   * the policy counts only for callers of this account (an S3 bucket's public policy while its
   * RestrictPublicBuckets setting is on), and why, and what to do
   */
  onlyFor?: { account: string; reason: string; fix: string } | undefined;
}

/**
 * The resource policy of the resource `arn` names, or undefined when it has none, does not
 * exist, or belongs to a service without resource policies here (a role that does not exist
 * is named, without a document: STS refuses to assume it).
 *
 * @example
 * await resourcePolicyOf(store, directory, 'arn:aws:sqs:us-east-1:123456789012:orders')
 * // → { name: 'the queue policy of orders', document: '{"Version":…}' }
 */
export async function resourcePolicyOf(
  store: Pick<StoreOps, 'get'>,
  directory: Pick<IamDirectory, 'getRole'>,
  arn: string,
): Promise<ResourcePolicyText | undefined> {
  const a = parseArn(arn);
  if (!a) return undefined;
  if (a.service === 'iam' && a.resource.startsWith('role/')) {
    // as STS reads it (the directory's role: its trust policy's principals as IAM resolves
    // them now), the whole ARN (its path) compared
    const roleName = a.resource.slice(a.resource.lastIndexOf('/') + 1);
    const role = await directory.getRole(a.account, roleName);
    const name = `the trust policy of role ${roleName}`;
    if (!role || role.arn !== arn)
      return {
        name,
        trust: true,
        unknown: role ? `the role is ${role.arn}, not ${arn}` : `role ${arn} does not exist`,
      };
    return { name, trust: true, document: role.assumeRolePolicyDocument };
  }
  if (a.service === 's3') {
    const bucket = a.resource.split('/')[0] as string;
    const record = (await getBucket(store, bucket))?.value;
    const policy = record?.policy;
    if (!record || policy === undefined) return undefined;
    // as S3 takes it (services/s3/call.ts): set aside for other accounts' callers
    const account = publicPolicyOnlyFor(record, isPublicPolicyText(policy));
    const only = account === undefined ? undefined : { account, ...restrictedPolicyText(bucket) };
    return {
      name: `the bucket policy of ${bucket}`,
      document: policy,
      ...(only ? { onlyFor: only } : {}),
    };
  }
  if (a.service === 'sqs') {
    if (!isQueueName(a.resource)) return undefined;
    const queue = await store.get<QueueRecord>(QUEUES, queueKey(a.region, a.account, a.resource));
    const policy = queue?.value.attributes.Policy;
    return policy ? { name: `the queue policy of ${a.resource}`, document: policy } : undefined;
  }
  if (a.service === 'secretsmanager') {
    const ref = secretRef(arn, a.region, a.account);
    for (const [i, name] of ref.names.entries()) {
      const secret = (
        await store.get<SecretRecord>(SECRETS, secretKey(ref.region, ref.account, name))
      )?.value;
      if (!secret || (i === 0 && ref.fullArn && secret.arn !== ref.fullArn)) continue;
      return secret.policy
        ? { name: `the resource policy of secret ${secret.name}`, document: secret.policy }
        : undefined;
    }
  }
  return undefined;
}

/**
 * The account that owns the resource `arn` names: an S3 bucket's owner (S3's ARNs name no
 * account), else the ARN's own; undefined for a bucket that does not exist.
 *
 * @example
 * await resourceAccountOfArn(store, 'arn:aws:s3:::my-bucket/k') // → '123456789012'
 */
export async function resourceAccountOfArn(
  store: Pick<StoreOps, 'get'>,
  arn: string,
): Promise<string | undefined> {
  const a = parseArn(arn);
  if (!a) return undefined;
  if (a.service !== 's3') return a.account || undefined;
  return (await getBucket(store, a.resource.split('/')[0] as string))?.value.account;
}
