/**
 * The cluster service as every process of `irsa up` builds it over the store: the webhook's
 * admission (with EKS Pod Identity associations as its identities, as on EKS) and the
 * associations going with a deleted cluster.
 */
import { randomBytes } from 'node:crypto';
import { ClusterService } from '../cluster/cluster-service.js';
import type { Clock } from '../common/clock.js';
import {
  deleteAssociationsOf,
  findAssociation,
} from '../services/eks/pod-identity-associations.js';
import { clusterOwner } from '../services/eks/owner.js';
import type { Store } from '../store/types.js';
import { webhookAdmission } from './admission.js';

export function createClusterService(store: Store, clock: Clock, issuerBase: string) {
  return new ClusterService({
    store,
    clock,
    randomHex: (n) => randomBytes(n).toString('hex'),
    admit: webhookAdmission({
      // the cluster's pod identity associations are the webhook's identities, as on EKS
      podIdentity: async (tx, cluster, namespace, sa) =>
        (await findAssociation(tx, clusterOwner(cluster), namespace, sa)) !== undefined,
    }),
    issuerBase,
    // a cluster's pod identity associations go with it, as in EKS
    onDelete: deleteAssociationsOf,
  });
}
