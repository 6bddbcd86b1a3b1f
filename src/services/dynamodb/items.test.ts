import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DynamoKit, dynamoKit } from './testing.js';

let k: DynamoKit;
const T = 'orders';
beforeEach(async () => {
  k = dynamoKit();
  await k.call('CreateTable', {
    TableName: T,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  k.authorized.length = 0;
});
afterEach(() => k.close());

const KEY = { pk: { S: 'tenant-a' }, sk: { N: '1' } };
const ITEM = { ...KEY, price: { N: '10.50' }, state: { S: 'new' }, parts: { L: [{ S: 'x' }] } };

describe('PutItem and GetItem', () => {
  it('store an item and read it back, numbers canonical', async () => {
    expect((await k.call('PutItem', { TableName: T, Item: ITEM })).body).toEqual({});
    const got = await k.call('GetItem', { TableName: T, Key: KEY });
    expect(got.body).toEqual({ Item: { ...ITEM, price: { N: '10.5' } } });
    expect(
      (await k.call('GetItem', { TableName: T, Key: { ...KEY, sk: { N: '2' } } })).body,
    ).toEqual({});
  });

  it('project with ProjectionExpression and AttributesToGet', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM });
    const p = await k.call('GetItem', {
      TableName: T,
      Key: KEY,
      ProjectionExpression: '#s, parts[0]',
      ExpressionAttributeNames: { '#s': 'state' },
    });
    expect(p.body).toEqual({ Item: { state: { S: 'new' }, parts: { L: [{ S: 'x' }] } } });
    const a = await k.call('GetItem', { TableName: T, Key: KEY, AttributesToGet: ['price'] });
    expect(a.body).toEqual({ Item: { price: { N: '10.5' } } });
  });

  it('report consumed capacity when asked', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM });
    const r = await k.call('GetItem', { TableName: T, Key: KEY, ReturnConsumedCapacity: 'TOTAL' });
    expect(r.body.ConsumedCapacity).toEqual({ TableName: T, CapacityUnits: 0.5 });
    const w = await k.call('PutItem', {
      TableName: T,
      Item: ITEM,
      ReturnConsumedCapacity: 'TOTAL',
    });
    expect(w.body.ConsumedCapacity).toEqual({ TableName: T, CapacityUnits: 1 });
  });

  it('return the old item with ReturnValues ALL_OLD', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM });
    const r = await k.call('PutItem', { TableName: T, Item: KEY, ReturnValues: 'ALL_OLD' });
    expect(r.body.Attributes.state).toEqual({ S: 'new' });
  });

  it.each([
    ['GetItem', { Key: { pk: { S: 'a' } } }, 'The provided key element does not match the schema'],
    [
      'GetItem',
      { Key: { pk: { S: 'a' }, sk: { S: '1' } } },
      'The provided key element does not match the schema',
    ],
    [
      'GetItem',
      { Key: { pk: { S: 'a' }, sk: { N: '1' }, x: { S: 'y' } } },
      'The provided key element does not match the schema',
    ],
    [
      'GetItem',
      { Key: { pk: { S: '' }, sk: { N: '1' } } },
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    ],
    [
      'GetItem',
      { Key: KEY, ProjectionExpression: '!!! INVALID !!!' },
      'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"',
    ],
    [
      'GetItem',
      { Key: KEY, ProjectionExpression: 'pk, status' },
      'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status',
    ],
    [
      'GetItem',
      { Key: KEY, ExpressionAttributeNames: { '#a': 'a' } },
      'ExpressionAttributeNames can only be specified when using expressions',
    ],
    [
      'GetItem',
      { Key: KEY, ProjectionExpression: 'pk', ExpressionAttributeNames: { '#a': 'a' } },
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}',
    ],
    [
      'GetItem',
      { Key: KEY, ProjectionExpression: 'pk', ExpressionAttributeNames: {} },
      'ExpressionAttributeNames must not be empty',
    ],
    [
      'GetItem',
      { Key: KEY, ProjectionExpression: 'pk', AttributesToGet: ['pk'] },
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
    ],
    [
      'GetItem',
      { Key: KEY, ProjectionExpression: '#a', ExpressionAttributeNames: { a: 'a' } },
      'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"',
    ],
    [
      'PutItem',
      { Item: { pk: { S: 'a' } } },
      'One or more parameter values were invalid: Missing the key sk in the item',
    ],
    [
      'PutItem',
      { Item: { pk: { S: 'a' }, sk: { S: '1' } } },
      'One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S',
    ],
    [
      'PutItem',
      { Item: { ...KEY, bad: { SS: [] } } },
      'One or more parameter values were invalid: An string set  may not be empty',
    ],
    [
      'PutItem',
      { Item: KEY, ExpressionAttributeValues: { ':v': { S: 'x' } } },
      'ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null',
    ],
    [
      'PutItem',
      { Item: KEY, ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { N: 'x' } } },
      'ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: x for key :v',
    ],
    [
      'PutItem',
      { Item: KEY, ConditionExpression: '((attribute_not_exists(pk)))' },
      'Invalid ConditionExpression: The expression has redundant parentheses;',
    ],
    [
      'PutItem',
      {
        Item: KEY,
        ConditionExpression: 'contains(#a, #a)',
        ExpressionAttributeNames: { '#a': 'data' },
      },
      'Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [data]',
    ],
    ['PutItem', { Item: KEY, ReturnValues: 'ALL_NEW' }, 'Return values set to invalid value'],
    [
      'PutItem',
      { Item: { ...KEY, big: { S: 'x'.repeat(400 * 1024) } } },
      'Item size has exceeded the maximum allowed size',
    ],
    [
      'PutItem',
      { Item: { pk: { S: 'x'.repeat(2049) }, sk: { N: '1' } } },
      'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
    ],
    [
      'UpdateItem',
      {
        Key: KEY,
        UpdateExpression: 'SET pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
    ],
    [
      'UpdateItem',
      {
        Key: KEY,
        UpdateExpression: 'INVALID SYNTAX HERE',
        ExpressionAttributeValues: { ':v': { S: 'val' } },
      },
      'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"',
    ],
    [
      'UpdateItem',
      { Key: KEY, UpdateExpression: 'SET attr1 = :v' },
      'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v',
    ],
    [
      'UpdateItem',
      {
        Key: KEY,
        UpdateExpression: 'SET attr1 = :v',
        ExpressionAttributeValues: { ':v': { S: 'val' }, ':unused': { S: 'x' } },
      },
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
    ],
    [
      'UpdateItem',
      { Key: KEY, UpdateExpression: '' },
      'Invalid UpdateExpression: The expression can not be empty;',
    ],
    [
      'UpdateItem',
      { Key: KEY, ReturnValues: 'SOME' },
      "1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
    ],
    [
      'UpdateItem',
      {
        Key: KEY,
        UpdateExpression: 'SET a = :v',
        ExpressionAttributeValues: { ':v': { S: 'val' } },
        AttributeUpdates: { a: { Action: 'PUT', Value: { S: 'v' } } },
      },
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}',
    ],
    [
      'UpdateItem',
      {
        Key: KEY,
        UpdateExpression: 'SET t = t + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
      'The provided expression refers to an attribute that does not exist in the item',
    ],
    ['DeleteItem', { Key: KEY, ReturnValues: 'UPDATED_NEW' }, 'Return values set to invalid value'],
  ])('%s %j → %s', async (op, body, message) => {
    expect(await k.fail(op, { TableName: T, ...body })).toEqual({
      code: 'ValidationException',
      status: 400,
      message,
    });
  });

  it('refuse a failed condition and leave the item as it was', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM });
    for (const [op, body] of [
      ['PutItem', { Item: KEY, ConditionExpression: 'attribute_not_exists(pk)' }],
      [
        'UpdateItem',
        {
          Key: KEY,
          UpdateExpression: 'SET #s = :v',
          ConditionExpression: '#s = :old',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':v': { S: 'paid' }, ':old': { S: 'paid' } },
        },
      ],
      [
        'DeleteItem',
        {
          Key: KEY,
          ConditionExpression: 'price > :t',
          ExpressionAttributeValues: { ':t': { N: '100' } },
        },
      ],
    ] as const)
      expect(await k.fail(op, { TableName: T, ...body })).toEqual({
        code: 'ConditionalCheckFailedException',
        status: 400,
        message: 'The conditional request failed',
      });
    expect((await k.call('GetItem', { TableName: T, Key: KEY })).body.Item.state).toEqual({
      S: 'new',
    });
  });
});

describe('UpdateItem', () => {
  it('counts, appends, removes and returns what it was asked for', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM });
    const body = {
      TableName: T,
      Key: KEY,
      UpdateExpression:
        'SET price = price + :d, parts = list_append(parts, :l), seen = if_not_exists(seen, :zero) + :one REMOVE #s',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: {
        ':d': { N: '0.25' },
        ':l': { L: [{ S: 'y' }] },
        ':zero': { N: '0' },
        ':one': { N: '1' },
      },
    };
    const old = await k.call('UpdateItem', { ...body, ReturnValues: 'UPDATED_OLD' });
    expect(old.body.Attributes).toEqual({
      price: { N: '10.5' },
      parts: { L: [{ S: 'x' }] },
      state: { S: 'new' },
    });
    const now = await k.call('UpdateItem', {
      ...body,
      ExpressionAttributeValues: { ...body.ExpressionAttributeValues },
      UpdateExpression: body.UpdateExpression.replace(' REMOVE #s', ''),
      ExpressionAttributeNames: undefined,
      ReturnValues: 'UPDATED_NEW',
    });
    expect(now.body.Attributes).toEqual({
      price: { N: '11' },
      parts: { L: [{ S: 'x' }, { S: 'y' }, { S: 'y' }] },
      seen: { N: '2' },
    });
    const all = await k.call('UpdateItem', { TableName: T, Key: KEY, ReturnValues: 'ALL_NEW' });
    expect(all.body.Attributes.state).toBeUndefined();
  });

  it('creates the item from its key when it does not exist', async () => {
    const r = await k.call('UpdateItem', {
      TableName: T,
      Key: KEY,
      UpdateExpression: 'ADD visits :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    });
    expect(r.body.Attributes).toEqual({ ...KEY, visits: { N: '1' } });
  });
});

describe('DeleteItem', () => {
  it('deletes and returns the old item', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM });
    const r = await k.call('DeleteItem', { TableName: T, Key: KEY, ReturnValues: 'ALL_OLD' });
    expect(r.body.Attributes.pk).toEqual({ S: 'tenant-a' });
    expect((await k.call('GetItem', { TableName: T, Key: KEY })).body).toEqual({});
    expect(
      (await k.call('DeleteItem', { TableName: T, Key: KEY, ReturnValues: 'ALL_OLD' })).body,
    ).toEqual({});
  });
});

describe('authorization and audit of item calls', () => {
  it('passes DynamoDB condition keys to the authorizer', async () => {
    await k.call('PutItem', { TableName: T, Item: ITEM, ReturnValues: 'ALL_OLD' });
    await k.call('GetItem', { TableName: T, Key: KEY, ProjectionExpression: 'price, parts[0]' });
    await k.call('GetItem', { TableName: T, Key: KEY });
    await k
      .call('UpdateItem', {
        TableName: T,
        Key: KEY,
        UpdateExpression: 'SET a.b = :v REMOVE c',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        ReturnValues: 'UPDATED_NEW',
      })
      .catch(() => undefined);
    await k.call('DeleteItem', { TableName: T, Key: KEY });
    const ctxs = k.authorized.map((a) => [a.action, a.context]);
    expect(ctxs).toEqual([
      [
        'dynamodb:PutItem',
        {
          'dynamodb:LeadingKeys': ['tenant-a'],
          'dynamodb:Attributes': ['pk', 'sk', 'price', 'state', 'parts'],
          'dynamodb:ReturnValues': 'ALL_OLD',
          'dynamodb:ReturnConsumedCapacity': undefined,
        },
      ],
      [
        'dynamodb:GetItem',
        {
          'dynamodb:LeadingKeys': ['tenant-a'],
          'dynamodb:Attributes': ['price', 'parts'],
          'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
          'dynamodb:ReturnConsumedCapacity': undefined,
        },
      ],
      [
        'dynamodb:GetItem',
        {
          'dynamodb:LeadingKeys': ['tenant-a'],
          'dynamodb:Attributes': undefined,
          'dynamodb:Select': 'ALL_ATTRIBUTES',
          'dynamodb:ReturnConsumedCapacity': undefined,
        },
      ],
      [
        'dynamodb:UpdateItem',
        {
          'dynamodb:LeadingKeys': ['tenant-a'],
          'dynamodb:Attributes': ['a', 'c'],
          'dynamodb:ReturnValues': 'UPDATED_NEW',
          'dynamodb:ReturnConsumedCapacity': undefined,
        },
      ],
      [
        'dynamodb:DeleteItem',
        {
          'dynamodb:LeadingKeys': ['tenant-a'],
          'dynamodb:ReturnValues': 'NONE',
          'dynamodb:ReturnConsumedCapacity': undefined,
        },
      ],
    ]);
  });

  it('gives every write without ReturnValues dynamodb:ReturnValues NONE, and audits none', async () => {
    // DynamoDB's guide: the parameter always has a value, NONE unless otherwise specified
    const calls: [string, object][] = [
      ['PutItem', { TableName: T, Item: ITEM }],
      [
        'UpdateItem',
        {
          TableName: T,
          Key: KEY,
          UpdateExpression: 'SET price = :p',
          ExpressionAttributeValues: { ':p': { N: '11' } },
        },
      ],
      ['DeleteItem', { TableName: T, Key: KEY }],
    ];
    for (const [op, body] of calls) {
      k.authorized.length = 0;
      const ctx = k.ctx();
      await k.call(op, body, ctx);
      expect(k.authorized[0]?.context?.['dynamodb:ReturnValues'], op).toBe('NONE');
      expect(ctx.audit.requestParameters, op).not.toHaveProperty('returnValues');
    }
  });

  it('refuses with AccessDeniedException and writes nothing', async () => {
    k.refuse((r) => r.action === 'dynamodb:PutItem');
    const f = await k.fail('PutItem', { TableName: T, Item: ITEM });
    expect(f.code).toBe('AccessDeniedException');
    expect(f.status).toBe(400);
    k.refuse(() => false);
    expect((await k.call('GetItem', { TableName: T, Key: KEY })).body).toEqual({});
  });

  it('records a data event with key names and no values', async () => {
    const ctx = k.ctx();
    await k.call(
      'PutItem',
      { TableName: T, Item: ITEM, ConditionExpression: 'attribute_not_exists(pk)' },
      ctx,
    );
    expect(ctx.audit).toEqual({
      eventName: 'PutItem',
      eventSource: 'dynamodb.amazonaws.com',
      readOnly: false,
      eventCategory: 'Data',
      requestParameters: {
        tableName: T,
        key: { pk: 'HIDDEN_DUE_TO_SECURITY_REASONS', sk: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
        item: ['pk', 'sk', 'price', 'state', 'parts'],
        conditionExpression: 'attribute_not_exists(pk)',
      },
      responseElements: null,
      resources: [
        {
          ARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
          accountId: '123456789012',
          type: 'AWS::DynamoDB::Table',
        },
      ],
    });
    expect(JSON.stringify(ctx.audit)).not.toContain('tenant-a');
    expect(JSON.stringify(ctx.audit)).not.toContain('10.5');
  });

  it('records an item call refused for its input as a data event on its table', async () => {
    const table = {
      ARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
      accountId: '123456789012',
      type: 'AWS::DynamoDB::Table',
    };
    const cases: [string, object | string, boolean][] = [
      ['PutItem', { TableName: T, Item: { ...KEY, v: { N: 'notanumber' } } }, false],
      ['GetItem', { TableName: T }, true],
      ['UpdateItem', { TableName: T, Key: KEY, UpdateExpression: 'SET' }, false],
      ['DeleteItem', { TableName: T, Key: { pk: { N: 'x' } } }, false],
      ['Query', { TableName: T }, true],
      ['Scan', { TableName: T, Limit: 0 }, true],
      ['PutItem', '{"TableName":"orders","Item":', false],
    ];
    for (const [op, body, readOnly] of cases) {
      const ctx = k.ctx();
      await k.fail(op, body, ctx);
      expect(ctx.audit, op).toMatchObject({
        eventName: op,
        eventCategory: 'Data',
        readOnly,
        ...(typeof body === 'string' ? {} : { requestParameters: { tableName: T } }),
      });
      if (typeof body !== 'string') expect(ctx.audit.resources, op).toEqual([table]);
    }
    for (const op of ['BatchGetItem', 'BatchWriteItem']) {
      const ctx = k.ctx();
      const request =
        op === 'BatchGetItem'
          ? { [T]: { Keys: [{ pk: { S: 'a' }, sk: { N: 'nan' } }] } }
          : { [T]: [{ PutRequest: { Item: { pk: { S: 'a' }, sk: { N: 'nan' } } } }] };
      await k.fail(op, { RequestItems: request }, ctx);
      expect(ctx.audit, op).toMatchObject({
        eventName: op,
        eventCategory: 'Data',
        readOnly: op === 'BatchGetItem',
        requestParameters: { requestItems: [{ tableName: T }] },
        resources: [table],
      });
    }
  });

  it('keeps the parameters of a refused call', async () => {
    k.refuse(() => true);
    const ctx = k.ctx();
    await k.fail('GetItem', { TableName: T, Key: KEY, ProjectionExpression: 'price' }, ctx);
    expect(ctx.audit.requestParameters).toEqual({
      tableName: T,
      key: { pk: 'HIDDEN_DUE_TO_SECURITY_REASONS', sk: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
      projectionExpression: 'price',
    });
  });
});

describe('attribute names that are also JavaScript property names', () => {
  it('are data like any other: __proto__, constructor, toString', async () => {
    await k.call(
      'PutItem',
      '{"TableName":"orders","Item":{"pk":{"S":"p"},"sk":{"N":"1"},"__proto__":{"S":"x"},"m":{"M":{"__proto__":{"N":"1"}}}}}',
    );
    const got = await k.call('GetItem', { TableName: T, Key: { pk: { S: 'p' }, sk: { N: '1' } } });
    expect(got.text).toBe(
      '{"Item":{"pk":{"S":"p"},"sk":{"N":"1"},"__proto__":{"S":"x"},"m":{"M":{"__proto__":{"N":"1"}}}}}',
    );
    const u = await k.call('UpdateItem', {
      TableName: T,
      Key: { pk: { S: 'p' }, sk: { N: '1' } },
      UpdateExpression: 'SET #p = :v, m.#p = :v, #c = :v REMOVE #t',
      ConditionExpression: 'attribute_exists(#p) AND attribute_not_exists(#c.#p)',
      ExpressionAttributeNames: { '#p': '__proto__', '#c': 'constructor', '#t': 'toString' },
      ExpressionAttributeValues: { ':v': { S: 'q' } },
      ReturnValues: 'ALL_NEW',
    });
    expect(u.text).toBe(
      '{"Attributes":{"pk":{"S":"p"},"sk":{"N":"1"},"__proto__":{"S":"q"},"m":{"M":{"__proto__":{"S":"q"}}},"constructor":{"S":"q"}}}',
    );
    const f = await k.fail('UpdateItem', {
      TableName: T,
      Key: { pk: { S: 'p' }, sk: { N: '1' } },
      UpdateExpression: 'SET #t.x = :v',
      ExpressionAttributeNames: { '#t': 'toString' },
      ExpressionAttributeValues: { ':v': { S: 'q' } },
    });
    expect(f.message).toBe(
      'The document path provided in the update expression is invalid for update',
    );
    expect(({} as Record<string, unknown>).S).toBeUndefined();
  });

  it('never reach an operation through the target name', async () => {
    expect((await k.fail('constructor', {})).code).toBe('UnknownOperationException');
    expect((await k.fail('hasOwnProperty', {})).code).toBe('UnknownOperationException');
  });
});
