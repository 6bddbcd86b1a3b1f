/**
 * Decoding `request.object` as a Pod the way upstream's `json.Unmarshal` into `v1.Pod` does
 * for the fields the webhook reads: unknown fields are ignored (and kept), a field of the
 * wrong JSON type is an error worded like Go's (spec/webhook.md §9). Only the fields the
 * mutation touches are checked, so `mutatePod` can trust their types.
 */
import type { Pod } from './types.js';

export type DecodePodResult = { ok: true; pod: Pod } | { ok: false; error: string };

type Check = (v: unknown, path: string) => string | undefined;

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

const mismatch = (v: unknown, path: string, goType: string) =>
  `json: cannot unmarshal ${jsonType(v)} into Go struct field ${path} of type ${goType}`;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check = (v, path) =>
  v === null || v === undefined || typeof v === 'string' ? undefined : mismatch(v, path, 'string');

const bool: Check = (v, path) =>
  v === null || v === undefined || typeof v === 'boolean' ? undefined : mismatch(v, path, 'bool');

const stringMap: Check = (v, path) => {
  if (v === null || v === undefined) return undefined;
  if (!isObject(v)) return mismatch(v, path, 'map[string]string');
  for (const x of Object.values(v)) {
    if (typeof x !== 'string' && x !== null) return mismatch(x, path, 'string');
  }
  return undefined;
};

function struct(goType: string, fields: Record<string, Check>): Check {
  return (v, path) => {
    if (v === null || v === undefined) return undefined;
    if (!isObject(v)) return mismatch(v, path, goType);
    for (const [name, check] of Object.entries(fields)) {
      const e = check(v[name], `${path}.${name}`);
      if (e) return e;
    }
    return undefined;
  };
}

function list(goType: string, item: Check): Check {
  return (v, path) => {
    if (v === null || v === undefined) return undefined;
    if (!Array.isArray(v)) return mismatch(v, path, `[]${goType}`);
    for (const x of v) {
      const e = item(x, path);
      if (e) return e;
    }
    return undefined;
  };
}

const container = struct('v1.Container', {
  name: str,
  env: list('v1.EnvVar', struct('v1.EnvVar', { name: str, value: str })),
  volumeMounts: list(
    'v1.VolumeMount',
    struct('v1.VolumeMount', { name: str, mountPath: str, readOnly: bool }),
  ),
});

const pod = struct('v1.Pod', {
  apiVersion: str,
  kind: str,
  metadata: struct('v1.ObjectMeta', {
    name: str,
    generateName: str,
    namespace: str,
    labels: stringMap,
    annotations: stringMap,
  }),
  spec: struct('v1.PodSpec', {
    serviceAccountName: str,
    nodeSelector: stringMap,
    containers: list('v1.Container', container),
    initContainers: list('v1.Container', container),
    volumes: list('v1.Volume', struct('v1.Volume', { name: str })),
  }),
});

/** A `null` container decodes to Go's zero Container: one with an empty name. */
function zeroNullContainers(p: Pod): Pod {
  const spec = p.spec;
  const fix = (cs: unknown) =>
    Array.isArray(cs) && cs.includes(null) ? cs.map((c) => c ?? { name: '' }) : cs;
  if (
    !spec ||
    (fix(spec.containers) === spec.containers && fix(spec.initContainers) === spec.initContainers)
  ) {
    return p;
  }
  return {
    ...p,
    spec: { ...spec, containers: fix(spec.containers), initContainers: fix(spec.initContainers) },
  } as Pod;
}

/**
 * Type-checks a decoded `request.object` as a Pod.
 *
 * @example
 * decodePod('"metadata"'); // { ok: false, error: 'json: cannot unmarshal string into Go value of type v1.Pod' }
 */
export function decodePod(value: unknown): DecodePodResult {
  if (!isObject(value)) {
    return {
      ok: false,
      error: `json: cannot unmarshal ${jsonType(value)} into Go value of type v1.Pod`,
    };
  }
  const error = pod(value, 'Pod');
  if (error) return { ok: false, error };
  return { ok: true, pod: zeroNullContainers(value as Pod) };
}
