/**
 * DeleteObjects (`POST /bucket?delete`): up to 1000 keys in a `<Delete>` document, which
 * must come with Content-MD5 or a flexible checksum. S3 authorizes each key as
 * `s3:DeleteObject`, so a refused key is an `<Error>` in the result, not a failed request;
 * the permitted keys are removed in one transaction.
 */
import { AwsError } from '../../common/aws-error.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import {
  type S3Call,
  authorizeS3,
  noteEvent,
  noteOwner,
  objectArn,
  requireBucket,
} from './call.js';
import { S3_MSG, invalidRequest, malformedXml } from './errors.js';
import { checkKey } from './names.js';
import { type ObjectRecord, objectsOf } from './repo.js';
import { readUpload } from './upload.js';
import { el, parseXmlBody, wrap, xmlDocument } from './xml.js';

const MAX_KEYS = 1000;

interface Entry {
  key: string;
  versionId?: string | undefined;
}

function entries(doc: Record<string, unknown>): { list: Entry[]; quiet: boolean } {
  for (const k of Object.keys(doc))
    if (k !== 'Object' && k !== 'Quiet') throw malformedXml(`unknown element \`${k}\` in Delete`);
  const objects = (doc.Object as unknown[] | undefined) ?? [];
  if (objects.length === 0) throw malformedXml('Delete names no Object');
  if (objects.length > MAX_KEYS) throw malformedXml(`Delete names ${objects.length} objects`);
  const list = objects.map((o): Entry => {
    if (typeof o !== 'object' || o === null) throw malformedXml('an Object without a Key');
    const { Key: key, VersionId: versionId } = o as Record<string, unknown>;
    if (typeof key !== 'string' || key === '') throw malformedXml('an Object without a Key');
    if (versionId !== undefined && typeof versionId !== 'string')
      throw malformedXml('a VersionId that is not text');
    return { key, versionId };
  });
  const quiet = doc.Quiet;
  if (quiet !== undefined && quiet !== 'true' && quiet !== 'false')
    throw malformedXml('Quiet is neither true nor false');
  return { list, quiet: quiet === 'true' };
}

/** DeleteObjects. */
export async function deleteObjects(call: S3Call, bucketName: string): Promise<ServiceResponse> {
  noteEvent(call, 'DeleteObjects', {
    readOnly: false,
    data: true,
    bucket: bucketName,
    params: { delete: '' },
  });
  const bucket = await requireBucket(call, bucketName);
  noteOwner(call, bucket);
  const h = call.headers;
  if (
    !h.has('content-md5') &&
    ![...h.keys()].some((k) => /^x-amz-checksum-(?!mode|type)/.test(k)) &&
    !h.has('x-amz-trailer')
  )
    throw invalidRequest(S3_MSG.missingMd5);
  const body = readUpload(call.raw.body, call.ctx.auth?.payload, h);
  const { list, quiet } = entries(parseXmlBody(body.data, 'Delete'));

  const results: string[] = [];
  const permitted: string[] = [];
  for (const e of list) {
    if (e.versionId !== undefined && e.versionId !== 'null') {
      results.push(
        wrap(
          'Error',
          el('Key', e.key) +
            el('VersionId', e.versionId) +
            el('Code', 'NoSuchVersion') +
            el('Message', 'The specified version does not exist.'),
        ),
      );
      continue;
    }
    try {
      checkKey(e.key);
      await authorizeS3(call, 's3:DeleteObject', objectArn(bucketName, e.key), bucket);
      permitted.push(e.key);
    } catch (err) {
      if (!(err instanceof AwsError) || err.httpStatus >= 500) throw err;
      results.push(
        wrap('Error', el('Key', e.key) + el('Code', err.code) + el('Message', err.message)),
      );
    }
  }
  const bodies = call.deps.bodies;
  const released = await call.deps.store.transaction(async (tx) => {
    const files: (string | undefined)[] = [];
    for (const key of permitted) {
      const previous = await tx.get<ObjectRecord>(objectsOf(bucketName), key);
      if (previous) {
        await tx.delete(objectsOf(bucketName), key);
        files.push(await bodies.release(tx, previous.value));
      }
    }
    return files;
  });
  for (const file of released) await bodies.removeFile(file);
  call.ctx.audit.resources?.push(
    ...permitted.map((key) => ({ type: 'AWS::S3::Object', ARN: objectArn(bucketName, key) })),
  );
  const deleted = quiet ? [] : permitted.map((key) => wrap('Deleted', el('Key', key)));
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml' },
    body: xmlDocument('DeleteResult', deleted.join('') + results.join('')),
  };
}
