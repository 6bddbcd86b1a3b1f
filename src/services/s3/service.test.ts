/**
 * The service in-process, over a real SQLite store and a scratch data folder, with a fake
 * authorizer: what a request leaves behind (records and body files) when it succeeds, fails
 * or is refused; the answers to what irsakit does not implement; the audit notes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import type { Authorize, AuthorizeRequest } from '../../server/aws/authorize.js';
import { computeChecksum } from '../../sigv4/checksums.js';
import type { RawRequest } from '../../server/aws/request.js';
import type { CallContext, ServiceResponse } from '../../server/aws/types.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { MAX_COMPLETED_BYTES, type UploadRecord, uploadsOf } from './multipart.js';
import { type BucketRecord, type ObjectRecord, objectsOf } from './repo.js';
import { createS3Service } from './service.js';

const ACCOUNT = '123456789012';
let dataDir: string;
let store: SqliteStore;
let denied: Set<string>;
let handler: ReturnType<typeof createS3Service>;
/** every authorization asked for, in order */
let asked: AuthorizeRequest[];

const authorize: Authorize = async (ctx, req) => {
  asked.push(req);
  if (denied.has(req.action)) {
    const standard = `User: ${ctx.caller?.principal.id} is not authorized to perform: ${req.action} on resource: "${req.resource}" because no identity-based policy allows the ${req.action} action`;
    throw new AwsError(
      'AccessDenied',
      403,
      req.deniedMessage ? req.deniedMessage({ decision: 'implicitDeny', standard }) : standard,
    );
  }
  ctx.decisions.push({
    action: req.action,
    resource: req.resource,
    decision: 'allowed',
    matched: [],
  });
};

function ctx(): CallContext {
  return {
    requestId: 'req-1',
    caller: {
      principal: {
        type: 'AssumedRole',
        id: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s`,
        account: ACCOUNT,
        partition: 'aws',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      },
      accessKeyId: 'ASIAEXAMPLE',
      account: ACCOUNT,
      userId: 'AROAEXAMPLE:s',
    },
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    secureTransport: false,
    now: new Date('2024-05-01T12:00:00Z'),
    endpoint: 'http://127.0.0.1:4577',
    auth: {
      kind: 'header',
      accessKeyId: 'ASIAEXAMPLE',
      presigned: false,
      payload: { kind: 'unsigned' },
    },
    audit: {},
    decisions: [],
  };
}

function raw(
  method: string,
  target: string,
  body = '',
  headers: [string, string][] = [],
): RawRequest {
  const q = target.indexOf('?');
  return {
    method,
    target,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    // as an HTTP client does: a body's length, unless the caller frames it otherwise
    rawHeaders: [
      ['Host', '127.0.0.1:4577'],
      ...(headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))
        ? []
        : ([['Content-Length', String(Buffer.byteLength(body))]] as [string, string][])),
      ...headers,
    ],
    body: Buffer.from(body),
    sourceIp: '127.0.0.1',
    secure: false,
  };
}

async function call(
  method: string,
  target: string,
  body = '',
  headers: [string, string][] = [],
  c = ctx(),
): Promise<ServiceResponse | AwsError> {
  try {
    return await handler(c, raw(method, target, body, headers), {
      service: 's3',
      protocol: 'rest-xml',
    });
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
}

function files(): string[] {
  const dir = join(dataDir, 's3', 'objects');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((shard) => readdirSync(join(dir, shard)));
}

/** the inline bodies in bucket bk1's records */
async function inlineBodies(): Promise<string[]> {
  const records = await store.list<ObjectRecord>(objectsOf('bk1'));
  return records.flatMap((i) => (i.value.body !== undefined ? [i.value.body] : []));
}

/** every body irsakit keeps: files, inline bodies in records, and in `s3.bodies` (earlier versions) */
async function bodies(): Promise<string[]> {
  return [
    ...files(),
    ...(await inlineBodies()),
    ...(await store.list('s3.bodies')).map((i) => i.key),
  ];
}

function makeHandler(inlineBodyBytes?: number) {
  handler = createS3Service({
    store,
    dataDir,
    authorize,
    inlineBodyBytes,
    directory: {
      accounts: async () => [ACCOUNT],
      getRole: async () => undefined,
      getUser: async () => undefined,
      findOidcProvider: async () => undefined,
    },
  });
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'irsa-s3-'));
  store = new SqliteStore(':memory:');
  denied = new Set();
  asked = [];
  makeHandler();
  expect(await call('PUT', '/bk1')).toMatchObject({ status: 200 });
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.each([
  ['bodies in files', 0],
  ['small bodies inline', 4096],
])('what requests leave behind (%s)', (_name, inline) => {
  beforeEach(() => makeHandler(inline));

  it('one file per object; an overwrite or a delete removes the old one', async () => {
    expect(await call('PUT', '/bk1/k', 'one')).toMatchObject({ status: 200 });
    expect(await bodies()).toHaveLength(1);
    const first = (await bodies())[0];
    expect(await call('PUT', '/bk1/k', 'two')).toMatchObject({ status: 200 });
    expect(await bodies()).toHaveLength(1);
    expect((await bodies())[0]).not.toBe(first);
    const got = (await call('GET', '/bk1/k')) as ServiceResponse;
    expect(String(got.body)).toBe('two');
    expect(await call('DELETE', '/bk1/k')).toMatchObject({ status: 204 });
    expect(await bodies()).toHaveLength(0);
    expect(await call('DELETE', '/bk1/k')).toMatchObject({ status: 204 });
  });

  it('a failed upload leaves neither a record nor a file', async () => {
    const e = await call('PUT', '/bk1/k', 'hello\n', [['x-amz-checksum-crc32', 'AAAAAA==']]);
    expect(e).toMatchObject({ code: 'BadDigest', httpStatus: 400 });
    expect(await bodies()).toHaveLength(0);
    expect(await call('GET', '/bk1/k')).toMatchObject({ code: 'NoSuchKey', httpStatus: 404 });
  });

  it('a refused upload leaves nothing and keeps the old object', async () => {
    await call('PUT', '/bk1/k', 'old');
    denied.add('s3:PutObject');
    expect(await call('PUT', '/bk1/k', 'new')).toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('s3:PutObject'),
    });
    expect(await bodies()).toHaveLength(1);
    expect(String(((await call('GET', '/bk1/k')) as ServiceResponse).body)).toBe('old');
  });

  it('parallel writes of one key leave one file, the last one', async () => {
    const versions = Array.from({ length: 20 }, (_, i) => `v${i}`);
    await Promise.all(versions.map((b) => call('PUT', '/bk1/k', b)));
    expect(await bodies()).toHaveLength(1);
    expect(versions).toContain(String(((await call('GET', '/bk1/k')) as ServiceResponse).body));
  });

  it('a bucket deleted while an upload runs: NoSuchBucket, no file', async () => {
    const upload = call('PUT', '/bk1/k', 'x'.repeat(10));
    const del = call('DELETE', '/bk1');
    const [u, d] = await Promise.all([upload, del]);
    if (u instanceof AwsError) {
      expect(u.code).toBe('NoSuchBucket');
      expect(await bodies()).toHaveLength(0);
    } else {
      expect(d).toMatchObject({ code: 'BucketNotEmpty' });
      expect(await bodies()).toHaveLength(1);
    }
  });

  it('DeleteBucket only empties; BucketNotEmpty names the bucket', async () => {
    await call('PUT', '/bk1/k', 'x');
    expect(await call('DELETE', '/bk1')).toMatchObject({
      code: 'BucketNotEmpty',
      httpStatus: 409,
      message: 'The bucket you tried to delete is not empty',
      elements: { BucketName: 'bk1' },
    });
  });
});

describe('where bodies live', () => {
  it('up to 4 KiB inline in the record, larger in a file; replacing one by the other cleans up', async () => {
    const where = async () => [
      files().length,
      (await inlineBodies()).length,
      (await store.list('s3.bodies')).length,
    ];
    await call('PUT', '/bk1/k', 'x'.repeat(4096));
    expect(await where()).toEqual([0, 1, 0]);
    await call('PUT', '/bk1/k', 'y'.repeat(4097));
    expect(await where()).toEqual([1, 0, 0]);
    expect(String(((await call('GET', '/bk1/k')) as ServiceResponse).body)).toBe('y'.repeat(4097));
    await call('PUT', '/bk1/k', 'z');
    expect(await where()).toEqual([0, 1, 0]);
    expect(String(((await call('GET', '/bk1/k')) as ServiceResponse).body)).toBe('z');
    await call('DELETE', '/bk1/k');
    expect(await where()).toEqual([0, 0, 0]);
  });

  it('an inline body of an earlier version (in s3.bodies by id) is read, copied and released', async () => {
    // as irsakit wrote a small object before its body moved into the record
    await call('PUT', '/bk1/old', 'hello');
    const written = (await store.get<ObjectRecord>(objectsOf('bk1'), 'old'))!.value;
    const { body: _body, ...rest } = written;
    await store.put<ObjectRecord>(objectsOf('bk1'), 'old', { ...rest, file: 'b-1', inline: true });
    await store.put('s3.bodies', 'b-1', Buffer.from('hello').toString('base64'));
    expect(String(((await call('GET', '/bk1/old')) as ServiceResponse).body)).toBe('hello');
    const copied = await call('PUT', '/bk1/copy', '', [['x-amz-copy-source', '/bk1/old']]);
    expect(copied).toMatchObject({ status: 200 });
    expect(String(((await call('GET', '/bk1/copy')) as ServiceResponse).body)).toBe('hello');
    await call('PUT', '/bk1/old', 'new');
    expect(await store.list('s3.bodies')).toHaveLength(0);
    expect(String(((await call('GET', '/bk1/old')) as ServiceResponse).body)).toBe('new');
    await store.put<ObjectRecord>(objectsOf('bk1'), 'gone', { ...rest, file: 'b-2', inline: true });
    await store.put('s3.bodies', 'b-2', Buffer.from('bye').toString('base64'));
    expect(await call('DELETE', '/bk1/gone')).toMatchObject({ status: 204 });
    expect(await store.list('s3.bodies')).toHaveLength(0);
  });
});

describe('answers', () => {
  it('HEAD reads no body: empty, with the Content-Length a GET would have', async () => {
    await call('PUT', '/bk1/k', 'hello world');
    const r = (await call('HEAD', '/bk1/k')) as ServiceResponse;
    expect(r.body).toBeUndefined();
    expect(r.headers?.['Content-Length']).toBe('11');
    expect(r.headers?.ETag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    const part = (await call('HEAD', '/bk1/k', '', [['Range', 'bytes=2-5']])) as ServiceResponse;
    expect([part.status, part.body, part.headers?.['Content-Length']]).toEqual([
      206,
      undefined,
      '4',
    ]);
    expect(part.headers?.['Content-Range']).toBe('bytes 2-5/11');
  });

  it('a missing key is AccessDenied without s3:ListBucket', async () => {
    denied.add('s3:ListBucket');
    expect(await call('GET', '/bk1/nope')).toMatchObject({ code: 'AccessDenied', httpStatus: 403 });
  });

  it.each([
    ['GET', '/bk1?tagging', 'NotImplemented', 501],
    ['PUT', '/bk1/k?acl', 'AccessControlListNotSupported', 400],
    ['PUT', '/bk1?uploads', 'MethodNotAllowed', 405],
    ['GET', '/bk1/k?uploadId=x', 'NoSuchUpload', 404],
    ['GET', '/bk1/k?partNumber=1', 'NoSuchKey', 404],
    ['PUT', '/bk1/k?partNumber=1', 'NotImplemented', 501],
    ['POST', '/bk1/k', 'NotImplemented', 501],
    ['PUT', '/', 'MethodNotAllowed', 405],
    ['PATCH', '/bk1/k', 'MethodNotAllowed', 405],
    ['GET', '/nope/k', 'NoSuchBucket', 404],
    ['GET', '/bk1/k?versionId=3', 'InvalidArgument', 400],
  ])('%s %s → %s', async (method, target, code, status) => {
    expect(await call(method, target)).toMatchObject({ code, httpStatus: status });
  });

  it('response-* overrides: UTF-8 as latin1 bytes; control characters refused', async () => {
    await call('PUT', '/bk1/k', 'x');
    const ok = (await call(
      'GET',
      '/bk1/k?response-content-disposition=attachment%3B%20filename%3D%22%C3%BC.txt%22',
    )) as ServiceResponse;
    expect(ok.headers?.['Content-Disposition']).toBe('attachment; filename="\u00c3\u00bc.txt"');
    expect(
      await call('GET', '/bk1/k?response-content-type=text%2Fplain%0D%0AX-Evil%3A%201'),
    ).toMatchObject({
      code: 'InvalidArgument',
      httpStatus: 400,
    });
  });

  it('a response-* override replaces the stored header, one header each', async () => {
    await call('PUT', '/bk1/stored', 'x', [
      ['Content-Disposition', 'inline'],
      ['Cache-Control', 'max-age=1'],
      ['Content-Encoding', 'identity'],
    ]);
    const r = (await call(
      'GET',
      '/bk1/stored?response-content-disposition=attachment&response-cache-control=no-cache&response-content-encoding=gzip',
    )) as ServiceResponse;
    const names = Object.keys(r.headers ?? {}).map((k) => k.toLowerCase());
    for (const h of ['content-disposition', 'cache-control', 'content-encoding'])
      expect(
        names.filter((n) => n === h),
        h,
      ).toHaveLength(1);
    expect(r.headers).toMatchObject({
      'Content-Disposition': 'attachment',
      'Cache-Control': 'no-cache',
      'Content-Encoding': 'gzip',
    });
    // without overrides the stored ones are sent
    const plain = (await call('GET', '/bk1/stored')) as ServiceResponse;
    expect(plain.headers?.['content-disposition']).toBe('inline');
  });

  it('metadata outside US-ASCII comes back RFC 2047-encoded, as S3 returns it', async () => {
    const utf8AsHeader = Buffer.from('héllo', 'utf8').toString('latin1');
    await call('PUT', '/bk1/meta', 'x', [
      ['x-amz-meta-uni', utf8AsHeader],
      ['x-amz-meta-plain', 'ascii'],
    ]);
    const r = (await call('GET', '/bk1/meta')) as ServiceResponse;
    expect(r.headers?.['x-amz-meta-uni']).toBe('=?UTF-8?B?aMOpbGxv?=');
    expect(r.headers?.['x-amz-meta-plain']).toBe('ascii');
  });

  it('ignores the JS SDK’s x-id', async () => {
    expect(await call('PUT', '/bk1/k?x-id=PutObject', 'x')).toMatchObject({ status: 200 });
  });

  it('garbage XML is MalformedXML, never a 500', async () => {
    for (const body of [
      '<Delete><Object><Key>k</Key></Object>',
      'not xml',
      '<Other/>',
      '',
      '<!DOCTYPE x [<!ENTITY a "b">]><Delete/>',
    ]) {
      const md5 = createHash('md5').update(body).digest('base64');
      const e = await call('POST', '/bk1?delete', body, [['Content-MD5', md5]]);
      expect(e, body).toMatchObject({ code: 'MalformedXML', httpStatus: 400 });
    }
    expect(
      await call('PUT', '/bk2', '<CreateBucketConfiguration><LocationConstraint>'),
    ).toMatchObject({
      code: 'MalformedXML',
    });
  });
});

describe('pretty-printed XML bodies', () => {
  const md5 = (body: string): [string, string][] => [
    ['Content-MD5', createHash('md5').update(body).digest('base64')],
  ];

  it('DeleteObjects: the API reference’s indented example; keys keep their spaces', async () => {
    for (const k of ['sample1.txt', ' spaced key '])
      expect(await call('PUT', `/bk1/${encodeURIComponent(k)}`, 'x')).toMatchObject({
        status: 200,
      });
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Object>
         <Key>sample1.txt</Key>
    </Object>
    <Object>
         <Key> spaced key </Key>
    </Object>
    <Quiet>false</Quiet>
</Delete>
`;
    const r = (await call('POST', '/bk1?delete', body, md5(body))) as ServiceResponse;
    expect(r.status).toBe(200);
    expect(String(r.body)).toContain(
      '<Deleted><Key>sample1.txt</Key></Deleted><Deleted><Key> spaced key </Key></Deleted>',
    );
    expect(await store.list(objectsOf('bk1'))).toEqual([]);
    const stray = body.replace('<Quiet>', 'stray <Quiet>');
    expect(await call('POST', '/bk1?delete', stray, md5(stray))).toMatchObject({
      code: 'MalformedXML',
    });
  });

  it('CreateBucketConfiguration and CompleteMultipartUpload, indented', async () => {
    const config = `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <LocationConstraint>eu-west-1</LocationConstraint>
</CreateBucketConfiguration>`;
    expect(await call('PUT', '/bk2', config)).toMatchObject({ status: 200 });
    expect(await store.get('s3.buckets', 'bk2')).toMatchObject({
      value: { region: 'eu-west-1' },
    });
    // white space alone is no configuration: the signing region's bucket
    expect(
      await call('PUT', '/bk3', '<CreateBucketConfiguration>\n</CreateBucketConfiguration>\n'),
    ).toMatchObject({ status: 200 });
    expect(await store.get('s3.buckets', 'bk3')).toMatchObject({
      value: { region: 'us-east-1' },
    });
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(
      String(((await call('POST', '/bk1/mp?uploads')) as ServiceResponse).body),
    )?.[1] as string;
    const part = (await call(
      'PUT',
      `/bk1/mp?partNumber=1&uploadId=${id}`,
      'one part',
    )) as ServiceResponse;
    const done = (await call(
      'POST',
      `/bk1/mp?uploadId=${id}`,
      `<CompleteMultipartUpload>
   <Part>
      <PartNumber>1</PartNumber>
      <ETag>${part.headers?.ETag}</ETag>
   </Part>
</CompleteMultipartUpload>
`,
    )) as ServiceResponse;
    expect(done.status).toBe(200);
    expect(String(((await call('GET', '/bk1/mp')) as ServiceResponse).body)).toBe('one part');
  });
});

describe('framing of upload bodies', () => {
  it('an upload without Content-Length is 411 MissingContentLength; nothing is stored', async () => {
    const bare = raw('PUT', '/bk1/k', '');
    bare.rawHeaders = [['Host', '127.0.0.1:4577']];
    await expect(
      handler(ctx(), bare, { service: 's3', protocol: 'rest-xml' }),
    ).rejects.toMatchObject({
      code: 'MissingContentLength',
      httpStatus: 411,
      message: 'You must provide the Content-Length HTTP header.',
    });
    expect(await call('GET', '/bk1/k')).toMatchObject({ code: 'NoSuchKey' });
  });

  it('Transfer-Encoding is refused (501 naming the header) unless the body is aws-chunked', async () => {
    for (const [method, target] of [
      ['PUT', '/bk1/k'],
      ['PUT', '/bk1/copy'],
      ['GET', '/bk1'],
    ] as const) {
      const e = await call(method, target, 'abc', [['Transfer-Encoding', 'chunked']]);
      expect(e, `${method} ${target}`).toMatchObject({
        code: 'NotImplemented',
        httpStatus: 501,
        message: 'A header you provided implies functionality that is not implemented',
        elements: { Header: 'Transfer-Encoding' },
      });
    }
    // an aws-chunked body may come chunked: its decoded length is declared
    const body = '3\r\nabc\r\n0\r\n\r\n';
    expect(
      await call('PUT', '/bk1/k', body, [
        ['Transfer-Encoding', 'chunked'],
        ['x-amz-content-sha256', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'],
        ['x-amz-decoded-content-length', '3'],
        ['Content-Encoding', 'aws-chunked'],
      ]),
    ).toMatchObject({ status: 200 });
  });
});

describe('CopyObject', () => {
  beforeEach(async () => {
    await call('PUT', '/bk1/src', 'source body', [['x-amz-meta-team', 'irsa']]);
  });

  it('a missing source is NoSuchKey only with s3:ListBucket, as GetObject answers', async () => {
    const copy = () => call('PUT', '/bk1/dst', '', [['x-amz-copy-source', '/bk1/nope']]);
    expect(await copy()).toMatchObject({ code: 'NoSuchKey', httpStatus: 404 });
    denied.add('s3:ListBucket');
    expect(await copy()).toMatchObject({
      code: 'AccessDenied',
      httpStatus: 403,
      message: expect.stringContaining('s3:ListBucket'),
    });
    denied.clear();
    expect(await call('GET', '/bk1/dst')).toMatchObject({ code: 'NoSuchKey' });
  });

  it('a bare + is a space in the path and in x-amz-copy-source; %2B is the plus', async () => {
    await call('PUT', '/bk1/a%20b.txt', 'with a space');
    await call('PUT', '/bk1/a%2Bb.txt', 'with a plus');
    const body = async (target: string) =>
      String(((await call('GET', target)) as ServiceResponse).body);
    expect(await body('/bk1/a+b.txt')).toBe('with a space');
    expect(await body('/bk1/a%2Bb.txt')).toBe('with a plus');
    expect(await call('GET', '/bk1/c+d')).toMatchObject({ code: 'NoSuchKey', httpStatus: 404 });
    await call('PUT', '/bk1/x', '', [['x-amz-copy-source', '/bk1/a+b.txt']]);
    expect(await body('/bk1/x')).toBe('with a space');
    await call('PUT', '/bk1/y', '', [['x-amz-copy-source', 'bk1/a%2Bb.txt']]);
    expect(await body('/bk1/y')).toBe('with a plus');
  });

  it('x-amz-storage-class is checked under the default COPY directive too', async () => {
    expect(
      await call('PUT', '/bk1/dst', '', [
        ['x-amz-copy-source', '/bk1/src'],
        ['x-amz-storage-class', 'CHEAP'],
      ]),
    ).toMatchObject({ code: 'InvalidStorageClass', httpStatus: 400 });
    expect(
      await call('PUT', '/bk1/dst', '', [
        ['x-amz-copy-source', '/bk1/src'],
        ['x-amz-storage-class', 'GLACIER'],
      ]),
    ).toMatchObject({ status: 200 });
    const got = (await call('HEAD', '/bk1/dst')) as ServiceResponse;
    expect(got.headers?.['x-amz-storage-class']).toBe('GLACIER');
    expect(got.headers?.['x-amz-meta-team']).toBe('irsa');
    // archived: read (or copied) only after a restore, which irsakit does not serve
    expect(await call('GET', '/bk1/dst')).toMatchObject({
      code: 'InvalidObjectState',
      httpStatus: 403,
      elements: { StorageClass: 'GLACIER' },
    });
    expect(await call('PUT', '/bk1/dst2', '', [['x-amz-copy-source', '/bk1/dst']])).toMatchObject({
      code: 'InvalidObjectState',
    });
  });

  it('object tags and Object Lock on a write are refused, not dropped', async () => {
    expect(await call('PUT', '/bk1/t', 'x', [['x-amz-tagging', 'team=irsa']])).toMatchObject({
      code: 'NotImplemented',
      httpStatus: 501,
    });
    for (const [name, value] of [
      ['x-amz-object-lock-mode', 'GOVERNANCE'],
      ['x-amz-object-lock-legal-hold', 'ON'],
    ])
      expect(await call('PUT', '/bk1/t', 'x', [[name as string, value as string]])).toMatchObject({
        code: 'InvalidRequest',
        message: 'Bucket is missing Object Lock Configuration',
      });
    expect(await call('GET', '/bk1/t')).toMatchObject({ code: 'NoSuchKey' });
  });

  it('x-amz-checksum-algorithm: a known one is computed, any other name is InvalidArgument', async () => {
    const ok = (await call('PUT', '/bk1/dst', '', [
      ['x-amz-copy-source', '/bk1/src'],
      ['x-amz-checksum-algorithm', 'crc32'],
    ])) as ServiceResponse;
    expect(String(ok.body)).toContain('<ChecksumCRC32>');
    for (const name of ['constructor', '__proto__', 'md5']) {
      expect(
        await call('PUT', '/bk1/dst', '', [
          ['x-amz-copy-source', '/bk1/src'],
          ['x-amz-checksum-algorithm', name],
        ]),
        name,
      ).toMatchObject({
        code: 'InvalidArgument',
        httpStatus: 400,
        message: 'Checksum algorithm provided is unsupported.',
        elements: { ArgumentName: 'x-amz-checksum-algorithm', ArgumentValue: name },
      });
    }
  });
});

describe('audit notes', () => {
  it('GetObject is a data event with the object and the bucket', async () => {
    await call('PUT', '/bk1/dir/k', 'hello');
    const c = ctx();
    await call('GET', '/bk1/dir/k', '', [], c);
    expect(c.audit).toEqual({
      eventName: 'GetObject',
      eventSource: 's3.amazonaws.com',
      readOnly: true,
      eventCategory: 'Data',
      requestParameters: { bucketName: 'bk1', Host: '127.0.0.1:4577', key: 'dir/k' },
      responseElements: null,
      additionalEventData: {
        SignatureVersion: 'SigV4',
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': 'req-1',
        bytesTransferredIn: 0,
        bytesTransferredOut: 5,
      },
      resources: [
        { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::bk1/dir/k' },
        { type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::bk1', accountId: ACCOUNT },
      ],
    });
  });

  it('ListObjects(V2) names the objects it lists by ARNPrefix, before the bucket (§11.4)', async () => {
    await call('PUT', '/bk1/dir/k', 'hello');
    for (const [target, prefix] of [
      ['/bk1?list-type=2&prefix=dir%2F', 'dir/'],
      ['/bk1?prefix=di', 'di'],
      ['/bk1?list-type=2', ''],
    ] as const) {
      const c = ctx();
      await call('GET', target, '', [], c);
      expect(c.audit.eventName, target).toBe('ListObjects');
      expect(c.audit.resources, target).toEqual([
        { type: 'AWS::S3::Object', ARNPrefix: `arn:aws:s3:::bk1/${prefix}` },
        { type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::bk1', accountId: ACCOUNT },
      ]);
    }
  });

  it('a refused call keeps its parameters', async () => {
    denied.add('s3:PutObject');
    const c = ctx();
    await call('PUT', '/bk1/k', 'secret body', [], c);
    expect(c.audit.eventName).toBe('PutObject');
    expect(c.audit.requestParameters).toEqual({
      bucketName: 'bk1',
      Host: '127.0.0.1:4577',
      key: 'k',
    });
    expect(JSON.stringify(c.audit)).not.toContain('secret body');
  });
});

describe('multipart uploads', () => {
  const BIG = Buffer.alloc(5 * 1024 * 1024, 'a');
  const uploadIdOf = (r: ServiceResponse | AwsError) =>
    /<UploadId>([^<]+)<\/UploadId>/.exec(String((r as ServiceResponse).body))?.[1] as string;

  it('create, two parts, complete: one object, one file, S3’s ETag', async () => {
    const id = uploadIdOf(
      await call('POST', '/bk1/big?uploads', '', [['Content-Type', 'text/x-big']]),
    );
    expect(id).toBeTruthy();
    const p1 = (await call(
      'PUT',
      `/bk1/big?partNumber=1&uploadId=${id}`,
      BIG.toString(),
    )) as ServiceResponse;
    const p2 = (await call(
      'PUT',
      `/bk1/big?partNumber=2&uploadId=${id}`,
      'tail',
    )) as ServiceResponse;
    expect(files()).toHaveLength(2);
    const done = (await call(
      'POST',
      `/bk1/big?uploadId=${id}`,
      `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${p1.headers?.ETag}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${p2.headers?.ETag}</ETag></Part></CompleteMultipartUpload>`,
    )) as ServiceResponse;
    expect(String(done.body)).toMatch(/<ETag>&quot;[0-9a-f]{32}-2&quot;<\/ETag>/);
    expect(files()).toHaveLength(1);
    const got = (await call('GET', '/bk1/big')) as ServiceResponse;
    expect((got.body as Buffer).length).toBe(BIG.length + 4);
    expect(got.headers?.['Content-Type']).toBe('text/x-big');
    expect(
      await call('POST', `/bk1/big?uploadId=${id}`, '<CompleteMultipartUpload/>'),
    ).toMatchObject({
      code: 'NoSuchUpload',
      httpStatus: 404,
    });
  });

  it('refuses wrong parts, wrong order, small parts; abort removes the parts', async () => {
    const id = uploadIdOf(await call('POST', '/bk1/big?uploads'));
    const p1 = (await call(
      'PUT',
      `/bk1/big?partNumber=1&uploadId=${id}`,
      'small',
    )) as ServiceResponse;
    const p2 = (await call(
      'PUT',
      `/bk1/big?partNumber=2&uploadId=${id}`,
      'tail',
    )) as ServiceResponse;
    const complete = (parts: [number, string][]) =>
      call(
        'POST',
        `/bk1/big?uploadId=${id}`,
        `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
      );
    expect(await complete([[1, '"nope"']])).toMatchObject({ code: 'InvalidPart', httpStatus: 400 });
    expect(
      await complete([
        [2, String(p2.headers?.ETag)],
        [1, String(p1.headers?.ETag)],
      ]),
    ).toMatchObject({
      code: 'InvalidPartOrder',
    });
    expect(
      await complete([
        [1, String(p1.headers?.ETag)],
        [2, String(p2.headers?.ETag)],
      ]),
    ).toMatchObject({
      code: 'EntityTooSmall',
    });
    expect(await call('PUT', `/bk1/big?partNumber=10001&uploadId=${id}`, 'x')).toMatchObject({
      code: 'InvalidArgument',
      message: 'Part number must be an integer between 1 and 10000, inclusive',
    });
    expect(files()).toHaveLength(2);
    expect(await call('DELETE', `/bk1/big?uploadId=${id}`)).toMatchObject({ status: 204 });
    expect(files()).toHaveLength(0);
    expect(await call('PUT', `/bk1/big?partNumber=1&uploadId=${id}`, 'x')).toMatchObject({
      code: 'NoSuchUpload',
    });
  });

  it('x-amz-checksum-algorithm names a known algorithm, never `constructor` or `__proto__`', async () => {
    const ok = (await call('POST', '/bk1/big?uploads', '', [
      ['x-amz-checksum-algorithm', 'CRC32'],
    ])) as ServiceResponse;
    expect(ok.headers?.['x-amz-checksum-algorithm']).toBe('CRC32');
    for (const name of ['constructor', '__proto__']) {
      expect(
        await call('POST', '/bk1/big?uploads', '', [['x-amz-checksum-algorithm', name]]),
        name,
      ).toMatchObject({
        code: 'InvalidArgument',
        httpStatus: 400,
        message: 'Checksum algorithm provided is unsupported.',
      });
    }
    expect(await store.list(uploadsOf('bk1'))).toHaveLength(1);
  });

  it('parts with one algorithm’s checksums make a composite checksum', async () => {
    const id = uploadIdOf(await call('POST', '/bk1/big?uploads'));
    const crc = (b: string) => computeChecksum('CRC32', Buffer.from(b));
    const p1 = (await call('PUT', `/bk1/big?partNumber=1&uploadId=${id}`, BIG.toString(), [
      ['x-amz-checksum-crc32', crc(BIG.toString())],
    ])) as ServiceResponse;
    const p2 = (await call('PUT', `/bk1/big?partNumber=2&uploadId=${id}`, 'tail', [
      ['x-amz-checksum-crc32', crc('tail')],
    ])) as ServiceResponse;
    const done = (await call(
      'POST',
      `/bk1/big?uploadId=${id}`,
      `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${p1.headers?.ETag}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${p2.headers?.ETag}</ETag></Part></CompleteMultipartUpload>`,
    )) as ServiceResponse;
    const composite = computeChecksum(
      'CRC32',
      Buffer.concat([crc(BIG.toString()), crc('tail')].map((c) => Buffer.from(c, 'base64'))),
    );
    expect(String(done.body)).toContain(
      `<ChecksumCRC32>${composite}-2</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType>`,
    );
  });

  it('x-amz-checksum-type FULL_OBJECT: the whole body’s CRC; a wrong one is BadDigest, nothing stored', async () => {
    const created = (await call('POST', '/bk1/big?uploads', '', [
      ['x-amz-checksum-algorithm', 'CRC32'],
      ['x-amz-checksum-type', 'FULL_OBJECT'],
    ])) as ServiceResponse;
    expect(created.headers).toMatchObject({
      'x-amz-checksum-algorithm': 'CRC32',
      'x-amz-checksum-type': 'FULL_OBJECT',
    });
    const id = uploadIdOf(created);
    const crc = (b: string | Buffer) => computeChecksum('CRC32', Buffer.from(b));
    const p1 = (await call('PUT', `/bk1/big?partNumber=1&uploadId=${id}`, BIG.toString(), [
      ['x-amz-checksum-crc32', crc(BIG)],
    ])) as ServiceResponse;
    // a full-object upload's part may come without a checksum
    const p2 = (await call(
      'PUT',
      `/bk1/big?partNumber=2&uploadId=${id}`,
      'tail',
    )) as ServiceResponse;
    const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${p1.headers?.ETag}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${p2.headers?.ETag}</ETag></Part></CompleteMultipartUpload>`;
    const whole = crc(Buffer.concat([BIG, Buffer.from('tail')]));
    expect(
      await call('POST', `/bk1/big?uploadId=${id}`, body, [
        ['x-amz-checksum-crc32', 'AAAAAA=='],
        ['x-amz-checksum-type', 'FULL_OBJECT'],
      ]),
    ).toMatchObject({
      code: 'BadDigest',
      httpStatus: 400,
      message: 'The crc32 you specified did not match the calculated checksum.',
    });
    expect(await call('GET', '/bk1/big')).toMatchObject({ code: 'NoSuchKey' });
    expect(files()).toHaveLength(2);
    const done = (await call('POST', `/bk1/big?uploadId=${id}`, body, [
      ['x-amz-checksum-crc32', whole],
      ['x-amz-checksum-type', 'FULL_OBJECT'],
    ])) as ServiceResponse;
    expect(String(done.body)).toContain(
      `<ChecksumCRC32>${whole}</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType>`,
    );
    const head = (await call('HEAD', '/bk1/big', '', [
      ['x-amz-checksum-mode', 'ENABLED'],
    ])) as ServiceResponse;
    expect(head.headers).toMatchObject({
      'x-amz-checksum-crc32': whole,
      'x-amz-checksum-type': 'FULL_OBJECT',
    });
  });

  it('a part of another algorithm than the upload’s is refused and not kept', async () => {
    const id = uploadIdOf(
      await call('POST', '/bk1/big?uploads', '', [['x-amz-checksum-algorithm', 'CRC32']]),
    );
    expect(
      await call('PUT', `/bk1/big?partNumber=1&uploadId=${id}`, 'x', [
        ['x-amz-checksum-sha256', computeChecksum('SHA256', Buffer.from('x'))],
      ]),
    ).toMatchObject({
      code: 'InvalidRequest',
      httpStatus: 400,
      message:
        'Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256',
    });
    expect(files()).toHaveLength(0);
    const upload = (await store.get<UploadRecord>(uploadsOf('bk1'), id))?.value;
    expect(upload?.parts).toEqual({});
  });

  it('a completion over irsakit’s cap is EntityTooLarge, before any part is read', async () => {
    const id = uploadIdOf(await call('POST', '/bk1/big?uploads'));
    const p1 = (await call(
      'PUT',
      `/bk1/big?partNumber=1&uploadId=${id}`,
      'one part',
    )) as ServiceResponse;
    // the part's record claims what no test should allocate
    const upload = (await store.get<UploadRecord>(uploadsOf('bk1'), id))?.value as UploadRecord;
    const part = upload.parts['1'] as UploadRecord['parts'][string];
    await store.put<UploadRecord>(uploadsOf('bk1'), id, {
      ...upload,
      parts: { '1': { ...part, size: MAX_COMPLETED_BYTES + 1 } },
    });
    expect(
      await call(
        'POST',
        `/bk1/big?uploadId=${id}`,
        `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${p1.headers?.ETag}</ETag></Part></CompleteMultipartUpload>`,
      ),
    ).toMatchObject({
      code: 'EntityTooLarge',
      httpStatus: 400,
      message: 'Your proposed upload exceeds the maximum allowed object size.',
      elements: {
        ProposedSize: String(MAX_COMPLETED_BYTES + 1),
        MaxSizeAllowed: String(MAX_COMPLETED_BYTES),
      },
    });
    expect(files()).toHaveLength(1);
    expect(await call('GET', '/bk1/big')).toMatchObject({ code: 'NoSuchKey' });
  });

  it('DeleteBucket takes unfinished uploads with it', async () => {
    const id = uploadIdOf(await call('POST', '/bk1/big?uploads'));
    await call('PUT', `/bk1/big?partNumber=1&uploadId=${id}`, 'x');
    expect(await call('DELETE', '/bk1')).toMatchObject({ status: 204 });
    expect(files()).toHaveLength(0);
  });
});

describe('listing reads pages, not the bucket', () => {
  const pages = async (query: string) => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 100; i++) {
      const r = (await call(
        'GET',
        `/bk1?list-type=2&${query}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`,
      )) as ServiceResponse;
      const body = String(r.body);
      // keys and common prefixes, sorted together as S3 counts them
      const page = [
        ...[...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] as string),
        ...[...body.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix>/g)].map(
          (m) => `${m[1] as string}*`,
        ),
      ].sort();
      seen.push(...page);
      token = /<NextContinuationToken>([^<]*)</.exec(body)?.[1];
      if (!body.includes('<IsTruncated>true</IsTruncated>')) return seen;
    }
    throw new Error('the listing never ended');
  };

  it('pages through common prefixes and keys alike, reading a few rows per page', async () => {
    const keys = [
      ...Array.from({ length: 150 }, (_, i) => `a/${String(i).padStart(3, '0')}`),
      'b',
      'c/x',
      'c/y/z',
      ...['d1', 'd2', 'd3', 'd4', 'd5'],
    ];
    for (const k of keys)
      expect(await call('PUT', `/bk1/${k}`, 'x')).toMatchObject({ status: 200 });
    let rows = 0;
    const list = store.list.bind(store);
    store.list = (async (c: string, o?: Parameters<typeof list>[1]) => {
      const out = await list(c, o);
      rows += out.length;
      return out;
    }) as typeof store.list;
    expect(await pages('delimiter=%2F&max-keys=2')).toEqual([
      'a/*',
      'b',
      'c/*',
      'd1',
      'd2',
      'd3',
      'd4',
      'd5',
    ]);
    // 4 pages of at most 3 entries; each common prefix is one row, its other keys skipped
    expect(rows).toBeLessThan(20);
    rows = 0;
    expect(await pages('max-keys=7')).toEqual(keys.slice().sort());
    // every key once, plus one look-ahead row per page
    expect(rows).toBeLessThan(keys.length + 30);
    expect(await pages('prefix=a%2F1&max-keys=1000')).toEqual(
      keys.filter((k) => k.startsWith('a/1')),
    );
  });
});

describe('bucket policy: only the owner’s account', () => {
  const OTHER = '222233334444';
  const other = (): CallContext => {
    const c = ctx();
    c.caller = {
      principal: {
        type: 'User',
        id: `arn:aws:iam::${OTHER}:user/irsa-admin`,
        account: OTHER,
        partition: 'aws',
      },
      accessKeyId: 'AKIAOTHER',
      account: OTHER,
      userId: 'AIDAOTHER',
    };
    return c;
  };
  const policy = (effect: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: effect,
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 's3:*',
          Resource: ['arn:aws:s3:::bk1', 'arn:aws:s3:::bk1/*'],
        },
      ],
    });

  it('another account, even allowed, is 405 MethodNotAllowed; nothing changes', async () => {
    expect(await call('PUT', '/bk1?policy', policy('Allow'))).toMatchObject({ status: 204 });
    for (const method of ['PUT', 'GET', 'DELETE']) {
      const e = await call(
        method,
        '/bk1?policy',
        method === 'PUT' ? policy('Deny') : '',
        [],
        other(),
      );
      expect(e, method).toBeInstanceOf(AwsError);
      expect(e, method).toMatchObject({
        code: 'MethodNotAllowed',
        httpStatus: 405,
        message: 'The specified method is not allowed against this resource.',
        elements: { Method: method, ResourceType: 'BUCKETPOLICY' },
      });
    }
    expect(await call('GET', '/bk1?policy')).toMatchObject({ status: 200, body: policy('Allow') });
  });

  it('without the permission it is AccessDenied first, as for anyone', async () => {
    denied.add('s3:PutBucketPolicy');
    expect(await call('PUT', '/bk1?policy', policy('Deny'), [], other())).toMatchObject({
      code: 'AccessDenied',
      message: 'Access Denied',
    });
  });
});

describe('Block Public Access', () => {
  const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
  const config = (settings: Record<string, string>) =>
    `<PublicAccessBlockConfiguration xmlns="${XMLNS}">${Object.entries(settings)
      .map(([k, v]) => `<${k}>${v}</${k}>`)
      .join('')}</PublicAccessBlockConfiguration>`;
  const publicRead = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublicRead',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::bk1/*',
      },
    ],
  });
  const anonymous = (): CallContext => {
    const c = ctx();
    c.caller = undefined;
    c.auth = undefined;
    return c;
  };

  it('a new bucket has all four settings on', async () => {
    const c = ctx();
    const r = (await call('GET', '/bk1?publicAccessBlock', '', [], c)) as ServiceResponse;
    expect(r.status).toBe(200);
    expect(r.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<PublicAccessBlockConfiguration xmlns="${XMLNS}"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
    );
    expect(c.audit).toMatchObject({
      eventName: 'GetBucketPublicAccessBlock',
      readOnly: true,
      eventCategory: 'Management',
      requestParameters: { bucketName: 'bk1', publicAccessBlock: '' },
    });
    expect(asked.at(-1)).toMatchObject({
      action: 's3:GetBucketPublicAccessBlock',
      resource: 'arn:aws:s3:::bk1',
    });
  });

  it('BlockPublicPolicy refuses a public policy in S3’s words; a non-public one is taken', async () => {
    const e = await call('PUT', '/bk1?policy', publicRead);
    expect(e).toMatchObject({
      code: 'AccessDenied',
      httpStatus: 403,
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::bk1" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
    });
    expect(await call('GET', '/bk1?policy')).toMatchObject({ code: 'NoSuchBucketPolicy' });
    const fixed = publicRead.replace('"Principal":"*"', `"Principal":{"AWS":"${ACCOUNT}"}`);
    expect(await call('PUT', '/bk1?policy', fixed)).toMatchObject({ status: 204 });
  });

  it('PutPublicAccessBlock replaces the configuration (absent settings false); then a public policy is taken', async () => {
    const c = ctx();
    const body = config({ BlockPublicPolicy: 'false', RestrictPublicBuckets: 'true' });
    expect(await call('PUT', '/bk1?publicAccessBlock', body, [], c)).toMatchObject({
      status: 200,
    });
    expect(c.audit).toMatchObject({
      eventName: 'PutBucketPublicAccessBlock',
      readOnly: false,
      requestParameters: {
        publicAccessBlock: '',
        PublicAccessBlockConfiguration: {
          xmlns: XMLNS,
          BlockPublicAcls: false,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      },
    });
    expect(asked.at(-1)?.action).toBe('s3:PutBucketPublicAccessBlock');
    const got = (await call('GET', '/bk1?publicAccessBlock')) as ServiceResponse;
    expect(String(got.body)).toContain(
      '<BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>',
    );
    expect(await call('PUT', '/bk1?policy', publicRead)).toMatchObject({ status: 204 });
  });

  it('RestrictPublicBuckets: a public policy takes no part for anonymous and other-account callers', async () => {
    await call('PUT', '/bk1/k', 'x');
    await call('PUT', '/bk1?publicAccessBlock', config({ RestrictPublicBuckets: 'true' }));
    await call('PUT', '/bk1?policy', publicRead);
    const policyOf = async (c: CallContext) => {
      asked = [];
      await call('GET', '/bk1/k', '', [], c);
      return asked[0]?.resourcePolicy;
    };
    const other = ctx();
    other.caller = {
      ...(other.caller as NonNullable<CallContext['caller']>),
      account: '222233334444',
    };
    expect(await policyOf(anonymous())).toBeUndefined();
    expect(await policyOf(other)).toBeUndefined();
    // the owner's account keeps it
    expect(await policyOf(ctx())).toBeDefined();
    // off: everyone is evaluated against it again
    await call('PUT', '/bk1?publicAccessBlock', config({ RestrictPublicBuckets: 'false' }));
    expect(await policyOf(anonymous())).toBeDefined();
    // on, with a non-public policy: it applies as written
    await call('PUT', '/bk1?publicAccessBlock', config({ RestrictPublicBuckets: 'true' }));
    await call(
      'PUT',
      '/bk1?policy',
      publicRead.replace('"Principal":"*"', '"Principal":{"AWS":"222233334444"}'),
    );
    expect(await policyOf(other)).toBeDefined();
  });

  it('DeletePublicAccessBlock: then NoSuchPublicAccessBlockConfiguration, and public policies are taken', async () => {
    const c = ctx();
    expect(await call('DELETE', '/bk1?publicAccessBlock', '', [], c)).toMatchObject({
      status: 204,
    });
    expect(c.audit.eventName).toBe('DeleteBucketPublicAccessBlock');
    expect(asked.at(-1)?.action).toBe('s3:PutBucketPublicAccessBlock');
    expect(await call('GET', '/bk1?publicAccessBlock')).toMatchObject({
      code: 'NoSuchPublicAccessBlockConfiguration',
      httpStatus: 404,
      message: 'The public access block configuration was not found',
      elements: { BucketName: 'bk1' },
    });
    expect(await call('DELETE', '/bk1?publicAccessBlock')).toMatchObject({ status: 204 });
    expect(await call('PUT', '/bk1?policy', publicRead)).toMatchObject({ status: 204 });
  });

  it('a bucket recorded before Block Public Access has no configuration', async () => {
    const b = await store.get<BucketRecord>('s3.buckets', 'bk1');
    const { publicAccessBlock: _gone, ...old } = b?.value as BucketRecord;
    await store.transaction((tx) => tx.put('s3.buckets', 'bk1', old));
    expect(await call('GET', '/bk1?publicAccessBlock')).toMatchObject({
      code: 'NoSuchPublicAccessBlockConfiguration',
    });
    expect(await call('PUT', '/bk1?policy', publicRead)).toMatchObject({ status: 204 });
  });

  it('the body: xs:boolean values only, known elements only, well-formed', async () => {
    for (const body of [
      config({ BlockPublicAcls: 'yes' }),
      config({ BlockPublicAcls: '' }),
      config({ BlockPublicPolicy: 'false', Other: 'true' }),
      '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>',
      '<Other/>',
      '',
    ])
      expect(await call('PUT', '/bk1?publicAccessBlock', body), body).toMatchObject({
        code: 'MalformedXML',
        httpStatus: 400,
      });
    const pretty = `<PublicAccessBlockConfiguration xmlns="${XMLNS}">
  <BlockPublicAcls>1</BlockPublicAcls>
  <IgnorePublicAcls>0</IgnorePublicAcls>
</PublicAccessBlockConfiguration>`;
    expect(await call('PUT', '/bk1?publicAccessBlock', pretty)).toMatchObject({ status: 200 });
    expect(
      String(((await call('GET', '/bk1?publicAccessBlock')) as ServiceResponse).body),
    ).toContain(
      '<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>',
    );
  });

  it('each call is authorized; a refusal changes nothing', async () => {
    denied.add('s3:GetBucketPublicAccessBlock');
    expect(await call('GET', '/bk1?publicAccessBlock')).toMatchObject({ code: 'AccessDenied' });
    denied.add('s3:PutBucketPublicAccessBlock');
    expect(
      await call('PUT', '/bk1?publicAccessBlock', config({ BlockPublicPolicy: 'false' })),
    ).toMatchObject({ code: 'AccessDenied' });
    expect(await call('DELETE', '/bk1?publicAccessBlock')).toMatchObject({
      code: 'AccessDenied',
    });
    expect((await store.get<BucketRecord>('s3.buckets', 'bk1'))?.value.publicAccessBlock).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(await call('POST', '/bk1?publicAccessBlock')).toMatchObject({
      code: 'MethodNotAllowed',
    });
  });
});
