import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DynamoKit, dynamoKit } from './testing.js';

let k: DynamoKit;
const T = 'events';
const SORT_KEYS = [
  '-10',
  '-2.5',
  '0',
  '1E-130',
  '0.5',
  '2',
  '10',
  '99999999999999999999999999999999999999',
];

beforeEach(async () => {
  k = dynamoKit();
  await k.call('CreateTable', {
    TableName: T,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'kind', AttributeType: 'S' },
      { AttributeName: 'at', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'by-kind',
        KeySchema: [
          { AttributeName: 'kind', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'by-at',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  // shuffled inserts, two partitions
  for (const [i, sk] of [...SORT_KEYS].reverse().entries()) {
    await k.call('PutItem', {
      TableName: T,
      Item: {
        pk: { S: 'a' },
        sk: { N: sk },
        kind: { S: i % 2 ? 'odd' : 'even' },
        at: { S: `2026-01-0${i}` },
        body: { S: `item ${sk}` },
      },
    });
  }
  await k.call('PutItem', {
    TableName: T,
    Item: { pk: { S: 'b' }, sk: { N: '1' }, kind: { S: 'odd' } },
  });
  await k.call('PutItem', { TableName: T, Item: { pk: { S: 'ab' }, sk: { N: '1' } } });
  k.authorized.length = 0;
});
afterEach(() => k.close());

const sks = (r: { body: { Items: { sk: { N: string } }[] } }) => r.body.Items.map((i) => i.sk.N);
const q = (extra: object) =>
  k.call('Query', {
    TableName: T,
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': { S: 'a' } },
    ...extra,
  });

describe('Query', () => {
  it('reads one partition in numeric sort-key order, both ways', async () => {
    const r = await q({});
    expect(sks(r)).toEqual([
      '-10',
      '-2.5',
      '0',
      `0.${'0'.repeat(129)}1`,
      '0.5',
      '2',
      '10',
      SORT_KEYS[7],
    ]);
    expect(r.body.Count).toBe(8);
    expect(r.body.ScannedCount).toBe(8);
    expect(r.body.LastEvaluatedKey).toBeUndefined();
    const back = await q({ ScanIndexForward: false });
    expect(sks(back)[0]).toBe(SORT_KEYS[7]);
    expect(k.authorized[0]?.context).toMatchObject({
      'dynamodb:LeadingKeys': ['a'],
      'dynamodb:Select': 'ALL_ATTRIBUTES',
    });
  });

  it.each([
    ['pk = :p AND sk = :v', { ':v': { N: '2' } }, ['2']],
    ['pk = :p AND sk < :v', { ':v': { N: '0' } }, ['-10', '-2.5']],
    ['pk = :p AND sk <= :v', { ':v': { N: '0' } }, ['-10', '-2.5', '0']],
    ['pk = :p AND sk > :v', { ':v': { N: '2' } }, ['10', SORT_KEYS[7]]],
    ['pk = :p AND :v <= sk', { ':v': { N: '10' } }, ['10', SORT_KEYS[7]]],
    [
      'pk = :p AND sk BETWEEN :lo AND :hi',
      { ':lo': { N: '-2.5' }, ':hi': { N: '0.5' } },
      ['-2.5', '0', `0.${'0'.repeat(129)}1`, '0.5'],
    ],
    [
      '(sk >= :v) AND pk = :p',
      { ':v': { N: '99999999999999999999999999999999999999' } },
      [SORT_KEYS[7]],
    ],
  ])('%s', async (expr, values, expected) => {
    const r = await q({
      KeyConditionExpression: expr,
      ExpressionAttributeValues: { ':p': { S: 'a' }, ...values },
    });
    expect(sks(r)).toEqual(expected);
  });

  it('narrows begins_with on a string sort key to a key prefix', async () => {
    await k.call('CreateTable', {
      TableName: 'log',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    for (const sk of ['order#2', 'order#1', 'invoice#1', 'order', 'orders'])
      await k.call('PutItem', { TableName: 'log', Item: { pk: { S: 'u' }, sk: { S: sk } } });
    const r = await k.call('Query', {
      TableName: 'log',
      KeyConditionExpression: 'pk = :u AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':u': { S: 'u' }, ':o': { S: 'order#' } },
    });
    expect(r.body.Items.map((i: { sk: { S: string } }) => i.sk.S)).toEqual(['order#1', 'order#2']);
  });

  it('pages with Limit and ExclusiveStartKey, the filter applied after the limit', async () => {
    const seen: string[] = [];
    let start: unknown;
    let pages = 0;
    do {
      const r = await q({ Limit: 3, ExclusiveStartKey: start });
      seen.push(...sks(r));
      start = r.body.LastEvaluatedKey;
      pages++;
    } while (start);
    expect(seen).toEqual(sks(await q({})));
    expect(pages).toBe(3);
    const f = await q({
      Limit: 4,
      FilterExpression: 'kind = :k',
      ExpressionAttributeValues: { ':p': { S: 'a' }, ':k': { S: 'odd' } },
    });
    expect(f.body.ScannedCount).toBe(4);
    expect(f.body.Count).toBe(2);
    expect(f.body.LastEvaluatedKey).toEqual({ pk: { S: 'a' }, sk: { N: `0.${'0'.repeat(129)}1` } });
  });

  it('counts with Select COUNT and projects with ProjectionExpression', async () => {
    const c = await q({ Select: 'COUNT' });
    expect(c.body).toEqual({ Count: 8, ScannedCount: 8 });
    const p = await q({
      ProjectionExpression: 'sk, #b',
      ExpressionAttributeNames: { '#b': 'body' },
      Limit: 1,
    });
    expect(p.body.Items).toEqual([{ sk: { N: '-10' }, body: { S: 'item -10' } }]);
    expect(k.authorized.at(-1)?.context).toMatchObject({
      'dynamodb:Attributes': ['sk', 'body'],
      'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
    });
  });

  it('queries a global index (its projection) and a local one', async () => {
    const g = await k.call('Query', {
      TableName: T,
      IndexName: 'by-kind',
      KeyConditionExpression: 'kind = :k',
      ExpressionAttributeValues: { ':k': { S: 'odd' } },
    });
    // the item without `at` is not in the index
    expect(g.body.Items.map((i: { at?: { S: string } }) => i.at?.S)).toEqual([
      '2026-01-01',
      '2026-01-03',
      '2026-01-05',
      '2026-01-07',
    ]);
    expect(g.body.Items[0]).toEqual({
      pk: { S: 'a' },
      sk: { N: '10' },
      kind: { S: 'odd' },
      at: { S: '2026-01-01' },
    });
    expect(k.authorized.at(-1)?.resource).toBe(
      'arn:aws:dynamodb:us-east-1:123456789012:table/events/index/by-kind',
    );
    const l = await k.call('Query', {
      TableName: T,
      IndexName: 'by-at',
      KeyConditionExpression: 'pk = :p AND #at > :t',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':p': { S: 'a' }, ':t': { S: '2026-01-05' } },
      Limit: 1,
    });
    expect(l.body.Items[0].body).toEqual({ S: 'item -2.5' });
    expect(l.body.LastEvaluatedKey).toEqual({
      pk: { S: 'a' },
      sk: { N: '-2.5' },
      at: { S: '2026-01-06' },
    });
    const l2 = await k.call('Query', {
      TableName: T,
      IndexName: 'by-at',
      KeyConditionExpression: 'pk = :p AND #at > :t',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':p': { S: 'a' }, ':t': { S: '2026-01-05' } },
      ExclusiveStartKey: l.body.LastEvaluatedKey,
    });
    expect(l2.body.Items.map((i: { sk: { N: string } }) => i.sk.N)).toEqual(['-10']);
  });

  it.each([
    [
      { KeyConditionExpression: 'sk = :v', ExpressionAttributeValues: { ':v': { N: '1' } } },
      'Query condition missed key schema element: pk',
    ],
    [
      { KeyConditionExpression: 'body = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } },
      'Query condition missed key schema element: pk',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v AND body = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'Query condition missed key schema element: sk',
    ],
    [
      { KeyConditionExpression: 'pk > :v', ExpressionAttributeValues: { ':v': { S: 'x' } } },
      'Query key condition not supported',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v OR sk = :n',
        ExpressionAttributeValues: { ':v': { S: 'x' }, ':n': { N: '1' } },
      },
      'Invalid operator used in KeyConditionExpression: OR',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v AND sk <> :n',
        ExpressionAttributeValues: { ':v': { S: 'x' }, ':n': { N: '1' } },
      },
      'Invalid operator used in KeyConditionExpression: <>',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v AND attribute_exists(sk)',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'Invalid operator used in KeyConditionExpression: attribute_exists',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v AND pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'KeyConditionExpressions must only contain one condition per key',
    ],
    [
      { KeyConditionExpression: 'pk = :n', ExpressionAttributeValues: { ':n': { N: '1' } } },
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v AND begins_with(sk, :n)',
        ExpressionAttributeValues: { ':v': { S: 'x' }, ':n': { N: '1' } },
      },
      'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
    ],
    [
      { KeyConditionExpression: '', ExpressionAttributeValues: { ':v': { S: 'val' } } },
      'Invalid KeyConditionExpression: The expression can not be empty;',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        ExpressionAttributeNames: { '#unused': 'u' },
      },
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        FilterExpression: '#missing = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #missing',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        Select: 'INVALID_VALUE',
      },
      "1 validation error detected: Value 'INVALID_VALUE' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        Limit: 0,
      },
      "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        Select: 'COUNT',
        ProjectionExpression: 'sk',
      },
      '1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        Select: 'SPECIFIC_ATTRIBUTES',
      },
      '1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES',
    ],
    [
      {
        IndexName: 'by-kind',
        KeyConditionExpression: 'kind = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        ConsistentRead: true,
      },
      'Consistent reads are not supported on global secondary indexes',
    ],
    [
      {
        IndexName: 'nope',
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      'The table does not have the specified index: nope',
    ],
    [
      {},
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        FilterExpression: 'sk > :n',
        ExpressionAttributeValues: { ':v': { S: 'x' }, ':n': { N: '1' } },
      },
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: sk',
    ],
    [
      {
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
        ExclusiveStartKey: { pk: { S: 'x' } },
      },
      'The provided starting key is invalid: The provided key element does not match the schema',
    ],
  ])('refuses %j', async (body, message) => {
    expect(await k.fail('Query', { TableName: T, ...body })).toEqual({
      code: 'ValidationException',
      status: 400,
      message,
    });
  });
});

describe('Scan', () => {
  it('reads the whole table in pages, with a filter', async () => {
    const all = await k.call('Scan', { TableName: T });
    expect(all.body.Count).toBe(10);
    const seen: unknown[] = [];
    let start: unknown;
    do {
      const r = await k.call('Scan', { TableName: T, Limit: 4, ExclusiveStartKey: start });
      seen.push(...r.body.Items);
      start = r.body.LastEvaluatedKey;
    } while (start);
    expect(seen).toEqual(all.body.Items);
    const odd = await k.call('Scan', {
      TableName: T,
      FilterExpression: 'kind = :k AND sk > :z',
      ExpressionAttributeValues: { ':k': { S: 'odd' }, ':z': { N: '0' } },
    });
    expect(odd.body.Items.map((i: { sk: { N: string } }) => i.sk.N).sort()).toEqual([
      '0.5',
      '1',
      '10',
    ]);
    expect(odd.body.ScannedCount).toBe(10);
    expect(k.authorized.at(-1)?.context).toMatchObject({ 'dynamodb:Select': 'ALL_ATTRIBUTES' });
    expect(k.authorized.at(-1)?.context).not.toHaveProperty('dynamodb:LeadingKeys');
  });

  it('splits the table into disjoint segments', async () => {
    const parts = await Promise.all(
      [0, 1, 2].map((s) => k.call('Scan', { TableName: T, Segment: s, TotalSegments: 3 })),
    );
    expect(parts.reduce((n, p) => n + p.body.Count, 0)).toBe(10);
  });

  it.each([
    [
      { Segment: 0 },
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    ],
    [
      { TotalSegments: 4 },
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    ],
    [
      { Segment: 5, TotalSegments: 5 },
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5',
    ],
    [
      { Limit: 0 },
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      { Select: 'COUNT', ProjectionExpression: 'pk' },
      'Cannot specify the ProjectionExpression when choosing to get only the Count',
    ],
    [
      { FilterExpression: 'status = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } },
      'Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status',
    ],
    [
      { ExpressionAttributeValues: { ':v': { S: 'x' } } },
      'ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null',
    ],
  ])('refuses %j', async (body, message) => {
    expect(await k.fail('Scan', { TableName: T, ...body })).toEqual({
      code: 'ValidationException',
      status: 400,
      message,
    });
  });

  it('answers ResourceNotFoundException for a missing table', async () => {
    expect(await k.fail('Scan', { TableName: 'nope' })).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Requested resource not found',
    });
  });
});

describe('key attributes in a projection', () => {
  const refused = (kind: string, name: string) =>
    `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ${kind}: ${name}`;
  const key = { pk: { S: 'a' }, sk: { N: '2' } };
  const query = { TableName: T, KeyConditionExpression: 'pk = :p' };
  const p = { ':p': { S: 'a' } };

  it.each([
    [
      'GetItem',
      { Key: key, ProjectionExpression: '#a.b.c', ExpressionAttributeNames: { '#a': 'pk' } },
      'Key',
      'pk',
    ],
    ['GetItem', { Key: key, ProjectionExpression: 'sk[0]' }, 'Key', 'sk'],
    [
      'GetItem',
      { Key: key, ProjectionExpression: 'body, #at.x', ExpressionAttributeNames: { '#at': 'at' } },
      'IndexKey',
      'at',
    ],
    // named by the schema, the table's keys first
    ['GetItem', { Key: key, ProjectionExpression: 'kind[1], sk.x' }, 'Key', 'sk'],
    [
      'Query',
      { ...query, ExpressionAttributeValues: p, ProjectionExpression: 'pk.x' },
      'Key',
      'pk',
    ],
    [
      'Query',
      {
        ...query,
        KeyConditionExpression: 'kind = :k',
        IndexName: 'by-kind',
        ExpressionAttributeValues: { ':k': { S: 'odd' } },
        ProjectionExpression: 'kind.x',
      },
      'IndexKey',
      'kind',
    ],
    [
      'Scan',
      { ProjectionExpression: '#at[0]', ExpressionAttributeNames: { '#at': 'at' } },
      'IndexKey',
      'at',
    ],
    [
      'BatchGetItem',
      { RequestItems: { [T]: { Keys: [key], ProjectionExpression: 'sk.x' } } },
      'Key',
      'sk',
    ],
  ])('%s %# is refused when it reaches inside one', async (op, body, kind, name) => {
    const full = op === 'BatchGetItem' ? body : { TableName: T, ...body };
    expect(await k.fail(op, full)).toEqual({
      code: 'ValidationException',
      status: 400,
      message: refused(kind, name),
    });
  });

  it('projects inside any other attribute, and a key attribute whole', async () => {
    const got = await k.call('GetItem', {
      TableName: T,
      Key: key,
      ProjectionExpression: 'pk, body.x, #at',
      ExpressionAttributeNames: { '#at': 'at' },
    });
    expect(got.body).toEqual({ Item: { pk: { S: 'a' }, at: { S: '2026-01-02' } } });
  });
});

describe('secondary index keys on write', () => {
  const invalid = (message: string) => ({ code: 'ValidationException', status: 400, message });
  it('must have their defined type and not be empty, on PutItem, UpdateItem and BatchWriteItem', async () => {
    const base = { pk: { S: 'z' }, sk: { N: '1' } };
    expect(await k.fail('PutItem', { TableName: T, Item: { ...base, kind: { N: '5' } } })).toEqual(
      invalid(
        'One or more parameter values were invalid: Type mismatch for Index Key kind Expected: S Actual: N IndexName: by-kind',
      ),
    );
    expect(await k.fail('PutItem', { TableName: T, Item: { ...base, at: { S: '' } } })).toEqual(
      invalid(
        'One or more parameter values were invalid: A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-at, IndexKey: at',
      ),
    );
    expect(
      await k.fail('UpdateItem', {
        TableName: T,
        Key: base,
        UpdateExpression: 'SET kind = :n',
        ExpressionAttributeValues: { ':n': { N: '5' } },
      }),
    ).toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining('Index Key kind'),
    });
    expect(
      await k.fail('BatchWriteItem', {
        RequestItems: { [T]: [{ PutRequest: { Item: { ...base, kind: { BOOL: true } } } }] },
      }),
    ).toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining('Actual: BOOL'),
    });
    // nothing was written
    expect((await k.call('GetItem', { TableName: T, Key: base })).body).toEqual({});
  });
});

describe('a KEYS_ONLY global index', () => {
  const onIndex = { TableName: T, IndexName: 'by-kind', KeyConditionExpression: 'kind = :k' };
  it('holds only its keys and the table’s: filters, projections and ALL_ATTRIBUTES see nothing else', async () => {
    const values = { ':k': { S: 'odd' } };
    expect(
      await k.fail('Query', {
        ...onIndex,
        ExpressionAttributeValues: values,
        Select: 'ALL_ATTRIBUTES',
      }),
    ).toEqual({
      code: 'ValidationException',
      status: 400,
      message:
        'One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by-kind because its projection type is not ALL',
    });
    // a projection of an attribute it does not hold is refused, not answered empty
    expect(
      await k.fail('Query', {
        ...onIndex,
        ExpressionAttributeValues: values,
        ProjectionExpression: 'body, kind, #n.x',
        ExpressionAttributeNames: { '#n': 'nested' },
      }),
    ).toEqual({
      code: 'ValidationException',
      status: 400,
      message:
        'One or more parameter values were invalid: Global secondary index by-kind does not project [body, nested]',
    });
    expect(
      await k.fail('Scan', { TableName: T, IndexName: 'by-kind', ProjectionExpression: 'body' }),
    ).toMatchObject({ code: 'ValidationException' });
    const projected = await k.call('Query', {
      ...onIndex,
      ExpressionAttributeValues: values,
      ProjectionExpression: 'pk, kind',
    });
    const items = (projected.body as { Items: Record<string, unknown>[] }).Items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => 'pk' in i && 'kind' in i && Object.keys(i).length === 2)).toBe(true);
    const filtered = await k.call('Query', {
      ...onIndex,
      ExpressionAttributeValues: { ...values, ':b': { S: '' } },
      FilterExpression: 'body > :b',
    });
    expect((filtered.body as { Count: number }).Count).toBe(0);
    expect(
      await k.fail('Scan', { TableName: T, IndexName: 'by-kind', Select: 'ALL_ATTRIBUTES' }),
    ).toMatchObject({ code: 'ValidationException' });
  });
});
