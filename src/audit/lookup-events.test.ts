/**
 * LookupEvents as a service handler over a real log: the event shape of §11.5 (ReadOnly a
 * string, EventTime epoch seconds, the record as a JSON string), each lookup attribute, the
 * time window (numbers, numeric strings, ISO), paging with a NextToken bound to its request,
 * and the request errors with their codes — authorized before anything is read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import type { RawRequest, Route } from '../server/aws/request.js';
import type { CallContext, Caller } from '../server/aws/types.js';
import { CLOUDTRAIL_MSG, lookupEventsHandler } from './lookup-events.js';
import { SqliteAuditLog } from './sqlite-log.js';
import type { AuditEntry } from './types.js';

const ACCT = '123456789012';
let dir: string;
let log: SqliteAuditLog;
const authorized: string[] = [];
let handler: ReturnType<typeof lookupEventsHandler>;

const caller: Caller = {
  principal: {
    type: 'User',
    id: `arn:aws:iam::${ACCT}:user/admin`,
    account: ACCT,
    partition: 'aws',
  },
  accessKeyId: 'AKIAEXAMPLE',
  account: ACCT,
  userId: 'AIDAEXAMPLE',
};

function entry(i: number, o: { name: string; account?: string; readOnly?: boolean }): AuditEntry {
  const time = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString().replace('.000Z', 'Z');
  return {
    record: {
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', userName: 'admin', accessKeyId: 'AKIAEXAMPLE' },
      eventTime: time,
      eventSource: o.name === 'GetRole' ? 'iam.amazonaws.com' : 'sts.amazonaws.com',
      eventName: o.name,
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'test',
      requestParameters: null,
      responseElements: null,
      requestID: `r-${i}`,
      eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      readOnly: o.readOnly ?? true,
      resources: [
        { accountId: ACCT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCT}:role/r${i % 2}` },
      ],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: o.account ?? ACCT,
      eventCategory: 'Management',
    },
    explanation: { outcome: 'allowed', summary: '', chain: [] },
    index: { timeMs: Date.parse(time), username: 'admin', accessKeyId: 'AKIAEXAMPLE' },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-lookup-'));
  log = await SqliteAuditLog.open(join(dir, 'audit.db'));
  for (let i = 1; i <= 7; i++)
    await log.append(entry(i, { name: i % 2 ? 'GetRole' : 'AssumeRole', readOnly: i !== 3 }));
  await log.append(entry(8, { name: 'GetRole', account: '111122223333' }));
  handler = lookupEventsHandler({
    log,
    authorize: async (_ctx, r) => {
      authorized.push(`${r.action} ${r.resource}`);
    },
  });
});

afterAll(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

function ctx(): CallContext {
  return {
    requestId: 'r',
    caller,
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 't',
    secureTransport: false,
    now: new Date('2026-01-01T01:00:00Z'),
    endpoint: 'http://127.0.0.1',
    audit: {},
    decisions: [],
  };
}

const ROUTE: Route = { service: 'cloudtrail', protocol: 'json', operation: 'LookupEvents' };

async function lookup(
  body: unknown,
  route: Route = ROUTE,
): Promise<{ Events: Record<string, unknown>[]; NextToken?: string }> {
  const raw = {
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  } as RawRequest;
  const r = await handler(ctx(), raw, route);
  expect(r.headers?.['Content-Type']).toBe('application/x-amz-json-1.1');
  return JSON.parse(String(r.body)) as { Events: Record<string, unknown>[]; NextToken?: string };
}

async function failure(body: unknown, route: Route = ROUTE): Promise<string> {
  try {
    await lookup(body, route);
  } catch (e) {
    if (e instanceof AwsError) return `${e.httpStatus} ${e.code}`;
    throw e;
  }
  return 'no error';
}

async function message(body: unknown): Promise<string> {
  try {
    await lookup(body, ROUTE);
  } catch (e) {
    if (e instanceof AwsError) return e.message;
    throw e;
  }
  return 'no error';
}

const ids = (o: { Events: Record<string, unknown>[] }) =>
  o.Events.map((e) => e.EventName + String(e.EventTime));

describe('LookupEvents', () => {
  it('answers §11.5’s event shape, newest first, the caller’s account only', async () => {
    const out = await lookup({});
    expect(out.Events).toHaveLength(7);
    expect(out.Events[0]).toEqual({
      EventId: '00000000-0000-4000-8000-000000000007',
      EventName: 'GetRole',
      ReadOnly: 'true',
      AccessKeyId: 'AKIAEXAMPLE',
      EventTime: Date.UTC(2026, 0, 1, 0, 7) / 1000,
      EventSource: 'iam.amazonaws.com',
      Username: 'admin',
      Resources: [{ ResourceType: 'AWS::IAM::Role', ResourceName: `arn:aws:iam::${ACCT}:role/r1` }],
      CloudTrailEvent: expect.any(String),
    });
    expect(JSON.parse(out.Events[0]?.CloudTrailEvent as string).requestID).toBe('r-7');
    expect(out.NextToken).toBeUndefined();
    expect(authorized).toContain('cloudtrail:LookupEvents *');
  });

  it.each([
    [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRole' }, 3],
    [{ AttributeKey: 'EventSource', AttributeValue: 'iam.amazonaws.com' }, 4],
    [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }, 1],
    [{ AttributeKey: 'Username', AttributeValue: 'admin' }, 7],
    [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAEXAMPLE' }, 7],
    [{ AttributeKey: 'EventId', AttributeValue: '00000000-0000-4000-8000-000000000002' }, 1],
    [{ AttributeKey: 'ResourceType', AttributeValue: 'AWS::IAM::Role' }, 7],
    [{ AttributeKey: 'ResourceName', AttributeValue: `arn:aws:iam::${ACCT}:role/r0` }, 3],
  ])('%j → %i events', async (attr, n) => {
    expect((await lookup({ LookupAttributes: [attr] })).Events).toHaveLength(n);
  });

  it('takes the window in seconds (integer or float), numeric strings and ISO times', async () => {
    const s = Date.UTC(2026, 0, 1, 0, 2) / 1000;
    const e = Date.UTC(2026, 0, 1, 0, 4) / 1000;
    const want = [
      'AssumeRole' + String(s + 120),
      'GetRole' + String(s + 60),
      'AssumeRole' + String(s),
    ];
    expect(ids(await lookup({ StartTime: s, EndTime: e }))).toEqual(want);
    expect(ids(await lookup({ StartTime: s - 0.5, EndTime: e + 0.5 }))).toEqual(want);
    expect(ids(await lookup({ StartTime: String(s), EndTime: String(e) }))).toEqual(want);
    expect(
      ids(await lookup({ StartTime: '2026-01-01T00:02:00Z', EndTime: '2026-01-01T00:04:00Z' })),
    ).toEqual(want);
  });

  it('finds an event again between its own EventTime and EventTime (whole seconds, both ends)', async () => {
    // recorded at 12:00:00.250; LookupEvents shows it at second 12:00:00
    const at = Date.UTC(2025, 5, 1, 12, 0, 0, 250);
    const base = entry(9, { name: 'GetRole' });
    const eventId = '00000000-0000-4000-8000-000000000250';
    await log.append({
      ...base,
      record: { ...base.record, eventTime: '2025-06-01T12:00:00Z', eventID: eventId },
      index: { ...base.index, timeMs: at },
    });
    const byId = [{ AttributeKey: 'EventId', AttributeValue: eventId }];
    const shown = (await lookup({ LookupAttributes: byId, StartTime: 0, EndTime: at / 1000 + 1 }))
      .Events[0];
    expect(shown?.EventTime).toBe(Math.floor(at / 1000));
    const t = shown?.EventTime as number;
    for (const [start, end] of [
      [t, t],
      [t - 1, t],
      [t, t + 0.5],
      [String(t), String(t)],
      ['2025-06-01T12:00:00Z', '2025-06-01T12:00:00Z'],
    ])
      expect(
        (await lookup({ LookupAttributes: byId, StartTime: start, EndTime: end })).Events.map(
          (e) => e.EventId,
        ),
      ).toEqual([eventId]);
    // "after or at" the start: a start past its second, or an end before it, leaves it out
    for (const [start, end] of [
      [t + 0.5, t + 1],
      [t + 1, t + 2],
      [t - 2, t - 1],
    ])
      expect(
        (await lookup({ LookupAttributes: byId, StartTime: start, EndTime: end })).Events,
      ).toEqual([]);
  });

  it('counts _, space, comma and newline twice towards an AttributeValue’s 2000', async () => {
    const value = (v: string) => ({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: v }],
    });
    expect(await failure(value('_'.repeat(1500)))).toBe('400 InvalidLookupAttributesException');
    expect(await message(value('_'.repeat(1500)))).toBe(CLOUDTRAIL_MSG.badValue);
    for (const c of [' ', ',', '\n'])
      expect(await failure(value(c.repeat(1001)))).toBe('400 InvalidLookupAttributesException');
    expect(await failure(value('_'.repeat(1000)))).toBe('no error');
    expect(await failure(value('a'.repeat(2000)))).toBe('no error');
    expect(await failure(value(`${'a'.repeat(1999)}_`))).toBe(
      '400 InvalidLookupAttributesException',
    );
  });

  it('pages with a NextToken that only works for the same request', async () => {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await lookup({ MaxResults: 3, NextToken: token });
      pages.push(ids(out));
      token = out.NextToken;
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(ids(await lookup({})));
    const first = await lookup({ MaxResults: 3 });
    expect(await failure({ MaxResults: 3, NextToken: first.NextToken, EndTime: 1 })).toBe(
      '400 InvalidNextTokenException',
    );
    expect(await failure({ NextToken: 'garbage' })).toBe('400 InvalidNextTokenException');
  });

  it.each([
    [
      {
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'a' },
          { AttributeKey: 'ReadOnly', AttributeValue: 'true' },
        ],
      },
      '400 InvalidLookupAttributesException',
    ],
    [
      { LookupAttributes: [{ AttributeKey: 'Region', AttributeValue: 'a' }] },
      '400 InvalidLookupAttributesException',
    ],
    [
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] },
      '400 InvalidLookupAttributesException',
    ],
    [
      { LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'yes' }] },
      '400 InvalidLookupAttributesException',
    ],
    [{ LookupAttributes: [null] }, '400 InvalidLookupAttributesException'],
    [{ LookupAttributes: [{ AttributeValue: 'x' }] }, '400 InvalidLookupAttributesException'],
    [{ StartTime: 20, EndTime: 10 }, '400 InvalidTimeRangeException'],
    [{ MaxResults: 0 }, '400 InvalidMaxResultsException'],
    [{ MaxResults: 51 }, '400 InvalidMaxResultsException'],
    [{ MaxResults: 2.5 }, '400 InvalidMaxResultsException'],
    [{ EventCategory: 'data' }, '400 InvalidEventCategoryException'],
    [{ StartTime: 'tomorrow' }, '400 SerializationException'],
    ['{not json', '400 SerializationException'],
    ['[]', '400 SerializationException'],
  ])('%j → %s', async (body, code) => {
    expect(await failure(body)).toBe(code);
  });

  it('names a missing attribute key null, as a JSON service does', async () => {
    expect(await message({ LookupAttributes: [{ AttributeValue: 'x' }] })).toMatch(
      /^The attribute key null is not valid\./,
    );
    expect(await message({ LookupAttributes: [null] })).toMatch(/^The attribute key null/);
  });

  it('Insights events: none', async () => {
    expect((await lookup({ EventCategory: 'insight' })).Events).toEqual([]);
  });

  it('other CloudTrail operations are unknown', async () => {
    expect(await failure({}, { ...ROUTE, operation: 'DescribeTrails' })).toBe(
      '400 UnknownOperationException',
    );
  });
});
