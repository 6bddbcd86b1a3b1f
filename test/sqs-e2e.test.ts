/**
 * SQS end to end with the real clients against `irsa up`: the AWS CLI (which needs
 * `--endpoint-url` for sqs, spec/aws-wire.md §6.3), boto3 and @aws-sdk/client-sqs, each with
 * a role session that is allowed, and the refusals with SQS's exact errors — identity policy,
 * queue policy explicit deny, cross-account (both sides needed), aws:ResourceTag — garbage
 * bodies and unknown targets, and the old query protocol.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../src/sigv4/testing/sign.js';
import { ACCOUNT, type Creds, type Harness, allow, startHarness } from './support/harness.js';

const OTHER = '111122223333';
let h: Harness;
let full: Creds;
let none: Creds;
let tagged: Creds;
let foreign: Creds;
let foreignNoIdentity: Creds;
let foreignAdmin: Creds;

beforeAll(async () => {
  h = await startHarness();
  await h.createAccount(OTHER);
  full = await h.roleSession({ roleName: 'sqs-full', policies: [allow('sqs:*')] });
  none = await h.roleSession({ roleName: 'sqs-none', policies: [allow('s3:GetObject')] });
  tagged = await h.roleSession({
    roleName: 'sqs-red-only',
    policies: [
      allow('sqs:*', '*', { Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } } }),
    ],
  });
  foreign = await h.roleSession({
    roleName: 'partner',
    account: OTHER,
    policies: [allow(['sqs:SendMessage', 'sqs:GetQueueUrl'], `arn:aws:sqs:us-east-1:${ACCOUNT}:*`)],
  });
  foreignNoIdentity = await h.roleSession({
    roleName: 'partner-bare',
    account: OTHER,
    policies: [allow('s3:GetObject')],
  });
  foreignAdmin = await h.roleSession({
    roleName: 'partner-admin',
    account: OTHER,
    policies: [allow('sqs:*')],
  });
}, 120_000);

afterAll(() => h?.close());

const cli = (args: string[], creds: Creds) =>
  h.aws(['sqs', ...args, '--endpoint-url', h.server.edge, '--output', 'json'], creds);
const sqs = (creds: Creds) => new SQSClient(h.sdk(creds));
const denied = (who: string, action: string, resource: string, reason?: string) =>
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/${who}/${who}-session is not authorized to perform: sqs:${action} on resource: ${resource} ${reason ?? `because no identity-based policy allows the sqs:${action} action`}`;
const arn = (name: string, account = ACCOUNT) => `arn:aws:sqs:us-east-1:${account}:${name}`;

async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & Record<string, unknown>;
    return {
      name: err.name,
      message: err.message,
      Code: err.Code,
      status: (err.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode,
    };
  }
  throw new Error('expected a rejection');
}

describe('SQS with the AWS CLI', () => {
  it('creates, sends, receives and deletes', async () => {
    const c = await cli(['create-queue', '--queue-name', 'cli-q'], full);
    expect(c.stderr).toBe('');
    const url = JSON.parse(c.stdout).QueueUrl;
    expect(url).toBe(`${h.server.edge}/${ACCOUNT}/cli-q`);
    const s = await cli(['send-message', '--queue-url', url, '--message-body', 'hello'], full);
    expect(s.stderr).toBe('');
    expect(JSON.parse(s.stdout).MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    const r = await cli(['receive-message', '--queue-url', url, '--attribute-names', 'All'], full);
    expect(r.stderr).toBe('');
    const m = JSON.parse(r.stdout).Messages[0];
    expect(m.Body).toBe('hello');
    expect(m.Attributes.ApproximateReceiveCount).toBe('1');
    const d = await cli(
      ['delete-message', '--queue-url', url, '--receipt-handle', m.ReceiptHandle],
      full,
    );
    expect(d.stderr).toBe('');
    const a = await cli(
      ['get-queue-attributes', '--queue-url', url, '--attribute-names', 'All'],
      full,
    );
    expect(JSON.parse(a.stdout).Attributes.ApproximateNumberOfMessages).toBe('0');
    const l = await cli(['list-queues', '--queue-name-prefix', 'cli-'], full);
    expect(JSON.parse(l.stdout).QueueUrls).toEqual([url]);
  });

  it('lists the queues that use a queue as their dead-letter queue', async () => {
    const dlq = JSON.parse((await cli(['create-queue', '--queue-name', 'cli-dlq'], full)).stdout)
      .QueueUrl as string;
    const policy = JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:cli-dlq`,
      maxReceiveCount: 3,
    });
    for (const n of ['cli-src-b', 'cli-src-a'])
      expect(
        (
          await cli(
            [
              'create-queue',
              '--queue-name',
              n,
              '--attributes',
              JSON.stringify({ RedrivePolicy: policy }),
            ],
            full,
          )
        ).stderr,
      ).toBe('');
    const l = await cli(['list-dead-letter-source-queues', '--queue-url', dlq], full);
    expect(l.stderr).toBe('');
    expect(JSON.parse(l.stdout).queueUrls).toEqual([
      `${h.server.edge}/${ACCOUNT}/cli-src-a`,
      `${h.server.edge}/${ACCOUNT}/cli-src-b`,
    ]);
    const refused = await cli(['list-dead-letter-source-queues', '--queue-url', dlq], none);
    // SQS words its actions in lower case
    expect(refused.stderr).toContain('not authorized to perform: sqs:listdeadlettersourcequeues');
  });

  it('refuses a role without sqs permissions with SQS’s AccessDenied', async () => {
    const r = await cli(['create-queue', '--queue-name', 'nope'], none);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      `An error occurred (AccessDenied) when calling the CreateQueue operation: ${denied('sqs-none', 'createqueue', arn('nope'))}`,
    );
  });

  it('reports a missing queue with the legacy code', async () => {
    const r = await cli(['get-queue-url', '--queue-name', 'missing'], full);
    expect(r.stderr.trim()).toBe(
      'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.',
    );
  });

  it('refuses an invalid queue name', async () => {
    const r = await cli(['create-queue', '--queue-name', 'bad name'], full);
    expect(r.stderr.trim()).toBe(
      'An error occurred (InvalidParameterValue) when calling the CreateQueue operation: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  });
});

/** Every operation through boto3: the permitted role's results, then the bare role's errors. */
const BOTO_ALL = `
import boto3, json, os, sys
from botocore.exceptions import ClientError
mode = sys.argv[1] if len(sys.argv) > 1 else os.environ['MODE']
c = boto3.client('sqs')
url = os.environ['EDGE'] + '/${ACCOUNT}/boto-q'
out = {}
def run(name, fn):
    try:
        r = fn()
        r.pop('ResponseMetadata', None)
        out[name] = r
    except ClientError as e:
        out[name] = {'Error': e.response['Error'], 'Status': e.response['ResponseMetadata']['HTTPStatusCode']}
if mode == 'full':
    run('CreateQueue', lambda: c.create_queue(QueueName='boto-q', tags={'team': 'blue'}))
run('GetQueueUrl', lambda: c.get_queue_url(QueueName='boto-q'))
run('ListQueues', lambda: c.list_queues(QueueNamePrefix='boto-'))
run('SetQueueAttributes', lambda: c.set_queue_attributes(QueueUrl=url, Attributes={'VisibilityTimeout': '45'}))
run('GetQueueAttributes', lambda: c.get_queue_attributes(QueueUrl=url, AttributeNames=['VisibilityTimeout', 'QueueArn']))
run('TagQueue', lambda: c.tag_queue(QueueUrl=url, Tags={'env': 'dev'}))
run('ListQueueTags', lambda: c.list_queue_tags(QueueUrl=url))
run('UntagQueue', lambda: c.untag_queue(QueueUrl=url, TagKeys=['env']))
run('SendMessage', lambda: c.send_message(QueueUrl=url, MessageBody='hi', MessageAttributes={'k': {'DataType': 'String', 'StringValue': 'v'}}))
run('SendMessageBatch', lambda: c.send_message_batch(QueueUrl=url, Entries=[{'Id': 'a', 'MessageBody': 'one'}, {'Id': 'b', 'MessageBody': 'two'}]))
run('ReceiveMessage', lambda: c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=['All'], AttributeNames=['All']))
handles = [m['ReceiptHandle'] for m in out['ReceiveMessage'].get('Messages', [])] if mode == 'full' else ['x', 'y', 'z']
run('ChangeMessageVisibility', lambda: c.change_message_visibility(QueueUrl=url, ReceiptHandle=handles[0], VisibilityTimeout=60))
run('ChangeMessageVisibilityBatch', lambda: c.change_message_visibility_batch(QueueUrl=url, Entries=[{'Id': 'a', 'ReceiptHandle': handles[1], 'VisibilityTimeout': 60}]))
run('DeleteMessage', lambda: c.delete_message(QueueUrl=url, ReceiptHandle=handles[0]))
run('DeleteMessageBatch', lambda: c.delete_message_batch(QueueUrl=url, Entries=[{'Id': 'a', 'ReceiptHandle': handles[1]}, {'Id': 'b', 'ReceiptHandle': handles[2]}]))
run('PurgeQueue', lambda: c.purge_queue(QueueUrl=url))
if mode == 'none':
    run('CreateQueue', lambda: c.create_queue(QueueName='boto-q2'))
run('DeleteQueue', lambda: c.delete_queue(QueueUrl=url))
print(json.dumps(out))
`;

describe('SQS with boto3: every operation, allowed and refused', () => {
  let refused: Record<string, { Error: { Code: string; Message: string }; Status: number }>;
  /** the permitted role's results, as boto3 printed them */
  let allowed = '';

  // both roles' runs, once: the bare role first, while the queue exists
  beforeAll(async () => {
    await h.python(
      `import boto3, os\nboto3.client('sqs').create_queue(QueueName='boto-q', tags={'team': 'blue'})`,
      full,
    );
    const r0 = await h.python(BOTO_ALL, none, { EDGE: h.server.edge, MODE: 'none' });
    expect(r0.stderr).toBe('');
    refused = JSON.parse(r0.stdout);
    const r = await h.python(BOTO_ALL, full, { EDGE: h.server.edge, MODE: 'full' });
    expect(r.stderr).toBe('');
    allowed = r.stdout;
  }, 120_000);

  it('a role with sqs:* can call each operation', () => {
    const out = JSON.parse(allowed);
    const url = `${h.server.edge}/${ACCOUNT}/boto-q`;
    expect(out.CreateQueue).toEqual({ QueueUrl: url });
    expect(out.GetQueueUrl).toEqual({ QueueUrl: url });
    expect(out.ListQueues).toEqual({ QueueUrls: [url] });
    expect(out.GetQueueAttributes).toEqual({
      Attributes: { VisibilityTimeout: '45', QueueArn: arn('boto-q') },
    });
    expect(out.ListQueueTags).toEqual({ Tags: { team: 'blue', env: 'dev' } });
    expect(out.SendMessage.MD5OfMessageBody).toBe('49f68a5c8493ec2c0bf489821c21fc3b');
    expect(out.SendMessage.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(out.SendMessageBatch.Successful.map((e: { Id: string }) => e.Id)).toEqual(['a', 'b']);
    expect(out.ReceiveMessage.Messages.map((m: { Body: string }) => m.Body)).toEqual([
      'hi',
      'one',
      'two',
    ]);
    expect(out.ReceiveMessage.Messages[0].MessageAttributes).toEqual({
      k: { DataType: 'String', StringValue: 'v' },
    });
    expect(out.ChangeMessageVisibilityBatch).toEqual({ Successful: [{ Id: 'a' }], Failed: [] });
    expect(out.DeleteMessageBatch).toEqual({
      Successful: [{ Id: 'a' }, { Id: 'b' }],
      Failed: [],
    });
    for (const op of [
      'SetQueueAttributes',
      'TagQueue',
      'UntagQueue',
      'DeleteMessage',
      'PurgeQueue',
      'DeleteQueue',
      'ChangeMessageVisibility',
    ])
      expect(out[op], op).toEqual({});
  });

  it('a role without sqs permissions is refused each with AccessDenied in SQS’s words', () => {
    const actions: Record<string, string> = {
      SendMessageBatch: 'sendmessage',
      DeleteMessageBatch: 'deletemessage',
      ChangeMessageVisibilityBatch: 'changemessagevisibility',
    };
    const ops = Object.keys(refused);
    expect(ops.length).toBe(17);
    for (const op of ops) {
      const action = actions[op] ?? op.toLowerCase();
      const resource =
        op === 'ListQueues'
          ? `arn:aws:sqs:us-east-1:${ACCOUNT}:`
          : arn(op === 'CreateQueue' ? 'boto-q2' : 'boto-q');
      expect(refused[op], op).toEqual({
        Error: {
          Code: 'AccessDenied',
          Message: denied('sqs-none', action, resource),
          Type: 'Sender',
          QueryErrorCode: 'AccessDeniedException',
        },
        Status: 403,
      });
    }
  });
});

describe('the AWSTraceHeader system attribute (X-Ray, OpenTelemetry)', () => {
  it('is digested in MD5OfMessageSystemAttributes and received as a system attribute, over JSON and query', async () => {
    const r = await h.python(
      `
import boto3, hashlib, json, struct
c = boto3.client('sqs')
u = c.create_queue(QueueName='traced')['QueueUrl']
trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'
sent = c.send_message(QueueUrl=u, MessageBody='t', MessageSystemAttributes={'AWSTraceHeader': {'DataType': 'String', 'StringValue': trace}})
def lp(b):
  return struct.pack('>I', len(b)) + b
want = hashlib.md5(lp(b'AWSTraceHeader') + lp(b'String') + b'\x01' + lp(trace.encode())).hexdigest()
got = c.receive_message(QueueUrl=u, MessageSystemAttributeNames=['AWSTraceHeader'])['Messages'][0]
batch = c.send_message_batch(QueueUrl=u, Entries=[{'Id': 'a', 'MessageBody': 'b', 'MessageSystemAttributes': {'AWSTraceHeader': {'DataType': 'String', 'StringValue': trace}}}])['Successful'][0]
try:
  c.send_message(QueueUrl=u, MessageBody='t', MessageSystemAttributes={'Other': {'DataType': 'String', 'StringValue': 'x'}})
  bad = None
except Exception as e:
  bad = e.response['Error']['Code']
print(json.dumps([sent.get('MD5OfMessageSystemAttributes') == want, got['Attributes'], batch.get('MD5OfMessageSystemAttributes') == want, bad]))
`,
      full,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([
      true,
      { AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' },
      true,
      'InvalidParameterValue',
    ]);
    // the query protocol's MessageSystemAttribute.N
    const url = `${h.server.edge}/${ACCOUNT}/traced`;
    const body = new URLSearchParams({
      Action: 'SendMessage',
      Version: '2012-11-05',
      QueueUrl: url,
      MessageBody: 'q',
      'MessageSystemAttribute.1.Name': 'AWSTraceHeader',
      'MessageSystemAttribute.1.Value.DataType': 'String',
      'MessageSystemAttribute.1.Value.StringValue': 'Root=1-00000000-000000000000000000000000',
    }).toString();
    const q = await h.signedFetch({
      service: 'sqs',
      body,
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      creds: full,
    });
    const xml = await q.text();
    expect(q.status, xml).toBe(200);
    expect(xml).toMatch(
      /<MD5OfMessageSystemAttributes>[0-9a-f]{32}<\/MD5OfMessageSystemAttributes>/,
    );
  });
});

describe('SQS with the JS SDK', () => {
  it('runs the queue and message operations, with the SDK checking the MD5s', async () => {
    const c = sqs(full);
    const { QueueUrl } = await c.send(
      new CreateQueueCommand({ QueueName: 'js-q', Attributes: { VisibilityTimeout: '20' } }),
    );
    expect(QueueUrl).toBe(`${h.server.edge}/${ACCOUNT}/js-q`);
    expect((await c.send(new GetQueueUrlCommand({ QueueName: 'js-q' }))).QueueUrl).toBe(QueueUrl);
    expect((await c.send(new ListQueuesCommand({ QueueNamePrefix: 'js-' }))).QueueUrls).toEqual([
      QueueUrl,
    ]);
    const sent = await c.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'héllo wörld',
        MessageAttributes: {
          n: { DataType: 'Number', StringValue: '7' },
          b: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('héllo wörld').digest('hex'));
    await c.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'x', MessageBody: 'b1' },
          { Id: 'y', MessageBody: 'b2' },
        ],
      }),
    );
    const got = await c.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    const msgs = got.Messages ?? [];
    expect(msgs.map((m) => m.Body)).toEqual(['héllo wörld', 'b1', 'b2']);
    expect(msgs[0]?.MessageAttributes?.b?.BinaryValue).toEqual(new Uint8Array([1, 2, 3]));
    expect(msgs[0]?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(msgs[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    await c.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: msgs[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await c.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [{ Id: 'a', ReceiptHandle: msgs[1]?.ReceiptHandle, VisibilityTimeout: 100 }],
      }),
    );
    const again = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(again.Messages?.map((m) => m.Body)).toEqual(['héllo wörld']);
    await c.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages?.[0]?.ReceiptHandle }),
    );
    const del = await c.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [{ Id: 'a', ReceiptHandle: msgs[1]?.ReceiptHandle }],
      }),
    );
    expect(del.Successful).toEqual([{ Id: 'a' }]);
    await c.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: '1' } }));
    const attrs = await c.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(attrs.Attributes).toMatchObject({
      DelaySeconds: '1',
      VisibilityTimeout: '20',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    await c.send(new TagQueueCommand({ QueueUrl, Tags: { a: '1', b: '2' } }));
    await c.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['a'] }));
    expect((await c.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ b: '2' });
    await c.send(new PurgeQueueCommand({ QueueUrl }));
    await c.send(new DeleteQueueCommand({ QueueUrl }));
    expect(await rejection(c.send(new GetQueueUrlCommand({ QueueName: 'js-q' })))).toEqual({
      name: 'QueueDoesNotExist',
      message: 'The specified queue does not exist.',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      status: 400,
    });
  });

  it('long polling returns as soon as a message arrives', async () => {
    const c = sqs(full);
    const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'js-poll' }));
    const started = Date.now();
    const polling = c.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 300));
    await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'ping' }));
    const got = await polling;
    const ms = Date.now() - started;
    expect(got.Messages?.[0]?.Body).toBe('ping');
    expect(ms).toBeLessThan(5000);
  });

  it('refuses each operation for a role without permissions, name AccessDenied', async () => {
    const c = sqs(none);
    const url = `${h.server.edge}/${ACCOUNT}/boto-q`;
    // each call starts only when its turn comes, so no rejection goes unobserved meanwhile
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        'createqueue',
        () => c.send(new CreateQueueCommand({ QueueName: 'js-none' })),
        arn('js-none'),
      ],
      ['listqueues', () => c.send(new ListQueuesCommand({})), `arn:aws:sqs:us-east-1:${ACCOUNT}:`],
      [
        'sendmessage',
        () => c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })),
        arn('boto-q'),
      ],
      ['receivemessage', () => c.send(new ReceiveMessageCommand({ QueueUrl: url })), arn('boto-q')],
      [
        'getqueueattributes',
        () => c.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
        arn('boto-q'),
      ],
    ];
    for (const [action, send, resource] of cases) {
      expect(await rejection(send()), action).toEqual({
        name: 'AccessDenied',
        message: denied('sqs-none', action, resource),
        Code: 'AccessDenied',
        status: 403,
      });
    }
  });
});

describe('SQS authorization beyond the identity policy', () => {
  it('a queue policy’s explicit deny refuses even a role with sqs:*', async () => {
    const c = sqs(full);
    const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'guarded' }));
    await c.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/sqs-full` },
                Action: 'sqs:SendMessage',
                Resource: arn('guarded'),
              },
            ],
          }),
        },
      }),
    );
    expect(await rejection(c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).toEqual(
      {
        name: 'AccessDenied',
        message: denied(
          'sqs-full',
          'sendmessage',
          arn('guarded'),
          'with an explicit deny in a resource-based policy',
        ),
        Code: 'AccessDenied',
        status: 403,
      },
    );
    // other actions are still allowed by the identity policy
    expect((await c.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const bad = await rejection(
      c.send(
        new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '{"Statement":[]' } }),
      ),
    );
    expect(bad).toMatchObject({
      Code: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter Policy.',
    });
  });

  it('cross-account needs the queue policy and the caller’s identity policy', async () => {
    const owner = sqs(full);
    const { QueueUrl } = await owner.send(new CreateQueueCommand({ QueueName: 'shared' }));
    const partner = sqs(foreign);
    const partnerDenied = (action: string, reason: string) =>
      `User: arn:aws:sts::${OTHER}:assumed-role/partner/partner-session is not authorized to perform: sqs:${action} on resource: ${arn('shared')} ${reason}`;
    expect(
      await rejection(partner.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))),
    ).toMatchObject({
      name: 'AccessDenied',
      message: partnerDenied(
        'sendmessage',
        'because no resource-based policy allows the sqs:sendmessage action',
      ),
    });
    await owner.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
                Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'],
                Resource: arn('shared'),
              },
            ],
          }),
        },
      }),
    );
    const url = await partner.send(
      new GetQueueUrlCommand({ QueueName: 'shared', QueueOwnerAWSAccountId: ACCOUNT }),
    );
    expect(url.QueueUrl).toBe(QueueUrl);
    expect(
      (await partner.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from B' }))).MessageId,
    ).toBeTruthy();
    // the queue policy alone is not enough: the caller's account must allow it too
    expect(
      await rejection(
        sqs(foreignNoIdentity).send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })),
      ),
    ).toMatchObject({ name: 'AccessDenied' });
    // and what the queue policy does not grant stays refused
    expect(await rejection(partner.send(new ReceiveMessageCommand({ QueueUrl })))).toMatchObject({
      name: 'AccessDenied',
    });
    const got = await owner.send(
      new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['SenderId'] }),
    );
    expect(got.Messages?.[0]?.Body).toBe('from B');
    expect(got.Messages?.[0]?.Attributes?.SenderId).toMatch(/^AROA[A-Z0-9]+:partner-session$/);
  });

  it('another account’s queue is never a dead-letter target', async () => {
    await sqs(full).send(new CreateQueueCommand({ QueueName: 'victim' }));
    const partner = sqs(foreignAdmin);
    const policy = JSON.stringify({ deadLetterTargetArn: arn('victim'), maxReceiveCount: 1 });
    const refusal = {
      name: 'InvalidParameterValue',
      message: `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be in the same account and region as the source queue.`,
      Code: 'InvalidParameterValue',
      status: 400,
    };
    expect(
      await rejection(
        partner.send(
          new CreateQueueCommand({ QueueName: 'thief', Attributes: { RedrivePolicy: policy } }),
        ),
      ),
    ).toEqual(refusal);
    const { QueueUrl } = await partner.send(new CreateQueueCommand({ QueueName: 'thief' }));
    expect(QueueUrl).toBe(`${h.server.edge}/${OTHER}/thief`);
    expect(
      await rejection(
        partner.send(
          new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: policy } }),
        ),
      ),
    ).toEqual(refusal);
  });

  it('aws:ResourceTag decides by the queue’s tags', async () => {
    const owner = sqs(full);
    const red = (
      await owner.send(new CreateQueueCommand({ QueueName: 'red-q', tags: { team: 'red' } }))
    ).QueueUrl;
    const blue = (
      await owner.send(new CreateQueueCommand({ QueueName: 'blue-q', tags: { team: 'blue' } }))
    ).QueueUrl;
    const c = sqs(tagged);
    expect(
      (await c.send(new SendMessageCommand({ QueueUrl: red, MessageBody: 'ok' }))).MessageId,
    ).toBeTruthy();
    expect(
      await rejection(c.send(new SendMessageCommand({ QueueUrl: blue, MessageBody: 'no' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: denied('sqs-red-only', 'sendmessage', arn('blue-q')),
      Code: 'AccessDenied',
      status: 403,
    });
  });
});

describe('ChangeMessageVisibility with a handle no longer in flight', () => {
  const GONE = (handle: string) =>
    `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`;

  it('boto3: an expired handle is OK and changes nothing; a deleted message’s is InvalidParameterValue', async () => {
    const r = await h.python(
      `
import boto3, json
from botocore.exceptions import ClientError
c = boto3.client('sqs')
u = c.create_queue(QueueName='vis-boto')['QueueUrl']
c.send_message(QueueUrl=u, MessageBody='a')
# received with VisibilityTimeout 0: visible again at once, its handle expired
m = c.receive_message(QueueUrl=u, VisibilityTimeout=0)['Messages'][0]
ok = c.change_message_visibility(QueueUrl=u, ReceiptHandle=m['ReceiptHandle'], VisibilityTimeout=600)
ok.pop('ResponseMetadata')
again = c.receive_message(QueueUrl=u).get('Messages', [])
h = again[0]['ReceiptHandle']
c.delete_message(QueueUrl=u, ReceiptHandle=h)
try:
  c.change_message_visibility(QueueUrl=u, ReceiptHandle=h, VisibilityTimeout=10)
  err = None
except ClientError as e:
  err = {'Error': e.response['Error'], 'Status': e.response['ResponseMetadata']['HTTPStatusCode']}
b = c.change_message_visibility_batch(QueueUrl=u, Entries=[{'Id': 'gone', 'ReceiptHandle': h, 'VisibilityTimeout': 10}])
b.pop('ResponseMetadata')
print(json.dumps({'ok': ok, 'again': [x['Body'] for x in again], 'handle': h, 'err': err, 'batch': b}))
`,
      full,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.ok).toEqual({});
    expect(out.again).toEqual(['a']);
    expect(out.err).toEqual({
      Error: {
        Code: 'InvalidParameterValue',
        Message: GONE(out.handle),
        Type: 'Sender',
        QueryErrorCode: 'InvalidParameterValue',
      },
      Status: 400,
    });
    expect(out.batch).toEqual({
      Successful: [],
      Failed: [
        { Id: 'gone', SenderFault: true, Code: 'InvalidParameterValue', Message: GONE(out.handle) },
      ],
    });
  });

  it('the JS SDK and the query protocol get InvalidParameterValue for a deleted message’s handle', async () => {
    const c = sqs(full);
    const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'vis-js' }));
    await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));
    const got = await c.send(new ReceiveMessageCommand({ QueueUrl }));
    const handle = got.Messages?.[0]?.ReceiptHandle ?? '';
    await c.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: handle }));
    expect(
      await rejection(
        c.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: 10,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: GONE(handle),
      Code: 'InvalidParameterValue',
      status: 400,
    });
    const query = async (params: Record<string, string>) => {
      const res = await h.signedFetch({
        service: 'sqs',
        target: `/${ACCOUNT}/vis-js`,
        body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
        creds: full,
      });
      return { status: res.status, xml: await res.text() };
    };
    const single = await query({
      Action: 'ChangeMessageVisibility',
      ReceiptHandle: handle,
      VisibilityTimeout: '10',
    });
    expect(single.status, single.xml).toBe(400);
    expect(single.xml).toContain(
      `<Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>${GONE(handle)}</Message></Error>`,
    );
    const batch = await query({
      Action: 'ChangeMessageVisibilityBatch',
      'ChangeMessageVisibilityBatchRequestEntry.1.Id': 'gone',
      'ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle': handle,
      'ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout': '10',
    });
    expect(batch.status, batch.xml).toBe(200);
    expect(batch.xml).toContain(
      `<BatchResultErrorEntry><Id>gone</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>${GONE(handle)}</Message></BatchResultErrorEntry>`,
    );
  });
});

describe('SQS wire edge cases', () => {
  it('garbage JSON and unknown targets get JSON errors, never a 500', async () => {
    const c = sqs(full);
    c.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body: string; headers: Record<string, string> };
        const input = args.input as { QueueName?: string };
        if (input.QueueName === 'garbage') {
          req.body = '{"QueueName": ';
          req.headers['content-length'] = String(req.body.length);
        }
        if (input.QueueName === 'unknown')
          req.headers['x-amz-target'] = 'AmazonSQS.FrobnicateQueue';
        return next(args);
      },
      { step: 'build', name: 'tamper' },
    );
    expect(await rejection(c.send(new CreateQueueCommand({ QueueName: 'garbage' })))).toMatchObject(
      {
        name: 'SerializationException',
        status: 400,
      },
    );
    expect(await rejection(c.send(new CreateQueueCommand({ QueueName: 'unknown' })))).toMatchObject(
      {
        name: 'UnknownOperationException',
        status: 400,
      },
    );
  });

  it('a map value that is not a string is InvalidParameterValue over JSON, never stored as text', async () => {
    const json = async (op: string, input: unknown) => {
      const res = await h.signedFetch({
        service: 'sqs',
        body: JSON.stringify(input),
        headers: [
          ['Content-Type', 'application/x-amz-json-1.0'],
          ['X-Amz-Target', `AmazonSQS.${op}`],
        ],
        creds: full,
      });
      return {
        status: res.status,
        header: res.headers.get('x-amzn-query-error'),
        body: (await res.json()) as Record<string, unknown>,
      };
    };
    // a scalar of the wrong type, for comparison
    const { QueueUrl } = await sqs(full).send(new CreateQueueCommand({ QueueName: 'typed' }));
    expect(await json('SendMessage', { QueueUrl, MessageBody: 5 })).toEqual({
      status: 400,
      header: 'InvalidParameterValue;Sender',
      body: {
        __type: 'com.amazonaws.sqs#InvalidParameterValue',
        message: 'Value 5 for parameter MessageBody is invalid.',
      },
    });
    for (const [input, name] of [
      [{ QueueName: 'zz', tags: { a: 5 } }, 'tags'],
      [{ QueueName: 'zz', Attributes: { VisibilityTimeout: 10 } }, 'Attributes'],
      [{ QueueName: 'zz', Attributes: { FifoQueue: true } }, 'Attributes'],
    ] as const) {
      const r = await json('CreateQueue', input);
      expect(r, JSON.stringify(input)).toEqual({
        status: 400,
        header: 'InvalidParameterValue;Sender',
        body: {
          __type: 'com.amazonaws.sqs#InvalidParameterValue',
          message: `Value for parameter ${name} is invalid.`,
        },
      });
    }
    expect(
      await rejection(sqs(full).send(new GetQueueUrlCommand({ QueueName: 'zz' }))),
    ).toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('a query-protocol parameter naming __proto__ reaches no prototype, even when refused', async () => {
    const url = new URL(h.server.edge);
    const post = async (creds: Creds, body: string) => {
      const signed = signRequest({
        method: 'POST',
        target: `/${ACCOUNT}/proto-q`,
        headers: [
          ['Host', url.host],
          ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
        ],
        body,
        credentials: creds,
        region: 'us-east-1',
        service: 'sqs',
        now: new Date(),
      });
      const res = await fetch(`${h.server.edge}/${ACCOUNT}/proto-q`, {
        method: 'POST',
        headers: signed.headers,
        body,
      });
      return { status: res.status, body: await res.text() };
    };
    await sqs(full).send(new CreateQueueCommand({ QueueName: 'proto-q' }));
    const polluting = [
      'Action=SendMessage',
      'Version=2012-11-05',
      'MessageBody=x',
      'MessageAttribute.1.Name=__proto__',
      'MessageAttribute.1.Value.DataType=String',
      'MessageAttribute.1.Value.StringValue=kept',
      'MessageAttribute.1.__proto__.polluted=yes',
      'MessageAttribute.2.Name=a',
      'MessageAttribute.2.Value.__proto__.polluted=yes',
      'MessageAttribute.2.Value.constructor.prototype.polluted=yes',
      'MessageAttribute.2.Value.DataType=String',
      'MessageAttribute.2.Value.StringValue=b',
    ].join('&');
    const refused = await post(none, polluting);
    expect(refused.status).toBe(403);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const sent = await post(full, polluting);
    expect(sent.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const got = await post(
      full,
      'Action=ReceiveMessage&Version=2012-11-05&MessageAttributeName.1=All',
    );
    expect(got.status).toBe(200);
    expect(got.body).toContain(
      '<MessageAttribute><Name>__proto__</Name><Value><StringValue>kept</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
    expect(got.body).toContain(
      '<MessageAttribute><Name>a</Name><Value><StringValue>b</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
  });

  it('speaks the old query protocol to old clients, posted to the queue URL', async () => {
    await h.python(`import boto3\nboto3.client('sqs').create_queue(QueueName='old-q')`, full);
    const code = `
import os, urllib.request, botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
creds = botocore.session.get_session().get_credentials()
def call(path, body):
    req = AWSRequest(method='POST', url=os.environ['EDGE'] + path, data=body, headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
    SigV4Auth(creds, 'sqs', 'us-east-1').add_auth(req)
    r = urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers.items()), method='POST')
    try:
        with urllib.request.urlopen(r) as resp:
            return str(resp.status) + ' ' + resp.read().decode()
    except urllib.error.HTTPError as e:
        return str(e.code) + ' ' + e.read().decode()
print(call('/${ACCOUNT}/old-q', 'Action=SendMessage&Version=2012-11-05&MessageBody=old+style'))
print(call('/', 'Action=ReceiveMessage&Version=2012-11-05&QueueUrl=' + os.environ['EDGE'] + '/${ACCOUNT}/old-q&AttributeName.1=All'))
print(call('/', 'Action=GetQueueUrl&Version=2012-11-05&QueueName=nope'))
`;
    const r = await h.python(code, full, { EDGE: h.server.edge });
    expect(r.stderr).toBe('');
    const [send, recv, missing] = r.stdout.trim().split('\n');
    expect(send).toMatch(
      /^200 <\?xml version="1.0"\?><SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><MessageId>[0-9a-f-]{36}<\/MessageId><\/SendMessageResult><ResponseMetadata><RequestId>/,
    );
    expect(recv).toContain('<Message><MessageId>');
    expect(recv).toContain('<Body>old style</Body>');
    expect(recv).toContain(
      '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>',
    );
    const refused = await h.python(code, none, { EDGE: h.server.edge });
    expect(refused.stdout.trim().split('\n')[0]).toMatch(
      new RegExp(
        `^403 <ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${denied('sqs-none', 'sendmessage', arn('old-q'))}</Message></Error><RequestId>`,
      ),
    );
    expect(missing).toMatch(
      /^400 <ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS.SimpleQueueService.NonExistentQueue<\/Code><Message>The specified queue does not exist.<\/Message><\/Error><RequestId>/,
    );
  });
});
