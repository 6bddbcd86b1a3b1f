/**
 * The item operations: GetItem (one store read), PutItem, UpdateItem and DeleteItem (one
 * transaction each: read the old item, check the ConditionExpression, write). Every call is
 * authorized with `dynamodb:LeadingKeys`, `dynamodb:Attributes`, `dynamodb:Select` and
 * `dynamodb:ReturnValues` as DynamoDB's fine-grained access control defines them.
 */
import type { CallContext } from '../../server/aws/types.js';
import { type Item, itemSize } from './attribute-value.js';
import {
  type OpEnv,
  type Operation,
  auditKey,
  auditTable,
  authorizeTable,
  consumed,
  existing,
  keyOf,
  leadingKeys,
  readConsumedMode,
  readUnits,
  storeKeyOfItem,
  storeKeyOfKey,
  writeUnits,
} from './common.js';
import { MSG, conditionalCheckFailed, resourceNotFound, validation } from './errors.js';
import type { Condition, ResolvedPath } from './expression/ast.js';
import { conditionHolds, project } from './expression/evaluate.js';
import { applyUpdate } from './expression/update.js';
import {
  accessedNames,
  checkKeyPaths,
  readExpressions,
  refuseLegacy,
  topLevelNames,
} from './expressions.js';
import { type Input, type TableRef, readTableName } from './input.js';
import { keyInfo } from './tables.js';
import { ITEMS, type TableRecord } from './types.js';

const MAX_ITEM = 400 * 1024;
const RETURN_VALUES = ['ALL_NEW', 'UPDATED_OLD', 'ALL_OLD', 'NONE', 'UPDATED_NEW'] as const;
type ReturnValues = (typeof RETURN_VALUES)[number];

/** Where a request's table names resolve: the caller's account, the signing region. */
export function home(ctx: CallContext): { account: string; region: string } {
  return { account: ctx.caller?.account ?? '', region: ctx.region };
}

/** The table reference, once `input.done()` guaranteed it. */
export function must<T>(v: T | undefined): T {
  if (v === undefined) throw new TypeError('checked input without its value');
  return v;
}

function readCommon(input: Input, ctx: CallContext, withReturnValues: boolean) {
  const ref = readTableName(input, home(ctx));
  const returnValues = withReturnValues
    ? input.enumOf('ReturnValues', input.str('ReturnValues'), RETURN_VALUES)
    : undefined;
  const mode = readConsumedMode(input);
  input.enumOf('ReturnItemCollectionMetrics', input.str('ReturnItemCollectionMetrics'), [
    'SIZE',
    'NONE',
  ]);
  const onFailure = input.enumOf(
    'ReturnValuesOnConditionCheckFailure',
    input.str('ReturnValuesOnConditionCheckFailure'),
    ['ALL_OLD', 'NONE'],
  );
  return { ref, returnValues, mode, returnOld: onFailure === 'ALL_OLD' };
}

interface WriteOutcome {
  old: Item | undefined;
  item: Item | undefined;
  paths?: ResolvedPath[] | undefined;
}

/**
 * One write in one transaction: the table must still be the one authorized, the condition
 * must hold on the old item, then `write` gives the new item (undefined: delete). A refusal
 * is thrown from inside, so nothing is written.
 */
async function writeItem(
  env: OpEnv,
  table: TableRecord,
  storeKey: string,
  condition: Condition | undefined,
  write: (old: Item | undefined) => { item: Item | undefined; paths?: ResolvedPath[] },
  /** ReturnValuesOnConditionCheckFailure=ALL_OLD: a failed condition answers with the old item */
  returnOld = false,
): Promise<WriteOutcome> {
  return env.deps.store.transaction(async (tx): Promise<WriteOutcome> => {
    if (!(await env.tables.current(tx, table))) throw resourceNotFound();
    const old = (await tx.get<Item>(ITEMS, storeKey))?.value;
    if (condition && !conditionHolds(condition, old))
      throw conditionalCheckFailed(returnOld ? old : undefined);
    const next = write(old);
    if (next.item) await tx.put(ITEMS, storeKey, next.item);
    else if (old) await tx.delete(ITEMS, storeKey);
    return { old, item: next.item, paths: next.paths };
  });
}

export const getItem: Operation = async (env, ctx, input) => {
  const ref = readTableName(input, home(ctx));
  input.notNull('Key', input.body.Key);
  const consistent = input.bool('ConsistentRead') ?? false;
  const mode = readConsumedMode(input);
  input.done();
  const key = must(input.item('Key'));
  const ex = readExpressions(input, ['ProjectionExpression'], ['AttributesToGet']);
  const t = must(ref);
  auditTable(ctx, 'GetItem', t, {
    readOnly: true,
    data: true,
    params: {
      tableName: t.name,
      key: auditKey(key),
      consistentRead: input.bool('ConsistentRead'),
      projectionExpression: input.str('ProjectionExpression'),
      attributesToGet: input.strings('AttributesToGet'),
      expressionAttributeNames: ex.params.names,
      returnConsumedCapacity: mode,
    },
  });
  const table = await env.tables.get(t);
  await authorizeTable(env, ctx, 'GetItem', t, table, {
    'dynamodb:LeadingKeys': leadingKeys(table, key),
    'dynamodb:Attributes': ex.projection ? topLevelNames(ex.projection) : undefined,
    // [inferred] no projection asks for every attribute, as Select ALL_ATTRIBUTES would
    'dynamodb:Select': ex.projection ? 'SPECIFIC_ATTRIBUTES' : 'ALL_ATTRIBUTES',
    'dynamodb:ReturnConsumedCapacity': mode,
  });
  const tb = existing(table);
  const storeKey = storeKeyOfKey(tb, key);
  checkKeyPaths(tb, ex.projection);
  const got = (await env.deps.store.get<Item>(ITEMS, storeKey))?.value;
  const units = readUnits(got ? itemSize(got) : 0, consistent);
  if (!got) return consumed(tb, mode, units);
  return { Item: ex.projection ? project(got, ex.projection) : got, ...consumed(tb, mode, units) };
};

/** Refuses an item over DynamoDB's 400 KB limit with `message`. */
export function checkSize(item: Item, message: string): void {
  if (itemSize(item) > MAX_ITEM) throw validation(message);
}

/**
 * The secondary indexes' key attributes an item carries must have their defined type, and a
 * string or binary one may not be empty: DynamoDB refuses the write (it would be missing
 * from the index, and unqueryable there).
 */
export function checkIndexKeys(table: TableRecord, item: Item): void {
  for (const index of table.indexes) {
    for (const k of index.keySchema) {
      const value = item[k.AttributeName] as Record<string, unknown> | undefined;
      if (value === undefined) continue;
      const actual = Object.keys(value)[0] ?? '';
      const expected = table.attributeDefinitions.find(
        (d) => d.AttributeName === k.AttributeName,
      )?.AttributeType;
      if (expected !== undefined && actual !== expected)
        throw validation(
          `One or more parameter values were invalid: Type mismatch for Index Key ${k.AttributeName} Expected: ${expected} Actual: ${actual} IndexName: ${index.name}`,
        );
      // S and B (base64) alike: an empty key value
      if ((actual === 'S' || actual === 'B') && value[actual] === '')
        throw validation(
          `One or more parameter values were invalid: A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${actual === 'S' ? 'string' : 'binary'} value. IndexName: ${index.name}, IndexKey: ${k.AttributeName}`,
        );
    }
  }
}

function onlyOld(rv: ReturnValues | undefined): void {
  if (rv !== undefined && rv !== 'NONE' && rv !== 'ALL_OLD')
    // [inferred] DynamoDB's text for PutItem/DeleteItem with an update-only ReturnValues
    throw validation('Return values set to invalid value');
}

function returned(
  rv: ReturnValues | undefined,
  r: { old: Item | undefined; item: Item | undefined; paths?: ResolvedPath[] | undefined },
): Record<string, unknown> {
  let attrs: Item | undefined;
  switch (rv) {
    case 'ALL_OLD':
      attrs = r.old;
      break;
    case 'ALL_NEW':
      attrs = r.item;
      break;
    case 'UPDATED_OLD':
      attrs = r.old && project(r.old, r.paths ?? []);
      break;
    case 'UPDATED_NEW':
      attrs = r.item && project(r.item, r.paths ?? []);
      break;
    default:
      attrs = undefined;
  }
  return attrs && Object.keys(attrs).length > 0 ? { Attributes: attrs } : {};
}

/**
 * The condition keys every single-item write carries. `dynamodb:ReturnValues` always has a
 * value — NONE when the request sends none, as DynamoDB's guide says (so a policy may test it
 * with StringEquals, as its own example does); the audit keeps what the client sent.
 */
function keysFor(returnValues: ReturnValues | undefined, mode: string | undefined) {
  return {
    'dynamodb:ReturnValues': returnValues ?? 'NONE',
    'dynamodb:ReturnConsumedCapacity': mode,
  };
}

export const putItem: Operation = async (env, ctx, input) => {
  const { ref, returnValues, mode, returnOld } = readCommon(input, ctx, true);
  input.notNull('Item', input.body.Item);
  input.done();
  const item = must(input.item('Item'));
  const ex = readExpressions(input, ['ConditionExpression'], ['Expected']);
  refuseLegacy(input, ['Expected', 'ConditionalOperator']);
  onlyOld(returnValues);
  const t = must(ref);
  const table = await env.tables.get(t);
  auditTable(ctx, 'PutItem', t, {
    readOnly: false,
    data: true,
    params: {
      tableName: t.name,
      // the key's names come from the table's schema
      key: table ? auditKey(keyOf(table, item)) : undefined,
      item: Object.keys(item),
      conditionExpression: input.str('ConditionExpression'),
      expressionAttributeNames: ex.params.names,
      returnValues,
      returnConsumedCapacity: mode,
    },
  });
  await authorizeTable(env, ctx, 'PutItem', t, table, {
    'dynamodb:LeadingKeys': leadingKeys(table, item),
    // what the item writes, and what its condition reads
    'dynamodb:Attributes': [...new Set([...Object.keys(item), ...(accessedNames(ex) ?? [])])],
    ...keysFor(returnValues, mode),
  });
  const tb = existing(table);
  const { storeKey } = storeKeyOfItem(tb, item);
  checkSize(item, MSG.itemTooLarge);
  checkIndexKeys(tb, item);
  const r = await writeItem(env, tb, storeKey, ex.condition, () => ({ item }), returnOld);
  const units = writeUnits(Math.max(itemSize(item), r.old ? itemSize(r.old) : 0));
  return { ...returned(returnValues, r), ...consumed(tb, mode, units) };
};

export const updateItem: Operation = async (env, ctx, input) => {
  const { ref, returnValues, mode, returnOld } = readCommon(input, ctx, true);
  input.notNull('Key', input.body.Key);
  input.done();
  const key = must(input.item('Key'));
  const ex = readExpressions(
    input,
    ['UpdateExpression', 'ConditionExpression'],
    ['AttributeUpdates', 'Expected'],
  );
  refuseLegacy(input, ['AttributeUpdates', 'Expected', 'ConditionalOperator']);
  const t = must(ref);
  auditTable(ctx, 'UpdateItem', t, {
    readOnly: false,
    data: true,
    params: {
      tableName: t.name,
      key: auditKey(key),
      updateExpression: input.str('UpdateExpression'),
      conditionExpression: input.str('ConditionExpression'),
      expressionAttributeNames: ex.params.names,
      returnValues,
      returnConsumedCapacity: mode,
    },
  });
  const targets = ex.update ? ex.update.actions.map((a) => a.path.resolved ?? []) : [];
  const table = await env.tables.get(t);
  await authorizeTable(env, ctx, 'UpdateItem', t, table, {
    'dynamodb:LeadingKeys': leadingKeys(table, key),
    // what the update writes, and what it and its condition read
    'dynamodb:Attributes': accessedNames(ex),
    ...keysFor(returnValues, mode),
  });
  const tb = existing(table);
  const storeKey = storeKeyOfKey(tb, key);
  const info = keyInfo(tb);
  for (const [first] of targets)
    if (typeof first === 'string' && (first === info.hash || first === info.range))
      throw validation(MSG.keyUpdate(first));
  const update = ex.update;
  const r = await writeItem(
    env,
    tb,
    storeKey,
    ex.condition,
    (old) => {
      const next = update ? applyUpdate(update, old, key) : { item: old ?? key, paths: [] };
      checkSize(next.item, MSG.updateTooLarge);
      checkIndexKeys(tb, next.item);
      return next;
    },
    returnOld,
  );
  const units = writeUnits(Math.max(r.item ? itemSize(r.item) : 0, r.old ? itemSize(r.old) : 0));
  return { ...returned(returnValues, r), ...consumed(tb, mode, units) };
};

export const deleteItem: Operation = async (env, ctx, input) => {
  const { ref, returnValues, mode, returnOld } = readCommon(input, ctx, true);
  input.notNull('Key', input.body.Key);
  input.done();
  const key = must(input.item('Key'));
  const ex = readExpressions(input, ['ConditionExpression'], ['Expected']);
  refuseLegacy(input, ['Expected', 'ConditionalOperator']);
  onlyOld(returnValues);
  const t: TableRef = must(ref);
  auditTable(ctx, 'DeleteItem', t, {
    readOnly: false,
    data: true,
    params: {
      tableName: t.name,
      key: auditKey(key),
      conditionExpression: input.str('ConditionExpression'),
      expressionAttributeNames: ex.params.names,
      returnValues,
      returnConsumedCapacity: mode,
    },
  });
  const table = await env.tables.get(t);
  await authorizeTable(env, ctx, 'DeleteItem', t, table, {
    'dynamodb:LeadingKeys': leadingKeys(table, key),
    'dynamodb:Attributes': accessedNames(ex),
    ...keysFor(returnValues, mode),
  });
  const tb = existing(table);
  const storeKey = storeKeyOfKey(tb, key);
  const r = await writeItem(
    env,
    tb,
    storeKey,
    ex.condition,
    () => ({ item: undefined }),
    returnOld,
  );
  const units = writeUnits(r.old ? itemSize(r.old) : 0);
  return { ...returned(returnValues, r), ...consumed(tb, mode, units) };
};
