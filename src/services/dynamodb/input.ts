/**
 * Reading a DynamoDB request body the way the service does: first the JSON shape of each
 * member (SerializationException, in Coral's words), then the model's constraints (collected
 * and reported together: `2 validation errors detected: …`), then the operation's own rules.
 */
import {
  type AttributeValue,
  type Item,
  expectMap,
  jsonKind,
  readAttributeValue,
  readItem,
  scalarMismatch,
} from './attribute-value.js';
import { constraint, constraints, serialization, validation } from './errors.js';
import { AwsError } from '../../common/aws-error.js';

const TABLE_NAME = /^[a-zA-Z0-9_.-]+$/;
/** A table's ARN: region, account and name. */
export const TABLE_ARN =
  /^arn:aws[a-zA-Z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})$/;

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** A JSON value that must be a string (or absent). */
export function readString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw serialization(scalarMismatch(v, 'String'));
  return v;
}

/** A JSON value that must be a number (or absent), as Coral reads an Integer or a Long. */
export function readInteger(v: unknown, type: 'Integer' | 'Long' = 'Integer'): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw serialization(scalarMismatch(v, type));
  return Math.floor(v);
}

/** A JSON value that must be a list (or absent). */
export function readList(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  if (jsonKind(v) === 'map')
    throw serialization('Start of structure or map found where not expected.');
  throw serialization('Expected list or null');
}

/** A request body being read: typed accessors, and the constraint failures found so far. */
export class Input {
  readonly body: Record<string, unknown>;
  readonly problems: string[] = [];

  constructor(body: Record<string, unknown>) {
    this.body = body;
  }

  has(name: string): boolean {
    const v = this.body[name];
    return v !== undefined && v !== null;
  }

  str(name: string): string | undefined {
    return readString(this.body[name]);
  }

  bool(name: string): boolean | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    throw serialization(scalarMismatch(v, 'Boolean'));
  }

  int(name: string, type: 'Integer' | 'Long' = 'Integer'): number | undefined {
    return readInteger(this.body[name], type);
  }

  map(name: string): Record<string, unknown> | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    return expectMap(v);
  }

  list(name: string): unknown[] | undefined {
    return readList(this.body[name]);
  }

  /** a list of strings (AttributesToGet, TagKeys) */
  strings(name: string): string[] | undefined {
    const l = this.list(name);
    return l?.map((v) => {
      if (typeof v !== 'string') throw serialization(scalarMismatch(v, 'String'));
      return v;
    });
  }

  /** a map of attribute values (Key, Item, ExclusiveStartKey) */
  item(name: string): Item | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    return readItem(v);
  }

  notNull(name: string, value: unknown): void {
    if (value === undefined || value === null)
      this.problems.push(constraint(null, lowerFirst(name), 'Member must not be null'));
  }

  enumOf<T extends string>(
    name: string,
    value: string | undefined,
    allowed: readonly T[],
  ): T | undefined {
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(
        constraint(
          value,
          lowerFirst(name),
          `Member must satisfy enum value set: [${allowed.join(', ')}]`,
        ),
      );
      return undefined;
    }
    return value as T;
  }

  min(at: string, value: number | undefined, min: number, shown = true): void {
    if (value !== undefined && value < min)
      this.problems.push(
        shown
          ? constraint(value, at, `Member must have value greater than or equal to ${min}`)
          : `Value at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
      );
  }

  max(at: string, value: number | undefined, max: number): void {
    if (value !== undefined && value > max)
      this.problems.push(
        constraint(value, at, `Member must have value less than or equal to ${max}`),
      );
  }

  /** Throws the collected constraint failures, if any. */
  done(): void {
    if (this.problems.length > 0) throw constraints(this.problems);
  }
}

/** Where a request's TableName points: a name in the caller's account and region, or an ARN. */
export interface TableRef {
  name: string;
  account: string;
  region: string;
  arn: string;
}

/** The ARN of a table. */
export function tableArn(region: string, account: string, name: string): string {
  return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
}

/**
 * Reads and checks `TableName` (a name, or a table ARN as DynamoDB now accepts). CreateTable
 * takes names only, 3 to 255 characters.
 */
export function readTableName(
  input: Input,
  where: { account: string; region: string },
  create = false,
): TableRef | undefined {
  const name = input.str('TableName');
  if (name === undefined) {
    if (create)
      throw validation("The parameter 'TableName' is required but was not present in the request");
    input.notNull('TableName', name);
    return undefined;
  }
  if (!create) {
    const arn = TABLE_ARN.exec(name);
    if (arn) {
      const [, region, account, table] = arn as unknown as [string, string, string, string];
      return { name: table, account, region, arn: name };
    }
    if (name.length > 1024) {
      input.problems.push(
        constraint(name, 'tableName', 'Member must have length less than or equal to 1024'),
      );
      return undefined;
    }
  }
  const before = input.problems.length;
  if (!TABLE_NAME.test(name))
    input.problems.push(
      constraint(
        name,
        'tableName',
        'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
      ),
    );
  if (name.length < (create ? 3 : 1))
    input.problems.push(
      constraint(
        name,
        'tableName',
        `Member must have length greater than or equal to ${create ? 3 : 1}`,
      ),
    );
  if (name.length > 255)
    input.problems.push(
      constraint(name, 'tableName', 'Member must have length less than or equal to 255'),
    );
  if (input.problems.length > before) return undefined;
  return {
    name,
    account: where.account,
    region: where.region,
    arn: tableArn(where.region, where.account, name),
  };
}

/** The expression parameters of a request, read and checked for their own rules. */
export interface ExpressionParams {
  names?: Record<string, string> | undefined;
  values?: Record<string, AttributeValue> | undefined;
}

/**
 * Reads ExpressionAttributeNames/Values with DynamoDB's rules: only with expressions, not
 * empty, keys `#x` / `:x`, values valid AttributeValues. `expressions` are the expression
 * members the operation has, `legacy` the older parameters that cannot be mixed with them.
 */
export function readExpressionParams(
  input: Input,
  expressions: readonly string[],
  legacy: readonly string[],
): ExpressionParams {
  const namesRaw = input.map('ExpressionAttributeNames');
  const valuesRaw = input.map('ExpressionAttributeValues');
  const used = expressions.filter((e) => input.has(e));
  if (used.length > 0) {
    const old = legacy.filter((e) => input.has(e));
    if (old.length > 0)
      throw validation(
        `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${old.join(', ')}} Expression parameters: {${used.join(', ')}}`,
      );
  }
  if (namesRaw !== undefined && used.length === 0)
    throw validation('ExpressionAttributeNames can only be specified when using expressions');
  const valueExpressions = expressions.filter((e) => e !== 'ProjectionExpression');
  if (
    valuesRaw !== undefined &&
    valueExpressions.length > 0 &&
    valueExpressions.every((e) => !input.has(e))
  )
    throw validation(
      `ExpressionAttributeValues can only be specified when using expressions: ${valueExpressions.join(' and ')} ${valueExpressions.length > 1 ? 'are' : 'is'} null`,
    );

  let names: Record<string, string> | undefined;
  if (namesRaw !== undefined) {
    const keys = Object.keys(namesRaw);
    if (keys.length === 0) throw validation('ExpressionAttributeNames must not be empty');
    names = {};
    for (const k of keys) {
      if (!/^#[0-9a-zA-Z_]+$/.test(k))
        throw validation(
          `ExpressionAttributeNames contains invalid key: Syntax error; key: "${k}"`,
        );
      const v = namesRaw[k];
      if (typeof v !== 'string') throw serialization(scalarMismatch(v, 'String'));
      names[k] = v;
    }
  }
  let values: Record<string, AttributeValue> | undefined;
  if (valuesRaw !== undefined) {
    const keys = Object.keys(valuesRaw);
    if (keys.length === 0) throw validation('ExpressionAttributeValues must not be empty');
    values = {};
    for (const k of keys)
      if (!/^:[0-9a-zA-Z_]+$/.test(k))
        throw validation(
          `ExpressionAttributeValues contains invalid key: Syntax error; key: "${k}"`,
        );
    for (const k of keys) {
      try {
        values[k] = readAttributeValue(valuesRaw[k]);
      } catch (e) {
        if (e instanceof AwsError && e.code === 'ValidationException')
          throw validation(
            `ExpressionAttributeValues contains invalid value: ${e.message} for key ${k}`,
          );
        throw e;
      }
    }
  }
  return { names, values };
}
