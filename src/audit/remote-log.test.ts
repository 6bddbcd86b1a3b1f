/**
 * The audit log of an edge worker process against a real SQLite audit log served by the
 * primary: appends of workers and of the primary share one numbering, the records read the
 * same whichever side wrote or reads them (the commit log line byte for byte), a failed commit
 * fails the workers' appends, waits wake on records of other workers and end on abort, timeout
 * or disconnect, a closed channel leaves nothing hanging, and the workers' metrics are counted
 * by the primary. Channels deliver in a microtask a structured clone of each message, as IPC
 * does; one test runs a real child process over child_process IPC.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeMetrics } from './metrics.js';
import { type Channel, RemoteAuditLog, serveAuditLog } from './remote-log.js';
import { SqliteAuditLog, commitLogFiles } from './sqlite-log.js';
import type { AuditEntry, StoredEvent } from './types.js';

/** Two connected ends; `close` drops what is in flight and makes `send` throw, as a dead IPC. */
function channelPair(): {
  worker: Channel;
  primary: Channel;
  /** every message sent by the worker, as sent */
  fromWorker: { type: string }[];
  close: () => void;
} {
  const handlers = {
    worker: new Set<(m: unknown) => void>(),
    primary: new Set<(m: unknown) => void>(),
  };
  const fromWorker: { type: string }[] = [];
  let open = true;
  const end = (self: 'worker' | 'primary', peer: 'worker' | 'primary'): Channel => ({
    send(message) {
      if (!open) throw new Error('channel closed');
      if (self === 'worker') fromWorker.push(message as { type: string });
      const copy = structuredClone(message);
      queueMicrotask(() => {
        if (open) for (const h of [...handlers[peer]]) h(copy);
      });
    },
    onMessage(handler) {
      handlers[self].add(handler);
      return () => handlers[self].delete(handler);
    },
  });
  return {
    worker: end('worker', 'primary'),
    primary: end('primary', 'worker'),
    fromWorker,
    close: () => {
      open = false;
    },
  };
}

let dir: string;
let log: SqliteAuditLog;
let metrics: EdgeMetrics;
const stops: (() => void)[] = [];
const remotes: RemoteAuditLog[] = [];

/** A worker connected to the primary's log. */
function worker(opts: ConstructorParameters<typeof RemoteAuditLog>[1] = {}) {
  const pair = channelPair();
  stops.push(serveAuditLog(log, pair.primary, { metrics }));
  const remote = new RemoteAuditLog(pair.worker, opts);
  remotes.push(remote);
  return { remote, pair };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-remote-audit-'));
  log = await SqliteAuditLog.open(join(dir, 'audit.db'));
  metrics = new EdgeMetrics();
});

afterEach(async () => {
  for (const r of remotes.splice(0)) r.fail(new Error('test over'));
  for (const stop of stops.splice(0)) stop();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A record with resources, index columns and text that is not ASCII (its line's length in bytes). */
function entry(name = 'GetObject'): AuditEntry {
  n++;
  return {
    record: {
      eventVersion: '1.10',
      userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:s', accessKeyId: 'ASIAKEY' },
      eventTime: '2026-11-22T10:51:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: name,
      awsRegion: 'us-west-2',
      sourceIPAddress: '10.0.1.23',
      userAgent: 'café-client/1.0 ☕ 🚀',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      requestParameters: { bucketName: 'b', key: 'naïve/ключ' },
      responseElements: null,
      requestID: `req-${n}`,
      eventID: `evt-${n}`,
      readOnly: true,
      resources: [
        { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/naïve/ключ' },
        { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::b' },
      ],
      eventType: 'AwsApiCall',
      managementEvent: false,
      recipientAccountId: '111122223333',
      eventCategory: 'Data',
    },
    explanation: {
      outcome: 'denied',
      summary: 'denied: no statement allows s3:GetObject',
      chain: [],
    },
    index: {
      timeMs: Date.parse('2026-11-22T10:51:00Z'),
      username: 'app',
      accessKeyId: 'ASIAKEY',
      roleName: 'app',
      roleArn: 'arn:aws:iam::111122223333:role/app',
      namespace: 'ns',
      serviceAccount: 'sa',
    },
  };
}

const seqsOf = (events: StoredEvent[]) => events.map((e) => e.seq);
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The commit log's lines, by sequence number, without the `{"seq":<n>,` they start with. */
function linesBySeq(): Map<number, string> {
  const out = new Map<number, string>();
  for (const file of commitLogFiles(join(dir, 'audit.db')))
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const m = /^\{"seq":(\d+),/.exec(line) as RegExpExecArray;
      out.set(Number(m[1]), line.slice(m[0].length));
    }
  return out;
}

describe('appending through the primary', () => {
  it('numbers the records of workers and of the primary in one sequence, a turn in one message', async () => {
    const a = worker();
    const b = worker();
    const appended = [
      a.remote.append(entry('A1')),
      log.append(entry('P1')),
      b.remote.append(entry('B1')),
      a.remote.append(entry('A2')),
      b.remote.append(entry('B2')),
      log.append(entry('P2')),
      a.remote.append(entry('A3')),
    ];
    const events = await Promise.all(appended);
    expect(seqsOf(events).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // each source's records in the order it appended them
    const seqOf = (name: string) => events.find((e) => e.record.eventName === name)?.seq ?? 0;
    expect(seqOf('A1')).toBeLessThan(seqOf('A2'));
    expect(seqOf('A2')).toBeLessThan(seqOf('A3'));
    expect(seqOf('B1')).toBeLessThan(seqOf('B2'));
    expect(seqOf('P1')).toBeLessThan(seqOf('P2'));
    // one turn of a worker: one message
    expect(a.pair.fromWorker.map((m) => m.type)).toEqual(['audit.batch']);
    const next = await Promise.all([a.remote.append(entry('A4')), b.remote.append(entry('B3'))]);
    expect(seqsOf(next).sort((x, y) => x - y)).toEqual([8, 9]);
    expect(await a.remote.latestSeq()).toBe(9);
  });

  it('stores what a local append stores, byte for byte apart from the sequence number', async () => {
    const { remote } = worker();
    const e = entry();
    const local = await log.append(e);
    const remoteEvent = await remote.append(e);
    expect(remoteEvent).toEqual({ ...e, seq: local.seq + 1 });
    const lines = linesBySeq();
    expect(lines.get(remoteEvent.seq)).toBe(lines.get(local.seq));
  });

  it('reads the same records through the worker as through the primary', async () => {
    const { remote } = worker();
    await remote.append(entry('GetObject'));
    await log.append(entry('PutObject'));
    const fromRemote = await remote.append(entry('DeleteObject'));
    const page = { limit: 10, order: 'newest' } as const;
    const viaRemote = await remote.query({}, page);
    expect(viaRemote).toEqual(await log.query({}, page));
    expect(viaRemote.map((e) => e.record.eventName)).toEqual([
      'DeleteObject',
      'PutObject',
      'GetObject',
    ]);
    // the filters on the columns the worker computed, resources included
    expect(seqsOf(await remote.query({ resourceName: 'arn:aws:s3:::b/naïve/ключ' }, page))).toEqual(
      [3, 2, 1],
    );
    expect(
      seqsOf(await log.query({ namespace: 'ns', serviceAccount: 'sa', errors: true }, page)),
    ).toEqual([3, 2, 1]);
    const byId = await remote.get(fromRemote.record.eventID);
    expect(byId).toEqual(await log.get(fromRemote.record.eventID));
    expect(byId).toMatchObject({ seq: fromRemote.seq, record: fromRemote.record });
    expect(await remote.get(fromRemote.record.requestID)).toEqual(byId);
    expect(await remote.get('no-such-event')).toBeUndefined();
  });

  it('fails the appends of a failed commit with its error, and numbers on after it', async () => {
    const { remote } = worker();
    const before = await remote.append(entry('CreateRole'));
    const inside = log as unknown as { current: { fd: number } };
    const fd = inside.current.fd;
    // a descriptor that refuses writes, as a full disk would
    writeFileSync(join(dir, 'read-only'), '');
    inside.current.fd = openSync(join(dir, 'read-only'), 'r');
    const failed = [remote.append(entry('DeleteRole')), remote.append(entry('DeleteRole'))];
    const local = log.append(entry('DeleteRole'));
    for (const p of [...failed, local]) await expect(p).rejects.toThrow('audit log write failed');
    inside.current.fd = fd;
    expect((await remote.append(entry('GetRole'))).seq).toBe(before.seq + 1);
    expect(
      (await remote.query({}, { limit: 10, order: 'newest' })).map((e) => e.record.eventName),
    ).toEqual(['GetRole', 'CreateRole']);
  });

  it("answers a read with the primary's error", async () => {
    const { remote } = worker();
    await log.close();
    await expect(remote.append(entry())).rejects.toThrow('the audit log is closed');
    await expect(remote.query({}, { limit: 1, order: 'newest' })).rejects.toThrow();
  });
});

describe('waiting for new records', () => {
  it('wakes on a record another worker appends', async () => {
    const a = worker();
    const b = worker();
    const latest = await a.remote.latestSeq();
    const started = Date.now();
    const woke = a.remote.waitForNew(latest, 10_000);
    await tick();
    await b.remote.append(entry());
    await woke;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await a.remote.latestSeq()).toBe(latest + 1);
  });

  it('ends on abort at once, and the primary stops waiting', async () => {
    const { remote, pair } = worker();
    const waiters = (log as unknown as { waiters: Set<unknown> }).waiters;
    const abort = new AbortController();
    const wait = remote.waitForNew(0, 10_000, abort.signal);
    await tick();
    expect(waiters.size).toBe(1);
    abort.abort();
    await wait;
    expect(pair.fromWorker.map((m) => m.type)).toEqual(['audit.waitForNew', 'audit.cancel']);
    await tick();
    expect(waiters.size).toBe(0);
    // an aborted signal asks nothing
    await remote.waitForNew(0, 10_000, abort.signal);
    expect(pair.fromWorker).toHaveLength(2);
  });

  it("ends at the primary's timeout", async () => {
    const { remote } = worker();
    const started = Date.now();
    await remote.waitForNew(0, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect((log as unknown as { waiters: Set<unknown> }).waiters.size).toBe(0);
  });

  it('a worker that disconnects: the primary stops its waits', async () => {
    const { remote, pair } = worker();
    const waiters = (log as unknown as { waiters: Set<unknown> }).waiters;
    const wait = remote.waitForNew(0, 10_000);
    await tick();
    expect(waiters.size).toBe(1);
    pair.close();
    for (const stop of stops) stop();
    expect(waiters.size).toBe(0);
    remote.fail(new Error('the primary went away'));
    await wait;
  });
});

describe('a channel that closes', () => {
  it('fails the appends sent and the reads, and refuses new ones', async () => {
    const { remote, pair } = worker();
    const appends = [remote.append(entry()), remote.append(entry())];
    const read = remote.latestSeq();
    const wait = remote.waitForNew(100, 10_000);
    pair.close();
    remote.fail(new Error('the primary went away'));
    for (const p of [...appends, read]) await expect(p).rejects.toThrow('the primary went away');
    await wait;
    await expect(remote.append(entry())).rejects.toThrow('the primary went away');
  });

  it('a send that throws fails what waits on the channel', async () => {
    const { remote, pair } = worker();
    pair.close();
    const append = remote.append(entry());
    await expect(append).rejects.toThrow('the audit channel to the primary failed: channel closed');
    await expect(remote.latestSeq()).rejects.toThrow('channel closed');
  });

  it('close waits for the appends sent, then gives up on a primary that does not answer', async () => {
    const { remote, pair } = worker({ closeWaitMs: 50 });
    const answered = remote.append(entry());
    await remote.close();
    expect((await answered).seq).toBe(1);
    await expect(remote.append(entry())).rejects.toThrow('the audit log is closed');

    const silent = worker({ closeWaitMs: 50 });
    const lost = silent.remote.append(entry());
    await tick();
    // delivered, never answered
    silent.pair.close();
    const started = Date.now();
    await silent.remote.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(lost).rejects.toThrow('the audit log is closed');
    expect(pair.fromWorker.map((m) => m.type)).toEqual(['audit.batch']);
  });
});

describe("the workers' metrics", () => {
  it('ride on the batch of appends and are counted by the primary', async () => {
    const { remote, pair } = worker();
    remote.metrics.request('s3', 'GetObject', 'denied', 0.003);
    remote.metrics.writeError();
    await remote.append(entry());
    expect(pair.fromWorker).toHaveLength(1);
    const text = metrics.render();
    expect(text).toContain(
      'irsa_requests_total{service="s3",action="GetObject",outcome="denied"} 1',
    );
    expect(text).toContain('irsa_audit_write_errors_total 1');
  });

  it('go on their own when no append comes', async () => {
    const { remote, pair } = worker({ metricsDelayMs: 10 });
    remote.metrics.request('sts', 'GetCallerIdentity', 'allowed', 0.002);
    remote.metrics.request('sts', 'GetCallerIdentity', 'allowed', 0.004);
    await tick();
    expect(pair.fromWorker).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pair.fromWorker).toHaveLength(1);
    expect(metrics.render()).toContain(
      'irsa_requests_total{service="sts",action="GetCallerIdentity",outcome="allowed"} 2',
    );
  });
});

describe('a real child process', () => {
  it('appends through child_process IPC (structured clone)', async () => {
    const require = createRequire(import.meta.url);
    const viteNode = join(dirname(require.resolve('vite-node/package.json')), 'vite-node.mjs');
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const child = fork(viteNode, [join(root, 'test/support/remote-audit-child.ts')], {
      cwd: root,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const stop = serveAuditLog(
      log,
      {
        send: (m) => child.send(m as object),
        onMessage: (handler) => {
          child.on('message', handler);
          return () => child.off('message', handler);
        },
      },
      { metrics },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const local = await log.append(entry('BeforeTheChild'));
      const done = new Promise<{ seqs: number[]; read: StoredEvent }>((resolve, reject) => {
        child.on('message', (m: { type?: string }) => {
          if (m.type === 'test.done') resolve(m as { seqs: number[]; read: StoredEvent });
        });
        child.once('exit', (code) => reject(new Error(`the child exited (${code})`)));
      });
      child.send({ type: 'test.start', entry: entry('FromTheChild'), count: 100 });
      const { seqs, read } = await done;
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => local.seq + 1 + i));
      expect(read).toMatchObject({ seq: local.seq + 100, record: { eventID: 'child-99' } });
      expect(
        await log.query({ eventName: 'FromTheChild' }, { limit: 200, order: 'oldest' }),
      ).toHaveLength(100);
      expect(metrics.render()).toContain(
        'irsa_requests_total{service="sts",action="GetCallerIdentity",outcome="allowed"} 1',
      );
    } finally {
      stop();
      child.disconnect();
      await exited;
    }
  });
});
