/**
 * The shapes the issuer shares with its callers: a cluster as the issuer sees it (its
 * kube-apiserver flags), the Kubernetes objects a token binds to, the TokenRequest body and
 * response (`authentication.k8s.io/v1`), and the claims of a service-account token in the
 * order Go writes them (spec/kubernetes.md §1.2, §1.4).
 */

/** What the issuer needs to know of a cluster (its kube-apiserver flags). */
export interface IssuerCluster {
  /** the key ring's name for the cluster */
  name: string;
  /** `--service-account-issuer` (the first one): the tokens' `iss` */
  issuer: string;
  /** `--api-audiences`; defaults to `[issuer]`, as kube-apiserver's does */
  apiAudiences?: readonly string[];
  /** `--service-account-max-token-expiration` in seconds; 0 or absent: unset */
  maxTokenExpirationSeconds?: number;
  /** `--service-account-extend-token-expiration`; default true */
  extendTokenExpiration?: boolean;
}

export interface ServiceAccountObject {
  name: string;
  namespace: string;
  uid: string;
}

export interface PodObject {
  name: string;
  namespace: string;
  uid: string;
  /** `spec.serviceAccountName` */
  serviceAccountName: string;
  /** `spec.nodeName`, when the pod is scheduled */
  nodeName?: string;
}

export interface SecretObject {
  name: string;
  namespace: string;
  uid: string;
}

export interface NodeObject {
  name: string;
  uid: string;
}

/** `spec.boundObjectRef` as sent. */
export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: BoundObjectReference;
}

/** The request body (`authentication.k8s.io/v1` TokenRequest). */
export interface TokenRequest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: TokenRequestSpec;
}

export interface TokenRequestInput {
  cluster: IssuerCluster;
  /** the namespace in the URL */
  namespace: string;
  /** the service account name in the URL */
  name: string;
  request: TokenRequest;
  /** the service account named by the URL, or `undefined` when it does not exist */
  serviceAccount: ServiceAccountObject | undefined;
  /**
   * The object `spec.boundObjectRef` names, looked up by the caller (absent when it does not
   * exist); for a pod, also its node (`node`, matched by `spec.nodeName`) when known.
   */
  bound?: { pod?: PodObject; secret?: SecretObject; node?: NodeObject };
}

/** `{name, uid}` of a bound object in the `kubernetes.io` claim; empty keys omitted. */
export interface ObjectClaim {
  name?: string;
  uid?: string;
}

/** The private `kubernetes.io` claim, keys in the order Go writes them (sorted). */
export interface KubernetesClaim {
  namespace?: string;
  node?: ObjectClaim;
  pod?: ObjectClaim;
  secret?: ObjectClaim;
  serviceaccount?: ObjectClaim;
  warnafter?: number;
}

/** The claims of a service-account token, keys in the order Go writes them (sorted). */
export interface ServiceAccountClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': KubernetesClaim;
  nbf: number;
  sub: string;
}

/** A TokenRequest as kube-apiserver answers it (`status.token` filled by `issueToken`). */
export interface TokenRequestResponse {
  kind: 'TokenRequest';
  apiVersion: 'authentication.k8s.io/v1';
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: { audiences: string[]; expirationSeconds: number; boundObjectRef?: BoundObjectReference };
  status: { token: string; expirationTimestamp: string };
}
