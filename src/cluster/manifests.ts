/**
 * Reading the manifests users already have: multi-document YAML or JSON, `kind: List`
 * flattened, comments and `---` separators as kubectl accepts them.
 */
import { parseAllDocuments } from 'yaml';
import { valueNestsDeeperThan } from '../common/json-depth.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    creationTimestamp?: string;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }[];
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface ManifestDocument {
  /** 1-based position of the document in the input */
  index: number;
  object?: KubeObject;
  /** why the document could not be read */
  error?: string;
}

/**
 * Splits manifest text into objects.
 *
 * @example
 * readManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n---\n...')
 */
export function readManifests(text: string): ManifestDocument[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return flatten([JSON.parse(text) as unknown]);
    } catch {
      // fall through: YAML is a superset of JSON and reports better positions
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const out: unknown[] = [];
  const errors = new Map<number, string>();
  (Array.isArray(docs) ? docs : [docs]).forEach((d) => {
    if (d.errors.length > 0) {
      errors.set(out.length, (d.errors[0]?.message ?? 'invalid YAML').split('\n')[0] as string);
      out.push(undefined);
      return;
    }
    let v: unknown;
    try {
      v = d.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // an alias bomb (more aliases than maxAliasCount) is the caller's document, not ours
      errors.set(out.length, (e instanceof Error ? e.message : String(e)).split('\n')[0] as string);
      out.push(undefined);
      return;
    }
    if (v === null || v === undefined) return; // an empty document
    out.push(v);
  });
  return flatten(out, errors);
}

/** No Kubernetes object nests this deep; every walk of a manifest recurses once per level. */
const MAX_NESTING = 64;

function flatten(values: unknown[], errors = new Map<number, string>()): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  values.forEach((v, i) => {
    if (!errors.has(i) && valueNestsDeeperThan(v, MAX_NESTING))
      errors.set(i, `nested more than ${MAX_NESTING} levels deep`);
    const error = errors.get(i);
    if (error) {
      out.push({
        index: out.length + 1,
        error: `error parsing document ${out.length + 1}: ${error}`,
      });
      return;
    }
    const items = Array.isArray(v)
      ? v
      : isObject(v) && v.kind === 'List' && Array.isArray(v.items)
        ? (v.items as unknown[])
        : [v];
    for (const item of items) {
      if (!isObject(item)) {
        out.push({ index: out.length + 1, error: `document ${out.length + 1} is not an object` });
      } else out.push({ index: out.length + 1, object: item as KubeObject });
    }
  });
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
