/**
 * Types of the pod-identity webhook: the slices of the Kubernetes objects it reads (Pod,
 * Container, ServiceAccount), its options (the flag equivalents of
 * amazon-eks-pod-identity-webhook, spec/webhook.md §3), and what a mutation produces (a JSON
 * Patch of `add` ops, §7). Object types keep an index signature: fields the webhook does not
 * know travel through unchanged (no #208-style stripping of sidecar `restartPolicy`).
 */

/** `env[]` entry of a container. Only literal `name`s are inspected (spec §5). */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
  [field: string]: unknown;
}

/** `volumeMounts[]` entry of a container. */
export interface VolumeMount {
  name: string;
  mountPath?: string;
  readOnly?: boolean;
  [field: string]: unknown;
}

/** A container or init container; unknown fields are passed through. */
export interface Container {
  name: string;
  env?: EnvVar[] | null;
  volumeMounts?: VolumeMount[] | null;
  [field: string]: unknown;
}

/** `spec.volumes[]` entry. */
export interface Volume {
  name: string;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  [field: string]: unknown;
}

export interface PodSpec {
  serviceAccountName?: string;
  nodeSelector?: Record<string, string> | null;
  containers?: Container[] | null;
  initContainers?: Container[] | null;
  volumes?: Volume[] | null;
  [field: string]: unknown;
}

/** A Pod as the admission request carries it. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: PodSpec;
  [field: string]: unknown;
}

/** The Kubernetes ServiceAccount object; the webhook reads only its metadata. */
export interface ServiceAccount {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** One JSON Patch (RFC 6902) operation. The webhook itself only emits `add`. */
export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/**
 * The `--container-credentials-*` flags (Pod Identity mode). `null` in
 * {@link WebhookOptions.containerCredentials} turns the mode off, like an empty
 * `--watch-container-credentials-config`.
 */
export interface ContainerCredentialsOptions {
  /** `AWS_CONTAINER_CREDENTIALS_FULL_URI` (`http://169.254.170.23/v1/credentials`) */
  fullUri: string;
  /** token audience (`pods.eks.amazonaws.com`) */
  audience: string;
  /** mount path (`/var/run/secrets/pods.eks.amazonaws.com/serviceaccount`) */
  mountPath: string;
  /** projected volume name (`eks-pod-identity-token`) */
  volumeName: string;
  /** token file name inside the mount (`eks-pod-identity-token`) */
  tokenPath: string;
}

/**
 * One entry of the `pod-identity-webhook` ConfigMap (spec §10). `tokenExpiration` is
 * already resolved: 0 or missing became the flag default when the ConfigMap was read; other
 * values are not clamped. `audience` and `useRegionalSts` are not defaulted from flags.
 */
export interface ConfigMapEntry {
  roleArn: string;
  audience: string;
  useRegionalSts: boolean;
  tokenExpiration: number;
}

/** Flag equivalents of spec §3 that affect the mutation. */
export interface WebhookOptions {
  /** `--annotation-prefix` (`eks.amazonaws.com`); SA and pod annotations, never labels */
  annotationPrefix: string;
  /** `--token-audience` (`sts.amazonaws.com`), IRSA default audience */
  tokenAudience: string;
  /** `--token-mount-path` (`/var/run/secrets/eks.amazonaws.com/serviceaccount`) */
  tokenMountPath: string;
  /** `--token-expiration` (86400); raised to at least 600 where used */
  tokenExpiration: number;
  /** `--aws-default-region` (`""` = inject no region) */
  awsDefaultRegion: string;
  /** `--sts-regional-endpoint` (false): default of the SA annotation */
  stsRegionalEndpoint: boolean;
  /** Pod Identity mode settings, or null when the mode is off */
  containerCredentials: ContainerCredentialsOptions | null;
  /**
   * `--compose-role-arn`: a role-arn annotation without `arn:` becomes
   * `arn:<partition>:iam::<account>:role/<value>`. Upstream reads both from EC2 IMDS; here
   * they are given.
   */
  composeRoleArn: { partition: string; account: string } | null;
  /**
   * The `pod-identity-webhook` ConfigMap (`--watch-config-map`), keyed `<namespace>/<sa>`;
   * `*` as namespace matches any namespace. Empty when not watched.
   */
  configMap: Readonly<Record<string, ConfigMapEntry>>;
}

/** What one admission is decided on. */
export interface MutationInput {
  pod: Pod;
  /** `request.namespace`, which overrides the pod's own */
  namespace: string;
  /** the SA object from the cache, undefined if unknown */
  serviceAccount?: ServiceAccount;
  /** (namespace, SA) is in the container-credentials identities */
  podIdentity?: boolean;
}

export type MutationMode = 'irsa' | 'pod-identity' | 'none';

export interface MutationResult {
  mode: MutationMode;
  /** `[]` when mode is `none` */
  patch: JsonPatchOp[];
  /** things worth telling an operator (invalid role ARN, a mount path already in use, …) */
  warnings: string[];
}

/** Uniform random integer in [min, max]; injected so tests can pin the jitter. */
export type RandomInt = (min: number, max: number) => number;
