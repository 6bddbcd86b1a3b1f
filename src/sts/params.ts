/**
 * STS request parameters (spec/aws-wire.md §2, §3.1, §3.4): the model's constraints checked
 * with the edge's `ValidationError` wording (`Value 'x' at 'roleSessionName' failed to satisfy
 * constraint: …`, all violations in one error), except that a sensitive member — the
 * web-identity token — is never echoed (`Value at 'webIdentityToken' failed …`), since
 * tokens never appear in messages. Then the shapes shared by the AssumeRole operations: the
 * role ARN, session policies, and the request's global condition keys.
 */
import { AwsError, validationError } from '../common/aws-error.js';
import { fieldName, type StringRule } from '../server/aws/query-params.js';
import type { QueryParams } from '../server/aws/types.js';
import { stsValidationError, STS_MSG } from './errors.js';

export const SESSION_NAME_RULE: StringRule = {
  min: 2,
  max: 64,
  pattern: /^[\w+=,.@-]*$/,
  patternText: '[\\w+=,.@-]*',
};
export const ROLE_ARN_RULE: StringRule = { min: 20, max: 2048 };
export const POLICY_RULE: StringRule = {
  min: 1,
  max: 2048,
  pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/,
  patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
};
export const POLICY_ARN_RULE: StringRule = { min: 20, max: 2048 };
export const DURATION_RANGE = { min: 900, max: 43200 } as const;
export const DEFAULT_DURATION_SECONDS = 3600;
export const MAX_POLICY_ARNS = 10;

/** Collects constraint violations; `done()` throws them as one `ValidationError`. */
export class ParamChecker {
  private readonly params: QueryParams;
  private readonly problems: string[] = [];

  constructor(params: QueryParams) {
    this.params = params;
  }

  private violation(param: string, value: string | undefined, constraint: string): void {
    const v = value === undefined ? 'Value' : `Value '${value}'`;
    this.problems.push(`${v} at '${fieldName(param)}' failed to satisfy constraint: ${constraint}`);
  }

  /** Checks `value` (named `param`) against `rule`; `sensitive` values are not echoed. */
  check(param: string, value: string, rule: StringRule & { sensitive?: boolean }): void {
    const shown = rule.sensitive ? undefined : value;
    if (rule.min !== undefined && value.length < rule.min)
      this.violation(param, shown, `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && value.length > rule.max)
      this.violation(param, shown, `Member must have length less than or equal to ${rule.max}`);
    if (rule.pattern && !rule.pattern.test(value))
      this.violation(
        param,
        shown,
        `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`,
      );
  }

  string(param: string, rule: StringRule & { sensitive?: boolean }, required: true): string;
  string(
    param: string,
    rule: StringRule & { sensitive?: boolean },
    required?: false,
  ): string | undefined;
  string(
    param: string,
    rule: StringRule & { sensitive?: boolean },
    required = false,
  ): string | undefined {
    const v = this.params.get(param);
    if (v === undefined) {
      if (required)
        this.problems.push(
          `Value null at '${fieldName(param)}' failed to satisfy constraint: Member must not be null`,
        );
      return required ? '' : undefined;
    }
    this.check(param, v, rule);
    return v;
  }

  integer(param: string, range: { min: number; max: number }): number | undefined {
    const v = this.params.get(param);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v))
      throw new AwsError(
        'ValidationError',
        400,
        `Value '${v}' at '${fieldName(param)}' failed to satisfy constraint: Member must be an integer`,
      );
    const n = Number(v);
    if (n < range.min)
      this.violation(param, v, `Member must have value greater than or equal to ${range.min}`);
    if (n > range.max)
      this.violation(param, v, `Member must have value less than or equal to ${range.max}`);
    return n;
  }

  /** A list's length against its maximum. */
  count(param: string, items: readonly unknown[], max: number): void {
    if (items.length > max)
      this.violation(param, undefined, `Member must have length less than or equal to ${max}`);
  }

  done(): void {
    if (this.problems.length > 0) throw validationError(this.problems);
  }
}

export interface RoleArnParts {
  partition: string;
  account: string;
  /** `/` or `/a/b/` */
  path: string;
  name: string;
  arn: string;
}

/**
 * Splits a role ARN; anything else is `ValidationError` "Request ARN is invalid".
 *
 * @example
 * parseRoleArn('arn:aws:iam::123456789012:role/team/app') // → { path: '/team/', name: 'app', … }
 */
export function parseRoleArn(arn: string): RoleArnParts {
  const m =
    /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):role\/(.+)$/.exec(
      arn,
    );
  const rest = m?.[3];
  if (!m || rest === undefined) throw stsValidationError(STS_MSG.requestArnInvalid, { arn });
  const parts = rest.split('/');
  const name = parts.pop() as string;
  if (!/^[\w+=,.@-]{1,64}$/.test(name) || parts.some((p) => p === ''))
    throw stsValidationError(STS_MSG.requestArnInvalid, { arn });
  return {
    partition: m[1] as string,
    account: m[2] as string,
    path: parts.length === 0 ? '/' : `/${parts.join('/')}/`,
    name,
    arn,
  };
}

/** The global condition keys every request carries (one place: server/aws/request-keys.ts). */
export { requestContextKeys } from '../server/aws/request-keys.js';
