/**
 * The local cluster: clusters, namespaces, ServiceAccounts, Deployments and pods kept in the
 * store, changed only through `apply` and `delete`, with pods admitted as kube-apiserver
 * admits them — the ServiceAccount admission plugin (default SA, `kube-api-access` volume),
 * then the pod-identity webhook's mutation — at creation time and never again.
 *
 * Everything one `apply` does happens in one store transaction: an invalid object, a missing
 * namespace or a Pod's missing ServiceAccount rejects the whole input and leaves the stored
 * state unchanged. An object that exists is updated as kubectl apply updates it, by a
 * three-way merge (merge.ts) that keeps what others set. A Deployment's pods are its
 * controllers' work, done at each write that concerns them (the Deployment's, a pod's deletion,
 * a ServiceAccount's in its namespace): a pod the API server refuses is not made, and the
 * Deployment, stored all the same, says why in its status until a later write lets it be.
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
import {
  SUPPORTED_KINDS,
  invalidMessage,
  podSpecErrors,
  selectorUpdateErrors,
  validateObject,
} from './validation.js';
import { decodeObject, decodingMessage } from './fields.js';
import { sameObject, sortedJson, threeWayMerge } from './merge.js';
import { deploymentStatus, maxUnavailable, nameChars, templateHash } from './deployments.js';

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
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** the annotation that names a pod's Deployment (its ReplicaSet is named in ownerReferences) */
const OWNER = 'irsakit.dev/deployment';

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
      const gone = (await tx.get<KubeObject>(OBJECTS, key))?.value;
      if (!gone) {
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
        // its ReplicaSet makes another at once, admitted afresh
        const owner = gone.metadata?.annotations?.[OWNER];
        const dep =
          owner === undefined
            ? undefined
            : (
                await tx.get<KubeObject>(
                  OBJECTS,
                  objectKey(cluster.name, 'Deployment', namespace, owner),
                )
              )?.value;
        if (dep) await this.reconcileDeployment(tx, cluster, namespace, dep);
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
      dep.metadata = { ...dep.metadata, generation: generationOf(item.value) + 1 };
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
    // what kubectl records of what it applied: the manifest as Go encodes it, keys sorted
    const lastApplied = sortedJson(input);
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
    // the status is the controllers' and the kubelet's (a subresource); the resourceVersion is
    // the store's
    delete obj.status;
    delete obj.metadata.resourceVersion;
    obj.metadata.annotations = { ...obj.metadata.annotations, [LAST_APPLIED]: lastApplied };
    if (existing) return this.updateOne(tx, cluster, kind, existing, obj, ns);
    obj.metadata.uid = this.uid();
    obj.metadata.creationTimestamp = this.now();
    switch (kind) {
      case 'Namespace': {
        await this.createNamespace(tx, cluster, name);
        const created = (await tx.get<KubeObject>(OBJECTS, key))?.value as KubeObject;
        created.metadata = {
          ...created.metadata,
          labels: { ...created.metadata?.labels, ...obj.metadata.labels },
          annotations: obj.metadata.annotations,
        };
        await tx.put(OBJECTS, key, created);
        break;
      }
      case 'ServiceAccount':
        await tx.put(OBJECTS, key, obj);
        await this.reconcileNamespace(tx, cluster, ns as string);
        break;
      case 'Pod':
        await this.createPod(tx, cluster, ns as string, obj);
        break;
      case 'Deployment':
        obj.metadata.generation = 1;
        await this.reconcileDeployment(tx, cluster, ns as string, obj);
        break;
    }
    return { ref, namespace: ns, action: 'created' };
  }

  /**
   * kubectl apply to an object that exists: the three-way merge of the configuration applied
   * last, the manifest and the live object; `unchanged` when that changes nothing.
   */
  private async updateOne(
    tx: StoreOps,
    cluster: ClusterRecord,
    kind: Kind,
    existing: KubeObject,
    manifest: KubeObject,
    ns: string | undefined,
  ): Promise<ApplyOutcome> {
    const name = manifest.metadata?.name as string;
    const key = objectKey(cluster.name, kind, ns ?? '', name);
    const ref = refOf(kind, name);
    const merged = threeWayMerge(lastAppliedOf(existing), manifest, existing) as KubeObject & {
      metadata: NonNullable<KubeObject['metadata']>;
    };
    // what the API server owns stays as it is
    const meta = merged.metadata as Record<string, unknown>;
    for (const f of ['uid', 'creationTimestamp', 'generation']) {
      if (existing.metadata?.[f] === undefined) delete meta[f];
      else meta[f] = existing.metadata[f];
    }
    if (kind === 'Namespace')
      merged.metadata.labels = { ...merged.metadata.labels, 'kubernetes.io/metadata.name': name };
    if (sameObject(merged, existing)) {
      // the ReplicaSet controller tries again what it could not do
      if (kind === 'Deployment')
        await this.reconcileDeployment(tx, cluster, ns as string, existing);
      return { ref, namespace: ns, action: 'unchanged' };
    }
    switch (kind) {
      case 'Namespace':
        await tx.put(OBJECTS, key, merged);
        break;
      case 'ServiceAccount':
        // existing pods keep what they were admitted with (webhook.md §10)
        await tx.put(OBJECTS, key, merged);
        await this.reconcileNamespace(tx, cluster, ns as string);
        break;
      case 'Pod':
        await this.updatePod(tx, key, existing, merged);
        break;
      case 'Deployment': {
        const errors = [
          ...validateObject(merged),
          ...selectorUpdateErrors(existing.spec?.selector, merged.spec?.selector),
        ];
        if (errors.length > 0)
          throw new ClusterError('Invalid', 422, invalidMessage('Deployment', name, errors));
        // a new spec is a new generation, which the controller's status says it has seen
        if (!sameObject(existing.spec, merged.spec))
          merged.metadata.generation = generationOf(existing) + 1;
        await this.reconcileDeployment(tx, cluster, ns as string, merged);
        break;
      }
    }
    return { ref, namespace: ns, action: 'configured' };
  }

  /**
   * A pod's update, as ValidatePodUpdate allows it: its labels and annotations, and its
   * containers' images; anything else of the spec may not change.
   */
  private async updatePod(
    tx: StoreOps,
    key: string,
    existing: KubeObject,
    merged: KubeObject,
  ): Promise<void> {
    const name = merged.metadata?.name as string;
    const withoutImages = (o: KubeObject) => {
      const spec = clone(o.spec ?? {});
      for (const list of ['containers', 'initContainers'])
        for (const c of (spec[list] as Record<string, unknown>[] | undefined) ?? [])
          if (c && typeof c === 'object') delete c.image;
      return spec;
    };
    if (!sameObject(withoutImages(existing), withoutImages(merged))) {
      throw new ClusterError(
        'Invalid',
        422,
        `The Pod "${name}" is invalid: spec: Forbidden: pod updates may not change fields other than \`spec.containers[*].image\`,\`spec.initContainers[*].image\`,\`spec.activeDeadlineSeconds\`,\`spec.tolerations\` (only additions to existing tolerations),\`spec.terminationGracePeriodSeconds\` (allow it to be set to 1 if it was previously negative) — delete the pod and apply it again to re-create it`,
      );
    }
    await tx.put(OBJECTS, key, merged);
  }

  /** Admission as kube-apiserver runs it for a new pod, then storage. */
  private async createPod(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
    input: KubeObject,
    /** the name admission's refusal names: the request's, a generateName when it had none */
    requested = input.metadata?.name as string,
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
        `pods "${requested}" is forbidden: error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`,
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
      .filter((p) => p.value.metadata?.annotations?.[OWNER] === deployment)
      .map((p) => p.value.metadata?.name as string);
  }

  /**
   * The ReplicaSet controller's work for a Deployment, then the Deployment controller's: its
   * pods are `replicas` of the current template (pods of older templates go, missing ones are
   * made and admitted), and its status says what it has. A pod the API server refuses (its
   * ServiceAccount missing, a spec the webhook made invalid) is not made, and the status says
   * why: the ReplicaSet's FailedCreate, with the refusal. Stores the Deployment when it changed.
   */
  private async reconcileDeployment(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
    input: KubeObject,
  ): Promise<void> {
    const dep = clone(input);
    // (one stored before generations were kept is at its first)
    dep.metadata = { ...dep.metadata, generation: generationOf(dep) };
    const name = dep.metadata.name as string;
    const spec = (dep.spec ?? {}) as { replicas?: number; template?: KubeObject };
    const template = spec.template ?? {};
    const hash = templateHash(template);
    const replicaSet = `${name}-${hash}`;
    const replicas = spec.replicas ?? 1;
    const current: string[] = [];
    /** pods of an earlier template: a rolling update removes them as the new ones come */
    const old: string[] = [];
    for (const podName of await this.podsOf(tx, cluster, ns, name)) {
      const pod = (await tx.get<KubeObject>(OBJECTS, objectKey(cluster.name, 'Pod', ns, podName)))
        ?.value;
      const podHash = pod?.metadata?.labels?.['pod-template-hash'];
      if (podHash === hash || podHash === legacyHash(template)) current.push(podName);
      else old.push(podName);
    }
    // Recreate removes the old pods first; RollingUpdate only once new ones stand in for them
    const recreate = (spec as { strategy?: { type?: unknown } }).strategy?.type === 'Recreate';
    if (recreate)
      for (const podName of old.splice(0)) await this.deletePod(tx, cluster, ns, podName);
    while (current.length > replicas)
      await this.deletePod(tx, cluster, ns, current.pop() as string);
    let failure: string | undefined;
    while (current.length < replicas) {
      let podName = `${replicaSet}-${this.suffix()}`;
      while (await tx.get(OBJECTS, objectKey(cluster.name, 'Pod', ns, podName))) {
        podName = `${replicaSet}-${this.suffix()}`;
      }
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          generateName: `${replicaSet}-`,
          namespace: ns,
          uid: this.uid(),
          creationTimestamp: this.now(),
          labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
          annotations: {
            ...(template.metadata?.annotations ?? {}),
            [OWNER]: name,
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: replicaSet,
              uid: uidFrom(
                createHash('sha256').update(`${dep.metadata?.uid}/${hash}`).digest('hex'),
              ),
              controller: true,
            },
          ],
        },
        spec: clone(template.spec ?? {}),
      };
      try {
        // the ReplicaSet asks for a generated name: a refusal at admission names the prefix
        await this.createPod(tx, cluster, ns, pod, `${replicaSet}-`);
      } catch (e) {
        if (!(e instanceof ClusterError)) throw e;
        // the error's own text, which kubectl prefixes with `The ` when it prints it
        failure = e.message.replace(/^The /, '');
        break;
      }
      current.push(podName);
    }
    // of the old pods, as many stay as keep the rollout within maxUnavailable while new pods
    // cannot be made (a missing ServiceAccount must not take a running app down to nothing)
    const keep = Math.min(
      old.length,
      Math.max(
        0,
        replicas - maxUnavailable(spec as Record<string, unknown>, replicas) - current.length,
      ),
    );
    for (const podName of old.splice(keep)) await this.deletePod(tx, cluster, ns, podName);
    dep.status = deploymentStatus({
      deployment: dep,
      updated: current.length,
      total: current.length + old.length,
      replicaSet,
      failure,
      now: this.now(),
    });
    const key = objectKey(cluster.name, 'Deployment', ns, name);
    const stored = (await tx.get<KubeObject>(OBJECTS, key))?.value;
    if (!stored || !sameObject(stored, dep)) await tx.put(OBJECTS, key, dep);
  }

  /**
   * The ReplicaSet controller trying again, after a ServiceAccount of the namespace was
   * created or changed: the pods its Deployments could not have are made now if they can be.
   */
  private async reconcileNamespace(
    tx: StoreOps,
    cluster: ClusterRecord,
    ns: string,
  ): Promise<void> {
    for (const item of await tx.list<KubeObject>(OBJECTS, {
      prefix: `${cluster.name}/Deployment/${ns}/`,
    }))
      await this.reconcileDeployment(tx, cluster, ns, item.value);
  }
}

/**
 * The template hash pods made before it was taken of the canonical template (of the stored
 * JSON as it was): their template has not changed, so they stay, as they did.
 */
function legacyHash(template: KubeObject): string {
  return nameChars(createHash('sha256').update(JSON.stringify(template)).digest('hex'), 10);
}

/** A Deployment's metadata.generation (1 for one stored before it was kept). */
function generationOf(dep: KubeObject): number {
  const g = dep.metadata?.generation;
  return typeof g === 'number' ? g : 1;
}

/**
 * The configuration kubectl applied last, from its annotation, as the three-way merge's
 * original (its status and resourceVersion were never applied: they are left out).
 */
function lastAppliedOf(obj: KubeObject): KubeObject | undefined {
  const text = obj.metadata?.annotations?.[LAST_APPLIED];
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const out = parsed as KubeObject;
    delete out.status;
    if (out.metadata && typeof out.metadata === 'object') delete out.metadata.resourceVersion;
    return out;
  } catch {
    return undefined;
  }
}

function withVersion(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/** The ServiceAccount admission plugin's projected `kube-api-access-xxxxx` volume and mounts. */
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
