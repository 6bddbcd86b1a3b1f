/**
 * The verifier against a real client's signatures: botocore (python3) signs requests with
 * fixed credentials and a fixed clock — an STS POST, an S3 GET whose key has a space and a
 * `~`, an S3 presigned GET and an STS presigned GET as `aws eks get-token` makes it — and
 * irsakit must reproduce botocore's own canonical request and accept every one.
 * Skipped, with a message, when python3 or botocore is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256 } from './constants.js';
import type { LookupResult, SigV4Request } from './types.js';
import { prepareSigV4, verifySigV4 } from './verify.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const CREDS = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/with=chars==',
};

const probe = spawnSync('python3', ['-c', 'import botocore, sys; print(botocore.__version__)'], {
  encoding: 'utf8',
});
const BOTOCORE = probe.status === 0 ? probe.stdout.trim() : undefined;
if (!BOTOCORE) {
  console.warn(
    'sigv4/botocore.test.ts: skipped — python3 with botocore is not available ' +
      `(${probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? 'unknown'})`,
  );
}

// Signs with botocore's own signers; prints what the server receives and what botocore signed.
const SCRIPT = String.raw`
import datetime, json, sys
from urllib.parse import urlsplit
import botocore.auth
from botocore.auth import SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

args = json.loads(sys.argv[1])
fixed = datetime.datetime(2024, 5, 1, 12, 0, 0)
botocore.auth.get_current_datetime = lambda remove_tzinfo=True: fixed
creds = Credentials(args['akid'], args['secret'], args['token'])

def capture(cls):
    class Capturing(cls):
        def string_to_sign(self, request, canonical_request):
            sts = super().string_to_sign(request, canonical_request)
            request.context['captured'] = (canonical_request, sts)
            return sts
    return Capturing

def sign(auth, method, url, headers, body):
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    auth.add_auth(req)
    p = req.prepare()
    parts = urlsplit(p.url)
    target = parts.path + ('?' + parts.query if parts.query else '')
    hdrs = [[k, v] for k, v in p.headers.items()]
    if not any(k.lower() == 'host' for k, _ in hdrs):
        hdrs.insert(0, ['Host', parts.netloc])
    canonical, sts = req.context['captured']
    b = p.body or b''
    return {'method': method, 'target': target, 'headers': hdrs,
            'body': b.decode() if isinstance(b, bytes) else b,
            'canonicalRequest': canonical, 'stringToSign': sts}

E = 'http://127.0.0.1:4577'
print(json.dumps({
  'sts': sign(capture(SigV4Auth)(creds, 'sts', 'us-east-1'), 'POST', E + '/',
              {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'},
              'Action=GetCallerIdentity&Version=2011-06-15'),
  's3': sign(capture(S3SigV4Auth)(creds, 's3', 'us-east-1'), 'GET',
             E + '/irsa-bucket/dir/a%20b~c.txt', {}, b''),
  's3Presigned': sign(capture(S3SigV4QueryAuth)(creds, 's3', 'us-east-1', expires=3600), 'GET',
             E + '/irsa-bucket/dir/a%20b~c.txt?versionId=3', {}, b''),
  'eksToken': sign(capture(SigV4QueryAuth)(creds, 'sts', 'us-east-1', expires=60), 'GET',
             E + '/?Action=GetCallerIdentity&Version=2011-06-15', {'x-k8s-aws-id': 'dev-cluster'}, b''),
}))
`;

interface Signed extends SigV4Request {
  headers: [string, string][];
  body: string;
  canonicalRequest: string;
  stringToSign: string;
}

function botocoreSign(): Record<'sts' | 's3' | 's3Presigned' | 'eksToken', Signed> {
  const out = execFileSync(
    'python3',
    [
      '-c',
      SCRIPT,
      JSON.stringify({
        akid: CREDS.accessKeyId,
        secret: CREDS.secretAccessKey,
        token: CREDS.sessionToken,
      }),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(out) as ReturnType<typeof botocoreSign>;
}

const lookup = (akid: string, token: string | undefined): LookupResult =>
  akid === CREDS.accessKeyId && token === CREDS.sessionToken
    ? { ok: true, secretAccessKey: CREDS.secretAccessKey }
    : { ok: false, failure: akid === CREDS.accessKeyId ? 'InvalidToken' : 'UnknownKey' };

describe.skipIf(!BOTOCORE)(`requests signed by botocore ${BOTOCORE ?? ''}`, () => {
  const signed = BOTOCORE ? botocoreSign() : undefined;
  const cases = [
    { name: 'STS POST (GetCallerIdentity)', key: 'sts', service: 'sts', presigned: false },
    { name: 'S3 GET of a key with a space and ~', key: 's3', service: 's3', presigned: false },
    { name: 'S3 presigned GET', key: 's3Presigned', service: 's3', presigned: true },
    {
      name: 'STS presigned GET (aws eks get-token)',
      key: 'eksToken',
      service: 'sts',
      presigned: true,
    },
  ] as const;

  it.each(cases)('$name: same canonical request and string to sign', ({ key, service }) => {
    const req = signed?.[key] as Signed;
    const prep = prepareSigV4(req, { now: NOW, service });
    if (!prep.ok) throw new Error(prep.failure.reason);
    const texts = prep.prepared.candidates.map((c) => c.canonical.text);
    expect(texts).toContain(req.canonicalRequest);
    expect(prep.prepared.candidates.map((c) => c.stringToSign)).toContain(req.stringToSign);
  });

  it.each(cases)('$name: verifies', async ({ key, service, presigned }) => {
    const req = signed?.[key] as Signed;
    const r = await verifySigV4(req, { now: NOW, service, lookup });
    expect(r).toMatchObject({
      ok: true,
      accessKeyId: CREDS.accessKeyId,
      sessionToken: CREDS.sessionToken,
      scope: { date: '20240501', region: 'us-east-1', service },
      presigned,
    });
  });

  it('signs what spec §7.6 says botocore signs', () => {
    const auth = (req: Signed) =>
      req.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1] ?? '';
    expect(auth(signed?.sts as Signed)).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
    expect(auth(signed?.s3 as Signed)).toContain(
      'SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,',
    );
    expect(signed?.s3.target).toBe('/irsa-bucket/dir/a%20b~c.txt');
    // S3 presigns over UNSIGNED-PAYLOAD; the EKS token (STS) over the empty body's hash,
    // neither announced in the URL
    expect(signed?.s3Presigned.canonicalRequest.endsWith('\nUNSIGNED-PAYLOAD')).toBe(true);
    expect(signed?.eksToken.target).not.toContain('X-Amz-Content-Sha256');
    expect(signed?.eksToken.canonicalRequest.endsWith(`\n${EMPTY_SHA256}`)).toBe(true);
    expect(auth(signed?.eksToken as Signed)).toBe('');
    expect(signed?.eksToken.target).toContain('X-Amz-SignedHeaders=host%3Bx-k8s-aws-id');
  });

  it.each([
    ['a tampered body', (r: Signed): Signed => ({ ...r, body: r.body.replace('2011', '2012') })],
    [
      'an altered key',
      (r: Signed): Signed => ({ ...r, target: r.target.replace('a%20b', 'a%20c') }),
    ],
    ['another clock (16 min later)', (r: Signed) => r],
  ])('rejects a botocore request with %s', async (name, tamper) => {
    const key = name === 'an altered key' ? 's3' : 'sts';
    const req = tamper(signed?.[key] as Signed);
    const now = name.startsWith('another clock') ? new Date(NOW.getTime() + 16 * 60_000) : NOW;
    const r = await verifySigV4(req, { now, lookup });
    expect(r.ok).toBe(false);
  });
});
