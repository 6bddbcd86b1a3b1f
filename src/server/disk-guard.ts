/**
 * Room on the data folder's disk. A call is committed to the store and then to the audit
 * trail; on a full disk the second write fails after the first succeeded, and the caller
 * would get a 500 for a change that was made (and retry it). So when the disk is nearly full
 * the edge refuses calls before they change anything: 503, which every SDK retries later.
 * Free space is read every `intervalMs` (statfs), never on a request's path.
 */
import { statfs } from 'node:fs/promises';

export interface DiskGuard {
  /** true while the folder's disk has less than the minimum free, counting `incoming` bytes */
  full(incoming?: number): boolean;
  stop(): void;
}

export interface DiskGuardOptions {
  /** bytes that must stay free (default 64 MiB: more than one largest request body) */
  minFreeBytes?: number;
  /** how often to look (default 1 s) */
  intervalMs?: number;
  /** told when the disk fills up and when there is room again */
  log?: (line: string) => void;
  /** free bytes of `dir` (default: statfs) */
  freeBytes?: (dir: string) => Promise<number>;
}

const MiB = 1024 * 1024;

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * Watches `dir`'s disk.
 *
 * @example
 * const disk = await watchDisk(dataDir, { log });
 * if (disk.full()) refuse();
 */
export async function watchDisk(dir: string, o: DiskGuardOptions = {}): Promise<DiskGuard> {
  const min = o.minFreeBytes ?? 64 * MiB;
  const free = o.freeBytes ?? statfsFree;
  let full = false;
  let lastFree = Number.POSITIVE_INFINITY;
  const look = async () => {
    let bytes: number;
    try {
      bytes = await free(dir);
    } catch {
      return; // a filesystem that cannot say: never refuse for it
    }
    lastFree = bytes;
    const now = bytes < min;
    if (now !== full)
      o.log?.(
        now
          ? `the disk of ${dir} has ${(bytes / MiB).toFixed(1)} MiB free, less than ${(min / MiB).toFixed(0)} MiB: AWS calls are refused (503) until there is room, so that none is made without its audit record`
          : `the disk of ${dir} has room again (${(bytes / MiB).toFixed(1)} MiB free): AWS calls are served`,
      );
    full = now;
  };
  await look();
  const timer = setInterval(() => void look(), o.intervalMs ?? 1000);
  timer.unref();
  return {
    // a request's own body counts: one upload must not take the last of the margin
    full: (incoming = 0) => full || lastFree - incoming < min,
    stop: () => clearInterval(timer),
  };
}
