/**
 * Random requests never crash the service: every answer is a success or an AwsError with a
 * 4xx status (never a TypeError, which the edge would turn into a 500), and a failed write
 * changes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { type DynamoKit, dynamoKit } from './testing.js';

let k: DynamoKit;
beforeAll(async () => {
  k = dynamoKit();
  await k.call('CreateTable', {
    TableName: 'fuzz',
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
  await k.call('PutItem', {
    TableName: 'fuzz',
    Item: {
      pk: { S: 'a' },
      sk: { N: '1' },
      m: { M: { x: { L: [{ N: '1' }] } } },
      s: { SS: ['q'] },
    },
  });
});
afterAll(() => k.close());

const name = fc.constantFrom('pk', 'sk', 'm', 's', 'x', '__proto__', 'constructor', '#n', ':v', '');
const attr: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ S: fc.oneof(fc.string(), fc.constant('a')) }),
    fc.record({ N: fc.oneof(fc.constantFrom('1', '-0', '1e400', 'x', '1.5'), fc.string()) }),
    fc.record({ B: fc.constantFrom('', 'AAE=', 'abc', '====') }),
    fc.record({ BOOL: fc.oneof(fc.boolean(), fc.string()) }),
    fc.record({ NULL: fc.oneof(fc.boolean(), fc.integer()) }),
    fc.record({ SS: fc.array(fc.string(), { maxLength: 3 }) }),
    fc.record({ NS: fc.array(fc.constantFrom('1', '2', 'x'), { maxLength: 3 }) }),
    fc.record({ L: fc.array(tie('value'), { maxLength: 3 }) }),
    fc.record({ M: fc.dictionary(name, tie('value'), { maxKeys: 3 }) }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
})).value;
const item = fc.dictionary(name, attr, { maxKeys: 4 });
const expr = fc.oneof(
  fc.constantFrom(
    'pk = :v',
    'SET m.x[0] = :v',
    'SET #n = #n + :v REMOVE s, m.x[3]',
    'ADD s :v DELETE s :v',
    'attribute_exists(__proto__)',
    'SET __proto__ = :v',
    'SET constructor.x = :v',
    'begins_with(pk, :v) AND size(m) > :v',
    'pk = :v AND sk BETWEEN :v AND :v',
    'm.x[99999999999999999999] = :v',
    '((a))',
    'REMOVE __proto__',
  ),
  fc.string(),
);
const body = fc.record(
  {
    TableName: fc.oneof(fc.constant('fuzz'), fc.constant('nope'), fc.jsonValue({ maxDepth: 1 })),
    Key: fc.oneof(
      item,
      fc.constant({ pk: { S: 'a' }, sk: { N: '1' } }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    Item: fc.oneof(item, fc.constant({ pk: { S: 'a' }, sk: { N: '2' }, __proto__: { S: 'p' } })),
    UpdateExpression: expr,
    ConditionExpression: expr,
    KeyConditionExpression: expr,
    FilterExpression: expr,
    ProjectionExpression: fc.oneof(fc.constantFrom('pk, m.x[0]', '#n', '__proto__'), fc.string()),
    ExpressionAttributeNames: fc.dictionary(
      fc.constantFrom('#n', '#x', 'n'),
      fc.oneof(name, fc.integer()),
      { maxKeys: 2 },
    ),
    ExpressionAttributeValues: fc.dictionary(fc.constantFrom(':v', ':w', 'v'), attr, {
      maxKeys: 2,
    }),
    ExclusiveStartKey: fc.oneof(item, fc.constant({ pk: { S: 'a' }, sk: { N: '1' } })),
    Limit: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string()),
    Select: fc.constantFrom('COUNT', 'ALL_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'x'),
    ReturnValues: fc.constantFrom('NONE', 'ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW', 'x'),
    Segment: fc.integer({ min: -1, max: 3 }),
    TotalSegments: fc.integer({ min: 0, max: 3 }),
    IndexName: fc.constantFrom('nope', 'x!'),
    AttributesToGet: fc.array(name, { maxLength: 2 }),
    ScanIndexForward: fc.oneof(fc.boolean(), fc.string()),
    ConsistentRead: fc.boolean(),
  },
  { requiredKeys: ['TableName'] },
);

describe('random requests', () => {
  it.each(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'])(
    '%s answers or refuses, never crashes',
    async (op) => {
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          try {
            await k.call(op, b);
          } catch (e) {
            if (!(e instanceof AwsError)) throw e;
            expect(e.httpStatus).toBeLessThan(500);
          }
        }),
        { numRuns: 300 },
      );
      expect(Object.prototype).not.toHaveProperty('S');
    },
  );
});
