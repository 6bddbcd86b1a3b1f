/**
 * `irsa doctor`: the IRSA troubleshooting checklist of the seeds, over the live server's
 * state or over static files (manifests, policy JSON, `terraform show -json`). A pure core
 * (`runChecks` over a `DoctorSnapshot`), the server's snapshot (`doctorOps`), the static
 * reader (`staticSnapshot`), the real token exchange and the renderers.
 */
export * from './checks.js';
export * from './collect.js';
export * from './derive.js';
export * from './exchange.js';
export * from './permissions.js';
export * from './render.js';
export * from './static-input.js';
export * from './terraform.js';
export * from './trust.js';
export * from './types.js';
