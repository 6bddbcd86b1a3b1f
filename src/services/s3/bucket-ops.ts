/**
 * Bucket operations: ListBuckets, CreateBucket (the region rules of the legacy us-east-1
 * endpoint included; every public access blocked, as S3 makes buckets), HeadBucket,
 * DeleteBucket and GetBucketLocation. Each is authorized as S3 maps it (`s3:ListAllMyBuckets`,
 * `s3:CreateBucket`, `s3:ListBucket`, `s3:DeleteBucket`, `s3:GetBucketLocation`).
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
  requireBucket,
} from './call.js';
import { S3_MSG, invalidArgument, malformedXml } from './errors.js';
import { checkBucketName } from './names.js';
import { type UploadRecord, uploadsOf } from './multipart.js';
import { ALL_PUBLIC_ACCESS_BLOCKED, BUCKETS, type BucketRecord, objectsOf } from './repo.js';
import { el, wrap, xmlDocument } from './xml.js';
import { parseXmlBody } from './xml.js';

const XML = { 'Content-Type': 'application/xml' };
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/** ListBuckets: the caller's account's buckets (prefix, bucket-region, max-buckets pages). */
export async function listBuckets(call: S3Call): Promise<ServiceResponse> {
  const prefix = call.query.get('prefix');
  const region = call.query.get('bucket-region');
  noteEvent(call, 'ListBuckets', {
    readOnly: true,
    data: false,
    params: { ...(prefix !== undefined ? { prefix } : {}) },
  });
  await authorizeS3(call, 's3:ListAllMyBuckets', 'arn:aws:s3:::*', undefined);
  const account = call.ctx.caller?.account ?? '';
  const maxRaw = call.query.get('max-buckets');
  const max = maxRaw === undefined ? 10000 : Number(maxRaw);
  if (maxRaw !== undefined && (!/^\d+$/.test(maxRaw) || max < 1 || max > 10000))
    throw invalidArgument(
      'Argument max-buckets must be an integer between 1 and 10000',
      'max-buckets',
      maxRaw,
    );
  const token = call.query.get('continuation-token');
  const after = token === undefined ? undefined : Buffer.from(token, 'base64').toString('utf8');
  const mine = (await call.deps.store.list<BucketRecord>(BUCKETS))
    .map((b) => b.value)
    .filter(
      (b) =>
        b.account === account &&
        (prefix === undefined || b.name.startsWith(prefix)) &&
        (region === undefined || b.region === region) &&
        (after === undefined || b.name > after),
    );
  const page = mine.slice(0, max);
  const next = mine.length > max ? page[page.length - 1]?.name : undefined;
  const owner = canonicalUserId(account);
  const body = xmlDocument(
    'ListAllMyBucketsResult',
    wrap('Owner', el('ID', owner)) +
      wrap(
        'Buckets',
        page
          .map((b) =>
            wrap(
              'Bucket',
              el('Name', b.name) + el('CreationDate', b.createdAt) + el('BucketRegion', b.region),
            ),
          )
          .join(''),
      ) +
      (next !== undefined ? el('ContinuationToken', Buffer.from(next).toString('base64')) : '') +
      el('Prefix', prefix),
  );
  return { status: 200, headers: XML, body };
}

function locationConstraint(call: S3Call): string | undefined {
  if (call.raw.body.length === 0) return undefined;
  const doc = parseXmlBody(call.raw.body, 'CreateBucketConfiguration');
  const c = doc.LocationConstraint;
  if (c === undefined || c === '') return undefined;
  if (typeof c !== 'string') throw malformedXml('LocationConstraint is not text');
  return c;
}

/**
 * CreateBucket. The bucket's region is the LocationConstraint; the us-east-1 endpoint (the
 * legacy global one) creates buckets in any region, every other endpoint only in its own.
 * Re-creating a bucket one owns is 200 in us-east-1 and BucketAlreadyOwnedByYou elsewhere,
 * as S3 does for legacy compatibility.
 */
export async function createBucket(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'CreateBucket', { readOnly: false, data: false, bucket: name });
  checkBucketName(name);
  const constraint = locationConstraint(call);
  const signingRegion = call.ctx.region;
  const acl = call.headers.get('x-amz-acl');
  await authorizeS3(call, 's3:CreateBucket', bucketArn(name), undefined, {
    ...(constraint !== undefined ? { 's3:LocationConstraint': constraint } : {}),
    ...(acl !== undefined ? { 's3:x-amz-acl': acl } : {}),
  });
  if (acl !== undefined && acl !== 'private' && acl !== 'bucket-owner-full-control')
    throw new AwsError(
      'InvalidBucketAclWithObjectOwnership',
      400,
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    );
  let region: string;
  if (constraint === undefined) {
    if (signingRegion !== 'us-east-1')
      throw new AwsError('IllegalLocationConstraintException', 400, S3_MSG.illegalLocation);
    region = 'us-east-1';
  } else {
    const named = constraint === 'EU' ? 'eu-west-1' : constraint;
    if (named === 'us-east-1' || !REGION.test(named))
      throw new AwsError('InvalidLocationConstraint', 400, S3_MSG.invalidLocation, {
        elements: { LocationConstraint: constraint },
      });
    if (signingRegion !== 'us-east-1' && named !== signingRegion)
      throw new AwsError(
        'IllegalLocationConstraintException',
        400,
        S3_MSG.illegalLocationNamed(constraint),
      );
    region = named;
  }
  const account = call.ctx.caller?.account ?? '';
  await call.deps.store.transaction(async (tx) => {
    const existing = await tx.get<BucketRecord>(BUCKETS, name);
    if (existing) {
      if (existing.value.account !== account)
        throw new AwsError('BucketAlreadyExists', 409, S3_MSG.bucketExists, {
          elements: { BucketName: name },
        });
      if (signingRegion === 'us-east-1' && existing.value.region === 'us-east-1') return;
      throw new AwsError('BucketAlreadyOwnedByYou', 409, S3_MSG.bucketOwned, {
        elements: { BucketName: name },
      });
    }
    const record: BucketRecord = {
      name,
      account,
      region,
      createdAt: call.ctx.now.toISOString(),
      // "By default, new buckets, access points, and objects don't allow public access"
      publicAccessBlock: { ...ALL_PUBLIC_ACCESS_BLOCKED },
    };
    await tx.put(BUCKETS, name, record);
  });
  return { status: 200, headers: { Location: `/${name}` } };
}

/** HeadBucket: 200 with the bucket's region, or 404/403 without a body. */
export async function headBucket(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'HeadBucket', { readOnly: true, data: false, bucket: name });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:ListBucket', bucketArn(name), bucket);
  return {
    status: 200,
    headers: { 'x-amz-bucket-region': bucket.value.region, 'x-amz-access-point-alias': 'false' },
  };
}

/** DeleteBucket: only an empty bucket (BucketNotEmpty otherwise); 204. */
export async function deleteBucket(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'DeleteBucket', { readOnly: false, data: false, bucket: name });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:DeleteBucket', bucketArn(name), bucket);
  const abandoned = await call.deps.store.transaction(async (tx) => {
    if (!(await tx.get(BUCKETS, name))) return [];
    const objects = await tx.list(objectsOf(name));
    if (objects.length > 0)
      throw new AwsError('BucketNotEmpty', 409, S3_MSG.bucketNotEmpty, {
        elements: { BucketName: name },
      });
    // uploads still in progress go with the bucket
    const files: string[] = [];
    for (const u of await tx.list<UploadRecord>(uploadsOf(name))) {
      files.push(...Object.values(u.value.parts).map((p) => p.file));
      await tx.delete(uploadsOf(name), u.key);
    }
    await tx.delete(BUCKETS, name);
    return files;
  });
  for (const f of abandoned) await call.deps.blobs.remove(f);
  return { status: 204 };
}

/** GetBucketLocation: answered whatever region the request was signed for, as S3 does. */
export async function getBucketLocation(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'GetBucketLocation', { readOnly: true, data: false, bucket: name });
  const bucket = await requireBucket(call, name, { anyRegion: true });
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:GetBucketLocation', bucketArn(name), bucket);
  const region = bucket.value.region;
  return {
    status: 200,
    headers: XML,
    body: xmlDocument('LocationConstraint', region === 'us-east-1' ? '' : region).replace(
      /<LocationConstraint xmlns="([^"]+)"><\/LocationConstraint>/,
      '<LocationConstraint xmlns="$1"/>',
    ),
  };
}

/**
 * GetBucketEncryption: every bucket encrypts with SSE-S3 by default (S3 has since January 2023,
 * and irsakit stores every object so), and PutBucketEncryption is not served: the answer is
 * that default rule.
 */
export async function getBucketEncryption(call: S3Call, name: string): Promise<ServiceResponse> {
  noteEvent(call, 'GetBucketEncryption', { readOnly: true, data: false, bucket: name });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:GetEncryptionConfiguration', bucketArn(name), bucket);
  return {
    status: 200,
    headers: XML,
    body: xmlDocument(
      'ServerSideEncryptionConfiguration',
      wrap(
        'Rule',
        wrap('ApplyServerSideEncryptionByDefault', el('SSEAlgorithm', 'AES256')) +
          el('BucketKeyEnabled', 'false'),
      ),
    ),
  };
}
