/**
 * What every DynamoDB operation shares: the table it names, its authorization (`dynamodb:<Op>`
 * on the table ARN, with the table's tags as `aws:ResourceTag/*` and DynamoDB's own condition
 * keys), its audit notes in CloudTrail's shape, key checks against the table's schema and
 * ReturnConsumedCapacity.
 */
import { type CallContext, HIDDEN } from '../../server/aws/types.js';
import { JSON_ACCESS_DENIED } from '../../server/aws/denied.js';
import type { ContextInput } from '../../policy/context.js';
import { type AttributeValue, type Item, scalarText, typeOf } from './attribute-value.js';
import { MSG, resourceNotFound, validation } from './errors.js';
import { Input, type TableRef, readTableName } from './input.js';
import { itemStoreKey } from './key-codec.js';
import { own, put } from '../../common/own.js';
import { type TableRepository, keyInfo } from './tables.js';
import type { DynamoDeps, KeyInfo, TableRecord } from './types.js';

export interface OpEnv {
  deps: DynamoDeps;
  tables: TableRepository;
}

/** An operation: reads its input, authorizes, executes; returns the response body. */
export type Operation = (env: OpEnv, ctx: CallContext, input: Input) => Promise<object>;

/** Fills the audit notes of a call on a table. */
export function auditTable(
  ctx: CallContext,
  op: string,
  ref: TableRef | undefined,
  opts: { readOnly: boolean; data: boolean; params: Record<string, unknown> },
): void {
  ctx.audit.eventName = op;
  ctx.audit.eventSource = 'dynamodb.amazonaws.com';
  ctx.audit.readOnly = opts.readOnly;
  ctx.audit.eventCategory = opts.data ? 'Data' : 'Management';
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts.params)) if (v !== undefined) params[k] = v;
  ctx.audit.requestParameters = params;
  ctx.audit.responseElements = null;
  if (ref) {
    ctx.audit.resources = [{ ARN: ref.arn, accountId: ref.account, type: 'AWS::DynamoDB::Table' }];
    if (ctx.caller && ref.account !== ctx.caller.account)
      ctx.audit.recipientAccountId = ref.account;
  }
}

/**
 * The notes of a call before its input is read, from the operation's kind and the table names
 * it sends: an item operation is a data event (eventVersion 1.10, no management event) however
 * it fails, and the tables it names are its resources and its requestParameters' `tableName`s.
 * A call refused for its input — an item's number that is not one, a table name CreateTable
 * refuses — is so recorded as what it is; the operation's own notes (auditTable) replace these
 * once it has read its input.
 */
export function auditCall(
  ctx: CallContext,
  op: string,
  body: Readonly<Record<string, unknown>>,
  opts: { readOnly: boolean; data: boolean; where: { account: string; region: string } },
): void {
  ctx.audit.eventName = op;
  ctx.audit.eventSource = 'dynamodb.amazonaws.com';
  ctx.audit.readOnly = opts.readOnly;
  ctx.audit.eventCategory = opts.data ? 'Data' : 'Management';
  const named = (name: string) => {
    const input = new Input({ TableName: name });
    const ref = readTableName(input, opts.where, op === 'CreateTable');
    return { tableName: ref?.name ?? name, ref };
  };
  const items = body.RequestItems;
  if (typeof body.TableName === 'string') {
    const { tableName, ref } = named(body.TableName);
    auditTable(ctx, op, ref, { ...opts, params: { tableName } });
  } else if (items && typeof items === 'object' && !Array.isArray(items)) {
    // BatchGetItem, BatchWriteItem: a table per RequestItems key
    const tables = Object.keys(items).map(named);
    ctx.audit.requestParameters = { requestItems: tables.map((t) => ({ tableName: t.tableName })) };
    ctx.audit.resources = tables.flatMap((t) =>
      t.ref ? [{ ARN: t.ref.arn, accountId: t.ref.account, type: 'AWS::DynamoDB::Table' }] : [],
    );
  }
}

/** A key as CloudTrail's requestParameters show it here: the names, values hidden. */
export function auditKey(key: Item | undefined): Record<string, string> | undefined {
  if (!key) return undefined;
  const out: Record<string, string> = {};
  for (const k of Object.keys(key)) put(out, k, HIDDEN);
  return out;
}

/**
 * Authorizes `dynamodb:<action>` on the table (existing or not) or one of its indexes, with
 * the table's tags and the request's condition keys. A refusal is DynamoDB's AccessDeniedException (HTTP 400).
 */
export async function authorizeTable(
  env: OpEnv,
  ctx: CallContext,
  action: string,
  ref: TableRef,
  table: TableRecord | undefined,
  keys: Record<string, ContextInput[string]> = {},
  index?: string | undefined,
): Promise<void> {
  const context: Record<string, ContextInput[string]> = { ...keys };
  if (table) for (const t of table.tags) context[`aws:ResourceTag/${t.Key}`] = t.Value;
  await env.deps.authorize(ctx, {
    action: `dynamodb:${action}`,
    resource: index === undefined ? ref.arn : `${ref.arn}/index/${index}`,
    resourceAccount: ref.account,
    context,
    deniedCode: JSON_ACCESS_DENIED,
    // the partition keys asked for are item data: the trail keeps none of them
    hiddenKeys: ['dynamodb:LeadingKeys'],
  });
}

/** The table, once authorized; ResourceNotFoundException when it does not exist. */
export function existing(table: TableRecord | undefined, named?: string): TableRecord {
  if (!table) throw resourceNotFound(named);
  return table;
}

/** `dynamodb:LeadingKeys` of a request whose key (or item) is `key`. */
export function leadingKeys(
  table: TableRecord | undefined,
  key: Item | undefined,
): string[] | undefined {
  if (!table || !key) return undefined;
  const v = own(key, keyInfo(table).hash);
  return v === undefined ? undefined : [scalarText(v)];
}

function isEmptyKeyValue(v: AttributeValue): 'S' | 'B' | undefined {
  if ('S' in v && v.S === '') return 'S';
  if ('B' in v && v.B === '') return 'B';
  return undefined;
}

function checkKeySize(info: KeyInfo, item: Item): void {
  const size = (v: AttributeValue | undefined) =>
    v === undefined
      ? 0
      : 'S' in v
        ? Buffer.byteLength(v.S)
        : 'B' in v
          ? Buffer.from(v.B, 'base64').length
          : 0;
  if (size(own(item, info.hash)) > 2048) throw validation(MSG.hashKeyTooLong);
  if (info.range !== undefined && size(own(item, info.range)) > 1024)
    throw validation(MSG.rangeKeyTooLong);
}

/** Checks a request's Key against the schema; returns its store key. */
export function storeKeyOfKey(table: TableRecord, key: Item): string {
  const info = keyInfo(table);
  for (const [name, v] of Object.entries(key)) {
    const empty = isEmptyKeyValue(v);
    if (empty && (name === info.hash || name === info.range))
      throw validation(MSG.emptyKey(name, empty === 'B'));
  }
  const names = Object.keys(key);
  const want = info.range === undefined ? 1 : 2;
  const hash = own(key, info.hash);
  const range = info.range === undefined ? undefined : own(key, info.range);
  if (
    names.length !== want ||
    hash === undefined ||
    typeOf(hash) !== info.hashType ||
    (info.range !== undefined && (range === undefined || typeOf(range) !== info.rangeType))
  )
    throw validation(MSG.keySchema);
  checkKeySize(info, key);
  return itemStoreKey(table.id, hash, range);
}

/** Checks a PutItem item's key attributes; returns its store key and its key. */
export function storeKeyOfItem(table: TableRecord, item: Item): { storeKey: string; key: Item } {
  const info = keyInfo(table);
  const check = (name: string, type: string): AttributeValue => {
    const v = own(item, name);
    if (v === undefined) throw validation(MSG.missingKey(name));
    const actual = typeOf(v);
    if (actual !== type) throw validation(MSG.keyType(name, type, actual));
    const empty = isEmptyKeyValue(v);
    if (empty) throw validation(MSG.emptyKey(name, empty === 'B'));
    return v;
  };
  const hash = check(info.hash, info.hashType);
  const range = info.range === undefined ? undefined : check(info.range, info.rangeType ?? 'S');
  checkKeySize(info, item);
  const key: Item = {};
  put(key, info.hash, hash);
  if (info.range !== undefined && range) put(key, info.range, range);
  return { storeKey: itemStoreKey(table.id, hash, range), key };
}

/** The key attributes of a stored item. */
export function keyOf(table: TableRecord, item: Item): Item {
  const info = keyInfo(table);
  const key: Item = {};
  const h = own(item, info.hash);
  if (h) put(key, info.hash, h);
  if (info.range !== undefined) {
    const r = own(item, info.range);
    if (r) put(key, info.range, r);
  }
  return key;
}

const RCC = ['INDEXES', 'TOTAL', 'NONE'] as const;

/** Reads ReturnConsumedCapacity (constraint failures go to the input). */
export function readConsumedMode(input: Input): (typeof RCC)[number] | undefined {
  return input.enumOf('ReturnConsumedCapacity', input.str('ReturnConsumedCapacity'), RCC);
}

/** ConsumedCapacity as DynamoDB reports it, when asked. */
export function consumed(
  table: TableRecord,
  mode: string | undefined,
  units: number,
): Record<string, unknown> {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return {};
  const c: Record<string, unknown> = { TableName: table.name, CapacityUnits: units };
  if (mode === 'INDEXES') c.Table = { CapacityUnits: units };
  return { ConsumedCapacity: c };
}

/** Read capacity units for `bytes` read (4 KB units, halved when eventually consistent). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/** Write capacity units for `bytes` written (1 KB units). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}
