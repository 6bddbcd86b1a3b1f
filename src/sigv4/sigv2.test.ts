/**
 * SigV2 query authentication against botocore's own signer: python3 presigns with
 * `botocore.auth.HmacV1QueryAuth` (what `aws s3 presign` uses) under a fixed clock, and
 * irsakit must rebuild botocore's string to sign byte for byte and accept each URL — then
 * refuse every tampering, an expired URL and bad parameters with S3's errors.
 * The botocore part is skipped, with a message, when python3 or botocore is missing.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  type SigV2Request,
  sigv2Error,
  sigv2Resource,
  sigv2Signature,
  sigv2StringToSign,
  verifySigV2Query,
} from './sigv2.js';
import type { LookupResult } from './types.js';

const EXPIRES = 1714568400; // 2024-05-01T13:00:00Z
const NOW = new Date('2024-05-01T12:00:00Z');
const CREDS = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/with=chars==',
};
const lookup = (akid: string, token: string | undefined): LookupResult<string> =>
  akid === CREDS.accessKeyId
    ? token === CREDS.sessionToken
      ? { ok: true, secretAccessKey: CREDS.secretAccessKey, identity: 'caller' }
      : { ok: false, failure: 'InvalidToken' }
    : akid === 'AKIAIOSFODNN7EXAMPLE'
      ? { ok: true, secretAccessKey: CREDS.secretAccessKey, identity: 'user' }
      : { ok: false, failure: 'UnknownKey' };

const probe = spawnSync('python3', ['-c', 'import botocore; print(botocore.__version__)'], {
  encoding: 'utf8',
});
const BOTOCORE = probe.status === 0 ? probe.stdout.trim() : undefined;
if (!BOTOCORE)
  console.warn('sigv4/sigv2.test.ts: botocore cases skipped — python3/botocore missing');

// Presigns with botocore's HmacV1QueryAuth at a fixed time; prints each URL and botocore's
// own string to sign.
const SCRIPT = String.raw`
import json, sys
from urllib.parse import urlsplit
import botocore.auth
from botocore.auth import HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

a = json.loads(sys.argv[1])
botocore.auth.time.time = lambda: a['expires'] - 3600
captured = {}
orig = HmacV1QueryAuth.canonical_string
def cs(self, *args, **kw):
    s = orig(self, *args, **kw)
    captured['sts'] = s
    return s
HmacV1QueryAuth.canonical_string = cs

def presign(token, method, url, headers, auth_path=None):
    creds = Credentials(a['akid'] if token else 'AKIAIOSFODNN7EXAMPLE', a['secret'], a['token'] if token else None)
    req = AWSRequest(method=method, url=url, headers=headers)
    if auth_path: req.auth_path = auth_path
    HmacV1QueryAuth(creds, expires=3600).add_auth(req)
    p = urlsplit(req.url)
    hdrs = [[k, v] for k, v in headers.items()] + [['Host', p.netloc]]
    return {'method': method, 'target': p.path + '?' + p.query, 'headers': hdrs, 'sts': captured['sts']}

E = 'http://127.0.0.1:4577'
print(json.dumps({
  'pathStyle': presign(True, 'GET', E + '/irsa-bucket/dir/a%20b%2Bc/%C3%BC.txt', {}),
  'override': presign(True, 'GET', E + '/irsa-bucket/k?response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22x.txt%22', {}),
  'put': presign(True, 'PUT', E + '/irsa-bucket/up.txt', {'Content-Type': 'text/plain'}),
  'virtualHost': presign(True, 'GET', 'http://irsa-bucket.localhost:4577/dir/k.txt', {}, '/irsa-bucket/dir/k.txt'),
  'subresource': presign(True, 'GET', E + '/irsa-bucket?acl', {}),
  'bucketAsBoto3': presign(True, 'GET', E + '/irsa-bucket?location', {}, '/irsa-bucket/'),
  'longTerm': presign(False, 'GET', E + '/irsa-bucket/k', {}),
}))
`;

interface Signed {
  method: string;
  target: string;
  headers: [string, string][];
  sts: string;
}

function botocoreSigned(): Record<string, Signed> {
  const out = spawnSync(
    'python3',
    [
      '-c',
      SCRIPT,
      JSON.stringify({
        akid: CREDS.accessKeyId,
        secret: CREDS.secretAccessKey,
        token: CREDS.sessionToken,
        expires: EXPIRES,
      }),
    ],
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as Record<string, Signed>;
}

const signed = BOTOCORE ? botocoreSigned() : {};
const cases = Object.entries(signed);

describe.skipIf(!BOTOCORE)(`URLs presigned by botocore ${BOTOCORE ?? ''}`, () => {
  it.each(cases)('%s: verified', async (name, s) => {
    const r = await verifySigV2Query(s, {
      now: NOW,
      lookup,
      virtualHostBucket: name === 'virtualHost' ? 'irsa-bucket' : undefined,
    });
    expect(r).toMatchObject({
      ok: true,
      accessKeyId: name === 'longTerm' ? 'AKIAIOSFODNN7EXAMPLE' : CREDS.accessKeyId,
      expiresAt: new Date(EXPIRES * 1000),
    });
  });

  // (a bucket-level URL as boto3 signs it, `/bucket/`, is checked against both forms; the
  // failure names the first)
  const exact = cases.filter(([name]) => name !== 'bucketAsBoto3');
  it.each(exact)('%s: the string to sign is botocore’s, byte for byte', async (name, s) => {
    // a wrong secret: the failure carries irsakit's string to sign (token redacted)
    const r = await verifySigV2Query(s, {
      now: NOW,
      lookup: (akid, token) => {
        const found = lookup(akid, token);
        return found.ok ? { ...found, secretAccessKey: 'wrong' } : found;
      },
      virtualHostBucket: name === 'virtualHost' ? 'irsa-bucket' : undefined,
    });
    expect(r.ok).toBe(false);
    if (r.ok || r.failure.kind !== 'SignatureDoesNotMatch') throw new Error('expected a mismatch');
    expect(r.failure.stringToSign).toBe(
      s.sts.replace(CREDS.sessionToken, '<session token redacted>'),
    );
    expect(r.failure.stringToSign).not.toContain(CREDS.sessionToken);
  });

  it('a URL whose key was changed no longer verifies', async () => {
    const s = signed.pathStyle as Signed;
    const r = await verifySigV2Query(
      { ...s, target: s.target.replace('%C3%BC.txt', 'other.txt') },
      { now: NOW, lookup },
    );
    expect(r).toMatchObject({ ok: false, failure: { kind: 'SignatureDoesNotMatch' } });
  });

  it('a PUT URL needs the Content-Type it was signed with', async () => {
    const s = signed.put as Signed;
    const r = await verifySigV2Query(
      {
        ...s,
        headers: [
          ...s.headers.filter(([k]) => k !== 'Content-Type'),
          ['Content-Type', 'text/html'],
        ],
      },
      { now: NOW, lookup },
    );
    expect(r).toMatchObject({ ok: false, failure: { kind: 'SignatureDoesNotMatch' } });
  });

  it('the GET URL does not authorize a PUT', async () => {
    const s = signed.pathStyle as Signed;
    const r = await verifySigV2Query({ ...s, method: 'PUT' }, { now: NOW, lookup });
    expect(r).toMatchObject({ ok: false, failure: { kind: 'SignatureDoesNotMatch' } });
  });

  it('virtual-host style must be told the bucket', async () => {
    const r = await verifySigV2Query(signed.virtualHost as Signed, { now: NOW, lookup });
    expect(r).toMatchObject({ ok: false, failure: { kind: 'SignatureDoesNotMatch' } });
  });

  it('expires once Expires has passed', async () => {
    const s = signed.pathStyle as Signed;
    const at = await verifySigV2Query(s, { now: new Date(EXPIRES * 1000), lookup });
    expect(at.ok).toBe(true);
    const r = await verifySigV2Query(s, { now: new Date(EXPIRES * 1000 + 1000), lookup });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = sigv2Error(r.failure);
    expect([e.code, e.httpStatus, e.message, e.elements]).toEqual([
      'AccessDenied',
      403,
      'Request has expired',
      { Expires: '2024-05-01T13:00:00Z', ServerTime: '2024-05-01T13:00:01Z' },
    ]);
  });

  it('a temporary key without its session token is a key S3 does not know', async () => {
    const s = signed.pathStyle as Signed;
    const r = await verifySigV2Query(
      { ...s, target: s.target.replace(/&x-amz-security-token=[^&]*/, '') },
      { now: NOW, lookup },
    );
    expect(r).toMatchObject({ ok: false, failure: { kind: 'InvalidToken', tokenMissing: true } });
    if (!r.ok) {
      const e = sigv2Error(r.failure);
      expect([e.code, e.httpStatus, e.message, e.elements]).toEqual([
        'InvalidAccessKeyId',
        403,
        'The AWS Access Key Id you provided does not exist in our records.',
        { AWSAccessKeyId: CREDS.accessKeyId },
      ]);
    }
  });

  it('a foreign session token is InvalidToken', async () => {
    const s = signed.pathStyle as Signed;
    const r = await verifySigV2Query(
      { ...s, target: s.target.replace(/(&x-amz-security-token=)[^&]*/, '$1forged') },
      { now: NOW, lookup },
    );
    expect(r).toMatchObject({ ok: false, failure: { kind: 'InvalidToken', tokenMissing: false } });
    if (!r.ok) {
      const e = sigv2Error(r.failure);
      expect([e.code, e.httpStatus]).toEqual(['InvalidToken', 400]);
    }
  });
});

describe('SigV2 pieces', () => {
  it('the resource keeps only signed sub-resources, sorted, values decoded', () => {
    expect(sigv2Resource('/b/k', 'versionId=3&AWSAccessKeyId=AKID&acl&x-id=GetObject')).toBe(
      '/b/k?acl&versionId=3',
    );
    expect(sigv2Resource('/b/k', 'response-content-type=text%2Fplain')).toBe(
      '/b/k?response-content-type=text/plain',
    );
    expect(sigv2Resource('/k', '', 'b')).toBe('/b/k');
    expect(sigv2Resource('/', 'acl', 'b')).toBe('/b/?acl');
  });

  it('x-amz headers are lower-cased, sorted and duplicates joined', () => {
    expect(
      sigv2StringToSign({
        method: 'get',
        contentMd5: '',
        contentType: ' text/plain ',
        expires: '1',
        amzHeaders: [
          ['X-Amz-Meta-B', 'two'],
          ['x-amz-meta-a', ' one '],
          ['x-amz-meta-b', 'three'],
        ],
        resource: '/b/k',
      }),
    ).toBe('GET\n\ntext/plain\n1\nx-amz-meta-a:one\nx-amz-meta-b:two,three\n/b/k');
  });

  const base = (query: string): SigV2Request => ({
    method: 'GET',
    target: `/b/k?${query}`,
    headers: [['Host', '127.0.0.1:4577']],
  });

  it.each([
    ['AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1714568400', ['Signature']],
    ['AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=abc%3D', ['Expires']],
    ['Signature=abc%3D&Expires=1714568400&AWSAccessKeyId=', ['AWSAccessKeyId']],
  ])('missing parameters (%s) are refused as S3 does', async (query, missing) => {
    const r = await verifySigV2Query(base(query), { now: NOW, lookup });
    expect(r).toMatchObject({ ok: false, failure: { kind: 'MissingParameters', missing } });
    if (r.ok) return;
    const e = sigv2Error(r.failure);
    expect([e.code, e.httpStatus, e.message]).toEqual([
      'AccessDenied',
      403,
      'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
    ]);
  });

  it('a non-numeric Expires is refused', async () => {
    const r = await verifySigV2Query(
      base('AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=abc%3D&Expires=tomorrow'),
      { now: NOW, lookup },
    );
    expect(r).toMatchObject({ ok: false, failure: { kind: 'InvalidExpires', value: 'tomorrow' } });
  });

  it('an unknown key is InvalidAccessKeyId with the key', async () => {
    const r = await verifySigV2Query(
      base('AWSAccessKeyId=AKIANOTKNOWN&Signature=abc%3D&Expires=1714568400'),
      { now: NOW, lookup },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = sigv2Error(r.failure);
    expect([e.code, e.httpStatus, e.elements]).toEqual([
      'InvalidAccessKeyId',
      403,
      { AWSAccessKeyId: 'AKIANOTKNOWN' },
    ]);
  });

  it('a signature computed here verifies; a non-canonical base64 one does not', async () => {
    const sts = 'GET\n\n\n1714568400\n/b/k';
    const sig = sigv2Signature(CREDS.secretAccessKey, sts);
    const ok = await verifySigV2Query(
      base(
        `AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=${encodeURIComponent(sig)}&Expires=1714568400`,
      ),
      { now: NOW, lookup },
    );
    expect(ok).toMatchObject({ ok: true, identity: 'user', sessionToken: undefined });
    const mangled = await verifySigV2Query(
      base(
        `AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=${encodeURIComponent(sig.replace(/=$/, ''))}&Expires=1714568400`,
      ),
      { now: NOW, lookup },
    );
    expect(mangled.ok).toBe(false);
    if (mangled.ok) return;
    const e = sigv2Error(mangled.failure);
    expect(e.code).toBe('SignatureDoesNotMatch');
    expect(e.elements.StringToSign).toBe(sts);
    expect(e.elements.StringToSignBytes?.startsWith('47 45 54 0a')).toBe(true);
  });
});
