/**
 * `lintPolicy`: everything irsakit can say about one policy document without a request —
 * whether IAM would accept it (with IAM's own message), and the findings of spec §14.
 */
import { MSG } from '../errors.js';
import { parsePolicy } from '../parse-policy.js';
import type { PolicyDocument, PolicyType } from '../types.js';
import { sizeQuota, validatePolicy } from '../validate-policy.js';
import { lintConditions, lintServiceOnlyKeys, lintNames } from './condition-rules.js';
import { type Finding, severityRank } from './findings.js';
import { lintPermissions, lintResourcePolicy } from './permission-rules.js';
import { lintResourceTypes } from './resource-rules.js';
import { lintTrust, type TrustLintOptions } from './trust-rules.js';
import { collector } from './util.js';

export * from './findings.js';
export type { TrustLintOptions } from './trust-rules.js';

export interface LintOptions extends TrustLintOptions {
  /** the policy type; guessed from the document when absent */
  type?: PolicyType | undefined;
  /** size quota override, as for validation (e.g. 4096 for a raised trust-policy quota) */
  sizeLimit?: number | null | undefined;
}

export interface LintResult {
  type: PolicyType;
  /** whether the type was guessed */
  guessed: boolean;
  findings: Finding[];
}

const STS_ONLY =
  /^sts:(assumerole|assumerolewithwebidentity|assumerolewithsaml|tagsession|setsourceidentity|setcontext|\*)$/i;

/**
 * Guesses a document's type: Principal + only STS role actions + no Resource → trust;
 * Principal otherwise → resource policy; no Principal → identity.
 */
export function guessPolicyType(doc: PolicyDocument): PolicyType {
  const withPrincipal = doc.statements.filter((s) => s.principal || s.notPrincipal);
  if (withPrincipal.length === 0) return 'identity';
  const trustLike = doc.statements.every(
    (s) =>
      !s.resource &&
      !s.notResource &&
      (s.action ?? []).length > 0 &&
      (s.action ?? []).every((a) => STS_ONLY.test(a.value)),
  );
  return trustLike ? 'trust' : 'resource';
}

/** Longer than this, a document is no policy IAM takes of any kind: not parsed, reported as V2. */
const MAX_LINTED = 1024 * 1024;

/**
 * Lints one policy text.
 *
 * @example
 * lintPolicy(text, { type: 'trust' }).findings.map((f) => f.code) // → ['T3', 'T6']
 */
export function lintPolicy(text: string, options: LintOptions = {}): LintResult {
  const { findings, report } = collector();
  // far past every quota (the largest, a resource policy's, is 20 KB): said at once, without
  // parsing megabytes and running every rule over them (20 MB took 6 s and 1 GB)
  if (text.length > MAX_LINTED && options.sizeLimit !== null) {
    report('V2', {
      message: `LimitExceeded: ${MSG.managedSize(options.sizeLimit ?? sizeQuota(options.type ?? 'identity')?.limit ?? MAX_LINTED)} (the document is ${text.length} characters; irsakit lints documents of at most ${MAX_LINTED})`,
      fix: 'split the policy, or remove redundant statements and wildcards-covered entries',
    });
    return { type: options.type ?? 'identity', guessed: options.type === undefined, findings };
  }
  // a trust policy is CreateRole's assumeRolePolicyDocument, and IAM's messages name it so
  const parsed = parsePolicy(text, {
    type: options.type,
    parameter: options.type === 'trust' ? 'assumeRolePolicyDocument' : undefined,
  });
  if (!parsed.ok) {
    report('V1', {
      message: `${parsed.error.code}: ${parsed.error.message}${parsed.error.detail ? ` (${parsed.error.detail})` : ''}`,
      fix: 'correct the document so that IAM accepts it',
      span: parsed.error.span,
    });
    return { type: options.type ?? 'identity', guessed: options.type === undefined, findings };
  }
  const doc = parsed.document;
  const type = options.type ?? guessPolicyType(doc);
  const seen = new Set<string>();
  for (const p of validatePolicy(doc, type, { sizeLimit: options.sizeLimit })) {
    const key = `${p.message}@${p.span?.offset ?? -1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report(p.code === 'LimitExceeded' ? 'V2' : 'V1', {
      message: `${p.code}: ${p.message}${p.detail ? ` (${p.detail})` : ''}`,
      fix:
        p.code === 'LimitExceeded'
          ? 'split the policy, or remove redundant statements and wildcards-covered entries'
          : 'correct the document so that IAM accepts it',
      span: p.span,
    });
  }
  lintNames(doc, report);
  if (type === 'trust') {
    lintTrust(doc, report, options);
    lintConditions(doc, report, (k) => /^[^:]*[./][^:]*:(sub|aud|amr)$/.test(k));
  } else {
    lintConditions(doc, report);
    if (type === 'resource') lintResourcePolicy(doc, report);
    if (type !== 'resource' && type !== 'scp' && type !== 'rcp') lintServiceOnlyKeys(doc, report);
    if (type !== 'scp' && type !== 'rcp') lintPermissions(doc, report);
    lintResourceTypes(doc, report, type);
  }
  findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (a.span?.offset ?? 0) - (b.span?.offset ?? 0),
  );
  return { type, guessed: options.type === undefined, findings };
}
