/**
 * The edge's answers to requests that never reach an operation: oversized bodies, unknown
 * actions and targets, unsigned calls — each in the protocol's own error shape, never a 500.
 */
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
