/**
 * Random requests never crash SQS: over the JSON protocol's input and the query protocol's
 * flattened parameters, every answer is a success or an AwsError with a 4xx status (never a
 * TypeError, which the edge would turn into a 500), and nothing reaches Object.prototype.
 * Each request runs against a fresh store holding a standard queue, a FIFO queue and a
 * message in flight (the same receipt handle each time: the clock and random are fixed).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import { callContext, testRandom } from '../../iam/testing.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { createSqsOperations } from './index.js';
import { QueueNotifier } from './notifier.js';
import type { Input } from './params.js';
import { queryInput } from './wire.js';

const EDGE = 'http://127.0.0.1:4577';
const Q = `${EDGE}/123456789012/q`;
const FIFO = `${EDGE}/123456789012/f.fifo`;
const OPS = [
  'CreateQueue',
  'GetQueueUrl',
  'ListQueues',
  'DeleteQueue',
  'PurgeQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'TagQueue',
  'UntagQueue',
  'ListQueueTags',
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
];

/** A fresh service with two queues and one received message; its receipt handle. */
async function fresh() {
  const store = new SqliteStore(':memory:');
  const ops = createSqsOperations(
    {
      store,
      clock: fixedClock('2026-11-22T12:00:00Z'),
      random: testRandom(),
      authorize: async () => {},
    },
    new QueueNotifier(),
  );
  const call = (op: string, input: Input) =>
    (ops[op] as NonNullable<(typeof ops)[string]>)(callContext(), input);
  await call('CreateQueue', { QueueName: 'q', Attributes: { VisibilityTimeout: '30' } });
  await call('CreateQueue', { QueueName: 'f.fifo', Attributes: { FifoQueue: 'true' } });
  await call('CreateQueue', { QueueName: 'dlq' });
  await call('SendMessage', { QueueUrl: Q, MessageBody: 'one' });
  await call('SendMessage', { QueueUrl: Q, MessageBody: 'two' });
  const got = await call('ReceiveMessage', { QueueUrl: Q });
  const handle = (got.Messages as { ReceiptHandle: string }[])[0]?.ReceiptHandle ?? '';
  return { store, call, handle };
}

let handle = '';
beforeAll(async () => {
  const f = await fresh();
  handle = f.handle;
  f.store.close();
});

const protoNames = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const name = fc.oneof(
  fc.constantFrom('a', 'app.size', 'q', 'f.fifo', '', 'x'.repeat(81), ...protoNames),
  fc.string({ maxLength: 8 }),
);
const anyJson = fc.jsonValue({ maxDepth: 2 });
const redrive = (arn: string, count: unknown = 1) =>
  JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
const attributeValue = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '30',
    '900',
    '-1',
    'true',
    'false',
    'queue',
    'messageGroup',
    '',
    '{}',
    '{"Statement":[]',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"}]}',
    redrive('arn:aws:sqs:us-east-1:123456789012:dlq'),
    redrive('arn:aws:sqs:us-east-1:123456789012:f.fifo'),
    redrive('arn:aws:sqs:us-east-1:111122223333:dlq'),
    redrive('arn:aws:sqs:us-east-1:123456789012:dlq', '__proto__'),
  ),
  fc.string({ maxLength: 8 }),
  anyJson,
);
const attributes = fc.dictionary(
  fc.constantFrom(
    'VisibilityTimeout',
    'DelaySeconds',
    'MaximumMessageSize',
    'MessageRetentionPeriod',
    'FifoQueue',
    'ContentBasedDeduplication',
    'DeduplicationScope',
    'Policy',
    'RedrivePolicy',
    'KmsMasterKeyId',
    ...protoNames,
  ),
  attributeValue,
  { maxKeys: 3 },
);
const messageAttribute = fc.oneof(
  fc.record(
    {
      DataType: fc.oneof(
        fc.constantFrom('String', 'Number', 'Binary', 'String.x', 'Nope'),
        anyJson,
      ),
      StringValue: fc.oneof(fc.constantFrom('1', 'x', '', '1e400'), anyJson),
      BinaryValue: fc.oneof(fc.constantFrom('AAE=', '', '===='), anyJson),
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const messageAttributes = fc.oneof(fc.dictionary(name, messageAttribute, { maxKeys: 3 }), anyJson);
const receipt = fc.oneof(
  fc.constant('HANDLE'),
  fc.constantFrom(
    'garbage',
    '',
    Buffer.from('us-east-1:123456789012:q:0000000000000001\u0000x').toString('base64'),
  ),
  fc.string({ maxLength: 12 }),
  anyJson,
);
const int = fc.oneof(fc.integer({ min: -5, max: 50_000 }), fc.constantFrom('1', 'x', 1.5), anyJson);
const strings = fc.oneof(
  fc.array(fc.oneof(name, fc.constantFrom('All', '.*', 'app.*', 'SenderId')), { maxLength: 3 }),
  anyJson,
);
const entry = fc.record(
  {
    Id: fc.oneof(fc.constantFrom('a', 'b', '__proto__', 'x'.repeat(81), 'bad id'), anyJson),
    MessageBody: fc.oneof(fc.constantFrom('x', ''), fc.string({ maxLength: 8 }), anyJson),
    ReceiptHandle: receipt,
    VisibilityTimeout: int,
    DelaySeconds: int,
    MessageAttributes: messageAttributes,
    MessageGroupId: fc.constantFrom('g', '__proto__'),
    MessageDeduplicationId: fc.constantFrom('d', '__proto__', 'constructor'),
  },
  { requiredKeys: [] },
);
const jsonInput = fc.record(
  {
    QueueUrl: fc.oneof(
      fc.constantFrom(
        Q,
        FIFO,
        `${EDGE}/123456789012/nope`,
        `${EDGE}/111122223333/q`,
        '/123456789012/q',
        'http://x/1/2',
        '%',
        '',
      ),
      fc.string({ maxLength: 12 }),
      anyJson,
    ),
    QueueName: fc.oneof(name, anyJson),
    QueueOwnerAWSAccountId: fc.oneof(fc.constantFrom('123456789012', '111122223333', 'x'), anyJson),
    QueueNamePrefix: fc.oneof(name, anyJson),
    MaxResults: int,
    NextToken: fc.oneof(fc.constantFrom('', 'cQ', '!!!'), fc.string({ maxLength: 8 }), anyJson),
    Attributes: fc.oneof(attributes, anyJson),
    Tags: fc.oneof(
      fc.dictionary(name, fc.oneof(fc.string({ maxLength: 4 }), anyJson), { maxKeys: 3 }),
      anyJson,
    ),
    tags: fc.dictionary(name, fc.string({ maxLength: 4 }), { maxKeys: 3 }),
    TagKeys: strings,
    AttributeNames: strings,
    MessageAttributeNames: strings,
    MessageSystemAttributeNames: strings,
    MessageBody: fc.oneof(
      fc.constantFrom('x', '', 'a\u0001b'),
      fc.string({ maxLength: 8 }),
      anyJson,
    ),
    MessageAttributes: messageAttributes,
    DelaySeconds: int,
    MessageGroupId: fc.oneof(fc.constantFrom('g', '__proto__'), anyJson),
    MessageDeduplicationId: fc.oneof(
      fc.constantFrom('d', '__proto__', 'constructor', 'toString'),
      anyJson,
    ),
    MaxNumberOfMessages: int,
    VisibilityTimeout: int,
    // never a real wait: 0 or a value ReceiveMessage refuses
    WaitTimeSeconds: fc.constantFrom(0, -1, 21, 'x', 1.5),
    ReceiptHandle: receipt,
    Entries: fc.oneof(fc.array(entry, { maxLength: 11 }), anyJson),
  },
  { requiredKeys: ['WaitTimeSeconds'] },
);

const queryKey = fc.oneof(
  fc.constantFrom(
    'QueueUrl',
    'QueueName',
    'MessageBody',
    'DelaySeconds',
    'VisibilityTimeout',
    'MaxNumberOfMessages',
    'ReceiptHandle',
    'AttributeNames',
    'AttributeName.1',
    'AttributeName.x',
    'MessageAttributeName.1',
    'TagKey.1',
    'Attribute.1.Name',
    'Attribute.1.Value',
    'Tag.1.Key',
    'Tag.1.Value',
    'MessageAttribute.1.Name',
    'MessageAttribute.1.Value.DataType',
    'MessageAttribute.1.Value.StringValue',
    'MessageAttribute.1.Value',
    'MessageAttribute.1.__proto__.polluted',
    'MessageAttribute.1.Value.__proto__.polluted',
    'MessageAttribute.1.constructor.prototype.polluted',
    'SendMessageBatchRequestEntry.1.Id',
    'SendMessageBatchRequestEntry.1.MessageBody',
    'SendMessageBatchRequestEntry.1.MessageAttribute.1.__proto__.polluted',
    'DeleteMessageBatchRequestEntry.1.Id',
    'DeleteMessageBatchRequestEntry.1.ReceiptHandle',
    'ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout',
    '__proto__',
    '__proto__.1.polluted',
    'constructor.1',
    'Entries',
  ),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...protoNames, 'Value', 'Name', '1', '', 'MessageAttribute'),
        fc.string({ maxLength: 4 }),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
    .map((parts) => parts.join('.')),
);
const queryValue = fc.oneof(
  fc.constantFrom(Q, FIFO, 'HANDLE', 'String', 'Number', '1', 'yes', '', 'All'),
  fc.string({ maxLength: 8 }),
);
const queryParams = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 10 });

/** Runs one request; only AwsErrors below 500 may come out. */
async function survive(op: string, input: Input): Promise<void> {
  const f = await fresh();
  const withHandle = JSON.parse(
    JSON.stringify(input).replaceAll('"HANDLE"', JSON.stringify(handle)),
  ) as Input;
  try {
    await f.call(op, withHandle);
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    expect(e.httpStatus).toBeLessThan(500);
  } finally {
    f.store.close();
  }
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('random requests', () => {
  it.each(OPS)('%s over JSON answers or refuses, never crashes', async (op) => {
    await fc.assert(
      fc.asyncProperty(jsonInput, (input) => survive(op, input)),
      { numRuns: 60 },
    );
  });

  it.each(OPS)('%s over the query protocol answers or refuses, never crashes', async (op) => {
    await fc.assert(
      fc.asyncProperty(
        queryParams,
        fc.constantFrom('/', '/123456789012/q', '/123456789012/f.fifo/'),
        async (pairs, path) => {
          // never a real wait: ReceiveMessage gets WaitTimeSeconds 0
          const params = new Map([...pairs, ['WaitTimeSeconds', '0']]);
          await survive(op, queryInput(params, EDGE, path));
        },
      ),
      { numRuns: 60 },
    );
  });
});
