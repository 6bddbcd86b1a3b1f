import { describe, expect, it } from 'vitest';
import { watchDisk } from './disk-guard.js';

describe('watchDisk', () => {
  it('is full below the minimum, says so once, and again when there is room', async () => {
    let free = 100;
    const lines: string[] = [];
    const disk = await watchDisk('/data', {
      minFreeBytes: 50,
      intervalMs: 5,
      freeBytes: () => Promise.resolve(free),
      log: (l) => lines.push(l),
    });
    expect(disk.full()).toBe(false);
    free = 10;
    await new Promise((r) => setTimeout(r, 30));
    expect(disk.full()).toBe(true);
    free = 200;
    await new Promise((r) => setTimeout(r, 30));
    expect(disk.full()).toBe(false);
    // a request's own body counts against the margin
    expect(disk.full(100)).toBe(false);
    expect(disk.full(160)).toBe(true);
    disk.stop();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('AWS calls are refused (503)');
    expect(lines[1]).toContain('has room again');
  });

  it('never refuses for a filesystem that cannot say', async () => {
    const disk = await watchDisk('/data', { freeBytes: () => Promise.reject(new Error('ENOSYS')) });
    expect(disk.full()).toBe(false);
    disk.stop();
  });
});
