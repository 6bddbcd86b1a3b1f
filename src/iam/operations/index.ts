/**
 * The IAM Query API (spec/aws-wire.md §5): every operation irsakit implements, keyed by its
 * `Action`, built from the store, the clock, a random source and the edge's authorizer.
 */
import type { QueryOperation } from '../../server/aws/types.js';
import { accountDetailsOperations } from './account-details.js';
import type { IamOperationDeps } from './common.js';
import { oidcProviderOperations } from './oidc-providers.js';
import { policyOperations } from './policies.js';
import { roleOperations } from './roles.js';
import { simulateOperations } from './simulate.js';
import { userOperations } from './users.js';
import { absentOperations } from './absent.js';

export type { IamOperationDeps } from './common.js';

/**
 * The IAM operations table, keyed by Action name.
 *
 * @example
 * const iamOperations = createIamOperations({ store, clock, random: randomBytes, authorize });
 * await iamOperations.GetRole(ctx, new Map([['RoleName', 's3-app-role']]));
 */
export function createIamOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  return {
    ...oidcProviderOperations(deps),
    ...roleOperations(deps),
    ...policyOperations(deps),
    ...userOperations(deps),
    ...simulateOperations(deps),
    ...accountDetailsOperations(deps),
    ...absentOperations(deps),
  };
}
