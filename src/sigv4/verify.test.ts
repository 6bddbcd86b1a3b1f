import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD } from './constants.js';
import { sigv4Error } from './errors.js';
import { type SignInput, signRequest, withHost } from './testing/sign.js';
import type { LookupResult, SigV4Request, VerifyOptions } from './types.js';
import { verifySigV4 } from './verify.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const USER = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET };
const SESSION = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/valid==',
};
const EXPIRED_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE+token/expired==';

/** IAM-like: AKIA keys stand alone; an ASIA key needs its own session token. */
function lookup(akid: string, token: string | undefined): LookupResult<{ who: string }> {
  if (akid === USER.accessKeyId) {
    return { ok: true, secretAccessKey: USER.secretAccessKey, identity: { who: 'user' } };
  }
  if (akid === SESSION.accessKeyId) {
    if (token === SESSION.sessionToken) {
      return { ok: true, secretAccessKey: SESSION.secretAccessKey, identity: { who: 'session' } };
    }
    if (token === EXPIRED_TOKEN) return { ok: false, failure: 'ExpiredToken' };
    return { ok: false, failure: 'InvalidToken' };
  }
  return { ok: false, failure: 'UnknownKey' };
}

const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

function sts(over: Partial<SignInput> = {}) {
  return signRequest({
    method: 'POST',
    target: '/',
    headers: withHost([['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8']]),
    body: STS_BODY,
    credentials: SESSION,
    region: 'us-east-1',
    service: 'sts',
    now: NOW,
    ...over,
  });
}

function s3(over: Partial<SignInput> = {}) {
  return signRequest({
    method: 'GET',
    target: '/bucket/dir/a%20b~c.txt?versionId=1',
    headers: withHost(),
    body: '',
    credentials: SESSION,
    region: 'us-east-1',
    service: 's3',
    now: NOW,
    ...over,
  });
}

function presigned(over: Partial<SignInput> = {}) {
  return s3({ presign: { expiresIn: 3600 }, ...over });
}

const setHeader = (req: SigV4Request, name: string, value: string): SigV4Request => ({
  ...req,
  headers: req.headers.map(([n, v]) => [n, n.toLowerCase() === name.toLowerCase() ? value : v]),
});
const addHeader = (req: SigV4Request, name: string, value: string): SigV4Request => ({
  ...req,
  headers: [...req.headers, [name, value]],
});
const dropHeader = (req: SigV4Request, name: string): SigV4Request => ({
  ...req,
  headers: req.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase()),
});
const authOf = (req: SigV4Request) =>
  req.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1] ?? '';
const mapAuth = (req: SigV4Request, f: (a: string) => string) =>
  setHeader(req, 'Authorization', f(authOf(req)));
const mapTarget = (req: SigV4Request, f: (t: string) => string): SigV4Request => ({
  ...req,
  target: f(req.target),
});

const verify = (req: SigV4Request, opts: Partial<VerifyOptions<{ who: string }>> = {}) =>
  verifySigV4(req, { now: NOW, lookup, ...opts });

describe('verifySigV4 accepts', () => {
  it('an STS POST signed with session credentials', async () => {
    const req = sts();
    const r = await verify(req, { service: 'sts' });
    expect(r).toEqual({
      ok: true,
      accessKeyId: SESSION.accessKeyId,
      sessionToken: SESSION.sessionToken,
      scope: { date: '20240501', region: 'us-east-1', service: 'sts' },
      signedHeaders: ['content-type', 'host', 'x-amz-date', 'x-amz-security-token'],
      presigned: false,
      amzDate: '20240501T120000Z',
      expiresAt: undefined,
      payload: {
        kind: 'sha256',
        sha256: createHash('sha256').update(STS_BODY).digest('hex'),
        verified: true,
      },
      identity: { who: 'session' },
    });
  });

  it('an S3 GET (path as sent, x-amz-content-sha256 of the empty body)', async () => {
    const r = await verify(s3(), { service: 's3' });
    expect(r).toMatchObject({
      ok: true,
      payload: {
        kind: 'sha256',
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        verified: true,
      },
    });
  });

  it('an S3 PUT whose body is not read yet: the declared hash stands, unverified', async () => {
    const req = s3({ method: 'PUT', body: 'hello' });
    const r = await verify({ ...req, body: undefined });
    expect(r).toMatchObject({ ok: true, payload: { kind: 'sha256', verified: false } });
  });

  it('S3 UNSIGNED-PAYLOAD and STREAMING-UNSIGNED-PAYLOAD-TRAILER', async () => {
    expect(await verify(s3({ payloadHash: UNSIGNED_PAYLOAD }))).toMatchObject({
      ok: true,
      payload: { kind: 'unsigned' },
    });
    const streaming = s3({
      method: 'PUT',
      payloadHash: STREAMING_UNSIGNED_TRAILER,
      headers: withHost([
        ['Content-Encoding', 'aws-chunked'],
        ['X-Amz-Trailer', 'x-amz-checksum-crc32'],
        ['X-Amz-Decoded-Content-Length', '6'],
      ]),
    });
    expect(await verify(streaming)).toMatchObject({
      ok: true,
      payload: {
        kind: 'aws-chunked',
        chunked: {
          mode: STREAMING_UNSIGNED_TRAILER,
          decodedContentLength: 6,
          trailers: ['x-amz-checksum-crc32'],
        },
      },
    });
  });

  it('an S3 presigned GET, with its expiry', async () => {
    const r = await verify(presigned(), { service: 's3' });
    expect(r).toMatchObject({
      ok: true,
      presigned: true,
      sessionToken: SESSION.sessionToken,
      payload: { kind: 'unsigned' },
      expiresAt: new Date('2024-05-01T13:00:00Z'),
    });
  });

  it.each([
    ['the body hash (aws-c-auth, botocore, JS)', undefined],
    ['UNSIGNED-PAYLOAD without announcing it', UNSIGNED_PAYLOAD],
  ])('a non-S3 presigned URL hashed as %s', async (_, payloadHash) => {
    const req = signRequest({
      method: 'GET',
      target: '/?Action=GetCallerIdentity&Version=2011-06-15',
      headers: withHost(),
      body: '',
      credentials: SESSION,
      region: 'us-east-1',
      service: 'sts',
      now: NOW,
      presign: { expiresIn: 60 },
      payloadHash,
      announcePayloadHash: false,
    });
    expect(req.target).not.toContain('X-Amz-Content-Sha256');
    expect(await verify(req, { service: 'sts' })).toMatchObject({
      ok: true,
      presigned: true,
      payload: payloadHash ? { kind: 'unsigned' } : { kind: 'sha256', verified: true },
    });
  });

  it('an STS presigned URL for 15 minutes from its date, whatever its X-Amz-Expires (STS ignores it)', async () => {
    const signedAt = (msAgo: number) =>
      signRequest({
        method: 'GET',
        target: '/?Action=GetCallerIdentity&Version=2011-06-15',
        headers: withHost(),
        body: '',
        credentials: SESSION,
        region: 'us-east-1',
        service: 'sts',
        now: new Date(NOW.getTime() - msAgo),
        presign: { expiresIn: 60 },
      });
    expect(await verify(signedAt(14 * 60_000), { service: 'sts' })).toMatchObject({
      ok: true,
      expiresAt: new Date(NOW.getTime() + 60_000),
    });
    expect(await verify(signedAt(901_000), { service: 'sts' })).toMatchObject({
      ok: false,
      failure: { kind: 'PresignExpired' },
    });
  });

  it('the Date header in place of X-Amz-Date', async () => {
    const req = signRequest({
      method: 'POST',
      target: '/',
      headers: withHost([
        ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
        ['Date', 'Wed, 01 May 2024 12:00:00 GMT'],
      ]),
      body: STS_BODY,
      credentials: USER,
      region: 'us-east-1',
      service: 'sts',
      now: NOW,
      signedHeaders: ['content-type', 'date', 'host'],
    });
    expect(await verify(dropHeader(req, 'X-Amz-Date'))).toMatchObject({
      ok: true,
      amzDate: '20240501T120000Z',
    });
    // the Date header must then be signed
    const unsigned = signRequest({
      method: 'POST',
      target: '/',
      headers: withHost([['Date', 'Wed, 01 May 2024 12:00:00 GMT']]),
      body: STS_BODY,
      credentials: USER,
      region: 'us-east-1',
      service: 'sts',
      now: NOW,
      signedHeaders: ['host'],
    });
    expect(await verify(dropHeader(unsigned, 'X-Amz-Date'))).toMatchObject({
      ok: false,
      failure: { kind: 'UnsignedHeaders', headers: ['date'] },
    });
  });

  it.each([
    ['no space after the commas', (a: string) => a.replace(/, /g, ',')],
    ['leading and trailing whitespace', (a: string) => `  ${a}\t`],
    ['extra spaces around the components', (a: string) => a.replace(/, /g, ' ,  ')],
  ])('an Authorization header with %s', async (_, f) => {
    const req = mapAuth(sts({ credentials: USER }), f);
    expect(await verify(req)).toMatchObject({ ok: true });
  });

  it('an async lookup', async () => {
    const r = await verifySigV4(sts(), {
      now: NOW,
      lookup: async (akid, token) => lookup(akid, token),
    });
    expect(r).toMatchObject({ ok: true, identity: { who: 'session' } });
  });

  it('a duplicate of a header that is not signed', async () => {
    const req = addHeader(addHeader(sts(), 'User-Agent', 'a'), 'User-Agent', 'b');
    expect(await verify(req)).toMatchObject({ ok: true });
  });
});

type Case = {
  name: string;
  req: () => SigV4Request;
  opts?: Partial<VerifyOptions<{ who: string }>>;
  kind: string;
  /** service, code, status of the answer */
  answer?: [string, string, number];
};

const CASES: Case[] = [
  // signature
  {
    name: 'wrong secret',
    req: () => sts({ credentials: { ...SESSION, secretAccessKey: SECRET } }),
    kind: 'SignatureDoesNotMatch',
    answer: ['sts', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'tampered body (non-S3: the body is hashed)',
    req: () => ({ ...sts(), body: 'Action=GetCallerIdentity&Version=2011-06-16' }),
    kind: 'SignatureDoesNotMatch',
    answer: ['dynamodb', 'InvalidSignatureException', 400],
  },
  {
    name: 'tampered body (S3: declared hash no longer matches)',
    req: () => ({ ...s3({ method: 'PUT', body: 'hello' }), body: 'hellO' }),
    kind: 'PayloadHashMismatch',
    answer: ['s3', 'XAmzContentSHA256Mismatch', 400],
  },
  {
    name: 'tampered signed header',
    req: () => setHeader(sts(), 'Content-Type', 'application/json'),
    kind: 'SignatureDoesNotMatch',
    answer: ['iam', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'tampered Host port',
    req: () => setHeader(sts(), 'Host', '127.0.0.1:4578'),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'tampered query',
    req: () => mapTarget(s3(), (t) => `${t}&x=1`),
    kind: 'SignatureDoesNotMatch',
    answer: ['s3', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'tampered query value',
    req: () => mapTarget(s3(), (t) => t.replace('versionId=1', 'versionId=2')),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'tampered path',
    req: () => mapTarget(s3(), (t) => t.replace('a%20b', 'a%20c')),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'S3 path re-encoded (%20 → +): S3 signs the path as sent',
    req: () => mapTarget(s3(), (t) => t.replace('a%20b', 'a+b')),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'tampered presigned query',
    req: () => mapTarget(presigned(), (t) => t.replace('versionId=1', 'versionId=9')),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'presigned URL with the signature altered',
    req: () => mapTarget(presigned(), (t) => t.replace(/X-Amz-Signature=./, 'X-Amz-Signature=0')),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'signature in upper-case hex',
    req: () =>
      mapAuth(sts(), (a) =>
        a.replace(/Signature=([0-9a-f]{64})$/, (_, s: string) => `Signature=${s.toUpperCase()}`),
      ),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'signed header removed by a proxy',
    req: () => dropHeader(sts(), 'Content-Type'),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'a second copy of a signed header',
    req: () => addHeader(sts(), 'Content-Type', 'text/plain'),
    kind: 'SignatureDoesNotMatch',
  },
  {
    name: 'non-S3 request declaring UNSIGNED-PAYLOAD',
    req: () => sts({ payloadHash: UNSIGNED_PAYLOAD }),
    kind: 'SignatureDoesNotMatch',
  },
  // signed headers
  {
    name: 'unsigned x-amz-* header',
    req: () => addHeader(sts(), 'X-Amz-Meta-Foo', 'bar'),
    kind: 'UnsignedHeaders',
    answer: ['sts', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'session token added after signing (signer-only)',
    req: () => sts({ tokenAfterSigning: true }),
    kind: 'UnsignedHeaders',
    answer: ['s3', 'AccessDenied', 403],
  },
  {
    name: 'host not signed',
    req: () => sts({ signedHeaders: ['content-type', 'x-amz-date', 'x-amz-security-token'] }),
    kind: 'UnsignedHeaders',
    answer: ['sts', 'IncompleteSignature', 400],
  },
  {
    name: 'x-amz-date not signed',
    req: () => sts({ signedHeaders: ['content-type', 'host', 'x-amz-security-token'] }),
    kind: 'UnsignedHeaders',
  },
  {
    name: 'presigned URL with an unsigned x-amz-* header',
    req: () => addHeader(presigned(), 'x-amz-acl', 'public-read'),
    kind: 'UnsignedHeaders',
  },
  // time
  {
    name: 'clock skew: 15 min + 1 s in the past',
    req: () => sts({ now: new Date(NOW.getTime() - 901_000) }),
    kind: 'RequestTimeTooSkewed',
    answer: ['sts', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'clock skew: 15 min + 1 s in the future',
    req: () => sts({ now: new Date(NOW.getTime() + 901_000) }),
    kind: 'RequestTimeTooSkewed',
    answer: ['s3', 'RequestTimeTooSkewed', 403],
  },
  {
    name: 'presigned URL 1 s past its expiry',
    req: () => presigned({ now: new Date(NOW.getTime() - 3601_000) }),
    kind: 'PresignExpired',
    answer: ['s3', 'AccessDenied', 403],
  },
  {
    name: 'presigned URL dated 15 min + 1 s ahead',
    req: () => presigned({ now: new Date(NOW.getTime() + 901_000) }),
    kind: 'RequestTimeTooSkewed',
    // S3: "Request is not yet valid"
    answer: ['s3', 'AccessDenied', 403],
  },
  {
    name: 'X-Amz-Expires over a week',
    req: () => presigned({ presign: { expiresIn: 604_801 } }),
    kind: 'InvalidExpires',
    answer: ['s3', 'AuthorizationQueryParametersError', 400],
  },
  {
    name: 'X-Amz-Expires negative',
    req: () => mapTarget(presigned(), (t) => t.replace('X-Amz-Expires=3600', 'X-Amz-Expires=-5')),
    kind: 'InvalidExpires',
    answer: ['s3', 'AuthorizationQueryParametersError', 400],
  },
  {
    name: 'X-Amz-Expires not a number',
    req: () => mapTarget(presigned(), (t) => t.replace('X-Amz-Expires=3600', 'X-Amz-Expires=1h')),
    kind: 'InvalidExpires',
  },
  // credentials
  {
    name: 'unknown access key',
    req: () =>
      sts({ credentials: { accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: SECRET } }),
    kind: 'UnknownKey',
    answer: ['sts', 'InvalidClientTokenId', 403],
  },
  {
    name: 'invalid session token',
    req: () => sts({ credentials: { ...SESSION, sessionToken: 'forged' } }),
    kind: 'InvalidToken',
    answer: ['s3', 'InvalidToken', 400],
  },
  {
    name: 'ASIA key without its session token',
    req: () => sts({ credentials: { ...SESSION, sessionToken: undefined } }),
    kind: 'InvalidToken',
    answer: ['dynamodb', 'UnrecognizedClientException', 400],
  },
  {
    name: 'ASIA key without its session token, to S3',
    req: () => s3({ credentials: { ...SESSION, sessionToken: undefined } }),
    kind: 'InvalidToken',
    answer: ['s3', 'InvalidAccessKeyId', 403],
  },
  {
    name: 'ASIA key without its session token, in a presigned URL',
    req: () => presigned({ credentials: { ...SESSION, sessionToken: undefined } }),
    kind: 'InvalidToken',
    answer: ['s3', 'InvalidAccessKeyId', 403],
  },
  {
    name: 'forged session token in a presigned URL',
    req: () => presigned({ credentials: { ...SESSION, sessionToken: 'forged' } }),
    kind: 'InvalidToken',
    answer: ['s3', 'InvalidToken', 400],
  },
  {
    name: 'expired session token',
    req: () => sts({ credentials: { ...SESSION, sessionToken: EXPIRED_TOKEN } }),
    kind: 'ExpiredToken',
    answer: ['sts', 'ExpiredToken', 403],
  },
  {
    name: 'expired session token in a presigned URL',
    req: () => presigned({ credentials: { ...SESSION, sessionToken: EXPIRED_TOKEN } }),
    kind: 'ExpiredToken',
    answer: ['s3', 'ExpiredToken', 400],
  },
  // malformed Authorization
  {
    name: 'Authorization without Credential',
    req: () => mapAuth(sts(), (a) => a.replace(/Credential=[^,]*, /, '')),
    kind: 'IncompleteSignature',
    answer: ['sts', 'IncompleteSignature', 400],
  },
  {
    name: 'Authorization without SignedHeaders',
    req: () => mapAuth(sts(), (a) => a.replace(/SignedHeaders=[^,]*, /, '')),
    kind: 'IncompleteSignature',
    answer: ['s3', 'AuthorizationHeaderMalformed', 400],
  },
  {
    name: 'Authorization without Signature',
    req: () => mapAuth(sts(), (a) => a.replace(/, Signature=.*$/, '')),
    kind: 'IncompleteSignature',
  },
  {
    name: 'no X-Amz-Date and no Date',
    req: () => dropHeader(sts(), 'X-Amz-Date'),
    kind: 'IncompleteSignature',
    answer: ['s3', 'AccessDenied', 403],
  },
  {
    name: 'X-Amz-Date not in basic format',
    req: () => setHeader(sts(), 'X-Amz-Date', '2024-05-01T12:00:00Z'),
    kind: 'InvalidDate',
  },
  {
    name: 'X-Amz-Date that is no date',
    req: () => setHeader(sts(), 'X-Amz-Date', '20240231T120000Z'),
    kind: 'InvalidDate',
  },
  {
    name: 'component without =',
    req: () => mapAuth(sts(), (a) => a.replace('SignedHeaders=', 'SignedHeaders ')),
    kind: 'MalformedAuthorization',
  },
  {
    name: 'component given twice',
    req: () => mapAuth(sts(), (a) => `${a}, Signature=${'0'.repeat(64)}`),
    kind: 'MalformedAuthorization',
  },
  {
    name: 'empty name in SignedHeaders',
    req: () => mapAuth(sts(), (a) => a.replace('SignedHeaders=', 'SignedHeaders=;')),
    kind: 'MalformedAuthorization',
  },
  {
    name: 'credential with four parts',
    req: () => mapAuth(sts(), (a) => a.replace('/us-east-1/', '/')),
    kind: 'MalformedCredential',
    answer: ['sts', 'IncompleteSignature', 400],
  },
  {
    name: 'SigV2 Authorization header',
    req: () =>
      setHeader(sts(), 'Authorization', `AWS ${USER.accessKeyId}:frJIUN8DYpKDtOLCwo//yllqDzg=`),
    kind: 'UnsupportedAlgorithm',
    answer: ['s3', 'InvalidRequest', 400],
  },
  {
    name: 'SigV4a algorithm',
    req: () => mapAuth(sts(), (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256')),
    kind: 'UnsupportedAlgorithm',
  },
  {
    name: 'presigned URL without X-Amz-Signature',
    req: () => mapTarget(presigned(), (t) => t.replace(/&X-Amz-Signature=[0-9a-f]+/, '')),
    kind: 'IncompleteSignature',
    answer: ['s3', 'AuthorizationQueryParametersError', 400],
  },
  {
    name: 'presigned URL with another algorithm',
    req: () =>
      mapTarget(presigned(), (t) =>
        t.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA1'),
      ),
    kind: 'UnsupportedAlgorithm',
  },
  {
    name: 'SigV2 presigned URL',
    req: () => ({
      method: 'GET',
      target: `/bucket/k?AWSAccessKeyId=${USER.accessKeyId}&Expires=1714568400&Signature=abc%3D`,
      headers: withHost(),
    }),
    kind: 'UnsupportedAlgorithm',
  },
  {
    name: 'no authentication at all',
    req: () => ({ method: 'POST', target: '/', headers: withHost(), body: STS_BODY }),
    kind: 'MissingAuthentication',
    answer: ['sts', 'MissingAuthenticationToken', 403],
  },
  {
    name: 'Authorization header and presigned query together',
    req: () => mapTarget(sts(), (t) => `${t}?X-Amz-Algorithm=AWS4-HMAC-SHA256`),
    kind: 'ConflictingAuthentication',
  },
  // duplicates of authentication headers
  {
    name: 'two Authorization headers',
    req: () => addHeader(sts(), 'Authorization', authOf(sts())),
    kind: 'Duplicate',
  },
  {
    name: 'two X-Amz-Date headers',
    req: () => addHeader(sts(), 'x-amz-date', '20240501T120000Z'),
    kind: 'Duplicate',
  },
  {
    name: 'two X-Amz-Security-Token headers',
    req: () => addHeader(sts(), 'X-Amz-Security-Token', 'other'),
    kind: 'Duplicate',
  },
  {
    name: 'two Host headers',
    req: () => addHeader(sts(), 'Host', 'evil.example'),
    kind: 'Duplicate',
  },
  {
    name: 'two X-Amz-Security-Token parameters',
    req: () => mapTarget(presigned(), (t) => `${t}&X-Amz-Security-Token=x`),
    kind: 'Duplicate',
  },
  // scope
  {
    name: 'scope date other than X-Amz-Date',
    req: () => mapAuth(sts(), (a) => a.replace('/20240501/', '/20240430/')),
    kind: 'ScopeDateMismatch',
    answer: ['sts', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'scope terminator other than aws4_request',
    req: () => mapAuth(sts(), (a) => a.replace('/aws4_request', '/aws5_request')),
    kind: 'InvalidTerminator',
  },
  {
    name: 'scope service other than the routed one',
    req: () => sts(),
    opts: { service: 'iam' },
    kind: 'WrongService',
    answer: ['iam', 'SignatureDoesNotMatch', 403],
  },
  {
    name: 'region the endpoint does not serve',
    req: () => sts(),
    opts: { region: ['us-west-2'] },
    kind: 'WrongRegion',
    answer: ['s3', 'AuthorizationHeaderMalformed', 400],
  },
  {
    name: 'region that is no region',
    req: () => sts({ region: 'moon' }),
    kind: 'WrongRegion',
  },
  // payload modes
  {
    name: 'S3 header auth without x-amz-content-sha256',
    req: () =>
      dropHeader(
        s3({ signedHeaders: ['host', 'x-amz-date', 'x-amz-security-token'] }),
        'X-Amz-Content-SHA256',
      ),
    kind: 'MissingContentSha256',
    answer: ['s3', 'InvalidRequest', 400],
  },
  {
    name: 'S3 x-amz-content-sha256 that is neither a hash nor a mode',
    req: () => s3({ payloadHash: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }),
    kind: 'InvalidContentSha256',
    answer: ['s3', 'InvalidArgument', 400],
  },
];

describe('verifySigV4 rejects', () => {
  it.each(CASES)('$name → $kind', async ({ req, opts, kind, answer }) => {
    const r = await verify(req(), opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.kind).toBe(kind);
    expect(r.failure.reason).not.toBe('');
    if (answer) {
      const [service, code, status] = answer;
      expect(sigv4Error(service, r.failure)).toMatchObject({ code, httpStatus: status });
    }
  });

  it('marks a temporary key sent without any session token (S3 answers it as an unknown key)', async () => {
    const alone = await verify(s3({ credentials: { ...SESSION, sessionToken: undefined } }));
    expect(alone).toMatchObject({
      ok: false,
      failure: { kind: 'InvalidToken', tokenMissing: true, accessKeyId: SESSION.accessKeyId },
    });
    if (!alone.ok)
      expect(sigv4Error('s3', alone.failure).elements).toEqual({
        AWSAccessKeyId: SESSION.accessKeyId,
      });
    const forged = await verify(s3({ credentials: { ...SESSION, sessionToken: 'forged' } }));
    expect(forged).toMatchObject({
      ok: false,
      failure: { kind: 'InvalidToken', tokenMissing: false },
    });
  });

  it('never puts the secret, the signing key or the session token in a failure', async () => {
    for (const c of CASES) {
      const r = await verify(c.req(), c.opts);
      const text = JSON.stringify(r);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SESSION.secretAccessKey);
      expect(text).not.toContain(SESSION.sessionToken);
    }
  });

  it('explains a mismatch with the canonical request and string to sign it expected', async () => {
    const req = setHeader(sts(), 'Content-Type', 'application/json');
    const r = await verify(req);
    expect(r).toMatchObject({
      ok: false,
      failure: {
        kind: 'SignatureDoesNotMatch',
        accessKeyId: SESSION.accessKeyId,
        received: { signature: expect.stringMatching(/^[0-9a-f]{64}$/) },
      },
    });
    if (!r.ok && r.failure.kind === 'SignatureDoesNotMatch') {
      expect(r.failure.expected.canonicalRequest).toContain(
        'x-amz-security-token:<session token redacted>\n',
      );
    }
    const p = await verify(mapTarget(presigned(), (t) => t.replace('versionId=1', 'versionId=2')));
    if (!p.ok && p.failure.kind === 'SignatureDoesNotMatch') {
      expect(p.failure.expected.canonicalRequest).toContain(
        'X-Amz-Security-Token=<session token redacted>',
      );
    } else throw new Error('expected a mismatch');
    if (!r.ok && r.failure.kind === 'SignatureDoesNotMatch') {
      expect(r.failure.expected.canonicalRequest).toContain('content-type:application/json\n');
      expect(r.failure.expected.stringToSign.split('\n').slice(0, 3)).toEqual([
        'AWS4-HMAC-SHA256',
        '20240501T120000Z',
        '20240501/us-east-1/sts/aws4_request',
      ]);
    }
  });
});

describe('clock-skew window (15 min, inclusive)', () => {
  it.each([
    ['signed 15 min ago', -900_000, true],
    ['signed 15 min 1 s ago', -901_000, false],
    ['signed 15 min ahead', 900_000, true],
    ['signed 15 min 1 s ahead', 901_000, false],
  ])('%s → ok=%s', async (_, offset, ok) => {
    const r = await verify(sts({ now: new Date(NOW.getTime() + offset) }));
    expect(r.ok).toBe(ok);
  });

  it.each([
    ['at its last second', 3600, 3600_000, true],
    ['one second later', 3600, 3601_000, false],
    ['a week old with X-Amz-Expires 604800', 604_800, 604_800_000, true],
    ['a week and a second old with X-Amz-Expires 604800', 604_800, 604_801_000, false],
  ])('a presigned URL %s', async (_, expiresIn, age, ok) => {
    const r = await verify(
      presigned({ now: new Date(NOW.getTime() - age), presign: { expiresIn } }),
    );
    expect(r.ok).toBe(ok);
  });
});
