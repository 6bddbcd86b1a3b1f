/**
 * irsakit's IAM-enforced S3: the operations an IRSA workload calls (buckets, objects,
 * listings, bucket policies), authorized exactly as AWS would, stored in the store (metadata)
 * and under `<dataDir>/s3` (bodies). See spec/aws-wire.md §7.1, §7.2, §8.4, §8.5, §11.4.
 */
export { DEFAULT_VIRTUAL_HOST_BASES, parseAddress, virtualHostBucket } from './addressing.js';
export { checkBucketPolicy, compileBucketPolicy } from './bucket-policy.js';
export { createS3Service, type S3ServiceDeps, sweepS3Bodies } from './service.js';
export { verifyS3SigV2 } from './sigv2-auth.js';
