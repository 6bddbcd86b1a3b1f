/**
 * A bucket's Block Public Access configuration: GetPublicAccessBlock (authorized as
 * `s3:GetBucketPublicAccessBlock`), PutPublicAccessBlock and DeletePublicAccessBlock (both
 * `s3:PutBucketPublicAccessBlock`, as the Service Authorization Reference maps them). A new
 * bucket has all four settings on; after a delete the bucket has none, and Get answers
 * NoSuchPublicAccessBlockConfiguration. BlockPublicPolicy is enforced by PutBucketPolicy,
 * RestrictPublicBuckets by every authorization through the bucket policy (call.ts);
 * BlockPublicAcls and IgnorePublicAcls are kept and reported only: buckets here have ACLs
 * disabled, so there is no public ACL to block or ignore. The account-level settings
 * (s3control) are not served.
 */
import { AwsError } from '../../common/aws-error.js';
import type { ServiceResponse } from '../../server/aws/types.js';
import { type S3Call, openBucketConfig, rewriteBucket } from './call.js';
import { malformedXml } from './errors.js';
import type { PublicAccessBlock } from './repo.js';
import { readUpload } from './upload.js';
import { S3_XMLNS, el, parseXmlBody, xmlDocument } from './xml.js';

const SETTINGS = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;

/** S3's text for a bucket without a configuration. */
export const NO_PUBLIC_ACCESS_BLOCK = 'The public access block configuration was not found';

/** xs:boolean's lexical forms. */
const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, 1: true, 0: false };

/**
 * A PublicAccessBlockConfiguration body: each setting optional (absent: false), `true` or
 * `false`; anything else in it is MalformedXML.
 *
 * @example
 * parsePublicAccessBlock(Buffer.from('<PublicAccessBlockConfiguration><BlockPublicPolicy>false</BlockPublicPolicy></PublicAccessBlockConfiguration>'))
 * // → { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false }
 */
export function parsePublicAccessBlock(body: Buffer): PublicAccessBlock {
  const doc = parseXmlBody(body, 'PublicAccessBlockConfiguration');
  for (const k of Object.keys(doc))
    if (!(SETTINGS as readonly string[]).includes(k))
      throw malformedXml(`unknown element \`${k}\` in PublicAccessBlockConfiguration`);
  const out = {} as PublicAccessBlock;
  for (const name of SETTINGS) {
    const v = doc[name];
    if (v === undefined) {
      out[name] = false;
      continue;
    }
    const b = typeof v === 'string' && Object.hasOwn(BOOLEANS, v) ? BOOLEANS[v] : undefined;
    if (b === undefined) throw malformedXml(`${name} is not a boolean`);
    out[name] = b;
  }
  return out;
}

/** The configuration as the event's requestParameters carry it (CloudTrail's shape). */
function asParameters(c: PublicAccessBlock): Record<string, unknown> {
  return { xmlns: S3_XMLNS, ...c };
}

/** GetPublicAccessBlock: the bucket's configuration. */
export async function getPublicAccessBlock(call: S3Call, name: string): Promise<ServiceResponse> {
  const bucket = await openBucketConfig(
    call,
    name,
    { eventName: 'GetBucketPublicAccessBlock', readOnly: true, subresource: 'publicAccessBlock' },
    's3:GetBucketPublicAccessBlock',
  );
  const c = bucket.value.publicAccessBlock;
  if (!c)
    // BucketName, as S3's other NoSuch…Configuration errors of a bucket carry it [inferred]
    throw new AwsError('NoSuchPublicAccessBlockConfiguration', 404, NO_PUBLIC_ACCESS_BLOCK, {
      elements: { BucketName: name },
    });
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml' },
    body: xmlDocument(
      'PublicAccessBlockConfiguration',
      SETTINGS.map((k) => el(k, c[k] ? 'true' : 'false')).join(''),
    ),
  };
}

/** PutPublicAccessBlock: 200, the configuration replaced whole. */
export async function putPublicAccessBlock(call: S3Call, name: string): Promise<ServiceResponse> {
  await openBucketConfig(
    call,
    name,
    { eventName: 'PutBucketPublicAccessBlock', readOnly: false, subresource: 'publicAccessBlock' },
    's3:PutBucketPublicAccessBlock',
  );
  const body = readUpload(call.raw.body, call.ctx.auth?.payload, call.headers);
  const config = parsePublicAccessBlock(body.data);
  if (call.ctx.audit.requestParameters)
    call.ctx.audit.requestParameters.PublicAccessBlockConfiguration = asParameters(config);
  await rewriteBucket(call, name, (current) => ({ ...current, publicAccessBlock: config }));
  return { status: 200 };
}

/** DeletePublicAccessBlock: 204, configuration or not. */
export async function deletePublicAccessBlock(
  call: S3Call,
  name: string,
): Promise<ServiceResponse> {
  // DeletePublicAccessBlock needs s3:PutBucketPublicAccessBlock (there is no Delete action)
  await openBucketConfig(
    call,
    name,
    {
      eventName: 'DeleteBucketPublicAccessBlock',
      readOnly: false,
      subresource: 'publicAccessBlock',
    },
    's3:PutBucketPublicAccessBlock',
  );
  await rewriteBucket(
    call,
    name,
    ({ publicAccessBlock, ...rest }) => (publicAccessBlock === undefined ? undefined : rest),
    'skip',
  );
  return { status: 204 };
}
