/**
 * One S3 call as the operations see it: the edge's context and raw request, the request's
 * address, query and headers read once, and the service's dependencies — plus the steps
 * every operation shares: finding the bucket (NoSuchBucket before any authorization, as S3
 * answers for a bucket that does not exist whoever asks), the signing region against the
 * bucket's, authorization with the bucket policy as the resource policy (as Block Public
 * Access's RestrictPublicBuckets lets it apply), and the audit notes.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import type { ContextInput } from '../../policy/context.js';
import type { CompiledPolicy } from '../../policy/compile-policy.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { RawRequest } from '../../server/aws/request.js';
import type { CallContext } from '../../server/aws/types.js';
import type { Store } from '../../store/types.js';
import type { S3Address } from './addressing.js';
import type { BlobStore } from './blobs.js';
import type { Bodies } from './bodies.js';
import type { PrincipalLookup } from '../../iam/policy-docs.js';
import { compileBucketPolicy } from './bucket-policy.js';
import { isPublicPolicyText, publicPolicyOnlyFor, restrictedPolicyText } from './public-policy.js';
import { S3_MSG, noSuchBucket } from './errors.js';
import { BUCKETS, type Bucket, type BucketRecord, getBucket } from './repo.js';
import type { HeaderMap } from './upload.js';

export interface S3Internals {
  store: Store;
  /** body files (multipart parts live here) */
  blobs: BlobStore;
  /** object bodies, inline or in files */
  bodies: Bodies;
  authorize: Authorize;
  /** IAM, to check that the principals a bucket policy names exist */
  principals: PrincipalLookup;
  policies: BucketPolicyCache;
}

export interface S3Call {
  ctx: CallContext;
  raw: RawRequest;
  deps: S3Internals;
  addr: S3Address;
  /** query parameters, decoded; the first of each name */
  query: ReadonlyMap<string, string>;
  headers: HeaderMap;
  /** the Host header as sent */
  host: string;
}

/** A stored bucket policy, compiled, and whether it is public (public-policy.ts). */
export interface BucketPolicyEntry {
  policy: CompiledPolicy | undefined;
  public: boolean;
}

/** Compiled bucket policies by bucket, reused while the bucket's stored revision stays. */
export class BucketPolicyCache {
  private readonly entries = new Map<string, { revision: number; entry: BucketPolicyEntry }>();

  entry(bucket: Bucket): BucketPolicyEntry | undefined {
    const text = bucket.value.policy;
    if (text === undefined) return undefined;
    const hit = this.entries.get(bucket.key);
    if (hit && hit.revision === bucket.revision) return hit.entry;
    const entry = {
      policy: compileBucketPolicy(text, bucket.key),
      public: isPublicPolicyText(text),
    };
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(bucket.key, { revision: bucket.revision, entry });
    return entry;
  }
}

/**
 * The bucket policy as it takes part in authorizing `caller`: none at all for a caller outside
 * the owner's account (anonymous included) while the policy is public and the bucket's
 * RestrictPublicBuckets setting is on — S3 then "blocks public and cross-account access derived
 * from any public … bucket policy, including non-public delegation to specific accounts", so
 * such a caller is refused as one no resource policy allows (S3 User Guide, Block Public
 * Access). Callers of the owner's account keep it whole; AWS service principals, which it also
 * spares, sign nothing here.
 */
function effectiveBucketPolicy(
  call: S3Call,
  bucket: Bucket,
): { policy?: CompiledPolicy | undefined; withheld?: boolean } {
  const entry = call.deps.policies.entry(bucket);
  if (!entry) return {};
  const onlyFor = publicPolicyOnlyFor(bucket.value, entry.public);
  if (onlyFor !== undefined && call.ctx.caller?.account !== onlyFor) return { withheld: true };
  return { policy: entry.policy };
}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

export function objectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

/**
 * The bucket, or S3's NoSuchBucket; checks `x-amz-expected-bucket-owner` and that a SigV4
 * request was signed for the bucket's region (S3 answers the region it expects, which
 * botocore follows).
 */
export async function requireBucket(
  call: S3Call,
  name: string,
  opts: { anyRegion?: boolean } = {},
): Promise<Bucket> {
  const bucket = await getBucket(call.deps.store, name);
  if (!bucket) throw noSuchBucket(name);
  const expected = call.headers.get('x-amz-expected-bucket-owner');
  if (expected !== undefined && expected !== bucket.value.account)
    throw new AwsError('AccessDenied', 403, 'Access Denied', {
      detail: `x-amz-expected-bucket-owner is ${expected}; the bucket belongs to ${bucket.value.account}`,
    });
  const auth = call.ctx.auth;
  if (
    auth &&
    auth.kind !== 'sigv2-query' &&
    !opts.anyRegion &&
    call.ctx.region !== bucket.value.region
  ) {
    const region = call.ctx.region;
    const expectedRegion = bucket.value.region;
    throw new AwsError(
      auth.kind === 'query' ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
      400,
      auth.kind === 'query'
        ? S3_MSG.regionWrongQuery(region, expectedRegion)
        : S3_MSG.regionWrong(region, expectedRegion),
      {
        elements: { Region: expectedRegion },
        headers: { 'x-amz-bucket-region': expectedRegion },
      },
    );
  }
  return bucket;
}

/** The condition keys S3 adds to every authorization of a request (spec/iam-policy.md §10). */
function requestKeys(call: S3Call, owner: string): Record<string, string> {
  const keys: Record<string, string> = { 's3:ResourceAccount': owner };
  const auth = call.ctx.auth;
  if (auth) {
    keys['s3:signatureversion'] = auth.kind === 'sigv2-query' ? 'AWS' : 'AWS4-HMAC-SHA256';
    keys['s3:authType'] = auth.presigned ? 'REST-QUERY-STRING' : 'REST-HEADER';
  }
  const sha = call.headers.get('x-amz-content-sha256');
  if (sha !== undefined) keys['s3:x-amz-content-sha256'] = sha;
  return keys;
}

/**
 * Authorizes one action on one resource the way S3 does: the caller's policies plus the
 * bucket policy, the bucket owner as the resource account (S3 ARNs carry none). A same-account
 * refusal has IAM's detailed text; anonymous and cross-account callers get "Access Denied".
 */
export async function authorizeS3(
  call: S3Call,
  action: string,
  resource: string,
  bucket: Bucket | undefined,
  context?: ContextInput,
): Promise<void> {
  const owner = bucket?.value.account ?? call.ctx.caller?.account ?? '';
  const caller = call.ctx.caller;
  const effective = bucket ? effectiveBucketPolicy(call, bucket) : {};
  await call.deps.authorize(call.ctx, {
    action,
    resource,
    resourceAccount: owner || undefined,
    resourcePolicy: effective.policy,
    // a refusal's explanation says the bucket policy was set aside, not that there is none
    resourcePolicyWithheld:
      effective.withheld && bucket ? restrictedPolicyText(bucket.key) : undefined,
    context: { ...requestKeys(call, owner), ...context },
    deniedMessage: ({ standard }) =>
      !caller || caller.account !== owner
        ? 'Access Denied'
        : standard.replace(' on resource: "arn:aws:s3:::*" ', ' '),
  });
}

/** Records what every S3 event shares, as soon as the operation is known. */
export function noteEvent(
  call: S3Call,
  eventName: string,
  opts: {
    readOnly: boolean;
    data: boolean;
    bucket?: string | undefined;
    key?: string | undefined;
    /** a listing's prefix: its objects are the resource, by ARNPrefix (spec/aws-wire.md §11.4) */
    prefix?: string | undefined;
    params?: Record<string, unknown> | undefined;
  },
): void {
  const { ctx } = call;
  ctx.audit.eventName = eventName;
  ctx.audit.eventSource = 's3.amazonaws.com';
  ctx.audit.readOnly = opts.readOnly;
  ctx.audit.eventCategory = opts.data ? 'Data' : 'Management';
  const params: Record<string, unknown> = {};
  if (opts.bucket !== undefined) params.bucketName = opts.bucket;
  params.Host = call.host;
  if (opts.key !== undefined) params.key = opts.key;
  if (opts.params) for (const k in opts.params) params[k] = opts.params[k];
  ctx.audit.requestParameters = params;
  ctx.audit.responseElements = null;
  const auth = ctx.auth;
  const extra: Record<string, unknown> = {};
  if (auth) {
    extra.SignatureVersion = auth.kind === 'sigv2-query' ? 'SigV2' : 'SigV4';
    extra.AuthenticationMethod = auth.presigned ? 'QueryString' : 'AuthHeader';
  }
  extra['x-amz-id-2'] = ctx.requestId;
  extra.bytesTransferredIn = 0;
  extra.bytesTransferredOut = 0;
  ctx.audit.additionalEventData = extra;
  const resources: NonNullable<typeof ctx.audit.resources> = [];
  if (opts.bucket !== undefined && opts.key !== undefined)
    resources.push({ type: 'AWS::S3::Object', ARN: objectArn(opts.bucket, opts.key) });
  else if (opts.bucket !== undefined && opts.prefix !== undefined)
    resources.push({ type: 'AWS::S3::Object', ARNPrefix: objectArn(opts.bucket, opts.prefix) });
  if (opts.bucket !== undefined)
    resources.push({ type: 'AWS::S3::Bucket', ARN: bucketArn(opts.bucket) });
  ctx.audit.resources = resources;
}

/** Once the bucket is known: its owner on the bucket resource, and as the recipient account. */
export function noteOwner(call: S3Call, bucket: Bucket): void {
  const owner = bucket.value.account;
  for (const r of call.ctx.audit.resources ?? [])
    if (r.type === 'AWS::S3::Bucket') r.accountId = owner;
  if (call.ctx.caller?.account !== owner) call.ctx.audit.recipientAccountId = owner;
}

/**
 * The opening of a call on a bucket's own configuration (its policy, its public access block):
 * the management event noted with the sub-resource as its parameter, the bucket looked up and
 * its owner noted, the call authorized as `action` on the bucket. The bucket as read then.
 */
export async function openBucketConfig(
  call: S3Call,
  name: string,
  event: { eventName: string; readOnly: boolean; subresource: string },
  action: string,
): Promise<Bucket> {
  noteEvent(call, event.eventName, {
    readOnly: event.readOnly,
    data: false,
    bucket: name,
    params: { [event.subresource]: '' },
  });
  const bucket = await requireBucket(call, name);
  noteOwner(call, bucket);
  await authorizeS3(call, action, bucketArn(name), bucket);
  return bucket;
}

/**
 * Rewrites a bucket's record in a transaction: `change` gets the record as it is now and gives
 * the one to write, or undefined to write nothing. A bucket deleted meanwhile is NoSuchBucket —
 * or, with `ifMissing: 'skip'` (a delete of a configuration), nothing to do.
 */
export async function rewriteBucket(
  call: S3Call,
  name: string,
  change: (b: BucketRecord) => BucketRecord | undefined,
  ifMissing: 'fail' | 'skip' = 'fail',
): Promise<void> {
  await call.deps.store.transaction(async (tx) => {
    const current = await tx.get<BucketRecord>(BUCKETS, name);
    if (!current) {
      if (ifMissing === 'skip') return;
      throw noSuchBucket(name);
    }
    const next = change(current.value);
    if (next !== undefined) await tx.put<BucketRecord>(BUCKETS, name, next);
  });
}

/** The bytes an answer moved, for additionalEventData. */
export function noteBytes(call: S3Call, bytesIn: number, bytesOut: number): void {
  const extra = call.ctx.audit.additionalEventData;
  if (!extra) return;
  extra.bytesTransferredIn = bytesIn;
  extra.bytesTransferredOut = bytesOut;
}

/**
 * S3's canonical user id for an account: stable, 64 hex characters.
 *
 * @example
 * canonicalUserId('123456789012') // → '3f5e…' (64 hex)
 */
export function canonicalUserId(account: string): string {
  return createHash('sha256').update(`irsakit-s3-owner:${account}`).digest('hex');
}
