/**
 * A multipart upload's checksum with the real clients against `irsa up`: the algorithm and
 * type CreateMultipartUpload names hold for the whole upload, as on S3. boto3's upload_file
 * with a precomputed full-object CRC32 (s3transfer sends ChecksumType FULL_OBJECT) ends with
 * that CRC32, and a wrong one is BadDigest; the JS SDK's FULL_OBJECT uploads of CRC32, CRC32C
 * and CRC64NVME end with the whole object's CRC, which the SDK itself verifies on GetObject;
 * SHA256 is composite only; a part of another algorithm is refused.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Creds, type Harness, startHarness } from './support/harness.js';

const BUCKET = 'mpu-checksums';
const MiB = 1024 * 1024;
let h: Harness;
let admin: Creds;
let s3: S3Client;

beforeAll(async () => {
  h = await startHarness({ demo: false });
  admin = h.admin();
  s3 = new S3Client({ ...h.sdk(admin), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);

afterAll(() => h?.close());

/** Runs boto3 code with `s3` bound to a path-style client that does not retry; it prints JSON lines. */
async function boto(code: string): Promise<unknown[]> {
  const prelude = `
import json, base64, zlib, hashlib, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client('s3', region_name='us-east-1', config=Config(retries={'max_attempts': 1}))
def err(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return {'code': e.response['Error']['Code'], 'message': e.response['Error'].get('Message'), 'status': e.response['ResponseMetadata']['HTTPStatusCode']}
def out(x):
    print(json.dumps(x, default=str))
`;
  const r = await h.python(prelude + code, admin);
  if (r.code !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

async function jsError(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected an error');
}

describe('boto3', () => {
  it('upload_file with a full-object CRC32 is FULL_OBJECT; a wrong one is BadDigest', async () => {
    const file = join(h.home, 'twelve.bin');
    writeFileSync(file, randomBytes(12 * MiB));
    const [sent, head, got, attrs, wrong, leftover] = await boto(`
from boto3.s3.transfer import TransferConfig
data = open(${JSON.stringify(file)}, 'rb').read()
crc = base64.b64encode(zlib.crc32(data).to_bytes(4, 'big')).decode()
cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
seen = []
s3.meta.events.register('before-send.s3.CreateMultipartUpload', lambda request, **kw: seen.append(request.headers.get('x-amz-checksum-type')))
s3.upload_file(${JSON.stringify(file)}, '${BUCKET}', 'boto/full.bin', ExtraArgs={'ChecksumCRC32': crc}, Config=cfg)
out({'type': [t.decode() for t in seen], 'crc': crc})
h = s3.head_object(Bucket='${BUCKET}', Key='boto/full.bin', ChecksumMode='ENABLED')
out({'crc': h.get('ChecksumCRC32'), 'type': h.get('ChecksumType'), 'etag': h['ETag']})
g = s3.get_object(Bucket='${BUCKET}', Key='boto/full.bin', ChecksumMode='ENABLED')
out({'crc': g.get('ChecksumCRC32'), 'type': g.get('ChecksumType'), 'same': g['Body'].read() == data})
a = s3.get_object_attributes(Bucket='${BUCKET}', Key='boto/full.bin', ObjectAttributes=['Checksum'])
out(a['Checksum'])
try:
    s3.upload_file(${JSON.stringify(file)}, '${BUCKET}', 'boto/wrong.bin', ExtraArgs={'ChecksumCRC32': 'AAAAAA=='}, Config=cfg)
    out(None)
except Exception as e:
    out(str(e))
out({'objects': [o['Key'] for o in s3.list_objects_v2(Bucket='${BUCKET}', Prefix='boto/').get('Contents', [])], 'uploads': len(s3.list_multipart_uploads(Bucket='${BUCKET}').get('Uploads', []))})
`);
    const { crc } = sent as { crc: string };
    expect(sent).toEqual({ type: ['FULL_OBJECT'], crc });
    expect(head).toMatchObject({ crc, type: 'FULL_OBJECT' });
    expect((head as { etag: string }).etag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(got).toEqual({ crc, type: 'FULL_OBJECT', same: true });
    expect(attrs).toEqual({ ChecksumCRC32: crc, ChecksumType: 'FULL_OBJECT' });
    expect(wrong).toMatch(
      /An error occurred \(BadDigest\) when calling the CompleteMultipartUpload operation .*: The crc32 you specified did not match the calculated checksum\.$/,
    );
    // nothing was stored, and s3transfer aborted the upload
    expect(leftover).toEqual({ objects: ['boto/full.bin'], uploads: 0 });
  }, 120_000);

  it('the algorithm and type are the upload’s: parts of another algorithm and impossible types are refused', async () => {
    const out = await boto(`
u = s3.create_multipart_upload(Bucket='${BUCKET}', Key='boto/mm.bin', ChecksumAlgorithm='CRC32')
out({'alg': u.get('ChecksumAlgorithm'), 'type': u.get('ChecksumType')})
out(err(lambda: s3.upload_part(Bucket='${BUCKET}', Key='boto/mm.bin', UploadId=u['UploadId'], PartNumber=1, Body=b'x' * 10, ChecksumAlgorithm='SHA256')))
out(s3.list_parts(Bucket='${BUCKET}', Key='boto/mm.bin', UploadId=u['UploadId']).get('Parts', []))
s3.abort_multipart_upload(Bucket='${BUCKET}', Key='boto/mm.bin', UploadId=u['UploadId'])
out(err(lambda: s3.create_multipart_upload(Bucket='${BUCKET}', Key='boto/x', ChecksumAlgorithm='SHA256', ChecksumType='FULL_OBJECT')))
out(err(lambda: s3.create_multipart_upload(Bucket='${BUCKET}', Key='boto/x', ChecksumAlgorithm='CRC64NVME', ChecksumType='COMPOSITE')))
out(err(lambda: s3.create_multipart_upload(Bucket='${BUCKET}', Key='boto/x', ChecksumType='FULL_OBJECT')))
out(len(s3.list_multipart_uploads(Bucket='${BUCKET}').get('Uploads', [])))
`);
    expect(out).toEqual([
      { alg: 'CRC32', type: 'COMPOSITE' },
      {
        code: 'InvalidRequest',
        message:
          'Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256',
        status: 400,
      },
      [],
      {
        code: 'InvalidRequest',
        message: 'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.',
        status: 400,
      },
      {
        code: 'InvalidRequest',
        message:
          'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.',
        status: 400,
      },
      {
        code: 'InvalidRequest',
        message:
          'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
        status: 400,
      },
      0,
    ]);
  }, 60_000);

  it('SHA256 is composite: the completion names each part’s checksum, and the object’s is theirs, -N', async () => {
    const out = await boto(`
u = s3.create_multipart_upload(Bucket='${BUCKET}', Key='boto/sha.bin', ChecksumAlgorithm='SHA256')['UploadId']
bodies = [b'a' * (5 * 1024 * 1024), b'tail']
parts = []
for i, b in enumerate(bodies, 1):
    r = s3.upload_part(Bucket='${BUCKET}', Key='boto/sha.bin', UploadId=u, PartNumber=i, Body=b, ChecksumAlgorithm='SHA256')
    parts.append({'PartNumber': i, 'ETag': r['ETag'], 'ChecksumSHA256': r['ChecksumSHA256']})
lp = s3.list_parts(Bucket='${BUCKET}', Key='boto/sha.bin', UploadId=u)
out({'alg': lp.get('ChecksumAlgorithm'), 'type': lp.get('ChecksumType'), 'parts': [p.get('ChecksumSHA256') for p in lp['Parts']]})
bare = [{'PartNumber': p['PartNumber'], 'ETag': p['ETag']} for p in parts]
out(err(lambda: s3.complete_multipart_upload(Bucket='${BUCKET}', Key='boto/sha.bin', UploadId=u, MultipartUpload={'Parts': bare})))
swapped = [dict(parts[0], ChecksumSHA256=parts[1]['ChecksumSHA256']), parts[1]]
out(err(lambda: s3.complete_multipart_upload(Bucket='${BUCKET}', Key='boto/sha.bin', UploadId=u, MultipartUpload={'Parts': swapped}))['code'])
c = s3.complete_multipart_upload(Bucket='${BUCKET}', Key='boto/sha.bin', UploadId=u, MultipartUpload={'Parts': parts})
digests = b''.join(hashlib.sha256(b).digest() for b in bodies)
expected = base64.b64encode(hashlib.sha256(digests).digest()).decode() + '-2'
h = s3.head_object(Bucket='${BUCKET}', Key='boto/sha.bin', ChecksumMode='ENABLED')
out({'complete': [c.get('ChecksumSHA256'), c.get('ChecksumType')], 'head': [h.get('ChecksumSHA256'), h.get('ChecksumType')], 'expected': expected})
`);
    expect(out[0]).toMatchObject({ alg: 'SHA256', type: 'COMPOSITE' });
    expect((out[0] as { parts: unknown[] }).parts).toHaveLength(2);
    expect(out[1]).toEqual({
      code: 'InvalidRequest',
      message:
        'The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
      status: 400,
    });
    expect(out[2]).toBe('InvalidPart');
    const { expected } = out[3] as { expected: string };
    expect(out[3]).toEqual({
      complete: [expected, 'COMPOSITE'],
      head: [expected, 'COMPOSITE'],
      expected,
    });
  }, 60_000);
});

describe('the JS SDK', () => {
  const head = Buffer.alloc(5 * MiB, 'h');
  const tail = Buffer.from('the tail of the object\n');
  const whole = Buffer.concat([head, tail]);

  /** CreateMultipartUpload, two parts the SDK checksums with `algorithm`, and the upload id. */
  async function twoParts(key: string, algorithm: ChecksumAlgorithm, type?: 'FULL_OBJECT') {
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        ChecksumAlgorithm: algorithm,
        ...(type ? { ChecksumType: type } : {}),
      }),
    );
    const id = created.UploadId as string;
    const parts = [];
    for (const [i, body] of [head, tail].entries()) {
      const r = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: id,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: algorithm,
        }),
      );
      parts.push({
        PartNumber: i + 1,
        ETag: r.ETag,
        [`Checksum${algorithm}`]: r[`Checksum${algorithm}`],
      });
    }
    return { created, id, parts };
  }

  it.each([
    ['CRC32', 'FULL_OBJECT'],
    ['CRC32C', 'FULL_OBJECT'],
    ['CRC64NVME', 'FULL_OBJECT'],
    ['CRC64NVME', undefined],
  ] as const)(
    '%s %s: the whole object’s CRC, FULL_OBJECT everywhere; the SDK verifies it on GetObject',
    async (algorithm, type) => {
      const key = `js/${algorithm}-${type ?? 'default'}.bin`;
      const field = `Checksum${algorithm}` as const;
      // the whole object's CRC, as the SDK computes it for a PutObject of the same bytes
      const reference = (
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `${key}.single`,
            Body: whole,
            ChecksumAlgorithm: algorithm,
          }),
        )
      )[field];
      expect(reference).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const { created, id, parts } = await twoParts(key, algorithm, type);
      expect(created).toMatchObject({ ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' });
      const listed = await s3.send(
        new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: id }),
      );
      expect(listed).toMatchObject({ ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' });
      // a wrong full-object checksum is BadDigest; the upload is still there to complete
      const zero = algorithm === 'CRC64NVME' ? 'AAAAAAAAAAA=' : 'AAAAAA==';
      expect(
        await jsError(
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket: BUCKET,
              Key: key,
              UploadId: id,
              MultipartUpload: { Parts: parts },
              ChecksumType: 'FULL_OBJECT',
              [field]: zero,
            }),
          ),
        ),
      ).toEqual({
        name: 'BadDigest',
        message: `The ${algorithm.toLowerCase()} you specified did not match the calculated checksum.`,
      });
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: id,
          MultipartUpload: { Parts: parts },
          ChecksumType: 'FULL_OBJECT',
          [field]: reference,
        }),
      );
      expect(done).toMatchObject({ [field]: reference, ChecksumType: 'FULL_OBJECT' });
      expect(done.ETag).toMatch(/-2"$/);
      const headed = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(headed).toMatchObject({ [field]: reference, ChecksumType: 'FULL_OBJECT' });
      const got = await s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(got).toMatchObject({ [field]: reference, ChecksumType: 'FULL_OBJECT' });
      // the SDK checks the body against a full-object checksum as it reads it
      expect(
        Buffer.from(
          await (
            got.Body as { transformToByteArray(): Promise<Uint8Array> }
          ).transformToByteArray(),
        ).equals(whole),
      ).toBe(true);
      const attrs = await s3.send(
        new GetObjectAttributesCommand({
          Bucket: BUCKET,
          Key: key,
          ObjectAttributes: ['Checksum'],
        }),
      );
      expect(attrs.Checksum).toEqual({ [field]: reference, ChecksumType: 'FULL_OBJECT' });
    },
    60_000,
  );

  it('a COMPOSITE CRC32C upload: a part sent without a checksum is refused; a copied part is checksummed', async () => {
    const key = 'js/composite-copy.bin';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'js/source.bin', Body: head }));
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32C' }),
    );
    expect(created).toMatchObject({ ChecksumAlgorithm: 'CRC32C', ChecksumType: 'COMPOSITE' });
    const id = created.UploadId as string;
    const bare = await h.signedFetch({
      service: 's3',
      method: 'PUT',
      target: `/${BUCKET}/${key}?partNumber=2&uploadId=${id}`,
      body: 'tail',
    });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain(
      '<Message>Checksum Type mismatch occurred, expected checksum Type: crc32c, actual checksum Type: null</Message>',
    );
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: id,
        PartNumber: 1,
        CopySource: `${BUCKET}/js/source.bin`,
      }),
    );
    expect(copied.CopyPartResult?.ChecksumCRC32C).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const p2 = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: id,
        PartNumber: 2,
        Body: tail,
        ChecksumAlgorithm: 'CRC32C',
      }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: id,
        MultipartUpload: {
          Parts: [
            {
              PartNumber: 1,
              ETag: copied.CopyPartResult?.ETag,
              ChecksumCRC32C: copied.CopyPartResult?.ChecksumCRC32C,
            },
            { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32C: p2.ChecksumCRC32C },
          ],
        },
      }),
    );
    expect(done.ChecksumType).toBe('COMPOSITE');
    expect(done.ChecksumCRC32C).toMatch(/-2$/);
  }, 60_000);
});
