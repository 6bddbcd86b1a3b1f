/**
 * IAM's errors with AWS's wire codes, statuses and texts (spec/aws-wire.md §5, §9;
 * spec/iam-policy.md §13). The texts are AWS's, word for word where known ([field]); the
 * few marked inferred are irsakit's best reading of AWS's style.
 */
import { AwsError } from '../common/aws-error.js';
import type { PolicyProblem } from '../policy/errors.js';

export function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', 404, message);
}

export function entityAlreadyExists(message: string): AwsError {
  return new AwsError('EntityAlreadyExists', 409, message);
}

export function deleteConflict(message: string): AwsError {
  return new AwsError('DeleteConflict', 409, message);
}

export function limitExceeded(message: string): AwsError {
  return new AwsError('LimitExceeded', 409, message);
}

export function invalidInput(message: string): AwsError {
  return new AwsError('InvalidInput', 400, message);
}

export function policyNotAttachable(message: string): AwsError {
  return new AwsError('PolicyNotAttachable', 400, message);
}

/** A policy engine problem (MalformedPolicyDocument, LimitExceeded, ValidationError) as thrown. */
export function policyProblem(p: PolicyProblem): AwsError {
  return new AwsError(p.code, p.httpStatus, p.message, { detail: p.detail });
}

/** The texts, in one place. */
export const IAM_MSG = {
  noRole: (name: string) => `The role with name ${name} cannot be found.`,
  noUser: (name: string) => `The user with name ${name} cannot be found.`,
  noRolePolicy: (name: string) => `The role policy with name ${name} cannot be found.`,
  noUserPolicy: (name: string) => `The user policy with name ${name} cannot be found.`,
  noPolicy: (arn: string) => `Policy ${arn} was not found.`,
  notAttachable: (arn: string) => `Policy ${arn} does not exist or is not attachable.`,
  noPolicyVersion: (arn: string, v: string) =>
    `Policy ${arn} version ${v} does not exist or is not attachable.`,
  noScope: (arn: string) => `Scope ARN: ${arn} does not exist or is not attachable.`,
  noProvider: (arn: string) => `OpenIDConnect Provider not found for arn ${arn}`,
  noAccessKey: (id: string) => `The Access Key with id ${id} cannot be found.`,
  /** the API reference's description of OpenIdIdpCommunicationError */
  idpUnreachable:
    'The request failed because IAM cannot connect to the OpenID Connect identity provider URL.',
  roleExists: (name: string) => `Role with name ${name} already exists.`,
  userExists: (name: string) => `User with name ${name} already exists.`,
  policyExists: (name: string) =>
    `A policy called ${name} already exists. Duplicate names are not allowed.`,
  providerExists: (url: string) => `Provider with url ${url} already exists.`,
  detachFirst: 'Cannot delete entity, must detach all policies first.',
  deletePoliciesFirst: 'Cannot delete entity, must delete policies first.',
  deleteKeysFirst: 'Cannot delete entity, must delete access keys first.',
  policyAttached: 'Cannot delete a policy attached to entities.',
  policyVersions:
    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
  defaultVersion: 'Cannot delete the default version of a policy.',
  tooManyVersions:
    'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
  serviceRolePolicy: 'Cannot attach a Service Role Policy to a Customer Role.',
  quota: (name: string, n: number) => `Cannot exceed quota for ${name}: ${n}`,
  inlineSize: (limit: number, kind: 'role' | 'user', name: string) =>
    `Maximum policy size of ${limit} bytes exceeded for ${kind} ${name}`,
  invalidArn: (arn: string) => `ARN ${arn} is not valid.`,
  duplicateTags: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  // [inferred] IAM's text for a tag in the prefix AWS keeps for itself
  reservedTag: "Tag keys and values that begin with 'aws:' are reserved for AWS internal use.",
  // inferred: AWS's exact texts for these are not confirmed
  providerUrl: 'Invalid Open ID Connect Provider URL',
  providerHttps: 'Invalid Open ID Connect Provider URL. The URL must begin with https://.',
  thumbprints: 'Thumbprint list must contain fewer than 5 entries.',
  invalidMarker: 'Invalid Marker.',
  userNameRequired: 'Must specify userName when calling with non-User credentials',
} as const;
