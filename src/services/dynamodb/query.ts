/**
 * Query and Scan. A table Query reads one partition as one key-prefix scan of the store, in
 * sort-key order (begins_with narrows the prefix; `=` is one read); a Scan reads the table's
 * prefix. Then, as DynamoDB: ExclusiveStartKey, Limit on the items evaluated (before the
 * filter), a 1 MB page, FilterExpression, projection or Select COUNT, LastEvaluatedKey.
 * Indexes are read from the table and ordered by the index key (correct, not fast).
 */
import { crc32 } from './crc32.js';
import { AwsError } from '../../common/aws-error.js';
import { type Item, itemSize, scalarText, typeOf } from './attribute-value.js';
import {
  type Operation,
  auditKey,
  auditTable,
  authorizeTable,
  consumed,
  existing,
  keyOf,
  readConsumedMode,
  readUnits,
  storeKeyOfKey,
} from './common.js';
import { validation } from './errors.js';
import type { Condition, Operand, ResolvedPath } from './expression/ast.js';
import { conditionHolds, project } from './expression/evaluate.js';
import { accessedNames, checkKeyPaths, readExpressions, refuseLegacy } from './expressions.js';
import { type Input, readTableName } from './input.js';
import { home, must } from './items.js';
import { encodeKeyValue, itemStoreKey, partitionPrefix, tablePrefix } from './key-codec.js';
import { type KeyCondition, keyCondition, rangeHolds } from './key-condition.js';
import { own, put } from '../../common/own.js';
import { keyInfo } from './tables.js';
import { ITEMS, type IndexRecord, type KeyInfo, type TableRecord } from './types.js';

const SELECT = [
  'SPECIFIC_ATTRIBUTES',
  'COUNT',
  'ALL_ATTRIBUTES',
  'ALL_PROJECTED_ATTRIBUTES',
] as const;
type Select = (typeof SELECT)[number];
const PAGE_BYTES = 1024 * 1024;

interface Row {
  storeKey: string;
  item: Item;
  /** order within an index: the encoded index sort key, then the store key */
  order: string;
}

function indexOf(table: TableRecord, name: string | undefined): IndexRecord | undefined {
  if (name === undefined) return undefined;
  const ix = table.indexes.find((i) => i.name === name);
  if (!ix) throw validation(`The table does not have the specified index: ${name}`);
  return ix;
}

function indexKeyInfo(table: TableRecord, ix: IndexRecord): KeyInfo {
  return keyInfo({ keySchema: ix.keySchema, attributeDefinitions: table.attributeDefinitions });
}

function effectiveSelect(
  select: Select | undefined,
  projection: ResolvedPath[] | undefined,
  index: string | undefined,
  query: boolean,
): Select {
  const wrap = (m: string) => validation(query ? `1 validation error detected: ${m}` : m);
  if (select === undefined)
    return projection
      ? 'SPECIFIC_ATTRIBUTES'
      : index !== undefined
        ? 'ALL_PROJECTED_ATTRIBUTES'
        : 'ALL_ATTRIBUTES';
  if (projection && select === 'COUNT')
    throw wrap('Cannot specify the ProjectionExpression when choosing to get only the Count');
  if (projection && select === 'ALL_ATTRIBUTES')
    throw wrap('Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES');
  if (projection && select === 'ALL_PROJECTED_ATTRIBUTES')
    throw wrap(
      'Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES',
    );
  if (!projection && select === 'SPECIFIC_ATTRIBUTES')
    throw wrap(
      'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES',
    );
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && index === undefined)
    throw wrap('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  return select;
}

/**
 * A global secondary index cannot fetch from its table: ALL_ATTRIBUTES is for one that
 * projects everything.
 */
function checkGlobalSelect(
  table: TableRecord | undefined,
  ix: IndexRecord | undefined,
  select: Select,
  projection: readonly ResolvedPath[] | undefined,
): void {
  if (!table || !ix?.global || ix.projection.ProjectionType === 'ALL') return;
  if (select === 'ALL_ATTRIBUTES')
    throw validation(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${ix.name} because its projection type is not ALL`,
    );
  // nor can it answer with an attribute it does not hold
  const held = new Set(projectedNames(table, ix));
  const missing = [
    ...new Set(
      (projection ?? []).map((p) => p[0]).filter((n): n is string => typeof n === 'string'),
    ),
  ].filter((n) => !held.has(n));
  if (missing.length > 0)
    throw validation(
      `One or more parameter values were invalid: Global secondary index ${ix.name} does not project [${missing.join(', ')}]`,
    );
}

/** The attributes an index holds: its keys, the table's, and what it projects. */
function projectedNames(table: TableRecord, ix: IndexRecord): string[] {
  return [
    ...table.keySchema.map((k) => k.AttributeName),
    ...ix.keySchema.map((k) => k.AttributeName),
    ...(ix.projection.ProjectionType === 'INCLUDE' ? (ix.projection.NonKeyAttributes ?? []) : []),
  ];
}

/** What an index returns for ALL_PROJECTED_ATTRIBUTES: its keys, the table's, and its projection. */
function indexProjection(table: TableRecord, ix: IndexRecord, item: Item): Item {
  if (ix.projection.ProjectionType === 'ALL') return item;
  const names = new Set<string>(projectedNames(table, ix));
  const out: Item = {};
  for (const n of names) {
    const v = own(item, n);
    if (v !== undefined) put(out, n, v);
  }
  return out;
}

function readStartKey(input: Input): Item | undefined {
  try {
    return input.item('ExclusiveStartKey');
  } catch (e) {
    if (e instanceof AwsError && e.code === 'ValidationException')
      throw validation(`The provided starting key is invalid: ${e.message}`);
    throw e;
  }
}

function invalidStart(message = 'The provided key element does not match the schema'): AwsError {
  return validation(`The provided starting key is invalid: ${message}`);
}

/** The table item a start key names, and its position in an index's order. */
function startPosition(
  table: TableRecord,
  start: Item,
  ix: IndexRecord | undefined,
  scanning: boolean,
): { storeKey: string; order: string } {
  const tableKey: Item = {};
  const info = keyInfo(table);
  for (const n of [info.hash, info.range]) {
    if (n === undefined) continue;
    const v = own(start, n);
    if (v === undefined) throw invalidStart();
    put(tableKey, n, v);
  }
  let storeKey: string;
  try {
    storeKey = storeKeyOfKey(table, tableKey);
  } catch {
    throw invalidStart();
  }
  if (!ix) return { storeKey, order: storeKey };
  const ik = indexKeyInfo(table, ix);
  const hv = own(start, ik.hash);
  const rv = ik.range === undefined ? undefined : own(start, ik.range);
  if (hv === undefined || (ik.range !== undefined && rv === undefined)) throw invalidStart();
  const sort = `${rv ? encodeKeyValue(rv) : ''}/${storeKey}`;
  return { storeKey, order: scanning ? `${encodeKeyValue(hv)}/${sort}` : sort };
}

/** The rows of a table query (one partition, in sort-key order), or of an index. */
async function candidates(
  input: { table: TableRecord; ix: IndexRecord | undefined; kc: KeyCondition | undefined },
  read: (prefix: string) => Promise<{ key: string; value: Item }[]>,
  get: (key: string) => Promise<Item | undefined>,
): Promise<Row[]> {
  const { table, ix, kc } = input;
  if (!ix) {
    const info = keyInfo(table);
    if (kc && info.range === undefined) {
      const key = itemStoreKey(table.id, kc.hash);
      const item = await get(key);
      return item ? [{ storeKey: key, item, order: key }] : [];
    }
    if (kc && kc.range?.op === '=') {
      const key = itemStoreKey(table.id, kc.hash, kc.range.values[0]);
      const item = await get(key);
      return item ? [{ storeKey: key, item, order: key }] : [];
    }
    let prefix = kc ? partitionPrefix(table.id, kc.hash) : tablePrefix(table.id);
    const v = kc?.range?.values[0];
    if (kc?.range?.op === 'begins_with' && v && !('N' in v)) prefix += encodeKeyValue(v);
    const rows = await read(prefix);
    return rows
      .filter((r) => !kc?.range || rangeHolds(kc.range, own(r.value, info.range ?? '')))
      .map((r) => ({ storeKey: r.key, item: r.value, order: r.key }));
  }
  const ik = indexKeyInfo(table, ix);
  const rows: Row[] = [];
  for (const r of await read(tablePrefix(table.id))) {
    const h = own(r.value, ik.hash);
    const s = ik.range === undefined ? undefined : own(r.value, ik.range);
    // an item without the index's key attributes (of the right types) is not in the index
    if (!h || typeOf(h) !== ik.hashType) continue;
    if (ik.range !== undefined && (!s || typeOf(s) !== ik.rangeType)) continue;
    if (kc) {
      if (encodeKeyValue(h) !== encodeKeyValue(kc.hash)) continue;
      if (kc.range && !rangeHolds(kc.range, s)) continue;
    }
    const order = kc
      ? `${s ? encodeKeyValue(s) : ''}/${r.key}`
      : `${encodeKeyValue(h)}/${s ? encodeKeyValue(s) : ''}/${r.key}`;
    rows.push({ storeKey: r.key, item: r.value, order });
  }
  return rows.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}

interface PageInput {
  table: TableRecord;
  ix: IndexRecord | undefined;
  rows: Row[];
  forward: boolean;
  start?: { storeKey: string; order: string } | undefined;
  limit?: number | undefined;
  filter: ReturnType<typeof readExpressions>['filter'];
  projection: ResolvedPath[] | undefined;
  select: Select;
  consistent: boolean;
  mode: string | undefined;
}

function page(p: PageInput): Record<string, unknown> {
  let rows = p.forward ? p.rows : [...p.rows].reverse();
  if (p.start) {
    const s = p.start.order;
    rows = rows.filter((r) => (p.forward ? r.order > s : r.order < s));
  }
  const items: Item[] = [];
  let scanned = 0;
  let bytes = 0;
  let last: Row | undefined;
  for (const r of rows) {
    if (p.limit !== undefined && scanned >= p.limit) break;
    if (bytes >= PAGE_BYTES) break;
    scanned++;
    // a global index holds only what it projects: its filter, projection and answers see
    // nothing else of the table's item (a local one fetches the rest from the table)
    const seen = p.ix?.global ? indexProjection(p.table, p.ix, r.item) : r.item;
    bytes += itemSize(seen);
    last = r;
    if (p.filter && !conditionHolds(p.filter, seen)) continue;
    if (p.select === 'COUNT') {
      items.push(seen);
      continue;
    }
    let out = seen;
    if (p.projection) out = project(seen, p.projection);
    else if (p.ix && p.select === 'ALL_PROJECTED_ATTRIBUTES')
      out = indexProjection(p.table, p.ix, seen);
    items.push(out);
  }
  const more = last !== undefined && rows[rows.length - 1] !== last;
  const stoppedAtLimit = p.limit !== undefined && scanned >= p.limit;
  const result: Record<string, unknown> = {};
  if (p.select !== 'COUNT') result.Items = items;
  result.Count = items.length;
  result.ScannedCount = scanned;
  if (last && (more || stoppedAtLimit)) {
    const lek = keyOf(p.table, last.item);
    if (p.ix)
      for (const k of p.ix.keySchema) {
        const v = own(last.item, k.AttributeName);
        if (v) put(lek, k.AttributeName, v);
      }
    result.LastEvaluatedKey = lek;
  }
  return { ...result, ...consumed(p.table, p.mode, readUnits(bytes, p.consistent)) };
}

function readListing(input: Input) {
  const indexName = input.str('IndexName');
  const select = input.enumOf('Select', input.str('Select'), SELECT);
  const consistent = input.bool('ConsistentRead') ?? false;
  const mode = readConsumedMode(input);
  return { indexName, select, consistent, mode };
}

export const query: Operation = async (env, ctx, input) => {
  const ref = readTableName(input, home(ctx));
  const { indexName, select, consistent, mode } = readListing(input);
  const limit = input.int('Limit');
  input.min('Limit', limit, 1, false);
  const forward = input.bool('ScanIndexForward') ?? true;
  input.done();
  const start = readStartKey(input);
  const ex = readExpressions(
    input,
    ['KeyConditionExpression', 'FilterExpression', 'ProjectionExpression'],
    ['AttributesToGet', 'KeyConditions', 'QueryFilter'],
  );
  refuseLegacy(input, ['KeyConditions', 'QueryFilter', 'ConditionalOperator']);
  if (!ex.keyCondition)
    throw validation(
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    );
  const sel = effectiveSelect(select, ex.projection, indexName, true);
  const t = must(ref);
  auditTable(ctx, 'Query', t, {
    readOnly: true,
    data: true,
    params: {
      tableName: t.name,
      indexName,
      keyConditionExpression: input.str('KeyConditionExpression'),
      filterExpression: input.str('FilterExpression'),
      projectionExpression: input.str('ProjectionExpression'),
      expressionAttributeNames: ex.params.names,
      select,
      limit,
      scanIndexForward: input.bool('ScanIndexForward'),
      consistentRead: input.bool('ConsistentRead'),
      exclusiveStartKey: auditKey(start),
      returnConsumedCapacity: mode,
    },
  });
  const table = await env.tables.get(t);
  let kc: KeyCondition | undefined;
  let ix: IndexRecord | undefined;
  if (table) {
    ix = indexOf(table, indexName);
    if (ix?.global && consistent)
      throw validation('Consistent reads are not supported on global secondary indexes');
    checkGlobalSelect(table, ix, sel, ex.projection);
    const info = ix ? indexKeyInfo(table, ix) : keyInfo(table);
    kc = keyCondition(ex.keyCondition, info);
    if (ex.filter)
      for (const name of conditionNames(ex.filter))
        if (name === info.hash || name === info.range)
          throw validation(
            `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${name}`,
          );
  }
  await authorizeTable(
    env,
    ctx,
    'Query',
    t,
    table,
    {
      'dynamodb:LeadingKeys': kc ? [scalarText(kc.hash)] : undefined,
      // projected, filtered on or (Query) in the key condition: every attribute it reads
      'dynamodb:Attributes': accessedNames(ex),
      'dynamodb:Select': sel,
      'dynamodb:ReturnConsumedCapacity': mode,
    },
    indexName,
  );
  const tb = existing(table);
  const startPos = start ? startPosition(tb, start, ix, false) : undefined;
  if (startPos && kc && !ix) {
    const info = keyInfo(tb);
    const sh = own(start, info.hash);
    if (!sh || encodeKeyValue(sh) !== encodeKeyValue(kc.hash))
      throw validation(
        'The provided starting key is outside query boundaries based on provided conditions',
      );
  }
  checkKeyPaths(tb, ex.projection);
  const store = env.deps.store;
  const rows = await candidates(
    { table: tb, ix, kc },
    (prefix) => store.list<Item>(ITEMS, { prefix }),
    async (key) => (await store.get<Item>(ITEMS, key))?.value,
  );
  return page({
    table: tb,
    ix,
    rows,
    forward,
    start: startPos,
    limit,
    filter: ex.filter,
    projection: ex.projection,
    select: sel,
    consistent,
    mode,
  });
};

/** The top-level attribute names a condition reads. */
function conditionNames(c: Condition): string[] {
  const out: string[] = [];
  const operand = (o: Operand): void => {
    if (o.kind === 'path' && typeof o.resolved?.[0] === 'string') out.push(o.resolved[0]);
    else if (o.kind === 'call') o.args.forEach(operand);
    else if (o.kind === 'arith') [o.left, o.right].forEach(operand);
  };
  const walk = (x: Condition): void => {
    switch (x.kind) {
      case 'and':
      case 'or':
        walk(x.left);
        walk(x.right);
        return;
      case 'not':
        walk(x.operand);
        return;
      case 'compare':
        [x.left, x.right].forEach(operand);
        return;
      case 'between':
        [x.subject, x.low, x.high].forEach(operand);
        return;
      case 'in':
        [x.subject, ...x.list].forEach(operand);
        return;
      default:
        operand(x.call);
    }
  };
  walk(c);
  return out;
}

export const scan: Operation = async (env, ctx, input) => {
  const ref = readTableName(input, home(ctx));
  const { indexName, select, consistent, mode } = readListing(input);
  const limit = input.int('Limit');
  input.min('limit', limit, 1);
  const segment = input.int('Segment');
  const total = input.int('TotalSegments');
  input.min('segment', segment, 0);
  input.max('segment', segment, 999999);
  input.min('totalSegments', total, 1);
  input.max('totalSegments', total, 1000000);
  input.done();
  if (segment !== undefined && total === undefined)
    throw validation(
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
  if (total !== undefined && segment === undefined)
    throw validation(
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    );
  if (segment !== undefined && total !== undefined && segment >= total)
    throw validation(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`,
    );
  const start = readStartKey(input);
  const ex = readExpressions(
    input,
    ['FilterExpression', 'ProjectionExpression'],
    ['AttributesToGet', 'ScanFilter'],
  );
  refuseLegacy(input, ['ScanFilter', 'ConditionalOperator']);
  const sel = effectiveSelect(select, ex.projection, indexName, false);
  const t = must(ref);
  auditTable(ctx, 'Scan', t, {
    readOnly: true,
    data: true,
    params: {
      tableName: t.name,
      indexName,
      filterExpression: input.str('FilterExpression'),
      projectionExpression: input.str('ProjectionExpression'),
      expressionAttributeNames: ex.params.names,
      select,
      limit,
      segment,
      totalSegments: total,
      consistentRead: input.bool('ConsistentRead'),
      returnConsumedCapacity: mode,
    },
  });
  const table = await env.tables.get(t);
  const ix = table ? indexOf(table, indexName) : undefined;
  if (ix?.global && consistent)
    throw validation('Consistent reads are not supported on global secondary indexes');
  checkGlobalSelect(table, ix, sel, ex.projection);
  await authorizeTable(
    env,
    ctx,
    'Scan',
    t,
    table,
    {
      // projected, filtered on or (Query) in the key condition: every attribute it reads
      'dynamodb:Attributes': accessedNames(ex),
      'dynamodb:Select': sel,
      'dynamodb:ReturnConsumedCapacity': mode,
    },
    indexName,
  );
  const tb = existing(table);
  const startPos = start ? startPosition(tb, start, ix, true) : undefined;
  checkKeyPaths(tb, ex.projection);
  const store = env.deps.store;
  let rows = await candidates(
    { table: tb, ix, kc: undefined },
    (prefix) => store.list<Item>(ITEMS, { prefix }),
    async () => undefined,
  );
  if (segment !== undefined && total !== undefined) {
    const hash = keyInfo(tb).hash;
    rows = rows.filter((r) => {
      const h = own(r.item, hash);
      return h !== undefined && crc32(encodeKeyValue(h)) % total === segment;
    });
  }
  return page({
    table: tb,
    ix,
    rows,
    forward: true,
    start: startPos,
    limit,
    filter: ex.filter,
    projection: ex.projection,
    select: sel,
    consistent,
    mode,
  });
};
