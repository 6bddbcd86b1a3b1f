/**
 * Reading Query-protocol parameters (spec/aws-wire.md §2): lists as `Name.member.N`,
 * structures in lists as `Name.member.N.Field`, and the constraint checks botocore does
 * client-side but the JS SDK does not — so the server must, with AWS's `ValidationError`
 * wording (`1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy
 * constraint: Member must have length greater than or equal to 2`).
 */
import { AwsError, validationError } from '../../common/aws-error.js';
import type { QueryParams } from './types.js';

/** `Name.member.1`, `Name.member.2`, … in order (gaps end the list). */
export function listParam(params: QueryParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    const v = params.get(`${name}.member.${i}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

/** `Name.member.N.Field` structures; `fields` are the member names to read. */
export function structListParam<F extends string>(
  params: QueryParams,
  name: string,
  fields: readonly F[],
): Record<F, string | undefined>[] {
  const out: Record<F, string | undefined>[] = [];
  for (let i = 1; ; i++) {
    const item = {} as Record<F, string | undefined>;
    let any = false;
    for (const f of fields) {
      const v = params.get(`${name}.member.${i}.${f}`);
      item[f] = v;
      if (v !== undefined) any = true;
    }
    if (!any) break;
    out.push(item);
  }
  return out;
}

/**
 * The parameters of a call as its operation reads them, noting each name it asks for (`get`,
 * `has`). What the operation asked for is what it takes: CloudTrail records the operation's
 * own parameters only, never the rest of the form (AWS ignores a parameter the operation does
 * not have — `Tags.member.1.Key` sent to AssumeRoleWithWebIdentity — and so leaves it out).
 */
class AskedParams extends Map<string, string> {
  readonly asked = new Set<string>();

  override get(name: string): string | undefined {
    this.asked.add(name);
    return super.get(name);
  }

  override has(name: string): boolean {
    this.asked.add(name);
    return super.has(name);
  }
}

/**
 * Where the names ride on the call's own parameters. Not a WeakMap: V8 keeps a WeakMap's
 * values through young-generation collections (audit/trail.ts), and every Query call has one.
 */
const ASKED = Symbol('asked parameters');
type Asked = QueryParams & { [ASKED]?: ReadonlySet<string> };

/**
 * The view of a call's parameters to hand its operation; `askedParams(params)` then says
 * which names the operation asked for.
 *
 * @example
 * await op(ctx, askingFor(params));
 * askedParams(params) // → Set { 'RoleArn', 'RoleSessionName', … }
 */
export function askingFor(params: QueryParams): QueryParams {
  const view = new AskedParams(params);
  (params as Asked)[ASKED] = view.asked;
  return view;
}

/** The names an operation asked for of `params`; undefined when no operation read them. */
export function askedParams(params: QueryParams | undefined): ReadonlySet<string> | undefined {
  return (params as Asked | undefined)?.[ASKED];
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * A parameter as AWS names it in validation messages: lowerCamelCase, and a list member's
 * index before `member` (`Tags.member.1.Key` is `tags.1.member.key`, as IAM and STS word it).
 *
 * @example
 * fieldName('RoleSessionName') // → 'roleSessionName'
 * fieldName('PolicyArns.member.2.arn') // → 'policyArns.2.member.arn'
 */
export function fieldName(param: string): string {
  const m = /^([^.]+)\.member\.(\d+)(?:\.([^.]+))?$/.exec(param);
  if (!m) return lowerFirst(param);
  const [, list, n, field] = m as unknown as [string, string, string, string | undefined];
  return `${lowerFirst(list)}.${n}.member${field === undefined ? '' : `.${lowerFirst(field)}`}`;
}

export interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** the pattern as AWS prints it in the message */
  patternText?: string;
}

/**
 * Collects constraint violations; `done()` throws one `ValidationError` naming them all.
 *
 * @example
 * const v = new Validator();
 * const name = v.string(params, 'RoleSessionName', { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' }, true);
 * v.done();
 */
export class Validator {
  private readonly problems: string[] = [];

  /** Records a violation in AWS's words. */
  violation(param: string, value: string, constraint: string): void {
    this.problems.push(
      `Value '${value}' at '${fieldName(param)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  /** A list longer than its model allows (AWS shows no value for a list of structures). */
  tooMany(param: string, max: number): void {
    this.problems.push(
      `Value at '${fieldName(param)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }

  string(params: QueryParams, param: string, rule: StringRule, required: true): string;
  string(
    params: QueryParams,
    param: string,
    rule: StringRule,
    required?: false,
  ): string | undefined;
  string(
    params: QueryParams,
    param: string,
    rule: StringRule,
    required = false,
  ): string | undefined {
    const v = params.get(param);
    if (v === undefined) {
      if (required)
        this.problems.push(
          `Value null at '${fieldName(param)}' failed to satisfy constraint: Member must not be null`,
        );
      return required ? '' : undefined;
    }
    if (rule.min !== undefined && v.length < rule.min)
      this.violation(param, v, `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v.length > rule.max)
      this.violation(param, v, `Member must have length less than or equal to ${rule.max}`);
    if (rule.pattern && !rule.pattern.test(v)) {
      this.violation(
        param,
        v,
        `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`,
      );
    }
    return v;
  }

  integer(
    params: QueryParams,
    param: string,
    range: { min?: number; max?: number },
  ): number | undefined {
    const v = params.get(param);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) {
      throw new AwsError(
        'ValidationError',
        400,
        `Value '${v}' at '${fieldName(param)}' failed to satisfy constraint: Member must be an integer`,
      );
    }
    const n = Number(v);
    if (range.min !== undefined && n < range.min)
      this.violation(param, v, `Member must have value greater than or equal to ${range.min}`);
    if (range.max !== undefined && n > range.max)
      this.violation(param, v, `Member must have value less than or equal to ${range.max}`);
    return n;
  }

  boolean(params: QueryParams, param: string): boolean | undefined {
    const v = params.get(param);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') this.violation(param, v, 'Member must be a boolean');
    return v === 'true';
  }

  done(): void {
    if (this.problems.length > 0) throw validationError(this.problems);
  }
}

/** The policy-document character class of the IAM/STS APIs. */
export const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
export const POLICY_CHARS_TEXT = '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+';
