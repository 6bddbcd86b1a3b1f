/**
 * The local cluster: clusters, namespaces, ServiceAccounts, Deployments and pods kept in the
 * store, changed only through `apply` and `delete`, with pods admitted as kube-apiserver
 * admits them — the ServiceAccount admission plugin (default SA, `kube-api-access` volume),
 * then the pod-identity webhook's mutation — at creation time and never again.
 *
 * Everything one `apply` does happens in one store transaction: an invalid object, a missing
 * namespace or ServiceAccount rejects the whole input and leaves the stored state unchanged.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import { REGION_PATTERN } from '../sigv4/index.js';
import type { Store, StoreOps } from '../store/types.js';
import { type KubeObject, readManifests } from './manifests.js';
import {
  type AdmissionRecord,
  type ApplyOutcome,
  ClusterError,
  type ClusterRecord,
} from './types.js';
import { SUPPORTED_KINDS, invalidMessage, podSpecErrors, validateObject } from './validation.js';
import { decodeObject, decodingMessage } from './fields.js';

/** The webhook's decision on a pod, applied: the admitted pod and what was done. */
export type Admit = (input: {
  pod: KubeObject;
  namespace: string;
  serviceAccount?: KubeObject | undefined;
  cluster: ClusterRecord;
  /** the admission's transaction, for what the webhook looks up (pod identity associations) */
  tx: Pick<StoreOps, 'get' | 'list'>;
}) => Admitted | Promise<Admitted>;

export interface Admitted {
  pod: KubeObject;
  mode: AdmissionRecord['mode'];
  warnings: string[];
}

export interface ClusterServiceDeps {
  store: Store;
  clock: Clock;
  /** random bytes as lowercase hex (uids, names); injected so tests are repeatable */
  randomHex: (bytes: number) => string;
  admit: Admit;
  /** the issuers' HTTPS base, e.g. `https://127.0.0.1:4578` */
  issuerBase: string;
  /** what else goes with a deleted cluster, in its transaction (its pod identity associations) */
  onDelete?: ((tx: StoreOps, cluster: string) => Promise<void>) | undefined;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** the namespaces that may not be deleted (NamespaceLifecycle's immortal ones) */
const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);
const CLUSTERS = 'clusters';
const OBJECTS = 'k8s';
const ADMISSIONS = 'admissions';
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

export type Kind = 'Namespace' | 'ServiceAccount' | 'Pod' | 'Deployment';
const objectKey = (cluster: string, kind: Kind, namespace: string, name: string) =>
  `${cluster}/${kind}/${namespace}/${name}`;
const plural: Record<Kind, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  Pod: 'pods',
  Deployment: 'deployments',
};
/** the resource as the API server's messages name it (`deployments.apps "x" not found`) */
const resourceOf = (kind: Kind) => (kind === 'Deployment' ? 'deployments.apps' : plural[kind]);
const refOf = (kind: Kind, name: string) =>
  `${kind === 'Deployment' ? 'deployment.apps' : kind.toLowerCase()}/${name}`;

function clone<T>(v: T): T {
  return structuredClone(v);
}

function uidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class ClusterService {
  private readonly d: ClusterServiceDeps;
  constructor(deps: ClusterServiceDeps) {
    this.d = deps;
  }

  private now(): string {
    return this.d
      .clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }
  private uid(): string {
    return uidFrom(this.d.randomHex(16));
  }

  // ---- clusters ----

  async createCluster(
    name: string,
    opts: {
      region?: string;
      account?: string;
      id?: string;
      keyAlg?: ClusterRecord['keyAlg'];
    } = {},
  ): Promise<ClusterRecord> {
    if (!CLUSTER_NAME.test(name)) {
      throw new ClusterError(
        'Invalid',
        422,
        `cluster name \`${name}\` must be 1–100 letters, digits, '-' or '_', starting with a letter or digit`,
      );
    }
    // a region no SigV4 scope could name would make a cluster nothing can reach (and its name
    // goes into the node's name)
    if (opts.region !== undefined && !REGION_PATTERN.test(opts.region))
      throw new ClusterError(
        'Invalid',
        422,
        `cluster region \`${opts.region}\` is not an AWS region name (like us-east-1)`,
      );
    return this.d.store.transaction(async (tx) => {
      if (await tx.get(CLUSTERS, name))
        throw new ClusterError('AlreadyExists', 409, `cluster "${name}" already exists`);
      const id = opts.id ?? this.d.randomHex(16).toUpperCase();
      const cluster: ClusterRecord = {
        name,
        id,
        region: opts.region ?? 'us-east-1',
        ...(opts.account !== undefined ? { account: opts.account } : {}),
        issuer: `${this.d.issuerBase}/id/${id}`,
        apiAudiences: [`${this.d.issuerBase}/id/${id}`],
        maxTokenExpirationSeconds: 0,
        keyAlg: opts.keyAlg ?? 'RS256',
        createdAt: this.now(),
        nodeName: `ip-10-0-1-23.${opts.region ?? 'us-east-1'}.compute.internal`,
        nodeUid: this.uid(),
      };
      await tx.put(CLUSTERS, name, cluster);
      for (const ns of SYSTEM_NAMESPACES) await this.createNamespace(tx, cluster, ns);
      return cluster;
    });
  }

  async listClusters(): Promise<ClusterRecord[]> {
    return (await this.d.store.list<ClusterRecord>(CLUSTERS)).map((i) => i.value);
  }

  async getCluster(name: string, tx: StoreOps = this.d.store): Promise<ClusterRecord> {
    const c = await tx.get<ClusterRecord>(CLUSTERS, name);
    if (!c) throw new ClusterError('NotFound', 404, `cluster "${name}" not found`);
    return c.value;
  }

  /** The cluster whose issuer id is `id` (for the issuer's HTTPS handler). */
  async clusterById(id: string): Promise<ClusterRecord | undefined> {
    return (await this.listClusters()).find((c) => c.id === id);
  }

  async deleteCluster(name: string): Promise<void> {
    await this.d.store.transaction(async (tx) => {
      await this.getCluster(name, tx);
      for (const coll of [OBJECTS, ADMISSIONS]) {
        for (const item of await tx.list(coll, { prefix: `${name}/` }))
          await tx.delete(coll, item.key);
      }
      await this.d.onDelete?.(tx, name);
      await tx.delete(CLUSTERS, name);
    });
  }

  // ---- objects ----

  async get(cluster: string, kind: Kind, namespace: string, name: string): Promise<KubeObject> {
    await this.getCluster(cluster);
    const item = await this.d.store.get<KubeObject>(
      OBJECTS,
      objectKey(cluster, kind, kind === 'Namespace' ? '' : namespace, name),
    );
    if (!item)
      throw new ClusterError('NotFound', 404, `${resourceOf(kind)} "${name}" not found`, {
        name,
        kind: plural[kind],
      });
    return withVersion(item.value, item.revision);
  }

  /** Objects of a kind, in one namespace or (namespace undefined) in all. */
  async list(
    cluster: string,
    kind: Kind,
    namespace?: string,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    await this.getCluster(cluster);
    const prefix =
      kind === 'Namespace' || namespace === undefined
        ? `${cluster}/${kind}/`
        : `${cluster}/${kind}/${namespace}/`;
    const items = (await this.d.store.list<KubeObject>(OBJECTS, { prefix })).map((i) =>
      withVersion(i.value, i.revision),
    );
    return { items, resourceVersion: String(await this.d.store.revision()) };
  }

  async admission(
    cluster: string,
    namespace: string,
    pod: string,
  ): Promise<AdmissionRecord | undefined> {
    return (await this.d.store.get<AdmissionRecord>(ADMISSIONS, `${cluster}/${namespace}/${pod}`))
      ?.value;
  }

  /**
   * Applies manifests: every object is validated first; then all are created or updated in
   * one transaction. Unknown kinds are skipped and reported.
   */
  async apply(
    clusterName: string,
    text: string,
    opts: { defaultNamespace?: string } = {},
  ): Promise<ApplyOutcome[]> {
    const docs = readManifests(text);
    const broken = docs.find((d) => d.error);
    if (broken?.error) throw new ClusterError('BadRequest', 400, broken.error);
    if (docs.length === 0) throw new ClusterError('BadRequest', 400, 'no objects passed to apply');
    const outcomes: ApplyOutcome[] = [];
    const accepted: KubeObject[] = [];
    const errors: string[] = [];
    const strict: string[] = [];
    for (const d of docs) {
      const obj = d.object as KubeObject;
      const kind = obj.kind;
      const name = obj.metadata?.name ?? obj.metadata?.generateName ?? '';
      if (!kind || !obj.apiVersion) {
        errors.push(
          `error validating data: [${!obj.apiVersion ? 'apiVersion not set' : ''}${!obj.apiVersion && !kind ? ', ' : ''}${!kind ? 'kind not set' : ''}]`,
        );
        continue;
      }
      const versions = SUPPORTED_KINDS[kind];
      if (!versions || !versions.includes(obj.apiVersion)) {
        outcomes.push({
          ref: `${kind.toLowerCase()}/${name}`,
          action: 'skipped',
          message: `no matches for kind "${kind}" in version "${obj.apiVersion}" (irsakit keeps ${Object.entries(
            SUPPORTED_KINDS,
          )
            .map(([k, v]) => `${v.join('|')} ${k}`)
            .join(', ')})`,
        });
        continue;
      }
      // the API server decodes the object first: a value of the wrong type is refused, and,
      // with the strict field validation kubectl asks for (its default since 1.27), so is an
      // unknown field, instead of being dropped
      const decoded = decodeObject(obj);
      if (decoded.typeError !== undefined || decoded.unknown.length > 0) {
        strict.push(decodingMessage(obj, decoded));
        continue;
      }
      const fieldErrors = validateObject(obj);
      if (fieldErrors.length > 0) {
        errors.push(invalidMessage(kind, name, fieldErrors));
        continue;
      }
      accepted.push(obj);
    }
    if (strict.length > 0)
      throw new ClusterError('BadRequest', 400, [...strict, ...errors].join('\n'));
    if (errors.length > 0) throw new ClusterError('Invalid', 422, errors.join('\n'));
    return this.d.store.transaction(async (tx) => {
      const cluster = await this.getCluster(clusterName, tx);
      // a Deployment's pods are made after everything else the input holds: on a real cluster
      // the ReplicaSet makes them later, once a ServiceAccount applied in the same go exists
      // (kubectl apply -f dir/ reads deployment.yaml before serviceaccount.yaml). A Pod of its
      // own is admitted in its place, as the API server admits it.
      const done: ApplyOutcome[] = [];
      for (const pass of [false, true])
        for (const [i, obj] of accepted.entries()) {
          if ((obj.kind === 'Deployment') !== pass) continue;
          const ns =
            obj.kind === 'Namespace'
              ? undefined
              : (obj.metadata?.namespace ?? opts.defaultNamespace ?? 'default');
          done[i] = await this.applyOne(tx, cluster, obj, ns);
        }
      outcomes.push(...done);
      return outcomes;
    });
  }

  async delete(
    clusterName: string,
    kind: Kind,
    namespace: string,
    name: string,
  ): Promise<ApplyOutcome> {
    return this.d.store.transaction(async (tx) => {
      const cluster = await this.getCluster(clusterName, tx);
      const key = objectKey(cluster.name, kind, kind === 'Namespace' ? '' : namespace, name);
      if (!(await tx.get(OBJECTS, key))) {
        throw new ClusterError('NotFound', 404, `${resourceOf(kind)} "${name}" not found`, {
          name,
          kind: plural[kind],
        });
      }
      // the NamespaceLifecycle admission plugin keeps these
      if (kind === 'Namespace' && IMMORTAL_NAMESPACES.has(name))
        throw new ClusterError(
          'Forbidden',
          403,
          `namespaces "${name}" is forbidden: this namespace may not be deleted`,
          { name, kind: 'namespaces' },
        );
      await tx.delete(OBJECTS, key);
      // the service-account controller makes a deleted `default` again, at once
      if (kind === 'ServiceAccount' && name === 'default')
        await this.createDefaultServiceAccount(tx, cluster, namespace);
      if (kind === 'Namespace') {
        for (const k of ['ServiceAccount', 'Pod', 'Deployment'] as Kind[]) {
          for (const item of await tx.list(OBJECTS, { prefix: `${cluster.name}/${k}/${name}/` }))
            await tx.delete(OBJECTS, item.key);
        }
        for (const item of await tx.list(ADMISSIONS, { prefix: `${cluster.name}/${name}/` }))
          await tx.delete(ADMISSIONS, item.key);
      } else if (kind === 'Deployment') {
        for (const pod of await this.podsOf(tx, cluster, namespace, name))
          await this.deletePod(tx, cluster, namespace, pod);
      } else if (kind === 'Pod') {
        await tx.delete(ADMISSIONS, `${cluster.name}/${namespace}/${name}`);
      }
      return {
        ref: refOf(kind, name),
        namespace: kind === 'Namespace' ? undefined : namespace,
        action: 'deleted',
      };
    });
  }

  /** `kubectl rollout restart`: new pods, admitted afresh. */
  async restartDeployment(
    clusterName: string,
    namespace: string,
    name: string,
  ): Promise<ApplyOutcome> {
    return this.d.store.transaction(async (tx) => {
      const cluster = await this.getCluster(clusterName, tx);
      const key = objectKey(cluster.name, 'Deployment', namespace, name);
      const item = await tx.get<KubeObject>(OBJECTS, key);
      if (!item)
        throw new ClusterError('NotFound', 404, `deployments.apps "${name}" not found`, {
          name,
          kind: 'deployments',
        });
      const dep = clone(item.value);
      const template = ((dep.spec ??= {}).template ??= {}) as KubeObject;
      template.metadata ??= {};
      template.metadata.annotations = {
        ...template.metadata.annotations,
        'kubectl.kubernetes.io/restartedAt': this.now(),
      };
      await tx.put(OBJECTS, key, dep);
      await this.reconcileDeployment(tx, cluster, namespace, dep);
      return {
        ref: `deployment.apps/${name}`,
        namespace,
        action: 'configured',
        message: 'restarted',
      };
    });
  }

  // ---- internals ----

  /** a generated name's random part: five characters, as apimachinery's util/rand.String(5) */
  private suffix(): string {
    return nameChars(this.d.randomHex(5), 5);
  }

  private async createNamespace(tx: StoreOps, cluster: ClusterRecord, name: string): Promise<void> {
    await tx.put(OBJECTS, objectKey(cluster.name, 'Namespace', '', name), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: this.uid(),
        creationTimestamp: this.now(),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    await this.createDefaultServiceAccount(tx, cluster, name);
  }

  /** What the service-account controller keeps in every namespace: `default`. */
  private async createDefaultServiceAccount(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
  ): Promise<void> {
    await tx.put(OBJECTS, objectKey(cluster.name, 'ServiceAccount', ns, 'default'), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'default',
        namespace: ns,
        uid: this.uid(),
        creationTimestamp: this.now(),
      },
    });
  }

  private async requireNamespace(tx: StoreOps, cluster: ClusterRecord, ns: string): Promise<void> {
    if (!(await tx.get(OBJECTS, objectKey(cluster.name, 'Namespace', '', ns)))) {
      throw new ClusterError('NotFound', 404, `namespaces "${ns}" not found`, {
        name: ns,
        kind: 'namespaces',
      });
    }
  }

  private async applyOne(
    tx: StoreOps,
    cluster: ClusterRecord,
    input: KubeObject,
    ns: string | undefined,
  ): Promise<ApplyOutcome> {
    const kind = input.kind as Kind;
    const obj = clone(input);
    obj.metadata ??= {};
    const lastApplied = JSON.stringify(input);
    if (ns !== undefined) {
      await this.requireNamespace(tx, cluster, ns);
      obj.metadata.namespace = ns;
    }
    if (kind === 'Pod' && !obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${this.suffix()}`;
    }
    const name = obj.metadata.name as string;
    const key = objectKey(cluster.name, kind, ns ?? '', name);
    const existing = (await tx.get<KubeObject>(OBJECTS, key))?.value;
    const ref = refOf(kind, name);
    if (
      existing &&
      existing.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ===
        lastApplied
    ) {
      return { ref, namespace: ns, action: 'unchanged' };
    }
    obj.metadata.annotations = {
      ...obj.metadata.annotations,
      'kubectl.kubernetes.io/last-applied-configuration': lastApplied,
    };
    obj.metadata.uid = existing?.metadata?.uid ?? this.uid();
    obj.metadata.creationTimestamp = existing?.metadata?.creationTimestamp ?? this.now();
    switch (kind) {
      case 'Namespace':
        if (!existing) {
          await this.createNamespace(tx, cluster, name);
          const created = (await tx.get<KubeObject>(OBJECTS, key))?.value as KubeObject;
          created.metadata = {
            ...created.metadata,
            labels: { ...created.metadata?.labels, ...obj.metadata.labels },
            annotations: obj.metadata.annotations,
          };
          await tx.put(OBJECTS, key, created);
        } else {
          await tx.put(OBJECTS, key, {
            ...existing,
            metadata: {
              ...existing.metadata,
              labels: { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name },
              annotations: obj.metadata.annotations,
            },
          });
        }
        break;
      case 'ServiceAccount':
        // existing pods keep what they were admitted with (webhook.md §10)
        await tx.put(OBJECTS, key, obj);
        break;
      case 'Pod':
        if (existing) return this.updatePod(tx, key, existing, obj, ns as string);
        await this.createPod(tx, cluster, ns as string, obj);
        break;
      case 'Deployment':
        await tx.put(OBJECTS, key, obj);
        await this.reconcileDeployment(tx, cluster, ns as string, obj);
        break;
    }
    return { ref, namespace: ns, action: existing ? 'configured' : 'created' };
  }

  private async updatePod(
    tx: StoreOps,
    key: string,
    existing: KubeObject,
    next: KubeObject,
    ns: string,
  ): Promise<ApplyOutcome> {
    const name = next.metadata?.name as string;
    const before = JSON.parse(
      existing.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}',
    ) as KubeObject;
    // images may change (kube-apiserver's ValidatePodUpdate); anything else may not
    const withoutImages = (o: KubeObject) => {
      const spec = clone({ spec: o.spec ?? {} } as KubeObject).spec as Record<string, unknown>;
      for (const list of ['containers', 'initContainers'])
        for (const c of (spec[list] as Record<string, unknown>[] | undefined) ?? [])
          if (c && typeof c === 'object') delete c.image;
      return JSON.stringify(spec);
    };
    if (withoutImages(before) !== withoutImages(next)) {
      throw new ClusterError(
        'Invalid',
        422,
        `The Pod "${name}" is invalid: spec: Forbidden: pod updates may not change fields other than \`spec.containers[*].image\`,\`spec.initContainers[*].image\`,\`spec.activeDeadlineSeconds\`,\`spec.tolerations\` (only additions to existing tolerations),\`spec.terminationGracePeriodSeconds\` (allow it to be set to 1 if it was previously negative) — delete the pod and apply it again to re-create it`,
      );
    }
    const updated = clone(existing);
    updated.metadata = {
      ...updated.metadata,
      labels: next.metadata?.labels,
      annotations: next.metadata?.annotations,
    };
    // the admitted containers keep what admission gave them; only their images follow
    for (const list of ['containers', 'initContainers'] as const) {
      const stored = (updated.spec?.[list] as Record<string, unknown>[] | undefined) ?? [];
      const wanted = (next.spec?.[list] as Record<string, unknown>[] | undefined) ?? [];
      wanted.forEach((c, i) => {
        const s = stored[i];
        if (s && c && typeof c === 'object') {
          if (c.image === undefined) delete s.image;
          else s.image = c.image;
        }
      });
    }
    await tx.put(OBJECTS, key, updated);
    return { ref: `pod/${name}`, namespace: ns, action: 'configured' };
  }

  /** Admission as kube-apiserver runs it for a new pod, then storage. */
  private async createPod(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
    input: KubeObject,
  ): Promise<KubeObject> {
    const pod = clone(input);
    const name = pod.metadata?.name as string;
    const spec = (pod.spec ??= {}) as Record<string, unknown>;
    // ServiceAccount admission plugin: default the SA, require it to exist, mount the API token
    const saName =
      (spec.serviceAccountName as string | undefined) ||
      (spec.serviceAccount as string | undefined) ||
      'default';
    spec.serviceAccountName = saName;
    spec.serviceAccount = saName;
    const saItem = await tx.get<KubeObject>(
      OBJECTS,
      objectKey(cluster.name, 'ServiceAccount', ns, saName),
    );
    if (!saItem) {
      throw new ClusterError(
        'Forbidden',
        403,
        `pods "${name}" is forbidden: error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`,
      );
    }
    const sa = withVersion(saItem.value, saItem.revision);
    const automount =
      spec.automountServiceAccountToken ??
      (sa as { automountServiceAccountToken?: boolean }).automountServiceAccountToken ??
      true;
    if (automount) addApiAccessVolume(spec, this.suffix());
    spec.nodeName ??= cluster.nodeName;
    spec.restartPolicy ??= 'Always';
    const admitted = await this.d.admit({ pod, namespace: ns, serviceAccount: sa, cluster, tx });
    const out = admitted.pod;
    // pod validation runs after mutating admission, on what the webhook made of the pod
    const mutated = podSpecErrors('spec', out.spec);
    if (mutated.length > 0)
      throw new ClusterError('Invalid', 422, invalidMessage('Pod', name, mutated));
    out.status = {
      phase: 'Running',
      podIP: `10.0.1.${(parseInt(this.d.randomHex(1), 16) % 250) + 2}`,
      startTime: this.now(),
      hostIP: '10.0.1.23',
    };
    await tx.put(OBJECTS, objectKey(cluster.name, 'Pod', ns, name), out);
    const record: AdmissionRecord = {
      cluster: cluster.name,
      namespace: ns,
      pod: name,
      podUid: out.metadata?.uid as string,
      at: this.now(),
      serviceAccount: saName,
      serviceAccountResourceVersion: sa.metadata?.resourceVersion,
      roleArn: sa.metadata?.annotations?.['eks.amazonaws.com/role-arn'],
      mode: admitted.mode,
      warnings: admitted.warnings,
    };
    await tx.put(ADMISSIONS, `${cluster.name}/${ns}/${name}`, record);
    return out;
  }

  private async deletePod(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
    name: string,
  ): Promise<void> {
    await tx.delete(OBJECTS, objectKey(cluster.name, 'Pod', ns, name));
    await tx.delete(ADMISSIONS, `${cluster.name}/${ns}/${name}`);
  }

  private async podsOf(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
    deployment: string,
  ): Promise<string[]> {
    const pods = await tx.list<KubeObject>(OBJECTS, { prefix: `${cluster.name}/Pod/${ns}/` });
    return pods
      .filter((p) => p.value.metadata?.annotations?.['irsakit.dev/deployment'] === deployment)
      .map((p) => p.value.metadata?.name as string);
  }

  /** A Deployment's pods: `replicas` of the current template; pods of older templates go. */
  private async reconcileDeployment(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
    dep: KubeObject,
  ): Promise<void> {
    const name = dep.metadata?.name as string;
    const spec = dep.spec as { replicas?: number; template?: KubeObject };
    const template = spec.template ?? {};
    const hash = nameChars(createHash('sha256').update(JSON.stringify(template)).digest('hex'), 10);
    const replicas = spec.replicas ?? 1;
    const current: string[] = [];
    for (const podName of await this.podsOf(tx, cluster, ns, name)) {
      const pod = (await tx.get<KubeObject>(OBJECTS, objectKey(cluster.name, 'Pod', ns, podName)))
        ?.value;
      if (pod?.metadata?.labels?.['pod-template-hash'] === hash) current.push(podName);
      else await this.deletePod(tx, cluster, ns, podName);
    }
    while (current.length > replicas)
      await this.deletePod(tx, cluster, ns, current.pop() as string);
    while (current.length < replicas) {
      let podName = `${name}-${hash}-${this.suffix()}`;
      while (await tx.get(OBJECTS, objectKey(cluster.name, 'Pod', ns, podName))) {
        podName = `${name}-${hash}-${this.suffix()}`;
      }
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace: ns,
          uid: this.uid(),
          creationTimestamp: this.now(),
          labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
          annotations: {
            ...(template.metadata?.annotations ?? {}),
            'irsakit.dev/deployment': name,
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: `${name}-${hash}`,
              uid: uidFrom(
                createHash('sha256').update(`${dep.metadata?.uid}/${hash}`).digest('hex'),
              ),
              controller: true,
            },
          ],
        },
        spec: clone(template.spec ?? {}),
      };
      await this.createPod(tx, cluster, ns, pod);
      current.push(podName);
    }
  }
}

function withVersion(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/** The ServiceAccount admission plugin's projected `kube-api-access-xxxxx` volume and mounts. */
/**
 * The characters Kubernetes makes generated names of (apimachinery's util/rand: no vowels, so
 * no words, and none of 0, 1, 3 that look like letters).
 */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `n` characters of `NAME_ALPHABET` from hex bytes. */
function nameChars(hex: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++)
    out += NAME_ALPHABET[parseInt(hex.slice(2 * i, 2 * i + 2), 16) % NAME_ALPHABET.length];
  return out;
}

function addApiAccessVolume(spec: Record<string, unknown>, suffix: string): void {
  const volumeName = `kube-api-access-${suffix}`;
  const volumes = (spec.volumes as Record<string, unknown>[] | undefined) ?? [];
  volumes.push({
    name: volumeName,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [
              {
                path: 'namespace',
                fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
              },
            ],
          },
        },
      ],
    },
  });
  spec.volumes = volumes;
  for (const list of ['initContainers', 'containers']) {
    for (const c of (spec[list] as Record<string, unknown>[] | undefined) ?? []) {
      const mounts = (c.volumeMounts as Record<string, unknown>[] | undefined) ?? [];
      if (mounts.some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'))
        continue;
      mounts.push({
        name: volumeName,
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      });
      c.volumeMounts = mounts;
    }
  }
}
