/**
 * IAM: entities in the store (accounts, users and access keys, roles, managed policies with
 * versions, OIDC providers), the AWS managed policies, the IAM Query API operations, and the
 * `IamDirectory` other components read IAM through. See spec/aws-wire.md §5.
 */
export * from './account.js';
export * from './aws-managed/catalog.js';
export * from './directory.js';
export * from './encode.js';
export * from './errors.js';
export * from './iam-directory.js';
export * from './ids.js';
export * from './names.js';
export * from './operations/index.js';
export * from './repo.js';
export * from './types.js';
