/**
 * Whose an EKS cluster is: EKS shows a cluster, and its pod identity associations, only to its
 * own account, in its own region. A local cluster made before irsakit kept its account is the
 * default account's.
 */
import type { ClusterRecord } from '../../cluster/types.js';
import { DEFAULT_ACCOUNT } from '../../common/accounts.js';

/** A cluster as EKS scopes it: its name, in its account and region. */
export interface ClusterOwner {
  name: string;
  account: string;
  region: string;
}

/** A local cluster's owner. */
export function clusterOwner(c: ClusterRecord): ClusterOwner {
  return { name: c.name, account: c.account ?? DEFAULT_ACCOUNT, region: c.region };
}

/** Whether a record of `account` and `region` (a cluster's, an association's) is theirs. */
export function ownedBy(
  x: { account: string; region: string },
  account: string,
  region: string,
): boolean {
  return x.account === account && x.region === region;
}
