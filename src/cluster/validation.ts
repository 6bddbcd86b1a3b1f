/**
 * Object validation with the API server's messages (k8s.io/apimachinery validation and
 * pkg/apis/core/validation): names, required fields, container lists, Deployment selectors.
 * A message reads as kubectl prints it: `The Pod "x" is invalid: spec.containers: Required value`.
 */
import type { KubeObject } from './manifests.js';
import { table } from '../common/own.js';
import { sameObject } from './merge.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** apimachinery's words for what a qualified name (a label or annotation key) is made of */
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * What is wrong with a label or annotation key (apimachinery IsQualifiedName: an optional DNS
 * subdomain prefix and `/`, then a name of at most 63 characters), in its words.
 */
function qualifiedNameProblems(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2)
    return [
      `a qualified name ${QUALIFIED_NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  const name = parts[parts.length - 1] as string;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === '') out.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) out.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(prefix)) out.push(`prefix part ${SUBDOMAIN_MSG}`);
    }
  }
  if (name === '') out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME.test(name)) out.push(`name part ${QUALIFIED_NAME_MSG}`);
  }
  return out;
}

/** Label and annotation keys, and label values, as ObjectMeta validation checks them. */
function keyErrors(field: string, v: unknown, labels: boolean): FieldError[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  const out: FieldError[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    for (const detail of qualifiedNameProblems(k))
      out.push({ field, type: 'Invalid value', value: k, detail });
    if (labels && typeof x === 'string')
      for (const detail of labelValueProblems(x))
        out.push({ field, type: 'Invalid value', value: x, detail });
  }
  return out;
}

/** What is wrong with a label value (apimachinery IsValidLabelValue), in its words. */
function labelValueProblems(x: string): string[] {
  const out: string[] = [];
  if (x.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(x))
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return out;
}

/** One field error, rendered as the API server renders it. */
export interface FieldError {
  field: string;
  type:
    | 'Required value'
    | 'Invalid value'
    | 'Duplicate value'
    | 'Not found'
    | 'Forbidden'
    | 'Unsupported value';
  value?: unknown;
  detail?: string;
}

export function renderFieldError(e: FieldError): string {
  // field.Error.ErrorBody(): Required and Forbidden carry no value; a string is quoted, an int
  // printed bare, anything else in Go syntax (%#v)
  const body =
    e.type === 'Required value' || e.type === 'Forbidden'
      ? e.type
      : `${e.type}: ${typeof e.value === 'string' ? `"${e.value}"` : goValue(e.value)}`;
  return `${e.field}: ${body}${e.detail ? `: ${e.detail}` : ''}`;
}

/** A bad value already written in Go syntax (%#v): a struct the API server echoes. */
export class GoSyntax {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** How field.Error prints a value that is not a string: a label map as %#v does, an int bare. */
function goValue(v: unknown): string {
  if (v instanceof GoSyntax) return v.text;
  if (v && typeof v === 'object' && !Array.isArray(v)) return goStringMap(v);
  return String(v);
}

/** Go's %#v of a string, for the plain strings of labels and selectors. */
const goString = (s: unknown) => JSON.stringify(String(s));

/** Go's %#v of a `map[string]string`: keys sorted, `(nil)` for none. */
function goStringMap(m: object | undefined | null): string {
  if (m === undefined || m === null) return 'map[string]string(nil)';
  const entries = Object.entries(m)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, x]) => `${goString(k)}:${goString(x ?? '')}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** `The Pod "x" is invalid: …` with one error, or `[e1, e2]` with several. */
export function invalidMessage(kind: string, name: string, errors: FieldError[]): string {
  const parts = errors.map(renderFieldError);
  return `The ${kind} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
}

function nameErrors(field: string, name: string, label: boolean): FieldError[] {
  const max = label ? 63 : 253;
  const out: FieldError[] = [];
  if (name.length > max)
    out.push({
      field,
      type: 'Invalid value',
      value: name,
      detail: `must be no more than ${max} characters`,
    });
  if (!(label ? DNS1123_LABEL : DNS1123_SUBDOMAIN).test(name)) {
    out.push({
      field,
      type: 'Invalid value',
      value: name,
      detail: label ? LABEL_MSG : SUBDOMAIN_MSG,
    });
  }
  return out;
}

function metaErrors(obj: KubeObject, namespaced: boolean, label: boolean): FieldError[] {
  // the values' types were checked as the object was decoded (fields.ts)
  const m = obj.metadata ?? {};
  const out: FieldError[] = [];
  if (!m.name && !m.generateName) {
    out.push({
      field: 'metadata.name',
      type: 'Required value',
      detail: 'name or generateName is required',
    });
  } else if (m.name) out.push(...nameErrors('metadata.name', m.name, label));
  if (namespaced && m.namespace !== undefined)
    out.push(...nameErrors('metadata.namespace', m.namespace, true));
  out.push(
    ...keyErrors('metadata.labels', m.labels, true),
    ...keyErrors('metadata.annotations', m.annotations, false),
  );
  return out;
}

interface ContainerLike {
  name?: unknown;
  image?: unknown;
  env?: unknown;
  volumeMounts?: unknown;
}

function containerErrors(
  path: string,
  list: unknown,
  required: boolean,
  seen: Set<string>,
  /** the pod's volume names, which a mount must name; undefined: not checked (yet) */
  volumes: ReadonlySet<string> | undefined,
): FieldError[] {
  if (list === undefined || list === null) {
    return required ? [{ field: path, type: 'Required value' }] : [];
  }
  if (!Array.isArray(list))
    return [{ field: path, type: 'Invalid value', value: typeof list, detail: 'must be a list' }];
  if (required && list.length === 0) return [{ field: path, type: 'Required value' }];
  const out: FieldError[] = [];
  (list as (ContainerLike | null)[]).forEach((item, i) => {
    const p = `${path}[${i}]`;
    // a null is decoded as the zero value: a container of nothing (the same for a mount)
    const c = item ?? {};
    if (typeof c !== 'object') {
      out.push({ field: p, type: 'Invalid value', value: String(c), detail: 'must be an object' });
      return;
    }
    if (typeof c.name !== 'string' || c.name === '')
      out.push({ field: `${p}.name`, type: 'Required value' });
    else {
      out.push(...nameErrors(`${p}.name`, c.name, true));
      if (seen.has(c.name))
        out.push({ field: `${p}.name`, type: 'Duplicate value', value: c.name });
      seen.add(c.name);
    }
    if (typeof c.image !== 'string' || c.image === '')
      out.push({ field: `${p}.image`, type: 'Required value' });
    if (Array.isArray(c.env))
      (c.env as ({ name?: unknown } | null)[]).forEach((e, j) => {
        if (!e || typeof e.name !== 'string' || e.name === '')
          out.push({ field: `${p}.env[${j}].name`, type: 'Required value' });
      });
    if (Array.isArray(c.volumeMounts)) {
      const paths = new Set<string>();
      (c.volumeMounts as ({ mountPath?: unknown; name?: unknown } | null)[]).forEach((mount, j) => {
        const m = mount ?? {};
        if (typeof m !== 'object' || Array.isArray(m)) {
          out.push({
            field: `${p}.volumeMounts[${j}]`,
            type: 'Invalid value',
            value: String(m),
            detail: 'must be an object',
          });
          return;
        }
        // a mount names one of the pod's volumes
        const name = typeof m.name === 'string' ? m.name : '';
        if (name === '')
          out.push({ field: `${p}.volumeMounts[${j}].name`, type: 'Required value' });
        if (volumes && !volumes.has(name))
          out.push({ field: `${p}.volumeMounts[${j}].name`, type: 'Not found', value: name });
        if (typeof m.mountPath !== 'string' || m.mountPath === '') {
          out.push({ field: `${p}.volumeMounts[${j}].mountPath`, type: 'Required value' });
        } else {
          if (paths.has(m.mountPath)) {
            out.push({
              field: `${p}.volumeMounts[${j}].mountPath`,
              type: 'Invalid value',
              value: m.mountPath,
              detail: 'must be unique',
            });
          }
          paths.add(m.mountPath);
        }
      });
    }
  });
  return out;
}

/**
 * A projected service account token's lifetime, as pod validation checks it (it runs after
 * mutating admission, so a webhook's `eks.amazonaws.com/token-expiration` is checked too):
 * from 10 minutes to 2^32 seconds.
 */
function projectedTokenErrors(path: string, volume: object): FieldError[] {
  const sources = (volume as { projected?: { sources?: unknown } }).projected?.sources;
  if (!Array.isArray(sources)) return [];
  const out: FieldError[] = [];
  sources.forEach((s: unknown, j) => {
    const seconds = (s as { serviceAccountToken?: { expirationSeconds?: unknown } } | null)
      ?.serviceAccountToken?.expirationSeconds;
    if (typeof seconds !== 'number') return;
    const field = `${path}.projected.sources[${j}].serviceAccountToken.expirationSeconds`;
    if (seconds < 600)
      out.push({
        field,
        type: 'Invalid value',
        value: seconds,
        detail: 'may not specify a duration less than 10 minutes',
      });
    else if (seconds > 2 ** 32)
      out.push({
        field,
        type: 'Invalid value',
        value: seconds,
        detail: 'may not specify a duration larger than 2^32 seconds',
      });
  });
  return out;
}

/** The volume types (core/v1 VolumeSource): a volume has one. */
const VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
]);

/** How many pods of one Deployment the local cluster makes at most. */
export const MAX_REPLICAS = 100;

/**
 * Errors of a pod spec at `path` (`spec` for a Pod, `spec.template.spec` in a Deployment).
 * `mutable`: the spec is a Pod's before admission, whose webhooks may add the volume a mount
 * names (the pod-identity webhook keeps a mount of `aws-iam-token` and adds the volume), so a
 * mount's volume is looked for only once they have run — a Deployment's template gets no
 * admission and is checked whole.
 */
export function podSpecErrors(
  path: string,
  spec: unknown,
  opts: { mutable?: boolean } = {},
): FieldError[] {
  if (!spec || typeof spec !== 'object') return [{ field: path, type: 'Required value' }];
  const s = spec as Record<string, unknown>;
  const out: FieldError[] = [];
  // the volumes first, as ValidatePodSpec: the containers' mounts must name one of them
  const volumes = new Set<string>();
  const list = Array.isArray(s.volumes) ? (s.volumes as unknown[]) : [];
  list.forEach((v, i) => {
    if (typeof v !== 'object' || v === null) return;
    const at = `${path}.volumes[${i}]`;
    if (!Object.keys(v).some((k) => VOLUME_SOURCES.has(k)))
      out.push({ field: at, type: 'Required value', detail: 'must specify a volume type' });
    const name = (v as { name?: unknown }).name;
    if (typeof name !== 'string' || name === '')
      out.push({ field: `${at}.name`, type: 'Required value' });
    else out.push(...nameErrors(`${at}.name`, name, true));
    const key = typeof name === 'string' ? name : '';
    if (volumes.has(key)) out.push({ field: `${at}.name`, type: 'Duplicate value', value: key });
    volumes.add(key);
    out.push(...projectedTokenErrors(at, v));
  });
  const seen = new Set<string>();
  const mounted = opts.mutable ? undefined : volumes;
  out.push(
    ...containerErrors(`${path}.containers`, s.containers, true, seen, mounted),
    ...containerErrors(`${path}.initContainers`, s.initContainers, false, seen, mounted),
  );
  const sa = s.serviceAccountName;
  if (sa !== undefined && (typeof sa !== 'string' || (sa !== '' && !DNS1123_SUBDOMAIN.test(sa)))) {
    out.push({
      field: `${path}.serviceAccountName`,
      type: 'Invalid value',
      value: String(sa),
      detail: SUBDOMAIN_MSG,
    });
  }
  return out;
}

/**
 * Validates an object of a kind irsakit stores; returns the field errors (empty when valid).
 *
 * @example
 * validateObject({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'Prod' } })
 * // → [{ field: 'metadata.name', type: 'Invalid value', value: 'Prod', detail: 'a lowercase RFC 1123 label …' }]
 */
export function validateObject(obj: KubeObject): FieldError[] {
  switch (obj.kind) {
    case 'Namespace':
      return metaErrors(obj, false, true);
    case 'ServiceAccount':
      return metaErrors(obj, true, false);
    case 'Pod': {
      // refused before admission only for what admission cannot mend; then with every error,
      // as the API server lists them (a mount of the webhook's volume is taken on trust there)
      const meta = metaErrors(obj, true, false);
      if (meta.length === 0 && podSpecErrors('spec', obj.spec, { mutable: true }).length === 0)
        return [];
      return [...meta, ...podSpecErrors('spec', obj.spec)];
    }
    case 'Deployment': {
      const out = metaErrors(obj, true, false);
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      const replicas = spec.replicas;
      // ints are rendered bare, as field.Error prints an int32 (`Invalid value: -1`)
      if (replicas !== undefined && (!Number.isInteger(replicas) || (replicas as number) < 0)) {
        out.push({
          field: 'spec.replicas',
          type: 'Invalid value',
          value: replicas,
          detail: 'must be greater than or equal to 0',
        });
      } else if (typeof replicas === 'number' && replicas > MAX_REPLICAS) {
        // a deviation (README): the local cluster makes a Deployment's pods in the request that
        // applies it, so a huge count would hold the whole server for as long as it takes
        out.push({
          field: 'spec.replicas',
          type: 'Invalid value',
          value: replicas,
          detail: `irsakit's local cluster runs at most ${MAX_REPLICAS} replicas of a Deployment`,
        });
      }
      const template = spec.template as
        { metadata?: { labels?: Record<string, string> }; spec?: unknown } | undefined;
      out.push(...selectorErrors(spec.selector, template?.metadata?.labels));
      out.push(...podSpecErrors('spec.template.spec', template?.spec));
      return out;
    }
    default:
      return [];
  }
}

/** A Deployment's `spec.selector` (metav1.LabelSelector), as decoded. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: (LabelSelectorRequirement | null)[] | null;
}
interface LabelSelectorRequirement {
  key?: string;
  operator?: string;
  values?: (string | null)[] | null;
}

/**
 * Go's %#v of a LabelSelector, as the API server echoes it in a selector's errors:
 * `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`.
 */
export function goLabelSelector(sel: LabelSelector): GoSyntax {
  const reqs = sel.matchExpressions;
  const values = (v: LabelSelectorRequirement['values']) =>
    v === undefined || v === null ? '[]string(nil)' : `[]string{${v.map(goString).join(', ')}}`;
  const exprs =
    reqs === undefined || reqs === null
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${reqs
          .map(
            (r) =>
              `v1.LabelSelectorRequirement{Key:${goString(r?.key ?? '')}, Operator:${goString(r?.operator ?? '')}, Values:${values(r?.values)}}`,
          )
          .join(', ')}}`;
  return new GoSyntax(
    `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`,
  );
}

/** The errors of one matchExpressions requirement (apimachinery ValidateLabelSelectorRequirement). */
function requirementErrors(at: string, r: LabelSelectorRequirement): FieldError[] {
  const out: FieldError[] = [];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        out.push({
          field: `${at}.values`,
          type: 'Required value',
          detail: "must be specified when `operator` is 'In' or 'NotIn'",
        });
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        out.push({
          field: `${at}.values`,
          type: 'Forbidden',
          detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        });
      break;
    default:
      out.push({
        field: `${at}.operator`,
        type: 'Invalid value',
        value: r.operator ?? '',
        detail: 'not a valid selector operator',
      });
  }
  for (const detail of qualifiedNameProblems(r.key ?? ''))
    out.push({ field: `${at}.key`, type: 'Invalid value', value: r.key ?? '', detail });
  values.forEach((v, j) => {
    for (const detail of labelValueProblems(v ?? ''))
      out.push({ field: `${at}.values[${j}]`, type: 'Invalid value', value: v ?? '', detail });
  });
  return out;
}

/**
 * Whether a selector selects a set of labels (labels.Selector.Matches): every matchLabels pair
 * and every requirement — In, NotIn, Exists, DoesNotExist — holds.
 */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string> = {}): boolean {
  const has = (k: string) => Object.hasOwn(labels, k);
  return (
    Object.entries(sel.matchLabels ?? {}).every(([k, v]) => has(k) && labels[k] === v) &&
    (sel.matchExpressions ?? []).every((r) => {
      const key = r?.key ?? '';
      const values = r?.values ?? [];
      switch (r?.operator) {
        case 'In':
          return has(key) && values.includes(labels[key] as string);
        case 'NotIn':
          return !has(key) || !values.includes(labels[key] as string);
        case 'Exists':
          return has(key);
        case 'DoesNotExist':
          return !has(key);
        default:
          return false;
      }
    })
  );
}

/**
 * A Deployment's selector against its template's labels, as ValidateDeploymentSpec checks
 * them: required; each label and requirement valid (else the selector is `invalid label
 * selector` and matches nothing); not empty; and it must select the template's labels. A
 * missing selector is labels.Nothing(): it matches no template either.
 */
function selectorErrors(
  selector: unknown,
  labels: Record<string, string> | undefined,
): FieldError[] {
  const mismatch: FieldError = {
    field: 'spec.template.metadata.labels',
    type: 'Invalid value',
    value: new GoSyntax(goStringMap(labels)),
    detail: '`selector` does not match template `labels`',
  };
  if (selector === undefined || selector === null)
    return [{ field: 'spec.selector', type: 'Required value' }, mismatch];
  // its type and fields were checked as the object was decoded (fields.ts)
  const sel = selector as LabelSelector;
  const out: FieldError[] = keyErrors('spec.selector.matchLabels', sel.matchLabels, true);
  (sel.matchExpressions ?? []).forEach((r, i) =>
    out.push(...requirementErrors(`spec.selector.matchExpressions[${i}]`, r ?? {})),
  );
  const invalid = out.length > 0;
  const count = Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length;
  if (count === 0)
    out.push({
      field: 'spec.selector',
      type: 'Invalid value',
      value: goLabelSelector(sel),
      detail: 'empty selector is invalid for deployment',
    });
  if (invalid)
    out.push({
      field: 'spec.selector',
      type: 'Invalid value',
      value: goLabelSelector(sel),
      detail: 'invalid label selector',
    });
  // an empty selector is labels.Everything(), which the template is not checked against
  else if (count > 0 && !selectorMatches(sel, labels)) out.push(mismatch);
  return out;
}

/**
 * A Deployment's selector may not change once it exists (the apps/v1 strategy's
 * ValidateImmutableField; an empty and a missing list or map are the same there).
 */
export function selectorUpdateErrors(before: unknown, after: unknown): FieldError[] {
  if (sameObject(before ?? null, after ?? null)) return [];
  return [
    {
      field: 'spec.selector',
      type: 'Invalid value',
      value: goLabelSelector((after ?? {}) as LabelSelector),
      detail: 'field is immutable',
    },
  ];
}

/** apiVersion/kind pairs irsakit stores. */
export const SUPPORTED_KINDS: Readonly<Record<string, readonly string[]>> = table({
  Namespace: ['v1'],
  ServiceAccount: ['v1'],
  Pod: ['v1'],
  Deployment: ['apps/v1'],
});
