/**
 * irsakit's pod-identity webhook: a drop-in for amazon-eks-pod-identity-webhook
 * (spec/webhook.md). The pure mutation (`mutatePod`) and JSON Patch (`applyJsonPatch`), the
 * AdmissionReview handler, the ServiceAccount cache, and the HTTPS server of
 * `irsa webhook serve`. The cache's sources (`sources/`) are imported from their own files, so
 * that importing the webhook does not load @kubernetes/client-node.
 */
export * from './config-map.js';
export * from './go-parse.js';
export * from './handler.js';
export * from './json-patch.js';
export * from './mutate.js';
export * from './options.js';
export * from './sa-cache.js';
export * from './server.js';
export * from './tls.js';
export * from './types.js';
