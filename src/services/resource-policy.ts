/**
 * The resource policy a service keeps for an ARN — an S3 bucket's policy, an SQS queue's
 * `Policy` attribute, a secret's resource policy — read from the store as the services
 * themselves read it, for `irsa doctor --action … --resource ARN`, which evaluates it beside
 * the caller's own policies as the service would.
 */
import { parseArn } from '../policy/arn.js';
import type { StoreOps } from '../store/types.js';
import { getBucket } from './s3/repo.js';
import { secretKey, secretRef } from './secretsmanager/secrets.js';
import { SECRETS, type SecretRecord } from './secretsmanager/types.js';
import { isQueueName, queueKey } from './sqs/queues.js';
import { QUEUES, type QueueRecord } from './sqs/types.js';

export interface ResourcePolicyText {
  /** how the doctor names it: "the bucket policy of my-bucket" */
  name: string;
  /** the policy's JSON text */
  document: string;
}

/**
 * The resource policy of the resource `arn` names, or undefined when it has none, does not
 * exist, or belongs to a service without resource policies here.
 *
 * @example
 * await resourcePolicyOf(store, 'arn:aws:sqs:us-east-1:123456789012:orders')
 * // → { name: 'the queue policy of orders', document: '{"Version":…}' }
 */
export async function resourcePolicyOf(
  store: Pick<StoreOps, 'get'>,
  arn: string,
): Promise<ResourcePolicyText | undefined> {
  const a = parseArn(arn);
  if (!a) return undefined;
  if (a.service === 's3') {
    const bucket = a.resource.split('/')[0] as string;
    const policy = (await getBucket(store, bucket))?.value.policy;
    return policy === undefined
      ? undefined
      : { name: `the bucket policy of ${bucket}`, document: policy };
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
