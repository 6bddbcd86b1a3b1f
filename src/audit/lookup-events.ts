/**
 * CloudTrail `LookupEvents` (JSON 1.1, spec/aws-wire.md §11.5) over the audit log: one lookup
 * attribute at most (EventId, EventName, ReadOnly, Username, ResourceType, ResourceName,
 * EventSource, AccessKeyId), StartTime/EndTime in epoch seconds (integers from botocore,
 * floats from JS, ISO strings accepted), MaxResults 1–50, an opaque NextToken bound to the
 * parameters it was issued for, events newest first, each with the record as a JSON string.
 * The caller sees its own account's events. Authorized as `cloudtrail:LookupEvents` on `*`.
 * Unlike real CloudTrail, data events are kept and can be looked up; no Insights events.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../common/aws-error.js';
import type { Authorize } from '../server/aws/authorize.js';
import { parseJsonBody } from '../server/aws/json-body.js';
import type { ServiceHandler } from '../server/aws/types.js';
import type { AuditLog, EventFilter } from './log.js';
import type { StoredEvent } from './types.js';
import { shown } from '../common/own.js';

export const LOOKUP_ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
type AttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_MS = 90 * DAY_MS;

/** CloudTrail's texts; marked [inferred] where the real wording is not confirmed. */
export const CLOUDTRAIL_MSG = {
  /** [inferred] */
  oneAttribute: 'You cannot specify more than one lookup attribute.',
  /** [inferred] */
  badKey: (key: string) =>
    `The attribute key ${key} is not valid. Valid attribute keys are: ${LOOKUP_ATTRIBUTE_KEYS.join(', ')}.`,
  /** [inferred] */
  badValue: 'The attribute value must be between 1 and 2000 characters.',
  /** [inferred] */
  badReadOnly: 'The value of the ReadOnly attribute must be true or false.',
  /** [inferred] */
  timeRange: 'Start time must be before end time.',
  /** [inferred] */
  maxResults: 'MaxResults must be between 1 and 50.',
  /** [inferred] */
  nextToken:
    'Invalid NextToken. The token is not valid, or was issued for a request with other parameters.',
  /** [inferred] */
  category: 'The event category is not valid. The only valid value is insight.',
  /** [inferred] */
  serialization: (why: string) => `Unable to parse the request: ${why}`,
  /** [inferred] */
  unknownOperation: (op: string) =>
    `The operation ${op} is not supported by this CloudTrail endpoint.`,
} as const;

const bad = (code: string, message: string) => new AwsError(code, 400, message);

/** Epoch seconds (number or numeric string) or an ISO time → epoch milliseconds. */
function timeOf(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v * 1000);
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw bad('SerializationException', CLOUDTRAIL_MSG.serialization(`${name} is not a timestamp`));
}

/**
 * An AttributeValue's length as CloudTrail counts it against its 2000: "the following
 * characters ('_', ' ', ',', '\\n') count as two characters" (the LookupAttribute reference).
 *
 * @example
 * attributeLength('a_b') // → 4
 */
export function attributeLength(value: string): number {
  let n = value.length;
  for (const c of value) if (c === '_' || c === ' ' || c === ',' || c === '\n') n++;
  return n;
}

/** The start of the second `ms` falls in. */
const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

interface Lookup {
  attribute?: { key: AttributeKey; value: string } | undefined;
  /**
   * The window in epoch ms, both ends included. Events are whole seconds to CloudTrail (its
   * eventTime, LookupEvents' EventTime) but milliseconds here: StartTime ("after or at") starts
   * at the first whole second not before it, EndTime ("before or at") takes in all of its
   * second, so the event a lookup showed at second T is found again between T and T.
   */
  start: number;
  end: number;
  max: number;
  insight: boolean;
  nextToken?: string | undefined;
}

function readRequest(body: Record<string, unknown>, nowMs: number): Lookup {
  const attrs = body.LookupAttributes;
  let attribute: Lookup['attribute'];
  if (attrs !== undefined && attrs !== null) {
    if (!Array.isArray(attrs))
      throw bad(
        'SerializationException',
        CLOUDTRAIL_MSG.serialization('LookupAttributes is not a list'),
      );
    if (attrs.length > 1)
      throw bad('InvalidLookupAttributesException', CLOUDTRAIL_MSG.oneAttribute);
    const a = attrs[0] as { AttributeKey?: unknown; AttributeValue?: unknown } | null | undefined;
    // a null in the list is an attribute without a key, not no attribute at all
    if (attrs.length === 1 && (typeof a !== 'object' || a === null || Array.isArray(a)))
      throw bad('InvalidLookupAttributesException', CLOUDTRAIL_MSG.badKey('null'));
    if (a) {
      const key = a.AttributeKey;
      if (typeof key !== 'string' || !(LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(key))
        throw bad('InvalidLookupAttributesException', CLOUDTRAIL_MSG.badKey(shown(key)));
      const value = a.AttributeValue;
      if (typeof value !== 'string' || value.length < 1 || attributeLength(value) > 2000)
        throw bad('InvalidLookupAttributesException', CLOUDTRAIL_MSG.badValue);
      if (key === 'ReadOnly' && value !== 'true' && value !== 'false')
        throw bad('InvalidLookupAttributesException', CLOUDTRAIL_MSG.badReadOnly);
      attribute = { key: key as AttributeKey, value };
    }
  }
  const start = timeOf(body.StartTime, 'StartTime');
  const end = timeOf(body.EndTime, 'EndTime');
  if (start !== undefined && end !== undefined && start > end)
    throw bad('InvalidTimeRangeException', CLOUDTRAIL_MSG.timeRange);
  const category = body.EventCategory;
  if (category !== undefined && category !== null && category !== 'insight')
    throw bad('InvalidEventCategoryException', CLOUDTRAIL_MSG.category);
  const max = body.MaxResults;
  if (
    max !== undefined &&
    max !== null &&
    (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50)
  )
    throw bad('InvalidMaxResultsException', CLOUDTRAIL_MSG.maxResults);
  const token = body.NextToken;
  if (token !== undefined && token !== null && typeof token !== 'string')
    throw bad('InvalidNextTokenException', CLOUDTRAIL_MSG.nextToken);
  const e = end === undefined ? nowMs : wholeSecond(end) + 999;
  return {
    attribute,
    start:
      start === undefined ? Math.min(e, nowMs) - DEFAULT_WINDOW_MS : Math.ceil(start / 1000) * 1000,
    end: e,
    max: typeof max === 'number' ? max : 50,
    insight: category === 'insight',
    nextToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

/** The fingerprint a NextToken carries: the parameters it may be used with. */
function fingerprint(account: string, body: Record<string, unknown>): string {
  const same = JSON.stringify([
    account,
    body.LookupAttributes ?? null,
    body.StartTime ?? null,
    body.EndTime ?? null,
    body.EventCategory ?? null,
  ]);
  return createHash('sha256').update(same).digest('base64url').slice(0, 16);
}

function encodeToken(seq: number, fp: string): string {
  return Buffer.from(JSON.stringify({ s: seq, f: fp })).toString('base64url');
}

function decodeToken(token: string, fp: string): number {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      f?: unknown;
    };
    if (typeof v.s === 'number' && Number.isInteger(v.s) && v.s > 0 && v.f === fp) return v.s;
  } catch {
    // falls through
  }
  throw bad('InvalidNextTokenException', CLOUDTRAIL_MSG.nextToken);
}

function filterOf(account: string, l: Lookup): EventFilter {
  const f: EventFilter = { account, since: l.start, until: l.end };
  const a = l.attribute;
  if (!a) return f;
  switch (a.key) {
    case 'EventId':
      return { ...f, eventId: a.value };
    case 'EventName':
      return { ...f, eventName: a.value };
    case 'ReadOnly':
      return { ...f, readOnly: a.value === 'true' };
    case 'Username':
      return { ...f, username: a.value };
    case 'ResourceType':
      return { ...f, resourceType: a.value };
    case 'ResourceName':
      return { ...f, resourceName: a.value };
    case 'EventSource':
      return { ...f, eventSource: a.value };
    case 'AccessKeyId':
      return { ...f, accessKeyId: a.value };
  }
}

/**
 * An event as LookupEvents returns it.
 *
 * @example
 * lookupEventOf(stored).ReadOnly // → 'true'
 */
export function lookupEventOf(e: StoredEvent): Record<string, unknown> {
  const r = e.record;
  return {
    EventId: r.eventID,
    EventName: r.eventName,
    ReadOnly: r.readOnly ? 'true' : 'false',
    ...(e.index.accessKeyId !== undefined ? { AccessKeyId: e.index.accessKeyId } : {}),
    EventTime: Math.floor(e.index.timeMs / 1000),
    EventSource: r.eventSource,
    ...(e.index.username !== undefined ? { Username: e.index.username } : {}),
    Resources: (r.resources ?? []).map((x) => ({
      ResourceType: x.type,
      ResourceName: x.ARN ?? x.ARNPrefix ?? '',
    })),
    CloudTrailEvent: JSON.stringify(r),
  };
}

/**
 * The CloudTrail service of the edge (signing name `cloudtrail`).
 *
 * @example
 * services.cloudtrail = lookupEventsHandler({ log, authorize });
 */
export function lookupEventsHandler(deps: { log: AuditLog; authorize: Authorize }): ServiceHandler {
  return async (ctx, raw, route) => {
    const op = route.operation ?? '';
    ctx.audit = { eventName: op, eventSource: 'cloudtrail.amazonaws.com' };
    if (op !== 'LookupEvents')
      throw new AwsError('UnknownOperationException', 400, CLOUDTRAIL_MSG.unknownOperation(op));
    const body = parseJsonBody(raw.body);
    ctx.audit = {
      ...ctx.audit,
      readOnly: true,
      requestParameters: {
        ...(body.LookupAttributes !== undefined ? { lookupAttributes: body.LookupAttributes } : {}),
        ...(body.StartTime !== undefined ? { startTime: body.StartTime } : {}),
        ...(body.EndTime !== undefined ? { endTime: body.EndTime } : {}),
        ...(body.MaxResults !== undefined ? { maxResults: body.MaxResults } : {}),
        ...(body.EventCategory !== undefined ? { eventCategory: body.EventCategory } : {}),
      },
    };
    await deps.authorize(ctx, { action: 'cloudtrail:LookupEvents', resource: '*' });
    const account = ctx.caller?.account ?? '';
    const l = readRequest(body, ctx.now.getTime());
    const fp = fingerprint(account, body);
    const before = l.nextToken !== undefined ? decodeToken(l.nextToken, fp) : undefined;
    let events: StoredEvent[] = [];
    if (!l.insight)
      events = await deps.log.query(filterOf(account, l), {
        limit: l.max + 1,
        order: 'newest',
        beforeSeq: before,
      });
    const more = events.length > l.max;
    const page = events.slice(0, l.max);
    const last = page[page.length - 1];
    const out = {
      Events: page.map(lookupEventOf),
      ...(more && last ? { NextToken: encodeToken(last.seq, fp) } : {}),
    };
    return {
      status: 200,
      headers: { 'Content-Type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(out),
    };
  };
}
