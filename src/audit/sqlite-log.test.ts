/**
 * The SQLite audit log: group commit (concurrent appends share transactions, each resolves
 * after its own commit, in order), survival across restarts, every filter the trail and
 * LookupEvents use, lookup by event id and request id, paging, and waiting for new events.
 */
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitStats } from './log.js';
import { parseSince } from './log.js';
import { SqliteAuditLog, commitLogFiles, commitLogPath } from './sqlite-log.js';
import type { AuditEntry } from './types.js';

let dir: string;
let log: SqliteAuditLog;
let commits: CommitStats[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-audit-'));
  commits = [];
  log = await SqliteAuditLog.open(join(dir, 'audit.db'), { onCommit: (c) => commits.push(c) });
});

afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function entry(
  o: {
    name?: string;
    source?: string;
    error?: string;
    role?: string;
    ns?: string;
    sa?: string;
    username?: string;
    key?: string;
    account?: string;
    time?: string;
    readOnly?: boolean;
    resource?: { type: string; ARN: string };
  } = {},
): AuditEntry {
  n++;
  const time = o.time ?? '2026-01-01T00:00:00Z';
  return {
    record: {
      eventVersion: '1.08',
      userIdentity: { type: 'AssumedRole', principalId: `AROA:${o.username ?? 's'}` },
      eventTime: time,
      eventSource: o.source ?? 'sts.amazonaws.com',
      eventName: o.name ?? 'GetCallerIdentity',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'test',
      ...(o.error ? { errorCode: o.error, errorMessage: 'no' } : {}),
      requestParameters: null,
      responseElements: null,
      requestID: `req-${n}`,
      eventID: `evt-${n}`,
      readOnly: o.readOnly ?? true,
      ...(o.resource ? { resources: [o.resource] } : {}),
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: o.account ?? '123456789012',
      eventCategory: 'Management',
    },
    explanation: { outcome: o.error ? 'denied' : 'allowed', summary: 's', chain: [] },
    index: {
      timeMs: Date.parse(time),
      username: o.username,
      accessKeyId: o.key,
      roleName: o.role,
      roleArn: o.role ? `arn:aws:iam::123456789012:role/${o.role}` : undefined,
      namespace: o.ns,
      serviceAccount: o.sa,
    },
  };
}

const names = (es: { record: { eventName: string; errorCode?: string } }[]) =>
  es.map((e) => `${e.record.eventName}${e.record.errorCode ? `!${e.record.errorCode}` : ''}`);

describe('group commit', () => {
  it('commits concurrent appends in shared transactions, each after its own commit, in order', async () => {
    const all = await Promise.all(Array.from({ length: 300 }, () => log.append(entry())));
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(300);
    expect(commits.reduce((s, c) => s + c.size, 0)).toBe(300);
    // the first append goes alone; the rest pile up behind it
    expect(commits.length).toBeLessThan(300);
    expect(Math.max(...commits.map((c) => c.size))).toBeGreaterThan(1);
    expect(await log.latestSeq()).toBe(seqs[seqs.length - 1]);
  });

  it('appends wait while the index lags more than maxBacklog records behind, then go on', async () => {
    const small = await SqliteAuditLog.open(join(dir, 'small.db'), { maxBacklog: 4 });
    // what the index held when each append was answered
    const lag: number[] = [];
    const held = small as unknown as { committed: number; indexed: number };
    await Promise.all(
      Array.from({ length: 50 }, () =>
        small.append(entry()).then((e) => lag.push(e.seq - held.indexed)),
      ),
    );
    expect(lag).toHaveLength(50);
    // a batch of 50 is 46 past the bound: answered once the index caught up to half of it
    expect(Math.max(...lag)).toBeLessThanOrEqual(2);
    expect(await small.query({}, { limit: 100, order: 'oldest' })).toHaveLength(50);
    await small.close();
  });

  it('what was committed survives a restart', async () => {
    const e = await log.append(entry({ name: 'AssumeRoleWithWebIdentity' }));
    await log.close();
    log = await SqliteAuditLog.open(join(dir, 'audit.db'));
    expect((await log.get(e.record.eventID))?.record.eventName).toBe('AssumeRoleWithWebIdentity');
    expect(await log.latestSeq()).toBe(e.seq);
    const next = await log.append(entry());
    expect(next.seq).toBe(e.seq + 1);
  });

  it('an indexer that dies loses nothing: appends still commit, a new one indexes them', async () => {
    await log.append(entry());
    const indexer = (log as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const held = log.append(entry());
    await indexer.terminate();
    const e = await held;
    const next = await log.append(entry());
    expect((await log.get(e.record.eventID))?.seq).toBe(e.seq);
    expect((await log.get(next.record.eventID))?.seq).toBe(next.seq);
    expect((await log.query({}, { limit: 10, order: 'newest' })).length).toBe(3);
  });

  it('close returns when the indexer cannot be restarted; the next open indexes the commit log', async () => {
    const inside = log as unknown as { worker: unknown; start: () => Promise<void> };
    const indexer = inside.worker as { terminate(): Promise<number> };
    await indexer.terminate();
    for (let i = 0; i < 100 && inside.worker !== undefined; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(inside.worker).toBeUndefined();
    inside.start = () => {
      throw new Error('no indexer');
    };
    const held = await log.append(entry({ name: 'CreateRole' }));
    await expect(log.get(held.record.eventID)).rejects.toThrow('no indexer');
    const closed = log.close().then(() => 'closed');
    const late = new Promise((r) => setTimeout(() => r('close hangs'), 2000));
    expect(await Promise.race([closed, late])).toBe('closed');
    const logText = () =>
      commitLogFiles(join(dir, 'audit.db'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('');
    expect(logText()).toContain('CreateRole');
    log = await SqliteAuditLog.open(join(dir, 'audit.db'));
    expect((await log.get(held.record.eventID))?.record.eventName).toBe('CreateRole');
    expect(await log.latestSeq()).toBe(held.seq);
    // the segments hold the records: they stay
    expect(logText()).toContain('CreateRole');
  });

  it('a record cut short by a crash is no record; the ones before it are kept', async () => {
    await log.close();
    const path = join(dir, 'audit.db');
    const first = entry({ name: 'CreateRole' });
    const line = (seq: number, e: AuditEntry) =>
      `${JSON.stringify({ seq, index: e.index, record: e.record, explanation: e.explanation })}\n`;
    const torn = line(2, entry({ name: 'DeleteRole' }));
    writeFileSync(`${commitLogPath(path)}.1`, line(1, first) + torn.slice(0, torn.length / 2));
    log = await SqliteAuditLog.open(path);
    expect(names(await log.query({}, { limit: 10, order: 'newest' }))).toEqual(['CreateRole']);
    expect((await log.append(entry())).seq).toBe(2);
    // a line that is JSON but no record (an edited file) is skipped; the rest still opens
    await log.close();
    writeFileSync(
      `${commitLogPath(path)}.7`,
      `{"seq":3,"index":{},"record":{},"explanation":{}}\n${line(4, entry({ name: 'GetRole' }))}`,
    );
    log = await SqliteAuditLog.open(path);
    expect(log.skippedOnRecovery).toBe(1);
    expect(names(await log.query({}, { limit: 10, order: 'newest' }))).toEqual([
      'GetRole',
      'GetCallerIdentity',
      'CreateRole',
    ]);
  });

  it('a failed write commits nothing and answers the appends with the error', async () => {
    const before = await log.append(entry({ name: 'CreateRole' }));
    const inside = log as unknown as { current: { fd: number } };
    const fd = inside.current.fd;
    // a descriptor that refuses writes, as a full disk would
    writeFileSync(join(dir, 'read-only'), '');
    inside.current.fd = openSync(join(dir, 'read-only'), 'r');
    await expect(log.append(entry({ name: 'DeleteRole' }))).rejects.toThrow(
      'audit log write failed',
    );
    inside.current.fd = fd;
    const after = await log.append(entry({ name: 'GetRole' }));
    expect(after.seq).toBe(before.seq + 1);
    expect(names(await log.query({}, { limit: 10, order: 'newest' }))).toEqual([
      'GetRole',
      'CreateRole',
    ]);
  });

  it('keeps the records in the segments of the commit log, and only where they are in the index', async () => {
    await log.close();
    const path = join(dir, 'audit.db');
    log = await SqliteAuditLog.open(path, { segmentBytes: 4096 });
    // never idle: a new batch is always in flight while the previous one is indexed
    for (let round = 0; round < 40; round++)
      await Promise.all(Array.from({ length: 8 }, () => log.append(entry({ name: `Op${round}` }))));
    const all = await log.query({}, { limit: 1000, order: 'oldest' });
    expect(all.length).toBe(320);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 320 }, (_, i) => i + 1));
    expect(all[319]?.record.eventName).toBe('Op39');
    // 320 records of ≈ 0.6 KB in segments of 4 KiB; the index rows hold none of them
    expect(commitLogFiles(path).length).toBeGreaterThan(30);
    const db = new Database(path, { readonly: true });
    expect(
      db.prepare("SELECT count(*) AS n FROM events WHERE record = '' AND explanation = ''").get(),
    ).toEqual({ n: 320 });
    db.close();
    await log.close();
    const files = commitLogFiles(path);
    log = await SqliteAuditLog.open(path);
    expect(await log.latestSeq()).toBe(320);
    expect((await log.get(all[100]?.record.eventID ?? ''))?.record.eventName).toBe('Op12');
    // nothing written since: no new segment left behind
    await log.close();
    expect(commitLogFiles(path).length).toBe(files.length);
    log = await SqliteAuditLog.open(path);
  });

  it('reads the records of an index of schema 1 (records in its rows) beside the new ones', async () => {
    await log.close();
    const path = join(dir, 'audit.db');
    rmSync(path, { force: true });
    for (const f of commitLogFiles(path)) rmSync(f);
    const old = new Database(path);
    const e = entry({ name: 'CreateOpenIDConnectProvider' });
    old.exec(`
      CREATE TABLE meta (schema_version INTEGER NOT NULL);
      INSERT INTO meta VALUES (1);
      CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, request_id TEXT NOT NULL,
        time_ms INTEGER NOT NULL, account TEXT NOT NULL, event_source TEXT NOT NULL,
        event_name TEXT NOT NULL, read_only INTEGER NOT NULL, category TEXT NOT NULL, username TEXT,
        access_key_id TEXT, principal TEXT, role_arn TEXT, role_name TEXT, namespace TEXT,
        service_account TEXT, error_code TEXT, record TEXT NOT NULL, explanation TEXT NOT NULL);
      CREATE TABLE event_resources (seq INTEGER NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL);
    `);
    old
      .prepare(
        "INSERT INTO events VALUES (1, ?, ?, ?, '123456789012', 'iam.amazonaws.com', 'CreateOpenIDConnectProvider', 0, 'Management', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ?, ?)",
      )
      .run(
        e.record.eventID,
        e.record.requestID,
        e.index.timeMs,
        JSON.stringify(e.record),
        JSON.stringify(e.explanation),
      );
    old.close();
    log = await SqliteAuditLog.open(path);
    const next = await log.append(entry({ name: 'CreateRole' }));
    expect(next.seq).toBe(2);
    expect(names(await log.query({}, { limit: 10, order: 'oldest' }))).toEqual([
      'CreateOpenIDConnectProvider',
      'CreateRole',
    ]);
    expect((await log.get(e.record.eventID))?.explanation).toEqual(e.explanation);
  });

  it('reads a history of many segments with a few of them open at a time', async () => {
    await log.close();
    log = await SqliteAuditLog.open(join(dir, 'audit.db'), { segmentBytes: 1 });
    // one segment each
    for (let i = 0; i < 40; i++) await log.append(entry({ name: `Op${i}` }));
    const all = await log.query({}, { limit: 100, order: 'oldest' });
    expect(names(all)).toEqual(Array.from({ length: 40 }, (_, i) => `Op${i}`));
    expect((log as unknown as { readers: Map<number, number> }).readers.size).toBeLessThanOrEqual(
      16,
    );
    expect(names(await log.query({}, { limit: 100, order: 'newest' }))[39]).toBe('Op0');
  });

  it('leaves out a record whose segment was deleted or rewritten by hand, and reads the rest', async () => {
    await log.close();
    const path = join(dir, 'audit.db');
    log = await SqliteAuditLog.open(path, { segmentBytes: 1 });
    // one segment each
    const a = await log.append(entry({ name: 'CreateRole' }));
    const b = await log.append(entry({ name: 'DeleteRole' }));
    const c = await log.append(entry({ name: 'GetRole' }));
    await log.close();
    const [first, second] = commitLogFiles(path);
    rmSync(first as string);
    writeFileSync(
      second as string,
      readFileSync(second as string, 'utf8').replace('"seq":2', '"seq":9'),
    );
    log = await SqliteAuditLog.open(path);
    expect(names(await log.query({}, { limit: 10, order: 'newest' }))).toEqual(['GetRole']);
    expect(await log.get(a.record.eventID)).toBeUndefined();
    expect(await log.get(b.record.requestID)).toBeUndefined();
    expect((await log.get(c.record.eventID))?.seq).toBe(3);
    expect((await log.append(entry())).seq).toBe(4);
  });

  it('full durability: appends resolve once their segment is synced, across rotations', async () => {
    await log.close();
    const path = join(dir, 'audit.db');
    log = await SqliteAuditLog.open(path, { durability: 'full', segmentBytes: 2048 });
    const done = await Promise.all(
      Array.from({ length: 30 }, (_, i) => log.append(entry({ name: `Op${i}` }))),
    );
    for (let i = 0; i < 5; i++) done.push(await log.append(entry({ name: 'Later' })));
    expect(done.map((e) => e.seq)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(commitLogFiles(path).length).toBeGreaterThanOrEqual(3);
    await log.close();
    log = await SqliteAuditLog.open(path);
    expect((await log.query({}, { limit: 100, order: 'oldest' })).length).toBe(35);
  });

  it('close gives up on an indexer that never answers; the next open indexes what it missed', async () => {
    await log.close();
    const path = join(dir, 'audit.db');
    log = await SqliteAuditLog.open(path, { closeWaitMs: 200 });
    const first = await log.append(entry({ name: 'CreateRole' }));
    await log.get(first.record.eventID);
    // the indexer takes commits and never answers (as one stuck in a transaction would)
    const inside = log as unknown as { worker: { postMessage: (m: unknown) => void } };
    inside.worker.postMessage = () => undefined;
    const held = await log.append(entry({ name: 'DeleteRole' }));
    const started = Date.now();
    await log.close();
    expect(Date.now() - started).toBeLessThan(2000);
    log = await SqliteAuditLog.open(path);
    expect((await log.get(held.record.eventID))?.record.eventName).toBe('DeleteRole');
    expect(await log.latestSeq()).toBe(held.seq);
  });

  it('close waits for appends in flight', async () => {
    const pending = Array.from({ length: 50 }, () => log.append(entry()));
    await log.close();
    expect((await Promise.all(pending)).length).toBe(50);
    await expect(log.append(entry())).rejects.toThrow('closed');
    log = await SqliteAuditLog.open(join(dir, 'audit.db'));
    expect((await log.query({}, { limit: 100, order: 'newest' })).length).toBe(50);
  });
});

describe('queries', () => {
  beforeEach(async () => {
    await log.append(
      entry({
        name: 'AssumeRoleWithWebIdentity',
        role: 's3-app-role',
        ns: 'production',
        sa: 's3-app',
        username: 'system:serviceaccount:production:s3-app',
        time: '2026-01-01T00:00:00Z',
      }),
    );
    await log.append(
      entry({
        name: 'AssumeRoleWithWebIdentity',
        role: 's3-app-role',
        ns: 'production',
        sa: 'other',
        error: 'AccessDenied',
        time: '2026-01-01T01:00:00Z',
      }),
    );
    await log.append(
      entry({
        source: 's3.amazonaws.com',
        name: 'GetObject',
        role: 's3-app-role',
        ns: 'production',
        sa: 's3-app',
        username: 'botocore-session-1',
        key: 'ASIAKEY',
        error: 'AccessDenied',
        readOnly: true,
        resource: { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' },
        time: '2026-01-01T02:00:00Z',
      }),
    );
    await log.append(
      entry({
        source: 'iam.amazonaws.com',
        name: 'CreateRole',
        username: 'admin',
        readOnly: false,
        account: '111122223333',
        resource: { type: 'AWS::IAM::Role', ARN: 'arn:aws:iam::111122223333:role/x' },
        time: '2026-01-01T03:00:00Z',
      }),
    );
  });
  const q = async (f: Parameters<SqliteAuditLog['query']>[0]) =>
    names(await log.query(f, { limit: 50, order: 'newest' }));

  it.each([
    [
      {},
      [
        'CreateRole',
        'GetObject!AccessDenied',
        'AssumeRoleWithWebIdentity!AccessDenied',
        'AssumeRoleWithWebIdentity',
      ],
    ],
    [{ errors: true }, ['GetObject!AccessDenied', 'AssumeRoleWithWebIdentity!AccessDenied']],
    [
      { eventName: 'AssumeRoleWithWebIdentity' },
      ['AssumeRoleWithWebIdentity!AccessDenied', 'AssumeRoleWithWebIdentity'],
    ],
    [{ eventSource: 's3.amazonaws.com' }, ['GetObject!AccessDenied']],
    [
      { role: 's3-app-role' },
      [
        'GetObject!AccessDenied',
        'AssumeRoleWithWebIdentity!AccessDenied',
        'AssumeRoleWithWebIdentity',
      ],
    ],
    [
      { role: 'arn:aws:iam::123456789012:role/s3-app-role', errors: true },
      ['GetObject!AccessDenied', 'AssumeRoleWithWebIdentity!AccessDenied'],
    ],
    [
      { namespace: 'production', serviceAccount: 's3-app' },
      ['GetObject!AccessDenied', 'AssumeRoleWithWebIdentity'],
    ],
    [
      { namespace: 'production' },
      [
        'GetObject!AccessDenied',
        'AssumeRoleWithWebIdentity!AccessDenied',
        'AssumeRoleWithWebIdentity',
      ],
    ],
    [{ username: 'botocore-session-1' }, ['GetObject!AccessDenied']],
    // the role name matches as a Username too (the seed's lookup)
    [
      { username: 's3-app-role', errors: true },
      ['GetObject!AccessDenied', 'AssumeRoleWithWebIdentity!AccessDenied'],
    ],
    [{ accessKeyId: 'ASIAKEY' }, ['GetObject!AccessDenied']],
    [{ resourceType: 'AWS::S3::Object' }, ['GetObject!AccessDenied']],
    [{ resourceName: 'arn:aws:iam::111122223333:role/x' }, ['CreateRole']],
    [{ readOnly: false }, ['CreateRole']],
    [{ account: '111122223333' }, ['CreateRole']],
    [
      { since: Date.parse('2026-01-01T01:00:00Z'), until: Date.parse('2026-01-01T02:00:00Z') },
      ['GetObject!AccessDenied', 'AssumeRoleWithWebIdentity!AccessDenied'],
    ],
  ])('%j', async (filter, expected) => {
    expect(await q(filter)).toEqual(expected);
  });

  it('pages newest first, and follows oldest first', async () => {
    const first = await log.query({}, { limit: 2, order: 'newest' });
    const second = await log.query({}, { limit: 2, order: 'newest', beforeSeq: first[1]?.seq });
    expect(names([...first, ...second])).toEqual(await q({}));
    const after = await log.query({}, { limit: 10, order: 'oldest', afterSeq: second[1]?.seq });
    expect(names(after)).toEqual([
      'AssumeRoleWithWebIdentity!AccessDenied',
      'GetObject!AccessDenied',
      'CreateRole',
    ]);
  });

  it('finds an event by its event id or its request id', async () => {
    const [e] = await log.query({ eventName: 'CreateRole' }, { limit: 1, order: 'newest' });
    expect((await log.get(e?.record.eventID ?? ''))?.seq).toBe(e?.seq);
    expect((await log.get(e?.record.requestID ?? ''))?.seq).toBe(e?.seq);
    expect(await log.get('nope')).toBeUndefined();
  });
});

describe('waiting for new events', () => {
  it('resolves when one is committed, or at the timeout', async () => {
    const latest = await log.latestSeq();
    const waiting = log.waitForNew(latest, 5000);
    await log.append(entry());
    await waiting;
    const t0 = Date.now();
    await log.waitForNew(await log.latestSeq(), 50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    const gone = new AbortController();
    const aborted = log.waitForNew(await log.latestSeq(), 5000, gone.signal);
    gone.abort();
    await aborted;
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  it.each([
    ['15m', '2026-01-01T23:45:00Z'],
    ['2h', '2026-01-01T22:00:00Z'],
    ['1d', '2026-01-01T00:00:00Z'],
    ['30s', '2026-01-01T23:59:30Z'],
    ['2026-01-01T12:00:00Z', '2026-01-01T12:00:00Z'],
  ])('%s', (text, iso) => {
    expect(parseSince(text, now)).toBe(Date.parse(iso));
  });
  it.each(['yesterday', '15x', ''])('%j is not a time', (text) => {
    expect(parseSince(text, now)).toBeUndefined();
  });
});

describe('values the index cannot take', () => {
  it('a resource without a type (or a type that is no string) leaves the resource out, never the index stuck', async () => {
    const odd = entry({ name: 'Odd' });
    odd.record.resources = [
      { ARN: 'arn:aws:iam::123456789012:thing/x' } as never,
      { type: Object as never, ARN: 'arn:aws:iam::123456789012:constructor/x' },
      { type: 'AWS::IAM::Role', ARN: 'arn:aws:iam::123456789012:role/r' },
    ];
    await Promise.all([
      log.append(entry({ name: 'Before' })),
      log.append(odd),
      log.append(entry({ name: 'After' })),
    ]);
    expect(names(await log.query({}, { limit: 10, order: 'oldest' }))).toEqual([
      'Before',
      'Odd',
      'After',
    ]);
    expect(
      names(await log.query({ resourceType: 'AWS::IAM::Role' }, { limit: 10, order: 'oldest' })),
    ).toEqual(['Odd']);
    await log.append(entry({ name: 'Later' }));
    expect(await log.query({}, { limit: 10, order: 'oldest' })).toHaveLength(4);
    // and after a restart, which reads what the index missed back from the commit log
    await log.close();
    log = await SqliteAuditLog.open(join(dir, 'audit.db'));
    expect(await log.query({}, { limit: 10, order: 'oldest' })).toHaveLength(4);
  });
});

describe('a row the index refuses', () => {
  it('is left out alone; the rest of its batch and everything after are indexed, before and after a restart', async () => {
    const odd = entry({ name: 'Odd' });
    // a column value SQLite cannot bind
    (odd.index as { username?: unknown }).username = { not: 'a string' };
    await Promise.all([
      log.append(entry({ name: 'Before' })),
      log.append(odd),
      log.append(entry({ name: 'After' })),
    ]);
    expect(names(await log.query({}, { limit: 10, order: 'oldest' }))).toEqual(['Before', 'After']);
    await log.append(entry({ name: 'Later' }));
    expect(names(await log.query({}, { limit: 10, order: 'oldest' }))).toEqual([
      'Before',
      'After',
      'Later',
    ]);
    await log.close();
    log = await SqliteAuditLog.open(join(dir, 'audit.db'));
    expect(await log.query({}, { limit: 10, order: 'oldest' })).toHaveLength(3);
    expect((await log.append(entry())).seq).toBe(5);
  });
});

describe('retention', () => {
  const DAY = 86_400_000;
  const NOW = Date.parse('2026-06-01T00:00:00Z');
  const daysAgo = (d: number) => new Date(NOW - d * DAY).toISOString();

  async function reopen(opts: Parameters<typeof SqliteAuditLog.open>[1]): Promise<string> {
    await log.close();
    const path = join(dir, 'audit.db');
    log = await SqliteAuditLog.open(path, { segmentBytes: 2048, now: () => NOW, ...opts });
    return path;
  }

  it('removes the records older than the retention from the index, and the segments that held only them', async () => {
    const path = await reopen({ retentionMs: 90 * DAY });
    for (const d of [200, 150, 120, 91])
      for (let i = 0; i < 10; i++)
        await log.append(
          entry({
            name: `Old${d}`,
            time: daysAgo(d),
            resource: { type: 'AWS::IAM::Role', ARN: `arn:aws:iam::123456789012:role/r${d}` },
          }),
        );
    for (const d of [89, 30, 1])
      for (let i = 0; i < 10; i++) await log.append(entry({ name: `New${d}`, time: daysAgo(d) }));
    const before = commitLogFiles(path).length;
    const oldId = (await log.query({ eventName: 'Old150' }, { limit: 1, order: 'oldest' }))[0]
      ?.record.requestID;
    expect(oldId).toBeDefined();

    expect(await log.prune()).toEqual({ records: 40, segments: expect.any(Number) });
    const left = await log.query({}, { limit: 1000, order: 'oldest' });
    expect(new Set(left.map((e) => e.record.eventName))).toEqual(
      new Set(['New89', 'New30', 'New1']),
    );
    expect(await log.get(oldId ?? '')).toBeUndefined();
    expect(
      await log.query({ resourceType: 'AWS::IAM::Role' }, { limit: 10, order: 'oldest' }),
    ).toEqual([]);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM event_resources').get()).toEqual({ n: 0 });
    db.close();
    const after = commitLogFiles(path).length;
    expect(after).toBeLessThan(before);
    // what stays is readable, and a second pass finds nothing to do
    expect(left).toHaveLength(30);
    expect(await log.prune()).toEqual({ records: 0, segments: 0 });
    // sequence numbers go on after a restart
    const last = await log.latestSeq();
    await reopen({ retentionMs: 90 * DAY });
    expect((await log.append(entry())).seq).toBe(last + 1);
  });

  it('keeps the newest record whatever its age, so sequence numbers never start over', async () => {
    const path = await reopen({ retentionMs: DAY });
    for (let i = 0; i < 20; i++) await log.append(entry({ name: `Op${i}`, time: daysAgo(10) }));
    await log.prune();
    expect(names(await log.query({}, { limit: 100, order: 'oldest' }))).toEqual(['Op19']);
    await log.close();
    log = await SqliteAuditLog.open(path, { now: () => NOW });
    expect(await log.latestSeq()).toBe(20);
    expect((await log.append(entry())).seq).toBe(21);
  });

  it('keeps everything without a retention, and runs on its own on open', async () => {
    await reopen({});
    for (let i = 0; i < 5; i++) await log.append(entry({ time: daysAgo(1000) }));
    await log.append(entry());
    expect(await log.prune()).toEqual({ records: 0, segments: 0 });
    expect(await log.query({}, { limit: 100, order: 'oldest' })).toHaveLength(6);
    const told: unknown[] = [];
    await reopen({ retentionMs: 90 * DAY, onPrune: (r) => told.push(r) });
    // the pass started on open is the one a call joins
    await log.prune();
    expect(told).toEqual([{ records: 5, segments: expect.any(Number) }]);
    expect(await log.query({}, { limit: 100, order: 'oldest' })).toHaveLength(1);
  });

  it('leaves out a record being written meanwhile, and removes nothing twice under concurrent calls', async () => {
    await reopen({ retentionMs: 90 * DAY });
    for (let i = 0; i < 30; i++) await log.append(entry({ time: daysAgo(100) }));
    await log.append(entry({ time: daysAgo(1) }));
    const [a, b] = await Promise.all([
      log.prune(),
      log.prune(),
      log.append(entry({ time: daysAgo(0) })),
    ]);
    expect(a).toEqual(b);
    expect(a?.records).toBe(30);
    expect(await log.query({}, { limit: 100, order: 'oldest' })).toHaveLength(2);
  });
});
