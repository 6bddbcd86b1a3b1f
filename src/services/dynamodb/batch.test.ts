import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DynamoKit, dynamoKit } from './testing.js';

let k: DynamoKit;
beforeEach(async () => {
  k = dynamoKit();
  for (const TableName of ['aaa', 'bbb'])
    await k.call('CreateTable', {
      TableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  k.authorized.length = 0;
});
afterEach(() => k.close());

describe('BatchWriteItem and BatchGetItem', () => {
  it('write and read several tables at once', async () => {
    const w = await k.call('BatchWriteItem', {
      RequestItems: {
        aaa: [
          { PutRequest: { Item: { pk: { S: 'x' }, v: { N: '1' } } } },
          { PutRequest: { Item: { pk: { S: 'y' }, v: { N: '2' } } } },
        ],
        bbb: [{ PutRequest: { Item: { pk: { S: 'z' } } } }],
      },
    });
    expect(w.body).toEqual({ UnprocessedItems: {} });
    await k.call('BatchWriteItem', {
      RequestItems: { aaa: [{ DeleteRequest: { Key: { pk: { S: 'y' } } } }] },
    });
    const g = await k.call('BatchGetItem', {
      RequestItems: {
        aaa: { Keys: [{ pk: { S: 'x' } }, { pk: { S: 'y' } }], ProjectionExpression: 'v' },
        bbb: { Keys: [{ pk: { S: 'z' } }] },
      },
      ReturnConsumedCapacity: 'TOTAL',
    });
    expect(g.body).toEqual({
      Responses: { aaa: [{ v: { N: '1' } }], bbb: [{ pk: { S: 'z' } }] },
      UnprocessedKeys: {},
      ConsumedCapacity: [
        { TableName: 'aaa', CapacityUnits: 1 },
        { TableName: 'bbb', CapacityUnits: 0.5 },
      ],
    });
    expect(
      k.authorized.map((a) => [a.action, a.resource, a.context?.['dynamodb:LeadingKeys']]),
    ).toEqual([
      ['dynamodb:BatchWriteItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/aaa', ['x', 'y']],
      ['dynamodb:BatchWriteItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/bbb', ['z']],
      ['dynamodb:BatchWriteItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/aaa', ['y']],
      ['dynamodb:BatchGetItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/aaa', ['x', 'y']],
      ['dynamodb:BatchGetItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/bbb', ['z']],
    ]);
  });

  it('write nothing when one table refuses', async () => {
    k.refuse((r) => r.resource.endsWith('/bbb'));
    const f = await k.fail('BatchWriteItem', {
      RequestItems: {
        aaa: [{ PutRequest: { Item: { pk: { S: 'x' } } } }],
        bbb: [{ PutRequest: { Item: { pk: { S: 'z' } } } }],
      },
    });
    expect(f.code).toBe('AccessDeniedException');
    k.refuse(() => false);
    expect((await k.call('Scan', { TableName: 'aaa' })).body.Count).toBe(0);
  });

  it.each([
    [
      'BatchWriteItem',
      {},
      "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
    ],
    [
      'BatchWriteItem',
      { RequestItems: {} },
      "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'BatchWriteItem',
      {
        RequestItems: {
          aaa: [
            { PutRequest: { Item: { pk: { S: 'x' } } } },
            { DeleteRequest: { Key: { pk: { S: 'x' } } } },
          ],
        },
      },
      'Provided list of item keys contains duplicates',
    ],
    [
      'BatchWriteItem',
      { RequestItems: { aaa: [] } },
      "1 validation error detected: Value '{aaa=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
    ],
    [
      'BatchWriteItem',
      {
        RequestItems: {
          aaa: Array.from({ length: 13 }, (_, i) => ({
            PutRequest: { Item: { pk: { S: String(i) } } },
          })),
          bbb: Array.from({ length: 13 }, (_, i) => ({
            DeleteRequest: { Key: { pk: { S: String(i) } } },
          })),
        },
      },
      'Too many items requested for the BatchWriteItem call',
    ],
    [
      'BatchGetItem',
      { RequestItems: { aaa: { Keys: [{ pk: { S: 'x' } }, { pk: { S: 'x' } }] } } },
      'Provided list of item keys contains duplicates',
    ],
    [
      'BatchGetItem',
      { RequestItems: { aaa: { Keys: [] } } },
      "1 validation error detected: Value '[]' at 'requestItems.aaa.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'BatchGetItem',
      {
        RequestItems: {
          aaa: { Keys: Array.from({ length: 60 }, (_, i) => ({ pk: { S: String(i) } })) },
          bbb: { Keys: Array.from({ length: 60 }, (_, i) => ({ pk: { S: String(i) } })) },
        },
      },
      'Too many items requested for the BatchGetItem call',
    ],
    [
      'BatchGetItem',
      { RequestItems: { aaa: { Keys: [{ nope: { S: 'x' } }] } } },
      'The provided key element does not match the schema',
    ],
  ])('%s %# refuses bad input', async (op, body, message) => {
    expect(await k.fail(op, body)).toEqual({ code: 'ValidationException', status: 400, message });
  });

  it('refuses a table’s list of more than 25 writes as Coral does, the requests echoed as Java prints them', async () => {
    const writes = Array.from({ length: 26 }, (_, i) =>
      i % 2
        ? { DeleteRequest: { Key: { pk: { S: String(i) } } } }
        : { PutRequest: { Item: { pk: { S: String(i) }, v: { N: '1' } } } },
    );
    const f = await k.fail('BatchWriteItem', {
      RequestItems: { aaa: writes, bbb: [{ PutRequest: { Item: { pk: { S: 'z' } } } }] },
    });
    const value = 'com\\.amazonaws\\.dynamodb\\.v20120810\\.AttributeValue@[0-9a-f]+';
    const put = `WriteRequest\\(putRequest=PutRequest\\(item=\\{pk=${value}, v=${value}\\}, workloadProfileName=null\\), deleteRequest=null\\)`;
    const del = `WriteRequest\\(putRequest=null, deleteRequest=DeleteRequest\\(key=\\{pk=${value}\\}, workloadProfileName=null\\)\\)`;
    const list = Array.from({ length: 13 }, () => `${put}, ${del}`).join(', ');
    expect(f.code).toBe('ValidationException');
    expect(f.message).toMatch(
      new RegExp(
        `^1 validation error detected: Value '\\{aaa=\\[${list}\\], bbb=\\[${put.replace(`, v=${value}`, '')}\\]\\}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \\[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\\]$`,
      ),
    );
    // equal values, equal hashes (as Java's); the values themselves are not in them
    const hashes = [...f.message.matchAll(/AttributeValue@([0-9a-f]+)/g)].map((m) => m[1]);
    expect(new Set(hashes.filter((_, i) => i % 3 === 1 && i < 39)).size).toBe(1); // every v=1
    expect(f.message).not.toMatch(/=\{"?S"?/);
    // nothing written
    expect((await k.call('Scan', { TableName: 'aaa' })).body.Count).toBe(0);
  });

  it('refuses a table’s Keys of more than 100 as Coral does, the keys echoed', async () => {
    const f = await k.fail('BatchGetItem', {
      RequestItems: {
        aaa: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: { S: String(i) } })) },
      },
    });
    expect(f.message).toMatch(
      /^1 validation error detected: Value '\[\{pk=com\.amazonaws\.dynamodb\.v20120810\.AttributeValue@[0-9a-f]+\}(, \{pk=com\.amazonaws\.dynamodb\.v20120810\.AttributeValue@[0-9a-f]+\}){100}\]' at 'requestItems\.aaa\.member\.keys' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    );
  });

  it('answers ResourceNotFoundException for a missing table', async () => {
    expect(
      (await k.fail('BatchGetItem', { RequestItems: { zzz: { Keys: [{ pk: { S: 'x' } }] } } }))
        .code,
    ).toBe('ResourceNotFoundException');
  });

  it('records a data event per batch, values hidden', async () => {
    const ctx = k.ctx();
    await k.call(
      'BatchWriteItem',
      { RequestItems: { aaa: [{ PutRequest: { Item: { pk: { S: 'secret-id' } } } }] } },
      ctx,
    );
    expect(ctx.audit).toMatchObject({
      eventName: 'BatchWriteItem',
      eventCategory: 'Data',
      readOnly: false,
    });
    expect(JSON.stringify(ctx.audit)).not.toContain('secret-id');
  });
});
