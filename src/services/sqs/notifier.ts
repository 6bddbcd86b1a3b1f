/**
 * Long polling's wake-up call: ReceiveMessage waits on its queue's key, and every write that
 * can make a message receivable (SendMessage, a visibility change) notifies it, so a waiting
 * receive returns as soon as a message arrives instead of polling. With edge replicas (several
 * processes on one store), `others` tells the other processes, which `wake` their own waiters.
 */
export class QueueNotifier {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #others: ((key: string) => void) | undefined;

  /** `others`: passes a notification on to the other processes serving the same store */
  constructor(others?: (key: string) => void) {
    this.#others = others;
  }

  /**
   * Resolves on the next `notify(key)`, after `ms`, or when `signal` aborts, whichever comes
   * first.
   *
   * @example
   * await notifier.wait('us-east-1:123456789012:orders', 20_000);
   */
  wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      let set = this.#waiters.get(key);
      if (!set) {
        set = new Set();
        this.#waiters.set(key, set);
      }
      const waiters = set;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  /** Wakes every receive waiting on `key`, here and in the other processes. */
  notify(key: string): void {
    this.wake(key);
    this.#others?.(key);
  }

  /** Wakes every receive waiting on `key` in this process (another process notified it). */
  wake(key: string): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    for (const done of [...set]) done();
  }

  /** how many receives are waiting (for tests) */
  waiting(key: string): number {
    return this.#waiters.get(key)?.size ?? 0;
  }
}
