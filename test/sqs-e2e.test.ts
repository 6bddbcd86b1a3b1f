/**
 * SQS end to end with the real clients against `irsa up`: the AWS CLI (which needs
 * `--endpoint-url` for sqs, spec/aws-wire.md §6.3), boto3 and @aws-sdk/client-sqs, each with
 * a role session that is allowed, and the refusals with SQS's exact errors — identity policy,
 * queue policy explicit deny, cross-account (both sides needed), aws:ResourceTag — and the old
 * query protocol.
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Creds, type Harness, startHarness } from './support/harness.js';

let h: Harness;
let full: Creds;
let none: Creds;

const allow = (action: string | string[], resource: string | string[] = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

beforeAll(async () => {
  h = await startHarness();
  full = await h.roleSession({ roleName: 'sqs-full', policies: [allow('sqs:*')] });
  none = await h.roleSession({ roleName: 'sqs-none', policies: [allow('s3:GetObject')] });
}, 60_000);

afterAll(() => h?.close());

const cli = (args: string[], creds: Creds) =>
  h.aws(['sqs', ...args, '--endpoint-url', h.server.edge, '--output', 'json'], creds);

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
  });

  it('refuses a role without sqs permissions with SQS’s AccessDenied', async () => {
    const r = await cli(['create-queue', '--queue-name', 'nope'], none);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      `An error occurred (AccessDenied) when calling the CreateQueue operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/sqs-none/sqs-none-session is not authorized to perform: sqs:createqueue on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:nope because no identity-based policy allows the sqs:createqueue action`,
    );
  });

  it('reports a missing queue with the legacy code', async () => {
    const r = await cli(['get-queue-url', '--queue-name', 'missing'], full);
    expect(r.stderr.trim()).toBe(
      'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.',
    );
  });
});
