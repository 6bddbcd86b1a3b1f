/**
 * IAM names, paths and ARNs (spec/aws-wire.md §3.6, §5.3, §5.4): the model's constraints as
 * `StringRule`s for the edge's `Validator` (AWS's ValidationError wording), and the ARNs of
 * roles, users, managed policies and OIDC providers.
 */
import { parseArn } from '../policy/arn.js';
import type { StringRule } from '../server/aws/query-params.js';
import { IAM_MSG, invalidInput } from './errors.js';

export const PARTITION = 'aws';

export const RULES = {
  roleName: { min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, patternText: '[\\w+=,.@-]+' },
  userName: { min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, patternText: '[\\w+=,.@-]+' },
  /** a user that exists already, in most user calls (the model's existingUserNameType) */
  existingUserName: {
    min: 1,
    max: 128,
    pattern: /^[\w+=,.@-]+$/,
    patternText: '[\\w+=,.@-]+',
  },
  policyName: { min: 1, max: 128, pattern: /^[\w+=,.@-]+$/, patternText: '[\\w+=,.@-]+' },
  path: {
    min: 1,
    max: 512,
    pattern: /^(?:\u002F|\u002F[\u0021-\u007E]+\u002F)$/,
    patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
  },
  policyPath: {
    min: 1,
    max: 512,
    pattern: /^((\/[A-Za-z0-9.,+@=_-]+)*)\/$/,
    patternText: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/',
  },
  pathPrefix: {
    min: 1,
    max: 512,
    pattern: /^\u002F[\u0021-\u007F]*$/,
    patternText: '\\u002F[\\u0021-\\u007F]*',
  },
  policyPathPrefix: {
    min: 1,
    max: 512,
    pattern: /^((\/[A-Za-z0-9.,+@=_-]+)*)\/$/,
    patternText: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/',
  },
  /** a role's description (the model's roleDescriptionType) */
  description: {
    max: 1000,
    pattern: /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/,
    patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
  },
  /** a managed policy's description (policyDescriptionType): any characters, up to 1000 */
  policyDescription: { max: 1000 },
  /** policy documents: the character set is the policy engine's to check, with its message */
  document: { min: 1, max: 131072 },
  arn: { min: 20, max: 2048 },
  url: { min: 1, max: 255 },
  clientId: { min: 1, max: 255 },
  thumbprint: { min: 40, max: 40 },
  tagKey: {
    min: 1,
    max: 128,
    pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
    patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
  },
  tagValue: {
    min: 0,
    max: 256,
    pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
    patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
  },
  accessKeyId: { min: 16, max: 128, pattern: /^[\w]+$/, patternText: '[\\w]+' },
  versionId: {
    pattern: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/,
    patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?',
  },
  marker: { min: 1, max: 320, pattern: /^[\u0020-\u00FF]+$/, patternText: '[\\u0020-\\u00FF]+' },
} as const satisfies Record<string, StringRule>;

export function roleArn(account: string, path: string, name: string): string {
  return `arn:${PARTITION}:iam::${account}:role${path}${name}`;
}

export function userArn(account: string, path: string, name: string): string {
  return `arn:${PARTITION}:iam::${account}:user${path}${name}`;
}

export function policyArn(account: string, path: string, name: string): string {
  return `arn:${PARTITION}:iam::${account}:policy${path}${name}`;
}

export function providerArn(account: string, url: string): string {
  return `arn:${PARTITION}:iam::${account}:oidc-provider/${url}`;
}

export interface PolicyArnParts {
  /** `aws` for AWS managed policies, else a 12-digit account */
  account: string;
  path: string;
  name: string;
}

/**
 * Splits a managed policy ARN; `InvalidInput` (`ARN x is not valid.`) when it is not one.
 *
 * @example
 * parsePolicyArn('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess') // → { account: 'aws', path: '/', name: 'AmazonS3ReadOnlyAccess' }
 */
export function parsePolicyArn(arn: string): PolicyArnParts {
  const a = parseArn(arn);
  const m = a && /^policy(\/(?:[^/]+\/)*)([^/]+)$/.exec(a.resource);
  if (
    !a ||
    !m ||
    a.partition !== PARTITION ||
    a.service !== 'iam' ||
    a.region !== '' ||
    !(a.account === 'aws' || /^\d{12}$/.test(a.account))
  ) {
    throw invalidInput(IAM_MSG.invalidArn(arn));
  }
  return { account: a.account, path: m[1] as string, name: m[2] as string };
}

/** The account and URL of an OIDC provider ARN; `InvalidInput` when it is not one. */
export function parseProviderArn(arn: string): { account: string; url: string } {
  const a = parseArn(arn);
  const m = a && /^oidc-provider\/(.+)$/.exec(a.resource);
  if (!a || !m || a.service !== 'iam' || a.region !== '' || !/^\d{12}$/.test(a.account)) {
    throw invalidInput(IAM_MSG.invalidArn(arn));
  }
  return { account: a.account, url: m[1] as string };
}

/**
 * The user calls whose `UserName` is the model's userNameType (1–64); the others name a user
 * that exists, existingUserNameType (1–128), so a longer name there is NoSuchEntity.
 */
const SHORT_USER_NAME = new Set([
  'CreateUser',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'ListAttachedUserPolicies',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'GetLoginProfile',
]);

/** The `UserName` rule of an operation. */
export function userNameRule(action: string): StringRule {
  return SHORT_USER_NAME.has(action) ? RULES.userName : RULES.existingUserName;
}
