/**
 * An edge worker process's audit log, for src/audit/remote-log.test.ts: over its IPC channel
 * (serialization 'advanced'), it appends `count` copies of the entry the parent sends, a few
 * turns' worth, reads one back, and reports the sequence numbers. It stops when the parent
 * disconnects.
 *
 * Run (forked, with an IPC channel): vite-node test/support/remote-audit-child.ts
 */
import { RemoteAuditLog } from '../../src/audit/remote-log.js';
import type { AuditEntry } from '../../src/audit/types.js';

const log = new RemoteAuditLog({
  send: (m) => process.send?.(m),
  onMessage: (handler) => {
    process.on('message', handler);
    return () => process.off('message', handler);
  },
});
process.on('disconnect', () => log.fail(new Error('the primary went away')));

process.on('message', (m: { type?: string; entry?: AuditEntry; count?: number }) => {
  if (m.type !== 'test.start' || !m.entry) return;
  void run(m.entry, m.count ?? 0);
});

async function run(entry: AuditEntry, count: number): Promise<void> {
  const appended = [];
  for (let i = 0; i < count; i++) {
    const record = { ...entry.record, eventID: `child-${i}`, requestID: `child-req-${i}` };
    appended.push(log.append({ ...entry, record }));
    // a turn every 25 records: several batches
    if (i % 25 === 24) await new Promise((resolve) => setImmediate(resolve));
  }
  const seqs = (await Promise.all(appended)).map((e) => e.seq);
  const read = await log.get(`child-${count - 1}`);
  log.metrics.request('sts', 'GetCallerIdentity', 'allowed', 0.002);
  await log.close();
  process.send?.({ type: 'test.done', seqs, read });
}
