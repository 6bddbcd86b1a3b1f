/**
 * What `kubectl apply` does with an object that already exists, and how the API server sees two
 * objects as the same. Pure.
 *
 * kubectl apply does not replace the live object with the manifest: it computes a three-way
 * strategic merge patch from the configuration it applied last (the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation), the new manifest and the live
 * object. A field the new manifest sets is set; a field the last manifest set and the new one
 * no longer does is removed; a field no manifest ever set — the webhook's
 * `eks.amazonaws.com/pod-identity` label, `kubectl rollout restart`'s `restartedAt`, the
 * volumes and env admission added — stays. Maps merge key by key; lists of named things
 * (containers, env, volumes, mounts, ports) merge item by item on their merge key, as the
 * core/v1 types' `patchMergeKey` tags say; any other list is replaced whole.
 *
 * Two objects are the same when their decoded Go structs are: key order and formatting do not
 * count, a `null` is the same as no value (both decode to the zero value), and an empty list or
 * map is the same as none for the fields Go's `omitempty` drops when it encodes them.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The lists of the kinds irsakit keeps whose items merge on a key (core/v1 `patchMergeKey`). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
};

/**
 * The list and map fields, among the kinds irsakit keeps, tagged `omitempty` in the API types:
 * empty, they encode as nothing at all, so `env: []` is the same pod as no env. (Not
 * `containers`, which has no omitempty: `containers: []` stays an empty list.)
 */
const OMITEMPTY: ReadonlySet<string> = new Set([
  // ObjectMeta
  'labels',
  'annotations',
  'finalizers',
  'ownerReferences',
  // PodSpec
  'volumes',
  'initContainers',
  'ephemeralContainers',
  'imagePullSecrets',
  'nodeSelector',
  'tolerations',
  'hostAliases',
  'readinessGates',
  'topologySpreadConstraints',
  'schedulingGates',
  'resourceClaims',
  // Container
  'command',
  'args',
  'ports',
  'envFrom',
  'env',
  'volumeMounts',
  'volumeDevices',
  'resizePolicy',
  // LabelSelector
  'matchLabels',
  'matchExpressions',
  // ServiceAccount
  'secrets',
]);

/**
 * The canonical form of a value: object keys sorted, `null`s and the empty lists and maps of
 * `omitempty` fields left out. Two values are the same object when their canonical forms are
 * equal (`sameObject`).
 *
 * @example
 * canonical({ b: 1, a: { env: [], name: 'c' } }) // → { a: { name: 'c' }, b: 1 }
 */
/**
 * Plain (non-pointer) scalar fields of the pod template: Go decodes `""`, `false` or `0` there
 * exactly as an absent field, so `value: ""` or `readOnly: false` changes nothing (no rollout).
 * Pointer fields (securityContext's booleans, automountServiceAccountToken, a CSI volume's
 * readOnly aside) are not here: for them false is not absent.
 */
const ZERO_IS_ABSENT: ReadonlySet<string> = new Set([
  'value',
  'readOnly',
  'subPath',
  'subPathExpr',
  'workingDir',
  'stdin',
  'stdinOnce',
  'tty',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'hostIP',
  'hostPort',
  'nodeName',
  'hostname',
  'subdomain',
]);

export function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) {
    const x = v[k];
    if (x === null || x === undefined) continue;
    if (OMITEMPTY.has(k) && isEmpty(x)) continue;
    if (ZERO_IS_ABSENT.has(k) && (x === '' || x === false || x === 0)) continue;
    out[k] = canonical(x);
  }
  return out;
}

const isEmpty = (v: Json) =>
  (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * JSON with object keys sorted and no spaces: how Go encodes a decoded manifest (kubectl's
 * last-applied-configuration annotation), and what the canonical form is hashed as.
 */
export function sortedJson(v: Json): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => [k, sortKeys(v[k])]),
  );
}

/** Whether two values decode to the same Go value (see `canonical`). */
export function sameObject(a: Json, b: Json): boolean {
  return sortedJson(canonical(a)) === sortedJson(canonical(b));
}

/**
 * kubectl apply's three-way merge: the live object with the new manifest applied over it,
 * removing what the last applied manifest set and the new one does not. `original` is the last
 * applied configuration (undefined: none, nothing is removed).
 *
 * @example
 * threeWayMerge(
 *   { metadata: { labels: { app: 'a', old: 'x' } } },
 *   { metadata: { labels: { app: 'b' } } },
 *   { metadata: { labels: { app: 'a', old: 'x', 'eks.amazonaws.com/pod-identity': 'enabled' } } },
 * ) // → { metadata: { labels: { app: 'b', 'eks.amazonaws.com/pod-identity': 'enabled' } } }
 */
export function threeWayMerge(original: Json, modified: Json, live: Json, field = ''): Json {
  if (isObject(modified) && isObject(live)) {
    const out: JsonObject = structuredClone(live);
    const orig = isObject(original) ? original : {};
    for (const [k, m] of Object.entries(modified)) {
      // a null in the manifest is a deletion in the patch kubectl sends
      if (m === null || m === undefined) delete out[k];
      else out[k] = threeWayMerge(orig[k], m, live[k], k);
    }
    for (const k of Object.keys(orig)) if (!Object.hasOwn(modified, k)) delete out[k];
    return out;
  }
  const key = MERGE_KEYS[field];
  if (key !== undefined && Array.isArray(modified) && Array.isArray(live)) {
    const merged = mergeList(key, original, modified, live);
    if (merged) return merged;
  }
  return structuredClone(modified);
}

/**
 * A list merged item by item on `key`: the manifest's items in its order, each merged with the
 * live item of its key; a live item no manifest ever named stays, after the item it followed.
 * Undefined when an item has no key (the list is then replaced whole).
 */
function mergeList(
  key: string,
  original: Json,
  modified: Json[],
  live: Json[],
): Json[] | undefined {
  const keyOf = (item: Json): string | undefined =>
    isObject(item) && (typeof item[key] === 'string' || typeof item[key] === 'number')
      ? String(item[key])
      : undefined;
  const originals = Array.isArray(original) ? original : [];
  const lists = [modified, live, originals];
  if (lists.some((l) => l.some((i) => keyOf(i) === undefined))) return undefined;
  const byKey = (l: Json[]) => new Map(l.map((i) => [keyOf(i) as string, i]));
  const liveByKey = byKey(live);
  const origByKey = byKey(originals);
  const result = modified.map((m) =>
    threeWayMerge(origByKey.get(keyOf(m) as string), m, liveByKey.get(keyOf(m) as string)),
  );
  const named = new Set([...modified, ...originals].map((i) => keyOf(i) as string));
  live.forEach((item, i) => {
    if (named.has(keyOf(item) as string)) return;
    // after the nearest live item before it that is in the result, or first
    let at = 0;
    for (let j = i - 1; j >= 0; j--) {
      const found = result.findIndex((r) => keyOf(r) === keyOf(live[j]));
      if (found >= 0) {
        at = found + 1;
        break;
      }
    }
    result.splice(at, 0, structuredClone(item));
  });
  return result;
}
