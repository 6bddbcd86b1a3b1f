/**
 * BatchGetItem and BatchWriteItem (what boto3's `batch_writer` and the DocumentClient's batch
 * commands send). Each table is authorized as `dynamodb:BatchGetItem` / `dynamodb:BatchWriteItem`
 * with the LeadingKeys of all its keys; irsakit processes every request (no UnprocessedKeys)
 * and applies a BatchWriteItem in one transaction.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type AttributeValue, type Item, expectMap, itemSize } from './attribute-value.js';
import {
  type OpEnv,
  type Operation,
  auditKey,
  authorizeTable,
  consumed,
  existing,
  leadingKeys,
  readConsumedMode,
  readUnits,
  storeKeyOfItem,
  storeKeyOfKey,
  writeUnits,
} from './common.js';
import { MSG, constraint, constraints, resourceNotFound, validation } from './errors.js';
import { project } from './expression/evaluate.js';
import { checkKeyPaths, readExpressions, topLevelNames } from './expressions.js';
import { Input, type TableRef, readTableName } from './input.js';
import { checkIndexKeys, checkSize, home } from './items.js';
import { ITEMS, type TableRecord } from './types.js';
import type { CallContext } from '../../server/aws/types.js';
import { put } from '../../common/own.js';

const MAX_GET = 100;
const MAX_WRITE = 25;

function requestItems(input: Input): Record<string, unknown> {
  const raw = input.map('RequestItems');
  if (raw === undefined)
    throw constraints([constraint(null, 'requestItems', 'Member must not be null')]);
  if (Object.keys(raw).length === 0)
    throw constraints([
      constraint('{}', 'requestItems', 'Member must have length greater than or equal to 1'),
    ]);
  return raw;
}

function tableRef(ctx: CallContext, name: string): TableRef {
  const input = new Input({ TableName: name });
  const ref = readTableName(input, home(ctx));
  input.done();
  if (!ref) throw new TypeError('checked table name without a reference');
  return ref;
}

/**
 * The key of the stand-in hashes below: fresh each process, so that a hash in an error message
 * (and so in the trail) says nothing about the value it stands for.
 */
const HASH_KEY = randomBytes(32);

/**
 * An attribute value as DynamoDB echoes it in a constraint failure: Java's default rendering,
 * `com.amazonaws.dynamodb.v20120810.AttributeValue@<hash>`, equal values with equal hashes.
 * [inferred] the hash: DynamoDB's is Java's hashCode of the value; irsakit's is a keyed one.
 */
function javaAttributeValue(v: AttributeValue): string {
  const hash = createHmac('sha256', HASH_KEY).update(JSON.stringify(v)).digest().readUInt32BE(0);
  return `com.amazonaws.dynamodb.v20120810.AttributeValue@${hash.toString(16)}`;
}

/** An item or key as a Java map of attribute values: `{pk=…AttributeValue@1a2b3c}` */
function javaItem(item: Item): string {
  return `{${Object.entries(item)
    .map(([name, v]) => `${name}=${javaAttributeValue(v)}`)
    .join(', ')}}`;
}

/**
 * A WriteRequest as DynamoDB echoes it (its model's generated toString). [inferred] a
 * DeleteRequest's fields mirror the PutRequest's, which is the one observed.
 */
function javaWriteRequest(w: WriteRequest): string {
  return w.kind === 'put'
    ? `WriteRequest(putRequest=PutRequest(item=${javaItem(w.item)}, workloadProfileName=null), deleteRequest=null)`
    : `WriteRequest(putRequest=null, deleteRequest=DeleteRequest(key=${javaItem(w.key)}, workloadProfileName=null))`;
}

/**
 * Each table's list of a BatchWriteItem holds 1 to 25 requests: Coral's constraint on the map's
 * values, reported with the whole map echoed (`{my-table=[]}`), before DynamoDB counts the
 * requests of all tables together.
 */
function checkWriteLists(requests: { name: string; writes: WriteRequest[] }[]): void {
  if (requests.every((r) => r.writes.length >= 1 && r.writes.length <= MAX_WRITE)) return;
  const echoed = `{${requests
    .map((r) => `${r.name}=[${r.writes.map(javaWriteRequest).join(', ')}]`)
    .join(', ')}}`;
  throw constraints([
    constraint(
      echoed,
      'requestItems',
      `Map value must satisfy constraint: [Member must have length less than or equal to ${MAX_WRITE}, Member must have length greater than or equal to 1]`,
    ),
  ]);
}

function noDuplicates(keys: string[]): void {
  if (new Set(keys).size !== keys.length)
    throw validation('Provided list of item keys contains duplicates');
}

function audit(
  ctx: CallContext,
  op: string,
  readOnly: boolean,
  refs: TableRef[],
  params: unknown[],
) {
  ctx.audit.eventName = op;
  ctx.audit.eventSource = 'dynamodb.amazonaws.com';
  ctx.audit.readOnly = readOnly;
  ctx.audit.eventCategory = 'Data';
  ctx.audit.requestParameters = { requestItems: params };
  ctx.audit.responseElements = null;
  ctx.audit.resources = refs.map((r) => ({
    ARN: r.arn,
    accountId: r.account,
    type: 'AWS::DynamoDB::Table',
  }));
}

export const batchGetItem: Operation = async (env: OpEnv, ctx, input) => {
  const raw = requestItems(input);
  const mode = readConsumedMode(input);
  input.done();
  const requests = Object.keys(raw).map((name) => {
    const sub = new Input(expectMap(raw[name], true));
    const keysRaw = sub.list('Keys');
    if (keysRaw === undefined)
      throw constraints([
        constraint(null, `requestItems.${name}.member.keys`, 'Member must not be null'),
      ]);
    const keys = keysRaw.map((k) => new Input({ Key: k }).item('Key') as Item);
    // Coral's constraint on each table's Keys (1 to 100); [inferred] the list of keys echoed as
    // the WriteRequests of BatchWriteItem are (observed for the empty list only: '[]')
    if (keys.length === 0 || keys.length > MAX_GET)
      throw constraints([
        constraint(
          `[${keys.map(javaItem).join(', ')}]`,
          `requestItems.${name}.member.keys`,
          keys.length === 0
            ? 'Member must have length greater than or equal to 1'
            : `Member must have length less than or equal to ${MAX_GET}`,
        ),
      ]);
    const ex = readExpressions(sub, ['ProjectionExpression'], ['AttributesToGet']);
    return {
      name,
      ref: tableRef(ctx, name),
      keys,
      ex,
      consistent: sub.bool('ConsistentRead') ?? false,
    };
  });
  // every table within 100, more than 100 together: DynamoDB's own count
  if (requests.reduce((n, r) => n + r.keys.length, 0) > MAX_GET)
    throw validation('Too many items requested for the BatchGetItem call');
  audit(
    ctx,
    'BatchGetItem',
    true,
    requests.map((r) => r.ref),
    requests.map((r) => ({ tableName: r.name, keys: r.keys.map(auditKey) })),
  );
  const tables = new Map<string, TableRecord>();
  for (const r of requests) {
    const table = await env.tables.get(r.ref);
    await authorizeTable(env, ctx, 'BatchGetItem', r.ref, table, {
      'dynamodb:LeadingKeys': r.keys.flatMap((k) => leadingKeys(table, k) ?? []),
      'dynamodb:Attributes': r.ex.projection ? topLevelNames(r.ex.projection) : undefined,
      'dynamodb:Select': r.ex.projection ? 'SPECIFIC_ATTRIBUTES' : 'ALL_ATTRIBUTES',
      'dynamodb:ReturnConsumedCapacity': mode,
    });
    tables.set(r.name, existing(table));
  }
  const responses: Record<string, Item[]> = {};
  const capacity: Record<string, unknown>[] = [];
  for (const r of requests) {
    const table = tables.get(r.name) as TableRecord;
    const storeKeys = r.keys.map((k) => storeKeyOfKey(table, k));
    checkKeyPaths(table, r.ex.projection);
    noDuplicates(storeKeys);
    const items: Item[] = [];
    let units = 0;
    for (const sk of storeKeys) {
      const got = (await env.deps.store.get<Item>(ITEMS, sk))?.value;
      units += readUnits(got ? itemSize(got) : 0, r.consistent);
      if (got) items.push(r.ex.projection ? project(got, r.ex.projection) : got);
    }
    put(responses, r.name, items);
    const c = consumed(table, mode, units).ConsumedCapacity;
    if (c) capacity.push(c as Record<string, unknown>);
  }
  return {
    Responses: responses,
    UnprocessedKeys: {},
    ...(mode === 'TOTAL' || mode === 'INDEXES' ? { ConsumedCapacity: capacity } : {}),
  };
};

type WriteRequest = { kind: 'put'; item: Item } | { kind: 'delete'; key: Item };

export const batchWriteItem: Operation = async (env, ctx, input) => {
  const raw = requestItems(input);
  const mode = readConsumedMode(input);
  input.done();
  const requests = Object.keys(raw).map((name) => {
    const list = new Input({ L: raw[name] }).list('L') ?? [];
    const writes = list.map((w): WriteRequest => {
      const m = expectMap(w, true);
      const put =
        m.PutRequest === undefined || m.PutRequest === null
          ? undefined
          : expectMap(m.PutRequest, true);
      const del =
        m.DeleteRequest === undefined || m.DeleteRequest === null
          ? undefined
          : expectMap(m.DeleteRequest, true);
      if ((put === undefined) === (del === undefined))
        // [inferred] the text for a WriteRequest with neither or both requests
        throw validation(
          'One or more parameter values were invalid: a WriteRequest must contain exactly one of PutRequest and DeleteRequest',
        );
      if (put) {
        const item = new Input(put).item('Item');
        if (!item)
          throw constraints([
            constraint(
              null,
              `requestItems.${name}.member.putRequest.item`,
              'Member must not be null',
            ),
          ]);
        return { kind: 'put', item };
      }
      const key = new Input(del ?? {}).item('Key');
      if (!key)
        throw constraints([
          constraint(
            null,
            `requestItems.${name}.member.deleteRequest.key`,
            'Member must not be null',
          ),
        ]);
      return { kind: 'delete', key };
    });
    return { name, ref: tableRef(ctx, name), writes };
  });
  checkWriteLists(requests);
  // every table within 25, more than 25 together: DynamoDB's own count
  if (requests.reduce((n, r) => n + r.writes.length, 0) > MAX_WRITE)
    throw validation('Too many items requested for the BatchWriteItem call');
  audit(
    ctx,
    'BatchWriteItem',
    false,
    requests.map((r) => r.ref),
    requests.map((r) => ({
      tableName: r.name,
      writes: r.writes.map((w) =>
        w.kind === 'put'
          ? { putRequest: { item: Object.keys(w.item) } }
          : { deleteRequest: { key: auditKey(w.key) } },
      ),
    })),
  );
  const tables = new Map<string, TableRecord>();
  for (const r of requests) {
    const table = await env.tables.get(r.ref);
    const attrs = new Set<string>();
    for (const w of r.writes)
      if (w.kind === 'put') for (const a of Object.keys(w.item)) attrs.add(a);
    await authorizeTable(env, ctx, 'BatchWriteItem', r.ref, table, {
      'dynamodb:LeadingKeys': r.writes.flatMap(
        (w) => leadingKeys(table, w.kind === 'put' ? w.item : w.key) ?? [],
      ),
      'dynamodb:Attributes': attrs.size > 0 ? [...attrs] : undefined,
      'dynamodb:ReturnConsumedCapacity': mode,
    });
    tables.set(r.name, existing(table));
  }
  const plan = requests.map((r) => {
    const table = tables.get(r.name) as TableRecord;
    const ops = r.writes.map((w) => {
      if (w.kind === 'put') {
        const { storeKey } = storeKeyOfItem(table, w.item);
        checkSize(w.item, MSG.itemTooLarge);
        checkIndexKeys(table, w.item);
        return { storeKey, item: w.item as Item | undefined };
      }
      return { storeKey: storeKeyOfKey(table, w.key), item: undefined };
    });
    noDuplicates(ops.map((o) => o.storeKey));
    return { table, ops };
  });
  const units = await env.deps.store.transaction(async (tx) => {
    const out: { table: TableRecord; units: number }[] = [];
    for (const { table, ops } of plan) {
      if (!(await env.tables.current(tx, table))) throw resourceNotFound();
      let n = 0;
      for (const o of ops) {
        if (o.item) {
          await tx.put(ITEMS, o.storeKey, o.item);
          n += writeUnits(itemSize(o.item));
        } else {
          await tx.delete(ITEMS, o.storeKey);
          n += 1;
        }
      }
      out.push({ table, units: n });
    }
    return out;
  });
  const capacity = units.flatMap((u) => {
    const c = consumed(u.table, mode, u.units).ConsumedCapacity;
    return c ? [c] : [];
  });
  return {
    UnprocessedItems: {},
    ...(mode === 'TOTAL' || mode === 'INDEXES' ? { ConsumedCapacity: capacity } : {}),
  };
};
