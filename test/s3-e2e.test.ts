/**
 * S3 end to end with the real clients against `irsa up`: the AWS CLI (`aws s3 …`, `aws s3api …`,
 * `aws s3 presign`), boto3 and the JS SDK (path style, virtual-host style through `*.localhost`
 * resolved by the client's own lookup, and the request presigner). Every operation succeeds for
 * a role whose policies allow it and is refused, with AWS's exact error, for one whose do not:
 * identity policy, bucket policy, permissions boundary, session policy, explicit denies,
 * `s3:prefix`, `aws:SourceIp`, anonymous callers and another account.
 */
import { Agent, request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAwsChunked, signRequest } from '../src/sigv4/testing/sign.js';
import { ACCOUNT, type Creds, type Harness, ROOT, allow, startHarness } from './support/harness.js';

const PARTNER = '111122223333';
const BUCKET = 'irsa-e2e';
const SHARED = 'irsa-shared';
let h: Harness;
let admin: Creds;
const roles: Record<string, Creds> = {};

const arnOf = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${role}-session`;
const denied = (
  role: string,
  action: string,
  resource: string,
  why = 'because no identity-based policy allows the',
) =>
  `User: ${arnOf(role)} is not authorized to perform: ${action} on resource: "${resource}" ${why}${why.startsWith('because') ? ` ${action} action` : ''}`;

function s3(creds: Creds, opts: { virtualHost?: boolean } = {}): S3Client {
  if (!opts.virtualHost) return new S3Client({ ...h.sdk(creds), forcePathStyle: true });
  // `*.localhost` does not resolve on every machine: the client's own lookup sends it home
  const lookup = (
    _host: string,
    o: { all?: boolean },
    cb: (e: Error | null, a: string | { address: string; family: number }[], f?: number) => void,
  ) => (o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
  const port = new URL(h.server.edge).port;
  return new S3Client({
    ...h.sdk(creds),
    endpoint: `http://localhost:${port}`,
    requestHandler: { httpAgent: new Agent({ lookup } as never) },
  });
}

/**
 * A request for a virtual-host URL (`<bucket>.localhost:<port>`), sent to 127.0.0.1 with the
 * URL's Host: fetch can neither set Host nor count on `*.localhost` resolving.
 */
function hostRequest(
  url: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: u.port,
        method,
        path: u.pathname + u.search,
        headers: {
          Host: u.host,
          ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function jsError(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected an error');
}

/** Runs boto3 code with `s3` bound to a path-style client; the code prints JSON lines. */
async function boto(code: string, creds: Creds, region = 'us-east-1'): Promise<unknown[]> {
  const prelude = `
import json, boto3, botocore
from botocore.exceptions import ClientError
s3 = boto3.client('s3', region_name='${region}')
def err(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return {'code': e.response['Error']['Code'], 'message': e.response['Error'].get('Message'), 'status': e.response['ResponseMetadata']['HTTPStatusCode']}
def out(x):
    print(json.dumps(x, default=str))
`;
  const r = await h.python(prelude + code, creds);
  if (r.code !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

beforeAll(async () => {
  h = await startHarness();
  admin = h.admin();
  const iam = new IAMClient(h.sdk(admin));
  const boundary = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 's3-read-boundary',
      PolicyDocument: JSON.stringify(allow(['s3:GetObject', 's3:ListBucket'])),
    }),
  );
  const all = (extra: object[] = []) => [
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 's3:*',
          Resource: [
            `arn:aws:s3:::${BUCKET}`,
            `arn:aws:s3:::${BUCKET}/*`,
            'arn:aws:s3:::irsa-app-*',
          ],
        },
        ...extra,
      ],
    },
  ];
  roles.app = await h.roleSession({
    roleName: 's3-app-role',
    policies: all([
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/protected/*` },
    ]),
  });
  roles.none = await h.roleSession({
    roleName: 's3-none-role',
    policies: [allow('sqs:ListQueues')],
  });
  roles.readonly = await h.roleSession({
    roleName: 's3-readonly-role',
    managed: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
  });
  roles.prefix = await h.roleSession({
    roleName: 's3-prefix-role',
    policies: [
      allow('s3:ListBucket', `arn:aws:s3:::${BUCKET}`, {
        Condition: { StringLike: { 's3:prefix': ['home/alice/', 'home/alice/*'] } },
      }),
    ],
  });
  roles.ip = await h.roleSession({
    roleName: 's3-ip-role',
    policies: [
      allow('s3:GetObject', `arn:aws:s3:::${BUCKET}/*`, {
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      }),
    ],
  });
  roles.boundary = await h.roleSession({
    roleName: 's3-boundary-role',
    policies: all(),
    boundary: boundary.Policy?.Arn,
  });
  roles.session = await h.roleSession({
    roleName: 's3-session-role',
    policies: all(),
    sessionPolicy: allow('s3:GetObject'),
  });

  const a = s3(admin);
  await a.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const [Key, Body] of [
    ['hello.txt', 'hello\n'],
    ['public/hello.txt', 'public hello\n'],
    ['secret/plans.txt', 'top secret\n'],
    ['protected/keep.txt', 'keep me\n'],
    ['home/alice/a.txt', 'a'],
    ['home/bob/b.txt', 'b'],
    ['range.txt', '0123456789'],
  ])
    await a.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  // a new bucket blocks public access, as on S3: off first, for the PublicRead statement
  await a.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
  await a.send(
    new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenySecretsToTheApp',
            Effect: 'Deny',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/s3-app-role` },
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${BUCKET}/secret/*`,
          },
          {
            Sid: 'PublicRead',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${BUCKET}/public/*`,
          },
        ],
      }),
    }),
  );
}, 120_000);

afterAll(() => h?.close());

describe('the AWS CLI', () => {
  it('aws s3 mb / cp up and down / ls / rm / rb, as a role that may', async () => {
    const file = join(h.home, 'upload.txt');
    writeFileSync(file, 'uploaded by the CLI\n');
    const app = roles.app as Creds;
    const steps: [string[], RegExp][] = [
      [['s3', 'mb', 's3://irsa-app-cli'], /make_bucket: irsa-app-cli/],
      [
        ['s3', 'cp', file, 's3://irsa-app-cli/dir/upload.txt'],
        /upload: .* to s3:\/\/irsa-app-cli\/dir\/upload.txt/,
      ],
      [['s3', 'ls', 's3://irsa-app-cli/', '--recursive'], /\s20 dir\/upload\.txt/],
      [['s3', 'ls'], /irsa-app-cli\n/],
      [['s3', 'cp', 's3://irsa-app-cli/dir/upload.txt', join(h.home, 'down.txt')], /download: /],
      [
        ['s3', 'rm', 's3://irsa-app-cli/dir/upload.txt'],
        /delete: s3:\/\/irsa-app-cli\/dir\/upload.txt/,
      ],
      [['s3', 'rb', 's3://irsa-app-cli'], /remove_bucket: irsa-app-cli/],
    ];
    for (const [args, expected] of steps) {
      const r = await h.aws(args, app);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.stdout, args.join(' ')).toMatch(expected);
    }
    expect(readFileSync(join(h.home, 'down.txt'), 'utf8')).toBe('uploaded by the CLI\n');
  });

  it('aws s3 cp of a 12 MiB file goes multipart, up and down; the parts are checked', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.write(`block ${i}\n`, i);
    const file = join(h.home, 'big.bin');
    writeFileSync(file, big);
    const app = roles.app as Creds;
    const up = await h.aws(['s3', 'cp', file, `s3://${BUCKET}/big/big.bin`], app);
    expect(up.stderr).toBe('');
    const head = JSON.parse(
      (
        await h.aws(
          [
            's3api',
            'head-object',
            '--bucket',
            BUCKET,
            '--key',
            'big/big.bin',
            '--checksum-mode',
            'ENABLED',
          ],
          app,
        )
      ).stdout,
    ) as { ETag: string; ContentLength: number; ChecksumType?: string; ChecksumCRC32?: string };
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    // a checksum of the parts' checksums (the CLI sends CRC32 with each part) is COMPOSITE,
    // as CompleteMultipartUpload said
    expect(head.ChecksumCRC32).toMatch(/-2$/);
    expect(head.ChecksumType).toBe('COMPOSITE');
    const down = await h.aws(
      ['s3', 'cp', `s3://${BUCKET}/big/big.bin`, join(h.home, 'big-back.bin')],
      app,
    );
    expect(down.stderr).toBe('');
    expect(readFileSync(join(h.home, 'big-back.bin')).equals(big)).toBe(true);
    // a role that may not write cannot start one either
    const refused = await boto(
      `out(err(lambda: s3.create_multipart_upload(Bucket='${BUCKET}', Key='big/refused.bin')))`,
      roles.readonly as Creds,
    );
    expect(refused).toEqual([
      {
        code: 'AccessDenied',
        message: denied(
          's3-readonly-role',
          's3:PutObject',
          `arn:aws:s3:::${BUCKET}/big/refused.bin`,
        ),
        status: 403,
      },
    ]);
    // an object over the CLI's multipart threshold is copied part by part (UploadPartCopy)
    const copied = await h.aws(
      ['s3', 'cp', `s3://${BUCKET}/big/big.bin`, `s3://${BUCKET}/big/copy.bin`],
      app,
    );
    expect(copied.stderr).toBe('');
    const back = await h.aws(
      ['s3', 'cp', `s3://${BUCKET}/big/copy.bin`, join(h.home, 'copy-back.bin')],
      app,
    );
    expect(back.stderr).toBe('');
    expect(readFileSync(join(h.home, 'copy-back.bin')).equals(big)).toBe(true);
    // a range past the source is refused in S3's terms
    const ranged = await boto(
      `u = s3.create_multipart_upload(Bucket='${BUCKET}', Key='big/r.bin')['UploadId']
out(err(lambda: s3.upload_part_copy(Bucket='${BUCKET}', Key='big/r.bin', UploadId=u, PartNumber=1, CopySource='${BUCKET}/big/big.bin', CopySourceRange='bytes=5-2')))`,
      app,
    );
    expect(ranged).toEqual([expect.objectContaining({ code: 'InvalidArgument', status: 400 })]);
    await h.aws(['s3', 'rm', `s3://${BUCKET}/big/big.bin`], app);
    await h.aws(['s3', 'rm', `s3://${BUCKET}/big/copy.bin`], app);
  });

  it('aws s3 ls refused: ListAllMyBuckets and ListBucket in AWS’s words', async () => {
    const r = await h.aws(['s3', 'ls'], roles.none as Creds);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `An error occurred (AccessDenied) when calling the ListBuckets operation: User: ${arnOf('s3-none-role')} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action`,
    );
    const l = await h.aws(['s3', 'ls', `s3://${BUCKET}/`], roles.none as Creds);
    expect(l.stderr).toContain(
      `An error occurred (AccessDenied) when calling the ListObjectsV2 operation: ${denied('s3-none-role', 's3:ListBucket', `arn:aws:s3:::${BUCKET}`)}`,
    );
  });

  it('aws s3 cp up refused by the permissions boundary; down refused by the bucket policy', async () => {
    const file = join(h.home, 'b.txt');
    writeFileSync(file, 'x');
    const up = await h.aws(['s3', 'cp', file, `s3://${BUCKET}/b.txt`], roles.boundary as Creds);
    expect(up.stderr).toContain(
      `An error occurred (AccessDenied) when calling the PutObject operation: ${denied('s3-boundary-role', 's3:PutObject', `arn:aws:s3:::${BUCKET}/b.txt`, 'because no permissions boundary allows the')}`,
    );
    const down = await h.aws(
      ['s3', 'cp', `s3://${BUCKET}/secret/plans.txt`, join(h.home, 'plans.txt')],
      roles.app as Creds,
    );
    expect(down.stderr).toContain(
      `An error occurred (403) when calling the HeadObject operation: Forbidden`,
    );
  });

  it('aws s3api: put / head / get / copy / delete objects, and their refusals', async () => {
    const app = roles.app as Creds;
    writeFileSync(join(h.home, 'upload.txt'), 'uploaded by the CLI\n');
    const put = await h.aws(
      [
        's3api',
        'put-object',
        '--bucket',
        BUCKET,
        '--key',
        'api/one.txt',
        '--body',
        join(h.home, 'upload.txt'),
        '--metadata',
        'team=irsa',
      ],
      app,
    );
    expect(JSON.parse(put.stdout)).toMatchObject({
      ETag: '"5a7a8ce74dae353ad83ac21fdc012b4d"',
      ServerSideEncryption: 'AES256',
    });
    const head = await h.aws(
      ['s3api', 'head-object', '--bucket', BUCKET, '--key', 'api/one.txt'],
      app,
    );
    expect(JSON.parse(head.stdout)).toMatchObject({
      ContentLength: 20,
      Metadata: { team: 'irsa' },
    });
    const copy = await h.aws(
      [
        's3api',
        'copy-object',
        '--bucket',
        BUCKET,
        '--key',
        'api/two.txt',
        '--copy-source',
        `${BUCKET}/api/one.txt`,
        '--metadata-directive',
        'REPLACE',
        '--metadata',
        'team=copied',
      ],
      app,
    );
    expect(JSON.parse(copy.stdout)).toMatchObject({
      CopyObjectResult: { ETag: '"5a7a8ce74dae353ad83ac21fdc012b4d"' },
    });
    const got = await h.aws(
      ['s3api', 'get-object', '--bucket', BUCKET, '--key', 'api/two.txt', join(h.home, 'two.txt')],
      app,
    );
    expect(JSON.parse(got.stdout)).toMatchObject({
      Metadata: { team: 'copied' },
      ContentLength: 20,
    });
    const del = await h.aws(
      ['s3api', 'delete-object', '--bucket', BUCKET, '--key', 'api/two.txt'],
      app,
    );
    expect(del.code).toBe(0);
    const missing = await h.aws(
      ['s3api', 'get-object', '--bucket', BUCKET, '--key', 'api/two.txt', join(h.home, 'x')],
      app,
    );
    expect(missing.stderr).toContain(
      'An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.',
    );
    const refused = await h.aws(
      ['s3api', 'delete-object', '--bucket', BUCKET, '--key', 'protected/keep.txt'],
      app,
    );
    expect(refused.stderr).toContain(
      `An error occurred (AccessDenied) when calling the DeleteObject operation: ${denied('s3-app-role', 's3:DeleteObject', `arn:aws:s3:::${BUCKET}/protected/keep.txt`, 'with an explicit deny in an identity-based policy')}`,
    );
    const noBucket = await h.aws(['s3api', 'list-objects-v2', '--bucket', 'irsa-app-nowhere'], app);
    expect(noBucket.stderr).toContain(
      'An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist',
    );
  });

  it('aws s3api: SSE-KMS and SSE-C are NotImplemented, an unknown method InvalidArgument; max-keys 0 is not truncated', async () => {
    const app = roles.app as Creds;
    writeFileSync(join(h.home, 'sse.txt'), 'secret\n');
    const put = (...extra: string[]) =>
      h.aws(
        [
          's3api',
          'put-object',
          '--bucket',
          BUCKET,
          '--key',
          'api/sse.txt',
          '--body',
          join(h.home, 'sse.txt'),
          ...extra,
        ],
        app,
      );
    const kms = await put('--server-side-encryption', 'aws:kms', '--ssekms-key-id', 'alias/x');
    expect(kms.stderr).toContain('An error occurred (NotImplemented) when calling the PutObject');
    const ssec = await put(
      '--sse-customer-algorithm',
      'AES256',
      '--sse-customer-key',
      '01234567890123456789012345678901',
    );
    expect(ssec.stderr).toContain('(NotImplemented)');
    const plain = await put('--server-side-encryption', 'AES256');
    expect(JSON.parse(plain.stdout).ServerSideEncryption).toBe('AES256');
    const none = await h.aws(
      ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--max-keys', '0', '--no-paginate'],
      app,
    );
    expect(none.stderr).toBe('');
    expect(JSON.parse(none.stdout)).toMatchObject({ IsTruncated: false, KeyCount: 0 });
    const odd = await boto(
      `out(err(lambda: s3.put_object(Bucket='${BUCKET}', Key='api/sse2.txt', Body=b'x', ServerSideEncryption='aws:fsx')))`,
      app,
    );
    expect(odd).toEqual([
      {
        code: 'InvalidArgument',
        message: 'The encryption method specified is not supported',
        status: 400,
      },
    ]);
    // ACLs as a bucket with ACLs disabled answers them: the owner's FULL_CONTROL; none set
    const acl = await h.aws(['s3api', 'get-object-acl', '--bucket', BUCKET, '--key', 'hello.txt']);
    expect(acl.stderr).toBe('');
    const grants = JSON.parse(acl.stdout) as {
      Owner: { ID: string };
      Grants: { Grantee: { ID: string; Type: string }; Permission: string }[];
    };
    expect(grants.Grants).toEqual([
      { Grantee: { ID: grants.Owner.ID, Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' },
    ]);
    expect(grants.Owner.ID).toMatch(/^[0-9a-f]{64}$/);
    const bucketAcl = await h.aws(['s3api', 'get-bucket-acl', '--bucket', BUCKET]);
    expect(JSON.parse(bucketAcl.stdout).Grants).toHaveLength(1);
    const setAcl = await h.aws([
      's3api',
      'put-object-acl',
      '--bucket',
      BUCKET,
      '--key',
      'hello.txt',
      '--acl',
      'public-read',
    ]);
    expect(setAcl.stderr).toContain(
      'An error occurred (AccessControlListNotSupported) when calling the PutObjectAcl operation: The bucket does not allow ACLs',
    );
    // an object's attributes without its body
    const attrs = await h.aws([
      's3api',
      'get-object-attributes',
      '--bucket',
      BUCKET,
      '--key',
      'hello.txt',
      '--object-attributes',
      'ETag',
      'StorageClass',
      'ObjectSize',
      'Checksum',
    ]);
    expect(attrs.stderr).toBe('');
    const head = JSON.parse(
      (await h.aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', 'hello.txt'])).stdout,
    ) as { ETag: string; ContentLength: number };
    expect(JSON.parse(attrs.stdout)).toMatchObject({
      ETag: head.ETag.replaceAll('"', ''),
      StorageClass: 'STANDARD',
      ObjectSize: head.ContentLength,
      Checksum: { ChecksumType: 'FULL_OBJECT' },
    });
    const noAttr = await h.aws([
      's3api',
      'get-object-attributes',
      '--bucket',
      BUCKET,
      '--key',
      'hello.txt',
      '--object-attributes',
      'Colour',
    ]);
    expect(noAttr.stderr).toContain('(InvalidArgument)');
    // every bucket's default encryption: SSE-S3, as S3 applies it to every new bucket
    const enc = await h.aws(['s3api', 'get-bucket-encryption', '--bucket', BUCKET]);
    expect(enc.stderr).toBe('');
    expect(JSON.parse(enc.stdout)).toEqual({
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
            BucketKeyEnabled: false,
          },
        ],
      },
    });
  });

  it('aws s3api conditional writes: If-None-Match * creates only, If-Match overwrites only that version', async () => {
    const app = roles.app as Creds;
    const file = (text: string) => {
      writeFileSync(join(h.home, 'cond.txt'), text);
      return join(h.home, 'cond.txt');
    };
    const put = (key: string, text: string, ...extra: string[]) =>
      h.aws(
        ['s3api', 'put-object', '--bucket', BUCKET, '--key', key, '--body', file(text), ...extra],
        app,
      );
    const body = async (key: string) =>
      (await h.aws(['s3', 'cp', `s3://${BUCKET}/${key}`, '-'], app)).stdout;
    const created = await put('api/cond.txt', 'v1\n', '--if-none-match', '*');
    expect(created.stderr).toBe('');
    const etag = JSON.parse(created.stdout).ETag as string;
    const again = await put('api/cond.txt', 'v2\n', '--if-none-match', '*');
    expect(again.stderr).toContain(
      'An error occurred (PreconditionFailed) when calling the PutObject operation: At least one of the pre-conditions you specified did not hold',
    );
    const stale = await put(
      'api/cond.txt',
      'v2\n',
      '--if-match',
      '"0123456789abcdef0123456789abcdef"',
    );
    expect(stale.stderr).toContain('(PreconditionFailed)');
    expect(await body('api/cond.txt')).toBe('v1\n');
    const swapped = await put('api/cond.txt', 'v2\n', '--if-match', etag);
    expect(swapped.stderr).toBe('');
    expect(await body('api/cond.txt')).toBe('v2\n');
    const missing = await put('api/never.txt', 'x', '--if-match', etag);
    expect(missing.stderr).toContain(
      'An error occurred (NoSuchKey) when calling the PutObject operation: The specified key does not exist.',
    );
    expect((await put('api/cond-source.txt', 'source\n')).stderr).toBe('');
    const copy = await h.aws(
      [
        's3api',
        'copy-object',
        '--bucket',
        BUCKET,
        '--key',
        'api/cond.txt',
        '--copy-source',
        `${BUCKET}/api/cond-source.txt`,
        '--if-none-match',
        '*',
      ],
      app,
    );
    expect(copy.stderr).toContain(
      'An error occurred (PreconditionFailed) when calling the CopyObject operation',
    );
    expect(await body('api/cond.txt')).toBe('v2\n');
    // eight writers race to create one key: exactly one of them does
    const s3 = new S3Client({ ...h.sdk(app), forcePathStyle: true });
    const raced = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'api/raced.txt',
            Body: `writer ${i}`,
            IfNoneMatch: '*',
          }),
        ),
      ),
    );
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of raced)
      if (r.status === 'rejected')
        expect(
          (r.reason as { name: string; $metadata: { httpStatusCode: number } }).$metadata
            .httpStatusCode,
        ).toBe(412);
  });

  it('aws s3api bucket policy: put / get / delete, MalformedPolicy, NoSuchBucketPolicy, refusal', async () => {
    const app = roles.app as Creds;
    expect((await h.aws(['s3api', 'create-bucket', '--bucket', 'irsa-app-policy'], app)).code).toBe(
      0,
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::irsa-app-policy/*',
        },
      ],
    });
    expect(
      (
        await h.aws(
          ['s3api', 'put-bucket-policy', '--bucket', 'irsa-app-policy', '--policy', policy],
          app,
        )
      ).stderr,
    ).toBe('');
    const got = await h.aws(['s3api', 'get-bucket-policy', '--bucket', 'irsa-app-policy'], app);
    expect(JSON.parse((JSON.parse(got.stdout) as { Policy: string }).Policy)).toEqual(
      JSON.parse(policy),
    );
    const bad = await h.aws(
      [
        's3api',
        'put-bucket-policy',
        '--bucket',
        'irsa-app-policy',
        '--policy',
        policy.replace('s3:GetObject', 's3:ListBucket'),
      ],
      app,
    );
    expect(bad.stderr).toContain(
      'An error occurred (MalformedPolicy) when calling the PutBucketPolicy operation: Action does not apply to any resource(s) in statement',
    );
    const readonly = await h.aws(
      ['s3api', 'delete-bucket-policy', '--bucket', 'irsa-app-policy'],
      roles.readonly as Creds,
    );
    expect(readonly.stderr).toContain(
      `An error occurred (AccessDenied) when calling the DeleteBucketPolicy operation: ${denied('s3-readonly-role', 's3:DeleteBucketPolicy', 'arn:aws:s3:::irsa-app-policy')}`,
    );
    expect(
      (await h.aws(['s3api', 'delete-bucket-policy', '--bucket', 'irsa-app-policy'], app)).code,
    ).toBe(0);
    const none = await h.aws(['s3api', 'get-bucket-policy', '--bucket', 'irsa-app-policy'], app);
    expect(none.stderr).toContain(
      'An error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicy operation: The bucket policy does not exist',
    );
  });

  it('aws s3 presign (SigV2) fetched with node’s fetch; expired and tampered URLs are refused', async () => {
    const r = await h.aws(
      ['s3', 'presign', `s3://${BUCKET}/hello.txt`, '--expires-in', '300'],
      roles.readonly as Creds,
    );
    const url = r.stdout.trim();
    expect(url).toMatch(
      /[?&]AWSAccessKeyId=ASIA.*&Signature=.*&x-amz-security-token=.*&Expires=\d+$/,
    );
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('hello\n');
    const tampered = await fetch(url.replace('hello.txt', 'range.txt'));
    expect(tampered.status).toBe(403);
    const body = await tampered.text();
    expect(body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(body).toContain('<StringToSign>GET\n\n\n');
    expect(body).toContain('x-amz-security-token:&lt;session token redacted&gt;');
    const expired = await fetch(url.replace(/Expires=\d+/, 'Expires=1000000000'));
    const text = await expired.text();
    expect(expired.status).toBe(403);
    expect(text).toContain(
      '<Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2001-09-09T01:46:40Z</Expires><ServerTime>',
    );
    // a role that may not read gets AccessDenied through the presigned URL too
    const none = await h.aws(['s3', 'presign', `s3://${BUCKET}/hello.txt`], roles.none as Creds);
    const refused = await fetch(none.stdout.trim());
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(
      `<Message>${denied('s3-none-role', 's3:GetObject', `arn:aws:s3:::${BUCKET}/hello.txt`).replace(/"/g, '&quot;')}</Message>`,
    );
  });
});

describe('boto3', () => {
  it('put with a CRC32 checksum, ranged get, head, listing with a delimiter, copy, delete_objects', async () => {
    const out = await boto(
      `
r = s3.put_object(Bucket='${BUCKET}', Key='py/a b+c/ü.txt', Body=b'from boto3\\n', ContentType='text/plain', Metadata={'who': 'boto3'})
out({'etag': r['ETag'], 'crc': r.get('ChecksumCRC32')})
g = s3.get_object(Bucket='${BUCKET}', Key='range.txt', Range='bytes=2-5')
out({'status': g['ResponseMetadata']['HTTPStatusCode'], 'body': g['Body'].read().decode(), 'range': g['ContentRange']})
g = s3.get_object(Bucket='${BUCKET}', Key='py/a b+c/ü.txt', ChecksumMode='ENABLED')
out({'body': g['Body'].read().decode(), 'type': g['ContentType'], 'meta': g['Metadata'], 'crc': g.get('ChecksumCRC32')})
h = s3.head_object(Bucket='${BUCKET}', Key='py/a b+c/ü.txt')
out({'length': h['ContentLength'], 'sse': h['ServerSideEncryption']})
l = s3.list_objects_v2(Bucket='${BUCKET}', Prefix='py/', Delimiter='/')
out({'prefixes': [p['Prefix'] for p in l.get('CommonPrefixes', [])], 'count': l['KeyCount']})
l = s3.list_objects_v2(Bucket='${BUCKET}', Prefix='py/a b+c/')
out({'keys': [c['Key'] for c in l['Contents']]})
l = s3.list_objects(Bucket='${BUCKET}', Prefix='home/', Delimiter='/')
out({'v1': [p['Prefix'] for p in l['CommonPrefixes']]})
c = s3.copy_object(Bucket='${BUCKET}', Key='py/copy.txt', CopySource={'Bucket': '${BUCKET}', 'Key': 'py/a b+c/ü.txt'})
out({'copied': c['CopyObjectResult']['ETag']})
out(err(lambda: s3.copy_object(Bucket='${BUCKET}', Key='py/copy.txt', CopySource={'Bucket': '${BUCKET}', 'Key': 'py/copy.txt'})))
d = s3.delete_objects(Bucket='${BUCKET}', Delete={'Objects': [{'Key': 'py/copy.txt'}, {'Key': 'protected/keep.txt'}, {'Key': 'py/never-was.txt'}]})
out({'deleted': sorted(x['Key'] for x in d.get('Deleted', [])), 'errors': d.get('Errors', [])})
out(err(lambda: s3.get_object(Bucket='${BUCKET}', Key='range.txt', Range='bytes=100-')))
out(s3.get_bucket_location(Bucket='${BUCKET}')['LocationConstraint'])
out(err(lambda: s3.head_bucket(Bucket='irsa-app-nowhere')))
out(s3.head_bucket(Bucket='${BUCKET}')['ResponseMetadata']['HTTPHeaders']['x-amz-bucket-region'])
`,
      roles.app as Creds,
    );
    expect(out).toEqual([
      { etag: '"f55140c659e7f6f3ec63c64ecaeefdf4"', crc: expect.any(String) },
      { status: 206, body: '2345', range: 'bytes 2-5/10' },
      { body: 'from boto3\n', type: 'text/plain', meta: { who: 'boto3' }, crc: expect.any(String) },
      { length: 11, sse: 'AES256' },
      { prefixes: ['py/a b+c/'], count: 1 },
      { keys: ['py/a b+c/ü.txt'] },
      { v1: ['home/alice/', 'home/bob/'] },
      { copied: '"f55140c659e7f6f3ec63c64ecaeefdf4"' },
      {
        code: 'InvalidRequest',
        message:
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        status: 400,
      },
      {
        deleted: ['py/copy.txt', 'py/never-was.txt'],
        errors: [
          {
            Key: 'protected/keep.txt',
            Code: 'AccessDenied',
            Message: denied(
              's3-app-role',
              's3:DeleteObject',
              `arn:aws:s3:::${BUCKET}/protected/keep.txt`,
              'with an explicit deny in an identity-based policy',
            ),
          },
        ],
      },
      { code: 'InvalidRange', message: 'The requested range is not satisfiable', status: 416 },
      null,
      { code: '404', message: 'Not Found', status: 404 },
      'us-east-1',
    ]);
  });

  it('list_multipart_uploads and list_parts: an upload picked up where it stopped, paged; refused without rights', async () => {
    const app = roles.app as Creds;
    const got = await boto(
      `
u = s3.create_multipart_upload(Bucket='${BUCKET}', Key='mpu/resume.bin')['UploadId']
other = s3.create_multipart_upload(Bucket='${BUCKET}', Key='mpu/deeper/x.bin')['UploadId']
p1 = s3.upload_part(Bucket='${BUCKET}', Key='mpu/resume.bin', UploadId=u, PartNumber=1, Body=b'a' * (5 * 1024 * 1024))
p2 = s3.upload_part(Bucket='${BUCKET}', Key='mpu/resume.bin', UploadId=u, PartNumber=2, Body=b'tail')
ups = s3.list_multipart_uploads(Bucket='${BUCKET}', Prefix='mpu/', Delimiter='/')
out([[x['Key'] for x in ups.get('Uploads', [])], [x['Prefix'] for x in ups.get('CommonPrefixes', [])], ups['IsTruncated']])
all_ups = s3.list_multipart_uploads(Bucket='${BUCKET}', Prefix='mpu/')
out(sorted(x['Key'] for x in all_ups['Uploads']))
first = s3.list_parts(Bucket='${BUCKET}', Key='mpu/resume.bin', UploadId=u, MaxParts=1)
out([[p['PartNumber'] for p in first['Parts']], first['IsTruncated'], first['NextPartNumberMarker'], first['Parts'][0]['ETag'] == p1['ETag'], first['Parts'][0]['Size']])
rest = s3.list_parts(Bucket='${BUCKET}', Key='mpu/resume.bin', UploadId=u, PartNumberMarker=first['NextPartNumberMarker'])
out([[p['PartNumber'] for p in rest['Parts']], rest['IsTruncated'], rest['Parts'][0]['ETag'] == p2['ETag']])
# picked up: complete with what ListParts said
parts = [{'PartNumber': p['PartNumber'], 'ETag': p['ETag']} for p in first['Parts'] + rest['Parts']]
s3.complete_multipart_upload(Bucket='${BUCKET}', Key='mpu/resume.bin', UploadId=u, MultipartUpload={'Parts': parts})
out(s3.head_object(Bucket='${BUCKET}', Key='mpu/resume.bin')['ContentLength'])
# one part of it, as part-parallel downloaders read it
p2 = s3.get_object(Bucket='${BUCKET}', Key='mpu/resume.bin', PartNumber=2)
h1 = s3.head_object(Bucket='${BUCKET}', Key='mpu/resume.bin', PartNumber=1)
out([p2['Body'].read().decode(), p2['ContentRange'], p2['PartsCount'], p2['ResponseMetadata']['HTTPStatusCode'], h1['ContentLength'], h1['PartsCount']])
out(err(lambda: s3.get_object(Bucket='${BUCKET}', Key='mpu/resume.bin', PartNumber=3)))
s3.put_object(Bucket='${BUCKET}', Key='mpu/single.txt', Body=b'0123456789')
one = s3.get_object(Bucket='${BUCKET}', Key='mpu/single.txt', PartNumber=1)
out([one['Body'].read().decode(), one['ContentRange'], 'PartsCount' in one])
out(err(lambda: s3.list_parts(Bucket='${BUCKET}', Key='mpu/resume.bin', UploadId=u)))
s3.abort_multipart_upload(Bucket='${BUCKET}', Key='mpu/deeper/x.bin', UploadId=other)
out(s3.list_multipart_uploads(Bucket='${BUCKET}', Prefix='mpu/').get('Uploads', []))
`,
      app,
    );
    expect(got).toEqual([
      [['mpu/resume.bin'], ['mpu/deeper/'], false],
      ['mpu/deeper/x.bin', 'mpu/resume.bin'],
      [[1], true, 1, true, 5 * 1024 * 1024],
      [[2], false, true],
      5 * 1024 * 1024 + 4,
      ['tail', 'bytes 5242880-5242883/5242884', 2, 206, 5 * 1024 * 1024, 2],
      {
        code: 'InvalidPartNumber',
        message: 'The requested partnumber is not satisfiable',
        status: 416,
      },
      ['0123456789', 'bytes 0-9/10', false],
      {
        code: 'NoSuchUpload',
        message:
          'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        status: 404,
      },
      [],
    ]);
    // paged one at a time, two uploads of one key included: each once, by key then start
    const paged = await boto(
      `
ids = [s3.create_multipart_upload(Bucket='${BUCKET}', Key=k)['UploadId'] for k in ['pg/b', 'pg/a', 'pg/a']]
seen, kw = [], {}
while True:
  r = s3.list_multipart_uploads(Bucket='${BUCKET}', Prefix='pg/', MaxUploads=1, **kw)
  seen += [[x['Key'], ids.index(x['UploadId'])] for x in r.get('Uploads', [])]
  if not r['IsTruncated']:
    break
  kw = {'KeyMarker': r['NextKeyMarker'], 'UploadIdMarker': r['NextUploadIdMarker']}
out(seen)
for k, i in zip(['pg/b', 'pg/a', 'pg/a'], ids):
  s3.abort_multipart_upload(Bucket='${BUCKET}', Key=k, UploadId=i)
`,
      app,
    );
    // (two uploads begun in one millisecond may come either way round)
    const order = paged[0] as [string, number][];
    expect(order.map(([k]) => k)).toEqual(['pg/a', 'pg/a', 'pg/b']);
    expect(order.map(([, i]) => i).sort()).toEqual([0, 1, 2]);
    const refused = await boto(
      `out(err(lambda: s3.list_multipart_uploads(Bucket='${BUCKET}')))`,
      roles.none as Creds,
    );
    expect(refused).toEqual([
      {
        code: 'AccessDenied',
        message: denied('s3-none-role', 's3:ListBucketMultipartUploads', `arn:aws:s3:::${BUCKET}`),
        status: 403,
      },
    ]);
    await h.aws(['s3', 'rm', `s3://${BUCKET}/mpu/resume.bin`], app);
  });

  it('refusals: session policy, aws:SourceIp, s3:prefix, HEAD without a body, cross-region names', async () => {
    const session = await boto(
      `out(err(lambda: s3.put_object(Bucket='${BUCKET}', Key='s.txt', Body=b'x')))
out(s3.get_object(Bucket='${BUCKET}', Key='hello.txt')['Body'].read().decode())`,
      roles.session as Creds,
    );
    expect(session).toEqual([
      {
        code: 'AccessDenied',
        message: denied(
          's3-session-role',
          's3:PutObject',
          `arn:aws:s3:::${BUCKET}/s.txt`,
          'because no session policy allows the',
        ),
        status: 403,
      },
      'hello\n',
    ]);
    const ip = await boto(
      `out(err(lambda: s3.get_object(Bucket='${BUCKET}', Key='hello.txt')))`,
      roles.ip as Creds,
    );
    expect(ip).toEqual([
      {
        code: 'AccessDenied',
        message: denied('s3-ip-role', 's3:GetObject', `arn:aws:s3:::${BUCKET}/hello.txt`),
        status: 403,
      },
    ]);
    const prefix = await boto(
      `out([c['Key'] for c in s3.list_objects_v2(Bucket='${BUCKET}', Prefix='home/alice/')['Contents']])
out(err(lambda: s3.list_objects_v2(Bucket='${BUCKET}', Prefix='home/bob/')))
out(err(lambda: s3.list_objects_v2(Bucket='${BUCKET}')))
out(err(lambda: s3.head_object(Bucket='${BUCKET}', Key='hello.txt')))`,
      roles.prefix as Creds,
    );
    expect(prefix).toEqual([
      ['home/alice/a.txt'],
      {
        code: 'AccessDenied',
        message: denied('s3-prefix-role', 's3:ListBucket', `arn:aws:s3:::${BUCKET}`),
        status: 403,
      },
      {
        code: 'AccessDenied',
        message: denied('s3-prefix-role', 's3:ListBucket', `arn:aws:s3:::${BUCKET}`),
        status: 403,
      },
      { code: '403', message: 'Forbidden', status: 403 },
    ]);
    const names = await boto(
      `out(err(lambda: s3.create_bucket(Bucket='Bad_Name')))
out(err(lambda: s3.create_bucket(Bucket='${BUCKET}')))
out(err(lambda: s3.put_object(Bucket='${BUCKET}', Key='k' * 1025, Body=b'x')))
out(err(lambda: s3.get_object(Bucket='${BUCKET}', Key='no/such/key')))`,
      roles.app as Creds,
    );
    expect(names).toEqual([
      { code: 'InvalidBucketName', message: 'The specified bucket is not valid.', status: 400 },
      null,
      { code: 'KeyTooLongError', message: 'Your key is too long', status: 400 },
      { code: 'NoSuchKey', message: 'The specified key does not exist.', status: 404 },
    ]);
  });

  it('a session’s key id and secret without its token: InvalidAccessKeyId, as S3 says (header, SigV2 and SigV4 presigned); a forged token is InvalidToken', async () => {
    const app = roles.app as Creds;
    const alone = { accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey };
    const out = await boto(
      `def full(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return {**e.response['Error'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}
out(full(lambda: s3.get_object(Bucket='${BUCKET}', Key='hello.txt')))
out(full(lambda: s3.list_objects_v2(Bucket='${BUCKET}')))
out(s3.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'hello.txt'}, ExpiresIn=300))
import os
forged = boto3.client('s3', region_name='us-east-1', aws_access_key_id=os.environ['AWS_ACCESS_KEY_ID'], aws_secret_access_key=os.environ['AWS_SECRET_ACCESS_KEY'], aws_session_token='Zm9yZ2Vk')
out(err(lambda: forged.get_object(Bucket='${BUCKET}', Key='hello.txt')))`,
      alone,
    );
    const unknown = {
      Code: 'InvalidAccessKeyId',
      Message: 'The AWS Access Key Id you provided does not exist in our records.',
      AWSAccessKeyId: app.accessKeyId,
      status: 403,
    };
    expect(out.slice(0, 2)).toEqual([unknown, unknown]);
    expect(out[3]).toEqual({
      code: 'InvalidToken',
      message: 'The provided token is malformed or otherwise invalid.',
      status: 400,
    });
    const v2 = await fetch(out[2] as string);
    expect(v2.status).toBe(403);
    expect(await v2.text()).toContain(
      `<Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message><AWSAccessKeyId>${app.accessKeyId}</AWSAccessKeyId>`,
    );
    const v4 = await fetch(
      await getSignedUrl(s3(alone), new GetObjectCommand({ Bucket: BUCKET, Key: 'hello.txt' }), {
        expiresIn: 300,
      }),
    );
    expect(v4.status).toBe(403);
    expect(await v4.text()).toContain(
      `<Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message><AWSAccessKeyId>${app.accessKeyId}</AWSAccessKeyId>`,
    );
  });

  it('regions: us-east-1 creates anywhere; other regions only their own; BucketAlreadyOwnedByYou', async () => {
    const east = await boto(
      `s3.create_bucket(Bucket='irsa-app-west', CreateBucketConfiguration={'LocationConstraint': 'us-west-2'})
out(s3.get_bucket_location(Bucket='irsa-app-west')['LocationConstraint'])
out(err(lambda: s3.create_bucket(Bucket='irsa-app-bad', CreateBucketConfiguration={'LocationConstraint': 'us-east-1'})))`,
      roles.app as Creds,
    );
    expect(east).toEqual([
      'us-west-2',
      {
        code: 'InvalidLocationConstraint',
        message: 'The specified location-constraint is not valid',
        status: 400,
      },
    ]);
    const west = await boto(
      `out(err(lambda: s3.create_bucket(Bucket='irsa-app-west', CreateBucketConfiguration={'LocationConstraint': 'us-west-2'})))
out(err(lambda: s3.create_bucket(Bucket='irsa-app-eu', CreateBucketConfiguration={'LocationConstraint': 'eu-west-1'})))
s3.put_object(Bucket='irsa-app-west', Key='k', Body=b'west')
out(s3.get_object(Bucket='irsa-app-west', Key='k')['Body'].read().decode())`,
      roles.app as Creds,
      'us-west-2',
    );
    expect(west).toEqual([
      {
        code: 'BucketAlreadyOwnedByYou',
        message:
          'Your previous request to create the named bucket succeeded and you already own it.',
        status: 409,
      },
      {
        code: 'IllegalLocationConstraintException',
        message:
          'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.',
        status: 400,
      },
      'west',
    ]);
    // a us-east-1 client reaches the us-west-2 bucket: botocore follows S3's region answer
    const follow = await boto(
      `out(s3.get_object(Bucket='irsa-app-west', Key='k')['Body'].read().decode())`,
      roles.app as Creds,
    );
    expect(follow).toEqual(['west']);
  });

  it('SigV2 presigned GET and PUT from boto3', async () => {
    const out = (await boto(
      `out(s3.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'hello.txt', 'ResponseContentType': 'text/x-irsa'}, ExpiresIn=300))
out(s3.generate_presigned_url('put_object', Params={'Bucket': '${BUCKET}', 'Key': 'presigned/put.txt'}, ExpiresIn=300))
out(s3.generate_presigned_url('list_objects_v2', Params={'Bucket': '${BUCKET}', 'Prefix': 'hello'}, ExpiresIn=300))`,
      roles.app as Creds,
    )) as string[];
    expect(out[0]).toContain('Signature=');
    // a bucket-level URL: boto3 signs the resource `/bucket/` for the path `/bucket`
    const list = await fetch(out[2] as string);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('<Key>hello.txt</Key>');
    const get = await fetch(out[0] as string);
    expect([get.status, get.headers.get('content-type'), await get.text()]).toEqual([
      200,
      'text/x-irsa',
      'hello\n',
    ]);
    // a Buffer body: fetch would add a Content-Type to a string, which the URL did not sign
    const put = await fetch(out[1] as string, {
      method: 'PUT',
      body: Buffer.from('put through SigV2'),
    });
    expect(put.status).toBe(200);
    const back = await s3(admin).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned/put.txt' }),
    );
    expect(await back.Body?.transformToString()).toBe('put through SigV2');
  });
  it('virtual-host style from botocore (its own name lookup sends *.localhost home), SigV2 presign included', async () => {
    const port = new URL(h.server.edge).port;
    const out = (await boto(
      `import socket
real = socket.getaddrinfo
socket.getaddrinfo = lambda host, *a, **k: real('127.0.0.1' if host.endswith('.localhost') else host, *a, **k)
from botocore.config import Config
v = boto3.client('s3', region_name='us-east-1', endpoint_url='http://localhost:${port}', config=Config(s3={'addressing_style': 'virtual'}))
v.put_object(Bucket='${BUCKET}', Key='vhost/py.txt', Body=b'boto3 virtual host')
out(v.get_object(Bucket='${BUCKET}', Key='vhost/py.txt')['Body'].read().decode())
out([c['Key'] for c in v.list_objects_v2(Bucket='${BUCKET}', Prefix='vhost/')['Contents']])
out(err(lambda: v.get_object(Bucket='${BUCKET}', Key='secret/plans.txt')))
out(v.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'vhost/py.txt'}, ExpiresIn=300))`,
      roles.app as Creds,
    )) as unknown[];
    expect(out.slice(0, 3)).toEqual([
      'boto3 virtual host',
      ['vhost/py.txt'],
      {
        code: 'AccessDenied',
        message: denied(
          's3-app-role',
          's3:GetObject',
          `arn:aws:s3:::${BUCKET}/secret/plans.txt`,
          'with an explicit deny in a resource-based policy',
        ),
        status: 403,
      },
    ]);
    const url = out[3] as string;
    expect(new URL(url).host).toBe(`${BUCKET}.localhost:${port}`);
    expect(await hostRequest(url)).toEqual({ status: 200, text: 'boto3 virtual host' });
  });
});

describe('the JS SDK', () => {
  it('path style: put (Buffer and stream bodies), get with checksum validation, paginate, copy, delete', async () => {
    const c = s3(roles.app as Creds);
    await c.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'js/buffer.txt',
        Body: Buffer.from('buffer body'),
      }),
    );
    // a stream body goes aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, with a CRC32 trailer
    await c.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'js/stream.txt',
        Body: Readable.from([Buffer.from('stream '), Buffer.from('body')]),
        ContentLength: 11,
      }),
    );
    for (const [key, body] of [
      ['js/buffer.txt', 'buffer body'],
      ['js/stream.txt', 'stream body'],
    ] as const) {
      const got = await c.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(await got.Body?.transformToString()).toBe(body);
      expect(got.ChecksumCRC32).toBeDefined();
    }
    // one key a page: the second page is asked for with the first one's continuation token
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client: c, pageSize: 1 },
      { Bucket: BUCKET, Prefix: 'js/' },
    )) {
      pages++;
      keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    }
    expect(keys).toEqual(['js/buffer.txt', 'js/stream.txt']);
    expect(pages).toBe(2);
    const two = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2 }));
    expect([two.KeyCount, two.IsTruncated, typeof two.NextContinuationToken]).toEqual([
      2,
      true,
      'string',
    ]);
    await c.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'js/copy.txt',
        CopySource: `${BUCKET}/js/buffer.txt`,
      }),
    );
    const head = await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'js/copy.txt' }));
    expect(head.ContentLength).toBe(11);
    const del = await c.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'js/copy.txt' }, { Key: 'js/stream.txt' }], Quiet: true },
      }),
    );
    expect([del.Deleted, del.Errors]).toEqual([undefined, undefined]);
    await c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'js/buffer.txt' }));
  });

  it('DeleteObjects of keys with a line feed or a carriage return (sent as &#x0A; and &#x0D;) deletes them', async () => {
    const c = s3(roles.app as Creds);
    const keys = ['js/nl/line\nbreak', 'js/nl/cr\rkey', 'js/nl/a&b<c>'];
    for (const Key of keys)
      await c.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Buffer.from('x') }));
    const del = await c.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: keys.map((Key) => ({ Key })) },
      }),
    );
    expect((del.Deleted ?? []).map((d) => d.Key).sort()).toEqual([...keys].sort());
    const left = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'js/nl/' }));
    expect(left.KeyCount).toBe(0);
  });

  it('refusals in the SDK’s terms', async () => {
    const none = s3(roles.none as Creds);
    expect(
      await jsError(none.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'hello.txt' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: denied('s3-none-role', 's3:GetObject', `arn:aws:s3:::${BUCKET}/hello.txt`),
      status: 403,
    });
    expect(
      await jsError(none.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'hello.txt' }))),
    ).toMatchObject({ status: 403 });
    const app = s3(roles.app as Creds);
    expect(
      await jsError(app.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret/plans.txt' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: denied(
        's3-app-role',
        's3:GetObject',
        `arn:aws:s3:::${BUCKET}/secret/plans.txt`,
        'with an explicit deny in a resource-based policy',
      ),
      status: 403,
    });
    expect(
      await jsError(
        app.send(
          new CopyObjectCommand({
            Bucket: BUCKET,
            Key: 'stolen.txt',
            CopySource: `${BUCKET}/secret/plans.txt`,
          }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(
      await jsError(
        app.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'bad.txt',
            Body: 'x',
            ChecksumCRC32: 'AAAAAA==',
          }),
        ),
      ),
    ).toEqual({
      name: 'BadDigest',
      message: 'The CRC32 you specified did not match the calculated checksum.',
      status: 400,
    });
    expect(
      await jsError(
        s3(roles.readonly as Creds).send(
          new PutObjectCommand({ Bucket: BUCKET, Key: 'ro.txt', Body: 'x' }),
        ),
      ),
    ).toEqual({
      name: 'AccessDenied',
      message: denied('s3-readonly-role', 's3:PutObject', `arn:aws:s3:::${BUCKET}/ro.txt`),
      status: 403,
    });
    expect(
      await jsError(
        s3(roles.none as Creds).send(new CreateBucketCommand({ Bucket: 'irsa-app-refused' })),
      ),
    ).toEqual({
      name: 'AccessDenied',
      message: denied('s3-none-role', 's3:CreateBucket', 'arn:aws:s3:::irsa-app-refused'),
      status: 403,
    });
  });

  it('virtual-host style (my-bucket.localhost:<port>)', async () => {
    const c = s3(roles.app as Creds, { virtualHost: true });
    await c.send(new CreateBucketCommand({ Bucket: 'irsa-app-vhost' }));
    await c.send(
      new PutObjectCommand({ Bucket: 'irsa-app-vhost', Key: 'dir/v.txt', Body: 'virtual host' }),
    );
    const got = await c.send(new GetObjectCommand({ Bucket: 'irsa-app-vhost', Key: 'dir/v.txt' }));
    expect(await got.Body?.transformToString()).toBe('virtual host');
    const list = await c.send(new ListObjectsV2Command({ Bucket: 'irsa-app-vhost' }));
    expect(list.Contents?.map((o) => o.Key)).toEqual(['dir/v.txt']);
    expect(
      await jsError(c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret/plans.txt' }))),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    await c.send(new DeleteObjectCommand({ Bucket: 'irsa-app-vhost', Key: 'dir/v.txt' }));
    // the same bucket through path style
    const path = s3(roles.app as Creds);
    expect((await path.send(new ListObjectsV2Command({ Bucket: 'irsa-app-vhost' }))).KeyCount).toBe(
      0,
    );
  });

  it('@aws-sdk/s3-request-presigner: SigV4 presigned GET and PUT, fetched without credentials', async () => {
    for (const virtualHost of [false, true]) {
      const c = s3(roles.app as Creds, { virtualHost });
      const putUrl = await getSignedUrl(
        c,
        new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned/v4.txt' }),
        {
          expiresIn: 300,
        },
      );
      expect(putUrl).toContain('X-Amz-Signature=');
      const body = virtualHost ? 'v4 vhost' : 'v4 path';
      const send = async (url: string, method = 'GET', data?: string) => {
        if (virtualHost) return hostRequest(url, method, data);
        const res = await fetch(url, { method, body: data });
        return { status: res.status, text: await res.text() };
      };
      if (virtualHost)
        expect(new URL(putUrl).host).toBe(`${BUCKET}.localhost:${new URL(h.server.edge).port}`);
      expect((await send(putUrl, 'PUT', body)).status).toBe(200);
      const getUrl = await getSignedUrl(
        c,
        new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned/v4.txt' }),
        { expiresIn: 300 },
      );
      expect(await send(getUrl)).toEqual({ status: 200, text: body });
      const tampered = await send(getUrl.replace('v4.txt', 'v5.txt'));
      expect(tampered.status).toBe(403);
      expect(tampered.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    }
  });
});

describe('anonymous callers and another account', () => {
  it('anonymous: the bucket policy alone decides; otherwise "Access Denied"', async () => {
    const pub = await fetch(`${h.server.edge}/${BUCKET}/public/hello.txt`);
    expect([pub.status, await pub.text()]).toEqual([200, 'public hello\n']);
    const priv = await fetch(`${h.server.edge}/${BUCKET}/hello.txt`);
    const text = await priv.text();
    expect(priv.status).toBe(403);
    expect(text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><RequestId>/,
    );
    expect(priv.headers.get('x-amz-request-id')).toBeTruthy();
    const list = await fetch(`${h.server.edge}/`);
    expect(list.status).toBe(403);
    const missing = await fetch(`${h.server.edge}/irsa-app-nowhere/k`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(
      '<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>irsa-app-nowhere</BucketName>',
    );
  });

  it('cross-account needs both the caller’s identity policy and the bucket policy', async () => {
    await h.createAccount(PARTNER);
    const partner = await h.roleSession({
      roleName: 'partner-reader',
      account: PARTNER,
      policies: [
        allow(
          ['s3:GetObject', 's3:ListBucket'],
          [`arn:aws:s3:::${SHARED}`, `arn:aws:s3:::${SHARED}/*`],
        ),
      ],
    });
    const bystander = await h.roleSession({
      roleName: 'partner-bystander',
      account: PARTNER,
      policies: [allow('sqs:ListQueues')],
    });
    const owner = s3(admin);
    await owner.send(new CreateBucketCommand({ Bucket: SHARED }));
    await owner.send(
      new PutObjectCommand({ Bucket: SHARED, Key: 'data.txt', Body: 'shared data' }),
    );
    const p = s3(partner);
    // identity policy alone: not enough across accounts
    expect(
      await jsError(p.send(new GetObjectCommand({ Bucket: SHARED, Key: 'data.txt' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: 'Access Denied',
      status: 403,
    });
    await owner.send(
      new PutBucketPolicyCommand({
        Bucket: SHARED,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
              Action: ['s3:GetObject', 's3:ListBucket'],
              Resource: [`arn:aws:s3:::${SHARED}`, `arn:aws:s3:::${SHARED}/*`],
            },
          ],
        }),
      }),
    );
    const got = await p.send(new GetObjectCommand({ Bucket: SHARED, Key: 'data.txt' }));
    expect(await got.Body?.transformToString()).toBe('shared data');
    const listed = await boto(
      `out([c['Key'] for c in s3.list_objects_v2(Bucket='${SHARED}')['Contents']])`,
      partner,
    );
    expect(listed).toEqual([['data.txt']]);
    // bucket policy alone: not enough either
    expect(
      await jsError(s3(bystander).send(new GetObjectCommand({ Bucket: SHARED, Key: 'data.txt' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: 'Access Denied',
      status: 403,
    });
    // writing was never granted
    expect(
      await jsError(p.send(new PutObjectCommand({ Bucket: SHARED, Key: 'w.txt', Body: 'x' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: 'Access Denied',
      status: 403,
    });
    // the bucket policy is the owner account's alone: another account, even one the policy and
    // its own identity policy allow, gets 405 (after authorization: without the permission it
    // is AccessDenied)
    const managed = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
          Action: [
            's3:GetObject',
            's3:ListBucket',
            's3:GetBucketPolicy',
            's3:PutBucketPolicy',
            's3:DeleteBucketPolicy',
          ],
          Resource: [`arn:aws:s3:::${SHARED}`, `arn:aws:s3:::${SHARED}/*`],
        },
      ],
    };
    await owner.send(
      new PutBucketPolicyCommand({ Bucket: SHARED, Policy: JSON.stringify(managed) }),
    );
    const partnerAdmin = s3(h.admin(PARTNER));
    const lockout = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${SHARED}`, `arn:aws:s3:::${SHARED}/*`],
        },
      ],
    });
    const notAllowed = {
      name: 'MethodNotAllowed',
      message: 'The specified method is not allowed against this resource.',
      status: 405,
    };
    expect(
      await jsError(
        partnerAdmin.send(new PutBucketPolicyCommand({ Bucket: SHARED, Policy: lockout })),
      ),
    ).toEqual(notAllowed);
    expect(
      await jsError(partnerAdmin.send(new GetBucketPolicyCommand({ Bucket: SHARED }))),
    ).toEqual(notAllowed);
    expect(
      await jsError(partnerAdmin.send(new DeleteBucketPolicyCommand({ Bucket: SHARED }))),
    ).toEqual(notAllowed);
    const cli = await h.aws(['s3api', 'get-bucket-policy', '--bucket', SHARED], h.admin(PARTNER));
    expect(cli.stderr).toContain(
      'An error occurred (MethodNotAllowed) when calling the GetBucketPolicy operation: The specified method is not allowed against this resource.',
    );
    expect(
      await jsError(
        s3(bystander).send(new PutBucketPolicyCommand({ Bucket: SHARED, Policy: lockout })),
      ),
    ).toEqual({ name: 'AccessDenied', message: 'Access Denied', status: 403 });
    const kept = await owner.send(new GetBucketPolicyCommand({ Bucket: SHARED }));
    expect(JSON.parse(kept.Policy ?? '')).toEqual(managed);
    // the bucket name is taken: names are global
    expect(
      await jsError(s3(h.admin(PARTNER)).send(new CreateBucketCommand({ Bucket: SHARED }))),
    ).toEqual({
      name: 'BucketAlreadyExists',
      message:
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
      status: 409,
    });
  });
});

describe('Block Public Access', () => {
  const B = 'irsa-app-bpa';
  const publicRead = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${B}/*`,
      },
    ],
  });
  let lastRequestId = '';
  const anonymousGet = async () => {
    const r = await fetch(`${h.server.edge}/${B}/open.txt`);
    lastRequestId = r.headers.get('x-amz-request-id') ?? '';
    return [r.status, await r.text()] as const;
  };

  it('a new bucket blocks public policies and public access; off, as on S3, the bucket is public', async () => {
    const app = roles.app as Creds;
    expect((await h.aws(['s3api', 'create-bucket', '--bucket', B], app)).code).toBe(0);
    await s3(app).send(new PutObjectCommand({ Bucket: B, Key: 'open.txt', Body: 'open' }));
    const got = await h.aws(['s3api', 'get-public-access-block', '--bucket', B], app);
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout)).toEqual({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    const blocked = await h.aws(
      ['s3api', 'put-bucket-policy', '--bucket', B, '--policy', publicRead],
      app,
    );
    expect(blocked.stderr).toContain(
      `An error occurred (AccessDenied) when calling the PutBucketPolicy operation: User: ${arnOf('s3-app-role')} is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${B}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
    );
    expect((await anonymousGet())[0]).toBe(403);

    // policies allowed, but public buckets still restricted: the policy is taken, and ignored
    // for anonymous callers
    const put = await boto(
      `out(s3.put_public_access_block(Bucket='${B}', PublicAccessBlockConfiguration={'BlockPublicAcls': True, 'IgnorePublicAcls': True, 'BlockPublicPolicy': False, 'RestrictPublicBuckets': True})['ResponseMetadata']['HTTPStatusCode'])
out(s3.get_public_access_block(Bucket='${B}')['PublicAccessBlockConfiguration'])`,
      app,
    );
    expect(put).toEqual([
      200,
      {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      },
    ]);
    const c = s3(app);
    await c.send(new PutBucketPolicyCommand({ Bucket: B, Policy: publicRead }));
    const [status, text] = await anonymousGet();
    expect(status).toBe(403);
    expect(text).toContain('<Code>AccessDenied</Code><Message>Access Denied</Message>');
    // irsa why: the policy was set aside by RestrictPublicBuckets — not "no policy"
    const why = await h.irsa(['why', lastRequestId]);
    expect(why.stdout).toContain('RestrictPublicBuckets setting is on');
    expect(why.stdout).toContain('RestrictPublicBuckets=false');
    expect(why.stdout).not.toContain('has no policy');
    // the owner's account is not restricted
    const own = await c.send(new GetObjectCommand({ Bucket: B, Key: 'open.txt' }));
    expect(await own.Body?.transformToString()).toBe('open');

    await c.send(
      new PutPublicAccessBlockCommand({
        Bucket: B,
        PublicAccessBlockConfiguration: { BlockPublicPolicy: false, RestrictPublicBuckets: false },
      }),
    );
    expect(await anonymousGet()).toEqual([200, 'open']);
    expect(await c.send(new GetPublicAccessBlockCommand({ Bucket: B }))).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });

    // deleted: no configuration at all
    expect((await h.aws(['s3api', 'delete-public-access-block', '--bucket', B], app)).stderr).toBe(
      '',
    );
    const none = await h.aws(['s3api', 'get-public-access-block', '--bucket', B], app);
    expect(none.stderr).toContain(
      'An error occurred (NoSuchPublicAccessBlockConfiguration) when calling the GetPublicAccessBlock operation: The public access block configuration was not found',
    );
    expect(await jsError(c.send(new GetPublicAccessBlockCommand({ Bucket: B })))).toEqual({
      name: 'NoSuchPublicAccessBlockConfiguration',
      message: 'The public access block configuration was not found',
      status: 404,
    });
    expect(await anonymousGet()).toEqual([200, 'open']);

    // turned back on, an existing public policy is restricted again (it is not removed)
    await c.send(
      new PutPublicAccessBlockCommand({
        Bucket: B,
        PublicAccessBlockConfiguration: { RestrictPublicBuckets: true },
      }),
    );
    expect((await anonymousGet())[0]).toBe(403);
    const ro = await h.aws(
      ['s3api', 'delete-public-access-block', '--bucket', B],
      roles.readonly as Creds,
    );
    expect(ro.stderr).toContain(
      `An error occurred (AccessDenied) when calling the DeletePublicAccessBlock operation: ${denied('s3-readonly-role', 's3:PutBucketPublicAccessBlock', `arn:aws:s3:::${B}`)}`,
    );
  });
});

describe('raw requests', () => {
  const sign = (
    method: string,
    target: string,
    body: Buffer | string,
    headers: [string, string][],
    payloadHash?: string,
  ) => {
    const host = new URL(h.server.edge).host;
    return signRequest({
      method,
      target,
      headers: [['Host', host], ...headers],
      body,
      credentials: roles.app as Creds,
      region: 'us-east-1',
      service: 's3',
      now: new Date(),
      payloadHash,
    });
  };
  const send = async (r: ReturnType<typeof sign>, body: Buffer | string) => {
    const res = await fetch(`${h.server.edge}${r.target}`, {
      method: r.method,
      headers: Object.fromEntries(r.headers.filter(([k]) => k.toLowerCase() !== 'host')),
      body: r.method === 'GET' || r.method === 'HEAD' ? undefined : body,
    });
    return { status: res.status, text: await res.text() };
  };

  it('signed aws-chunked upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), and a tampered chunk', async () => {
    const data = Buffer.from('x'.repeat(70_000));
    const headers: [string, string][] = [
      ['Content-Encoding', 'aws-chunked'],
      ['x-amz-decoded-content-length', String(data.length)],
      ['x-amz-trailer', 'x-amz-checksum-crc32'],
    ];
    const r = sign(
      'PUT',
      `/${BUCKET}/raw/chunked.bin`,
      '',
      headers,
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    );
    const { computeChecksum } = await import('../src/sigv4/checksums.js');
    const { body } = buildAwsChunked(data, {
      chunkSize: 65536,
      signing: r.signing,
      trailers: [['x-amz-checksum-crc32', computeChecksum('CRC32', data)]],
    });
    expect(await send(r, body)).toMatchObject({ status: 200 });
    const back = await s3(admin).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'raw/chunked.bin' }),
    );
    expect((await back.Body?.transformToByteArray())?.length).toBe(70_000);
    const r2 = sign(
      'PUT',
      `/${BUCKET}/raw/chunked.bin`,
      '',
      headers,
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    );
    const good = buildAwsChunked(data, {
      chunkSize: 65536,
      signing: r2.signing,
      trailers: [['x-amz-checksum-crc32', computeChecksum('CRC32', data)]],
    }).body;
    const tampered = Buffer.from(good);
    tampered[200] = 0x79;
    const bad = await send(r2, tampered);
    expect(bad.status).toBe(403);
    expect(bad.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('a bare + in the path is a space, as S3 reads it; every client sends a key’s plus as %2B and gets it back', async () => {
    const a = s3(admin);
    await a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plus/a b.txt', Body: 'space' }));
    await a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plus/a+b.txt', Body: 'plus' }));
    const get = (target: string) => send(sign('GET', target, '', []), '');
    expect(await get(`/${BUCKET}/plus/a+b.txt`)).toEqual({ status: 200, text: 'space' });
    expect(await get(`/${BUCKET}/plus/a%2Bb.txt`)).toEqual({ status: 200, text: 'plus' });
    const missing = await get(`/${BUCKET}/plus/c+d.txt`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<Code>NoSuchKey</Code>');
    expect(missing.text).toContain('<Key>plus/c d.txt</Key>');
    // a copy source is URL-encoded: its bare + is a space too
    expect(
      await send(
        sign('PUT', `/${BUCKET}/plus/copied.txt`, '', [
          ['x-amz-copy-source', `/${BUCKET}/plus/a+b.txt`],
        ]),
        '',
      ),
    ).toMatchObject({ status: 200 });
    expect(await get(`/${BUCKET}/plus/copied.txt`)).toEqual({ status: 200, text: 'space' });

    // the clients: JS SDK (plain and presigned), the AWS CLI, boto3 (plain and SigV2 presigned)
    const js = await a.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plus/a+b.txt' }));
    expect(await js.Body?.transformToString()).toBe('plus');
    const url = await getSignedUrl(
      a,
      new GetObjectCommand({ Bucket: BUCKET, Key: 'plus/a+b.txt' }),
    );
    expect(url).toContain('/plus/a%2Bb.txt?');
    expect(await (await fetch(url)).text()).toBe('plus');
    await a.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'plus/js-copy.txt',
        CopySource: `${BUCKET}/${encodeURIComponent('plus/a+b.txt')}`,
      }),
    );
    const copied = await a.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plus/js-copy.txt' }));
    expect(await copied.Body?.transformToString()).toBe('plus');
    const cli = await h.aws(['s3', 'cp', `s3://${BUCKET}/plus/a+b.txt`, '-'], admin);
    expect(cli.stdout).toBe('plus');
    const py = await boto(
      `out(s3.get_object(Bucket='${BUCKET}', Key='plus/a+b.txt')['Body'].read().decode())
s3.copy_object(Bucket='${BUCKET}', Key='plus/py-copy.txt', CopySource={'Bucket': '${BUCKET}', 'Key': 'plus/a+b.txt'})
out(s3.get_object(Bucket='${BUCKET}', Key='plus/py-copy.txt')['Body'].read().decode())
out(s3.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'plus/a+b.txt'}, ExpiresIn=300))`,
      admin,
    );
    expect(py.slice(0, 2)).toEqual(['plus', 'plus']);
    expect(await (await fetch(py[2] as string)).text()).toBe('plus');
  });

  it('garbage XML, a bad Content-MD5, SigV2 header auth, an unimplemented sub-resource', async () => {
    const garbage = '<Delete><Object><Key>k</Key>';
    const md5 = (await import('node:crypto')).createHash('md5').update(garbage).digest('base64');
    const g = await send(
      sign('POST', `/${BUCKET}?delete`, garbage, [['Content-MD5', md5]]),
      garbage,
    );
    expect(g.status).toBe(400);
    expect(g.text).toContain(
      '<Code>MalformedXML</Code><Message>The XML you provided was not well-formed or did not validate against our published schema</Message>',
    );
    const noMd5 = '<Delete><Object><Key>k</Key></Object></Delete>';
    const m = await send(sign('POST', `/${BUCKET}?delete`, noMd5, []), noMd5);
    expect(m.text).toContain(
      '<Code>InvalidRequest</Code><Message>Missing required header for this request: Content-MD5</Message>',
    );
    const v2 = await fetch(`${h.server.edge}/${BUCKET}/hello.txt`, {
      headers: {
        Authorization: `AWS ${admin.accessKeyId}:c2lnbmF0dXJl`,
        Date: new Date().toUTCString(),
      },
    });
    expect(v2.status).toBe(400);
    expect(await v2.text()).toContain(
      '<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>',
    );
    const tagging = await h.aws(
      ['s3api', 'get-bucket-tagging', '--bucket', BUCKET],
      roles.app as Creds,
    );
    expect(tagging.stderr).toContain(
      'An error occurred (NotImplemented) when calling the GetBucketTagging operation: A header you provided implies functionality that is not implemented',
    );
  });

  it('DeleteObjects with a pretty-printed body (the API reference’s example) deletes', async () => {
    const c = s3(roles.app as Creds);
    for (const Key of ['raw/pretty1.txt', 'raw/ spaced '])
      await c.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Object>
         <Key>raw/pretty1.txt</Key>
    </Object>
    <Object>
         <Key>raw/ spaced </Key>
    </Object>
</Delete>
`;
    const md5 = (await import('node:crypto')).createHash('md5').update(body).digest('base64');
    const r = await send(sign('POST', `/${BUCKET}?delete`, body, [['Content-MD5', md5]]), body);
    expect(r.status).toBe(200);
    expect(r.text).toContain(
      '<Deleted><Key>raw/pretty1.txt</Key></Deleted><Deleted><Key>raw/ spaced </Key></Deleted>',
    );
    const left = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'raw/' }));
    expect((left.Contents ?? []).map((o) => o.Key)).not.toContain('raw/ spaced ');
    expect((left.Contents ?? []).map((o) => o.Key)).not.toContain('raw/pretty1.txt');
  });

  it('conditional GETs: 304 and 412', async () => {
    const c = s3(roles.app as Creds);
    const head = await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'hello.txt' }));
    expect(
      await jsError(
        c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'hello.txt', IfNoneMatch: head.ETag })),
      ),
    ).toMatchObject({ status: 304 });
    expect(
      await jsError(
        c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'hello.txt', IfMatch: '"nope"' })),
      ),
    ).toEqual({
      name: 'PreconditionFailed',
      message: 'At least one of the pre-conditions you specified did not hold',
      status: 412,
    });
  });

  it('DeleteBucket: BucketNotEmpty, then refused, then done', async () => {
    const c = s3(roles.app as Creds);
    await c.send(new CreateBucketCommand({ Bucket: 'irsa-app-gone' }));
    await c.send(new PutObjectCommand({ Bucket: 'irsa-app-gone', Key: 'k', Body: 'x' }));
    const out = await boto(
      `out(err(lambda: s3.delete_bucket(Bucket='irsa-app-gone')))
s3.delete_object(Bucket='irsa-app-gone', Key='k')`,
      roles.app as Creds,
    );
    expect(out).toEqual([
      {
        code: 'BucketNotEmpty',
        message: 'The bucket you tried to delete is not empty',
        status: 409,
      },
    ]);
    const ro = await boto(
      `out(err(lambda: s3.delete_bucket(Bucket='irsa-app-gone')))`,
      roles.readonly as Creds,
    );
    expect(ro).toEqual([
      {
        code: 'AccessDenied',
        message: denied('s3-readonly-role', 's3:DeleteBucket', 'arn:aws:s3:::irsa-app-gone'),
        status: 403,
      },
    ]);
    expect(
      await boto(`s3.delete_bucket(Bucket='irsa-app-gone')\nout('ok')`, roles.app as Creds),
    ).toEqual(['ok']);
  });
});

describe('the seed: a pod with IRSA credentials', () => {
  it('`aws s3 ls` with AmazonS3ReadOnlyAccess through the web-identity chain; writes refused; the seed’s my-bucket policy', async () => {
    const applied = await h.irsa([
      'apply',
      '-f',
      join(ROOT, 'examples/k8s/namespace.yaml'),
      '-f',
      join(ROOT, 'examples/k8s/s3-app-serviceaccount.yaml'),
    ]);
    expect(applied.code).toBe(0);
    const cluster = await new EKSClient(h.sdk(admin)).send(
      new DescribeClusterCommand({ name: 'demo' }),
    );
    const issuer = cluster.cluster?.identity?.oidc?.issuer as string;
    const hostPath = issuer.replace('https://', '');
    const iam = new IAMClient(h.sdk(admin));
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: issuer,
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: [h.server.thumbprint],
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 's3-app-role-irsa',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: {
                StringEquals: {
                  [`${hostPath}:sub`]: 'system:serviceaccount:production:s3-app',
                  [`${hostPath}:aud`]: 'sts.amazonaws.com',
                },
              },
            },
          ],
        }),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 's3-app-role-irsa',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    );
    const token = await h.irsa(['token', 'create', '-n', 'production', 's3-app']);
    expect(token.stderr).toBe('');
    const tokenFile = join(h.home, 's3-app.jwt');
    writeFileSync(tokenFile, token.stdout.trim());
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/s3-app-role-irsa`;
    const pod: NodeJS.ProcessEnv = {
      ...h.env(),
      AWS_ROLE_ARN: roleArn,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      delete pod[k];
    const ls = await h.run('aws', ['s3', 'ls'], pod);
    expect(ls.stderr).toBe('');
    expect(ls.stdout).toMatch(new RegExp(`\\s${BUCKET}\\n`));
    const cat = await h.run('aws', ['s3', 'cp', `s3://${BUCKET}/hello.txt`, '-'], pod);
    expect(cat.stdout).toBe('hello\n');
    writeFileSync(join(h.home, 'w.txt'), 'w');
    const write = await h.run(
      'aws',
      ['s3', 'cp', join(h.home, 'w.txt'), `s3://${BUCKET}/w.txt`],
      pod,
    );
    expect(write.stderr).toMatch(
      /An error occurred \(AccessDenied\) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role\/s3-app-role-irsa\/botocore-session-\d+ is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::irsa-e2e\/w.txt" because no identity-based policy allows the s3:PutObject action/,
    );

    // the seed's "multiple services" policy, in place of the managed one: my-bucket only
    await s3(admin).send(new CreateBucketCommand({ Bucket: 'my-bucket' }));
    await s3(admin).send(
      new PutObjectCommand({ Bucket: 'my-bucket', Key: 'config.json', Body: '{}' }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 's3-app-role-irsa',
        PolicyName: 'app-policy',
        PolicyDocument: JSON.stringify(
          allow(
            ['s3:GetObject', 's3:ListBucket'],
            ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'],
          ),
        ),
      }),
    );
    const client = new S3Client({
      ...h.sdk(admin),
      forcePathStyle: true,
      credentials: fromTokenFile({
        roleArn,
        webIdentityTokenFile: tokenFile,
        clientConfig: { endpoint: h.server.edge, region: 'us-east-1' },
      }),
    });
    const got = await client.send(
      new GetObjectCommand({ Bucket: 'my-bucket', Key: 'config.json' }),
    );
    expect(await got.Body?.transformToString()).toBe('{}');
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'my-bucket' }))).KeyCount).toBe(1);
  });
});
