/**
 * `irsa up --replicas 2`: two child processes serve the edge port on one store, the primary
 * coordinating. Connections are handed out in turn, so two keep-alive agents talk to two
 * different processes (GET /health says which); everything one process writes, the other must see at once — IAM, bucket
 * policies, tables, queue messages (and their long-poll wake-ups), the audit trail — and
 * concurrent writes through both lose nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Agent } from 'node:http';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Creds, type Harness, allow, startHarness } from './support/harness.js';

let h: Harness;
/** one keep-alive connection each: the first process and the second */
const agents: Agent[] = [];
/** which process each agent's connection reached (GET /health's `replica`) */
const served: number[] = [];

/** GET /health through `agent`. */
async function health(agent: Agent): Promise<{ replica: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${h.server.edge}/health`, { agent }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as { replica: number }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An SDK client's options that send every call over `agent`. */
function via(i: number, c: Creds = h.admin()) {
  return { ...h.sdk(c), requestHandler: { httpAgent: agents[i] as Agent } };
}

beforeAll(async () => {
  h = await startHarness({ demo: false, replicas: 2 });
  for (let i = 0; i < 2; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    served.push((await health(agent)).replica);
  }
}, 60_000);
afterAll(async () => {
  for (const a of agents) a.destroy();
  await h?.close();
  // the replicas stop with the server
  expect(replicaPids()).toEqual([]);
});

/** The edge replicas (children of this process, which runs the primary). */
function replicaPids(): number[] {
  return readdirSync('/proc')
    .filter((f) => /^\d+$/.test(f))
    .filter((f) => {
      try {
        const stat = readFileSync(`/proc/${f}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === process.pid &&
          readFileSync(`/proc/${f}/cmdline`, 'utf8').includes('edge-replica.js')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('irsa up --replicas 2', () => {
  it('hands connections to both processes in turn', () => {
    // the primary coordinates; the two replicas serve
    expect([...served].sort()).toEqual([1, 2]);
    expect(replicaPids()).toHaveLength(2);
  });

  it('a role made through one process is assumed and used through the other at once', async () => {
    await new IAMClient(via(0)).send(
      new CreateRoleCommand({
        RoleName: 'across',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const made = await new STSClient(via(1)).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/across`,
        RoleSessionName: 'ss',
      }),
    );
    const c = made.Credentials;
    const session: Creds = {
      accessKeyId: c?.AccessKeyId as string,
      secretAccessKey: c?.SecretAccessKey as string,
      sessionToken: c?.SessionToken,
    };
    const who = await new STSClient(via(0, session)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/across/ss`);
    // a policy granted through one process is in force in the other on the next call
    const s3 = new S3Client({ ...via(1, session), forcePathStyle: true });
    const admin = new S3Client({ ...via(0), forcePathStyle: true });
    await admin.send(new CreateBucketCommand({ Bucket: 'across' }));
    await admin.send(new PutObjectCommand({ Bucket: 'across', Key: 'k', Body: 'v' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'across', Key: 'k' }))).rejects.toThrow(
      /not authorized to perform: s3:GetObject/,
    );
    await new IAMClient(via(0)).send(
      new PutRolePolicyCommand({
        RoleName: 'across',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify(allow('s3:GetObject', 'arn:aws:s3:::across/*')),
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'across', Key: 'k' }));
    expect(await got.Body?.transformToString()).toBe('v');
    // and a bucket policy's deny, written through the other process, at once
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: 'across',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::across/*',
              Condition: { StringLike: { 'aws:userid': '*:ss' } },
            },
          ],
        }),
      }),
    );
    await expect(s3.send(new GetObjectCommand({ Bucket: 'across', Key: 'k' }))).rejects.toThrow(
      /explicit deny in a resource-based policy/,
    );
  });

  it('a table deleted through one process is gone for the other at once', async () => {
    const a = new DynamoDBClient(via(0));
    const b = new DynamoDBClient(via(1));
    await a.send(
      new CreateTableCommand({
        TableName: 'tbl',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await b.send(new PutItemCommand({ TableName: 'tbl', Item: { id: { S: '1' } } }));
    expect(
      (await a.send(new GetItemCommand({ TableName: 'tbl', Key: { id: { S: '1' } } }))).Item,
    ).toEqual({ id: { S: '1' } });
    await b.send(new DeleteTableCommand({ TableName: 'tbl' }));
    await expect(
      a.send(new GetItemCommand({ TableName: 'tbl', Key: { id: { S: '1' } } })),
    ).rejects.toThrow(/Requested resource not found/);
  });

  it('concurrent updates through both processes lose none', async () => {
    const clients = [new DynamoDBClient(via(0)), new DynamoDBClient(via(1))];
    await clients[0]?.send(
      new CreateTableCommand({
        TableName: 'counter',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // many connections per process: two more agents of several sockets each
    const many = [0, 1].map(() => new Agent({ keepAlive: true, maxSockets: 8 }));
    const add = (i: number) =>
      new DynamoDBClient({ ...h.sdk(), requestHandler: { httpAgent: many[i % 2] as Agent } }).send(
        new UpdateItemCommand({
          TableName: 'counter',
          Key: { id: { S: 'c' } },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    await Promise.all(Array.from({ length: 200 }, (_, i) => add(i)));
    for (const a of many) a.destroy();
    const got = await clients[1]?.send(
      new GetItemCommand({ TableName: 'counter', Key: { id: { S: 'c' } } }),
    );
    expect(got?.Item?.n).toEqual({ N: '200' });
  });

  it('a long poll waiting in one process wakes for a message sent through the other', async () => {
    const a = new SQSClient(via(0));
    const b = new SQSClient(via(1));
    const { QueueUrl } = await a.send(new CreateQueueCommand({ QueueName: 'across' }));
    const started = Date.now();
    const waiting = a.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await b.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const got = await waiting;
    expect(got.Messages?.[0]?.Body).toBe('hello');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a FIFO receive retried through the other process gets the same messages again', async () => {
    const a = new SQSClient(via(0));
    const b = new SQSClient(via(1));
    const { QueueUrl } = await a.send(
      new CreateQueueCommand({
        QueueName: 'across.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    await a.send(new SendMessageCommand({ QueueUrl, MessageBody: 'once', MessageGroupId: 'g' }));
    const receive = (c: SQSClient) =>
      c.send(new ReceiveMessageCommand({ QueueUrl, ReceiveRequestAttemptId: 'att-1' }));
    const first = await receive(a);
    const retried = await receive(b);
    expect(first.Messages?.[0]?.Body).toBe('once');
    expect(retried.Messages?.[0]?.ReceiptHandle).toBe(first.Messages?.[0]?.ReceiptHandle);
  });

  it("records both processes' calls in one trail, readable through either", async () => {
    const calls = await Promise.all(
      [0, 1].map((i) => new STSClient(via(i)).send(new GetCallerIdentityCommand({}))),
    );
    const ids = calls.map((c) => c.$metadata.requestId as string);
    for (const i of [0, 1]) {
      const found = await new CloudTrailClient(via(i)).send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' }],
        }),
      );
      const seen = (found.Events ?? []).map(
        (e) => (JSON.parse(e.CloudTrailEvent ?? '{}') as { requestID?: string }).requestID,
      );
      for (const id of ids) expect(seen).toContain(id);
    }
    // the CLI (admin API, through whichever process its connection reaches)
    for (const id of ids) {
      const why = await h.irsa(['why', id]);
      expect(why.code, why.stderr).toBe(0);
      expect(why.stdout).toContain('GetCallerIdentity');
    }
    // and the metrics (the primary's, wherever /metrics is asked) count the replica's calls
    const count = async () => {
      const text = await (await fetch(`${h.server.edge}/metrics`)).text();
      const m = /irsa_requests_total\{[^}]*action="GetCallerIdentity"[^}]*\} (\d+)/.exec(text);
      return Number(m?.[1] ?? 0);
    };
    const before = await count();
    const replica = served.indexOf(2);
    for (let i = 0; i < 3; i++)
      await new STSClient(via(replica)).send(new GetCallerIdentityCommand({}));
    // (they ride on the replica's next batch, or go on their own within 100 ms)
    let counted = 0;
    for (let i = 0; i < 20 && counted < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      counted = (await count()) - before;
    }
    expect(counted).toBe(3);
  });

  it('starts a replica again when it dies, and stops it with the server', async () => {
    const [pid] = replicaPids();
    process.kill(pid as number, 'SIGKILL');
    let again: number[] = [];
    for (let i = 0; i < 100 && again.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = replicaPids().filter((p) => p !== pid);
      if (again.length < 2) again = [];
    }
    expect(again).toHaveLength(2);
    // served again once it is ready: new connections reach both processes
    const seen = new Set<number>();
    for (let i = 0; i < 50 && seen.size < 2; i++) {
      const agent = new Agent({ keepAlive: false });
      seen.add((await health(agent)).replica);
      if (seen.size < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).toEqual(new Set([1, 2]));
  });
});
