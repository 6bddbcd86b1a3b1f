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
import type { KeySchemaElement, TableRecord } from './types.js';

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

/**
 * The top-level attribute names a request's expressions touch — written, read as an update's
 * operand, compared in a condition or filter, projected — for `dynamodb:Attributes`: a policy
 * that limits the attributes a caller may access must see every one of them, or
 * `SET allowed = secret` (or a condition on `secret`) reads what it may not. Undefined when
 * the expressions name none.
 */
export function accessedNames(ex: Expressions): string[] | undefined {
  // in the order a reader expects: what is written, what is projected, what is read
  const paths: ResolvedPath[] = [
    ...(ex.update?.actions ?? []).map((a) => a.path.resolved ?? []),
    ...(ex.projection ?? []),
  ];
  // the rest of the AST (a key condition names only key attributes, which every item shows)
  // is a tree of plain objects: every path operand carries its resolved path
  const queue: unknown[] = [
    ex.update?.actions.map((a) => ('value' in a ? a.value : undefined)),
    ex.condition,
    ex.filter,
  ];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (node === null || typeof node !== 'object') continue;
    const o = node as { kind?: unknown; resolved?: unknown };
    if (o.kind === 'path' && Array.isArray(o.resolved)) paths.push(o.resolved as ResolvedPath);
    else
      for (const v of Object.values(node)) if (v !== null && typeof v === 'object') queue.push(v);
  }
  return paths.length > 0 ? topLevelNames(paths) : undefined;
}

/** A key schema's attribute names, the partition key first. */
function keyNames(schema: readonly KeySchemaElement[]): string[] {
  return [
    ...schema.filter((k) => k.KeyType === 'HASH'),
    ...schema.filter((k) => k.KeyType !== 'HASH'),
  ].map((k) => k.AttributeName);
}

/**
 * Key attributes, the table's and those of every one of its indexes, are scalars: a projection
 * that reaches inside one (`pk.x`, `sk[0]`) is refused once the table is known. Which one is
 * named goes by the schema, not the expression: the table's keys first, then the indexes'.
 */
export function checkKeyPaths(
  table: TableRecord,
  projection: readonly ResolvedPath[] | undefined,
): void {
  const nested = new Set((projection ?? []).filter((p) => p.length > 1).map((p) => p[0]));
  if (nested.size === 0) return;
  const named = [
    ...keyNames(table.keySchema).map((name) => ({ name, kind: 'Key' })),
    ...table.indexes.flatMap((ix) =>
      keyNames(ix.keySchema).map((name) => ({ name, kind: 'IndexKey' })),
    ),
  ];
  const hit = named.find((k) => nested.has(k.name));
  if (hit)
    throw validation(
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ${hit.kind}: ${hit.name}`,
    );
}
