/**
 * The Pod Identity identities file (`--watch-container-credentials-config`, spec/webhook.md
 * §10 source 3): JSON `{"identities":[{"namespace","serviceAccount"}]}`, exact pairs. A
 * missing or empty file is an empty set; malformed JSON keeps the previous set and is
 * retried with exponential back-off; the parent directory is watched.
 */
import { readFile } from 'node:fs/promises';
import { watchPaths } from '../watch-file.js';

export interface Identity {
  namespace: string;
  serviceAccount: string;
}

export type IdentitiesParse = { ok: true; identities: Identity[] } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's case-insensitive field match. */
function field(o: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/**
 * Parses the identities file; blank text is an empty set.
 *
 * @example
 * parseIdentities('{"identities":[{"namespace":"default","serviceAccount":"app"}]}');
 * // { ok: true, identities: [{ namespace: 'default', serviceAccount: 'app' }] }
 */
export function parseIdentities(text: string): IdentitiesParse {
  if (text.trim() === '') return { ok: true, identities: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (raw === null) return { ok: true, identities: [] };
  if (!isObject(raw)) return { ok: false, error: 'expected an object with `identities`' };
  const list = field(raw, 'identities');
  if (list === undefined || list === null) return { ok: true, identities: [] };
  if (!Array.isArray(list)) return { ok: false, error: '`identities` must be a list' };
  const identities: Identity[] = [];
  for (const [i, item] of list.entries()) {
    if (item === null) continue;
    if (!isObject(item)) return { ok: false, error: `identity ${i + 1} must be an object` };
    const namespace = field(item, 'namespace') ?? '';
    const serviceAccount = field(item, 'serviceAccount') ?? '';
    if (typeof namespace !== 'string' || typeof serviceAccount !== 'string') {
      return {
        ok: false,
        error: `identity ${i + 1}: namespace and serviceAccount must be strings`,
      };
    }
    identities.push({ namespace, serviceAccount });
  }
  return { ok: true, identities };
}

export interface IdentitiesHandle {
  reload(): Promise<void>;
  close(): void;
}

/**
 * Keeps `apply` fed with the identities in `path`.
 *
 * @example
 * const h = await watchIdentitiesFile(path, (ids) => cache.setPodIdentities(ids), log);
 */
export async function watchIdentitiesFile(
  path: string,
  apply: (identities: Identity[]) => void,
  log: (line: string) => void,
  opts: { debounceMs?: number; retryMs?: number; maxRetryMs?: number } = {},
): Promise<IdentitiesHandle> {
  const base = opts.retryMs ?? 500;
  const max = opts.maxRetryMs ?? 30_000;
  let delay = base;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let last: string | undefined;

  const reload = async (): Promise<void> => {
    clearTimeout(retry);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        log(`pod identities: cannot read ${path}: ${(e as Error).message}`);
        return scheduleRetry();
      }
    }
    if (text === last) return;
    const r = parseIdentities(text);
    if (!r.ok) {
      log(`pod identities: ${path}: ${r.error}; keeping the previous set, retrying in ${delay} ms`);
      return scheduleRetry();
    }
    delay = base;
    last = text;
    apply(r.identities);
    log(`pod identities: ${r.identities.length} from ${path}`);
  };
  const scheduleRetry = () => {
    if (closed) return;
    retry = setTimeout(() => void reload(), delay);
    retry.unref?.();
    delay = Math.min(delay * 2, max);
  };

  await reload();
  const watcher = watchPaths([path], () => void reload(), opts.debounceMs ?? 100);
  return {
    reload,
    close() {
      closed = true;
      clearTimeout(retry);
      watcher.close();
    },
  };
}
