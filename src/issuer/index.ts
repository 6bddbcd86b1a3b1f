/**
 * The issuer: per-cluster signing keys and their rotation, the TokenRequest API, discovery
 * and JWKS served per cluster, the local CA behind the issuers' HTTPS port, and `publish` for
 * self-hosted clusters (spec/kubernetes.md §1–§6).
 */
export * from './discovery.js';
export * from './errors.js';
export * from './go-json.js';
export * from './key-lifecycle.js';
export * from './key-ring.js';
export * from './keys.js';
export * from './local-ca.js';
export * from './publish.js';
export * from './token-request.js';
export * from './token-request-body.js';
export * from './types.js';
