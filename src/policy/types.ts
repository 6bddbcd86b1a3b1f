/**
 * Types of the IAM policy language as irsakit models it: the parsed document (an AST that
 * keeps source positions), request principals, and decisions. See spec/iam-policy.md.
 */

/** Every kind of policy document IAM and Organizations know. */
export const POLICY_TYPES = [
  'identity',
  'resource',
  'trust',
  'boundary',
  'session',
  'scp',
  'rcp',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** A place in the policy text: 0-based offset and length, 1-based line and column. */
export interface SourceSpan {
  offset: number;
  length: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Located<T> {
  value: T;
  span?: SourceSpan | undefined;
}

export const PRINCIPAL_KINDS = ['AWS', 'Federated', 'Service', 'CanonicalUser'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** `Principal` / `NotPrincipal`: either `"*"` or a map of kind → values. */
export interface PrincipalElement {
  /** `"Principal": "*"` */
  star: boolean;
  entries: { kind: PrincipalKind; value: string; span?: SourceSpan | undefined }[];
  span?: SourceSpan | undefined;
}

/** One `Operator: { key: values }` pair of a `Condition` block, flattened. */
export interface ConditionClause {
  operator: string;
  key: string;
  values: Located<string>[];
  /** the key's position (used by lint and explanations) */
  span?: SourceSpan | undefined;
  operatorSpan?: SourceSpan | undefined;
}

export interface PolicyStatement {
  /** 0-based position in the `Statement` array */
  index: number;
  sid?: string | undefined;
  /** as written; validation insists on exactly `Allow` or `Deny` */
  effect: string;
  principal?: PrincipalElement | undefined;
  notPrincipal?: PrincipalElement | undefined;
  action?: Located<string>[] | undefined;
  notAction?: Located<string>[] | undefined;
  resource?: Located<string>[] | undefined;
  notResource?: Located<string>[] | undefined;
  conditions: ConditionClause[];
  span?: SourceSpan | undefined;
  /** where each element's key sits, for messages (`Effect`, `Action`, …) */
  keySpans: Partial<Record<string, SourceSpan>>;
}

export interface PolicyDocument {
  /** absent means 2008-10-17 semantics (no policy variables) */
  version?: string | undefined;
  id?: string | undefined;
  statements: PolicyStatement[];
  /** the text the document was parsed from */
  text: string;
  keySpans: Partial<Record<string, SourceSpan>>;
}

/** How a principal presents itself to the policy engine. */
export const PRINCIPAL_TYPES = [
  'Account',
  'User',
  'Role',
  'AssumedRole',
  'FederatedUser',
  'WebIdentity',
  'SAML',
  'Service',
  'Anonymous',
] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

export interface RequestPrincipal {
  type: PrincipalType;
  /**
   * The caller's ARN: user, role-session (`arn:aws:sts::A:assumed-role/R/S`), federated-user,
   * or account root. For `WebIdentity` and `SAML`, the provider (`arn:aws:iam::A:oidc-provider/…`
   * or a well-known name such as `accounts.google.com`); for `Service`, the service principal.
   */
  id: string;
  /** the account the principal belongs to (absent for services and anonymous callers) */
  account?: string | undefined;
  partition: string;
  /** for role sessions: the role's ARN, with its path when known */
  roleArn?: string | undefined;
  /** for federated-user sessions: the IAM user that called GetFederationToken */
  federatingUserArn?: string | undefined;
}

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** The policy sets of AWS's evaluation logic. */
export type PolicySetKind =
  'identity' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp' | 'vpce';

/** How a resource-policy Allow named the caller (spec §11, same-account rules). */
export type GrantKind = 'direct' | 'role' | 'account';

export interface MatchedStatement {
  policyId: string;
  policyType: PolicySetKind;
  /** for SCP/RCP: the level in the organisation path (0 = root) */
  level?: number | undefined;
  index: number;
  sid?: string | undefined;
  effect: 'Allow' | 'Deny';
  span?: SourceSpan | undefined;
}
