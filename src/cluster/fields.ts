/**
 * Strict field validation, as kubectl 1.27+ asks the API server for by default
 * (`--validate=strict`): a field the object's type does not have is refused —
 * `strict decoding error: unknown field "metadata.annotation"` — instead of being dropped.
 * Those typos are the IRSA mistakes the seeds warn about (an annotation that never reaches the
 * webhook, a `serviceaccountName` that leaves the pod on `default`).
 *
 * The field lists are the core/v1 and apps/v1 types' JSON names (ObjectMeta, ServiceAccount,
 * Namespace, Pod, PodSpec, Container, EnvVar, VolumeMount, Deployment, DeploymentSpec,
 * PodTemplateSpec), down to a container's env and mounts; the structures below those (volumes,
 * probes, security contexts, affinity, …) are not checked. Pure.
 */
import type { KubeObject } from './manifests.js';

/** A type: its fields, each either a leaf (`true`) or a nested type (object, or list items). */
interface Shape {
  [field: string]: true | { object: Shape } | { items: Shape };
}

const OBJECT_META: Shape = Object.fromEntries(
  [
    'name',
    'generateName',
    'namespace',
    'selfLink',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'labels',
    'annotations',
    'ownerReferences',
    'finalizers',
    'managedFields',
  ].map((f) => [f, true]),
);

const leaves = (...fields: string[]): Shape => Object.fromEntries(fields.map((f) => [f, true]));

const ENV_VAR = leaves('name', 'value', 'valueFrom');
const VOLUME_MOUNT = leaves(
  'name',
  'readOnly',
  'recursiveReadOnly',
  'mountPath',
  'subPath',
  'mountPropagation',
  'subPathExpr',
);

const CONTAINER: Shape = {
  ...leaves(
    'name',
    'image',
    'command',
    'args',
    'workingDir',
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
  env: { items: ENV_VAR },
  volumeMounts: { items: VOLUME_MOUNT },
};

const POD_SPEC: Shape = {
  ...leaves(
    'volumes',
    'ephemeralContainers',
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'dnsPolicy',
    'nodeSelector',
    'serviceAccountName',
    'serviceAccount',
    'automountServiceAccountToken',
    'nodeName',
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
  containers: { items: CONTAINER },
  initContainers: { items: CONTAINER },
};

const TOP = leaves('apiVersion', 'kind');

const SHAPES: Readonly<Record<string, Shape>> = {
  Namespace: { ...TOP, metadata: { object: OBJECT_META }, ...leaves('spec', 'status') },
  ServiceAccount: {
    ...TOP,
    metadata: { object: OBJECT_META },
    ...leaves('secrets', 'imagePullSecrets', 'automountServiceAccountToken'),
  },
  Pod: {
    ...TOP,
    metadata: { object: OBJECT_META },
    spec: { object: POD_SPEC },
    status: true,
  },
  Deployment: {
    ...TOP,
    metadata: { object: OBJECT_META },
    spec: {
      object: {
        ...leaves(
          'replicas',
          'selector',
          'strategy',
          'minReadySeconds',
          'revisionHistoryLimit',
          'paused',
          'progressDeadlineSeconds',
        ),
        template: { object: { metadata: { object: OBJECT_META }, spec: { object: POD_SPEC } } },
      },
    },
    status: true,
  },
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (!isObject(value)) return;
  for (const [field, v] of Object.entries(value)) {
    const at = path === '' ? field : `${path}.${field}`;
    if (!Object.hasOwn(shape, field)) {
      out.push(at);
      continue;
    }
    const sub = shape[field] as Shape[string];
    if (sub === true) continue;
    if ('object' in sub) walk(v, sub.object, at, out);
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, sub.items, `${at}[${i}]`, out));
  }
}

/**
 * The fields of an object its type does not have, as the API server names them.
 *
 * @example
 * unknownFields({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'a', annotation: {} } })
 * // → ['metadata.annotation']
 */
export function unknownFields(obj: KubeObject): string[] {
  const shape =
    obj.kind !== undefined && Object.hasOwn(SHAPES, obj.kind) ? SHAPES[obj.kind] : undefined;
  if (!shape) return [];
  const out: string[] = [];
  walk(obj, shape, '', out);
  return out;
}

/**
 * The API server's refusal of an object with unknown fields (strict decoding), as kubectl
 * prints it after `Error from server (BadRequest):`.
 *
 * @example
 * strictDecodingMessage({ apiVersion: 'v1', kind: 'ServiceAccount' }, ['metadata.annotation'])
 * // → 'ServiceAccount in version "v1" cannot be handled as a ServiceAccount: strict decoding error: unknown field "metadata.annotation"'
 */
export function strictDecodingMessage(
  obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
  fields: readonly string[],
): string {
  const api = obj.apiVersion ?? '';
  const version = api.includes('/') ? api.split('/')[1] : api;
  return `${obj.kind ?? ''} in version "${version}" cannot be handled as a ${obj.kind}: strict decoding error: ${fields
    .map((f) => `unknown field "${f}"`)
    .join(', ')}`;
}
