/**
 * ListObjectsV2 and ListObjects (v1): `s3:ListBucket` on the bucket with the condition keys
 * `s3:prefix`, `s3:delimiter` and `s3:max-keys`, then one page of the bucket in key order.
 * CloudTrail records both as `ListObjects` data events.
 */
import type { ServiceResponse } from '../../server/aws/types.js';
import { compareStoreKeys, prefixEnd } from '../../store/keys.js';
import type { StoredItem } from '../../store/types.js';
import {
  type S3Call,
  authorizeS3,
  bucketArn,
  canonicalUserId,
  noteBytes,
  noteEvent,
  noteOwner,
  requireBucket,
} from './call.js';
import { S3_MSG, invalidArgument } from './errors.js';
import {
  decodeContinuation,
  encodeContinuation,
  listPage,
  parseMaxKeys,
  urlEncodeKey,
} from './listing.js';
import { type ObjectRecord, checksumType, objectsOf } from './repo.js';
import { el, wrap, xmlDocument } from './xml.js';

function contents(
  items: { key: string; value: ObjectRecord }[],
  enc: (s: string) => string,
  owner: string | undefined,
): string {
  return items
    .map(({ key, value }) =>
      wrap(
        'Contents',
        el('Key', enc(key)) +
          el('LastModified', value.lastModified) +
          el('ETag', `"${value.etag}"`) +
          (value.checksum
            ? el('ChecksumAlgorithm', value.checksum.algorithm) +
              el('ChecksumType', checksumType(value.checksum))
            : '') +
          el('Size', value.size) +
          el('StorageClass', value.storageClass ?? 'STANDARD') +
          (owner !== undefined ? wrap('Owner', el('ID', owner)) : ''),
      ),
    )
    .join('');
}

/** ListObjectsV2 (`list-type=2`) and ListObjects. */
export async function listObjects(
  call: S3Call,
  bucketName: string,
  v2: boolean,
): Promise<ServiceResponse> {
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxKeysRaw = q.get('max-keys');
  const encoding = q.get('encoding-type');
  const startAfter = v2 ? q.get('start-after') : q.get('marker');
  const token = v2 ? q.get('continuation-token') : undefined;
  const params: Record<string, unknown> = {};
  for (const name of [
    'list-type',
    'prefix',
    'delimiter',
    'max-keys',
    'encoding-type',
    'start-after',
    'marker',
    'fetch-owner',
  ])
    if (q.has(name)) params[name] = q.get(name);
  noteEvent(call, 'ListObjects', {
    readOnly: true,
    data: true,
    bucket: bucketName,
    prefix,
    params,
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  await authorizeS3(call, 's3:ListBucket', bucketArn(bucketName), bucket, {
    's3:prefix': prefix,
    ...(delimiter !== undefined ? { 's3:delimiter': delimiter } : {}),
    ...(maxKeysRaw !== undefined ? { 's3:max-keys': maxKeysRaw } : {}),
  });
  if (encoding !== undefined && encoding !== 'url')
    throw invalidArgument(S3_MSG.encodingType, 'encoding-type', encoding);
  const maxKeys = parseMaxKeys(maxKeysRaw);
  const resume = token !== undefined ? decodeContinuation(token) : undefined;

  let after = startAfter;
  let afterPrefix: string | undefined;
  if (resume) {
    after = resume.value;
    if (resume.isPrefix) afterPrefix = resume.value;
  } else if (!v2 && after !== undefined && delimiter !== undefined && after.endsWith(delimiter)) {
    // a v1 NextMarker that was a common prefix: the next page starts past all of it
    afterPrefix = after;
  }
  const items = await pageItems(call, bucketName, {
    prefix,
    delimiter,
    maxKeys,
    after,
    afterPrefix,
  });
  const page = listPage(items, { prefix, delimiter, maxKeys, after, afterPrefix });
  const enc = encoding === 'url' ? urlEncodeKey : (s: string) => s;
  const owner =
    !v2 || q.get('fetch-owner') === 'true' ? canonicalUserId(bucket.value.account) : undefined;
  const prefixes = page.commonPrefixes
    .map((p) => wrap('CommonPrefixes', el('Prefix', enc(p))))
    .join('');
  let body: string;
  if (v2) {
    body = xmlDocument(
      'ListBucketResult',
      el('Name', bucketName) +
        el('Prefix', enc(prefix)) +
        (delimiter !== undefined ? el('Delimiter', enc(delimiter)) : '') +
        el('MaxKeys', maxKeys) +
        (encoding !== undefined ? el('EncodingType', encoding) : '') +
        el('KeyCount', page.contents.length + page.commonPrefixes.length) +
        el('IsTruncated', page.truncated) +
        el('ContinuationToken', token) +
        (page.truncated && page.last
          ? el('NextContinuationToken', encodeContinuation(page.last))
          : '') +
        (startAfter !== undefined ? el('StartAfter', enc(startAfter)) : '') +
        contents(page.contents, enc, owner) +
        prefixes,
    );
  } else {
    body = xmlDocument(
      'ListBucketResult',
      el('Name', bucketName) +
        el('Prefix', enc(prefix)) +
        el('Marker', enc(startAfter ?? '')) +
        (page.truncated && delimiter !== undefined && page.last
          ? el('NextMarker', enc(page.last.value))
          : '') +
        el('MaxKeys', maxKeys) +
        (delimiter !== undefined ? el('Delimiter', enc(delimiter)) : '') +
        (encoding !== undefined ? el('EncodingType', encoding) : '') +
        el('IsTruncated', page.truncated) +
        contents(page.contents, enc, owner) +
        prefixes,
    );
  }
  noteBytes(call, 0, Buffer.byteLength(body));
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body };
}

/**
 * The keys one page needs, read in key ranges rather than the whole prefix: from past the
 * last page, up to one more entry than fits (to tell whether the listing is truncated), and
 * one key for each common prefix, whose other keys are skipped in the store, not read.
 */
async function pageItems(
  call: S3Call,
  bucketName: string,
  input: {
    prefix: string;
    delimiter?: string | undefined;
    maxKeys: number;
    after?: string | undefined;
    afterPrefix?: string | undefined;
  },
): Promise<StoredItem<ObjectRecord>[]> {
  const { prefix, delimiter, maxKeys } = input;
  let from = input.after !== undefined ? `${input.after}\u0000` : undefined;
  if (input.afterPrefix !== undefined) {
    const past = prefixEnd(input.afterPrefix);
    if (from === undefined || compareStoreKeys(past, from) > 0) from = past;
  }
  const out: StoredItem<ObjectRecord>[] = [];
  // entries: keys and common prefixes; one more than a page says whether it is truncated
  while (out.length <= maxKeys) {
    const want = maxKeys + 1 - out.length;
    const rows = await call.deps.store.list<ObjectRecord>(objectsOf(bucketName), {
      prefix,
      from,
      limit: want,
    });
    let skipped = false;
    for (const row of rows) {
      out.push(row);
      const at = delimiter ? row.key.indexOf(delimiter, prefix.length) : -1;
      if (at >= 0) {
        // a common prefix: one key stands for all of it; go on past them
        from = prefixEnd(row.key.slice(0, at + (delimiter as string).length));
        skipped = true;
        break;
      }
      from = `${row.key}\u0000`;
    }
    if (!skipped && rows.length < want) break;
  }
  return out;
}
