import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderInUse, lockDataFolder } from './data-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** a pid that was a process a moment ago and is none now */
const deadPid = () =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);

describe('lockDataFolder', () => {
  it('takes over a dead owner’s lock, and releases its own', () => {
    writeFileSync(join(dir, 'irsakit.lock'), `${deadPid()}\n`);
    const unlock = lockDataFolder(dir);
    expect(readFileSync(join(dir, 'irsakit.lock'), 'utf8').trim()).toBe(String(process.pid));
    expect(existsSync(join(dir, 'irsakit.lock.takeover'))).toBe(false);
    unlock();
    expect(existsSync(join(dir, 'irsakit.lock'))).toBe(false);
  });

  it('leaves a takeover under way to the process making it: in use, not a raw EEXIST', () => {
    writeFileSync(join(dir, 'irsakit.lock'), `${deadPid()}\n`);
    writeFileSync(join(dir, 'irsakit.lock.takeover'), '');
    expect(() => lockDataFolder(dir)).toThrow(DataFolderInUse);
    // a marker left by a process that died taking over is old: taken over too
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'irsakit.lock.takeover'), old, old);
    lockDataFolder(dir)();
  });
});
