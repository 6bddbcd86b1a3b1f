/**
 * STS's wire errors (spec/aws-wire.md §3.3, §3.4, §4, §9): codes, HTTP statuses and texts.
 * AWS's words win over the house message style; texts marked [inferred] are not confirmed
 * against real AWS and are kept in this one place so they can be corrected in one place.
 * `detail` carries irsakit's own account (which check, what was expected) for the audit
 * trail; it never holds a token, a secret key or a session token.
 */
import { AwsError } from '../common/aws-error.js';

export const STS_MSG = {
  /** [field] note the double space */
  couldNotRetrieveKey:
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  /** [doc] */
  thumbprintMismatch:
    "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
  /** [field] */
  noProvider: (iss: string) => `No OpenIDConnect provider found in your account for ${iss}`,
  /** [field] */
  incorrectAudience: 'Incorrect token audience',
  /** [field] */
  tokenExpired: (now: number, exp: number) =>
    `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`,
  /** [inferred] */
  notAJwt:
    'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
  /** [inferred] */
  badSignature: 'The signature of the ID Token could not be verified',
  /** [inferred] */
  missingClaim: (claim: string) => `Missing a required claim: ${claim}`,
  /** [inferred] */
  notYetValid: (now: number, nbf: number) =>
    `Token not yet valid: current date/time ${now} must be after the not-before date/time ${nbf}`,
  /** [inferred] */
  issuedInFuture: (now: number, iat: number) =>
    `Token issued in the future: current date/time ${now} must be after the issued-at date/time ${iat}`,
  /** [inferred] */
  invalidTags: 'The web identity token carries invalid session tags',
  /** [inferred] */
  invalidSourceIdentity: 'The web identity token carries an invalid source identity',
  /** [inferred] */
  idpUnreachable: (url: string) => `Couldn't reach your identity provider at ${url}`,
  /** [field] */
  webIdentityDenied: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  /** [field] */
  maxSessionDuration:
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  /** [field] */
  chainingLimit:
    'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  /** [field] */
  requestArnInvalid: 'Request ARN is invalid',
  /** STS on an AssumeRole by the root user (README "Decisions") */
  rootCannotAssume: 'Roles may not be assumed by root accounts.',
  /** [field] */
  packedPolicy: (pct: number) =>
    `Packed policy consumes ${pct}% of allotted space, please use smaller policy.`,
  /** [field] */
  packedTags: (pct: number) => `Packed size of session tags consumes ${pct}% of allotted space.`,
  /** [inferred] the wording IAM uses for an unknown policy ARN */
  noSuchPolicy: (arn: string) => `Policy ${arn} does not exist or is not attachable.`,
  /** [inferred] */
  mfaFailed: 'MultiFactorAuthentication failed with invalid MFA one time pass code.',
  /** [inferred] */
  transitiveOverride: (key: string) =>
    `The session tag key ${key} is a transitive tag of the calling session and cannot be set again`,
  /** [inferred] */
  transitiveNotInTags: (key: string) =>
    `The transitive tag key ${key} is not the key of a session tag passed in the request`,
  /** [inferred] IAM's wording for the reserved prefix ("Naming tags", IAM User Guide) */
  reservedTag: "Tag keys and values that begin with 'aws:' are reserved for AWS internal use.",
  /** [inferred] */
  duplicateTagKeys: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  /** [field] (spec/aws-wire.md §9.2) */
  missingAuth: 'Request is missing Authentication Token',
} as const;

export function invalidIdentityToken(message: string, detail?: unknown): AwsError {
  return new AwsError('InvalidIdentityToken', 400, message, { detail });
}

export function idpCommunicationError(url: string, detail?: unknown): AwsError {
  return new AwsError('IDPCommunicationError', 400, STS_MSG.idpUnreachable(url), { detail });
}

export function accessDenied(message: string, detail?: unknown): AwsError {
  return new AwsError('AccessDenied', 403, message, { detail });
}

export function stsValidationError(message: string, detail?: unknown): AwsError {
  return new AwsError('ValidationError', 400, message, { detail });
}

export function missingAuthentication(): AwsError {
  return new AwsError('MissingAuthenticationToken', 403, STS_MSG.missingAuth);
}
