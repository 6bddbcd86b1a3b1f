/**
 * The lint findings catalogue (spec/iam-policy.md §14): every finding has a stable code, a
 * severity, a one-line title and a help text. Codes never change meaning; new findings get
 * new codes.
 *
 * Severities are ordered critical > high > medium > low > info. Spec "error (broken)" maps to
 * high, "warning" to medium, "suggestion" to info.
 */
import type { SourceSpan } from '../types.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type FindingCategory = 'security' | 'correctness' | 'validation' | 'suggestion';

export interface Finding {
  code: string;
  /** kebab-case name of the rule */
  rule: string;
  severity: Severity;
  category: FindingCategory;
  message: string;
  /** a concrete change that resolves the finding */
  fix: string;
  span?: SourceSpan | undefined;
  /** statement index and Sid, when the finding is about one statement */
  statement?: number | undefined;
  sid?: string | undefined;
}

export interface RuleInfo {
  code: string;
  rule: string;
  category: FindingCategory;
  /** default severity; a few rules pick a different one case by case */
  severity: Severity;
  title: string;
}

const r = (
  code: string,
  rule: string,
  severity: Severity,
  category: FindingCategory,
  title: string,
): RuleInfo => ({
  code,
  rule,
  severity,
  category,
  title,
});

/** Every rule, by code. */
export const RULES: Readonly<Record<string, RuleInfo>> = Object.fromEntries(
  [
    r(
      'V1',
      'iam-rejects-policy',
      'high',
      'validation',
      'IAM would reject this policy (MalformedPolicyDocument)',
    ),
    r(
      'V2',
      'policy-size-quota',
      'high',
      'validation',
      'the policy exceeds its size quota (LimitExceeded)',
    ),
    // IRSA / web-identity trust policies (§14.1)
    r(
      'T1',
      'trust-any-principal',
      'critical',
      'security',
      'the role can be assumed by any principal',
    ),
    r(
      'T2',
      'trust-oidc-no-conditions',
      'high',
      'security',
      'OIDC principal without any condition on the provider’s claims',
    ),
    r(
      'T3',
      'trust-oidc-missing-sub',
      'high',
      'security',
      'no `sub` condition: every service account of the cluster can assume the role',
    ),
    r('T4', 'trust-oidc-wildcard-sub', 'high', 'security', '`sub` matched with a wildcard'),
    r(
      'T5',
      'trust-wildcard-without-like',
      'medium',
      'correctness',
      'a wildcard under a non-Like operator is literal and never matches',
    ),
    r(
      'T6',
      'trust-oidc-audience',
      'medium',
      'security',
      'no `aud` condition, or an unexpected audience',
    ),
    r(
      'T7',
      'trust-permissive-operator',
      'high',
      'security',
      'a permissive operator on `sub` or `aud` lets tokens through',
    ),
    r(
      'T8',
      'trust-issuer-mismatch',
      'high',
      'correctness',
      'condition keys name a different issuer than the principal',
    ),
    r(
      'T9',
      'trust-action-principal-mismatch',
      'high',
      'correctness',
      'action and principal do not fit together',
    ),
    r('T10', 'trust-broad-grant', 'medium', 'security', 'a broader trust than needed'),
    r(
      'T11',
      'trust-provider-account',
      'medium',
      'correctness',
      'the provider is malformed or lives in another account or partition',
    ),
    r('T12', 'trust-version-size', 'medium', 'correctness', 'Version or size problem'),
    r(
      'T13',
      'pod-identity-tag-session',
      'medium',
      'correctness',
      'EKS Pod Identity needs sts:TagSession',
    ),
    r(
      'T14',
      'trust-service-principal',
      'low',
      'security',
      'the role can be assumed by an AWS service',
    ),
    // permission, boundary and session policies (§14.2)
    r(
      'P1',
      'admin-access',
      'critical',
      'security',
      'administrator access: every action on every resource',
    ),
    r('P2', 'service-wildcard', 'medium', 'security', 'every action of a service'),
    r(
      'P3',
      'allow-not-action',
      'high',
      'security',
      'Allow with NotAction grants everything not listed',
    ),
    r(
      'P4',
      'allow-not-resource',
      'high',
      'security',
      'Allow with NotResource grants every resource not listed',
    ),
    r('P5', 'pass-role-any', 'high', 'security', 'iam:PassRole on every role'),
    r(
      'P6',
      'pass-role-no-service',
      'medium',
      'security',
      'iam:PassRole without an iam:PassedToService condition',
    ),
    r(
      'P7',
      'privilege-escalation',
      'high',
      'security',
      'actions that let the holder raise its own privileges',
    ),
    r(
      'P8',
      'resource-exposure',
      'high',
      'security',
      'actions that change who can access a resource',
    ),
    r('P9', 'credentials-exposure', 'high', 'security', 'actions that return credentials'),
    r(
      'P10',
      'data-exfiltration',
      'medium',
      'security',
      'reads of sensitive data on every resource',
    ),
    r(
      'P11',
      'infrastructure-modification',
      'low',
      'security',
      'changes to infrastructure on every resource',
    ),
    r('P12', 'unknown-name', 'medium', 'correctness', 'unknown action or condition key'),
    r(
      'P13',
      'operator-type-mismatch',
      'medium',
      'correctness',
      'the operator does not fit the key’s type',
    ),
    r(
      'P14',
      'wildcard-without-like',
      'medium',
      'correctness',
      'a wildcard under a non-Like operator is literal',
    ),
    r('P15', 'null-if-exists', 'medium', 'correctness', '`Null` cannot be combined with IfExists'),
    r(
      'P16',
      'for-all-values-single-key',
      'medium',
      'security',
      'ForAllValues on a single-valued key is true when the key is absent',
    ),
    r('P17', 'paired-keys', 'medium', 'correctness', 'a key that needs its partner'),
    r(
      'P18',
      'private-source-ip',
      'medium',
      'correctness',
      'aws:SourceIp never carries a private address',
    ),
    r(
      'P19',
      'redundant',
      'info',
      'suggestion',
      'redundant action, resource, statement or empty list',
    ),
    r(
      'P20',
      'policy-variable-misuse',
      'medium',
      'correctness',
      'a policy variable where it is not substituted',
    ),
    r(
      'P21',
      'resource-star-narrowable',
      'info',
      'suggestion',
      '`Resource: "*"` for actions that support resource-level permissions',
    ),
    r(
      'P22',
      'for-any-value-single-key',
      'info',
      'suggestion',
      'ForAnyValue on a single-valued key',
    ),
    r(
      'P23',
      'service-only-key',
      'medium',
      'correctness',
      'an Allow conditioned on a key only service-to-service requests carry',
    ),
    r(
      'P24',
      'action-resource-mismatch',
      'medium',
      'correctness',
      'the statement’s actions apply to none of its resources',
    ),
    r(
      'P25',
      'ip-range-type-mismatch',
      'high',
      'correctness',
      'an IP address condition value that is no IP address or CIDR range',
    ),
    // resource-based policies
    r(
      'R1',
      'resource-any-principal',
      'critical',
      'security',
      'the resource is open to any principal',
    ),
  ].map((x) => [x.code, x]),
);
