/**
 * The audit trail (DESIGN.md "audit/"): every AWS call, allowed or refused, becomes a
 * CloudTrail-shaped record committed before its answer is sent, with irsakit's explanation
 * beside it; LookupEvents, `irsa trail` and `irsa why` read them back.
 */
export * from './explain.js';
export * from './log.js';
export * from './lookup-events.js';
export * from './metrics.js';
export * from './parameters.js';
export * from './record.js';
export * from './remote-log.js';
export * from './render.js';
export * from './sqlite-log.js';
export * from './trail.js';
export * from './types.js';
export * from './user-identity.js';
