import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from './aws-chunked.js';
import { computeChecksum } from './checksums.js';
import {
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
} from './constants.js';
import { sigv4Error } from './errors.js';
import { buildAwsChunked, signRequest, withHost } from './testing/sign.js';
import type { AwsChunkedContext, LookupResult, SigV4Request } from './types.js';
import { verifySigV4 } from './verify.js';

// The S3 documentation example (spec/aws-wire.md §8.4).
const DOC = {
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  now: new Date('2013-05-24T00:00:00Z'),
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunks: [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ],
  trailer: 'df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c',
};

const lookup = (akid: string): LookupResult =>
  akid === DOC.credentials.accessKeyId
    ? { ok: true, secretAccessKey: DOC.credentials.secretAccessKey }
    : { ok: false, failure: 'UnknownKey' };

function docRequest(mode: string, extra: [string, string][] = []) {
  return signRequest({
    method: 'PUT',
    target: '/examplebucket/chunkObject.txt',
    headers: [
      ['Host', 's3.amazonaws.com'],
      ['x-amz-storage-class', 'REDUCED_REDUNDANCY'],
      ['Content-Encoding', 'aws-chunked'],
      ['x-amz-decoded-content-length', '66560'],
      ['Content-Length', '66824'],
      ...extra,
    ],
    credentials: DOC.credentials,
    region: 'us-east-1',
    service: 's3',
    now: DOC.now,
    payloadHash: mode,
  });
}

async function chunkedContext(req: SigV4Request): Promise<AwsChunkedContext> {
  const r = await verifySigV4({ ...req, body: undefined }, { now: DOC.now, lookup });
  if (!r.ok) throw new Error(r.failure.reason);
  if (r.payload.kind !== 'aws-chunked') throw new Error(`payload ${r.payload.kind}`);
  return r.payload.chunked;
}

describe('aws-chunked, the S3 documentation example (66560 × a, chunks 65536/1024/0)', () => {
  const data = Buffer.alloc(66560, 'a');

  it('reproduces the seed, chunk and trailer signatures', () => {
    const req = docRequest(STREAMING_SIGNED);
    expect(req.signature).toBe(DOC.seed);
    const built = buildAwsChunked(data, { chunkSize: 65536, signing: req.signing });
    expect(built.chunkSignatures).toEqual(DOC.chunks);
    expect(built.body.length).toBe(66824);
    const withTrailer = buildAwsChunked(data, {
      chunkSize: 65536,
      signing: req.signing,
      trailers: [
        ['first', '1st'],
        ['second', '2nd'],
        ['third', '3rd'],
      ],
    });
    expect(withTrailer.trailerSignature).toBe(DOC.trailer);
  });

  it('verifies the seed and decodes every chunk', async () => {
    const req = docRequest(STREAMING_SIGNED);
    const ctx = await chunkedContext(req);
    expect(ctx).toMatchObject({ mode: STREAMING_SIGNED, decodedContentLength: 66560 });
    expect(ctx.signing?.seedSignature).toBe(DOC.seed);
    const { body } = buildAwsChunked(data, { chunkSize: 65536, signing: req.signing });
    const d = decodeAwsChunked(body, ctx);
    expect(d.ok && d.payload.equals(data)).toBe(true);
  });
});

describe('aws-chunked, signed chunks', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(500));
  const signed = (mode: string, trailer?: string) =>
    signRequest({
      method: 'PUT',
      target: '/b/k',
      headers: withHost([
        ['Content-Encoding', 'aws-chunked'],
        ['x-amz-decoded-content-length', String(data.length)],
        ...(trailer ? ([['x-amz-trailer', trailer]] as [string, string][]) : []),
      ]),
      credentials: DOC.credentials,
      region: 'us-east-1',
      service: 's3',
      now: DOC.now,
      payloadHash: mode,
    });

  it('decodes a signed body with a signed CRC32C trailer', async () => {
    const req = signed(STREAMING_SIGNED_TRAILER, 'x-amz-checksum-crc32c');
    const ctx = await chunkedContext(req);
    const crc = computeChecksum('CRC32C', data);
    const { body } = buildAwsChunked(data, {
      chunkSize: 8192,
      signing: req.signing,
      trailers: [['x-amz-checksum-crc32c', crc]],
    });
    const d = decodeAwsChunked(body, ctx);
    expect(d).toMatchObject({
      ok: true,
      trailers: { 'x-amz-checksum-crc32c': crc },
      checksum: { algorithm: 'CRC32C', value: crc },
    });
  });

  type Tamper = (body: Buffer) => Buffer;
  const flipDataByte: Tamper = (b) => {
    const c = Buffer.from(b);
    const at = c.indexOf('quick');
    c[at] = 'Q'.charCodeAt(0);
    return c;
  };
  const tamperCases: { name: string; tamper: Tamper; kind: string; code: string }[] = [
    {
      name: 'a data byte changed',
      tamper: flipDataByte,
      kind: 'ChunkSignatureMismatch',
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'a chunk signature replaced',
      tamper: (b) => {
        const s = b.toString('latin1');
        return Buffer.from(
          s.replace(/chunk-signature=[0-9a-f]{64}/, `chunk-signature=${'0'.repeat(64)}`),
          'latin1',
        );
      },
      kind: 'ChunkSignatureMismatch',
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'the last chunk dropped',
      tamper: (b) => {
        const s = b.toString('latin1');
        const last = s.lastIndexOf('\r\n0;chunk-signature=');
        const prev = s.lastIndexOf(';chunk-signature=', last - 1);
        const lineStart = s.lastIndexOf('\r\n', prev) + 2;
        return Buffer.from(s.slice(0, lineStart) + s.slice(last + 2), 'latin1');
      },
      kind: 'ChunkSignatureMismatch',
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'the trailer value changed',
      tamper: (b) =>
        Buffer.from(
          b
            .toString('latin1')
            .replace(/x-amz-checksum-crc32c:[^\r]*/, 'x-amz-checksum-crc32c:AAAAAA=='),
          'latin1',
        ),
      kind: 'TrailerSignatureMismatch',
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'the trailer signature removed',
      tamper: (b) =>
        Buffer.from(
          b.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]{64}\r\n/, ''),
          'latin1',
        ),
      kind: 'MalformedTrailer',
      code: 'MalformedTrailerError',
    },
    {
      name: 'the body truncated',
      tamper: (b) => b.subarray(0, b.length - 40),
      kind: 'MalformedChunk',
      code: 'IncompleteBody',
    },
    {
      name: 'bytes after the final chunk',
      tamper: (b) => Buffer.concat([b, Buffer.from('junk')]),
      kind: 'MalformedChunk',
      code: 'IncompleteBody',
    },
  ];

  it.each(tamperCases)('rejects $name ($kind)', async ({ tamper, kind, code }) => {
    const req = signed(STREAMING_SIGNED_TRAILER, 'x-amz-checksum-crc32c');
    const ctx = await chunkedContext(req);
    const { body } = buildAwsChunked(data, {
      chunkSize: 8192,
      signing: req.signing,
      trailers: [['x-amz-checksum-crc32c', computeChecksum('CRC32C', data)]],
    });
    const d = decodeAwsChunked(tamper(body), ctx);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.failure.kind).toBe(kind);
    expect(sigv4Error('s3', d.failure).code).toBe(code);
  });

  it('rejects a wrong x-amz-decoded-content-length', async () => {
    const req = signRequest({
      method: 'PUT',
      target: '/b/k',
      headers: withHost([['x-amz-decoded-content-length', String(data.length + 1)]]),
      credentials: DOC.credentials,
      region: 'us-east-1',
      service: 's3',
      now: DOC.now,
      payloadHash: STREAMING_SIGNED,
    });
    const ctx = await chunkedContext(req);
    const { body } = buildAwsChunked(data, { chunkSize: 8192, signing: req.signing });
    const d = decodeAwsChunked(body, ctx);
    expect(d).toMatchObject({
      ok: false,
      failure: { kind: 'DecodedLengthMismatch', declared: data.length + 1, actual: data.length },
    });
    if (!d.ok) {
      expect(sigv4Error('s3', d.failure)).toMatchObject({
        code: 'IncompleteBody',
        httpStatus: 400,
        message:
          'You did not provide the number of bytes specified by the Content-Length HTTP header',
      });
    }
  });

  it('rejects chunks signed with another seed (a replayed body)', async () => {
    const req = signed(STREAMING_SIGNED);
    const other = signed(STREAMING_SIGNED);
    const ctx = await chunkedContext(req);
    const { body } = buildAwsChunked(data, {
      chunkSize: 8192,
      signing: { ...other.signing, seedSignature: 'f'.repeat(64) },
    });
    expect(decodeAwsChunked(body, ctx)).toMatchObject({
      ok: false,
      failure: { kind: 'ChunkSignatureMismatch', chunk: 0 },
    });
  });

  it('needs x-amz-decoded-content-length to accept a streaming upload', async () => {
    const req = signRequest({
      method: 'PUT',
      target: '/b/k',
      headers: withHost(),
      credentials: DOC.credentials,
      region: 'us-east-1',
      service: 's3',
      now: DOC.now,
      payloadHash: STREAMING_SIGNED,
    });
    const r = await verifySigV4(req, { now: DOC.now, lookup });
    expect(r).toMatchObject({ ok: false, failure: { kind: 'MissingDecodedContentLength' } });
    if (!r.ok) {
      expect(sigv4Error('s3', r.failure)).toMatchObject({
        code: 'MissingContentLength',
        httpStatus: 411,
      });
    }
  });
});

describe('aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER', () => {
  const ctx = (trailers: string[], length: number): AwsChunkedContext => ({
    mode: STREAMING_UNSIGNED_TRAILER,
    decodedContentLength: length,
    trailers,
  });

  it('decodes botocore’s framing (spec §7.2)', () => {
    const body = Buffer.from(
      '6\r\nhello\n\r\n0\r\nx-amz-checksum-crc32:NjowIA==\r\n\r\n',
      'latin1',
    );
    expect(decodeAwsChunked(body, ctx(['x-amz-checksum-crc32'], 6))).toEqual({
      ok: true,
      payload: Buffer.from('hello\n'),
      trailers: { 'x-amz-checksum-crc32': 'NjowIA==' },
      checksum: { algorithm: 'CRC32', value: 'NjowIA==' },
    });
  });

  it.each(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)(
    'verifies an x-amz-checksum-%s trailer and rejects a wrong one',
    (algorithm) => {
      const data = Buffer.from('irsakit '.repeat(3000));
      const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
      const good = buildAwsChunked(data, {
        chunkSize: 4096,
        trailers: [[name, computeChecksum(algorithm, data)]],
      });
      expect(decodeAwsChunked(good.body, ctx([name], data.length)).ok).toBe(true);

      const wrong = computeChecksum(algorithm, Buffer.from('something else'));
      const bad = buildAwsChunked(data, { chunkSize: 4096, trailers: [[name, wrong]] });
      const d = decodeAwsChunked(bad.body, ctx([name], data.length));
      expect(d).toMatchObject({
        ok: false,
        failure: { kind: 'ChecksumMismatch', algorithm, claimed: wrong },
      });
      if (!d.ok) {
        expect(sigv4Error('s3', d.failure)).toMatchObject({
          code: 'BadDigest',
          httpStatus: 400,
          message: `The ${algorithm} you specified did not match the calculated checksum.`,
        });
      }
    },
  );

  it.each([
    {
      name: 'a declared trailer that never comes',
      body: '6\r\nhello\n\r\n0\r\n\r\n',
      trailers: ['x-amz-checksum-crc32'],
      kind: 'MalformedTrailer',
    },
    {
      name: 'an undeclared trailer',
      body: '6\r\nhello\n\r\n0\r\nx-amz-checksum-crc32:NjowIA==\r\n\r\n',
      trailers: [],
      kind: 'MalformedTrailer',
    },
    {
      name: 'a trailer signature on an unsigned upload',
      body: `6\r\nhello\n\r\n0\r\nx-amz-checksum-crc32:NjowIA==\r\nx-amz-trailer-signature:${'a'.repeat(64)}\r\n\r\n`,
      trailers: ['x-amz-checksum-crc32'],
      kind: 'MalformedTrailer',
    },
    {
      name: 'an unknown checksum',
      body: '6\r\nhello\n\r\n0\r\nx-amz-checksum-md5:abc=\r\n\r\n',
      trailers: ['x-amz-checksum-md5'],
      kind: 'MalformedTrailer',
    },
    {
      name: 'a non-hex size',
      body: 'zz\r\nhello\n\r\n0\r\n\r\n',
      trailers: [],
      kind: 'MalformedChunk',
    },
    {
      name: 'a chunk signature in the unsigned mode',
      body: `6;chunk-signature=${'a'.repeat(64)}\r\nhello\n\r\n0\r\n\r\n`,
      trailers: [],
      kind: 'MalformedChunk',
    },
    {
      name: 'data not followed by CRLF',
      body: '5\r\nhello\n\r\n0\r\n\r\n',
      trailers: [],
      kind: 'MalformedChunk',
    },
    {
      name: 'no final empty line',
      body: '6\r\nhello\n\r\n0\r\nx-amz-checksum-crc32:NjowIA==\r\n',
      trailers: ['x-amz-checksum-crc32'],
      kind: 'MalformedChunk',
    },
    {
      name: 'a trailer line without a colon',
      body: '6\r\nhello\n\r\n0\r\nx-amz-checksum-crc32\r\n\r\n',
      trailers: ['x-amz-checksum-crc32'],
      kind: 'MalformedChunk',
    },
  ])('rejects $name', ({ body, trailers, kind }) => {
    const d = decodeAwsChunked(Buffer.from(body, 'latin1'), ctx(trailers, 6));
    expect(d).toMatchObject({ ok: false, failure: { kind } });
  });

  it('needs the signing context for the signed modes', () => {
    expect(() =>
      decodeAwsChunked(Buffer.from('0\r\n\r\n'), {
        mode: STREAMING_SIGNED,
        decodedContentLength: 0,
        trailers: [],
      }),
    ).toThrow(TypeError);
  });
});
