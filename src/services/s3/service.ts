/**
 * irsakit's S3 (REST-XML, signing name `s3`): the request's bucket and key (path or
 * virtual-host style), the operation its method and sub-resources name, then that operation —
 * which authorizes before it acts and notes its CloudTrail event as it goes. Operations and
 * sub-resources irsakit does not serve are S3's NotImplemented, never a 500.
 */
import { join } from 'node:path';
import type { IamDirectory } from '../../iam/directory.js';
import type { PrincipalLookup } from '../../iam/policy-docs.js';
import type { Authorize } from '../../server/aws/authorize.js';
import { header } from '../../server/aws/request.js';
import type { ServiceHandler } from '../../server/aws/types.js';
import { byteStringToText, parseQuery, toByteString } from '../../sigv4/encoding.js';
import type { Store } from '../../store/types.js';
import { parseAddress } from './addressing.js';
import { BlobStore, type BlobStoreOptions } from './blobs.js';
import { getAcl, putAcl } from './acl-ops.js';
import { getObjectAttributes } from './attributes-ops.js';
import { type SweepResult, sweepUnreferencedBodies } from './sweep.js';
import { Bodies } from './bodies.js';
import {
  createBucket,
  deleteBucket,
  getBucketEncryption,
  getBucketLocation,
  headBucket,
  listBuckets,
} from './bucket-ops.js';
import { BucketPolicyCache, type S3Call, type S3Internals } from './call.js';
import { deleteObjects } from './delete-objects.js';
import { methodNotAllowed, notImplemented, transferEncodingRefused } from './errors.js';
import { s3EventName } from './event-name.js';
import { listObjects } from './list-ops.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPart,
} from './multipart.js';
import { listMultipartUploads, listParts } from './multipart-lists.js';
import { copyObject, deleteObject, getObjectOp, putObject, uploadPartCopy } from './object-ops.js';
import { deleteBucketPolicy, getBucketPolicy, putBucketPolicy } from './policy-ops.js';
import {
  deletePublicAccessBlock,
  getPublicAccessBlock,
  putPublicAccessBlock,
} from './public-access-block-ops.js';

export interface S3ServiceDeps {
  store: Store;
  /** the data folder: object bodies live under `<dataDir>/s3/objects` */
  dataDir: string;
  authorize: Authorize;
  /** IAM, to check that the principals a bucket policy names exist */
  directory: Pick<IamDirectory, 'accounts' | 'getRole' | 'getUser' | 'findOidcProvider'>;
  blobs?: BlobStoreOptions | undefined;
  /** bodies up to this size live in the store instead of a file (default 4096; 0: never) */
  inlineBodyBytes?: number | undefined;
}

/**
 * Sub-resources of real S3 operations irsakit does not implement: asking for one is
 * NotImplemented rather than a wrong answer from the plain operation.
 */
const UNIMPLEMENTED = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policyStatus',
  'renameObject',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'versioning',
  'versions',
  'website',
]);

function queryMap(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of parseQuery(toByteString(rawQuery))) {
    const name = byteStringToText(p.name);
    if (!out.has(name)) out.set(name, byteStringToText(p.value));
  }
  return out;
}

function headerMap(raw: readonly [string, string][]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of raw) {
    const name = k.toLowerCase();
    const prev = out.get(name);
    out.set(name, prev === undefined ? v.trim() : `${prev},${v.trim()}`);
  }
  return out;
}

/** IAM's directory as bucket policy checks read it. */
function principalLookup(directory: S3ServiceDeps['directory']): PrincipalLookup {
  return {
    accounts: () => directory.accounts(),
    role: (account, name) => directory.getRole(account, name),
    user: (account, name) => directory.getUser(account, name),
    oidcProvider: (account, url) => directory.findOidcProvider(account, url),
  };
}

async function dispatch(call: S3Call) {
  const { addr, query } = call;
  const method = call.raw.method;
  // chunked framing only carries an aws-chunked body, whose decoded length is declared
  if (call.headers.has('transfer-encoding') && !call.headers.has('x-amz-decoded-content-length'))
    throw transferEncodingRefused();
  const bucket = addr.bucket;
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets(call);
    throw methodNotAllowed(method, 'SERVICE');
  }
  // the default encryption every bucket has (its configuration is not otherwise served)
  if (addr.key === undefined && method === 'GET' && query.has('encryption'))
    return getBucketEncryption(call, bucket);
  if (addr.key !== undefined && method === 'GET' && query.has('attributes'))
    return getObjectAttributes(call, bucket, addr.key);
  // ACLs as a bucket with ACLs disabled answers them
  if (query.has('acl') && (method === 'GET' || method === 'PUT'))
    return method === 'GET' ? getAcl(call, bucket, addr.key) : putAcl(call, bucket, addr.key);
  for (const name of query.keys())
    if (UNIMPLEMENTED.has(name)) throw notImplemented(`the \`${name}\` sub-resource`);
  const key = addr.key;
  if (key === undefined) {
    if (query.has('uploads')) {
      if (method === 'GET') return listMultipartUploads(call, bucket);
      throw methodNotAllowed(method, 'BUCKET');
    }
    if (query.has('policy')) {
      if (method === 'GET') return getBucketPolicy(call, bucket);
      if (method === 'PUT') return putBucketPolicy(call, bucket);
      if (method === 'DELETE') return deleteBucketPolicy(call, bucket);
      throw methodNotAllowed(method, 'BUCKETPOLICY');
    }
    if (query.has('publicAccessBlock')) {
      if (method === 'GET') return getPublicAccessBlock(call, bucket);
      if (method === 'PUT') return putPublicAccessBlock(call, bucket);
      if (method === 'DELETE') return deletePublicAccessBlock(call, bucket);
      throw methodNotAllowed(method, 'BUCKET');
    }
    if (query.has('location')) {
      if (method === 'GET') return getBucketLocation(call, bucket);
      throw methodNotAllowed(method, 'BUCKET');
    }
    if (query.has('delete')) {
      if (method === 'POST') return deleteObjects(call, bucket);
      throw methodNotAllowed(method, 'BUCKET');
    }
    switch (method) {
      case 'GET':
        return listObjects(call, bucket, query.get('list-type') === '2');
      case 'PUT':
        return createBucket(call, bucket);
      case 'HEAD':
        return headBucket(call, bucket);
      case 'DELETE':
        return deleteBucket(call, bucket);
      case 'POST':
        throw notImplemented('browser-based uploads (POST Object)');
      default:
        throw methodNotAllowed(method, 'BUCKET');
    }
  }
  if (query.has('uploadId')) {
    if (method === 'PUT' && query.has('partNumber')) {
      if (call.headers.has('x-amz-copy-source')) return uploadPartCopy(call, bucket, key);
      return uploadPart(call, bucket, key);
    }
    if (method === 'POST') return completeMultipartUpload(call, bucket, key);
    if (method === 'DELETE') return abortMultipartUpload(call, bucket, key);
    if (method === 'GET') return listParts(call, bucket, key);
    throw methodNotAllowed(method, 'UPLOAD');
  }
  if (query.has('uploads')) {
    if (method === 'POST') return createMultipartUpload(call, bucket, key);
    throw methodNotAllowed(method, 'OBJECT');
  }
  if (query.has('partNumber') && method !== 'GET' && method !== 'HEAD')
    throw notImplemented(`${method} with partNumber outside a multipart upload`);
  switch (method) {
    case 'GET':
      return getObjectOp(call, bucket, key, false);
    case 'HEAD':
      return getObjectOp(call, bucket, key, true);
    case 'PUT':
      return call.headers.has('x-amz-copy-source')
        ? copyObject(call, bucket, key)
        : putObject(call, bucket, key);
    case 'DELETE':
      return deleteObject(call, bucket, key);
    case 'POST':
      throw notImplemented(`POST on an object`);
    default:
      throw methodNotAllowed(method, 'OBJECT');
  }
}

/** Where the object bodies of a data folder live. */
function blobDir(dataDir: string): string {
  return join(dataDir, 's3', 'objects');
}

/**
 * Removes the body files of a data folder that no record names and that are older than
 * `before` (what a process killed between writing a body and committing it leaves; sweep.ts).
 *
 * @example
 * await sweepS3Bodies(store, dataDir, startedAt) // → { removed: 0, bytes: 0 }
 */
export function sweepS3Bodies(store: Store, dataDir: string, before: number): Promise<SweepResult> {
  return sweepUnreferencedBodies(store, new BlobStore(blobDir(dataDir)), before);
}

/**
 * Builds the S3 service the edge serves as `services.s3`.
 *
 * @example
 * services.s3 = createS3Service({ store, dataDir, authorize, directory });
 */
export function createS3Service(deps: S3ServiceDeps): ServiceHandler {
  const blobs = new BlobStore(blobDir(deps.dataDir), deps.blobs);
  const internals: S3Internals = {
    store: deps.store,
    blobs,
    bodies: new Bodies(blobs, deps.store, deps.inlineBodyBytes),
    authorize: deps.authorize,
    principals: principalLookup(deps.directory),
    policies: new BucketPolicyCache(),
  };
  const handler: ServiceHandler = async (ctx, raw) => {
    const host = header(raw, 'host') ?? '';
    const call: S3Call = {
      ctx,
      raw,
      deps: internals,
      addr: { virtualHost: false },
      query: queryMap(raw.rawQuery),
      headers: headerMap(raw.rawHeaders),
      host,
    };
    ctx.audit.eventSource = 's3.amazonaws.com';
    call.addr = parseAddress(raw.path, host);
    return dispatch(call);
  };
  handler.describe = (raw) => {
    let addr;
    try {
      addr = parseAddress(raw.path, header(raw, 'host') ?? '');
    } catch {
      return undefined;
    }
    const e = s3EventName(raw.method, addr, queryMap(raw.rawQuery), headerMap(raw.rawHeaders));
    return e
      ? {
          eventName: e.eventName,
          eventSource: 's3.amazonaws.com',
          readOnly: e.readOnly,
          eventCategory: e.data ? 'Data' : 'Management',
        }
      : undefined;
  };
  return handler;
}
