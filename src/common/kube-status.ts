/**
 * Kubernetes' `metav1.Status`: how the API server — and so irsakit's cluster, issuer and admin
 * API — reports a failure. One definition for every component that speaks Kubernetes.
 */

/** `metav1.StatusReason` values irsakit uses. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'InternalError';

/** One field problem of an `Invalid` status (`metav1.StatusCause`). */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** `metav1.StatusDetails`; every key omitted when empty, as Go's `omitempty` does. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

/** A `metav1.Status` failure, keys in the order kube-apiserver writes them. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

/**
 * Builds a failure Status.
 *
 * @example
 * kubeStatus(404, 'NotFound', 'namespaces "production" not found').reason // → 'NotFound'
 */
export function kubeStatus(
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}
