/**
 * DynamoDB end to end with the real clients — the AWS CLI, boto3 (client and resource APIs)
 * and the JS SDK (client and lib-dynamodb's DocumentClient) — against `irsa up`, each call
 * signed with role-session credentials: every operation succeeds for a permitted role and is
 * refused, in DynamoDB's exact words, for one without permission; the fine-grained access
 * control of `dynamodb:LeadingKeys` (a fixed tenant and `${aws:userid}`) and
 * `dynamodb:Attributes`; garbage JSON and malformed expressions. The seed's multi-service
 * policy is seed-policy-e2e.test.ts's.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../src/sigv4/testing/sign.js';
import { ACCOUNT, type Creds, type Harness, startHarness } from './support/harness.js';

let h: Harness;
const TABLE = 'my-table';
const ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${TABLE}`;
const denied = (role: string, action: string, resource = ARN) =>
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${role}-session is not authorized to perform: dynamodb:${action} on resource: ${resource} because no identity-based policy allows the dynamodb:${action} action`;

let full: Creds;
let none: Creds;

const ddb = (c: Creds) => new DynamoDBClient(h.sdk(c));

async function jsError(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

/** The CLI's one-line error for a refused call. */
const cliError = (code: string, op: string, message: string) =>
  `An error occurred (${code}) when calling the ${op} operation: ${message}`;

beforeAll(async () => {
  h = await startHarness();
  full = await h.roleSession({
    roleName: 'ddb-full',
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'dynamodb:*',
            Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*`,
          },
        ],
      },
    ],
  });
  none = await h.roleSession({
    roleName: 'ddb-none',
    policies: [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
      },
    ],
  });
  await ddb(h.admin()).send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (const [pk, sk] of [
    ['tenant-a', '1'],
    ['tenant-a', '2'],
    ['tenant-b', '1'],
  ] as const)
    await ddb(h.admin()).send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: pk }, sk: { N: sk }, shown: { S: 'hello' }, secret: { S: 'salary' } },
      }),
    );
}, 120_000);
afterAll(() => h.close());

describe('every operation, with the JS SDK', () => {
  it('succeeds for a permitted role and is refused, in DynamoDB’s words, without permission', async () => {
    const table = 'js-ops';
    const arn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table}`;
    const key = { pk: { S: 'k' }, sk: { N: '1' } };
    const ops: [string, () => object, (out: Record<string, unknown>) => void][] = [
      [
        'CreateTable',
        () =>
          new CreateTableCommand({
            TableName: table,
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'N' },
            ],
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
          }),
        (o) => expect((o.TableDescription as { TableStatus: string }).TableStatus).toBe('ACTIVE'),
      ],
      [
        'DescribeTable',
        () => new DescribeTableCommand({ TableName: table }),
        (o) => expect((o.Table as { TableArn: string }).TableArn).toBe(arn),
      ],
      [
        'ListTables',
        () => new ListTablesCommand({}),
        (o) => expect(o.TableNames).toEqual(['js-ops', TABLE]),
      ],
      [
        'PutItem',
        () => new PutItemCommand({ TableName: table, Item: { ...key, n: { N: '41' } } }),
        () => undefined,
      ],
      [
        'GetItem',
        () => new GetItemCommand({ TableName: table, Key: key }),
        (o) => expect(o.Item).toEqual({ ...key, n: { N: '41' } }),
      ],
      [
        'UpdateItem',
        () =>
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET n = n + :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
            ReturnValues: 'UPDATED_NEW',
          }),
        (o) => expect(o.Attributes).toEqual({ n: { N: '42' } }),
      ],
      [
        'Query',
        () =>
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :k',
            ExpressionAttributeValues: { ':k': { S: 'k' } },
          }),
        (o) => expect(o.Count).toBe(1),
      ],
      ['Scan', () => new ScanCommand({ TableName: table }), (o) => expect(o.ScannedCount).toBe(1)],
      [
        'DeleteItem',
        () => new DeleteItemCommand({ TableName: table, Key: key, ReturnValues: 'ALL_OLD' }),
        (o) => expect(o.Attributes).toBeDefined(),
      ],
      [
        'DeleteTable',
        () => new DeleteTableCommand({ TableName: table }),
        (o) => expect((o.TableDescription as { TableStatus: string }).TableStatus).toBe('DELETING'),
      ],
    ];
    const allowed = ddb(full);
    const refused = ddb(none);
    for (const [op, make, check] of ops) {
      const err = await jsError(refused.send(make() as never));
      const resource = op === 'ListTables' ? `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*` : arn;
      expect(err, op).toEqual({
        name: 'AccessDeniedException',
        message: denied('ddb-none', op, resource),
        status: 400,
      });
      check((await allowed.send(make() as never)) as unknown as Record<string, unknown>);
    }
  });
});

describe('every operation, with the AWS CLI', () => {
  it('succeeds for a permitted role and is refused, in DynamoDB’s words, without permission', async () => {
    const t = 'cli-ops';
    const arn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${t}`;
    const key = '{"pk":{"S":"k"},"sk":{"N":"1"}}';
    const ops: [string, string[]][] = [
      [
        'CreateTable',
        [
          'create-table',
          '--table-name',
          t,
          '--attribute-definitions',
          'AttributeName=pk,AttributeType=S',
          'AttributeName=sk,AttributeType=N',
          '--key-schema',
          'AttributeName=pk,KeyType=HASH',
          'AttributeName=sk,KeyType=RANGE',
          '--billing-mode',
          'PAY_PER_REQUEST',
        ],
      ],
      ['DescribeTable', ['describe-table', '--table-name', t]],
      ['ListTables', ['list-tables']],
      [
        'PutItem',
        ['put-item', '--table-name', t, '--item', '{"pk":{"S":"k"},"sk":{"N":"1"},"n":{"N":"1"}}'],
      ],
      ['GetItem', ['get-item', '--table-name', t, '--key', key]],
      [
        'UpdateItem',
        [
          'update-item',
          '--table-name',
          t,
          '--key',
          key,
          '--update-expression',
          'SET n = n + :one',
          '--expression-attribute-values',
          '{":one":{"N":"1"}}',
        ],
      ],
      [
        'Query',
        [
          'query',
          '--table-name',
          t,
          '--key-condition-expression',
          'pk = :k',
          '--expression-attribute-values',
          '{":k":{"S":"k"}}',
        ],
      ],
      ['Scan', ['scan', '--table-name', t]],
      ['DeleteItem', ['delete-item', '--table-name', t, '--key', key]],
      ['DeleteTable', ['delete-table', '--table-name', t]],
    ];
    const outputs: Record<string, string> = {};
    for (const [op, args] of ops) {
      const no = await h.aws(['dynamodb', ...args], none);
      const resource = op === 'ListTables' ? `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*` : arn;
      expect(no.code, op).not.toBe(0);
      expect(no.stderr.trim(), op).toBe(
        cliError('AccessDeniedException', op, denied('ddb-none', op, resource)),
      );
      const yes = await h.aws(['dynamodb', ...args], full);
      expect(yes.stderr, op).toBe('');
      expect(yes.code, op).toBe(0);
      outputs[op] = yes.stdout;
    }
    expect(JSON.parse(outputs.GetItem ?? '').Item.n).toEqual({ N: '1' });
    expect(JSON.parse(outputs.Query ?? '').Items[0].n).toEqual({ N: '2' });
    expect(JSON.parse(outputs.ListTables ?? '').TableNames).toContain('cli-ops');
  }, 180_000);
});

describe('every operation, with boto3', () => {
  it('succeeds for a permitted role and is refused, in DynamoDB’s words, without permission', async () => {
    const script = `
import json, boto3, decimal
from botocore.exceptions import ClientError
c = boto3.client('dynamodb')
r = boto3.resource('dynamodb')
t = 'py-ops'
key = {'pk': {'S': 'k'}, 'sk': {'N': '1'}}
ops = [
  ('CreateTable', lambda: c.create_table(TableName=t, AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}, {'AttributeName': 'sk', 'AttributeType': 'N'}], KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}, {'AttributeName': 'sk', 'KeyType': 'RANGE'}], BillingMode='PAY_PER_REQUEST')['TableDescription']['TableStatus']),
  ('DescribeTable', lambda: c.describe_table(TableName=t)['Table']['TableName']),
  ('ListTables', lambda: 'py-ops' in c.list_tables()['TableNames']),
  ('PutItem', lambda: r.Table(t).put_item(Item={'pk': 'k', 'sk': 1, 'n': decimal.Decimal('12345678901234567890123456789012345678')}) and 'ok'),
  ('GetItem', lambda: str(r.Table(t).get_item(Key={'pk': 'k', 'sk': 1})['Item']['n'])),
  ('UpdateItem', lambda: str(r.Table(t).update_item(Key={'pk': 'k', 'sk': 1}, UpdateExpression='SET n = n + :one', ExpressionAttributeValues={':one': 1}, ReturnValues='UPDATED_NEW')['Attributes']['n'])),
  ('Query', lambda: c.query(TableName=t, KeyConditionExpression='pk = :k', ExpressionAttributeValues={':k': {'S': 'k'}})['Count']),
  ('Scan', lambda: r.Table(t).scan()['Count']),
  ('DeleteItem', lambda: c.delete_item(TableName=t, Key=key, ReturnValues='ALL_OLD')['Attributes']['pk']['S']),
  ('DeleteTable', lambda: c.delete_table(TableName=t)['TableDescription']['TableStatus']),
]
out = []
for name, fn in ops:
  try:
    out.append([name, 'ok', fn()])
  except ClientError as e:
    out.append([name, e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']])
print(json.dumps(out))
`;
    const no = await h.python(script, none);
    expect(no.stderr).toBe('');
    const arn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/py-ops`;
    for (const [op, code, message, status] of JSON.parse(no.stdout) as [
      string,
      string,
      string,
      number,
    ][]) {
      const resource = op === 'ListTables' ? `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*` : arn;
      expect([op, code, message, status]).toEqual([
        op,
        'AccessDeniedException',
        denied('ddb-none', op, resource),
        400,
      ]);
    }
    const yes = await h.python(script, full);
    expect(yes.stderr).toBe('');
    expect(JSON.parse(yes.stdout)).toEqual([
      ['CreateTable', 'ok', 'ACTIVE'],
      ['DescribeTable', 'ok', 'py-ops'],
      ['ListTables', 'ok', true],
      ['PutItem', 'ok', 'ok'],
      // boto3's Decimal round trip keeps all 38 digits; n + 1 is exact
      ['GetItem', 'ok', '12345678901234567890123456789012345678'],
      ['UpdateItem', 'ok', '12345678901234567890123456789012345679'],
      ['Query', 'ok', 1],
      ['Scan', 'ok', 1],
      ['DeleteItem', 'ok', 'k'],
      ['DeleteTable', 'ok', 'DELETING'],
    ]);
  }, 120_000);
});

describe('batches', () => {
  it('boto3’s batch_writer and batch_get_item work, and are authorized per table', async () => {
    await ddb(full).send(
      new CreateTableCommand({
        TableName: 'batch-table',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const r = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
t = boto3.resource('dynamodb').Table('batch-table')
with t.batch_writer() as bw:
  for i in range(30):
    bw.put_item(Item={'pk': 'batch', 'sk': i, 'shown': 'b%d' % i})
got = boto3.resource('dynamodb').batch_get_item(RequestItems={'batch-table': {'Keys': [{'pk': 'batch', 'sk': i} for i in range(0, 30, 10)], 'ProjectionExpression': 'sk, shown'}})
print(json.dumps(sorted(x['shown'] for x in got['Responses']['batch-table'])))
`,
      full,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['b0', 'b10', 'b20']);
    const no = await h.python(
      `
import boto3
from botocore.exceptions import ClientError
try:
  boto3.client('dynamodb').batch_write_item(RequestItems={'batch-table': [{'PutRequest': {'Item': {'pk': {'S': 'x'}, 'sk': {'N': '1'}}}}]})
except ClientError as e:
  print(e.response['Error']['Code'] + ': ' + e.response['Error']['Message'])
`,
      none,
    );
    expect(no.stdout.trim()).toBe(
      `AccessDeniedException: ${denied('ddb-none', 'BatchWriteItem', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/batch-table`)}`,
    );
  }, 60_000);
});

describe('batch limits, in DynamoDB’s words', () => {
  it('refuses a table’s empty list (JS SDK) and 26 writes (boto3) with Coral’s constraint, and 26 over two tables with DynamoDB’s count', async () => {
    const constraint =
      'failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]';
    const empty = await jsError(
      ddb(full).send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: [] } })),
    );
    expect(empty).toEqual({
      name: 'ValidationException',
      message: `1 validation error detected: Value '{${TABLE}=[]}' at 'requestItems' ${constraint}`,
      status: 400,
    });
    const r = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb')
put = lambda i: {'PutRequest': {'Item': {'pk': {'S': 'limit'}, 'sk': {'N': str(i)}}}}
out = []
for items in [{'${TABLE}': [put(i) for i in range(26)]}, {'${TABLE}': [put(i) for i in range(13)], 'batch-limit-other': [put(i) for i in range(13)]}]:
  try:
    c.batch_write_item(RequestItems=items)
    out.append('ok')
  except ClientError as e:
    out.append(e.response['Error']['Message'])
print(json.dumps(out))
`,
      full,
    );
    expect(r.stderr).toBe('');
    const [one = '', two] = JSON.parse(r.stdout) as string[];
    expect(one).toMatch(
      new RegExp(
        `^1 validation error detected: Value '\\{${TABLE}=\\[WriteRequest\\(putRequest=PutRequest\\(item=\\{pk=com\\.amazonaws\\.dynamodb\\.v20120810\\.AttributeValue@[0-9a-f]+, sk=`,
      ),
    );
    expect(one.match(/WriteRequest\(/g)).toHaveLength(26);
    expect(one.endsWith(`' at 'requestItems' ${constraint}`)).toBe(true);
    expect(two).toBe('Too many items requested for the BatchWriteItem call');
  }, 60_000);
});

describe('dynamodb:LeadingKeys', () => {
  const tenantPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        Resource: ARN,
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tenant-a', '${aws:userid}'] },
        },
      },
    ],
  };
  let tenant: Creds;
  beforeAll(async () => {
    tenant = await h.roleSession({ roleName: 'ddb-tenant', policies: [tenantPolicy] });
  });

  it('confines boto3 to its own partitions: a fixed tenant and ${aws:userid}', async () => {
    const r = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
me = boto3.client('sts').get_caller_identity()['UserId']
t = boto3.resource('dynamodb').Table('${TABLE}')
c = boto3.client('dynamodb')
def attempt(fn):
  try:
    fn()
    return 'ok'
  except ClientError as e:
    return e.response['Error']['Code'] + ': ' + e.response['Error']['Message']
from boto3.dynamodb.conditions import Key
print(json.dumps({
  'me': me,
  'own': attempt(lambda: t.put_item(Item={'pk': me, 'sk': 1, 'note': 'mine'})),
  'ownGet': t.get_item(Key={'pk': me, 'sk': 1})['Item']['note'],
  'tenantA': attempt(lambda: t.get_item(Key={'pk': 'tenant-a', 'sk': 1})),
  'tenantAQuery': t.query(KeyConditionExpression=Key('pk').eq('tenant-a'))['Count'],
  'tenantB': attempt(lambda: t.get_item(Key={'pk': 'tenant-b', 'sk': 1})),
  'tenantBQuery': attempt(lambda: t.query(KeyConditionExpression=Key('pk').eq('tenant-b'))),
  'tenantBDelete': attempt(lambda: c.delete_item(TableName='${TABLE}', Key={'pk': {'S': 'tenant-b'}, 'sk': {'N': '1'}})),
  'scan': attempt(lambda: t.scan()),
}))
`,
      tenant,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.me).toMatch(/^AROA[A-Z0-9]+:ddb-tenant-session$/);
    expect(out.own).toBe('ok');
    expect(out.ownGet).toBe('mine');
    expect(out.tenantA).toBe('ok');
    expect(out.tenantAQuery).toBe(2);
    expect(out.tenantB).toBe(`AccessDeniedException: ${denied('ddb-tenant', 'GetItem')}`);
    expect(out.tenantBQuery).toBe(`AccessDeniedException: ${denied('ddb-tenant', 'Query')}`);
    expect(out.tenantBDelete).toBe(`AccessDeniedException: ${denied('ddb-tenant', 'DeleteItem')}`);
    expect(out.scan).toBe(`AccessDeniedException: ${denied('ddb-tenant', 'Scan')}`);
    // the trail explains the refusal with the policy's values, never the item's key
    const trail = await h.irsa(['trail', '--role', 'ddb-tenant', '--errors', '--json']);
    expect(trail.stdout).toContain('dynamodb:LeadingKeys');
    expect(trail.stdout).toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
    expect(trail.stdout).not.toContain('tenant-b');
  }, 60_000);

  it('confines lib-dynamodb’s DocumentClient the same way', async () => {
    const doc = DynamoDBDocumentClient.from(ddb(tenant));
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'tenant-a', sk: 3, tags: new Set(['x', 'y']), n: 1 },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'tenant-a', sk: 3 },
        UpdateExpression: 'SET n = n + :d',
        ExpressionAttributeValues: { ':d': 2 },
      }),
    );
    const got = await doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'tenant-a', sk: 3 } }),
    );
    expect(got.Item).toEqual({ pk: 'tenant-a', sk: 3, tags: new Set(['x', 'y']), n: 3 });
    const err = await jsError(
      doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'tenant-b', sk: 3 } })),
    );
    expect(err).toEqual({
      name: 'AccessDeniedException',
      message: denied('ddb-tenant', 'PutItem'),
      status: 400,
    });
  });
});

describe('dynamodb:Attributes', () => {
  let attrs: Creds;
  beforeAll(async () => {
    attrs = await h.roleSession({
      roleName: 'ddb-attrs',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'dynamodb:GetItem',
                'dynamodb:Query',
                'dynamodb:PutItem',
                'dynamodb:UpdateItem',
              ],
              Resource: ARN,
              Condition: {
                'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'shown'] },
                StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
              },
            },
          ],
        },
      ],
    });
  });

  it('lets the AWS CLI read and write only the listed attributes', async () => {
    const key = '{"pk":{"S":"tenant-a"},"sk":{"N":"1"}}';
    const ok = await h.aws(
      [
        'dynamodb',
        'get-item',
        '--table-name',
        TABLE,
        '--key',
        key,
        '--projection-expression',
        'pk, shown',
      ],
      attrs,
    );
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).Item).toEqual({ pk: { S: 'tenant-a' }, shown: { S: 'hello' } });
    const secret = await h.aws(
      [
        'dynamodb',
        'get-item',
        '--table-name',
        TABLE,
        '--key',
        key,
        '--projection-expression',
        'secret',
      ],
      attrs,
    );
    expect(secret.stderr.trim()).toBe(
      cliError('AccessDeniedException', 'GetItem', denied('ddb-attrs', 'GetItem')),
    );
    const everything = await h.aws(
      ['dynamodb', 'get-item', '--table-name', TABLE, '--key', key],
      attrs,
    );
    expect(everything.stderr.trim()).toBe(
      cliError('AccessDeniedException', 'GetItem', denied('ddb-attrs', 'GetItem')),
    );
    const q = await h.aws(
      [
        'dynamodb',
        'query',
        '--table-name',
        TABLE,
        '--key-condition-expression',
        'pk = :p',
        '--expression-attribute-values',
        '{":p":{"S":"tenant-b"}}',
        '--projection-expression',
        'sk, shown',
        '--query',
        'Count',
      ],
      attrs,
    );
    expect(q.stdout.trim()).toBe('1');
    const put = await h.aws(
      [
        'dynamodb',
        'put-item',
        '--table-name',
        TABLE,
        '--item',
        '{"pk":{"S":"p"},"sk":{"N":"1"},"shown":{"S":"x"}}',
      ],
      attrs,
    );
    expect(put.stderr).toBe('');
    const putSecret = await h.aws(
      [
        'dynamodb',
        'put-item',
        '--table-name',
        TABLE,
        '--item',
        '{"pk":{"S":"p"},"sk":{"N":"1"},"secret":{"S":"x"}}',
      ],
      attrs,
    );
    expect(putSecret.stderr.trim()).toBe(
      cliError('AccessDeniedException', 'PutItem', denied('ddb-attrs', 'PutItem')),
    );
    const update = await h.aws(
      [
        'dynamodb',
        'update-item',
        '--table-name',
        TABLE,
        '--key',
        '{"pk":{"S":"p"},"sk":{"N":"1"}}',
        '--update-expression',
        'SET secret = :s',
        '--expression-attribute-values',
        '{":s":{"S":"x"}}',
      ],
      attrs,
    );
    expect(update.stderr.trim()).toBe(
      cliError('AccessDeniedException', 'UpdateItem', denied('ddb-attrs', 'UpdateItem')),
    );
  }, 120_000);

  it('counts what an update reads, a condition compares and a filter tests: no copying or probing a hidden attribute', async () => {
    const r = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb')
key = {'pk': {'S': 'tenant-a'}, 'sk': {'N': '1'}}
def attempt(fn):
  try:
    fn()
    return 'ok'
  except ClientError as e:
    return e.response['Error']['Code']
print(json.dumps({
  'copy': attempt(lambda: c.update_item(TableName='${TABLE}', Key=key, UpdateExpression='SET shown = secret', ReturnValues='UPDATED_NEW')),
  'condition': attempt(lambda: c.put_item(TableName='${TABLE}', Item={**key, 'shown': {'S': 'hello'}}, ConditionExpression='secret = :v', ExpressionAttributeValues={':v': {'S': 'guess'}})),
  'filter': attempt(lambda: c.query(TableName='${TABLE}', KeyConditionExpression='pk = :p', FilterExpression='secret = :s', ProjectionExpression='sk', ExpressionAttributeValues={':p': {'S': 'tenant-a'}, ':s': {'S': 'guess'}})),
  'allowed': attempt(lambda: c.update_item(TableName='${TABLE}', Key=key, UpdateExpression='SET shown = shown', ConditionExpression='attribute_exists(pk)')),
}))
`,
      attrs,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      copy: 'AccessDeniedException',
      condition: 'AccessDeniedException',
      filter: 'AccessDeniedException',
      allowed: 'ok',
    });
  }, 60_000);
});

describe('dynamodb:ReturnValues', () => {
  it('AWS’s own policy that prevents updates on certain attributes allows a plain update_item (ReturnValues is NONE unless sent)', async () => {
    // the DynamoDB Developer Guide's example: StringEquals on ReturnValues, which "always has
    // a value (NONE unless otherwise specified)"
    const guarded = await h.roleSession({
      roleName: 'ddb-rv',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:UpdateItem'],
              Resource: ARN,
              Condition: {
                'ForAllValues:StringNotLike': { 'dynamodb:Attributes': ['secret'] },
                StringEquals: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
              },
            },
          ],
        },
      ],
    });
    const r = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb')
key = {'pk': {'S': 'tenant-a'}, 'sk': {'N': '2'}}
def attempt(**kw):
  try:
    c.update_item(TableName='${TABLE}', Key=key, ExpressionAttributeValues={':v': {'S': 'x'}}, **kw)
    return 'ok'
  except ClientError as e:
    return e.response['Error']['Code']
print(json.dumps({
  'plain': attempt(UpdateExpression='SET shown = :v'),
  'updatedNew': attempt(UpdateExpression='SET shown = :v', ReturnValues='UPDATED_NEW'),
  'allNew': attempt(UpdateExpression='SET shown = :v', ReturnValues='ALL_NEW'),
  'secret': attempt(UpdateExpression='SET secret = :v'),
}))
`,
      guarded,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      plain: 'ok',
      updatedNew: 'ok',
      allNew: 'AccessDeniedException',
      secret: 'AccessDeniedException',
    });
  }, 60_000);
});

describe('bad input, with DynamoDB’s exact errors', () => {
  it('answers garbage JSON and unknown operations from a signed raw request', async () => {
    const url = new URL(h.server.edge);
    const send = async (target: string, body: string) => {
      const signed = signRequest({
        method: 'POST',
        target: '/',
        headers: [
          ['Host', url.host],
          ['Content-Type', 'application/x-amz-json-1.0'],
          ['X-Amz-Target', target],
        ],
        body,
        credentials: full,
        region: 'us-east-1',
        service: 'dynamodb',
        now: new Date(),
      });
      const res = await fetch(`${h.server.edge}/`, {
        method: 'POST',
        headers: signed.headers,
        body,
      });
      return {
        status: res.status,
        type: res.headers.get('x-amzn-errortype'),
        body: (await res.json()) as Record<string, string>,
      };
    };
    const garbage = await send('DynamoDB_20120810.GetItem', '{"TableName": "my-table", "Key": ');
    expect(garbage.status).toBe(400);
    expect(garbage.type).toBe('SerializationException');
    // as DynamoDB answers JSON it cannot parse: Coral's service layer, and no text at all
    expect(garbage.body).toEqual({ __type: 'com.amazon.coral.service#SerializationException' });
    const wrongType = await send(
      'DynamoDB_20120810.GetItem',
      '{"TableName": "my-table", "Key": {"pk": "tenant-a"}}',
    );
    expect(wrongType.body).toEqual({
      __type: 'com.amazon.coral.service#SerializationException',
      Message: 'Expected null',
    });
    const invalid = await send('DynamoDB_20120810.GetItem', '{"TableName": "my-table"}');
    expect(invalid.body).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message:
        "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null",
    });
    const missing = await send(
      'DynamoDB_20120810.GetItem',
      '{"TableName": "nope", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}',
    );
    expect(missing.body).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'Requested resource not found',
    });
    const unknown = await send('DynamoDB_20120810.Frobnicate', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.type).toBe('UnknownOperationException');
    const ok = await fetch(`${h.server.edge}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });
    expect(ok.status).toBe(400);
    expect(ok.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const stranger = await jsError(
      ddb({
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      }).send(new ListTablesCommand({})),
    );
    expect(stranger).toEqual({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 400,
    });
  });

  it('a failed condition with ReturnValuesOnConditionCheckFailure=ALL_OLD carries the item, to the JS SDK and boto3', async () => {
    const client = ddb(full);
    const key = { pk: { S: 'tenant-a' }, sk: { N: '77' } };
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key, note: { S: 'first' } } }),
    );
    const failed = await client
      .send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key, note: { S: 'second' } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e as { name: string; Item?: unknown },
      );
    expect(failed?.name).toBe('ConditionalCheckFailedException');
    expect(failed?.Item).toEqual({ ...key, note: { S: 'first' } });
    // without it, none
    const plain = await client
      .send(
        new DeleteItemCommand({
          TableName: TABLE,
          Key: key,
          ConditionExpression: 'note = :x',
          ExpressionAttributeValues: { ':x': { S: 'other' } },
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e as { name: string; Item?: unknown },
      );
    expect(plain?.name).toBe('ConditionalCheckFailedException');
    expect(plain?.Item).toBeUndefined();
    const boto = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb')
try:
  c.update_item(TableName='${TABLE}', Key={'pk': {'S': 'tenant-a'}, 'sk': {'N': '77'}}, UpdateExpression='SET note = :n', ConditionExpression='note = :x', ExpressionAttributeValues={':n': {'S': 'third'}, ':x': {'S': 'other'}}, ReturnValuesOnConditionCheckFailure='ALL_OLD')
except ClientError as e:
  print(json.dumps([e.response['Error']['Code'], e.response.get('Item')]))
`,
      full,
    );
    expect(boto.stderr).toBe('');
    expect(JSON.parse(boto.stdout)).toEqual([
      'ConditionalCheckFailedException',
      { ...key, note: { S: 'first' } },
    ]);
  });

  it('refuses a projection that reaches inside a key attribute, to boto3 and the AWS CLI', async () => {
    const scalars = (name: string) =>
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${name}`;
    const py = await h.python(
      `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client('dynamodb')
key = {'pk': {'S': 'tenant-a'}, 'sk': {'N': '1'}}
def attempt(fn):
  try:
    fn()
    return 'ok'
  except ClientError as e:
    return e.response['Error']['Code'] + ': ' + e.response['Error']['Message']
print(json.dumps([
  attempt(lambda: c.get_item(TableName='${TABLE}', Key=key, ProjectionExpression='#a.b.c', ExpressionAttributeNames={'#a': 'pk'})),
  attempt(lambda: c.query(TableName='${TABLE}', KeyConditionExpression='pk = :p', ExpressionAttributeValues={':p': {'S': 'tenant-a'}}, ProjectionExpression='pk.x')),
  attempt(lambda: c.batch_get_item(RequestItems={'${TABLE}': {'Keys': [key], 'ProjectionExpression': 'shown, sk[0]'}})),
  attempt(lambda: c.get_item(TableName='${TABLE}', Key=key, ProjectionExpression='shown.x')),
]))
`,
      full,
    );
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual([
      `ValidationException: ${scalars('pk')}`,
      `ValidationException: ${scalars('pk')}`,
      `ValidationException: ${scalars('sk')}`,
      'ok',
    ]);
    const cli = await h.aws(
      ['dynamodb', 'scan', '--table-name', TABLE, '--projection-expression', 'sk[0]'],
      full,
    );
    expect(cli.stderr.trim()).toBe(cliError('ValidationException', 'Scan', scalars('sk')));
  }, 60_000);

  it('refuses malformed expressions in the same words for all three clients', async () => {
    const key = { pk: { S: 'tenant-a' }, sk: { N: '1' } };
    const cli = await h.aws(
      [
        'dynamodb',
        'update-item',
        '--table-name',
        TABLE,
        '--key',
        JSON.stringify(key),
        '--update-expression',
        'ADD hits : incr',
        '--expression-attribute-values',
        '{":incr":{"N":"1"}}',
      ],
      full,
    );
    expect(cli.stderr.trim()).toBe(
      cliError(
        'ValidationException',
        'UpdateItem',
        'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"',
      ),
    );
    const py = await h.python(
      `
import boto3
from botocore.exceptions import ClientError
try:
  boto3.client('dynamodb').query(TableName='${TABLE}', KeyConditionExpression='pk = :p', FilterExpression='status = :s', ExpressionAttributeValues={':p': {'S': 'tenant-a'}, ':s': {'S': 'x'}})
except ClientError as e:
  print(e.response['Error']['Code'] + ': ' + e.response['Error']['Message'])
`,
      full,
    );
    expect(py.stdout.trim()).toBe(
      'ValidationException: Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status',
    );
    const js = await jsError(
      ddb(full).send(
        new PutItemCommand({
          TableName: TABLE,
          Item: key,
          ConditionExpression: 'attribute_not_exists(pk) AND',
        }),
      ),
    );
    expect(js).toEqual({
      name: 'ValidationException',
      message: 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"',
      status: 400,
    });
    const missing = await jsError(
      ddb(full).send(new GetItemCommand({ TableName: 'nope', Key: key })),
    );
    expect(missing).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found',
      status: 400,
    });
    const cond = await jsError(
      ddb(full).send(
        new PutItemCommand({
          TableName: TABLE,
          Item: key,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    expect(cond).toEqual({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      status: 400,
    });
  });
});
