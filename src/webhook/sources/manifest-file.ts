/**
 * ServiceAccounts from a manifest file (`--service-accounts FILE`): YAML or JSON, several
 * documents, `kind: List` (or `ServiceAccountList`) with `items`; other kinds are skipped.
 * The file is re-read when it changes; a file that does not parse keeps the previous set.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { ServiceAccount } from '../types.js';
import type { ServiceAccountSink } from '../sa-cache.js';
import { watchPaths, type Watcher } from '../watch-file.js';

export type ManifestParse =
  { ok: true; serviceAccounts: ServiceAccount[]; skipped: number } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkServiceAccount(o: Record<string, unknown>, where: string): ServiceAccount | string {
  const m = o.metadata;
  if (!isObject(m) || typeof m.name !== 'string' || m.name === '') {
    return `${where}: a ServiceAccount needs metadata.name`;
  }
  if (m.namespace !== undefined && typeof m.namespace !== 'string') {
    return `${where}: metadata.namespace of \`${m.name}\` must be a string`;
  }
  if (m.annotations !== undefined && m.annotations !== null) {
    if (
      !isObject(m.annotations) ||
      Object.values(m.annotations).some((v) => typeof v !== 'string')
    ) {
      return `${where}: the annotations of \`${m.name}\` must be strings`;
    }
  }
  return {
    ...o,
    metadata: { ...m, name: m.name, namespace: (m.namespace as string | undefined) ?? 'default' },
  } as ServiceAccount;
}

/**
 * Reads the ServiceAccounts of a manifest text (namespace `default` when absent).
 *
 * @example
 * const r = parseServiceAccountManifests('apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app}\n');
 * if (r.ok) r.serviceAccounts[0]?.metadata.namespace; // 'default'
 */
export function parseServiceAccountManifests(text: string): ManifestParse {
  const serviceAccounts: ServiceAccount[] = [];
  let skipped = 0;
  const docs = parseAllDocuments(text);
  for (const [i, doc] of docs.entries()) {
    const first = doc.errors[0];
    if (first) return { ok: false, error: `document ${i + 1}: ${first.message.split('\n')[0]}` };
  }
  const visit = (o: unknown, where: string): string | undefined => {
    if (o === null || o === undefined) return undefined;
    if (!isObject(o)) return `${where}: not an object`;
    if (o.kind === 'ServiceAccount') {
      const sa = checkServiceAccount(o, where);
      if (typeof sa === 'string') return sa;
      serviceAccounts.push(sa);
      return undefined;
    }
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const [j, item] of o.items.entries()) {
        const e = visit(item, `${where} item ${j + 1}`);
        if (e) return e;
      }
      return undefined;
    }
    skipped++;
    return undefined;
  };
  for (const [i, doc] of docs.entries()) {
    const e = visit(doc.toJS(), `document ${i + 1}`);
    if (e) return { ok: false, error: e };
  }
  return { ok: true, serviceAccounts, skipped };
}

export interface FileSourceHandle extends Watcher {
  /** reads the file now (also done on every change) */
  reload(): Promise<void>;
}

/**
 * Feeds `sink` from a manifest file and keeps it in step with the file.
 *
 * @example
 * const src = await watchServiceAccountFile('sas.yaml', cache.source('file'), log);
 * src.close();
 */
export async function watchServiceAccountFile(
  path: string,
  sink: ServiceAccountSink,
  log: (line: string) => void,
  debounceMs = 100,
): Promise<FileSourceHandle> {
  let last: string | undefined;
  const reload = async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      log(`service accounts: cannot read ${path} (${code}); keeping the previous set`);
      return;
    }
    if (text === last) return;
    const r = parseServiceAccountManifests(text);
    if (!r.ok) {
      log(`service accounts: ${path}: ${r.error}; keeping the previous set`);
      return;
    }
    last = text;
    sink.replace(r.serviceAccounts);
    log(`service accounts: ${r.serviceAccounts.length} from ${path}`);
  };
  await reload();
  const watcher = watchPaths([path], () => void reload(), debounceMs);
  return { reload, close: () => watcher.close() };
}
