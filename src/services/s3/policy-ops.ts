/**
 * Bucket policy operations: PutBucketPolicy (checked as S3 checks it, see bucket-policy.ts, and
 * refused for a public policy while the bucket's BlockPublicPolicy setting is on),
 * GetBucketPolicy (NoSuchBucketPolicy when there is none) and DeleteBucketPolicy, each
 * authorized as `s3:<Operation>` on the bucket and then open only to identities of the bucket
 * owner's account.
 */
import { AwsError } from '../../common/aws-error.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import { checkBucketPolicy } from './bucket-policy.js';
import { publicStatement } from './public-policy.js';
import { type S3Call, bucketArn, openBucketConfig, rewriteBucket } from './call.js';
import { S3_MSG, methodNotAllowed } from './errors.js';
import type { Bucket } from './repo.js';
import { readUpload } from './upload.js';

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Only the bucket owner's account manages its bucket policy: "If you have the correct
 * permissions, but you're not using an identity that belongs to the bucket owner's account,
 * Amazon S3 returns a 405 Method Not Allowed error" (Put/Get/DeleteBucketPolicy API reference)
 * — so this runs after authorization (without the permission it is AccessDenied), and a policy
 * that grants another account or everyone s3:PutBucketPolicy cannot hand the bucket over.
 * An anonymous caller belongs to no account. (The owner's root user may always manage the
 * policy, whatever it denies; irsakit issues no root credentials — each account's admin is
 * the IAM user irsa-admin — so no caller here is one.)
 */
function requireOwnerAccount(call: S3Call, bucket: Bucket): void {
  if (call.ctx.caller?.account !== bucket.value.account)
    // [inferred] the resource type S3 names for the `?policy` sub-resource
    throw methodNotAllowed(call.raw.method, 'BUCKETPOLICY');
}

/**
 * A public policy on a bucket whose BlockPublicPolicy setting is on: AccessDenied, in the words
 * S3 uses ("… because public policies are blocked by the BlockPublicPolicy block public access
 * setting."); the caller is of the owner's account (requireOwnerAccount), so it is named.
 */
function publicPolicyBlocked(call: S3Call, name: string, statement: number): AwsError {
  const p = call.ctx.caller?.principal;
  const who = p?.type === 'Account' ? `arn:aws:iam::${p.account ?? ''}:root` : (p?.id ?? '');
  return new AwsError(
    'AccessDenied',
    403,
    `User: ${who} is not authorized to perform: s3:PutBucketPolicy on resource: "${bucketArn(name)}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
    {
      detail: {
        check: 'BlockPublicPolicy',
        summary: `statement ${statement} of the policy grants public access (S3 User Guide, "The meaning of 'public'"); the bucket's BlockPublicPolicy setting is on`,
      },
    },
  );
}

/** PutBucketPolicy: 204. */
export async function putBucketPolicy(call: S3Call, name: string): Promise<ServiceResponse> {
  const bucket = await openBucketConfig(
    call,
    name,
    { eventName: 'PutBucketPolicy', readOnly: false, subresource: 'policy' },
    's3:PutBucketPolicy',
  );
  requireOwnerAccount(call, bucket);
  const text = readUpload(call.raw.body, call.ctx.auth?.payload, call.headers).data.toString(
    'utf8',
  );
  if (call.ctx.audit.requestParameters) {
    // the policy before the sub-resource, as CloudTrail writes them
    const { policy: _subresource, ...rest } = call.ctx.audit.requestParameters;
    call.ctx.audit.requestParameters = { ...rest, bucketPolicy: parsedOrText(text), policy: '' };
  }
  await checkBucketPolicy(text, name, call.deps.principals);
  const publicAt = publicStatement(JSON.parse(text));
  await rewriteBucket(call, name, (current) => {
    if (publicAt !== undefined && current.publicAccessBlock?.BlockPublicPolicy)
      throw publicPolicyBlocked(call, name, publicAt);
    return { ...current, policy: text };
  });
  return { status: 204 };
}

/** GetBucketPolicy: the policy as set. */
export async function getBucketPolicy(call: S3Call, name: string): Promise<ServiceResponse> {
  const bucket = await openBucketConfig(
    call,
    name,
    { eventName: 'GetBucketPolicy', readOnly: true, subresource: 'policy' },
    's3:GetBucketPolicy',
  );
  requireOwnerAccount(call, bucket);
  const policy = bucket.value.policy;
  if (policy === undefined)
    throw new AwsError('NoSuchBucketPolicy', 404, S3_MSG.noSuchBucketPolicy, {
      elements: { BucketName: name },
    });
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: policy };
}

/** DeleteBucketPolicy: 204, policy or not. */
export async function deleteBucketPolicy(call: S3Call, name: string): Promise<ServiceResponse> {
  const bucket = await openBucketConfig(
    call,
    name,
    { eventName: 'DeleteBucketPolicy', readOnly: false, subresource: 'policy' },
    's3:DeleteBucketPolicy',
  );
  requireOwnerAccount(call, bucket);
  await rewriteBucket(
    call,
    name,
    ({ policy, ...rest }) => (policy === undefined ? undefined : rest),
    'skip',
  );
  return { status: 204 };
}
