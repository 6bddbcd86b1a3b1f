/**
 * Request text that is not Unicode — bytes that are not UTF-8, or a JSON `\ud800` escape (a
 * lone surrogate) — is refused, never decoded to U+FFFD: leniently decoded, two different
 * DynamoDB keys named one item (the second PutItem replaced the first), and an S3 DeleteObjects
 * deleted a key it was not given. Real HTTP against `irsa up`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demo: false });
  const made = await ddb('CreateTable', {
    TableName: 'keys',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  expect(made.status, await made.text()).toBe(200);
});
afterAll(() => h?.close());

const jsonCall = (service: string, target: string, body: string | Uint8Array, v = '1.0') =>
  h.signedFetch({
    service,
    body,
    headers: [
      ['Content-Type', `application/x-amz-json-${v}`],
      ['X-Amz-Target', target],
    ],
  });
const ddb = (op: string, body: unknown) =>
  jsonCall(
    'dynamodb',
    `DynamoDB_20120810.${op}`,
    typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  );
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('text that is not Unicode', () => {
  it('DynamoDB: a lone surrogate or a byte that is not UTF-8 is a SerializationException, and no key merges with another', async () => {
    for (const body of [
      '{"TableName":"keys","Item":{"pk":{"S":"al\\ud800"},"who":{"S":"first"}}}',
      '{"TableName":"keys","Item":{"pk":{"S":"al\\udc00"},"who":{"S":"second"}}}',
      bytes('{"TableName":"keys","Item":{"pk":{"S":"inv', [0xff], '"}}}'),
      bytes('{"TableName":"keys","Item":{"pk":{"S":"inv', [0xfe], '"}}}'),
    ]) {
      const r = await ddb('PutItem', body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { __type: string }).__type).toMatch(/#SerializationException$/);
    }
    const put = await ddb('PutItem', { TableName: 'keys', Item: { pk: { S: 'al\ufffd' } } });
    expect(put.status).toBe(200);
    const scan = (await (await ddb('Scan', { TableName: 'keys' })).json()) as { Count: number };
    expect(scan.Count).toBe(1);
    // a pair of surrogates is one character, and fine
    const pair = await ddb('PutItem', '{"TableName":"keys","Item":{"pk":{"S":"\\ud83d\\ude00"}}}');
    expect(pair.status, await pair.text()).toBe(200);
  });

  it('SQS and Secrets Manager: the same refusal', async () => {
    const sqs = await jsonCall(
      'sqs',
      'AmazonSQS.CreateQueue',
      bytes('{"QueueName":"q', [0xc3], '"}'),
    );
    expect(sqs.status).toBe(400);
    expect(sqs.headers.get('x-amzn-query-error')).toMatch(/^SerializationException;/);
    const sm = await jsonCall(
      'secretsmanager',
      'secretsmanager.CreateSecret',
      '{"Name":"s","SecretString":"\\udfff"}',
      '1.1',
    );
    expect(sm.status).toBe(400);
    expect(((await sm.json()) as { __type: string }).__type).toMatch(/SerializationException$/);
    const list = await jsonCall('secretsmanager', 'secretsmanager.ListSecrets', '{}', '1.1');
    expect(((await list.json()) as { SecretList: unknown[] }).SecretList).toEqual([]);
  });

  it('S3: a DeleteObjects body that is not UTF-8 is MalformedXML and deletes nothing', async () => {
    const s3 = (method: string, target: string, body?: Uint8Array | string) =>
      h.signedFetch({ service: 's3', method, target, body });
    expect((await s3('PUT', '/utf')).status).toBe(200);
    expect((await s3('PUT', `/utf/${encodeURIComponent('\ufffd\ufffd')}`, 'x')).status).toBe(200);
    const body = bytes('<Delete><Object><Key>', [0xff, 0xfe], '</Key></Object></Delete>');
    const md5 = (await import('node:crypto')).createHash('md5').update(body).digest('base64');
    const r = await h.signedFetch({
      service: 's3',
      method: 'POST',
      target: '/utf?delete',
      body,
      headers: [['Content-MD5', md5]],
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('<Code>MalformedXML</Code>');
    expect((await s3('GET', `/utf/${encodeURIComponent('\ufffd\ufffd')}`)).status).toBe(200);
  });
});
