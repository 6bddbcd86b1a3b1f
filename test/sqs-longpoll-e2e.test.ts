/**
 * SQS long polls and the connection they wait on: a receiver that goes away takes nothing,
 * and a server that shuts down answers its waiting receives (empty) instead of cutting them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/up.js';
import { signRequest } from '../src/sigv4/testing/sign.js';
import { adminCredentials } from './support/harness.js';

let dir: string;
let server: RunningServer | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-longpoll-'));
  server = await startServer({ dataDir: dir, port: 0, issuerPort: 0, demo: false });
});
afterEach(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One SQS JSON call, signed with the admin key; `abortAfterMs` drops the connection. */
function sqs(
  target: string,
  input: object,
  abortAfterMs?: number,
): Promise<{ status: number; body: Record<string, unknown> } | 'aborted'> {
  const s = server as RunningServer;
  const body = JSON.stringify(input);
  const url = new URL(s.edge);
  const signed = signRequest({
    method: 'POST',
    target: '/',
    headers: [
      ['Host', url.host],
      ['Content-Type', 'application/x-amz-json-1.0'],
      ['X-Amz-Target', `AmazonSQS.${target}`],
    ],
    body,
    credentials: adminCredentials(dir),
    region: 'us-east-1',
    service: 'sqs',
    now: new Date(),
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: Object.fromEntries(signed.headers),
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text || '{}') as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', (e) => (abortAfterMs !== undefined ? resolve('aborted') : reject(e)));
    req.end(body);
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
  });
}

describe('SQS long polls', () => {
  it('a receiver that went away takes no message: the next receiver gets it', async () => {
    const made = await sqs('CreateQueue', { QueueName: 'lp' });
    const QueueUrl = (made as unknown as { body: { QueueUrl: string } }).body.QueueUrl;
    const gone = sqs('ReceiveMessage', { QueueUrl, WaitTimeSeconds: 20 }, 200);
    expect(await gone).toBe('aborted');
    await sqs('SendMessage', { QueueUrl, MessageBody: 'for the living' });
    const got = await sqs('ReceiveMessage', { QueueUrl, WaitTimeSeconds: 1 });
    expect(
      (got as unknown as { body: { Messages?: { Body: string }[] } }).body.Messages?.[0]?.Body,
    ).toBe('for the living');
  });

  it('a server that shuts down answers its waiting receives at once, empty', async () => {
    const made = await sqs('CreateQueue', { QueueName: 'lp2' });
    const QueueUrl = (made as unknown as { body: { QueueUrl: string } }).body.QueueUrl;
    const started = Date.now();
    const waiting = sqs('ReceiveMessage', { QueueUrl, WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 200));
    const closed = (server as RunningServer).close();
    server = undefined;
    expect(await waiting).toEqual({ status: 200, body: {} });
    await closed;
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
