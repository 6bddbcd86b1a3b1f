/**
 * The kubelet's projected-token upkeep for `irsa exec` (kubernetes/kubernetes
 * `pkg/kubelet/token/token_manager.go`; spec/kubernetes.md §1.5): a pod-bound token is
 * written atomically into the token file (write a temporary file, then rename, so a reader
 * never sees half a token) and refreshed once it is older than 80 % of its lifetime or 24 h,
 * its age taken from the reported expiry (`iat = expirationTimestamp − expirationSeconds`).
 * A failed refresh keeps the old token and retries with back-off.
 *
 * The clock and the timers are injected: a test drives time instead of sleeping. The
 * scheduler wakes at least every `maxSleepMs` and compares wall-clock time, so a laptop that
 * slept past the refresh time (monotonic timers stand still meanwhile) refreshes on waking.
 *
 * INVARIANT: once `stop()` has resolved, nothing is written any more: a token that arrives
 * after it is dropped, and a write under way is waited for, so the caller may remove the
 * token's folder without it coming back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What a TokenRequest answered (the token itself is never logged). */
export interface IssuedToken {
  token: string;
  /** RFC 3339, as `status.expirationTimestamp` */
  expirationTimestamp: string;
  /** the lifetime asked for (`spec.expirationSeconds`) */
  expirationSeconds: number;
}

export const MAX_TOKEN_AGE_MS = 24 * 3600 * 1000;

/**
 * When the kubelet refreshes a token: 80 % into its lifetime, or at 24 h of age.
 *
 * @example
 * refreshTime({ token, expirationTimestamp: '2025-01-02T00:00:00Z', expirationSeconds: 86400 })
 * // → Date.parse('2025-01-01T19:12:00Z')
 */
export function refreshTime(t: Omit<IssuedToken, 'token'>): number {
  const exp = Date.parse(t.expirationTimestamp);
  const ttl = t.expirationSeconds * 1000;
  return exp - ttl + Math.min(Math.floor(ttl * 0.8), MAX_TOKEN_AGE_MS);
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Node's timers, unreferenced: the upkeep never keeps the process alive on its own. */
export const nodeTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RefresherDeps {
  /** wall-clock milliseconds */
  now: () => number;
  timers: Timers;
  /** a TokenRequest bound to the pod */
  request: () => Promise<IssuedToken>;
  /** stores the token where the program reads it */
  write: (token: string) => Promise<void>;
  /** one line per event (never the token) */
  log?: ((line: string) => void) | undefined;
  /** longest sleep between clock checks (default 30 s) */
  maxSleepMs?: number | undefined;
  /** first retry delay after a failed refresh (default 10 s, doubling to 5 min) */
  retryMs?: number | undefined;
}

export class TokenRefresher {
  private readonly d: RefresherDeps;
  private handle: unknown;
  private stopped = false;
  private running: Promise<void> | undefined;
  private retry: number;
  /** when the current token is due for refresh, and when it expires (ms) */
  refreshAt = 0;
  expiresAt = 0;
  /** how many tokens were written */
  writes = 0;

  constructor(deps: RefresherDeps) {
    this.d = deps;
    this.retry = deps.retryMs ?? 10_000;
  }

  /** Gets and writes the first token, then keeps it fresh. Rejects when the first fails. */
  async start(): Promise<IssuedToken> {
    const t = await this.d.request();
    await this.store(t);
    this.schedule();
    return t;
  }

  /** Writes a token; nothing once stopped (the caller may be removing the folder). */
  private async store(t: IssuedToken): Promise<void> {
    if (this.stopped) return;
    await this.d.write(t.token);
    this.writes++;
    this.refreshAt = refreshTime(t);
    this.expiresAt = Date.parse(t.expirationTimestamp);
    this.retry = this.d.retryMs ?? 10_000;
  }

  private schedule(at = this.refreshAt): void {
    if (this.stopped) return;
    const wait = Math.max(0, Math.min(at - this.d.now(), this.d.maxSleepMs ?? 30_000));
    this.handle = this.d.timers.set(() => {
      this.running = this.tick(at);
    }, wait);
  }

  private async tick(at: number): Promise<void> {
    if (this.stopped) return;
    if (this.d.now() < at) return this.schedule(at);
    try {
      await this.store(await this.d.request());
      if (this.stopped) return;
      this.d.log?.(`token refreshed; next refresh at ${new Date(this.refreshAt).toISOString()}`);
      this.schedule();
    } catch (e) {
      if (this.stopped) return;
      const expired = this.d.now() >= this.expiresAt;
      this.d.log?.(
        `token refresh failed (${(e as Error).message}); ${expired ? 'the token has expired' : `keeping the current token until ${new Date(this.expiresAt).toISOString()}`}; retrying in ${Math.round(this.retry / 1000)}s`,
      );
      const next = this.d.now() + this.retry;
      this.retry = Math.min(this.retry * 2, 300_000);
      this.schedule(next);
    }
  }

  /** Waits for a refresh in flight (tests). */
  async idle(): Promise<void> {
    await this.running;
  }

  /**
   * Stops the upkeep; resolves once a refresh in flight has finished (its token dropped if it
   * had not been written yet), after which no token file is written again.
   */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) this.d.timers.clear(this.handle);
    return this.running ?? Promise.resolve();
  }
}

/**
 * Writes a token file atomically, mode 0600: a temporary file in the same folder, renamed
 * over the old one.
 *
 * @example
 * await writeTokenFile('/home/me/.irsa/exec/demo/production/s3-reader/aws-iam-token/token', jwt);
 */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, token, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
