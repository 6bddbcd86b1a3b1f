/**
 * The verifier against the AWS SDK for JavaScript v3: the real STS, IAM and EKS clients sign
 * requests (fixed clock, fixed credentials), a request handler captures them instead of
 * sending them, and irsakit must accept exactly what the SDK put on the wire — including
 * what JS signs beyond botocore (spec §7.6): `x-amz-content-sha256` for every service,
 * `content-length`, `amz-sdk-*` and `x-amz-user-agent`.
 */
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LookupResult, SigV4Request } from './types.js';
import { verifySigV4 } from './verify.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const CREDS = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/with=chars==',
};
const ENDPOINT = 'http://127.0.0.1:4577';

interface CapturedRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

class Captured extends Error {
  readonly request: SigV4Request;
  constructor(request: SigV4Request) {
    super('captured');
    this.request = request;
  }
}

/** A request handler that records the signed request and never sends it. */
const capture = {
  handle: async (r: CapturedRequest): Promise<never> => {
    const query = Object.entries(r.query ?? {})
      .flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map((x) =>
          x === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(x)}`,
        ),
      )
      .join('&');
    throw new Captured({
      method: r.method,
      target: query ? `${r.path}?${query}` : r.path,
      headers: Object.entries(r.headers),
      body: typeof r.body === 'string' ? r.body : r.body === undefined ? '' : String(r.body),
    });
  },
};

async function signedBy(send: () => Promise<unknown>): Promise<SigV4Request> {
  try {
    await send();
  } catch (e) {
    if (e instanceof Captured) return e.request;
    throw e;
  }
  throw new Error('the client sent nothing');
}

const common = {
  region: 'us-east-1',
  endpoint: ENDPOINT,
  credentials: CREDS,
  requestHandler: capture,
  maxAttempts: 1,
};

const lookup = (akid: string, token: string | undefined): LookupResult =>
  akid === CREDS.accessKeyId && token === CREDS.sessionToken
    ? { ok: true, secretAccessKey: CREDS.secretAccessKey }
    : { ok: false, failure: 'InvalidToken' };

const authOf = (req: SigV4Request) =>
  req.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1] ?? '';

describe('requests signed by the AWS SDK for JavaScript v3', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  const clients = [
    {
      name: 'STS GetCallerIdentity',
      service: 'sts',
      send: () => new STSClient(common).send(new GetCallerIdentityCommand({})),
    },
    {
      name: 'IAM ListRoles',
      service: 'iam',
      send: () => new IAMClient(common).send(new ListRolesCommand({ PathPrefix: '/a b/' })),
    },
    {
      name: 'EKS ListClusters (REST-JSON with a query)',
      service: 'eks',
      send: () => new EKSClient(common).send(new ListClustersCommand({ maxResults: 5 })),
    },
  ];

  it.each(clients)('$name verifies', async ({ service, send }) => {
    const req = await signedBy(send);
    const r = await verifySigV4(req, { now: NOW, service, lookup });
    if (!r.ok) throw new Error(`${r.failure.kind}: ${r.failure.reason}`);
    expect(r).toMatchObject({
      ok: true,
      accessKeyId: CREDS.accessKeyId,
      sessionToken: CREDS.sessionToken,
      scope: { date: '20240501', region: 'us-east-1', service },
      payload: { kind: 'sha256', verified: true },
    });
  });

  it('signs what spec §7.6 says JS signs', async () => {
    const req = await signedBy(clients[0]?.send ?? (() => Promise.resolve()));
    expect(authOf(req)).toMatch(
      /SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-user-agent,/,
    );
  });

  it.each(clients)('$name is rejected once tampered', async ({ service, send }) => {
    const req = await signedBy(send);
    const tampered: SigV4Request = {
      ...req,
      headers: req.headers.map(([n, v]) => [
        n,
        n.toLowerCase() === 'amz-sdk-request' ? `${v} ` + 'x' : v,
      ]),
    };
    expect(await verifySigV4(tampered, { now: NOW, service, lookup })).toMatchObject({
      ok: false,
      failure: { kind: 'SignatureDoesNotMatch' },
    });
  });
});
