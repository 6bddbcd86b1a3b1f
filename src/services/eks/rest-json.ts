/**
 * What the EKS REST-JSON handlers (EKS, its Pod Identity associations, EKS Auth) share: the
 * request body as an object, and the answer for a cluster that does not exist.
 */
import { AwsError } from '../../common/aws-error.js';

/**
 * The request body as a JSON object (`{}` when empty); anything else is EKS's
 * `InvalidParameterException`.
 *
 * @example
 * restJsonBody(Buffer.from('{"name":"demo"}')) // → { name: 'demo' }
 */
export function restJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError('InvalidParameterException', 400, 'The request body is not a JSON object.');
}

/** EKS's answer for a cluster name it does not know. */
export function clusterNotFound(name: string): AwsError {
  return new AwsError('ResourceNotFoundException', 404, `No cluster found for name: ${name}.`);
}
