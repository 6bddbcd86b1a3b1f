/**
 * DynamoDB's records in the store and the dependencies of its operations.
 */
import type { Clock } from '../../common/clock.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { Store } from '../../store/types.js';
import type { Item } from './attribute-value.js';

export type KeyType = 'HASH' | 'RANGE';
export type ScalarType = 'S' | 'N' | 'B';

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: KeyType;
}

export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: ScalarType;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface Projection {
  ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  NonKeyAttributes?: string[] | undefined;
}

export interface IndexRecord {
  name: string;
  global: boolean;
  keySchema: KeySchemaElement[];
  projection: Projection;
  read?: number | undefined;
  write?: number | undefined;
}

/** A table as stored: collection `dynamodb-tables`, key `<account>/<region>/<name>`. */
export interface TableRecord {
  /** random; items are stored under it, so a re-created table starts empty */
  id: string;
  name: string;
  account: string;
  region: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: AttributeDefinition[];
  billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  read?: number | undefined;
  write?: number | undefined;
  /** epoch milliseconds */
  createdAt: number;
  tags: Tag[];
  deletionProtection: boolean;
  indexes: IndexRecord[];
}

/** An item as stored: collection `dynamodb-items`, key from key-codec.ts. */
export type StoredItem = Item;

export const TABLES = 'dynamodb-tables';
export const ITEMS = 'dynamodb-items';

export interface DynamoDeps {
  store: Store;
  authorize: Authorize;
  clock: Clock;
}

/** A table's key: its attribute names and types, as the item operations use it. */
export interface KeyInfo {
  hash: string;
  hashType: ScalarType;
  range?: string | undefined;
  rangeType?: ScalarType | undefined;
}
