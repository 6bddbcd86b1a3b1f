/**
 * DynamoDB on the edge (JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Op>`): the request body
 * read as JSON (SerializationException otherwise), the operation dispatched, the answer sent
 * with its `x-amz-crc32` (botocore checks it when present). Errors are thrown as `AwsError`
 * and rendered by the edge.
 */
import { AwsError } from '../../common/aws-error.js';
import { jsonHasLoneSurrogate, utf8Text } from '../../common/utf8.js';
import type { ServiceHandler } from '../../server/aws/types.js';
import { type OpEnv, type Operation, auditCall } from './common.js';
import { batchGetItem, batchWriteItem } from './batch.js';
import { crc32 } from './crc32.js';
import { serialization } from './errors.js';
import { Input } from './input.js';
import { deleteItem, getItem, home, putItem, updateItem } from './items.js';
import { query, scan } from './query.js';
import {
  createTable,
  deleteTable,
  describeTableOp,
  listTables,
  listTagsOfResource,
  tagResource,
  untagResource,
} from './table-ops.js';
import { TableRepository } from './tables.js';
import type { DynamoDeps } from './types.js';
import { table } from '../../common/own.js';

const OPERATIONS: Readonly<Record<string, Operation>> = table({
  CreateTable: createTable,
  DescribeTable: describeTableOp,
  ListTables: listTables,
  DeleteTable: deleteTable,
  GetItem: getItem,
  PutItem: putItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  Query: query,
  Scan: scan,
  BatchGetItem: batchGetItem,
  BatchWriteItem: batchWriteItem,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsOfResource: listTagsOfResource,
});

/** The operations irsakit serves, by name. */
export const DYNAMODB_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

function readBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  // bytes that are not UTF-8 and lone surrogates are not text: leniently decoded, two keys
  // became one item (both U+FFFD) [inferred: unparseable, as Jackson finds them]
  const text = utf8Text(body);
  if (text === undefined) throw serialization('');
  try {
    parsed = JSON.parse(text);
  } catch {
    // DynamoDB answers unparseable JSON with a SerializationException without a message
    throw serialization('');
  }
  if (jsonHasLoneSurrogate(text, parsed)) throw serialization('');
  if (parsed === null) return {};
  if (Array.isArray(parsed)) throw serialization('Start of list found where not expected');
  if (typeof parsed !== 'object') throw serialization('Expected null');
  return parsed as Record<string, unknown>;
}

/**
 * Creates the DynamoDB service handler (register it as `services.dynamodb`).
 *
 * @example
 * services.dynamodb = createDynamoDbService({ store, authorize, clock });
 */
export function createDynamoDbService(deps: DynamoDeps): ServiceHandler {
  const env: OpEnv = { deps, tables: new TableRepository(deps.store) };
  const handler: ServiceHandler = async (ctx, raw, route) => {
    const name = route.operation;
    ctx.audit.eventSource = 'dynamodb.amazonaws.com';
    const op =
      route.protocol === 'json' && name && Object.hasOwn(OPERATIONS, name)
        ? OPERATIONS[name]
        : undefined;
    if (!op || !name) {
      ctx.audit.eventName = name;
      throw new AwsError(
        'UnknownOperationException',
        400,
        // [inferred] DynamoDB sends no message; irsakit names what it does not serve
        name && /^[A-Za-z]+$/.test(name)
          ? `irsakit does not implement DynamoDB ${name}`
          : 'An unknown operation was requested.',
      );
    }
    ctx.audit.eventName = name;
    let body: Record<string, unknown> = {};
    // a call refused before the operation noted its table (a body that is not JSON, an input
    // it refuses) is still the operation's kind of event, on the tables it names; noted only
    // then, as an operation that reads its input notes them itself (auditTable)
    const noteCall = () => {
      if (ctx.audit.requestParameters === undefined)
        auditCall(ctx, name, body, {
          readOnly: READ_ONLY_OPERATIONS.has(name),
          data: ITEM_OPERATIONS.has(name),
          where: home(ctx),
        });
    };
    let result: object;
    try {
      body = readBody(raw.body);
      result = await op(env, ctx, new Input(body));
    } catch (e) {
      noteCall();
      throw e;
    }
    const text = JSON.stringify(result);
    return {
      status: 200,
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'x-amz-crc32': String(crc32(text)),
      },
      body: text,
    };
  };
  handler.describe = (_raw, route) => {
    const name = route.operation;
    if (!name || !Object.hasOwn(OPERATIONS, name)) return undefined;
    return {
      eventName: name,
      eventSource: 'dynamodb.amazonaws.com',
      readOnly: READ_ONLY_OPERATIONS.has(name),
      eventCategory: ITEM_OPERATIONS.has(name) ? 'Data' : 'Management',
    };
  };
  return handler;
}

/** the operations on items: CloudTrail data events */
const ITEM_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
]);
const READ_ONLY_OPERATIONS = new Set([
  'GetItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'DescribeTable',
  'ListTables',
  'ListTagsOfResource',
]);
