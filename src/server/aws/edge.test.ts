import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { systemClock } from '../../common/clock.js';
import { type Authenticator, createAwsEdge } from './edge.js';
import type { Caller, ServiceHandler } from './types.js';

const caller: Caller = {
  principal: { type: 'User', id: 'arn:aws:iam::123456789012:user/u', partition: 'aws' },
  accessKeyId: 'AKIAEXAMPLEEXAMPLE00',
  account: '123456789012',
  userId: 'AIDAEXAMPLE',
};

/** every request signed for `service` and accepted */
const auth = (service: string): Authenticator => ({
  scope: () => ({ kind: 'header', service, region: 'us-east-1' }),
  verify: async () => ({
    ok: true,
    caller,
    region: 'us-east-1',
    auth: { kind: 'header', accessKeyId: caller.accessKeyId, presigned: false },
  }),
});

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(service: string, handler: ServiceHandler): Promise<string> {
  const edge = createAwsEdge({
    clock: systemClock,
    auth: auth(service),
    query: {},
    restJson: {},
    services: { [service]: handler },
    defaultRegion: 'us-east-1',
  });
  const server = createServer((req, res) => void edge(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const emfile = () =>
  Object.assign(new Error("EMFILE: too many open files, open '/data/s3/objects/ab/abcd'"), {
    code: 'EMFILE',
  });

describe('the edge out of file descriptors', () => {
  it('answers S3 with 503 SlowDown, not a 500, and names no path', async () => {
    const base = await serve('s3', async () => {
      throw emfile();
    });
    const r = await fetch(`${base}/bucket/key`, { method: 'PUT', body: 'x' });
    expect(r.status).toBe(503);
    const text = await r.text();
    expect(text).toContain(
      '<Code>SlowDown</Code><Message>Please reduce your request rate.</Message>',
    );
    expect(text).not.toContain('/data');
  });

  it('answers a JSON service with 503 ServiceUnavailable', async () => {
    const base = await serve('dynamodb', async () => {
      throw Object.assign(new Error('ENFILE'), { code: 'ENFILE' });
    });
    const r = await fetch(base, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.GetItem',
      },
      body: '{}',
    });
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ message: 'Service is unable to handle request.' });
  });

  it('any other unexpected error stays a 500 InternalFailure', async () => {
    const base = await serve('dynamodb', async () => {
      throw new Error('boom');
    });
    const r = await fetch(base, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.GetItem',
      },
      body: '{}',
    });
    expect(r.status).toBe(500);
  });
});

describe('JSON error bodies', () => {
  /** the body the edge sends for `err` thrown by `service`'s handler */
  async function body(service: string, target: string, err: AwsError): Promise<unknown> {
    const base = await serve(service, async () => {
      throw err;
    });
    const r = await fetch(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
      body: '{}',
    });
    expect(r.status).toBe(err.httpStatus);
    expect(r.headers.get('x-amzn-errortype')).toBe(err.code);
    return r.json();
  }
  const ddb = 'DynamoDB_20120810.GetItem';

  it('are DynamoDB’s own: coral.validate, coral.service, `Message` where DynamoDB writes it', async () => {
    expect(await body('dynamodb', ddb, new AwsError('ValidationException', 400, 'bad'))).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'bad',
    });
    // a body that is not JSON: no text at all
    expect(await body('dynamodb', ddb, new AwsError('SerializationException', 400, ''))).toEqual({
      __type: 'com.amazon.coral.service#SerializationException',
    });
    expect(
      await body('dynamodb', ddb, new AwsError('SerializationException', 400, 'Expected null')),
    ).toEqual({
      __type: 'com.amazon.coral.service#SerializationException',
      Message: 'Expected null',
    });
    expect(
      await body('dynamodb', ddb, new AwsError('AccessDeniedException', 400, 'User: x')),
    ).toEqual({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      Message: 'User: x',
    });
    expect(
      await body('dynamodb', ddb, new AwsError('ResourceNotFoundException', 400, 'gone')),
    ).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'gone',
    });
  });

  it('of the other JSON services keep their own shape', async () => {
    const sm = 'secretsmanager.GetSecretValue';
    expect(
      await body('secretsmanager', sm, new AwsError('ValidationException', 400, 'bad')),
    ).toEqual({ __type: 'com.amazonaws.secretsmanager#ValidationException', message: 'bad' });
    expect(
      await body('secretsmanager', sm, new AwsError('AccessDeniedException', 400, 'User: x')),
    ).toEqual({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: 'User: x',
    });
    expect(
      await body('secretsmanager', sm, new AwsError('SerializationException', 400, 'x')),
    ).toEqual({ __type: 'com.amazonaws.secretsmanager#SerializationException', message: 'x' });
  });
});
