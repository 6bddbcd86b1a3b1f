/**
 * Problems the policy language reports, with IAM's own wire codes and texts
 * (spec/iam-policy.md §13, spec/aws-wire.md §5.6). The texts are AWS's, word for word,
 * so they break the house message style on purpose.
 */
import type { SourceSpan } from './types.js';

export type PolicyErrorCode = 'MalformedPolicyDocument' | 'LimitExceeded' | 'ValidationError';

export interface PolicyProblem {
  code: PolicyErrorCode;
  httpStatus: 400 | 409;
  /** the message IAM returns */
  message: string;
  /** irsakit's own account of what is wrong, for lint and doctor (never on the AWS wire) */
  detail?: string | undefined;
  span?: SourceSpan | undefined;
}

/** IAM's MalformedPolicyDocument texts. */
export const MSG = {
  syntax: 'Syntax errors in policy.',
  invalidJson: 'This policy contains invalid Json',
  version: 'Policy document must be version 2012-10-17 or greater.',
  legacy: 'The policy failed legacy parsing',
  sidUnique: 'Statement IDs (SID) in a single policy must be unique.',
  sidAlnum:
    'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  needActions: 'Policy statement must contain actions.',
  needResources: 'Policy statement must contain resources.',
  noPrincipal: 'Policy document should not specify a principal.',
  prohibitedResource: 'Has prohibited field Resource.',
  needPrincipal: 'Missing required field Principal',
  vendorPrefix: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  vendorInvalid: (vendor: string) => `Vendor ${vendor} is not valid`,
  resourceArn: (r: string) => `Resource ${r} must be in ARN format or "*".`,
  partition: (p: string, arn: string) => `Partition "${p}" is not valid for resource "${arn}".`,
  iamRegion: (r: string) => `IAM resource ${r} cannot contain region information.`,
  s3Region: (r: string) => `Resource ${r} can not contain region information.`,
  iamPath:
    'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
  vendorQualified: 'Resource vendor must be fully qualified and cannot contain regexes.',
  trustActions:
    'Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML, and sts:AssumeRoleWithWebIdentity',
  invalidPrincipal: (kind: string, value: string) =>
    `Invalid principal in policy: "${kind}":"${value}"`,
  rcpEffect: 'Resource control policies can only contain Deny statements.',
  rcpPrincipal: 'Resource control policies must specify "Principal": "*".',
  scpPrincipal: 'Service control policies cannot specify a principal.',
  managedSize: (limit: number) => `Cannot exceed quota for PolicySize: ${limit}`,
  trustSize: (limit: number) => `Cannot exceed quota for ACLSizePerRole: ${limit}`,
  charset: (param: string) =>
    `1 validation error detected: Value at '${param}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`,
} as const;

export function malformed(
  message: string,
  detail?: string,
  span?: SourceSpan | undefined,
): PolicyProblem {
  return { code: 'MalformedPolicyDocument', httpStatus: 400, message, detail, span };
}

export function limitExceeded(message: string, detail?: string): PolicyProblem {
  return { code: 'LimitExceeded', httpStatus: 409, message, detail };
}
