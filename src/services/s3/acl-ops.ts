/**
 * ACLs as a bucket with ACLs disabled answers them (Object Ownership BucketOwnerEnforced, the
 * default of every bucket made since April 2023, and how irsakit's buckets behave): reading an
 * ACL gives the owner's FULL_CONTROL, the only grant there is; setting one is
 * AccessControlListNotSupported (S3 User Guide, "Controlling ownership of objects and disabling
 * ACLs").
 */
import { AwsError } from '../../common/aws-error.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import {
  type S3Call,
  authorizeS3,
  bucketArn,
  canonicalUserId,
  noteEvent,
  noteOwner,
  objectArn,
  requireBucket,
} from './call.js';
import { noSuchKey } from './errors.js';
import { getObject } from './repo.js';
import { el, wrap, xmlDocument } from './xml.js';

const XML = { 'Content-Type': 'application/xml' };

function ownerOnly(owner: string): string {
  return xmlDocument(
    'AccessControlPolicy',
    wrap('Owner', el('ID', owner)) +
      wrap(
        'AccessControlList',
        wrap(
          'Grant',
          `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">${el('ID', owner)}</Grantee>` +
            el('Permission', 'FULL_CONTROL'),
        ),
      ),
  );
}

/** GetBucketAcl (key undefined) and GetObjectAcl. */
export async function getAcl(
  call: S3Call,
  bucketName: string,
  key: string | undefined,
): Promise<ServiceResponse> {
  noteEvent(call, key === undefined ? 'GetBucketAcl' : 'GetObjectAcl', {
    readOnly: true,
    data: key !== undefined,
    bucket: bucketName,
    key,
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  if (key === undefined) {
    await authorizeS3(call, 's3:GetBucketAcl', bucketArn(bucketName), bucket);
  } else {
    await authorizeS3(call, 's3:GetObjectAcl', objectArn(bucketName, key), bucket);
    if (!(await getObject(call.deps.store, bucket.key, key))) throw noSuchKey(key);
  }
  return { status: 200, headers: XML, body: ownerOnly(canonicalUserId(bucket.value.account)) };
}

/** PutBucketAcl and PutObjectAcl: a bucket with ACLs disabled takes none. */
export async function putAcl(
  call: S3Call,
  bucketName: string,
  key: string | undefined,
): Promise<ServiceResponse> {
  noteEvent(call, key === undefined ? 'PutBucketAcl' : 'PutObjectAcl', {
    readOnly: false,
    data: key !== undefined,
    bucket: bucketName,
    key,
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(
    call,
    key === undefined ? 's3:PutBucketAcl' : 's3:PutObjectAcl',
    key === undefined ? bucketArn(bucketName) : objectArn(bucketName, key),
    bucket,
  );
  throw new AwsError('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs');
}
