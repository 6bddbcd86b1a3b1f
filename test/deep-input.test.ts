/**
 * Input that nests absurdly deep — a policy of brackets, an item of maps in maps, a condition of
 * NOTs or parentheses, a Query parameter of thousands of dots — gets the 400 AWS gives, is
 * recorded in the trail like any refused call, and leaves the server serving. Each of these
 * answered 500 (a stack overflow in a parser, a checker or the audit record's writer) and lost
 * its audit record before. Real HTTP against `irsa up`; the AWS CLI for the trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const made = await json('dynamodb', 'DynamoDB_20120810.CreateTable', {
    TableName: 'deep',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  expect(made.status, await made.text()).toBe(200);
});
afterAll(() => h?.close());

const send = (
  service: string,
  method: string,
  target: string,
  body: string,
  headers: [string, string][],
): Promise<Response> => h.signedFetch({ service, method, target, body, headers });

const query = (service: string, body: string) =>
  send(service, 'POST', '/', body, [
    ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
  ]);

const json = (service: string, target: string, body: unknown) =>
  send(service, 'POST', '/', typeof body === 'string' ? body : JSON.stringify(body), [
    ['Content-Type', 'application/x-amz-json-1.0'],
    ['X-Amz-Target', target],
  ]);

const brackets = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

/** an attribute value of `wraps` maps inside one another around a string */
function wrapped(wraps: number): unknown {
  let v: unknown = { S: 'x' };
  for (let i = 0; i < wraps; i++) v = { M: { a: v } };
  return v;
}

async function answer(r: Response): Promise<[number, string]> {
  return [r.status, await r.text()];
}

const alive = async () => (await fetch(`${h.server.edge}/health`)).status;

describe('deeply nested input', () => {
  it('IAM: a policy nested 3,000 levels deep is a syntax error, as any broken policy', async () => {
    const doc = encodeURIComponent(brackets(3000));
    for (const body of [
      `Action=CreatePolicy&Version=2010-05-08&PolicyName=deep&PolicyDocument=${doc}`,
      `Action=CreateRole&Version=2010-05-08&RoleName=deep&AssumeRolePolicyDocument=${doc}`,
    ]) {
      const [status, text] = await answer(await query('iam', body));
      expect([status, text]).toEqual([400, expect.stringContaining('MalformedPolicyDocument')]);
    }
    const [status, text] = await answer(
      await query(
        'iam',
        `Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=${doc}&ActionNames.member.1=s3%3AGetObject`,
      ),
    );
    expect(status, text).toBe(400);
    // nested objects too, and just within the limit still a policy's own checks
    const objects = encodeURIComponent(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
    const r = await query(
      'iam',
      `Action=CreatePolicy&Version=2010-05-08&PolicyName=deep2&PolicyDocument=${objects}`,
    );
    expect(await answer(r)).toEqual([400, expect.stringContaining('Syntax errors in policy.')]);
    expect(await alive()).toBe(200);
  });

  it('S3: a bucket policy of brackets is MalformedPolicy (PolicyTooLarge past 20 KB), and the call is in the trail', async () => {
    expect((await send('s3', 'PUT', '/deep-bucket', '', [])).status).toBe(200);
    const put = (policy: string) => send('s3', 'PUT', '/deep-bucket?policy', policy, []);
    const [status, text] = await answer(await put(`{"Statement":${brackets(2203)}}`));
    expect([status, text]).toEqual([400, expect.stringContaining('<Code>MalformedPolicy</Code>')]);
    const big = await answer(await put(`${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`));
    expect(big).toEqual([400, expect.stringContaining('<Code>PolicyTooLarge</Code>')]);
    const trail = await h.irsa(['trail', '--json', '--errors']);
    expect(trail.code, trail.stderr).toBe(0);
    const refused = trail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { eventName: string; errorCode?: string })
      .filter((e) => e.eventName === 'PutBucketPolicy')
      .map((e) => e.errorCode);
    expect(refused).toEqual(expect.arrayContaining(['MalformedPolicy', 'PolicyTooLarge']));
    expect(await alive()).toBe(200);
  });

  it('DynamoDB: 31 maps inside one another are stored, a 32nd (or 3,000) is refused as DynamoDB refuses it', async () => {
    // as text: the test's own JSON.stringify runs out of stack thousands of levels down
    const put = (wraps: number) =>
      json(
        'dynamodb',
        'DynamoDB_20120810.PutItem',
        `{"TableName":"deep","Item":{"pk":{"S":"w${wraps}"},"doc":${'{"M":{"a":'.repeat(wraps)}{"S":"x"}${'}}'.repeat(wraps)}}}`,
      );
    expect((await put(31)).status).toBe(200);
    const got = await json('dynamodb', 'DynamoDB_20120810.GetItem', {
      TableName: 'deep',
      Key: { pk: { S: 'w31' } },
    });
    expect(((await got.json()) as { Item: { doc: unknown } }).Item.doc).toEqual(wrapped(31));
    for (const wraps of [32, 3000]) {
      const [status, text] = await answer(await put(wraps));
      expect(status, text).toBe(400);
      expect(JSON.parse(text)).toEqual({
        __type: 'com.amazon.coral.validate#ValidationException',
        message:
          'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
      });
    }
    // in an expression value as well
    const [status, text] = await answer(
      await json('dynamodb', 'DynamoDB_20120810.Scan', {
        TableName: 'deep',
        FilterExpression: 'doc = :v',
        ExpressionAttributeValues: { ':v': wrapped(32) },
      }),
    );
    expect([status, text]).toEqual([400, expect.stringContaining('Nesting Levels')]);
    expect(await alive()).toBe(200);
  });

  it('DynamoDB: expressions past 4 KB, past 300 operators or of parentheses in parentheses are ValidationExceptions', async () => {
    const del = (condition: string) =>
      json('dynamodb', 'DynamoDB_20120810.DeleteItem', {
        TableName: 'deep',
        Key: { pk: { S: 'nobody' } },
        ConditionExpression: condition,
      });
    const message = async (r: Response) => {
      expect(r.status).toBe(400);
      return ((await r.json()) as { message: string }).message;
    };
    const long = `${'NOT '.repeat(4000)}attribute_exists(pk)`;
    expect(await message(await del(long))).toBe(
      'Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 16020',
    );
    expect(await message(await del(`${'NOT '.repeat(301)}attribute_exists(pk)`))).toBe(
      'Invalid ConditionExpression: The expression contains too many operators; operator count: 302',
    );
    // 300 is the limit, not past it: this one is evaluated (and the item is not there)
    const within = await del(`${'NOT '.repeat(299)}attribute_exists(pk)`);
    expect(within.status, await within.text()).toBe(200);
    expect(
      await message(await del(`${'('.repeat(1500)}attribute_exists(pk)${')'.repeat(1500)}`)),
    ).toBe('Invalid ConditionExpression: The expression has redundant parentheses;');
    const scan = await json('dynamodb', 'DynamoDB_20120810.Scan', {
      TableName: 'deep',
      FilterExpression: Array.from({ length: 400 }, () => 'attribute_exists(pk)').join(' AND '),
    });
    expect(await message(scan)).toMatch(
      /^Invalid FilterExpression: (The expression contains too many operators|Expression size has exceeded)/,
    );
    expect(await alive()).toBe(200);
  });

  it('SQS, Secrets Manager, CloudTrail: a body nested 20,000 levels deep is a SerializationException', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    for (const [service, target, body, type] of [
      ['sqs', 'AmazonSQS.CreateQueue', `{"QueueName":${deep}}`, '1.0'],
      ['sqs', 'AmazonSQS.ListQueues', `{"X":${deep}}`, '1.0'],
      ['secretsmanager', 'secretsmanager.CreateSecret', `{"Name":"s","Tags":${deep}}`, '1.1'],
      [
        'cloudtrail',
        'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
        `{"LookupAttributes":${deep}}`,
        '1.1',
      ],
    ] as const) {
      const r = await send(service, 'POST', '/', body, [
        ['Content-Type', `application/x-amz-json-${type}`],
        ['X-Amz-Target', target],
      ]);
      const [status, text] = await answer(r);
      expect([status, text], target).toEqual([
        400,
        expect.stringContaining('SerializationException'),
      ]);
    }
    expect(await alive()).toBe(200);
  });

  it('a form of 200,000 fields and a 120 KB policy are recorded with their parameters omitted, past CloudTrail’s 100 KB', async () => {
    // unsigned: no operation reads it, and every field was once built into the record (21 MB
    // for a 15 MB form, the event loop stalled for seconds)
    const fields = Array.from({ length: 200_000 }, (_, i) => `p${i}=v`).join('&');
    const unsigned = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: `Action=GetCallerIdentity&Version=2011-06-15&${fields}`,
    });
    expect(unsigned.status).toBe(403);
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x'.repeat(120_000) } },
        },
      ],
    });
    const big = await query(
      'iam',
      `Action=CreatePolicy&Version=2010-05-08&PolicyName=big&PolicyDocument=${encodeURIComponent(document)}`,
    );
    // past the managed policy quota (6,144), within the parameter's length (131,072)
    expect([big.status, /<Code>(\w+)</.exec(await big.text())?.[1]]).toEqual([
      409,
      'LimitExceeded',
    ]);
    const trail = await h.irsa(['trail', '--json', '--errors']);
    expect(trail.code, trail.stderr).toBe(0);
    const lines = trail.stdout.trim().split('\n');
    const records = lines.map(
      (l) =>
        JSON.parse(l) as { eventName: string; errorCode?: string; requestParameters?: unknown },
    );
    for (const [name, code] of [
      ['GetCallerIdentity', 'MissingAuthenticationToken'],
      ['CreatePolicy', 'LimitExceeded'],
    ])
      expect(
        records.find((r) => r.eventName === name && r.errorCode === code)?.requestParameters,
        name,
      ).toEqual({ omitted: true });
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(50_000);
    expect(await alive()).toBe(200);
  });

  it('a Query parameter named with 5,000 dots is recorded, not a 500', async () => {
    const name = Array.from({ length: 5000 }, (_, i) => `p${i}`).join('.');
    const r = await query('sts', `Action=GetCallerIdentity&Version=2011-06-15&${name}=1`);
    expect(r.status, await r.text()).toBeLessThan(500);
    const trail = await h.irsa(['trail', '--json']);
    expect(trail.code, trail.stderr).toBe(0);
    expect(trail.stdout).toContain('GetCallerIdentity');
    expect(await alive()).toBe(200);
  });
});
