/**
 * A batch the disk takes only part of (ENOSPC half-way): nothing of it stays, and the records
 * written after it are where the index says they are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as NodeFs from 'node:fs';
import type { AuditEntry } from './types.js';

const disk = vi.hoisted(() => ({ full: false }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const writeSync = ((
    fd: number,
    buffer: Buffer,
    offset = 0,
    length?: number,
    position?: number | null,
  ) => {
    const off = offset ?? 0;
    const len = length ?? buffer.length - off;
    if (!disk.full) return fs.writeSync(fd, buffer, off, len, position);
    // the disk takes half, then refuses the rest
    disk.full = false;
    fs.writeSync(fd, buffer, off, Math.floor(len / 2), position);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { SqliteAuditLog } = await import('./sqlite-log.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-audit-partial-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (name: string, i: number): AuditEntry =>
  ({
    record: {
      eventVersion: '1.08',
      userIdentity: { type: 'Unknown' },
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'sts.amazonaws.com',
      eventName: name,
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'test',
      requestID: `req-${name}-${i}`,
      eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
    },
    explanation: { outcome: 'allowed', summary: 'allowed', chain: [] },
    index: { timeMs: Date.parse('2026-01-01T00:00:00Z') },
  }) as unknown as AuditEntry;

describe('a batch cut short by a full disk', () => {
  it('leaves no hole: every later record is read back where the index says it is, also after a restart', async () => {
    const path = join(dir, 'audit.db');
    let log = await SqliteAuditLog.open(path);
    await log.append(entry('Before', 1));
    disk.full = true;
    await expect(log.append(entry('Refused', 2))).rejects.toThrow('audit log write failed');
    for (let i = 3; i < 8; i++) await log.append(entry('After', i));
    const read = async () =>
      (await log.query({}, { limit: 100, order: 'oldest' })).map((e) => e.record.eventName);
    expect(await read()).toEqual(['Before', 'After', 'After', 'After', 'After', 'After']);
    await log.close();
    log = await SqliteAuditLog.open(path);
    expect(await read()).toEqual(['Before', 'After', 'After', 'After', 'After', 'After']);
    expect((await log.get('req-After-5'))?.record.eventName).toBe('After');
    await log.close();
  });
});
