/**
 * What the issuer reports when something goes wrong, in two shapes:
 *
 * - `Status`: Kubernetes' `metav1.Status`, for the TokenRequest API (spec/kubernetes.md §1.4).
 *   Built the way apimachinery's `k8s.io/apimachinery/pkg/api/errors` builds them
 *   (`NewBadRequest`, `NewConflict`, `NewInvalid`, `NewNotFound`), with the same messages,
 *   so a client sees what kube-apiserver would have said. The texts are Kubernetes', word for
 *   word, so they break the house message style on purpose.
 * - `IssuerError`: the component's own error type for everything else (bad keys, bad
 *   options, a cluster without a signing key), with a `code` callers switch on.
 *
 * Neither ever carries key material or a token (cite kid or jti instead).
 */

import { type Status, type StatusDetails, kubeStatus } from '../common/kube-status.js';

export type { Status, StatusCause, StatusDetails, StatusReason } from '../common/kube-status.js';

function details(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.causes && d.causes.length > 0) out.causes = d.causes;
  return out;
}

/** `schema.GroupResource.String()`: the resource, then `.group` when there is one. */
function groupResource(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/**
 * `errors.NewBadRequest(message)`: 400, no details.
 *
 * @example
 * badRequest('cannot bind token to object of type /v1, Kind=ConfigMap').code // → 400
 */
export function badRequest(message: string): Status {
  return kubeStatus(400, 'BadRequest', message);
}

/**
 * `errors.NewNotFound(groupResource, name)`: 404, `<resource> "<name>" not found`.
 *
 * @example
 * notFound('', 'serviceaccounts', 'app').message // → 'serviceaccounts "app" not found'
 */
export function notFound(group: string, resource: string, name: string): Status {
  return kubeStatus(
    404,
    'NotFound',
    `${groupResource(group, resource)} ${goQuote(name)} not found`,
    details({ name, group, kind: resource }),
  );
}

/**
 * `errors.NewConflict(groupResource, name, err)`: 409,
 * `Operation cannot be fulfilled on <resource> "<name>": <err>`.
 *
 * @example
 * conflict('', 'Pod', 'app', 'gone').message // → 'Operation cannot be fulfilled on Pod "app": gone'
 */
export function conflict(group: string, resource: string, name: string, err: string): Status {
  return kubeStatus(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResource(group, resource)} ${goQuote(name)}: ${err}`,
    details({ name, group, kind: resource }),
  );
}

/** One `field.Invalid(path, value, detail)`. */
export interface FieldError {
  field: string;
  value: string | number | boolean;
  detail: string;
}

/** `field.Error.ErrorBody()` for an `Invalid value`: numbers bare, strings Go-quoted. */
function fieldErrorBody(e: FieldError): string {
  const value = typeof e.value === 'string' ? goQuote(e.value) : String(e.value);
  return `Invalid value: ${value}: ${e.detail}`;
}

/**
 * `errors.NewInvalid(groupKind, name, fieldErrors)`: 422,
 * `<Kind>.<group> "<name>" is invalid: <field>: Invalid value: <v>: <detail>` (several errors
 * are joined as `[a, b]`, as `utilerrors.NewAggregate` prints them).
 *
 * @example
 * invalid('authentication.k8s.io', 'TokenRequest', '', [
 *   { field: 'spec.expirationSeconds', value: 599, detail: 'may not specify a duration less than 10 minutes' },
 * ]).message
 * // → 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'
 */
export function invalid(group: string, kind: string, name: string, errs: FieldError[]): Status {
  const texts = [...new Set(errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`))];
  const aggregate = texts.length === 1 ? (texts[0] as string) : `[${texts.join(', ')}]`;
  const qualified = group === '' ? kind : `${kind}.${group}`;
  return kubeStatus(
    422,
    'Invalid',
    `${qualified} ${goQuote(name)} is invalid${texts.length > 0 ? `: ${aggregate}` : ''}`,
    details({
      name,
      group,
      kind,
      causes: errs.map((e) => ({
        reason: 'FieldValueInvalid',
        message: fieldErrorBody(e),
        field: e.field,
      })),
    }),
  );
}

/** A 500 for what the client cannot fix (no signing key, a broken store). */
export function internalError(message: string): Status {
  return kubeStatus(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** A 405 for a method the endpoint does not serve. */
export function methodNotAllowed(): Status {
  return kubeStatus(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

/** The 404 kube-apiserver answers for a path it does not serve. */
export function pathNotFound(): Status {
  return kubeStatus(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** Go's `%q` for the strings Kubernetes quotes (names, UIDs): JSON quoting is the same for them. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** What can go wrong in the issuer outside the TokenRequest API. */
export type IssuerErrorCode =
  /** a PEM block or key the issuer cannot use */
  | 'InvalidKey'
  /** a key type kube-apiserver would not sign or verify with (Ed25519, RSA-PSS, P-224, …) */
  | 'UnsupportedKey'
  /** an issuer or JWKS URL that discovery, IAM or kube-apiserver would refuse */
  | 'InvalidIssuer'
  /** an option outside its range (a negative activation delay, a `/` in a cluster name, …) */
  | 'InvalidOption'
  /** the cluster has no key that may sign right now */
  | 'NoSigningKey'
  /** a certificate or CA file that cannot be read or used */
  | 'InvalidCertificate';

/** The issuer's error: a code to switch on and a message safe to show (never key material). */
export class IssuerError extends Error {
  override readonly name = 'IssuerError';
  readonly code: IssuerErrorCode;
  constructor(code: IssuerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
