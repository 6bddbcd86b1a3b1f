/**
 * S3's state in the store: one document per bucket (`s3.buckets`, by name: names are
 * global) and one collection of object records per bucket (`s3.objects/<bucket>`, by key, so
 * a bucket lists in key order). Object bodies are not here: a record names its body
 * (see `bodies.ts`).
 */
import type { ChecksumAlgorithm } from '../../sigv4/types.js';
import type { StoreOps, StoredItem } from '../../store/types.js';

export const BUCKETS = 's3.buckets';

/** The collection of a bucket's objects. */
export function objectsOf(bucket: string): string {
  return `s3.objects/${bucket}`;
}

export interface BucketRecord {
  name: string;
  /** the owning account (bucket ARNs carry none) */
  account: string;
  region: string;
  /** ISO 8601 with milliseconds */
  createdAt: string;
  /** the bucket policy, as set */
  policy?: string | undefined;
  /**
   * the bucket's Block Public Access configuration: all four on for a new bucket (S3's default
   * since April 2023); none after DeletePublicAccessBlock — and for a bucket of a data folder
   * older than irsakit's Block Public Access, as for an AWS bucket made before April 2023
   */
  publicAccessBlock?: PublicAccessBlock | undefined;
}

/** Block Public Access settings (PublicAccessBlockConfiguration), by S3's names. */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

/** A new bucket's configuration: no public access at all. */
export const ALL_PUBLIC_ACCESS_BLOCKED: Readonly<PublicAccessBlock> = Object.freeze({
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
});

export interface ObjectRecord {
  size: number;
  /** hex MD5 of the body, without quotes */
  etag: string;
  /** ISO 8601 with milliseconds */
  lastModified: string;
  contentType: string;
  /** stored representation headers: content-encoding, content-disposition, cache-control, … */
  headers?: Record<string, string> | undefined;
  /** user metadata: `x-amz-meta-<name>` → value, names lower case without the prefix */
  meta?: Record<string, string> | undefined;
  checksum?: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  storageClass?: string | undefined;
  /** the body's file ('' when inline; see bodies.ts) */
  file: string;
  /** the body is inline: in `body`, or (records of earlier versions) in the store by id */
  inline?: true | undefined;
  /** an inline body, base64 */
  body?: string | undefined;
  /** a multipart object's parts, in order: [part number, size in bytes] (GetObject partNumber) */
  parts?: [number, number][] | undefined;
}

export type Bucket = StoredItem<BucketRecord>;

export async function getBucket(
  store: Pick<StoreOps, 'get'>,
  name: string,
): Promise<Bucket | undefined> {
  return store.get<BucketRecord>(BUCKETS, name);
}

export async function getObject(
  store: Pick<StoreOps, 'get'>,
  bucket: string,
  key: string,
): Promise<ObjectRecord | undefined> {
  return (await store.get<ObjectRecord>(objectsOf(bucket), key))?.value;
}

/**
 * How a stored checksum covers its object: COMPOSITE for a multipart upload's checksum of its
 * parts' checksums (`…-N`), FULL_OBJECT for one computed over the whole body.
 *
 * @example
 * checksumType({ value: 'cKaiwA==-2' }) // → 'COMPOSITE'
 */
export function checksumType(c: { value: string }): 'COMPOSITE' | 'FULL_OBJECT' {
  return c.value.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT';
}
