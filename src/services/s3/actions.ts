/**
 * The S3 actions a bucket policy may name, by the kind of resource each applies to (the
 * Service Authorization Reference's resource types for Amazon S3: bucket, object, or none
 * for account-level actions). PutBucketPolicy uses it for "Policy has invalid action" and
 * "Action does not apply to any resource(s) in statement".
 */

import {
  S3_ACCOUNT_ACTIONS,
  S3_BUCKET_ACTIONS,
  S3_OBJECT_ACTIONS,
} from '../../policy/lint/s3-actions.js';

export type S3ResourceKind = 'bucket' | 'object' | 'account';

/** Every action, lower case, with the kind of resource it applies to. */
export const S3_ACTIONS: ReadonlyMap<string, S3ResourceKind> = new Map([
  ...S3_OBJECT_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, 'object'] as const),
  ...S3_BUCKET_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, 'bucket'] as const),
  ...S3_ACCOUNT_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, 'account'] as const),
]);
