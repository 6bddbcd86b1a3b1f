/**
 * irsakit's pod-identity webhook: a drop-in for amazon-eks-pod-identity-webhook
 * (spec/webhook.md). The pure mutation (`mutatePod`) and JSON Patch (`applyJsonPatch`), the
 * AdmissionReview handler, the ServiceAccount cache and its sources, and the HTTPS server of
 * `irsa webhook serve`.
 */
export * from './config-map.js';
export * from './go-parse.js';
export * from './json-patch.js';
export * from './mutate.js';
export * from './options.js';
export * from './types.js';
