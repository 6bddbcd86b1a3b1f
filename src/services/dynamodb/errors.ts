/**
 * DynamoDB's errors with the real service's codes and texts (spec/aws-wire.md §7.4, §9). All
 * are HTTP 400 JSON errors; the edge renders them (`__type`
 * `com.amazonaws.dynamodb.v20120810#<Code>`, but `com.amazon.coral.validate#ValidationException`
 * and `com.amazon.coral.service#SerializationException` as DynamoDB's Coral sends them). Texts are DynamoDB's word for word where known
 * (observed by the AWS SDKs against the real service); the few marked [inferred] are
 * irsakit's closest reading of DynamoDB's style.
 */
import { AwsError } from '../../common/aws-error.js';
import type { Item } from './attribute-value.js';

/** `ValidationException` with DynamoDB's text. */
export function validation(message: string): AwsError {
  return new AwsError('ValidationException', 400, message);
}

/**
 * Coral's constraint failures: `1 validation error detected: Value 'x' at 'tableName' failed to
 * satisfy constraint: …`, several joined with `; `.
 */
export function constraints(problems: readonly string[]): AwsError {
  const n = problems.length;
  return validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

/** One constraint failure, as Coral words it (`Value null at 'key' …`). */
export function constraint(value: unknown, at: string, rule: string): string {
  const shown = value === null || value === undefined ? 'null' : `'${String(value)}'`;
  return `Value ${shown} at '${at}' failed to satisfy constraint: ${rule}`;
}

/**
 * `SerializationException`: the body is not JSON (message '': the answer then carries no text),
 * or a member has the wrong JSON type.
 */
export function serialization(message: string): AwsError {
  return new AwsError('SerializationException', 400, message);
}

/** Item-level calls name no table in the text; table calls do. */
export function resourceNotFound(tableName?: string): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    400,
    tableName === undefined
      ? 'Requested resource not found'
      : `Requested resource not found: Table: ${tableName} not found`,
  );
}

export function resourceInUse(message: string): AwsError {
  return new AwsError('ResourceInUseException', 400, message);
}

/**
 * `ConditionalCheckFailedException`; with ReturnValuesOnConditionCheckFailure=ALL_OLD, the item
 * the condition was checked against (if there was one) rides in the error body as `Item`.
 */
export function conditionalCheckFailed(old?: Item): AwsError {
  return new AwsError('ConditionalCheckFailedException', 400, 'The conditional request failed', {
    ...(old ? { members: { Item: old } } : {}),
  });
}

/** The texts that recur, in one place. */
export const MSG = {
  keySchema: 'The provided key element does not match the schema',
  attrNotExists: 'The provided expression refers to an attribute that does not exist in the item',
  invalidPath: 'The document path provided in the update expression is invalid for update',
  incorrectType: 'An operand in the update expression has an incorrect data type',
  itemTooLarge: 'Item size has exceeded the maximum allowed size',
  updateTooLarge: 'Item size to update has exceeded the maximum allowed size',
  emptyKey: (name: string, binary: boolean) =>
    `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${binary ? 'binary' : 'string'} value. Key: ${name}`,
  missingKey: (name: string) =>
    `One or more parameter values were invalid: Missing the key ${name} in the item`,
  keyType: (name: string, expected: string, actual: string) =>
    `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${expected} actual: ${actual}`,
  keyUpdate: (name: string) =>
    `One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`,
  hashKeyTooLong:
    // sic: DynamoDB's text has no space before the number
    'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
  rangeKeyTooLong:
    'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
  tableExists: (name: string) => `Table already exists: ${name}`,
} as const;
