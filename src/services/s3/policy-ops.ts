/**
 * Bucket policy operations: PutBucketPolicy (checked as S3 checks it, see bucket-policy.ts),
 * GetBucketPolicy (NoSuchBucketPolicy when there is none) and DeleteBucketPolicy, each
 * authorized as `s3:<Operation>` on the bucket.
 */
import { AwsError } from '../../common/aws-error.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import { checkBucketPolicy } from './bucket-policy.js';
import {
  type S3Call,
  authorizeS3,
  bucketArn,
  noteEvent,
  noteOwner,
  requireBucket,
} from './call.js';
import { S3_MSG, noSuchBucket } from './errors.js';
import { BUCKETS, type BucketRecord } from './repo.js';
import { readUpload } from './upload.js';

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** PutBucketPolicy: 204. */
export async function putBucketPolicy(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'PutBucketPolicy', { readOnly: false, data: false, bucket: name });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:PutBucketPolicy', bucketArn(name), bucket);
  const text = readUpload(call.raw.body, call.ctx.auth?.payload, call.headers).data.toString(
    'utf8',
  );
  if (call.ctx.audit.requestParameters)
    call.ctx.audit.requestParameters = {
      ...call.ctx.audit.requestParameters,
      bucketPolicy: parsedOrText(text),
      policy: '',
    };
  await checkBucketPolicy(text, name, call.deps.principals);
  await call.deps.store.transaction(async (tx) => {
    const current = await tx.get<BucketRecord>(BUCKETS, name);
    if (!current) throw noSuchBucket(name);
    await tx.put<BucketRecord>(BUCKETS, name, { ...current.value, policy: text });
  });
  return { status: 204 };
}

/** GetBucketPolicy: the policy as set. */
export async function getBucketPolicy(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'GetBucketPolicy', {
    readOnly: true,
    data: false,
    bucket: name,
    params: { policy: '' },
  });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:GetBucketPolicy', bucketArn(name), bucket);
  const policy = bucket.value.policy;
  if (policy === undefined)
    throw new AwsError('NoSuchBucketPolicy', 404, S3_MSG.noSuchBucketPolicy, {
      elements: { BucketName: name },
    });
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: policy };
}

/** DeleteBucketPolicy: 204, policy or not. */
export async function deleteBucketPolicy(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'DeleteBucketPolicy', {
    readOnly: false,
    data: false,
    bucket: name,
    params: { policy: '' },
  });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:DeleteBucketPolicy', bucketArn(name), bucket);
  await call.deps.store.transaction(async (tx) => {
    const current = await tx.get<BucketRecord>(BUCKETS, name);
    if (!current || current.value.policy === undefined) return;
    const { policy: _removed, ...rest } = current.value;
    await tx.put<BucketRecord>(BUCKETS, name, rest);
  });
  return { status: 204 };
}
