/**
 * Decoding an object as the API server does, before any validation: a value of the wrong JSON
 * type (YAML's unquoted `3600` or `true` for an annotation) fails the decoding —
 * `json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type
 * string` — and, with the strict field validation kubectl 1.27+ asks for by default
 * (`--validate=strict`), a field the object's type does not have is refused —
 * `strict decoding error: unknown field "metadata.annotation"` — instead of being dropped.
 * Those typos are the IRSA mistakes the seeds warn about (an annotation that never reaches the
 * webhook, a `serviceaccountName` that leaves the pod on `default`, a token expiration the
 * webhook never reads).
 *
 * The field lists are the core/v1 and apps/v1 types' JSON names (ObjectMeta, ServiceAccount,
 * Namespace, Pod, PodSpec, Container, EnvVar, VolumeMount, Deployment, DeploymentSpec,
 * LabelSelector, PodTemplateSpec), down to a container's env and mounts; the structures below those (volumes,
 * probes, security contexts, affinity, …) are not checked. Pure.
 */
import type { KubeObject } from './manifests.js';

/**
 * A field: not checked below (`true`), a Go string, a `map[string]string`, a nested struct, or
 * a list of them (with its Go type, for the decoding error).
 */
type Field = true | 'string' | 'stringMap' | { object: Shape } | { items: Shape; list: string };

/** A Go struct of the API types: its name (for the decoding error) and its JSON fields. */
interface Shape {
  type: string;
  fields: Record<string, Field>;
}

const leaves = (...fields: string[]): Record<string, Field> =>
  Object.fromEntries(fields.map((f) => [f, true]));
const strings = (...fields: string[]): Record<string, Field> =>
  Object.fromEntries(fields.map((f) => [f, 'string']));

const OBJECT_META: Shape = {
  type: 'ObjectMeta',
  fields: {
    ...strings('name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion'),
    ...leaves(
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'ownerReferences',
      'finalizers',
      'managedFields',
    ),
    labels: 'stringMap',
    annotations: 'stringMap',
  },
};

const ENV_VAR: Shape = { type: 'EnvVar', fields: { ...strings('name', 'value'), valueFrom: true } };
const VOLUME_MOUNT: Shape = {
  type: 'VolumeMount',
  fields: {
    ...strings('name', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'),
    ...leaves('readOnly', 'recursiveReadOnly'),
  },
};

const CONTAINER: Shape = {
  type: 'Container',
  fields: {
    ...strings('name', 'image', 'workingDir'),
    ...leaves(
      'command',
      'args',
      'ports',
      'envFrom',
      'resources',
      'resizePolicy',
      'restartPolicy',
      'volumeDevices',
      'livenessProbe',
      'readinessProbe',
      'startupProbe',
      'lifecycle',
      'terminationMessagePath',
      'terminationMessagePolicy',
      'imagePullPolicy',
      'securityContext',
      'stdin',
      'stdinOnce',
      'tty',
    ),
    env: { items: ENV_VAR, list: '[]v1.EnvVar' },
    volumeMounts: { items: VOLUME_MOUNT, list: '[]v1.VolumeMount' },
  },
};

/** A volume: its name checked, its sources not. */
const VOLUME: Shape = { type: 'Volume', fields: { name: 'string' } };

const POD_SPEC: Shape = {
  type: 'PodSpec',
  fields: {
    ...strings('serviceAccountName', 'serviceAccount', 'nodeName'),
    ...leaves(
      'ephemeralContainers',
      'restartPolicy',
      'terminationGracePeriodSeconds',
      'activeDeadlineSeconds',
      'dnsPolicy',
      'nodeSelector',
      'automountServiceAccountToken',
      'hostNetwork',
      'hostPID',
      'hostIPC',
      'shareProcessNamespace',
      'securityContext',
      'imagePullSecrets',
      'hostname',
      'subdomain',
      'affinity',
      'schedulerName',
      'tolerations',
      'hostAliases',
      'priorityClassName',
      'priority',
      'dnsConfig',
      'readinessGates',
      'runtimeClassName',
      'enableServiceLinks',
      'preemptionPolicy',
      'overhead',
      'topologySpreadConstraints',
      'setHostnameAsFQDN',
      'os',
      'hostUsers',
      'schedulingGates',
      'resourceClaims',
      'resources',
    ),
    volumes: { items: VOLUME, list: '[]v1.Volume' },
    containers: { items: CONTAINER, list: '[]v1.Container' },
    initContainers: { items: CONTAINER, list: '[]v1.Container' },
  },
};

const TOP = leaves('apiVersion', 'kind');

/** metav1.LabelSelector: a Deployment's selector, its requirements' values not checked. */
const LABEL_SELECTOR: Shape = {
  type: 'LabelSelector',
  fields: {
    matchLabels: 'stringMap',
    matchExpressions: {
      items: {
        type: 'LabelSelectorRequirement',
        fields: { ...strings('key', 'operator'), values: true },
      },
      list: '[]v1.LabelSelectorRequirement',
    },
  },
};

const SHAPES: Readonly<Record<string, Shape>> = {
  Namespace: {
    type: 'Namespace',
    fields: { ...TOP, metadata: { object: OBJECT_META }, ...leaves('spec', 'status') },
  },
  ServiceAccount: {
    type: 'ServiceAccount',
    fields: {
      ...TOP,
      metadata: { object: OBJECT_META },
      ...leaves('secrets', 'imagePullSecrets', 'automountServiceAccountToken'),
    },
  },
  Pod: {
    type: 'Pod',
    fields: { ...TOP, metadata: { object: OBJECT_META }, spec: { object: POD_SPEC }, status: true },
  },
  Deployment: {
    type: 'Deployment',
    fields: {
      ...TOP,
      metadata: { object: OBJECT_META },
      spec: {
        object: {
          type: 'DeploymentSpec',
          fields: {
            selector: { object: LABEL_SELECTOR },
            ...leaves(
              'replicas',
              'strategy',
              'minReadySeconds',
              'revisionHistoryLimit',
              'paused',
              'progressDeadlineSeconds',
            ),
            template: {
              object: {
                type: 'PodTemplateSpec',
                fields: { metadata: { object: OBJECT_META }, spec: { object: POD_SPEC } },
              },
            },
          },
        },
      },
      status: true,
    },
  },
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** How Go's decoder names a JSON value it could not store. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

interface Walk {
  unknown: string[];
  /** the first value of the wrong type, in Go's words */
  typeError?: string;
}

function walk(value: Record<string, unknown>, shape: Shape, at: Path, out: Walk): void {
  for (const [field, v] of Object.entries(value)) {
    const here: Path = {
      shown: at.shown === '' ? field : `${at.shown}.${field}`,
      go: at.go === '' ? field : `${at.go}.${field}`,
    };
    if (!Object.hasOwn(shape.fields, field)) {
      out.unknown.push(here.shown);
      continue;
    }
    const sub = shape.fields[field] as Field;
    // a null is the zero value, for every type
    if (sub === true || v === null) continue;
    const wrong = (type: string) =>
      (out.typeError ??= `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${shape.type}.${here.go} of type ${type}`);
    if (sub === 'string') {
      if (typeof v !== 'string') wrong('string');
    } else if (sub === 'stringMap') {
      if (!isObject(v)) wrong('map[string]string');
      else
        for (const x of Object.values(v))
          if (x !== null && typeof x !== 'string') {
            out.typeError ??= `json: cannot unmarshal ${jsonKind(x)} into Go struct field ${shape.type}.${here.go} of type string`;
          }
    } else if ('object' in sub) {
      if (!isObject(v)) wrong(`v1.${sub.object.type}`);
      else walk(v, sub.object, here, out);
    } else if (!Array.isArray(v)) wrong(sub.list);
    else
      v.forEach((item: unknown, i) => {
        if (item === null) return;
        if (!isObject(item)) {
          out.typeError ??= `json: cannot unmarshal ${jsonKind(item)} into Go struct field ${shape.type}.${here.go} of type v1.${sub.items.type}`;
          return;
        }
        // a volume's sources are many types, not checked here
        if (sub.items === VOLUME) walk(pick(item, 'name'), VOLUME, here, out);
        else walk(item, sub.items, { shown: `${here.shown}[${i}]`, go: here.go }, out);
      });
  }
}

/** Where a field is: as the strict decoder shows it (`spec.containers[1].evn`), and as Go's decoder does (no indices). */
interface Path {
  shown: string;
  go: string;
}

const pick = (o: Record<string, unknown>, k: string): Record<string, unknown> =>
  Object.hasOwn(o, k) ? { [k]: o[k] } : {};

/**
 * What the API server's decoder says of an object of a kind irsakit keeps: the first value of
 * the wrong type (`typeError`: decoding fails), else the fields its type does not have.
 *
 * @example
 * decodeObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'a', annotation: {} } })
 * // → { unknown: ['metadata.annotation'] }
 */
export function decodeObject(obj: KubeObject): Walk {
  const shape =
    obj.kind !== undefined && Object.hasOwn(SHAPES, obj.kind) ? SHAPES[obj.kind] : undefined;
  const out: Walk = { unknown: [] };
  if (shape) walk(obj as Record<string, unknown>, shape, { shown: '', go: '' }, out);
  return out;
}

/**
 * The fields of an object its type does not have, as the API server names them.
 *
 * @example
 * unknownFields({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'a', annotation: {} } })
 * // → ['metadata.annotation']
 */
export function unknownFields(obj: KubeObject): string[] {
  return decodeObject(obj).unknown;
}

/**
 * The API server's refusal of an object it cannot decode, as kubectl prints it after
 * `Error from server (BadRequest):` — a value of the wrong type, else the unknown fields.
 *
 * @example
 * decodingMessage({ apiVersion: 'v1', kind: 'ServiceAccount' }, { unknown: ['metadata.annotation'] })
 * // → 'ServiceAccount in version "v1" cannot be handled as a ServiceAccount: strict decoding error: unknown field "metadata.annotation"'
 */
export function decodingMessage(
  obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
  decoded: Walk,
): string {
  const api = obj.apiVersion ?? '';
  const version = api.includes('/') ? api.split('/')[1] : api;
  const why =
    decoded.typeError ??
    `strict decoding error: ${decoded.unknown.map((f) => `unknown field "${f}"`).join(', ')}`;
  return `${obj.kind ?? ''} in version "${version}" cannot be handled as a ${obj.kind}: ${why}`;
}

/** The strict decoder's refusal of unknown fields alone (see `decodingMessage`). */
export function strictDecodingMessage(
  obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
  fields: readonly string[],
): string {
  return decodingMessage(obj, { unknown: [...fields] });
}
