/**
 * irsakit's IAM policy engine: parse → validate → compile → evaluate / explain, and lint.
 * Pure: no I/O, no clock. See spec/iam-policy.md.
 */
import { type CompiledPolicy, compilePolicy } from './compile-policy.js';
import type { PolicyProblem } from './errors.js';
import { parsePolicyValue } from './parse-policy.js';
import type { PolicyDocument, PolicySetKind, PolicyType } from './types.js';
import { type ValidateOptions, validatePolicy } from './validate-policy.js';

export * from './arn.js';
export * from './compile-policy.js';
export * from './condition-operators.js';
export * from './context.js';
export * from './errors.js';
export * from './evaluate.js';
export * from './explain.js';
export * from './nearest.js';
export * from './parse-policy.js';
export * from './principal.js';
export * from './simulate.js';
export * from './types.js';
export * from './validate-policy.js';
export * from './web-identity.js';

export type LoadResult =
  | { ok: true; document: PolicyDocument; policy: CompiledPolicy }
  | { ok: false; error: PolicyProblem };

const SET_OF_TYPE: Record<PolicyType, PolicySetKind> = {
  identity: 'identity',
  boundary: 'boundary',
  session: 'session',
  resource: 'resource',
  trust: 'resource',
  scp: 'scp',
  rcp: 'rcp',
};

/**
 * Parses, validates and compiles a policy in one step; the first problem IAM would report
 * is the error.
 *
 * @example
 * const r = loadPolicy(text, 'trust', { id: 'arn:aws:iam::123456789012:role/s3-app-role' });
 * if (!r.ok) console.log(r.error.code, r.error.message);
 */
export function loadPolicy(
  input: unknown,
  type: PolicyType,
  opts: ValidateOptions & { id: string; parameter?: string },
): LoadResult {
  const parsed = parsePolicyValue(input, { type, parameter: opts.parameter });
  if (!parsed.ok) return parsed;
  const error = validatePolicy(parsed.document, type, opts)[0];
  if (error) return { ok: false, error };
  return {
    ok: true,
    document: parsed.document,
    policy: compilePolicy(parsed.document, { id: opts.id, kind: SET_OF_TYPE[type] }),
  };
}
