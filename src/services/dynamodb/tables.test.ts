import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { type DynamoKit, dynamoKit } from './testing.js';

let k: DynamoKit;
beforeEach(() => {
  k = dynamoKit();
});
afterEach(() => k.close());

const TABLE = {
  TableName: 'orders',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'N' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

describe('the wire', () => {
  it('answers JSON 1.0 with a correct x-amz-crc32', async () => {
    const r = await k.call('ListTables', {});
    expect(r.headers['Content-Type']).toBe('application/x-amz-json-1.0');
    expect(r.headers['x-amz-crc32']).toBe(String(crc32(r.text)));
    expect(r.body).toEqual({ TableNames: [] });
  });

  it.each([
    ['{"TableName": ', 'SerializationException', ''],
    ['[1]', 'SerializationException', 'Start of list found where not expected'],
    ['"x"', 'SerializationException', 'Expected null'],
    [
      '{"TableName": 7}',
      'SerializationException',
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ],
    [
      '{"TableName": "t", "Key": []}',
      'SerializationException',
      'Start of list found where not expected',
    ],
    ['{"TableName": "t", "Key": {"pk": "x"}}', 'SerializationException', 'Expected null'],
    [
      '{"TableName": "t", "ConsistentRead": "yes", "Key": {}}',
      'SerializationException',
      'class java.lang.String can not be converted to an Boolean',
    ],
  ])('refuses %s with %s', async (body, code, message) => {
    expect(await k.fail('GetItem', body)).toEqual({ code, status: 400, message });
  });

  it('refuses operations it does not serve', async () => {
    const f = await k.fail('TransactWriteItems', {});
    expect(f.code).toBe('UnknownOperationException');
  });

  it.each([
    [
      {},
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    ],
    [
      { TableName: 'bad table!@#' },
      "1 validation error detected: Value 'bad table!@#' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ],
    [
      { TableName: 'a'.repeat(256) },
      `1 validation error detected: Value '${'a'.repeat(256)}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255`,
    ],
  ])('validates TableName %#', async (body, message) => {
    expect((await k.fail('DescribeTable', body)).message).toBe(message);
  });
});

describe('CreateTable', () => {
  it('creates an ACTIVE table and describes it', async () => {
    const r = await k.call('CreateTable', { ...TABLE, Tags: [{ Key: 'team', Value: 'a' }] });
    expect(r.body.TableDescription).toMatchObject({
      TableName: 'orders',
      TableStatus: 'ACTIVE',
      TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
      KeySchema: TABLE.KeySchema,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      ItemCount: 0,
    });
    const d = await k.call('DescribeTable', { TableName: 'orders' });
    expect(d.body.Table.TableStatus).toBe('ACTIVE');
    expect(k.authorized.map((a) => [a.action, a.resource])).toEqual([
      ['dynamodb:CreateTable', 'arn:aws:dynamodb:us-east-1:123456789012:table/orders'],
      ['dynamodb:DescribeTable', 'arn:aws:dynamodb:us-east-1:123456789012:table/orders'],
    ]);
    expect(k.authorized[0]?.context).toMatchObject({
      'aws:RequestTag/team': 'a',
      'aws:TagKeys': ['team'],
    });
    expect(k.authorized[1]?.context).toMatchObject({ 'aws:ResourceTag/team': 'a' });
    expect(k.authorized[0]?.deniedCode).toEqual({ code: 'AccessDeniedException', status: 400 });
  });

  it('refuses a second table of the same name', async () => {
    await k.call('CreateTable', TABLE);
    expect(await k.fail('CreateTable', TABLE)).toEqual({
      code: 'ResourceInUseException',
      status: 400,
      message: 'Table already exists: orders',
    });
  });

  it('refuses Streams and KMS encryption, which it does not implement, creating nothing', async () => {
    for (const [extra, what] of [
      [{ StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }, 'Streams'],
      [{ SSESpecification: { Enabled: true, SSEType: 'KMS' } }, 'KMS key'],
    ] as const) {
      const f = await k.fail('CreateTable', { ...TABLE, ...extra });
      expect(f.code).toBe('ValidationException');
      expect(f.message).toContain(what);
    }
    expect(await k.fail('DescribeTable', { TableName: 'orders' })).toMatchObject({
      code: 'ResourceNotFoundException',
    });
    // asking for neither is fine
    await k.call('CreateTable', {
      ...TABLE,
      StreamSpecification: { StreamEnabled: false },
      SSESpecification: { Enabled: false },
    });
  });

  const pk = { AttributeName: 'pk', AttributeType: 'S' };
  const hash = { AttributeName: 'pk', KeyType: 'HASH' };
  const base = { TableName: 'tbl', BillingMode: 'PAY_PER_REQUEST' };
  it.each([
    [
      { ...base, TableName: undefined, AttributeDefinitions: [pk], KeySchema: [hash] },
      "The parameter 'TableName' is required but was not present in the request",
    ],
    [
      { ...base, TableName: 'ab', AttributeDefinitions: [pk], KeySchema: [hash] },
      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk],
        KeySchema: [hash],
        GlobalSecondaryIndexes: [
          { IndexName: 'i0', KeySchema: [hash], Projection: { ProjectionType: 'ALL' } },
        ],
      },
      "1 validation error detected: Value 'i0' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk],
        KeySchema: [hash, { AttributeName: 'pk', KeyType: 'RANGE' }],
      },
      'Invalid KeySchema: Some index key attribute have no definition',
    ],
    [
      {
        ...base,
        AttributeDefinitions: [
          pk,
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'x', AttributeType: 'S' },
        ],
        KeySchema: [
          hash,
          { AttributeName: 'sk', KeyType: 'RANGE' },
          { AttributeName: 'x', KeyType: 'RANGE' },
        ],
      },
      "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), KeySchemaElement(attributeName=x, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2",
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'INVALID' }],
      },
      "1 validation error detected: Value 'INVALID' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
    ],
    [
      {
        ...base,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'INVALID' }],
        KeySchema: [hash],
      },
      "1 validation error detected: Value 'INVALID' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
    ],
    [
      {
        ...base,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [hash],
      },
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [id]',
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk, { AttributeName: 'x', AttributeType: 'S' }],
        KeySchema: [hash],
      },
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk, { AttributeName: 'x', AttributeType: 'S' }],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'RANGE' },
          { AttributeName: 'x', KeyType: 'HASH' },
        ],
      },
      'Invalid KeySchema: The first KeySchemaElement is not a HASH key type',
    ],
    [
      { TableName: 'tbl', AttributeDefinitions: [pk], KeySchema: [hash] },
      'No provisioned throughput specified for the table',
    ],
    [
      {
        TableName: 'tbl',
        BillingMode: 'PROVISIONED',
        AttributeDefinitions: [pk],
        KeySchema: [hash],
      },
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    ],
    [
      {
        ...base,
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        AttributeDefinitions: [pk],
        KeySchema: [hash],
      },
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    ],
    [
      {
        TableName: 'tbl',
        ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 1 },
        AttributeDefinitions: [pk],
        KeySchema: [hash],
      },
      "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk, { AttributeName: 'l', AttributeType: 'S' }],
        KeySchema: [hash],
        LocalSecondaryIndexes: [
          {
            IndexName: 'lsi1',
            KeySchema: [hash, { AttributeName: 'l', KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
      'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
    ],
    [
      {
        ...base,
        AttributeDefinitions: [pk, { AttributeName: 'g', AttributeType: 'S' }],
        KeySchema: [hash],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'same',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'same',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
      'One or more parameter values were invalid: Duplicate index name: same',
    ],
  ])('validates %#', async (body, message) => {
    const f = await k.fail('CreateTable', body);
    expect(f).toEqual({ code: 'ValidationException', status: 400, message });
    expect(await k.call('ListTables', {})).toMatchObject({ body: { TableNames: [] } });
  });
});

describe('ListTables, DescribeTable, DeleteTable, tags', () => {
  it('pages through table names in order', async () => {
    for (const n of ['ccc', 'aaa', 'bbb', 'ddd'])
      await k.call('CreateTable', { ...TABLE, TableName: n });
    const p1 = await k.call('ListTables', { Limit: 2 });
    expect(p1.body).toEqual({ TableNames: ['aaa', 'bbb'], LastEvaluatedTableName: 'bbb' });
    const p2 = await k.call('ListTables', { Limit: 2, ExclusiveStartTableName: 'bbb' });
    expect(p2.body).toEqual({ TableNames: ['ccc', 'ddd'] });
    expect((await k.fail('ListTables', { Limit: 0 })).message).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(k.authorized.at(-1)?.resource).toBe('arn:aws:dynamodb:us-east-1:123456789012:table/*');
  });

  it('deletes a table with its items; a new table of that name starts empty', async () => {
    await k.call('CreateTable', TABLE);
    await k.call('PutItem', { TableName: 'orders', Item: { pk: { S: 'a' }, sk: { N: '1' } } });
    const d = await k.call('DeleteTable', { TableName: 'orders' });
    expect(d.body.TableDescription.TableStatus).toBe('DELETING');
    expect(await k.fail('DescribeTable', { TableName: 'orders' })).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Requested resource not found: Table: orders not found',
    });
    expect(
      await k.fail('GetItem', { TableName: 'orders', Key: { pk: { S: 'a' }, sk: { N: '1' } } }),
    ).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Requested resource not found',
    });
    await k.call('CreateTable', TABLE);
    const s = await k.call('Scan', { TableName: 'orders' });
    expect(s.body.Count).toBe(0);
    expect((await k.store.list('dynamodb-items')).length).toBe(0);
  });

  it('refuses to delete a protected table', async () => {
    await k.call('CreateTable', { ...TABLE, DeletionProtectionEnabled: true });
    expect((await k.fail('DeleteTable', { TableName: 'orders' })).message).toBe(
      'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
    );
  });

  it('tags a table; the tags become aws:ResourceTag keys', async () => {
    await k.call('CreateTable', TABLE);
    const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
    await k.call('TagResource', { ResourceArn: arn, Tags: [{ Key: 'env', Value: 'dev' }] });
    expect((await k.call('ListTagsOfResource', { ResourceArn: arn })).body).toEqual({
      Tags: [{ Key: 'env', Value: 'dev' }],
    });
    await k.call('GetItem', { TableName: 'orders', Key: { pk: { S: 'a' }, sk: { N: '1' } } });
    expect(k.authorized.at(-1)?.context).toMatchObject({ 'aws:ResourceTag/env': 'dev' });
    await k.call('UntagResource', { ResourceArn: arn, TagKeys: ['env'] });
    expect((await k.call('ListTagsOfResource', { ResourceArn: arn })).body).toEqual({ Tags: [] });
  });

  it('records management events without secrets', async () => {
    const ctx = k.ctx();
    await k.call('CreateTable', TABLE, ctx);
    expect(ctx.audit).toMatchObject({
      eventName: 'CreateTable',
      eventSource: 'dynamodb.amazonaws.com',
      eventCategory: 'Management',
      readOnly: false,
      requestParameters: {
        tableName: 'orders',
        keySchema: [
          { attributeName: 'pk', keyType: 'HASH' },
          { attributeName: 'sk', keyType: 'RANGE' },
        ],
        billingMode: 'PAY_PER_REQUEST',
      },
      responseElements: { tableDescription: { tableName: 'orders', tableStatus: 'ACTIVE' } },
      resources: [
        {
          ARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
          accountId: '123456789012',
          type: 'AWS::DynamoDB::Table',
        },
      ],
    });
  });

  it('keeps the parameters of a CreateTable refused for its input', async () => {
    for (const [name, resources] of [
      ['no!', undefined],
      [
        'orders',
        [
          {
            ARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
            accountId: '123456789012',
            type: 'AWS::DynamoDB::Table',
          },
        ],
      ],
    ] as const) {
      const ctx = k.ctx();
      // a bad name; a good one with PAY_PER_REQUEST and throughput both
      const body =
        name === 'no!'
          ? { ...TABLE, TableName: name }
          : { ...TABLE, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } };
      expect((await k.fail('CreateTable', body, ctx)).code).toBe('ValidationException');
      expect(ctx.audit).toMatchObject({
        eventName: 'CreateTable',
        eventCategory: 'Management',
        readOnly: false,
        requestParameters: {
          tableName: name,
          keySchema: [
            { attributeName: 'pk', keyType: 'HASH' },
            { attributeName: 'sk', keyType: 'RANGE' },
          ],
          billingMode: 'PAY_PER_REQUEST',
        },
      });
      expect(ctx.audit.resources).toEqual(resources);
    }
  });

  it('answers AccessDeniedException (400) before saying whether the table exists', async () => {
    k.refuse((r) => r.action === 'dynamodb:DescribeTable');
    const f = await k.fail('DescribeTable', { TableName: 'nope' });
    expect(f).toEqual({
      code: 'AccessDeniedException',
      status: 400,
      message:
        'User: arn:aws:iam::123456789012:user/irsa-admin is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/nope because no identity-based policy allows the dynamodb:DescribeTable action',
    });
  });
});
