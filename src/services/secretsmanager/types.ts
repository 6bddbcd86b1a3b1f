/**
 * Secrets Manager as irsakit stores it: one document per secret (collection
 * `secretsmanager-secrets`, key `<region>:<account>:<name>`) holding its metadata, resource
 * policy, tags and versions; each version's value sealed with a key derived from the server
 * key (see value-seal.ts).
 */
import type { Clock } from '../../common/clock.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { Store } from '../../store/types.js';

export const SECRETS = 'secretsmanager-secrets';

export interface Tag {
  Key: string;
  Value: string;
}

/** A version's value, sealed (AES-256-GCM); never stored in the clear. */
export interface SealedValue {
  kind: 'string' | 'binary';
  iv: string;
  data: string;
  tag: string;
}

export interface VersionRecord {
  stages: string[];
  /** epoch ms */
  createdAt: number;
  value: SealedValue;
  /** hex SHA-256 of kind + value, to tell an idempotent retry from a conflicting one */
  digest: string;
  /**
   * epoch ms, truncated to the day: when this version was last read (ListSecretVersionIds'
   * LastAccessedDate, "the date that this version of the secret was last accessed")
   */
  lastAccessedAt?: number | undefined;
}

export interface SecretRecord {
  name: string;
  arn: string;
  region: string;
  account: string;
  description?: string | undefined;
  kmsKeyId?: string | undefined;
  tags: Tag[];
  /** epoch ms */
  createdAt: number;
  lastChangedAt: number;
  /** epoch ms, truncated to the day as Secrets Manager reports it: any version's last read */
  lastAccessedAt?: number | undefined;
  /** when DeleteSecret was called (epoch ms) */
  deletedAt?: number | undefined;
  /** when the secret is gone for good (epoch ms) */
  deletionDate?: number | undefined;
  policy?: string | undefined;
  versions: Record<string, VersionRecord>;
}

export interface SecretsManagerDeps {
  store: Store;
  clock: Clock;
  random: (n: number) => Uint8Array;
  authorize: Authorize;
  /** the server key's bytes; secret values are sealed with a key derived from it */
  serverKey: Uint8Array;
}
