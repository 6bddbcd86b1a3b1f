/**
 * The audit trail end to end, with the real clients against `irsa up`: the seed's IRSA setup
 * (OIDC provider, role, the pod's token), then allowed and refused calls by the AWS CLI, the
 * JS SDK and boto3 — each one a CloudTrail record committed before its answer was sent, in
 * CloudTrail's shape; `aws cloudtrail lookup-events` as the seeds run it and the JS SDK's
 * LookupEvents with attributes, time ranges and paging; `irsa why` naming the hop and the
 * statement of each refusal; `irsa trail` and its filters, `--follow`; `/metrics`; the
 * request log of `irsa up --log-format json`; and no secret in any stored byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudTrailClient,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../src/sigv4/testing/sign.js';
import {
  ACCOUNT,
  type Creds,
  type Harness,
  ROOT,
  adminCredentials,
  startHarness,
} from './support/harness.js';

let h: Harness;
let issuer = '';
let providerArn = '';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-app-role`;
const SUB = 'system:serviceaccount:production:s3-app';
/** every secret the test saw: none may reach the audit log */
const secrets: string[] = [];

interface Item {
  seq: number;
  record: Record<string, unknown> & {
    eventName: string;
    requestID: string;
    errorCode?: string;
    userIdentity: Record<string, unknown>;
  };
  irsaExplanation: Record<string, unknown> & { hop?: string; outcome: string };
}

async function admin<T>(path: string): Promise<{ status: number; body: T }> {
  const token = readFileSync(join(h.dataDir, 'admin-token'), 'utf8').trim();
  const r = await fetch(`${h.server.edge}/_irsa/v1${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: r.status, body: (await r.json()) as T };
}

const latest = async (q: string): Promise<Item> => {
  const r = await admin<{ items: Item[] }>(`/trail?limit=1&${q}`);
  const item = r.body.items[0];
  if (!item) throw new Error(`no event for ${q}`);
  return item;
};

async function token(ns: string, sa: string, extra: string[] = []): Promise<string> {
  const r = await h.irsa(['token', 'create', '-n', ns, sa, ...extra]);
  expect(r.stderr).toBe('');
  const t = r.stdout.trim();
  secrets.push(t.split('.')[2] as string);
  return t;
}

function tokenFile(t: string): string {
  const f = join(h.home, `t-${Math.random().toString(36).slice(2)}.jwt`);
  writeFileSync(f, t);
  return f;
}

function keep(c: Creds): Creds {
  secrets.push(c.secretAccessKey);
  if (c.sessionToken) secrets.push(c.sessionToken);
  return c;
}

const sts = () => new STSClient({ endpoint: h.server.edge, region: 'us-east-1' });

beforeAll(async () => {
  h = await startHarness();
  keep(h.admin());
  const sa = readFileSync(join(ROOT, 'examples/k8s/s3-app-serviceaccount.yaml'), 'utf8');
  writeFileSync(join(h.home, 'typo-sa.yaml'), sa.replace('name: s3-app', 'name: s3-ap'));
  const applied = await h.irsa([
    'apply',
    '-f',
    join(ROOT, 'examples/k8s/namespace.yaml'),
    '-f',
    join(ROOT, 'examples/k8s/s3-app-serviceaccount.yaml'),
    '-f',
    join(h.home, 'typo-sa.yaml'),
  ]);
  expect(applied.stderr).toBe('');
  const d = await h.aws([
    'eks',
    'describe-cluster',
    '--name',
    'demo',
    '--query',
    'cluster.identity.oidc.issuer',
    '--output',
    'text',
  ]);
  issuer = d.stdout.trim();
  const url = issuer.replace('https://', '');
  providerArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}`;
  const p = await h.aws([
    'iam',
    'create-open-id-connect-provider',
    '--url',
    issuer,
    '--client-id-list',
    'sts.amazonaws.com',
    '--thumbprint-list',
    h.server.thumbprint,
  ]);
  expect(p.stderr).toBe('');
  expect(p.code).toBe(0);
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IrsaS3App',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${url}:sub`]: SUB, [`${url}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
  const r = await h.aws([
    'iam',
    'create-role',
    '--role-name',
    's3-app-role',
    '--assume-role-policy-document',
    JSON.stringify(trust, null, 2),
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const CLOUDTRAIL_FIELDS = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'requestParameters',
  'responseElements',
  'requestID',
  'eventID',
  'readOnly',
  'eventType',
  'managementEvent',
  'recipientAccountId',
  'eventCategory',
];

describe('records of allowed and refused calls, in CloudTrail’s shape', () => {
  let session: Creds;

  it('AssumeRoleWithWebIdentity by the AWS CLI: the WebIdentityUser, the parameters, the key id only', async () => {
    const out = await h.aws([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'seed',
      '--web-identity-token',
      `file://${tokenFile(await token('production', 's3-app'))}`,
    ]);
    expect(out.stderr).toBe('');
    const c = JSON.parse(out.stdout).Credentials;
    session = keep({
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    });
    const { record: r } = await latest('eventName=AssumeRoleWithWebIdentity');
    expect(Object.keys(r).sort()).toEqual(
      [...CLOUDTRAIL_FIELDS, 'additionalEventData', 'resources'].sort(),
    );
    expect(r).toMatchObject({
      eventVersion: '1.08',
      userIdentity: {
        type: 'WebIdentityUser',
        principalId: `${providerArn}:sts.amazonaws.com:${SUB}`,
        userName: SUB,
        identityProvider: providerArn,
      },
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRoleWithWebIdentity',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: expect.stringMatching(/^aws-cli\/1\.45/),
      requestParameters: { roleArn: ROLE, roleSessionName: 'seed' },
      responseElements: {
        credentials: {
          accessKeyId: c.AccessKeyId,
          expiration: expect.stringMatching(
            /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d [AP]M$/,
          ),
        },
        subjectFromWebIdentityToken: SUB,
        assumedRoleUser: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/seed` },
        provider: providerArn,
        audience: 'sts.amazonaws.com',
      },
      // the IAM user guide: how STS verified its connection to the provider
      additionalEventData: { identityProviderConnectionVerificationMethod: 'Thumbprint' },
      readOnly: true,
      resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: ROLE }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    });
    expect(r.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys((r.responseElements as { credentials: object }).credentials)).toEqual([
      'accessKeyId',
      'expiration',
    ]);
  });

  it('GetCallerIdentity with the session: the AssumedRole and its web identity federation', async () => {
    const who = await h.aws(['sts', 'get-caller-identity'], session);
    expect(who.stderr).toBe('');
    const { record: r } = await latest(`eventName=GetCallerIdentity&role=s3-app-role`);
    expect(Object.keys(r).sort()).toEqual([...CLOUDTRAIL_FIELDS].sort());
    expect(r.userIdentity).toEqual({
      type: 'AssumedRole',
      principalId: expect.stringMatching(/^AROA[A-Z2-7]{17}:seed$/),
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/seed`,
      accountId: ACCOUNT,
      accessKeyId: session.accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: expect.stringMatching(/^AROA/),
          arn: ROLE,
          accountId: ACCOUNT,
          userName: 's3-app-role',
        },
        webIdFederationData: { federatedProvider: providerArn, attributes: {} },
        attributes: {
          creationDate: expect.stringMatching(/Z$/),
          mfaAuthenticated: 'false',
        },
      },
    });
    expect(r).toMatchObject({ readOnly: true, requestParameters: null, responseElements: null });
  });

  it('a client that saw an answer finds its record (commit before send), 16 at a time', async () => {
    const client = new STSClient(h.sdk(session));
    const ids = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const out = await client.send(new GetCallerIdentityCommand({}));
        const id = out.$metadata.requestId as string;
        // asked the moment the answer arrived
        const r = await admin<Item>(`/trail/${id}`);
        expect(r.status).toBe(200);
        expect(r.body.record.requestID).toBe(id);
        return id;
      }),
    );
    expect(new Set(ids).size).toBe(16);
  });

  it('an IAM call refused by policy: AccessDenied with AWS’s text, the record and `irsa why`', async () => {
    const reader = keep(
      await h.roleSession({
        roleName: 'reader',
        policies: [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ReadOwnRole',
                Effect: 'Allow',
                Action: 'iam:GetRole',
                Resource: `arn:aws:iam::${ACCOUNT}:role/reader`,
              },
            ],
          },
        ],
      }),
    );
    const denied = await h.aws(['iam', 'list-roles'], reader);
    expect(denied.stderr).toContain('(AccessDenied) when calling the ListRoles operation');
    const trail = await h.irsa(['trail', '--errors', '--role', 'reader', '--json']);
    expect(trail.code).toBe(0);
    const lines = trail.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1] as string) as Item['record'] & {
      irsaExplanation: Item['irsaExplanation'];
    };
    expect(last).toMatchObject({
      eventSource: 'iam.amazonaws.com',
      eventName: 'ListRoles',
      errorCode: 'AccessDenied',
      errorMessage: expect.stringContaining(
        'is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/ because no identity-based policy allows the iam:ListRoles action',
      ),
      userIdentity: { type: 'AssumedRole', sessionContext: { webIdFederationData: {} } },
      irsaExplanation: { outcome: 'denied', hop: 'identity' },
    });
    const why = await h.irsa(['why', last.requestID]);
    expect(why.code).toBe(0);
    expect(why.stdout).toContain('✗ identity policies');
    expect(why.stdout).toContain('inline-0 statement `ReadOwnRole`');
    expect(why.stdout).toContain('expected: iam:GetRole');
    expect(why.stdout).toContain('actual: iam:ListRoles');
    expect(why.stdout).not.toContain('did you mean');
    expect(why.stdout).toMatch(/fix: add an Allow for iam:ListRoles/);
  });

  it('an explicit deny: `irsa why` names the denying statement', async () => {
    const denier = keep(
      await h.roleSession({
        roleName: 'denier',
        policies: [
          {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
              { Sid: 'NoRoleDeletes', Effect: 'Deny', Action: 'iam:DeleteRole', Resource: '*' },
            ],
          },
        ],
      }),
    );
    const err = await new IAMClient(h.sdk(denier))
      .send(new DeleteRoleCommand({ RoleName: 'reader' }))
      .catch(
        (e: unknown) => e as { name: string; message: string; $metadata: { requestId: string } },
      );
    expect(err).toMatchObject({ name: 'AccessDenied' });
    expect((err as { message: string }).message).toContain(
      'with an explicit deny in an identity-based policy',
    );
    const id = (err as { $metadata: { requestId: string } }).$metadata.requestId;
    const why = await h.irsa(['why', id]);
    expect(why.stdout).toContain('denied by inline-0 statement `NoRoleDeletes` (#1, line 1)');
    expect(why.stdout).toContain('explicit Deny wins');
    const json = JSON.parse((await h.irsa(['why', id, '--json'])).stdout) as {
      irsaExplanation: { hop: string; statement: { sid: string; effect: string } };
    };
    expect(json.irsaExplanation).toMatchObject({
      hop: 'identity',
      statement: { sid: 'NoRoleDeletes', effect: 'Deny', policy: 'inline-0' },
    });
  });

  it('a SigV4 failure is recorded too: the Unknown identity with the key id, the signature hop', async () => {
    const wrong = await h.aws(['sts', 'get-caller-identity'], {
      accessKeyId: h.admin().accessKeyId,
      secretAccessKey: 'x'.repeat(40),
    });
    expect(wrong.stderr).toContain('(SignatureDoesNotMatch)');
    const e = await latest('eventName=GetCallerIdentity&errors=true');
    expect(e.record).toMatchObject({
      errorCode: 'SignatureDoesNotMatch',
      errorMessage: expect.stringContaining('The request signature we calculated does not match'),
      userIdentity: { type: 'Unknown', accessKeyId: h.admin().accessKeyId },
      recipientAccountId: ACCOUNT,
    });
    expect(e.irsaExplanation.hop).toBe('signature');
    const why = await h.irsa(['why', e.record.requestID]);
    expect(why.stdout).toContain('✗ signature');
    expect(why.stdout).toContain("irsakit's canonical request: POST\\n/\\n");
    expect(why.stdout).toContain(`sts:GetCallerIdentity  by signed(${h.admin().accessKeyId}) from`);
    // a client clock an hour slow: signed all the same, and the trail says by which key
    const slow = await h.python(
      [
        'import boto3, datetime',
        'from unittest import mock',
        'real = datetime.datetime',
        'class Slow(real):',
        '    @classmethod',
        '    def utcnow(cls): return real.utcnow() - datetime.timedelta(hours=1)',
        '    @classmethod',
        '    def now(cls, tz=None): return real.now(tz) - datetime.timedelta(hours=1)',
        "with mock.patch('botocore.auth.datetime.datetime', Slow):",
        '    try:',
        "        boto3.client('sts').get_caller_identity()",
        '    except Exception as e:',
        '        print(e)',
      ].join('\n'),
    );
    expect(slow.stdout).toContain('Signature expired');
    const skewed = await latest('eventName=GetCallerIdentity&errors=true');
    expect(skewed.record.userIdentity).toEqual({
      type: 'Unknown',
      accessKeyId: h.admin().accessKeyId,
    });
    const trail = await h.irsa(['trail', '--errors']);
    expect(trail.stdout).toContain(
      `  signed(${h.admin().accessKeyId})  sts:GetCallerIdentity  -  SignatureDoesNotMatch  ${skewed.record.requestID}`,
    );
  });
});

describe('hostile parameter names', () => {
  it('a refused call naming `constructor.prototype.x` is recorded as sent and leaks into no other record', async () => {
    const body =
      'Action=GetCallerIdentity&Version=2011-06-15&constructor.prototype.polluted=yes&__proto__.polluted=yes';
    const r = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(r.status).toBe(403);
    const refused = (await admin<Item>(`/trail/${r.headers.get('x-amzn-requestid') ?? ''}`)).body;
    expect(refused.record.errorCode).toBe('MissingAuthenticationToken');
    expect(JSON.stringify(refused.record.requestParameters)).toBe(
      '{"constructor":{"prototype":{"polluted":"yes"}},"__proto__":{"polluted":"yes"}}',
    );
    // the server's objects are untouched: a later call's record names only its own parameters
    const ok = await h.aws(['s3api', 'list-buckets'], h.admin());
    expect(ok.code, ok.stderr).toBe(0);
    const later = await latest('eventName=ListBuckets');
    expect(JSON.stringify(later.record)).not.toContain('polluted');
    expect(later.record.requestParameters).toEqual({ Host: expect.any(String) });
  });
});

describe('parameters an operation does not take', () => {
  it('AssumeRoleWithWebIdentity sent Tags: answered, and recorded with its own parameters only', async () => {
    const body = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'tagged',
      DurationSeconds: '900',
      WebIdentityToken: await token('production', 's3-app'),
      'Tags.member.1.Key': 'a',
      'Tags.member.1.Value': 'x',
    });
    const r = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    const xml = await r.text();
    for (const m of xml.matchAll(/<(SecretAccessKey|SessionToken)>([^<]+)</g))
      secrets.push(m[2] as string);
    expect(r.status, xml).toBe(200);
    const item = (await admin<Item>(`/trail/${r.headers.get('x-amzn-requestid') ?? ''}`)).body;
    expect(item.record.requestParameters).toEqual({
      roleArn: ROLE,
      roleSessionName: 'tagged',
      durationSeconds: 900,
    });
  });
});

describe('web identity refusals, explained', () => {
  it('a sub one edit away from the trust policy’s: the trust statement and a "did you mean"', async () => {
    const err = await sts()
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE,
          RoleSessionName: 'typo',
          WebIdentityToken: await token('production', 's3-ap'),
        }),
      )
      .catch(
        (e: unknown) => e as { name: string; message: string; $metadata: { requestId: string } },
      );
    expect(err).toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    });
    const id = (err as { $metadata: { requestId: string } }).$metadata.requestId;
    const r = await admin<Item>(`/trail/${id}`);
    expect(r.body.record).toMatchObject({
      errorCode: 'AccessDenied',
      errorMessage: 'An unknown error occurred',
      userIdentity: {
        type: 'WebIdentityUser',
        userName: 'system:serviceaccount:production:s3-ap',
        identityProvider: providerArn,
      },
      requestParameters: { roleArn: ROLE, roleSessionName: 'typo' },
      responseElements: null,
    });
    const why = await h.irsa(['why', id]);
    expect(why.stdout).toContain('✓ pod / service account  production/s3-ap');
    expect(why.stdout).toContain(`✓ token                  iss ${issuer}`);
    expect(why.stdout).toContain('✓ OIDC provider');
    expect(why.stdout).toContain('✗ role trust policy');
    expect(why.stdout).toContain(`${ROLE} trust policy statement \`IrsaS3App\` (#0, line 4)`);
    // the cluster signed the token for s3-ap: the policy's s3-app is the near miss, and
    // running the pod as s3-app the other way out
    expect(why.stdout).toContain(
      'did you mean `system:serviceaccount:production:s3-ap` in the trust policy?',
    );
    expect(why.stdout).toContain('· session');
    expect(why.stdout).toMatch(
      /fix: set StringEquals `[^`]+:sub` to `system:serviceaccount:production:s3-ap` in .*run the pod as it \(serviceAccountName: s3-app\)/,
    );
  });

  it('a token for another audience: the OIDC provider hop, the aud claim', async () => {
    const err = await sts()
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE,
          RoleSessionName: 'aud',
          WebIdentityToken: await token('production', 's3-app', ['--audience', 'sts.amazon.com']),
        }),
      )
      .catch((e: unknown) => e as { name: string; $metadata: { requestId: string } });
    expect(err).toMatchObject({ name: 'InvalidIdentityTokenException' });
    const id = (err as { $metadata: { requestId: string } }).$metadata.requestId;
    const json = JSON.parse((await h.irsa(['why', id, '--json'])).stdout) as {
      errorCode: string;
      irsaExplanation: Record<string, unknown>;
    };
    expect(json.errorCode).toBe('InvalidIdentityToken');
    expect(json.irsaExplanation).toMatchObject({
      outcome: 'denied',
      hop: 'provider',
      claim: 'aud',
      expected: ['sts.amazonaws.com'],
      didYouMean: 'sts.amazonaws.com',
    });
    const why = await h.irsa(['why', id]);
    expect(why.stdout).toContain('✗ OIDC provider');
    expect(why.stdout).toContain('--audience sts.amazonaws.com');
  });

  it('an unknown id is a clear error', async () => {
    const r = await h.irsa(['why', 'no-such-request']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'no audit event with request id or event id no-such-request (the trail keeps 90d)',
    );
  });
});

describe('LookupEvents', () => {
  it('a call refused for its signature is recorded under the operation it asked for, data events as data', async () => {
    const wrong = { ...h.admin(), secretAccessKey: 'not-the-secret-at-all' };
    const get = await h.aws(
      ['s3api', 'get-object', '--bucket', 'my-bucket', '--key', 'hello.txt', join(h.home, 'x')],
      wrong,
    );
    expect(get.stderr).toContain('SignatureDoesNotMatch');
    const s3 = await latest('errorCode=SignatureDoesNotMatch&eventSource=s3.amazonaws.com');
    expect(s3.record).toMatchObject({
      eventName: 'GetObject',
      eventCategory: 'Data',
      readOnly: true,
    });
    const ddb = await h.aws(
      ['dynamodb', 'get-item', '--table-name', 't', '--key', '{"pk":{"S":"a"}}'],
      wrong,
    );
    expect(ddb.stderr).toContain('InvalidSignatureException');
    const item = await latest('eventSource=dynamodb.amazonaws.com');
    expect(item.record).toMatchObject({ eventName: 'GetItem', eventCategory: 'Data' });
  });

  it('an error text that echoes the Authorization header is kept without its signature', async () => {
    const signed = signRequest({
      method: 'POST',
      target: '/',
      headers: [
        ['Host', new URL(h.server.edge).host],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      credentials: h.admin(),
      region: 'us-east-1',
      service: 'sts',
      now: new Date(),
    });
    const signature = /Signature=([0-9a-f]{64})/.exec(
      signed.headers.find(([n]) => n === 'Authorization')?.[1] ?? '',
    )?.[1] as string;
    // without its X-Amz-Date the request is refused, and AWS echoes the header to its sender
    const res = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: signed.headers.filter(([n]) => n !== 'X-Amz-Date'),
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toContain('<Code>IncompleteSignature</Code>');
    expect(text).toContain(signature);
    const trail = await h.irsa(['trail', '--errors', '--json', '--limit', '1000']);
    const record = trail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { errorCode?: string; errorMessage?: string })
      .filter((r) => r.errorCode === 'IncompleteSignature')
      .at(-1);
    expect(record?.errorMessage).toContain('Signature=<redacted>');
    for (const line of trail.stdout.split('\n'))
      expect(line.includes(signature) ? line : '').toBe('');
  });

  it('`aws cloudtrail lookup-events` as the seed runs it', async () => {
    const r = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity',
    ]);
    expect(r.stderr).toBe('');
    const events = JSON.parse(r.stdout).Events as Record<string, unknown>[];
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const e of events) {
      expect(e).toMatchObject({
        EventName: 'AssumeRoleWithWebIdentity',
        ReadOnly: 'true',
        EventSource: 'sts.amazonaws.com',
        EventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(typeof e.EventTime).toBe('number');
      expect(JSON.parse(e.CloudTrailEvent as string).eventID).toBe(e.EventId);
    }
    const times = events.map((e) => e.EventTime as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events.map((e) => e.Username)).toContain(SUB);
    const seed = events.find(
      (e) => e.Username === SUB && !JSON.parse(e.CloudTrailEvent as string).errorCode,
    );
    expect(seed?.Resources).toEqual([{ ResourceType: 'AWS::IAM::Role', ResourceName: ROLE }]);
    expect(seed?.AccessKeyId).toMatch(/^ASIA/);
    const table = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity',
      '--output',
      'table',
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('LookupEvents');
  });

  it('the seed’s Username lookup finds the role’s refusals; MaxResults above 50 is refused', async () => {
    const r = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=Username,AttributeValue=s3-app-role',
      '--max-results',
      '10',
    ]);
    expect(r.stderr).toBe('');
    const errors = (JSON.parse(r.stdout).Events as { CloudTrailEvent: string }[]).map(
      (e) => JSON.parse(e.CloudTrailEvent).errorCode,
    );
    expect(errors).toContain('AccessDenied');
    const many = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity',
      '--max-results',
      '100',
    ]);
    expect(many.stderr.trim()).toBe(
      'An error occurred (InvalidMaxResultsException) when calling the LookupEvents operation: MaxResults must be between 1 and 50.',
    );
  });

  it('the CLI’s own paging: --max-items and --starting-token', async () => {
    const first = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventSource,AttributeValue=sts.amazonaws.com',
      '--page-size',
      '2',
      '--max-items',
      '3',
    ]);
    expect(first.stderr).toBe('');
    const page = JSON.parse(first.stdout);
    expect(page.Events).toHaveLength(3);
    const rest = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventSource,AttributeValue=sts.amazonaws.com',
      '--page-size',
      '2',
      '--starting-token',
      page.NextToken,
    ]);
    const all = await h.aws([
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventSource,AttributeValue=sts.amazonaws.com',
    ]);
    const ids = (x: string) =>
      (JSON.parse(x).Events as { EventId: string }[]).map((e) => e.EventId);
    expect([...ids(first.stdout), ...ids(rest.stdout)]).toEqual(ids(all.stdout));
  });

  it('the JS SDK: attributes, a time range, paging by NextToken, and AWS’s errors', async () => {
    const ct = new CloudTrailClient(h.sdk());
    const start = new Date(Date.now() - 3600_000);
    const end = new Date(Date.now() + 60_000);
    const input: LookupEventsCommandInput = {
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'iam.amazonaws.com' }],
      StartTime: start,
      EndTime: end,
      MaxResults: 2,
    };
    const ids: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const out = await ct.send(new LookupEventsCommand({ ...input, NextToken: next }));
      pages++;
      for (const e of out.Events ?? []) {
        expect(e.EventSource).toBe('iam.amazonaws.com');
        expect(e.EventTime).toBeInstanceOf(Date);
        expect((e.EventTime as Date).getTime()).toBeGreaterThanOrEqual(start.getTime() - 1000);
        ids.push(e.EventId as string);
      }
      next = out.NextToken;
    } while (next);
    expect(pages).toBeGreaterThan(1);
    const whole = await ct.send(new LookupEventsCommand({ ...input, MaxResults: 50 }));
    expect(ids).toEqual((whole.Events ?? []).map((e) => e.EventId));
    expect(new Set(ids).size).toBe(ids.length);
    // nothing before the window
    const none = await ct.send(
      new LookupEventsCommand({
        StartTime: new Date('2000-01-01T00:00:00Z'),
        EndTime: new Date('2000-01-02T00:00:00Z'),
      }),
    );
    expect(none.Events).toEqual([]);

    const fail = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: { name: string; message: string }) => e,
      );
    expect(
      await fail(
        ct.send(
          new LookupEventsCommand({
            LookupAttributes: [
              { AttributeKey: 'EventName', AttributeValue: 'GetRole' },
              { AttributeKey: 'ReadOnly', AttributeValue: 'true' },
            ],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidLookupAttributesException' });
    expect(
      await fail(ct.send(new LookupEventsCommand({ StartTime: end, EndTime: start }))),
    ).toMatchObject({ name: 'InvalidTimeRangeException' });
    const page = await ct.send(new LookupEventsCommand({ ...input, MaxResults: 1 }));
    expect(
      await fail(
        ct.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetRole' }],
            NextToken: page.NextToken,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidNextTokenException' });
    expect(await fail(ct.send(new LookupEventsCommand({ MaxResults: 51 })))).toMatchObject({
      name: 'InvalidMaxResultsException',
    });
  });

  it('is authorized as cloudtrail:LookupEvents, and sees only the caller’s account', async () => {
    const noTrail = keep(
      await h.roleSession({
        roleName: 'no-trail',
        policies: [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          },
        ],
      }),
    );
    const err = await new CloudTrailClient(h.sdk(noTrail))
      .send(new LookupEventsCommand({}))
      .catch((e: unknown) => e as { name: string; message: string });
    expect(err).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        'is not authorized to perform: cloudtrail:LookupEvents on resource: *',
      ),
    });
    const other = keep(await h.createAccount('111122223333'));
    // a call of its own, so that the other account's trail is not empty
    await new STSClient(h.sdk(other)).send(new GetCallerIdentityCommand({}));
    const out = await new CloudTrailClient(h.sdk(other)).send(new LookupEventsCommand({}));
    const accounts = (out.Events ?? []).map(
      (e) => JSON.parse(e.CloudTrailEvent as string).recipientAccountId as string,
    );
    expect(accounts.length).toBeGreaterThanOrEqual(1);
    expect(accounts).not.toContain(ACCOUNT);
    expect(new Set(accounts)).toEqual(new Set(['111122223333']));
  });

  it('boto3’s paginator walks every page', async () => {
    const r = await h.python(
      [
        'import boto3',
        'p = boto3.client("cloudtrail").get_paginator("lookup_events")',
        'pages = list(p.paginate(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}], PaginationConfig={"PageSize": 5}))',
        'events = [e for pg in pages for e in pg["Events"]]',
        'print(len(pages), len(events), len({e["EventId"] for e in events}), all(e["EventName"] == "GetCallerIdentity" for e in events))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    const [pages, events, unique, same] = r.stdout.trim().split(' ');
    expect(Number(pages)).toBeGreaterThan(3);
    expect(Number(events)).toBeGreaterThanOrEqual(18);
    expect(unique).toBe(events);
    expect(same).toBe('True');
  });
});

describe('irsa trail', () => {
  it('one line per call, oldest first; filters by service account, errors, time', async () => {
    const all = await h.irsa(['trail', '--limit', '1000']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(20);
    const times = lines.map((l) => l.split('  ')[0] as string);
    expect(times).toEqual([...times].sort());
    expect(
      lines.some((l) =>
        /^\S+Z {2}sa\/production\/s3-app {2}sts:AssumeRoleWithWebIdentity {2}arn:aws:iam::123456789012:role\/s3-app-role {2}allowed {2}[0-9a-f-]{36}$/.test(
          l,
        ),
      ),
    ).toBe(true);

    const typo = await h.irsa(['trail', '-n', 'production', '-s', 's3-ap']);
    expect(typo.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /sa\/production\/s3-ap {2}sts:AssumeRoleWithWebIdentity .* AccessDenied /,
      ),
    ]);
    const errors = await h.irsa(['trail', '--errors']);
    for (const l of errors.stdout.trim().split('\n')) expect(l.split('  ')[4]).not.toBe('allowed');
    const recent = await h.irsa(['trail', '--since', '1h', '--role', 's3-app-role', '--json']);
    for (const l of recent.stdout.trim().split('\n')) {
      const e = JSON.parse(l) as { irsaExplanation: unknown; eventTime: string };
      expect(e.irsaExplanation).toBeDefined();
    }
    expect(recent.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(4);
    const none = await h.irsa(['trail', '--since', '2000-01-01T00:00:00Z', '--role', 'nobody']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    const bad = await h.irsa(['trail', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since takes a duration');
  });

  it('--follow prints new calls as they happen and stops on SIGINT', async () => {
    const reader = keep(
      await h.roleSession({
        roleName: 'follower',
        policies: [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }],
          },
        ],
      }),
    );
    const child: ChildProcess = spawn(
      process.execPath,
      [join(ROOT, 'dist/src/cli/main.js'), 'trail', '--follow', '--role', 'follower'],
      { env: h.env() },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const until = async (check: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!check()) throw new Error(`timed out waiting for ${what}: ${out}`);
    };
    // the AssumeRole that made the session is already there
    await until(() => out.includes('sts:AssumeRole '), 'the existing AssumeRole');
    const got = await h.aws(['iam', 'get-role', '--role-name', 'follower'], reader);
    expect(got.code).toBe(0);
    await until(
      () => /follower\/follower-session {2}iam:GetRole .* allowed/.test(out),
      'the new GetRole',
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const t0 = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('irsa policy generate', () => {
  it('takes in the role’s calls on another account’s resources', async () => {
    // the other account was made by the LookupEvents test
    const partner = h.admin('111122223333');
    const session = keep(
      await h.roleSession({
        roleName: 'cross-reader',
        policies: [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: 'arn:aws:s3:::partner-shared/*',
              },
            ],
          },
        ],
      }),
    );
    const body = join(h.home, 'shared.txt');
    writeFileSync(body, 'shared');
    const bucketPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/cross-reader` },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::partner-shared/*',
        },
      ],
    });
    for (const args of [
      ['s3api', 'create-bucket', '--bucket', 'partner-shared'],
      ['s3api', 'put-object', '--bucket', 'partner-shared', '--key', 'data/k.txt', '--body', body],
      ['s3api', 'put-bucket-policy', '--bucket', 'partner-shared', '--policy', bucketPolicy],
    ]) {
      const r = await h.aws(args, partner);
      expect(r.stderr).toBe('');
    }
    const got = await h.aws(
      [
        's3api',
        'get-object',
        '--bucket',
        'partner-shared',
        '--key',
        'data/k.txt',
        join(h.home, 'got.txt'),
      ],
      session,
    );
    expect(got.stderr).toBe('');
    // the call's record is in the bucket owner's account
    const { record } = await latest('role=cross-reader&eventName=GetObject');
    expect(record.recipientAccountId).toBe('111122223333');

    const gen = await h.irsa(['policy', 'generate', '--role', 'cross-reader', '--json']);
    expect(gen.stderr).toBe('');
    expect(gen.code).toBe(0);
    const out = JSON.parse(gen.stdout) as {
      role: string;
      policy: { Statement: unknown[] };
      missing: unknown[];
      unused: unknown[];
    };
    expect(out.role).toBe(`arn:aws:iam::${ACCOUNT}:role/cross-reader`);
    expect(out.policy.Statement).toEqual([
      {
        Sid: 'S3',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: ['arn:aws:s3:::partner-shared/data/k.txt'],
      },
    ]);
    expect(out.missing).toEqual([]);
    expect(out.unused).toEqual([]);

    // a window with no such call: no policy IAM would refuse, but a message and exit 1
    const none = await h.irsa([
      'policy',
      'generate',
      '--role',
      'cross-reader',
      '--since',
      '2099-01-01T00:00:00Z',
    ]);
    expect(none.code, none.stderr).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      `irsa: no call of arn:aws:iam::${ACCOUNT}:role/cross-reader in the trail since 2099-01-01T00:00:00Z needs a permission: nothing to generate\n`,
    );
    const noneJson = await h.irsa([
      'policy',
      'generate',
      '--role',
      'cross-reader',
      '--since',
      '2099-01-01T00:00:00Z',
      '--json',
    ]);
    expect(noneJson.stderr).toBe(none.stderr);
    const unwritable = await h.irsa([
      'policy',
      'generate',
      '--role',
      'cross-reader',
      '-o',
      join(h.home, 'no-such-dir', 'p.json'),
    ]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^irsa: cannot write `.*p\.json`: ENOENT/);
    const blank = await h.irsa(['why', ' ']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('irsa why needs a request id');
  });

  it('reports a call the role may make but a bucket policy refused, and a grant wider than what was used', async () => {
    const session = keep(
      await h.roleSession({
        roleName: 'wide-writer',
        policies: [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          },
        ],
      }),
    );
    const body = join(h.home, 'guarded.txt');
    writeFileSync(body, 'guarded');
    const bucketPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'NoWrites',
          Effect: 'Deny',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/wide-writer` },
          Action: 's3:PutObject',
          Resource: 'arn:aws:s3:::guarded-bucket/*',
        },
      ],
    });
    for (const args of [
      ['s3api', 'create-bucket', '--bucket', 'guarded-bucket'],
      ['s3api', 'put-object', '--bucket', 'guarded-bucket', '--key', 'k.txt', '--body', body],
      ['s3api', 'put-bucket-policy', '--bucket', 'guarded-bucket', '--policy', bucketPolicy],
    ]) {
      const r = await h.aws(args);
      expect(r.stderr).toBe('');
    }
    const got = await h.aws(
      [
        's3api',
        'get-object',
        '--bucket',
        'guarded-bucket',
        '--key',
        'k.txt',
        join(h.home, 'g.txt'),
      ],
      session,
    );
    expect(got.stderr).toBe('');
    const put = await h.aws(
      ['s3api', 'put-object', '--bucket', 'guarded-bucket', '--key', 'new.txt', '--body', body],
      session,
    );
    expect(put.stderr).toContain('AccessDenied');

    const gen = await h.irsa(['policy', 'generate', '--role', 'wide-writer']);
    expect(gen.code, gen.stderr).toBe(0);
    expect(JSON.parse(gen.stdout)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'S3',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::guarded-bucket/k.txt'],
        },
      ],
    });
    expect(gen.stderr).toContain(
      'irsa: broader in the role’s current policies than what was used:\n' +
        '  - inline-0 statement 0: `s3:*` on `*`: used only s3:GetObject on arn:aws:s3:::guarded-bucket/k.txt, ' +
        's3:PutObject on arn:aws:s3:::guarded-bucket/new.txt; the generated policy narrows it\n',
    );
    expect(gen.stderr).toMatch(
      /irsa: refused, and left out of the generated policy \(--include-denied grants them\):\n {2}- s3:PutObject on arn:aws:s3:::guarded-bucket\/new\.txt \(refused 1 time by an explicit Deny in the bucket policy: arn:aws:s3:::guarded-bucket statement `NoWrites` \(#0[^)]*\); the role’s current policies allow it\)/,
    );
    expect(gen.stderr).not.toContain('unused');
    expect(gen.stderr).not.toContain('exactly');

    const json = await h.irsa(['policy', 'generate', '--role', 'wide-writer', '--json']);
    const out = JSON.parse(json.stdout) as { missing: unknown[]; broader: unknown[] };
    expect(out.missing).toEqual([
      {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::guarded-bucket/new.txt',
        count: 1,
        refusedBy: [
          expect.stringMatching(
            /^an explicit Deny in the bucket policy: arn:aws:s3:::guarded-bucket statement `NoWrites`/,
          ),
        ],
        identityAllows: true,
      },
    ]);
    expect(out.broader).toHaveLength(1);
  });

  it('a role chain’s sts:AssumeRole is in the generated policy, and its statement is not unused', async () => {
    const session = await h.roleSession({
      roleName: 'chainer',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
        },
      ],
    });
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const made = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'chain-target',
      '--assume-role-policy-document',
      trust,
    ]);
    expect(made.stderr).toBe('');
    const chained = await h.aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/chain-target`,
        '--role-session-name',
        'lab',
      ],
      session,
    );
    expect(chained.stderr).toBe('');
    const gen = await h.irsa(['policy', 'generate', '--role', 'chainer', '--json']);
    expect(gen.stderr).toBe('');
    const out = JSON.parse(gen.stdout) as {
      policy: { Statement: { Action: string[]; Resource: string[] }[] };
      unused: unknown[];
    };
    expect(out.policy.Statement).toEqual([
      expect.objectContaining({
        Action: ['sts:AssumeRole'],
        Resource: [`arn:aws:iam::${ACCOUNT}:role/chain-target`],
      }),
    ]);
    expect(out.unused).toEqual([]);
  });
});

describe('secrets a refused signature carries', () => {
  it('an SSE-C key in a request whose signature fails is in no record, explanation or answer', async () => {
    const key = 'SSECKEYMARKER-0123456789abcdef01';
    const b64 = Buffer.from(key).toString('base64');
    secrets.push(key, b64);
    const r = await h.python(
      [
        'import boto3, botocore',
        `s3 = boto3.client("s3", aws_access_key_id="${h.admin().accessKeyId}", aws_secret_access_key="wrong-secret")`,
        'try:',
        `    s3.put_object(Bucket="my-bucket", Key="ssec.txt", Body=b"hi", SSECustomerAlgorithm="AES256", SSECustomerKey="${key}")`,
        'except botocore.exceptions.ClientError as e:',
        '    print(e.response["Error"]["Code"], e.response["Error"].get("CanonicalRequest", ""))',
      ].join('\n'),
    );
    expect(r.stdout).toContain('SignatureDoesNotMatch');
    // the answer names the header, not its value
    expect(r.stdout).toContain('x-amz-server-side-encryption-customer-key:<redacted>');
    expect(r.stdout).not.toContain(b64);
    const refused = (await admin<{ items: Item[] }>('/trail?limit=1000')).body.items.filter((i) =>
      JSON.stringify(i).includes('SignatureDoesNotMatch'),
    );
    expect(refused.length).toBeGreaterThan(0);
  });
});

describe('metrics and secrets', () => {
  it('/metrics counts requests by service, action and outcome, and the audit batches', async () => {
    const r = await fetch(`${h.server.edge}/metrics`);
    expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await r.text();
    expect(text).toMatch(
      /irsa_requests_total\{service="sts",action="AssumeRoleWithWebIdentity",outcome="allowed"\} \d+/,
    );
    expect(text).toMatch(
      /irsa_requests_total\{service="sts",action="AssumeRoleWithWebIdentity",outcome="denied"\} [1-9]/,
    );
    expect(text).toMatch(
      /irsa_requests_total\{service="iam",action="ListRoles",outcome="denied"\} 1/,
    );
    expect(text).toMatch(/irsa_request_duration_seconds_count\{service="cloudtrail"\} \d+/);
    expect(text).toMatch(/irsa_audit_batch_size_count [1-9]/);
    expect(text).toMatch(/irsa_audit_records_total [1-9]/);
    expect(text).toContain('irsa_audit_write_errors_total 0');
  });

  it('no secret key, session token or web identity token is in any stored byte', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const files = readdirSync(h.dataDir).filter((f) => f.startsWith('audit.db'));
    expect(files).toContain('audit.db');
    const bytes = files.map((f) => readFileSync(join(h.dataDir, f)).toString('latin1')).join('\n');
    expect(bytes).toContain('AssumeRoleWithWebIdentity');
    for (const s of secrets)
      expect(bytes.includes(s), `a secret of ${s.length} characters`).toBe(false);
    const dump = JSON.stringify((await admin<{ items: Item[] }>('/trail?limit=1000')).body);
    for (const s of secrets) expect(dump.includes(s)).toBe(false);
  });
});

describe('the request log of `irsa up`', () => {
  it('--log-format json: one JSON line per request, with principal, action, outcome and ms', async () => {
    const data = mkdtempSync(join(tmpdir(), 'irsa-log-'));
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'up',
        '--data',
        data,
        '--port',
        '0',
        '--issuer-port',
        '0',
        '--no-demo',
        '--log-format',
        'json',
      ],
      { env: { PATH: process.env.PATH, HOME: h.home } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    try {
      // with JSON logs the banner goes to standard error
      for (let i = 0; i < 200 && !/AWS endpoint:\s+(\S+)/.test(err); i++)
        await new Promise((r) => setTimeout(r, 50));
      const edge = /AWS endpoint:\s+(\S+)/.exec(err)?.[1] as string;
      const creds = adminCredentials(data);
      await new STSClient({ endpoint: edge, region: 'us-east-1', credentials: creds }).send(
        new GetCallerIdentityCommand({}),
      );
      for (let i = 0; i < 100 && !out.includes('"GetCallerIdentity"'); i++)
        await new Promise((r) => setTimeout(r, 50));
      const line = out.split('\n').find((l) => l.includes('"GetCallerIdentity"')) as string;
      expect(JSON.parse(line)).toMatchObject({
        method: 'POST',
        path: '/',
        principal: 'user/irsa-admin',
        service: 'sts',
        action: 'GetCallerIdentity',
        outcome: 'allowed',
        status: 200,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ms: expect.any(Number),
      });
      expect(out).not.toContain(creds.secretAccessKey);
      // nothing but JSON on standard output
      for (const l of out.trim().split('\n')) expect(() => JSON.parse(l) as unknown).not.toThrow();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      rmSync(data, { recursive: true, force: true });
    }
  });
});
