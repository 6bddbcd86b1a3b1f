/** The local cluster model: what irsakit keeps of each cluster and its objects. */
import {
  type Status,
  type StatusDetails,
  type StatusReason,
  kubeStatus,
} from '../common/kube-status.js';
import type { KubeObject } from './manifests.js';

export interface ClusterRecord {
  name: string;
  /** 32 uppercase hex characters, as EKS names its OIDC issuers */
  id: string;
  region: string;
  /**
   * The AWS account the cluster belongs to, as EKS sees it (absent in records made before it
   * was kept: the default account). EKS shows a cluster only to its account, in its region.
   */
  account?: string | undefined;
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
export type KubeStatus = Status;

export class ClusterError extends Error {
  readonly status: KubeStatus;
  constructor(reason: StatusReason, code: number, message: string, details?: StatusDetails) {
    super(message);
    this.status = kubeStatus(code, reason, message, details);
  }
}
