import { describe, expect, it } from 'vitest';
import { askedParams, askingFor } from '../server/aws/query-params.js';
import {
  MAX_DEPTH,
  MAX_FIELD_BYTES,
  OMITTED,
  TOO_DEEP,
  bounded,
  cloudTrailElements,
  isoOfJavaDate,
  javaDate,
  oversized,
  queryRequestParameters,
  withoutSecrets,
} from './parameters.js';

/** `levels` arrays inside one another around 1 */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

/** how deep a value nests, counting arrays and objects */
function depth(v: unknown): number {
  let d = 0;
  while (v !== null && typeof v === 'object') {
    d++;
    v = Object.values(v as object)[0];
  }
  return d;
}

describe('what a record keeps of input nested too deep', () => {
  it('keeps 32 levels and writes the rest as one marker, so the record can be written', () => {
    for (const walk of [withoutSecrets, cloudTrailElements]) {
      expect(walk(nested(MAX_DEPTH))).toEqual(nested(MAX_DEPTH));
      const kept = walk(nested(10_000));
      expect(depth(kept)).toBe(MAX_DEPTH);
      expect(JSON.stringify(kept)).toContain(JSON.stringify(TOO_DEEP));
    }
    expect(withoutSecrets({ a: { secretAccessKey: 'x', b: nested(40) } })).toEqual({
      a: { b: expect.any(Array) },
    });
  });

  it('a Query parameter of thousands of dotted segments nests 32 levels, the rest one name', () => {
    const name = Array.from({ length: 5000 }, (_, i) => `p${i}`).join('.');
    const out = queryRequestParameters(new Map([[name, 'v']]));
    expect(depth(out)).toBe(MAX_DEPTH);
    expect(JSON.stringify(out)).toContain('"p31.p32.p33');
  });
});

describe('the parameters of the operation', () => {
  it('keeps only those the operation asked for, as they reached it through the edge', () => {
    const form = new Map([
      ['Action', 'AssumeRoleWithWebIdentity'],
      ['Version', '2011-06-15'],
      ['RoleArn', 'arn:aws:iam::123456789012:role/app'],
      ['RoleSessionName', 's'],
      ['Tags.member.1.Key', 'a'],
      ['Tags.member.1.Value', 'x'],
    ]);
    // an operation that reads RoleArn, RoleSessionName and looks for DurationSeconds
    const view = askingFor(form);
    view.get('RoleArn');
    view.get('RoleSessionName');
    view.has('DurationSeconds');
    expect(queryRequestParameters(form, askedParams(form))).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/app',
      roleSessionName: 's',
    });
    // no operation read the call (an unknown action, a refused signature): the form as sent
    const unread = new Map(form);
    expect(askedParams(unread)).toBeUndefined();
    expect(queryRequestParameters(unread, askedParams(unread))).toMatchObject({
      tags: [{ key: 'a', value: 'x' }],
    });
  });
});

describe('isoOfJavaDate', () => {
  it('reads back what javaDate writes, noon and midnight included', () => {
    for (const iso of [
      '2026-12-07T08:09:47Z',
      '2026-11-22T23:50:10Z',
      '2026-01-01T00:00:00Z',
      '2026-06-30T12:00:05Z',
    ])
      expect(isoOfJavaDate(javaDate(new Date(iso)))).toBe(iso);
    expect(isoOfJavaDate('Dec 7, 2026, 8:09:47 AM')).toBe('2026-12-07T08:09:47Z');
    expect(isoOfJavaDate('2026-12-07T08:09:47Z')).toBeUndefined();
    expect(isoOfJavaDate('Foo 7, 2026, 8:09:47 AM')).toBeUndefined();
  });
});

describe('hidden values', () => {
  it('a message body and its attributes’ values are hidden even when no operation read the call', () => {
    const form = new Map([
      ['Action', 'SendMessageBatch'],
      ['QueueUrl', 'http://127.0.0.1:4577/123456789012/q'],
      ['MessageBody', 'TOPSECRET'],
      ['SendMessageBatchRequestEntry.1.Id', 'a'],
      ['SendMessageBatchRequestEntry.1.MessageBody', 'TOPSECRET'],
      ['MessageAttribute.1.Name', 'n'],
      ['MessageAttribute.1.Value.StringValue', 'TOPSECRET'],
      ['MessageAttribute.1.Value.DataType', 'String'],
    ]);
    const text = JSON.stringify(queryRequestParameters(form));
    expect(text).not.toContain('TOPSECRET');
    expect(queryRequestParameters(form)).toMatchObject({
      queueUrl: 'http://127.0.0.1:4577/123456789012/q',
      messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      messageAttribute: [
        { name: 'n', value: { stringValue: 'HIDDEN_DUE_TO_SECURITY_REASONS', dataType: 'String' } },
      ],
    });
  });
});

describe('a field past CloudTrail’s 100 KB', () => {
  it('is measured without walking all of it, and kept whole below the limit', () => {
    expect(oversized({ a: 'x'.repeat(MAX_FIELD_BYTES - 100) })).toBe(false);
    expect(oversized({ a: 'x'.repeat(MAX_FIELD_BYTES) })).toBe(true);
    expect(oversized(Array.from({ length: 50_000 }, () => 'ab'))).toBe(true);
    expect(oversized(Array.from({ length: 5_000 }, (_, i) => ({ [`k${i}`]: i })))).toBe(false);
    const small = { policyName: 'p', policyDocument: '{}' };
    expect(bounded(small)).toBe(small);
    expect(bounded(null)).toBeNull();
    expect(bounded({ policyDocument: 'x'.repeat(200_000) })).toEqual({ omitted: true });
  });

  it('a form of a million fields no operation read is omitted, not built into a tree', () => {
    const form = new Map<string, string>([
      ['Action', 'GetCallerIdentity'],
      ['Version', '2011-06-15'],
    ]);
    for (let i = 0; i < 1_000_000; i++) form.set(`p${i}`, 'v');
    expect(queryRequestParameters(form)).toBe(OMITTED);
    // the operation's own parameters are still kept
    expect(queryRequestParameters(form, new Set(['p1']))).toEqual({ p1: 'v' });
  });
});
