/**
 * Compiled trust and session policies, by text: a role's trust policy or a session policy is
 * parsed and compiled once and reused until it changes (bounded, least recently used first
 * out). Session policies are validated as IAM validates them on the way in; trust policies
 * were validated by IAM when stored and are only compiled here.
 */
import { AwsError } from '../common/aws-error.js';
import { type CompiledPolicy, loadPolicy, type PolicyType } from '../policy/index.js';

export type PolicyLoad = { ok: true; policy: CompiledPolicy } | { ok: false; error: AwsError };

export class PolicyCache {
  private readonly entries = new Map<string, PolicyLoad>();
  private readonly max: number;

  constructor(max = 1000) {
    this.max = max;
  }

  /**
   * Parses, validates (inline session policies by default) and compiles `text` as a policy of
   * `type` named `id`.
   *
   * @example
   * const r = cache.load(role.assumeRolePolicyDocument, 'trust', role.arn);
   */
  load(
    text: string,
    type: Extract<PolicyType, 'trust' | 'session'>,
    id: string,
    opts: { validate?: boolean } = {},
  ): PolicyLoad {
    const validate = opts.validate ?? type === 'session';
    const key = `${type}\n${validate}\n${id}\n${text}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const r = loadPolicy(text, type, {
      id,
      parameter: type === 'session' ? 'policy' : 'policyDocument',
      mode: validate ? 'save' : 'evaluate',
      sizeLimit: null,
    });
    const out: PolicyLoad = r.ok
      ? { ok: true, policy: r.policy }
      : {
          ok: false,
          error: new AwsError(r.error.code, r.error.httpStatus, r.error.message, {
            detail: { policy: id, reason: r.error.detail, span: r.error.span },
          }),
        };
    this.entries.set(key, out);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return out;
  }
}
