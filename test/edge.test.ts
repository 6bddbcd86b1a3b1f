/**
 * The edge's answers to requests that never reach an operation: oversized bodies, unknown
 * actions and targets, unsigned calls — each in the protocol's own error shape, never a 500.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../src/sigv4/testing/sign.js';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demo: false });
}, 60_000);
afterAll(() => h.close());

const big = Buffer.alloc(21 * 1024 * 1024, 0x61);

describe('the edge', () => {
  it('refuses an oversized S3 body as S3 does, and an oversized form with 413', async () => {
    const s3 = await fetch(`${h.server.edge}/my-bucket/big`, { method: 'PUT', body: big });
    expect(s3.status).toBe(400);
    const xml = await s3.text();
    expect(xml).toContain('<Code>EntityTooLarge</Code>');
    expect(xml).toContain('<MaxSizeAllowed>20971520</MaxSizeAllowed>');
    expect(xml).toContain(`<ProposedSize>${big.length}</ProposedSize>`);
    // a chunked body has no Content-Length: its declared decoded length, or no ProposedSize
    for (const [declared, shown] of [
      ['22020096', '<ProposedSize>22020096</ProposedSize>'],
      [undefined, undefined],
    ] as const) {
      const chunked = await fetch(`${h.server.edge}/my-bucket/big`, {
        method: 'PUT',
        body: new Blob([big]).stream(),
        duplex: 'half',
        headers: declared ? { 'x-amz-decoded-content-length': declared } : {},
      } as RequestInit);
      const text = await chunked.text();
      expect(chunked.status).toBe(400);
      if (shown) expect(text).toContain(shown);
      else expect(text).not.toContain('ProposedSize');
    }
    const form = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: big,
    });
    expect(form.status).toBe(413);
    expect(await form.text()).toContain('<Code>RequestEntityTooLarge</Code>');
  });

  it('answers unknown query actions and JSON targets with AWS’s codes, signed or not', async () => {
    const host = new URL(h.server.edge).host;
    const signed = (headers: [string, string][], body: string, service: string) =>
      signRequest({
        method: 'POST',
        target: '/',
        headers: [['Host', host], ...headers],
        body,
        credentials: h.admin(),
        region: 'us-east-1',
        service,
        now: new Date(),
      });
    const post = (headers: [string, string][], body: string) =>
      fetch(`${h.server.edge}/`, { method: 'POST', headers, body });
    const form: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']];
    const action = 'Action=NoSuchThing&Version=2011-06-15';
    const unknown = await post(signed(form, action, 'sts').headers, action);
    expect(unknown.status).toBe(400);
    const xml = await unknown.text();
    expect(xml).toContain('<Code>InvalidAction</Code>');
    expect(xml).toContain(
      '<Message>Could not find operation NoSuchThing for version 2011-06-15</Message>',
    );
    // a known operation under another API version (or none) is one AWS cannot find either
    for (const [body, version] of [
      ['Action=ListRoles&Version=2099-01-01', '2099-01-01'],
      ['Action=ListRoles&Version=2011-06-15', '2011-06-15'],
      ['Action=ListRoles', 'NO_VERSION_SPECIFIED'],
    ] as const) {
      const r = await post(signed(form, body, 'iam').headers, body);
      expect([r.status, await r.text()]).toEqual([
        400,
        expect.stringContaining(
          `<Message>Could not find operation ListRoles for version ${version}</Message>`,
        ),
      ]);
    }
    const unsigned = await post(form, action);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');

    const json = (target: string): [string, string][] => [
      ['Content-Type', 'application/x-amz-json-1.0'],
      ['X-Amz-Target', target],
    ];
    const noSuchOp = await post(
      signed(json('DynamoDB_20120810.NoSuchThing'), '{}', 'dynamodb').headers,
      '{}',
    );
    expect(noSuchOp.status).toBe(400);
    expect(noSuchOp.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    const garbage = await post(
      signed(json('DynamoDB_20120810.ListTables'), '{', 'dynamodb').headers,
      '{',
    );
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('x-amzn-errortype')).toBe('SerializationException');
    const unsignedJson = await post(json('DynamoDB_20120810.ListTables'), '{');
    expect(unsignedJson.status).toBe(400);
    expect(await unsignedJson.json()).toEqual({
      __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
      message: 'Request is missing Authentication Token',
    });
  });

  it('a scope naming a service not served here: the service the request is for refuses it, as AWS does, and records it', async () => {
    const host = new URL(h.server.edge).host;
    const now = new Date();
    const sign = (
      method: string,
      target: string,
      service: string,
      headers: [string, string][] = [],
      body = '',
      presign?: { expiresIn: number },
    ) =>
      signRequest({
        method,
        target,
        headers: [['Host', host], ...headers],
        body,
        credentials: h.admin(),
        region: 'us-east-1',
        service,
        now,
        presign,
      });
    const go = async (r: ReturnType<typeof sign>, body?: string) => {
      const res = await fetch(`${h.server.edge}${r.target}`, {
        method: r.method,
        headers: r.headers.filter(([k]) => k.toLowerCase() !== 'host'),
        body,
      });
      const id = res.headers.get('x-amz-request-id') ?? res.headers.get('x-amzn-requestid');
      // XML escapes the apostrophes of the scope texts
      return { status: res.status, text: (await res.text()).replace(/&apos;/g, "'"), res, id };
    };
    const adminToken = readFileSync(join(h.dataDir, 'admin-token'), 'utf8').trim();
    const recorded = async (id: string | null) => {
      const r = await fetch(`${h.server.edge}/_irsa/v1/trail/${id}`, {
        headers: { Authorization: `Bearer ${adminToken}` },
      });
      return (await r.json()) as {
        record: Record<string, unknown>;
        irsaExplanation: { hop?: string };
      };
    };

    // S3: presigned (botocore's own signer) and header auth, scoped to "s4"
    const py = await h.python(
      `import os
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = AWSRequest(method='GET', url='${h.server.edge}/bucket/k1')
S3SigV4QueryAuth(Credentials(os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_SECRET_ACCESS_KEY']), 's4', 'us-east-1', expires=300).add_auth(req)
print(req.url)`,
    );
    expect(py.stderr).toBe('');
    expect(py.stdout).toContain('%2Fs4%2Faws4_request');
    const presigned = await fetch(py.stdout.trim());
    const presignedText = await presigned.text();
    expect(presigned.status).toBe(400);
    expect(presignedText).toContain(
      '<Code>AuthorizationQueryParametersError</Code><Message>Error parsing the X-Amz-Credential parameter; incorrect service &quot;s4&quot;. This endpoint belongs to &quot;s3&quot;.</Message>',
    );
    const presignedRecord = await recorded(presigned.headers.get('x-amz-request-id'));
    expect(presignedRecord.record).toMatchObject({
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      errorCode: 'AuthorizationQueryParametersError',
    });
    expect(presignedRecord.irsaExplanation.hop).toBe('signature');
    const header = await go(sign('GET', '/bucket/k1', 's4'));
    expect(header.status).toBe(400);
    expect(header.text).toContain(
      '<Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; incorrect service &quot;s4&quot;. This endpoint belongs to &quot;s3&quot;.</Message>',
    );
    // the sign helper's presigned URL too
    const ours = await go(sign('GET', '/bucket/k1', 's4', [], '', { expiresIn: 300 }));
    expect(ours.status).toBe(400);
    expect(ours.text).toContain('<Code>AuthorizationQueryParametersError</Code>');

    // STS's form signed for ec2: STS's own error, in STS's namespace
    const form: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']];
    const gci = 'Action=GetCallerIdentity&Version=2011-06-15';
    const sts = await go(sign('POST', '/', 'ec2', form, gci), gci);
    expect(sts.status).toBe(403);
    expect(sts.text).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(sts.text).toContain(
      "<Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to correct service: 'sts'. </Message>",
    );
    expect((await recorded(sts.id)).record).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      errorCode: 'SignatureDoesNotMatch',
    });
    // an IAM form without a Version: IAM's, by the operation's name
    const iam = await go(sign('POST', '/', 'ec2', form, 'Action=ListRoles'), 'Action=ListRoles');
    expect(iam.status).toBe(403);
    expect(iam.text).toContain("Credential should be scoped to correct service: 'iam'. ");
    // DynamoDB's target signed for "dynamo", and for STS
    const ddbHeaders: [string, string][] = [
      ['Content-Type', 'application/x-amz-json-1.0'],
      ['X-Amz-Target', 'DynamoDB_20120810.ListTables'],
    ];
    for (const service of ['dynamo', 'sts']) {
      const ddb = await go(sign('POST', '/', service, ddbHeaders, '{}'), '{}');
      expect(ddb.status).toBe(400);
      expect(JSON.parse(ddb.text)).toEqual({
        __type: 'com.amazon.coral.service#InvalidSignatureException',
        message: "Credential should be scoped to correct service: 'dynamodb'. ",
      });
    }
    // SQS's query form without a Version, signed for sns
    const sqs = await go(sign('GET', '/?Action=ListQueues', 'sns'));
    expect(sqs.status).toBe(403);
    expect(sqs.res.headers.get('x-amzn-query-error')).toBe('SignatureDoesNotMatch;Sender');
    expect(sqs.text).toContain("Credential should be scoped to correct service: 'sqs'. ");

    // what is consistent is routed as before: a service irsakit does not serve says so
    const kinesis = await go(
      sign(
        'POST',
        '/',
        'kinesis',
        [
          ['Content-Type', 'application/x-amz-json-1.1'],
          ['X-Amz-Target', 'Kinesis_20131202.ListStreams'],
        ],
        '{}',
      ),
      '{}',
    );
    expect(kinesis.status).toBe(400);
    expect(JSON.parse(kinesis.text)).toMatchObject({
      message: 'kinesis is not served by this irsakit yet',
    });
  });

  it('answers an unsigned SQS call as SQS does, with the legacy code header', async () => {
    const r = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'AmazonSQS.ListQueues',
        'x-amzn-query-mode': 'true',
      },
      body: '{}',
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
  });
});
