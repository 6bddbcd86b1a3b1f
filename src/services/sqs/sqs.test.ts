import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import { awsError, callContext, testRandom } from '../../iam/testing.js';
import type { AuthorizeRequest } from '../../server/aws/authorize.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import type { StoreOps } from '../../store/types.js';
import { forProtocol } from './errors.js';
import { createSqsOperations } from './index.js';
import { md5OfAttributes, md5OfBody } from './md5.js';
import { QueueNotifier } from './notifier.js';
import { queryInput, renderSqsQuery } from './wire.js';

interface Msg {
  Body?: string;
  MessageId?: string;
  ReceiptHandle?: string;
  MD5OfBody?: string;
  MD5OfMessageAttributes?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: unknown;
}

const URL_BASE = 'http://127.0.0.1:4577/123456789012';

let store: SqliteStore;
let clock: ReturnType<typeof fixedClock>;
let notifier: QueueNotifier;
let ops: ReturnType<typeof createSqsOperations>;
let calls: AuthorizeRequest[];
let deny: (r: AuthorizeRequest) => boolean;

const OTHER = '111122223333';
const ctx = () => callContext();
const call = (op: string, input: Record<string, unknown>) => {
  const f = ops[op];
  if (!f) throw new TypeError(op);
  return f(ctx(), input);
};
/** A call by a user of account OTHER. */
const callAsOther = (op: string, input: Record<string, unknown>) => {
  const f = ops[op];
  if (!f) throw new TypeError(op);
  return f(
    callContext({
      type: 'User',
      id: `arn:aws:iam::${OTHER}:user/b`,
      account: OTHER,
      partition: 'aws',
    }),
    input,
  );
};

beforeEach(() => {
  store = new SqliteStore(':memory:');
  clock = fixedClock('2026-11-22T12:00:00Z');
  notifier = new QueueNotifier();
  calls = [];
  deny = () => false;
  ops = createSqsOperations(
    {
      store,
      clock,
      random: testRandom(),
      authorize: async (_ctx, req) => {
        calls.push(req);
        if (deny(req))
          throw new AwsError(
            'AccessDenied',
            403,
            req.deniedMessage?.({ decision: 'implicitDeny', standard: `denied ${req.action}` }) ??
              'denied',
          );
      },
    },
    notifier,
  );
});

afterEach(() => store.close());

describe('MD5 digests', () => {
  it('hashes the body as hex', () => {
    expect(md5OfBody('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
  });
  it('hashes attributes sorted by name, length-prefixed, with transport bytes (vector from moto)', () => {
    expect(
      md5OfAttributes({
        b: { DataType: 'String', StringValue: 'héllo' },
        a: { DataType: 'Number', StringValue: '42' },
        bin: { DataType: 'Binary', BinaryValue: 'AAEC' },
        'Z.cust': { DataType: 'String.custom', StringValue: 'z' },
      }),
    ).toBe('f2b0fd8447ba24523540f6d6f22682a4');
    expect(md5OfAttributes({})).toBeUndefined();
  });
});

describe('queues', () => {
  it('creates idempotently and refuses different attributes with QueueNameExists', async () => {
    const a = await call('CreateQueue', {
      QueueName: 'q',
      Attributes: { VisibilityTimeout: '10' },
    });
    expect(a).toEqual({ QueueUrl: `${URL_BASE}/q` });
    expect(
      await call('CreateQueue', { QueueName: 'q', Attributes: { VisibilityTimeout: '10' } }),
    ).toEqual(a);
    const e = await awsError(
      call('CreateQueue', { QueueName: 'q', Attributes: { VisibilityTimeout: '20' } }),
    );
    expect([e.code, e.httpStatus]).toEqual(['QueueNameExists', 400]);
    expect(forProtocol('json', e).headers['x-amzn-query-error']).toBe('QueueAlreadyExists;Sender');
  });

  it.each([
    [
      'bad name',
      {},
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    ],
    [
      'x'.repeat(81),
      {},
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    ],
    [
      'f.fifo',
      {},
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
    ],
    [
      'nofifo',
      { FifoQueue: 'true' },
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
    ],
  ])('refuses the name %j', async (name, Attributes, message) => {
    const e = await awsError(call('CreateQueue', { QueueName: name, Attributes }));
    expect([e.code, e.message]).toEqual(['InvalidParameterValue', message]);
  });

  it.each([
    [
      { VisibilityTimeout: '43201' },
      'InvalidAttributeValue',
      'Invalid value for the parameter VisibilityTimeout.',
    ],
    [
      { DelaySeconds: 'x' },
      'InvalidAttributeValue',
      'Invalid value for the parameter DelaySeconds.',
    ],
    [{ Colour: 'red' }, 'InvalidAttributeName', 'Unknown Attribute Colour.'],
    [
      {
        Policy:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}',
      },
      'InvalidAttributeValue',
      'Invalid value for the parameter Policy.',
    ],
  ])('refuses attributes %j', async (Attributes, code, message) => {
    const e = await awsError(call('CreateQueue', { QueueName: 'q', Attributes }));
    expect([e.code, e.message]).toEqual([code, message]);
    expect(await store.list('sqs-queues')).toEqual([]);
  });

  it('refuses a map value that is not a string, as it refuses a scalar member of the wrong type', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'typed' });
    // the scalar case, for comparison: MessageBody 5
    const body = await awsError(call('SendMessage', { QueueUrl, MessageBody: 5 }));
    expect([body.code, body.httpStatus]).toEqual(['InvalidParameterValue', 400]);
    for (const [op, input, name] of [
      ['CreateQueue', { QueueName: 'zz', tags: { a: 5 } }, 'tags'],
      ['CreateQueue', { QueueName: 'zz', Attributes: { VisibilityTimeout: 10 } }, 'Attributes'],
      ['CreateQueue', { QueueName: 'zz', Attributes: { FifoQueue: true } }, 'Attributes'],
      ['CreateQueue', { QueueName: 'zz', tags: { a: null } }, 'tags'],
      ['TagQueue', { QueueUrl, Tags: { a: false } }, 'Tags'],
      ['SetQueueAttributes', { QueueUrl, Attributes: { DelaySeconds: 1 } }, 'Attributes'],
    ] as const) {
      const e = await awsError(call(op, input));
      expect([e.code, e.httpStatus, e.message], `${op} ${JSON.stringify(input)}`).toEqual([
        'InvalidParameterValue',
        400,
        `Value for parameter ${name} is invalid.`,
      ]);
    }
    expect((await store.list('sqs-queues')).map((q) => q.key)).toEqual([
      'us-east-1:123456789012:typed',
    ]);
    expect(await call('ListQueueTags', { QueueUrl })).toEqual({});
    expect(
      await call('GetQueueAttributes', { QueueUrl, AttributeNames: ['DelaySeconds'] }),
    ).toEqual({ Attributes: { DelaySeconds: '0' } });
  });

  it('does not reuse a name within 60 seconds of deleting it', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'q' });
    await call('DeleteQueue', { QueueUrl });
    const e = await awsError(call('CreateQueue', { QueueName: 'q' }));
    expect([e.code, e.message]).toEqual([
      'QueueDeletedRecently',
      'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
    ]);
    clock.advance(61);
    await call('CreateQueue', { QueueName: 'q' });
  });

  it('lists by prefix with paging', async () => {
    for (const n of ['a1', 'a2', 'a3', 'b1']) await call('CreateQueue', { QueueName: n });
    const p1 = await call('ListQueues', { QueueNamePrefix: 'a', MaxResults: 2 });
    expect(p1.QueueUrls).toEqual([`${URL_BASE}/a1`, `${URL_BASE}/a2`]);
    const p2 = await call('ListQueues', {
      QueueNamePrefix: 'a',
      MaxResults: 2,
      NextToken: p1.NextToken,
    });
    expect(p2).toEqual({ QueueUrls: [`${URL_BASE}/a3`] });
    expect(calls.at(-1)?.resource).toBe('arn:aws:sqs:us-east-1:123456789012:');
    for (const NextToken of ['garbage', 'abcd', '!!!']) {
      const e = await awsError(call('ListQueues', { MaxResults: 2, NextToken }));
      expect([e.code, e.message], NextToken).toEqual([
        'InvalidParameterValue',
        'Invalid NextToken value.',
      ]);
    }
  });

  it('reports the queue attributes, computed ones included', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'q' });
    await call('SendMessage', { QueueUrl, MessageBody: 'a' });
    await call('SendMessage', { QueueUrl, MessageBody: 'b', DelaySeconds: 10 });
    await call('ReceiveMessage', { QueueUrl });
    const { Attributes } = await call('GetQueueAttributes', { QueueUrl, AttributeNames: ['All'] });
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
      CreatedTimestamp: String(Date.parse('2026-11-22T12:00:00Z') / 1000),
    });
    expect(Attributes).not.toHaveProperty('Policy');
    const e = await awsError(call('GetQueueAttributes', { QueueUrl, AttributeNames: ['Nope'] }));
    expect([e.code, e.message]).toEqual(['InvalidAttributeName', 'Unknown Attribute Nope.']);
  });

  it('answers QueueDoesNotExist after authorizing, and refuses before looking', async () => {
    const e = await awsError(
      call('GetQueueAttributes', { QueueUrl: `${URL_BASE}/nope`, AttributeNames: ['All'] }),
    );
    expect(forProtocol('json', e).headers).toEqual({
      'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender',
    });
    expect(forProtocol('query', e).code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    deny = () => true;
    const d = await awsError(
      call('SendMessage', { QueueUrl: `${URL_BASE}/nope`, MessageBody: 'x' }),
    );
    expect(d.code).toBe('AccessDenied');
    expect(d.message).toBe('denied sqs:sendmessage');
    const j = forProtocol('json', d);
    expect([j.code, j.httpStatus, j.headers['x-amzn-query-error']]).toEqual([
      'AccessDeniedException',
      403,
      'AccessDenied;Sender',
    ]);
  });

  it('authorizes with the queue policy and its tags as aws:ResourceTag', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }],
    });
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'q',
      Attributes: { Policy: policy },
      tags: { team: 'red' },
    });
    expect(calls.map((c) => c.action)).toEqual(['sqs:CreateQueue', 'sqs:TagQueue']);
    expect(calls[0]?.context).toMatchObject({
      'aws:RequestTag/team': 'red',
      'aws:TagKeys': ['team'],
    });
    await call('SendMessage', { QueueUrl, MessageBody: 'x' });
    const last = calls.at(-1);
    expect(last?.resourcePolicy?.document.statements[0]?.effect).toBe('Deny');
    expect(last?.context).toMatchObject({ 'aws:ResourceTag/team': 'red' });
    expect(last?.resourceAccount).toBe('123456789012');
  });
});

describe('messages under a fixed clock', () => {
  let QueueUrl: string;
  beforeEach(async () => {
    QueueUrl = (
      await call('CreateQueue', { QueueName: 'q', Attributes: { VisibilityTimeout: '30' } })
    ).QueueUrl as string;
  });

  it('hides a received message for the visibility timeout, then shows it again', async () => {
    const sent = await call('SendMessage', { QueueUrl, MessageBody: 'hello' });
    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    const r1 = await call('ReceiveMessage', { QueueUrl, AttributeNames: ['All'] });
    const m1 = (r1.Messages as Msg[])[0];
    expect(m1).toMatchObject({
      Body: 'hello',
      MessageId: sent.MessageId,
      MD5OfBody: sent.MD5OfMessageBody,
    });
    expect(m1?.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(clock().getTime()),
      SenderId: 'AIDAEXAMPLEEXAMPLE000',
    });
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
    clock.advance(29);
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
    clock.advance(1);
    const r2 = await call('ReceiveMessage', {
      QueueUrl,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    const m2 = (r2.Messages as Msg[])[0];
    expect(m2?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    // the first handle is stale: deleting with it succeeds but deletes nothing
    await call('DeleteMessage', { QueueUrl, ReceiptHandle: m1?.ReceiptHandle });
    clock.advance(30);
    const r3 = await call('ReceiveMessage', { QueueUrl, VisibilityTimeout: 5 });
    const m3 = (r3.Messages as Msg[])[0];
    await call('DeleteMessage', { QueueUrl, ReceiptHandle: m3?.ReceiptHandle });
    clock.advance(60);
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
  });

  it('delays messages and drops them after the retention period', async () => {
    await call('SetQueueAttributes', { QueueUrl, Attributes: { MessageRetentionPeriod: '60' } });
    await call('SendMessage', { QueueUrl, MessageBody: 'late', DelaySeconds: 5 });
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
    clock.advance(5);
    expect(
      (await call('ReceiveMessage', { QueueUrl, VisibilityTimeout: 0 })).Messages,
    ).toHaveLength(1);
    clock.advance(55);
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
    expect(await store.list('sqs-messages')).toEqual([]);
  });

  it('returns the requested message attributes with their MD5', async () => {
    const MessageAttributes = {
      color: { DataType: 'String', StringValue: 'red' },
      'app.size': { DataType: 'Number', StringValue: '3' },
    };
    const sent = await call('SendMessage', { QueueUrl, MessageBody: 'x', MessageAttributes });
    expect(sent.MD5OfMessageAttributes).toBe(md5OfAttributes(MessageAttributes));
    const r = await call('ReceiveMessage', { QueueUrl, MessageAttributeNames: ['app.*'] });
    const m = (r.Messages as Msg[])[0];
    expect(m?.MessageAttributes).toEqual({ 'app.size': MessageAttributes['app.size'] });
    expect(m?.MD5OfMessageAttributes).toBe(
      md5OfAttributes({ 'app.size': MessageAttributes['app.size'] }),
    );
  });

  it.each([
    [
      { MessageBody: '' },
      'MissingParameter',
      'The request must contain the parameter MessageBody.',
    ],
    [
      { MessageBody: 'a\u0001b' },
      'InvalidMessageContents',
      "Invalid binary character '#x1' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    ],
    [
      { MessageBody: 'x', DelaySeconds: 901 },
      'InvalidParameterValue',
      'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
    ],
    [
      { MessageBody: 'x', MessageAttributes: { a: { DataType: 'String' } } },
      'InvalidParameterValue',
      "The message attribute 'a' with type 'String' must use field 'String'.",
    ],
  ])('refuses the message %j', async (input, code, message) => {
    const e = await awsError(call('SendMessage', { QueueUrl, ...input }));
    expect([e.code, e.message]).toEqual([code, message]);
    expect(await store.list('sqs-messages')).toEqual([]);
  });

  it('refuses a receipt handle it did not issue', async () => {
    const e = await awsError(call('DeleteMessage', { QueueUrl, ReceiptHandle: 'garbage' }));
    expect([e.code, e.httpStatus, e.message]).toEqual([
      'ReceiptHandleIsInvalid',
      404,
      'The input receipt handle "garbage" is not a valid receipt handle.',
    ]);
  });

  it('changes visibility of a message in flight; an expired handle is OK and changes nothing', async () => {
    await call('SendMessage', { QueueUrl, MessageBody: 'x' });
    const m = ((await call('ReceiveMessage', { QueueUrl })).Messages as Msg[])[0];
    await call('ChangeMessageVisibility', {
      QueueUrl,
      ReceiptHandle: m?.ReceiptHandle,
      VisibilityTimeout: 0,
    });
    const again = (
      (await call('ReceiveMessage', { QueueUrl, VisibilityTimeout: 0 })).Messages as Msg[]
    )[0];
    // visible again, not received since: AWS answers OK and leaves it visible (localstack#9632)
    expect(
      await call('ChangeMessageVisibility', {
        QueueUrl,
        ReceiptHandle: again?.ReceiptHandle,
        VisibilityTimeout: 10,
      }),
    ).toEqual({});
    const still = await call('ReceiveMessage', { QueueUrl, VisibilityTimeout: 5 });
    expect((still.Messages as Msg[]).map((x) => x.Body)).toEqual(['x']);
  });

  it('refuses the handle of a deleted message with InvalidParameterValue, in both protocols', async () => {
    await call('SendMessage', { QueueUrl, MessageBody: 'x' });
    const m = ((await call('ReceiveMessage', { QueueUrl })).Messages as Msg[])[0] as Msg;
    await call('DeleteMessage', { QueueUrl, ReceiptHandle: m.ReceiptHandle });
    const e = await awsError(
      call('ChangeMessageVisibility', {
        QueueUrl,
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 10,
      }),
    );
    expect([e.code, e.httpStatus, e.message]).toEqual([
      'InvalidParameterValue',
      400,
      `Value ${m.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    ]);
    expect(forProtocol('json', e).headers['x-amzn-query-error']).toBe(
      'InvalidParameterValue;Sender',
    );
    expect(forProtocol('query', e).code).toBe('InvalidParameterValue');
    const batch = await call('ChangeMessageVisibilityBatch', {
      QueueUrl,
      Entries: [{ Id: 'gone', ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10 }],
    });
    expect(batch).toEqual({
      Successful: [],
      Failed: [
        {
          Id: 'gone',
          SenderFault: true,
          Code: 'InvalidParameterValue',
          Message: e.message,
        },
      ],
    });
  });

  it('refuses the handle of an earlier receive of a message received again', async () => {
    await call('SendMessage', { QueueUrl, MessageBody: 'x' });
    const first = ((await call('ReceiveMessage', { QueueUrl })).Messages as Msg[])[0] as Msg;
    clock.advance(30);
    await call('ReceiveMessage', { QueueUrl });
    const e = await awsError(
      call('ChangeMessageVisibility', {
        QueueUrl,
        ReceiptHandle: first.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(e.code).toBe('InvalidParameterValue');
    // the second receive keeps its message hidden
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
  });

  it('a receive’s visibility cannot be extended past 12 hours from it', async () => {
    await call('SendMessage', { QueueUrl, MessageBody: 'long' });
    const got = await call('ReceiveMessage', { QueueUrl, VisibilityTimeout: 10 });
    const handle = ((got.Messages as Msg[])[0] as Msg).ReceiptHandle;
    clock.advance(5);
    // 5 s gone: 43,195 more is the most
    await call('ChangeMessageVisibility', {
      QueueUrl,
      ReceiptHandle: handle,
      VisibilityTimeout: 43_195,
    });
    const e = await awsError(
      call('ChangeMessageVisibility', {
        QueueUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: 43_200,
      }),
    );
    expect([e.code, e.message]).toEqual([
      'InvalidParameterValue',
      'Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
    ]);
  });

  it('batches: sends, reports per-entry failures, and checks ids', async () => {
    const r = await call('SendMessageBatch', {
      QueueUrl,
      Entries: [
        { Id: 'a', MessageBody: 'one' },
        { Id: 'b', MessageBody: '' },
      ],
    });
    expect((r.Successful as unknown[]).length).toBe(1);
    expect(r.Failed).toEqual([
      {
        Id: 'b',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageBody.',
      },
    ]);
    const e = await awsError(
      call('SendMessageBatch', {
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'x' },
          { Id: 'a', MessageBody: 'y' },
        ],
      }),
    );
    expect([e.code, e.message]).toEqual(['BatchEntryIdsNotDistinct', 'Id a repeated.']);
    const empty = await awsError(call('SendMessageBatch', { QueueUrl, Entries: [] }));
    expect(forProtocol('json', empty).headers['x-amzn-query-error']).toBe(
      'AWS.SimpleQueueService.EmptyBatchRequest;Sender',
    );
    const got = await call('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 10 });
    const del = await call('DeleteMessageBatch', {
      QueueUrl,
      Entries: (got.Messages as Msg[]).map((m, i) => ({
        Id: `m${i}`,
        ReceiptHandle: m.ReceiptHandle,
      })),
    });
    expect(del).toEqual({ Successful: [{ Id: 'm0' }], Failed: [] });
  });
});

describe('FIFO receive attempts', () => {
  it('a retry with the same ReceiveRequestAttemptId gets the same messages and handles', async () => {
    const QueueUrl = (
      await call('CreateQueue', {
        QueueName: 'att.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      })
    ).QueueUrl;
    await call('SendMessage', { QueueUrl, MessageBody: 'm1', MessageGroupId: 'g' });
    const first = await call('ReceiveMessage', { QueueUrl, ReceiveRequestAttemptId: 'att-1' });
    const m = (first.Messages as Msg[])[0] as Msg;
    expect(m.Body).toBe('m1');
    // the answer was lost: the retry gets it again, the message still in flight
    const again = await call('ReceiveMessage', { QueueUrl, ReceiveRequestAttemptId: 'att-1' });
    expect((again.Messages as Msg[]).map((x) => [x.Body, x.ReceiptHandle])).toEqual([
      ['m1', m.ReceiptHandle],
    ]);
    // another attempt is another receive: nothing visible
    expect(await call('ReceiveMessage', { QueueUrl, ReceiveRequestAttemptId: 'att-2' })).toEqual(
      {},
    );
    // remembered five minutes
    clock.set('2026-11-22T12:05:01Z');
    const later = await call('ReceiveMessage', { QueueUrl, ReceiveRequestAttemptId: 'att-1' });
    expect((later.Messages as Msg[])[0]?.ReceiptHandle).not.toBe(m.ReceiptHandle);
  });
});

describe('message attribute values', () => {
  it('String values take the body’s characters; Number values are decimal, 38 digits, 10^-128 to 10^126', async () => {
    const QueueUrl = (await call('CreateQueue', { QueueName: 'attrs' })).QueueUrl;
    const send = (DataType: string, StringValue: string) =>
      call('SendMessage', {
        QueueUrl,
        MessageBody: 'x',
        MessageAttributes: { a: { DataType, StringValue } },
      });
    for (const ok of [
      '5',
      '-0.5',
      '1e3',
      '.5',
      '12345678901234567890123456789012345678',
      '9e125',
      '1e-128',
    ])
      await send('Number', ok);
    await send('String', 'héllo ✓');
    for (const [type, bad, code] of [
      ['String', 'a\u0000b', 'invalid characters'],
      ['String', 'a\ufffeb', 'invalid characters'],
      ['Number', '0x10', 'to a number'],
      ['Number', ' 5 ', 'to a number'],
      ['Number', '1234567890123456789012345678901234567891', '38 significant digits'],
      ['Number', '1e126', 'beyond'],
      ['Number', '1e-129', 'beyond'],
    ] as const) {
      const e = await awsError(send(type, bad));
      expect([e.code, e.message.includes(code)], `${type} ${JSON.stringify(bad)}`).toEqual([
        'InvalidParameterValue',
        true,
      ]);
    }
  });
});

describe('batch size', () => {
  it('a batch is capped by SQS’s 1 MiB, each message by the queue’s MaximumMessageSize', async () => {
    const QueueUrl = (
      await call('CreateQueue', { QueueName: 'small', Attributes: { MaximumMessageSize: '1024' } })
    ).QueueUrl as string;
    const three = await call('SendMessageBatch', {
      QueueUrl,
      Entries: [0, 1, 2].map((i) => ({ Id: `e${i}`, MessageBody: 'a'.repeat(1000) })),
    });
    expect((three.Successful as unknown[]).length).toBe(3);
    const big = await awsError(
      call('SendMessageBatch', {
        QueueUrl: (await call('CreateQueue', { QueueName: 'big' })).QueueUrl,
        Entries: [0, 1].map((i) => ({ Id: `e${i}`, MessageBody: 'a'.repeat(600_000) })),
      }),
    );
    expect([big.code, big.message]).toEqual([
      'BatchRequestTooLong',
      'Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.',
    ]);
  });
});

describe('dead-letter queues', () => {
  it('a RedriveAllowPolicy is checked, and decides which sources may name the queue', async () => {
    const arn = (n: string) => `arn:aws:sqs:us-east-1:123456789012:${n}`;
    const redrive = (n: string) =>
      JSON.stringify({ deadLetterTargetArn: arn(n), maxReceiveCount: 5 });
    for (const bad of [
      '{"redrivePermission":"bogus"}',
      '{"redrivePermission":"byQueue"}',
      '{"redrivePermission":"denyAll","sourceQueueArns":["x"]}',
      '[]',
    ])
      expect(
        (
          await awsError(
            call('CreateQueue', { QueueName: 'dl-bad', Attributes: { RedriveAllowPolicy: bad } }),
          )
        ).code,
        bad,
      ).toBe('InvalidAttributeValue');
    await call('CreateQueue', {
      QueueName: 'dl-deny',
      Attributes: { RedriveAllowPolicy: '{"redrivePermission":"denyAll"}' },
    });
    await call('CreateQueue', {
      QueueName: 'dl-some',
      Attributes: {
        RedriveAllowPolicy: JSON.stringify({
          redrivePermission: 'byQueue',
          sourceQueueArns: [arn('src-ok')],
        }),
      },
    });
    const denied = await awsError(
      call('CreateQueue', {
        QueueName: 'src-x',
        Attributes: { RedrivePolicy: redrive('dl-deny') },
      }),
    );
    expect([denied.code, denied.message]).toEqual([
      'InvalidParameterValue',
      `Value ${redrive('dl-deny')} for parameter RedrivePolicy is invalid. Reason: Queue ${arn('src-x')} is not allowed to use the dead-letter queue by its RedriveAllowPolicy.`,
    ]);
    expect(
      (
        await awsError(
          call('CreateQueue', {
            QueueName: 'src-y',
            Attributes: { RedrivePolicy: redrive('dl-some') },
          }),
        )
      ).code,
    ).toBe('InvalidParameterValue');
    await call('CreateQueue', {
      QueueName: 'src-ok',
      Attributes: { RedrivePolicy: redrive('dl-some') },
    });
  });

  it('a RedrivePolicy is kept as SQS echoes it, and a count out of range is named', async () => {
    await call('CreateQueue', { QueueName: 'dl-echo' });
    const arn = 'arn:aws:sqs:us-east-1:123456789012:dl-echo';
    const QueueUrl = (
      await call('CreateQueue', {
        QueueName: 'src-echo',
        Attributes: {
          RedrivePolicy: `{"deadLetterTargetArn": "${arn}", "maxReceiveCount": "5"}`,
        },
      })
    ).QueueUrl;
    const got = await call('GetQueueAttributes', { QueueUrl, AttributeNames: ['RedrivePolicy'] });
    expect((got.Attributes as Record<string, string>).RedrivePolicy).toBe(
      `{"deadLetterTargetArn":"${arn}","maxReceiveCount":5}`,
    );
    const policy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 1001 });
    const e = await awsError(
      call('SetQueueAttributes', { QueueUrl, Attributes: { RedrivePolicy: policy } }),
    );
    expect(e.message).toBe(
      `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive.`,
    );
  });

  it('FIFO per-message-group throughput needs per-message-group deduplication', async () => {
    const e = await awsError(
      call('CreateQueue', {
        QueueName: 'f.fifo',
        Attributes: {
          FifoQueue: 'true',
          FifoThroughputLimit: 'perMessageGroupId',
          DeduplicationScope: 'queue',
        },
      }),
    );
    expect([e.code, e.message]).toEqual([
      'InvalidAttributeValue',
      'Invalid value for the parameter FifoThroughputLimit.',
    ]);
    const QueueUrl = (
      await call('CreateQueue', {
        QueueName: 'g.fifo',
        Attributes: {
          FifoQueue: 'true',
          FifoThroughputLimit: 'perMessageGroupId',
          DeduplicationScope: 'messageGroup',
        },
      })
    ).QueueUrl;
    expect(
      (
        await awsError(
          call('SetQueueAttributes', { QueueUrl, Attributes: { DeduplicationScope: 'queue' } }),
        )
      ).code,
    ).toBe('InvalidAttributeValue');
  });

  it('moves a message received maxReceiveCount times to the RedrivePolicy’s queue', async () => {
    const dlq = await call('CreateQueue', { QueueName: 'dlq' });
    const bad = await awsError(
      call('CreateQueue', {
        QueueName: 'src',
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:nope',
            maxReceiveCount: 2,
          }),
        },
      }),
    );
    expect(bad.message).toContain('Reason: Dead letter target does not exist.');
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'src',
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
          maxReceiveCount: 2,
        }),
      },
    });
    const sent = await call('SendMessage', { QueueUrl, MessageBody: 'poison' });
    for (let i = 0; i < 2; i++) {
      expect((await call('ReceiveMessage', { QueueUrl })).Messages).toHaveLength(1);
      clock.advance(1);
    }
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
    const dead = await call('ReceiveMessage', {
      QueueUrl: dlq.QueueUrl,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'DeadLetterQueueSourceArn'],
    });
    const m = (dead.Messages as Msg[])[0];
    expect([
      m?.MessageId,
      m?.Body,
      m?.Attributes?.ApproximateReceiveCount,
      m?.Attributes?.DeadLetterQueueSourceArn,
    ]).toEqual([sent.MessageId, 'poison', '3', 'arn:aws:sqs:us-east-1:123456789012:src']);
  });

  it('a queue that names itself as its dead-letter queue keeps redelivering, never loses', async () => {
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'loop',
      Attributes: { VisibilityTimeout: '1' },
    });
    await call('SetQueueAttributes', {
      QueueUrl,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:loop',
          maxReceiveCount: 1,
        }),
      },
    });
    const sent = await call('SendMessage', { QueueUrl, MessageBody: 'poison' });
    for (let i = 0; i < 4; i++) {
      const got = (await call('ReceiveMessage', { QueueUrl })).Messages as Msg[];
      expect(
        got.map((m) => m.MessageId),
        `receive ${i}`,
      ).toEqual([sent.MessageId]);
      clock.advance(1);
    }
  });
});

describe('dead-letter queues of another account or region', () => {
  const redrive = (arn: string) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 1 });
  const REASON =
    'Reason: Dead-letter queue must be in the same account and region as the source queue.';

  it('refuses another account’s queue as the target, in CreateQueue and SetQueueAttributes', async () => {
    await callAsOther('CreateQueue', { QueueName: 'victim' });
    const arn = `arn:aws:sqs:us-east-1:${OTHER}:victim`;
    const e = await awsError(
      call('CreateQueue', { QueueName: 'src', Attributes: { RedrivePolicy: redrive(arn) } }),
    );
    expect([e.code, e.message]).toEqual([
      'InvalidParameterValue',
      `Value ${redrive(arn)} for parameter RedrivePolicy is invalid. ${REASON}`,
    ]);
    expect((await store.list('sqs-queues')).map((i) => i.key)).toEqual([
      `us-east-1:${OTHER}:victim`,
    ]);
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'src' });
    const s = await awsError(
      call('SetQueueAttributes', { QueueUrl, Attributes: { RedrivePolicy: redrive(arn) } }),
    );
    expect([s.code, s.message]).toEqual([
      'InvalidParameterValue',
      `Value ${redrive(arn)} for parameter RedrivePolicy is invalid. ${REASON}`,
    ]);
    const r = await awsError(
      call('SetQueueAttributes', {
        QueueUrl,
        Attributes: { RedrivePolicy: redrive('arn:aws:sqs:eu-west-1:123456789012:src') },
      }),
    );
    expect(r.message).toContain(REASON);
  });

  it('checks the policy only after authorizing CreateQueue: no answer about other queues', async () => {
    deny = (req) => req.action === 'sqs:CreateQueue';
    const e = await awsError(
      call('CreateQueue', {
        QueueName: 'src',
        Attributes: {
          RedrivePolicy: redrive('arn:aws:sqs:us-east-1:123456789012:nope'),
          Policy:
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}',
        },
      }),
    );
    expect([e.code, e.message]).toEqual(['AccessDenied', 'denied sqs:createqueue']);
  });

  it('never moves messages to another account’s queue named by a policy stored before', async () => {
    await callAsOther('CreateQueue', { QueueName: 'victim' });
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'src' });
    const key = 'us-east-1:123456789012:src';
    await store.transaction(async (tx: StoreOps) => {
      const q = (await tx.get<{ attributes: Record<string, string> }>('sqs-queues', key))?.value;
      if (!q) throw new TypeError('no queue');
      q.attributes.RedrivePolicy = redrive(`arn:aws:sqs:us-east-1:${OTHER}:victim`);
      await tx.put('sqs-queues', key, q);
    });
    await call('SendMessage', { QueueUrl, MessageBody: 'mine' });
    for (let i = 0; i < 3; i++) {
      expect(
        (await call('ReceiveMessage', { QueueUrl, VisibilityTimeout: 0 })).Messages,
      ).toHaveLength(1);
    }
    expect(
      await callAsOther('ReceiveMessage', {
        QueueUrl: `${'http://127.0.0.1:4577'}/${OTHER}/victim`,
      }),
    ).toEqual({});
  });
});

describe('message attributes', () => {
  it('a Binary value that is not base64 is refused, not stored as sent', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'b64' });
    const e = await awsError(
      call('SendMessage', {
        QueueUrl,
        MessageBody: 'x',
        MessageAttributes: { a: { DataType: 'Binary', BinaryValue: '!!notb64' } },
      }),
    );
    expect([e.code, e.httpStatus]).toEqual(['InvalidParameterValue', 400]);
    expect(await store.list('sqs-messages')).toHaveLength(0);
  });
});

describe('FIFO queues', () => {
  it('a MessageGroupId or MessageDeduplicationId is 1–128 alphanumeric or punctuation characters', async () => {
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'ids.fifo',
      Attributes: { FifoQueue: 'true' },
    });
    for (const [group, dedup] of [
      ['g g', 'd'],
      ['g', 'd'.repeat(129)],
      ['', 'd'],
      ['é', 'd'],
    ]) {
      const e = await awsError(
        call('SendMessage', {
          QueueUrl,
          MessageBody: 'b',
          MessageGroupId: group,
          MessageDeduplicationId: dedup,
        }),
      );
      expect([e.code, e.httpStatus]).toEqual(['InvalidParameterValue', 400]);
    }
    const ok = await call('SendMessage', {
      QueueUrl,
      MessageBody: 'b',
      MessageGroupId: 'g!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~',
      MessageDeduplicationId: 'd'.repeat(128),
    });
    expect(ok.MessageId).toEqual(expect.any(String));
    expect(await store.list('sqs-messages')).toHaveLength(1);
  });

  it('deduplicates within five minutes and keeps a group in order while one is in flight', async () => {
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'f.fifo',
      Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
    });
    const e = await awsError(call('SendMessage', { QueueUrl, MessageBody: 'x' }));
    expect([e.code, e.message]).toEqual([
      'MissingParameter',
      'The request must contain the parameter MessageGroupId.',
    ]);
    const a = await call('SendMessage', { QueueUrl, MessageBody: 'a', MessageGroupId: 'g' });
    const dup = await call('SendMessage', { QueueUrl, MessageBody: 'a', MessageGroupId: 'g' });
    expect(dup.MessageId).toBe(a.MessageId);
    expect(a.SequenceNumber).toMatch(/^\d{20}$/);
    await call('SendMessage', { QueueUrl, MessageBody: 'b', MessageGroupId: 'g' });
    await call('SendMessage', { QueueUrl, MessageBody: 'c', MessageGroupId: 'h' });
    const first = await call('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 1 });
    expect((first.Messages as Msg[]).map((m) => m.Body)).toEqual(['a']);
    // g is locked while a is in flight; h is not
    const second = await call('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 10 });
    expect((second.Messages as Msg[]).map((m) => m.Body)).toEqual(['c']);
    clock.advance(301);
    await call('SendMessage', { QueueUrl, MessageBody: 'a', MessageGroupId: 'g' });
    expect((await store.list('sqs-messages')).length).toBe(4);
  });
});

describe('long polling', () => {
  it('returns as soon as a message arrives, woken by the notifier', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'q' });
    const started = performance.now();
    const waiting = call('ReceiveMessage', { QueueUrl, WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 50));
    expect(notifier.waiting('us-east-1:123456789012:q')).toBe(1);
    await call('SendMessage', { QueueUrl, MessageBody: 'now' });
    const got = await waiting;
    expect((got.Messages as Msg[])[0]?.Body).toBe('now');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(notifier.waiting('us-east-1:123456789012:q')).toBe(0);
  });

  it('gives up after the wait with no messages', async () => {
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'q',
      Attributes: { ReceiveMessageWaitTimeSeconds: '1' },
    });
    const started = performance.now();
    expect(await call('ReceiveMessage', { QueueUrl })).toEqual({});
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe('the query protocol', () => {
  it('reads flattened parameters into the JSON input shape', () => {
    const input = queryInput(
      new Map([
        ['Action', 'SendMessageBatch'],
        ['Version', '2012-11-05'],
        ['SendMessageBatchRequestEntry.2.Id', 'b'],
        ['SendMessageBatchRequestEntry.1.Id', 'a'],
        ['SendMessageBatchRequestEntry.1.MessageBody', 'one'],
        ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Name', 'color'],
        ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType', 'String'],
        ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue', 'red'],
        ['AttributeName.2', 'SentTimestamp'],
        ['AttributeName.1', 'All'],
      ]),
      'http://h:1',
      '/123456789012/q',
    );
    expect(input).toEqual({
      QueueUrl: 'http://h:1/123456789012/q',
      AttributeNames: ['All', 'SentTimestamp'],
      Entries: [
        {
          Id: 'a',
          MessageBody: 'one',
          MessageAttributes: { color: { DataType: 'String', StringValue: 'red' } },
        },
        { Id: 'b' },
      ],
    });
  });

  it('never walks into a prototype: __proto__, constructor and prototype segments are ignored', () => {
    const input = queryInput(
      new Map([
        ['Action', 'SendMessage'],
        ['MessageAttribute.1.__proto__.polluted', 'yes'],
        ['MessageAttribute.1.Name', 'a'],
        ['MessageAttribute.1.Value.__proto__.polluted', 'yes'],
        ['MessageAttribute.1.Value.constructor.prototype.polluted', 'yes'],
        ['MessageAttribute.1.Value.DataType', 'String'],
        ['MessageAttribute.1.Value.StringValue', 'x'],
        ['MessageAttribute.2.Name', '__proto__'],
        ['MessageAttribute.2.Value.DataType', 'String'],
        ['MessageAttribute.2.Value.StringValue', 'p'],
        ['Attribute.1.Name', '__proto__'],
        ['Attribute.1.Value', 'v'],
        ['Tag.1.Key', 'constructor'],
        ['Tag.1.Value', 'c'],
        ['__proto__', 'top'],
        ['AttributeNames', 'scalar'],
        ['AttributeName.1', 'All'],
      ]),
      'http://h:1',
      '/123456789012/q',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const attrs = input.MessageAttributes as Record<string, unknown>;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(['a', '__proto__']);
    expect(attrs.a).toEqual({ DataType: 'String', StringValue: 'x' });
    expect(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value).toEqual({
      DataType: 'String',
      StringValue: 'p',
    });
    expect(Object.keys(input.Attributes as object)).toEqual(['__proto__']);
    expect(Object.keys(input.Tags as object)).toEqual(['constructor']);
    expect(Object.hasOwn(input, '__proto__')).toBe(true);
    expect(input.AttributeNames).toEqual(['All']);
  });

  it('renders SQS’s flattened XML', () => {
    expect(renderSqsQuery('ListQueues', { QueueUrls: ['u1', 'u2'] }, 'rid')).toBe(
      '<?xml version="1.0"?><ListQueuesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl></ListQueuesResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ListQueuesResponse>',
    );
    expect(renderSqsQuery('GetQueueAttributes', { Attributes: { A: '1' } }, 'r')).toContain(
      '<GetQueueAttributesResult><Attribute><Name>A</Name><Value>1</Value></Attribute></GetQueueAttributesResult>',
    );
    expect(renderSqsQuery('DeleteMessage', {}, 'r')).not.toContain('DeleteMessageResult');
  });
});

describe('names that are Object.prototype’s', () => {
  it('keeps a message attribute named __proto__ or constructor, over JSON and query', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'q' });
    const MessageAttributes = JSON.parse(
      '{"__proto__":{"DataType":"String","StringValue":"p"},"constructor":{"DataType":"Number","StringValue":"1"}}',
    ) as Record<string, unknown>;
    const sent = await call('SendMessage', { QueueUrl, MessageBody: 'x', MessageAttributes });
    expect(sent.MD5OfMessageAttributes).toBeDefined();
    const viaQuery = queryInput(
      new Map([
        ['MessageBody', 'y'],
        ['MessageAttribute.1.Name', '__proto__'],
        ['MessageAttribute.1.Value.DataType', 'String'],
        ['MessageAttribute.1.Value.StringValue', 'p'],
        ['MessageAttribute.2.Name', 'constructor'],
        ['MessageAttribute.2.Value.DataType', 'Number'],
        ['MessageAttribute.2.Value.StringValue', '1'],
      ]),
      'http://127.0.0.1:4577',
      '/123456789012/q',
    );
    const sent2 = await call('SendMessage', viaQuery);
    expect(sent2.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    const got = await call('ReceiveMessage', {
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
    });
    for (const m of got.Messages as Msg[]) {
      const attrs = m.MessageAttributes as Record<string, unknown>;
      expect(Object.keys(attrs).sort()).toEqual(['__proto__', 'constructor']);
      expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
      expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    }
    const picked = await call('SendMessage', { QueueUrl, MessageBody: 'z', MessageAttributes });
    expect(picked.MessageId).toBeDefined();
  });

  it('deduplicates a FIFO message whose deduplication id is __proto__ or constructor', async () => {
    const { QueueUrl } = await call('CreateQueue', {
      QueueName: 'f.fifo',
      Attributes: { FifoQueue: 'true' },
    });
    for (const id of ['__proto__', 'constructor', 'toString']) {
      const send = () =>
        call('SendMessage', {
          QueueUrl,
          MessageBody: id,
          MessageGroupId: 'g',
          MessageDeduplicationId: id,
        });
      const a = await send();
      expect(a.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await send()).MessageId).toBe(a.MessageId);
    }
    expect((await store.list('sqs-messages')).length).toBe(3);
  });
});

describe('work per request', () => {
  it('GetQueueAttributes lists the messages only when a count is asked for', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'q' });
    await call('SendMessage', { QueueUrl, MessageBody: 'a' });
    const lists: string[] = [];
    const list = store.list.bind(store);
    store.list = (async (collection: string, opts?: { prefix?: string }) => {
      lists.push(collection);
      return list(collection, opts);
    }) as typeof store.list;
    const some = await call('GetQueueAttributes', {
      QueueUrl,
      AttributeNames: ['QueueArn', 'VisibilityTimeout'],
    });
    expect(some).toEqual({
      Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:q', VisibilityTimeout: '30' },
    });
    expect(lists).toEqual([]);
    const counted = await call('GetQueueAttributes', {
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    expect(counted).toEqual({ Attributes: { ApproximateNumberOfMessages: '1' } });
    expect(lists).toEqual(['sqs-messages']);
  });

  it('DeleteMessageBatch and ChangeMessageVisibilityBatch run one transaction, results per entry', async () => {
    const { QueueUrl } = await call('CreateQueue', { QueueName: 'q' });
    for (const b of ['a', 'b', 'c']) await call('SendMessage', { QueueUrl, MessageBody: b });
    const got = (await call('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 10 }))
      .Messages as Msg[];
    expect(got).toHaveLength(3);
    let transactions = 0;
    const transaction = store.transaction.bind(store);
    store.transaction = (<R>(fn: (tx: StoreOps) => Promise<R>) => {
      transactions++;
      return transaction(fn);
    }) as typeof store.transaction;
    const changed = await call('ChangeMessageVisibilityBatch', {
      QueueUrl,
      Entries: [
        { Id: 'a', ReceiptHandle: got[0]?.ReceiptHandle, VisibilityTimeout: 0 },
        { Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 5 },
        { Id: 'range', ReceiptHandle: got[1]?.ReceiptHandle, VisibilityTimeout: 50_000 },
        { Id: 'b', ReceiptHandle: got[1]?.ReceiptHandle, VisibilityTimeout: 100 },
      ],
    });
    expect(transactions).toBe(1);
    expect(changed.Successful).toEqual([{ Id: 'a' }, { Id: 'b' }]);
    expect((changed.Failed as { Id: string; Code: string }[]).map((f) => [f.Id, f.Code])).toEqual([
      ['bad', 'ReceiptHandleIsInvalid'],
      ['range', 'InvalidParameterValue'],
    ]);
    const deleted = await call('DeleteMessageBatch', {
      QueueUrl,
      Entries: [
        { Id: 'b', ReceiptHandle: got[1]?.ReceiptHandle },
        { Id: 'bad', ReceiptHandle: 'garbage' },
        { Id: 'c', ReceiptHandle: got[2]?.ReceiptHandle },
      ],
    });
    expect(transactions).toBe(2);
    expect(deleted.Successful).toEqual([{ Id: 'b' }, { Id: 'c' }]);
    expect((deleted.Failed as { Id: string }[]).map((f) => f.Id)).toEqual(['bad']);
    // a became visible again (timeout 0); b and c are gone
    const left = await call('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 10 });
    expect((left.Messages as Msg[]).map((m) => m.Body)).toEqual(['a']);
    expect((await store.list('sqs-messages')).length).toBe(1);
  });
});

describe('audit notes of sends', () => {
  it('record the body as CloudTrail does: HIDDEN_DUE_TO_SECURITY_REASONS, never the text', async () => {
    await call('CreateQueue', { QueueName: 'audited' });
    const url = `${URL_BASE}/audited`;
    const send = ops.SendMessage;
    const batch = ops.SendMessageBatch;
    if (!send || !batch) throw new TypeError('no send');
    const one = ctx();
    await send(one, { QueueUrl: url, MessageBody: 'card 4111 1111 1111 1111' });
    expect(one.audit.requestParameters).toEqual({
      queueUrl: url,
      messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    });
    const many = ctx();
    await batch(many, {
      QueueUrl: url,
      Entries: [
        { Id: 'a', MessageBody: 'first secret' },
        { Id: 'b', MessageBody: 'second secret' },
      ],
    });
    expect(many.audit.requestParameters).toEqual({
      queueUrl: url,
      entries: [
        { id: 'a', messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
        { id: 'b', messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
      ],
    });
    expect(JSON.stringify([one.audit, many.audit])).not.toMatch(/4111|secret/);
  });
});
