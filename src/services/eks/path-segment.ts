/**
 * A percent-encoded segment of an EKS or EKS Auth URL path (a cluster name, an association
 * id), decoded. A malformed escape (`%E0%A4%A`, a lone `%`) is the caller's mistake, so it is
 * EKS's `InvalidParameterException` (400), never a URIError that would surface as a 500.
 */
import { AwsError } from '../../common/aws-error.js';

/**
 * `segment` decoded; throws `InvalidParameterException` 400 naming `parameter` when it does
 * not decode.
 *
 * @example
 * pathSegment('my%2Dcluster', 'clusterName', 'cluster name') // → 'my-cluster'
 * pathSegment('%E0%A4%A', 'clusterName', 'cluster name') // throws InvalidParameterException
 */
export function pathSegment(segment: string, parameter: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AwsError('InvalidParameterException', 400, `${parameter} is not a valid ${what}.`);
  }
}
