/**
 * The `pod-identity-webhook` ConfigMap source (`--watch-config-map`, spec/webhook.md §10):
 * key `config` holds JSON `{"<ns>/<sa>": {"RoleARN", "Audience", "UseRegionalSTS",
 * "TokenExpiration"}}`. Field names match case-insensitively, as Go's `encoding/json` does.
 * `*` as namespace is the only wildcard, tried after the exact key.
 */
import type { ConfigMapEntry } from './types.js';
import { table } from '../common/own.js';

export type ConfigMapParse =
  { ok: true; entries: Record<string, ConfigMapEntry> } | { ok: false; error: string };

const FIELDS: Readonly<Record<string, 'string' | 'boolean' | 'number'>> = table({
  rolearn: 'string',
  audience: 'string',
  useregionalsts: 'boolean',
  tokenexpiration: 'number',
});

/**
 * Parses the ConfigMap's `config` value. `TokenExpiration` 0 or missing becomes
 * `defaultExpiration` (the flag); other values are kept as they are (not clamped).
 *
 * @example
 * const r = parseConfigMapConfig('{"*\/app": {"RoleARN": "arn:aws:iam::111122223333:role/app"}}', 86400);
 * if (r.ok) r.entries['*\/app']?.roleArn;
 */
export function parseConfigMapConfig(text: string, defaultExpiration: number): ConfigMapParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `config is not JSON: ${(e as Error).message}` };
  }
  if (raw === null) return { ok: true, entries: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: 'config must be a JSON object of `<namespace>/<name>` keys' };
  }
  // INVARIANT: no prototype, so a `__proto__` key is just a key
  const entries = Object.create(null) as Record<string, ConfigMapEntry>;
  for (const [key, value] of Object.entries(raw)) {
    const entry: ConfigMapEntry = {
      roleArn: '',
      audience: '',
      useRegionalSts: false,
      tokenExpiration: 0,
    };
    if (value !== null) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        return { ok: false, error: `entry \`${key}\` must be an object` };
      }
      for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
        const name = field.toLowerCase();
        const type = FIELDS[name];
        if (type === undefined || v === null) continue;
        if (typeof v !== type || (type === 'number' && !Number.isInteger(v))) {
          return { ok: false, error: `entry \`${key}\`: \`${field}\` must be a ${type}` };
        }
        if (name === 'rolearn') entry.roleArn = v as string;
        else if (name === 'audience') entry.audience = v as string;
        else if (name === 'useregionalsts') entry.useRegionalSts = v as boolean;
        else entry.tokenExpiration = v as number;
      }
    }
    if (entry.tokenExpiration === 0) entry.tokenExpiration = defaultExpiration;
    entries[key] = entry;
  }
  return { ok: true, entries };
}

/**
 * The ConfigMap entry for a ServiceAccount: the exact `<ns>/<name>` key, else (when
 * `wildcard`) `*\/<name>`.
 *
 * @example
 * lookupConfigMap(entries, 'team-a', 'app', true); // entries['team-a/app'] ?? entries['*\/app']
 */
export function lookupConfigMap(
  entries: Readonly<Record<string, ConfigMapEntry>>,
  namespace: string,
  name: string,
  wildcard: boolean,
): ConfigMapEntry | undefined {
  const exact = `${namespace}/${name}`;
  if (Object.hasOwn(entries, exact)) return entries[exact];
  const any = `*/${name}`;
  return wildcard && Object.hasOwn(entries, any) ? entries[any] : undefined;
}
