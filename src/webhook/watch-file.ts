/**
 * Watching files the way Kubernetes mounts change them: the parent directory is watched
 * (a Secret or ConfigMap volume swaps a `..data` symlink rather than writing the file), and
 * bursts of events are debounced into one callback. Where a directory cannot be watched
 * (it does not exist yet), the file is polled instead.
 */
import { type FSWatcher, watch, watchFile, unwatchFile } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface Watcher {
  close(): void;
}

/**
 * Calls `onChange` (debounced) after anything changes in the directories holding `paths`.
 *
 * @example
 * const w = watchPaths(['/etc/webhook/certs/tls.crt'], () => reload(), 100);
 * w.close();
 */
export function watchPaths(
  paths: readonly string[],
  onChange: () => void,
  debounceMs = 100,
  pollMs = 1000,
): Watcher {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!closed) onChange();
    }, debounceMs);
    timer.unref?.();
  };
  const watchers: FSWatcher[] = [];
  const polled: string[] = [];
  const dirs = new Map<string, Set<string>>();
  for (const p of paths) {
    const d = dirname(p);
    if (!dirs.has(d)) dirs.set(d, new Set());
    dirs.get(d)?.add(basename(p));
  }
  for (const [dir] of dirs) {
    try {
      const w = watch(dir, { persistent: false }, () => fire());
      w.on('error', () => fire());
      watchers.push(w);
    } catch {
      for (const p of paths.filter((x) => dirname(x) === dir)) {
        watchFile(p, { persistent: false, interval: pollMs }, () => fire());
        polled.push(p);
      }
    }
  }
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const p of polled) unwatchFile(p);
    },
  };
}
