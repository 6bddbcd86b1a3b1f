/** The local cluster model: what irsakit keeps of each cluster and its objects. */
import type { KubeObject } from './manifests.js';

export interface ClusterRecord {
  name: string;
  /** 32 uppercase hex characters, as EKS names its OIDC issuers */
  id: string;
  region: string;
  /** `https://<issuer host:port>/id/<id>` */
  issuer: string;
  /** the API server's audiences (`--api-audiences`); tokens requested without audiences get these */
  apiAudiences: string[];
  /** `--service-account-max-token-expiration` in seconds; 0 = unset */
  maxTokenExpirationSeconds: number;
  /** the signing algorithm of new keys */
  keyAlg: 'RS256' | 'ES256';
  createdAt: string;
  /** the node pods are scheduled on (for the token's `kubernetes.io.node` claim) */
  nodeName: string;
  nodeUid: string;
}

/** What happened to a pod at admission, for `doctor` and `why`: the webhook's decision. */
export interface AdmissionRecord {
  cluster: string;
  namespace: string;
  pod: string;
  podUid: string;
  at: string;
  serviceAccount: string;
  /** the SA's resourceVersion the webhook saw */
  serviceAccountResourceVersion?: string | undefined;
  /** the role-arn annotation at admission, if any */
  roleArn?: string | undefined;
  mode: 'irsa' | 'pod-identity' | 'none';
  warnings: string[];
}

export type ClusterObject = KubeObject;

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'skipped' | 'deleted';

export interface ApplyOutcome {
  /** `serviceaccount/s3-app`, as kubectl prints it */
  ref: string;
  namespace?: string | undefined;
  action: ApplyAction;
  /** for skipped documents: why */
  message?: string | undefined;
}

/** A Kubernetes `Status` object: how the API (and so `irsa`) reports failures. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason:
    | 'BadRequest'
    | 'NotFound'
    | 'AlreadyExists'
    | 'Conflict'
    | 'Invalid'
    | 'Forbidden'
    | 'Unauthorized'
    | 'MethodNotAllowed'
    | 'InternalError';
  code: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { field?: string; message: string; reason?: string }[];
  };
}

export class ClusterError extends Error {
  readonly status: KubeStatus;
  constructor(
    reason: KubeStatus['reason'],
    code: number,
    message: string,
    details?: KubeStatus['details'],
  ) {
    super(message);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
      ...(details ? { details } : {}),
    };
  }
}
