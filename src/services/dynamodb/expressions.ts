/**
 * All the expressions of one request, parsed and checked in DynamoDB's order (update,
 * condition, key condition, filter, projection), each failure prefixed with its parameter
 * (`Invalid ConditionExpression: …`), then the placeholders nobody used.
 */
import { AwsError } from '../../common/aws-error.js';
import type { Condition, ResolvedPath, UpdateExpression } from './expression/ast.js';
import { ExpressionError } from './expression/ast.js';
import {
  ExpressionScope,
  checkCondition,
  checkProjection,
  checkUpdate,
} from './expression/check.js';
import { parseCondition, parseProjection, parseUpdate } from './expression/parser.js';
import { validation } from './errors.js';
import { type ExpressionParams, type Input, readExpressionParams } from './input.js';

export interface Expressions {
  update?: UpdateExpression | undefined;
  condition?: Condition | undefined;
  keyCondition?: Condition | undefined;
  filter?: Condition | undefined;
  /** from ProjectionExpression, or AttributesToGet */
  projection?: ResolvedPath[] | undefined;
  params: ExpressionParams;
}

type Member =
  | 'UpdateExpression'
  | 'ConditionExpression'
  | 'KeyConditionExpression'
  | 'FilterExpression'
  | 'ProjectionExpression';

function prefixed<T>(member: Member, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ExpressionError) throw validation(`Invalid ${member}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads and checks a request's expressions. `members` are those the operation has, `legacy`
 * the older parameters that may not be mixed with them.
 */
export function readExpressions(
  input: Input,
  members: readonly Member[],
  legacy: readonly string[],
): Expressions {
  const params = readExpressionParams(input, members, legacy);
  const scope = new ExpressionScope(params.names, params.values);
  const out: Expressions = { params };
  const text = (m: Member) => (members.includes(m) ? input.str(m) : undefined);

  const update = text('UpdateExpression');
  if (update !== undefined)
    out.update = prefixed('UpdateExpression', () => {
      const u = parseUpdate(update);
      checkUpdate(u, scope);
      return u;
    });
  const cond = (m: Member, src: string | undefined): Condition | undefined =>
    src === undefined
      ? undefined
      : prefixed(m, () => {
          const p = parseCondition(src);
          checkCondition(p.condition, p.redundantParens, scope);
          return p.condition;
        });
  out.condition = cond('ConditionExpression', text('ConditionExpression'));
  out.keyCondition = cond('KeyConditionExpression', text('KeyConditionExpression'));
  out.filter = cond('FilterExpression', text('FilterExpression'));

  const projection = text('ProjectionExpression');
  if (projection !== undefined) {
    out.projection = prefixed('ProjectionExpression', () => {
      const paths = parseProjection(projection);
      checkProjection(paths, scope);
      return paths.map((p) => p.resolved ?? []);
    });
  } else if (input.has('AttributesToGet')) {
    const names = input.strings('AttributesToGet') ?? [];
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n))
        throw validation(
          `One or more parameter values were invalid: Duplicate value in attribute name: ${n}`,
        );
      seen.add(n);
    }
    out.projection = names.map((n) => [n]);
  }

  const unusedNames = Object.keys(params.names ?? {}).filter((k) => !scope.usedNames.has(k));
  if (unusedNames.length > 0)
    throw validation(
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
    );
  const unusedValues = Object.keys(params.values ?? {}).filter((k) => !scope.usedValues.has(k));
  if (unusedValues.length > 0)
    throw validation(
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
    );
  return out;
}

/** The legacy parameters irsakit does not implement: refused plainly rather than ignored. */
export function refuseLegacy(input: Input, names: readonly string[]): void {
  for (const n of names)
    if (input.has(n))
      throw new AwsError(
        'ValidationException',
        400,
        // [irsakit] not a DynamoDB text: the legacy conditional parameters are not implemented
        `irsakit does not support the legacy parameter ${n}; use the expression parameters instead`,
      );
}

/** The top-level attribute names of paths (for dynamodb:Attributes). */
export function topLevelNames(paths: readonly ResolvedPath[]): string[] {
  const out = new Set<string>();
  for (const p of paths) if (typeof p[0] === 'string') out.add(p[0]);
  return [...out];
}
