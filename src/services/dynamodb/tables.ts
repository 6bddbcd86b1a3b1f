/**
 * Tables in the store (collection `dynamodb-tables`, key `<account>/<region>/<name>`), with a
 * small in-memory cache so that an item call reads its table without parsing it again: kept
 * while the collection's revision stands still, which every process's write moves (the edge
 * replicas share the store), so no process serves a table another one changed or deleted.
 */
import type { Store, StoreOps } from '../../store/types.js';
import { MSG, resourceInUse, resourceNotFound, validation } from './errors.js';
import { type TableRef, tableArn } from './input.js';
import { tablePrefix } from './key-codec.js';
import {
  ITEMS,
  type IndexRecord,
  type KeyInfo,
  TABLES,
  type TableRecord,
  type Tag,
} from './types.js';

function storeKey(account: string, region: string, name: string): string {
  return `${account}/${region}/${name}`;
}

export class TableRepository {
  private readonly store: Store;
  /**
   * Table records as read at a revision of the tables' collection: a table created, changed or
   * deleted by any process (edge replicas share the store) is read afresh on the next call.
   */
  private readonly cache = new Map<string, { record: TableRecord; revision: number }>();

  constructor(store: Store) {
    this.store = store;
  }

  /** The table a request names, or undefined. */
  async get(ref: TableRef): Promise<TableRecord | undefined> {
    const k = storeKey(ref.account, ref.region, ref.name);
    const revision = await this.store.revision([TABLES]);
    const hit = this.cache.get(k);
    if (hit && hit.revision === revision) return hit.record;
    // a write between the revision and this read only makes the next call read again
    const got = await this.store.get<TableRecord>(TABLES, k);
    if (got) this.cache.set(k, { record: got.value, revision });
    else this.cache.delete(k);
    return got?.value;
  }

  /** Re-reads a table inside a transaction (writes check that their table still exists). */
  async current(tx: StoreOps, record: TableRecord): Promise<boolean> {
    const got = await tx.get<TableRecord>(
      TABLES,
      storeKey(record.account, record.region, record.name),
    );
    return got?.value.id === record.id;
  }

  /** Creates a table; ResourceInUseException when one of that name exists. */
  async create(record: TableRecord): Promise<void> {
    const k = storeKey(record.account, record.region, record.name);
    await this.store.transaction(async (tx) => {
      if (await tx.get(TABLES, k)) throw resourceInUse(MSG.tableExists(record.name));
      await tx.put(TABLES, k, record);
    });
    this.cache.delete(k);
  }

  /** Deletes a table and every item in it, in one transaction. */
  async delete(ref: TableRef): Promise<TableRecord> {
    const k = storeKey(ref.account, ref.region, ref.name);
    this.cache.delete(k);
    try {
      return await this.store.transaction(async (tx) => {
        const got = await tx.get<TableRecord>(TABLES, k);
        if (!got) throw resourceNotFound(ref.name);
        if (got.value.deletionProtection)
          throw validation(
            'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
          );
        for (const item of await tx.list(ITEMS, { prefix: tablePrefix(got.value.id) }))
          await tx.delete(ITEMS, item.key);
        await tx.delete(TABLES, k);
        return got.value;
      });
    } finally {
      this.cache.delete(k);
    }
  }

  /** Table names of an account and region, in name order. */
  async names(account: string, region: string): Promise<string[]> {
    const items = await this.store.list<TableRecord>(TABLES, { prefix: `${account}/${region}/` });
    return items.map((i) => i.value.name);
  }

  /** Replaces a table's tags. */
  async setTags(ref: TableRef, change: (tags: Tag[]) => Tag[]): Promise<void> {
    const k = storeKey(ref.account, ref.region, ref.name);
    this.cache.delete(k);
    await this.store.transaction(async (tx) => {
      const got = await tx.get<TableRecord>(TABLES, k);
      if (!got) throw resourceNotFound();
      await tx.put(TABLES, k, { ...got.value, tags: change(got.value.tags) });
    });
    this.cache.delete(k);
  }
}

const keyInfos = new WeakMap<object, KeyInfo>();

/** A table's key attributes and their types (computed once per record). */
export function keyInfo(t: {
  keySchema: TableRecord['keySchema'];
  attributeDefinitions: TableRecord['attributeDefinitions'];
}): KeyInfo {
  const known = keyInfos.get(t);
  if (known) return known;
  const typeOf = (name: string) =>
    t.attributeDefinitions.find((d) => d.AttributeName === name)?.AttributeType ?? 'S';
  const hash = t.keySchema.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
  const range = t.keySchema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const info: KeyInfo = {
    hash,
    hashType: typeOf(hash),
    range,
    rangeType: range === undefined ? undefined : typeOf(range),
  };
  keyInfos.set(t, info);
  return info;
}

function throughput(read: number | undefined, write: number | undefined) {
  return {
    NumberOfDecreasesToday: 0,
    ReadCapacityUnits: read ?? 0,
    WriteCapacityUnits: write ?? 0,
  };
}

function describeIndex(t: TableRecord, ix: IndexRecord): Record<string, unknown> {
  const base = {
    IndexName: ix.name,
    KeySchema: ix.keySchema,
    Projection: ix.projection,
    IndexSizeBytes: 0,
    ItemCount: 0,
    IndexArn: `${tableArn(t.region, t.account, t.name)}/index/${ix.name}`,
  };
  return ix.global
    ? { ...base, IndexStatus: 'ACTIVE', ProvisionedThroughput: throughput(ix.read, ix.write) }
    : base;
}

/**
 * A TableDescription as DynamoDB returns it. ItemCount and TableSizeBytes stay 0: DynamoDB
 * refreshes them about every six hours, and irsakit does not count.
 */
export function describeTable(
  t: TableRecord,
  status: 'ACTIVE' | 'DELETING' = 'ACTIVE',
): Record<string, unknown> {
  const created = t.createdAt / 1000;
  const gsis = t.indexes.filter((i) => i.global);
  const lsis = t.indexes.filter((i) => !i.global);
  return {
    AttributeDefinitions: t.attributeDefinitions,
    TableName: t.name,
    KeySchema: t.keySchema,
    TableStatus: status,
    CreationDateTime: created,
    ProvisionedThroughput: throughput(t.read, t.write),
    TableSizeBytes: 0,
    ItemCount: 0,
    TableArn: tableArn(t.region, t.account, t.name),
    TableId: t.id,
    ...(t.billingMode === 'PAY_PER_REQUEST'
      ? {
          BillingModeSummary: {
            BillingMode: 'PAY_PER_REQUEST',
            LastUpdateToPayPerRequestDateTime: created,
          },
        }
      : {}),
    ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis.map((i) => describeIndex(t, i)) } : {}),
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis.map((i) => describeIndex(t, i)) } : {}),
    DeletionProtectionEnabled: t.deletionProtection,
  };
}
