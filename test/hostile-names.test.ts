/**
 * Names a caller chooses are data, never a way into the server's own objects: a signing
 * service, an Action, a query parameter, a metadata header, a table name, a resource kind
 * named `constructor`, `toString` or `__proto__` gets the answer AWS (or Kubernetes) gives any
 * unknown or ordinary name — never a crash, a 500, an inherited function called, or a value
 * silently lost. Real clients and real HTTP against `irsa up`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const signed = (
  service: string,
  body: string,
  headers: [string, string][] = [
    ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
  ],
): Promise<Response> => h.signedFetch({ service, body, headers });

const alive = async () => (await fetch(`${h.server.edge}/health`)).status;

describe('names chosen by the caller', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a request signed for the service %j is refused, recorded, and the server stays up',
    async (service) => {
      const forged = await fetch(h.server.edge, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Amz-Date': '20260101T000000Z',
          Authorization: `AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
        body: 'Action=keys&Version=2011-06-15',
      });
      expect(forged.status).toBeGreaterThanOrEqual(400);
      expect(forged.status).toBeLessThan(500);
      // the signed one reaches the edge as an unknown service
      const real = await signed(service, 'Action=keys&Version=2011-06-15');
      expect(real.status).toBeGreaterThanOrEqual(400);
      expect(real.status).toBeLessThan(500);
      expect(await alive()).toBe(200);
    },
  );

  it.each(['constructor', 'toString', 'valueOf', '__proto__'])(
    'Action=%s is InvalidAction, as STS and IAM answer any unknown action',
    async (action) => {
      for (const [service, version] of [
        ['sts', '2011-06-15'],
        ['iam', '2010-05-08'],
      ]) {
        const r = await signed(service as string, `Action=${action}&Version=${version}`);
        const text = await r.text();
        expect([r.status, text], text).toEqual([400, expect.stringContaining('InvalidAction')]);
        expect(text).not.toContain('AccessKeyId');
      }
    },
  );

  it('S3: response-* lookalikes are ordinary query parameters; a __proto__ metadata header is kept', async () => {
    const admin = h.admin();
    const body = join(h.home, 'body.txt');
    writeFileSync(body, 'hello');
    expect((await h.aws(['s3', 'mb', 's3://hostile-names'], admin)).code).toBe(0);
    const put = await h.aws(
      [
        's3api',
        'put-object',
        '--bucket',
        'hostile-names',
        '--key',
        'k',
        '--metadata',
        '__proto__=p,team=t',
        '--body',
        body,
      ],
      admin,
    );
    expect(put.code, put.stderr).toBe(0);
    const head = await h.aws(
      ['s3api', 'head-object', '--bucket', 'hostile-names', '--key', 'k'],
      admin,
    );
    expect(JSON.parse(head.stdout).Metadata).toEqual(JSON.parse('{"__proto__":"p","team":"t"}'));
    for (const q of ['constructor', 'toString', '__proto__']) {
      const url = await h.aws(['s3', 'presign', 's3://hostile-names/k'], admin);
      const presigned = new URL(url.stdout.trim());
      presigned.searchParams.set(q, 'x');
      // a parameter the presigner did not sign: S3 answers for the object as ever (SigV2 URLs
      // sign only the path), never a 500
      const got = await fetch(presigned);
      expect(got.status, `${q}: ${await got.clone().text()}`).toBeLessThan(500);
    }
    expect(await alive()).toBe(200);
  });

  it('DynamoDB: a table named __proto__ answers in BatchGetItem beside another', async () => {
    const admin = h.admin();
    for (const t of ['__proto__', 'normal_t']) {
      const r = await h.aws(
        [
          'dynamodb',
          'create-table',
          '--table-name',
          t,
          '--attribute-definitions',
          'AttributeName=pk,AttributeType=S',
          '--key-schema',
          'AttributeName=pk,KeyType=HASH',
          '--billing-mode',
          'PAY_PER_REQUEST',
        ],
        admin,
      );
      expect(r.code, r.stderr).toBe(0);
      const p = await h.aws(
        ['dynamodb', 'put-item', '--table-name', t, '--item', '{"pk":{"S":"a"}}'],
        admin,
      );
      expect(p.code, p.stderr).toBe(0);
    }
    const got = await h.aws(
      [
        'dynamodb',
        'batch-get-item',
        '--request-items',
        '{"__proto__":{"Keys":[{"pk":{"S":"a"}}]},"normal_t":{"Keys":[{"pk":{"S":"a"}}]}}',
      ],
      admin,
    );
    expect(got.code, got.stderr).toBe(0);
    const responses = JSON.parse(got.stdout).Responses as Record<string, unknown[]>;
    expect(Object.keys(responses).sort()).toEqual(['__proto__', 'normal_t']);
  });

  it('a RoleArn of kind constructor is recorded, and the trail and LookupEvents go on working', async () => {
    for (const kind of ['constructor', 'toString', '__proto__']) {
      const r = await fetch(h.server.edge, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:${kind}/x&RoleSessionName=s`,
      });
      expect(r.status).toBe(403);
    }
    const trail = await h.irsa(['trail', '--json', '--errors']);
    expect(trail.code, trail.stderr).toBe(0);
    const names = trail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestParameters?: { roleArn?: string } })
      .map((r) => r.requestParameters?.roleArn);
    expect(names).toEqual(
      expect.arrayContaining([
        'arn:aws:iam::123456789012:constructor/x',
        'arn:aws:iam::123456789012:__proto__/x',
      ]),
    );
    const lookup = await h.aws(
      [
        'cloudtrail',
        'lookup-events',
        '--lookup-attributes',
        'AttributeKey=EventName,AttributeValue=AssumeRole',
      ],
      h.admin(),
    );
    expect(lookup.code, lookup.stderr).toBe(0);
    // and what comes after is indexed too
    expect((await signed('sts', 'Action=GetCallerIdentity&Version=2011-06-15')).status).toBe(200);
    const after = await h.irsa(['trail', '--json']);
    expect(after.stdout).toContain('"eventName":"GetCallerIdentity"');
  });

  it('a filter key that is an object with its own toString is a ValidationException, not a 500', async () => {
    const r = await signed(
      'secretsmanager',
      JSON.stringify({ Filters: [{ Key: { toString: 1 }, Values: ['x'] }] }),
      [
        ['Content-Type', 'application/x-amz-json-1.1'],
        ['X-Amz-Target', 'secretsmanager.ListSecrets'],
      ],
    );
    const text = await r.text();
    expect([r.status, text], text).toEqual([400, expect.stringContaining('ValidationException')]);
    const l = await signed(
      'cloudtrail',
      JSON.stringify({
        LookupAttributes: [{ AttributeKey: { toString: 1 }, AttributeValue: 'x' }],
      }),
      [
        ['Content-Type', 'application/x-amz-json-1.1'],
        ['X-Amz-Target', 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents'],
      ],
    );
    const ltext = await l.text();
    expect([l.status, ltext], ltext).toEqual([
      400,
      expect.stringContaining('InvalidLookupAttributesException'),
    ]);
  });

  it('the admin API: a resource kind named constructor is not found', async () => {
    const token = readFileSync(join(h.dataDir, 'admin-token'), 'utf8').trim();
    for (const kind of ['constructor', 'toString', '__proto__']) {
      const r = await fetch(`${h.server.edge}/_irsa/v1/clusters/demo/${kind}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(r.status, kind).toBe(404);
    }
    const applied = await fetch(`${h.server.edge}/_irsa/v1/clusters/demo/apply`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/yaml' },
      body: 'apiVersion: v1\nkind: constructor\nmetadata: {name: x}\n---\napiVersion: v1\nkind: toString\nmetadata: {name: y}\n',
    });
    expect(applied.status, await applied.clone().text()).toBeLessThan(500);
  });

  it('a control character in a name is repeated in a message the AWS CLI can read', async () => {
    const r = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'bad\u0001name',
      '--assume-role-policy-document',
      '{}',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('An error occurred (ValidationError) when calling the CreateRole');
    expect(r.stderr).not.toContain('Unable to parse response');
    const sts = await signed(
      'sts',
      'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&RoleSessionName=a%01b',
    );
    const text = await sts.text();
    expect([sts.status, text]).toEqual([400, expect.stringContaining('\\u0001')]);
  });
});
