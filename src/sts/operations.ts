/**
 * STS on the Query protocol (spec/aws-wire.md §2, §3): the operations the edge routes to by
 * `Action`, each a function of the call context and the form parameters that returns the
 * members of `<OpResult>` or throws `AwsError`.
 *
 * | action                       | auth     |                                              |
 * | ---------------------------- | -------- | -------------------------------------------- |
 * | `AssumeRoleWithWebIdentity`  | unsigned | assume-role-with-web-identity.ts             |
 * | `AssumeRole`                 | SigV4    | assume-role.ts                               |
 * | `GetCallerIdentity`          | SigV4    | get-caller-identity.ts; never denied         |
 */
import type { QueryOperation } from '../server/aws/types.js';
import { assumeRole } from './assume-role.js';
import { assumeRoleWithWebIdentity } from './assume-role-with-web-identity.js';
import type { StsDeps } from './deps.js';
import { getCallerIdentity } from './get-caller-identity.js';
import { PolicyCache } from './policy-cache.js';

/** The API version STS's Query protocol speaks. */
export const STS_VERSION = '2011-06-15';
/** The XML namespace of STS responses. */
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/**
 * STS's Query operations by action name.
 *
 * @example
 * const sts = createStsOperations({ directory, sealer, keys: new OidcKeyFetcher({ clock }), clock });
 * const result = await sts.AssumeRoleWithWebIdentity?.(ctx, params);
 */
export function createStsOperations(deps: StsDeps): Record<string, QueryOperation> {
  const shared: StsDeps = { ...deps, policies: deps.policies ?? new PolicyCache() };
  return {
    AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity(shared),
    AssumeRole: assumeRole(shared),
    GetCallerIdentity: getCallerIdentity(),
  };
}
