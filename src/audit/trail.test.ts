/**
 * The edge's hooks: `record` appends the built entry and fails the request when the log
 * does; `onResult` writes one request line (text or JSON) and counts the metrics with bounded
 * labels; the Prometheus exposition; the `irsa trail` line.
 */
import { describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import type { AwsCallEvent } from '../server/aws/edge.js';
import type { CallContext, Caller } from '../server/aws/types.js';
import type { AuditLog } from './log.js';
import { EdgeMetrics } from './metrics.js';
import { sigv4Error } from '../sigv4/errors.js';
import { signRequest, withHost } from '../sigv4/testing/sign.js';
import { verifySigV4 } from '../sigv4/verify.js';
import { trailLine, whyText } from './render.js';
import { createAuditTrail, eventUuid, requestLine } from './trail.js';
import type { AuditEntry, StoredEvent } from './types.js';

const user: Caller = {
  principal: {
    type: 'User',
    id: 'arn:aws:iam::123456789012:user/admin',
    account: '123456789012',
    partition: 'aws',
  },
  accessKeyId: 'AKIAEXAMPLE',
  account: '123456789012',
  userId: 'AIDAEXAMPLE',
};

function event(operation: string, error?: AwsError): AwsCallEvent {
  const ctx: CallContext = {
    requestId: '11111111-2222-4333-8444-555555555555',
    caller: user,
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    secureTransport: false,
    now: new Date('2026-11-22T10:50:10.123Z'),
    endpoint: 'http://127.0.0.1:4577',
    audit: {},
    decisions: [],
  };
  return {
    requestId: ctx.requestId,
    route: {
      service: 'iam',
      protocol: 'query',
      operation,
      params: new Map([['Action', operation]]),
    },
    ctx,
    method: 'POST',
    path: '/',
    status: error?.httpStatus ?? 200,
    error,
    ms: 4.26,
    known: true,
  };
}

function memoryLog(fail = false): AuditLog & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    async append(e) {
      if (fail) throw new Error('disk full');
      entries.push(e);
      return { ...e, seq: entries.length };
    },
    query: async () => [],
    get: async () => undefined,
    latestSeq: async () => entries.length,
    waitForNew: async () => undefined,
    close: async () => undefined,
  };
}

describe('createAuditTrail', () => {
  it('records, then logs one line and counts the request', async () => {
    const log = memoryLog();
    const lines: string[] = [];
    const metrics = new EdgeMetrics();
    const t = createAuditTrail({
      log,
      metrics,
      requestLog: (l) => lines.push(l),
      eventId: () => 'e-1',
    });
    const ok = event('ListRoles');
    await t.record(ok);
    t.onResult(ok);
    const denied = event(
      'DeleteRole',
      new AwsError('AccessDenied', 403, 'User: … is not authorized'),
    );
    await t.record(denied);
    t.onResult(denied);
    const junk = event('Hack/../x', new AwsError('InvalidAction', 400, 'Could not find operation'));
    await t.record(junk);
    t.onResult(junk);
    expect(log.entries.map((e) => e.record.eventName)).toEqual([
      'ListRoles',
      'DeleteRole',
      'Hack/../x',
    ]);
    expect(log.entries[0]?.record.eventID).toBe('e-1');
    expect(lines).toEqual([
      '10:50:10.123 POST user/admin iam:ListRoles allowed 4.3ms',
      '10:50:10.123 POST user/admin iam:DeleteRole denied AccessDenied 4.3ms',
      '10:50:10.123 POST user/admin iam:Hack/../x error InvalidAction 4.3ms',
    ]);
    const text = metrics.render();
    expect(text).toContain(
      'irsa_requests_total{service="iam",action="ListRoles",outcome="allowed"} 1',
    );
    expect(text).toContain(
      'irsa_requests_total{service="iam",action="DeleteRole",outcome="denied"} 1',
    );
    // what a caller makes up never becomes a label
    expect(text).toContain('irsa_requests_total{service="iam",action="unknown",outcome="error"} 1');
    expect(text).toContain('irsa_request_duration_seconds_bucket{service="iam",le="0.005"} 3');
    expect(text).toContain('irsa_request_duration_seconds_count{service="iam"} 3');
  });

  it('labels what never reached a served service `unknown`, so callers cannot grow the labels', () => {
    const metrics = new EdgeMetrics();
    const t = createAuditTrail({ log: memoryLog(), metrics });
    const made = event('Whatever-they-sent');
    t.onResult({
      ...made,
      route: { ...made.route, service: 'made-up-service' },
      error: new AwsError(
        'MissingAuthenticationToken',
        403,
        'Request is missing Authentication Token',
      ),
      known: false,
    });
    const text = metrics.render();
    expect(text).toContain(
      'irsa_requests_total{service="unknown",action="unknown",outcome="denied"} 1',
    );
    expect(text).not.toContain('made-up-service');
  });

  it('a call that cannot be explained is recorded, and reported apart from the request log', async () => {
    const log = memoryLog();
    const lines: string[] = [];
    const reported: string[] = [];
    const t = createAuditTrail({
      log,
      requestLog: (l) => lines.push(l),
      explainErrors: (l) => reported.push(l),
    });
    const odd = event(
      'GetUser',
      new AwsError('SignatureDoesNotMatch', 403, 'The request signature …', {
        detail: { kind: 'SignatureDoesNotMatch', reason: 'r', expected: { canonicalRequest: 42 } },
      }),
    );
    await t.record(odd);
    t.onResult(odd);
    expect(log.entries.map((e) => e.explanation.outcome)).toEqual(['error']);
    expect(reported).toEqual([
      expect.stringMatching(
        /^irsa: could not explain request 11111111-2222-4333-8444-555555555555: TypeError/,
      ),
    ]);
    expect(lines).toEqual([expect.stringContaining('iam:GetUser error SignatureDoesNotMatch')]);
  });

  it('a failed append fails the request and is counted', async () => {
    const metrics = new EdgeMetrics();
    const t = createAuditTrail({ log: memoryLog(true), metrics });
    await expect(t.record(event('ListRoles'))).rejects.toThrow('disk full');
    expect(metrics.render()).toContain('irsa_audit_write_errors_total 1');
  });

  it('JSON request lines', async () => {
    const e = event(
      'GetRole',
      new AwsError('NoSuchEntity', 404, 'The role with name x cannot be found.'),
    );
    expect(JSON.parse(requestLine(e, undefined, 'json'))).toEqual({
      time: '2026-11-22T10:50:10.123Z',
      requestId: '11111111-2222-4333-8444-555555555555',
      method: 'POST',
      path: '/',
      principal: 'user/admin',
      service: 'iam',
      action: 'GetRole',
      outcome: 'error',
      status: 404,
      errorCode: 'NoSuchEntity',
      ms: 4.3,
    });
  });

  it('an action name a caller chose cannot start a request line of its own', () => {
    const e = event(
      'Nope\n01:33:00.000 POST user/irsa-admin iam:DeleteRole allowed',
      new AwsError('InvalidAction', 400, 'Could not find operation'),
    );
    const line = requestLine(e, undefined, 'text');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('iam:Nope\\n01:33:00.000 POST');
  });
});

describe('metrics', () => {
  it('audit batches: sizes, commit seconds, records', () => {
    const m = new EdgeMetrics();
    m.commit(1, 0.4);
    m.commit(12, 3);
    const text = m.render();
    expect(text).toContain('irsa_audit_batch_size_bucket{le="1"} 1');
    expect(text).toContain('irsa_audit_batch_size_bucket{le="16"} 2');
    expect(text).toContain('irsa_audit_batch_size_sum 13');
    expect(text).toContain('irsa_audit_commit_seconds_bucket{le="0.0005"} 1');
    expect(text).toContain('irsa_audit_commit_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain('irsa_audit_records_total 13');
    expect(text).toContain('# TYPE irsa_audit_batch_size histogram');
  });
});

describe('trailLine', () => {
  it('time, principal, source:event, resource, outcome, request id', () => {
    const e = {
      seq: 1,
      record: {
        eventTime: '2026-11-22T10:50:10Z',
        userIdentity: {
          type: 'AssumedRole',
          principalId: 'AROA:botocore-session-1',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: 'AROA',
              arn: 'a',
              accountId: '1',
              userName: 's3-app-role',
            },
            attributes: { creationDate: 'x', mfaAuthenticated: 'false' },
          },
        },
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        errorCode: 'AccessDenied',
        resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' }],
        requestID: 'r-1',
      },
    } as unknown as StoredEvent;
    expect(trailLine(e)).toBe(
      '2026-11-22T10:50:10Z  s3-app-role/botocore-session-1  s3:GetObject  arn:aws:s3:::b/k  AccessDenied  r-1',
    );
    // a key with a line feed stays on its line
    const forged = structuredClone(e);
    (forged.record.resources as { ARN: string }[])[0]!.ARN =
      'arn:aws:s3:::b/k\n2026-11-22T10:50:11Z  user/admin  iam:DeleteRole  -  allowed  r-2';
    expect(trailLine(forged).split('\n')).toHaveLength(1);
    expect(trailLine(forged)).toContain('arn:aws:s3:::b/k\\n2026-11-22T10:50:11Z');
  });
});

describe('eventUuid', () => {
  it('is a version 7 UUID that sorts by time', () => {
    const a = eventUuid(new Date('2026-01-01T00:00:00.000Z'));
    const b = eventUuid(new Date('2026-01-01T00:00:00.001Z'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.slice(0, 13)).toBe('019b76da-a800');
    expect(a < b).toBe(true);
    expect(eventUuid()).not.toBe(eventUuid());
  });
});

describe('a refused signature', () => {
  const KEY = 'AKIAIOSFODNN7EXAMPLE';
  const NOW = new Date('2026-11-22T10:50:10Z');
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const headers = withHost([['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8']]);
  /** what the edge makes of a request: the verifier's failure as STS's error, no caller */
  async function refused(signedAt: Date, secret: string, over: { authorization?: string } = {}) {
    const req = signRequest({
      method: 'POST',
      target: '/',
      headers,
      body,
      credentials: { accessKeyId: KEY, secretAccessKey: secret },
      region: 'us-east-1',
      service: 'sts',
      now: signedAt,
    });
    if (over.authorization !== undefined)
      req.headers = req.headers.map(([n, v]) =>
        n.toLowerCase() === 'authorization' ? [n, over.authorization as string] : [n, v],
      );
    const r = await verifySigV4(req, {
      now: NOW,
      service: 'sts',
      lookup: () => ({ ok: true, secretAccessKey: 'the-real-secret', identity: {} }),
    });
    if (r.ok) throw new Error('the signature was accepted');
    const e = event('GetCallerIdentity', sigv4Error('sts', r.failure));
    e.route = { ...e.route, service: 'sts' };
    e.ctx.caller = undefined;
    const log = memoryLog();
    const lines: string[] = [];
    const trail = createAuditTrail({ log, requestLog: (l) => lines.push(l) });
    await trail.record(e);
    trail.onResult(e);
    const entry = log.entries[0] as AuditEntry;
    return { line: lines[0] ?? '', entry };
  }

  it('is signed by its key: clock skew and a wrong secret alike, in the request log, trail and why', async () => {
    const skewed = await refused(new Date('2026-11-22T09:50:10Z'), 'the-real-secret');
    expect(skewed.entry.record.errorCode).toBe('SignatureDoesNotMatch');
    expect(skewed.line).toContain(` POST signed(${KEY}) sts:GetCallerIdentity denied`);
    expect(trailLine(skewed.entry)).toContain(`  signed(${KEY})  sts:GetCallerIdentity`);
    expect(whyText(skewed.entry)).toContain(`sts:GetCallerIdentity  by signed(${KEY}) from`);
    const wrong = await refused(NOW, 'a-wrong-secret');
    expect(trailLine(wrong.entry)).toContain(`  signed(${KEY})  `);
    expect(whyText(wrong.entry)).not.toContain('unknown(');
  });

  it('whose key id could not be read is still signed; a request with no signature is unsigned', async () => {
    const malformed = await refused(NOW, 'the-real-secret', {
      authorization: 'AWS4-HMAC-SHA256 SignedHeaders=host',
    });
    expect(malformed.entry.explanation.hop).toBe('signature');
    expect(trailLine(malformed.entry)).toContain('  signed(?)  ');
    const e = event(
      'GetCallerIdentity',
      sigv4Error('sts', { kind: 'MissingAuthentication', reason: 'no signature' }),
    );
    e.ctx.caller = undefined;
    e.route = { ...e.route, service: 'sts' };
    const log = memoryLog();
    const trail = createAuditTrail({ log });
    await trail.record(e);
    expect(trailLine(log.entries[0] as AuditEntry)).toContain('  unsigned  ');
  });
});
