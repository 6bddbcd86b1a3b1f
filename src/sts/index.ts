/**
 * STS: temporary credentials that carry their session (credentials.ts, server-key.ts), OIDC
 * verification keys fetched as IAM trusts them (oidc-keys.ts, oidc-fetch.ts), the Query
 * operations AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity (operations.ts),
 * EKS Auth's AssumeRoleForPodIdentity core (pod-identity.ts), and what the edge needs to
 * authenticate and authorize requests made with the credentials (resolve-credentials.ts,
 * session-context.ts). See spec/aws-wire.md §3, §4.
 */
export * from './assume-role.js';
export * from './assume-role-with-web-identity.js';
export * from './credentials.js';
export * from './deps.js';
export * from './errors.js';
export * from './get-caller-identity.js';
export * from './jwt.js';
export * from './oidc-fetch.js';
export * from './oidc-keys.js';
export * from './operations.js';
export * from './params.js';
export * from './pod-identity.js';
export * from './policy-cache.js';
export * from './resolve-credentials.js';
export * from './server-key.js';
export * from './session-context.js';
export * from './session-policy.js';
export * from './session-tags.js';
export * from './session-view.js';
export * from './snapshot.js';
export * from './types.js';
export * from './web-identity-token.js';
