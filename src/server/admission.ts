/**
 * How the local cluster's pods are admitted: the pod-identity webhook's pure mutation, with
 * the options EKS runs it with (the cluster's region as `--aws-default-region`, Pod Identity
 * on, its identities being the cluster's pod identity associations), applied to the pod as
 * the API server applies a webhook's JSON Patch. A pod labelled
 * `eks.amazonaws.com/skip-pod-identity-webhook` never reaches the webhook: the shipped
 * MutatingWebhookConfiguration's objectSelector keeps it away (spec/webhook.md §2.3).
 */
import type { Admit } from '../cluster/cluster-service.js';
import type { KubeObject } from '../cluster/manifests.js';
import type { ClusterRecord } from '../cluster/types.js';
import type { StoreOps } from '../store/types.js';
import {
  type Pod,
  SKIP_WEBHOOK_LABEL,
  type ServiceAccount,
  type WebhookOptions,
  applyJsonPatch,
  defaultContainerCredentials,
  defaultWebhookOptions,
  mutatePod,
} from '../webhook/index.js';

export interface AdmissionDeps {
  /** whether (namespace, ServiceAccount) of the cluster has a pod identity association */
  podIdentity?: (
    tx: Pick<StoreOps, 'get' | 'list'>,
    cluster: ClusterRecord,
    namespace: string,
    serviceAccount: string,
  ) => Promise<boolean>;
  /** the webhook's flags (default: upstream's, with Pod Identity's container credentials) */
  options?: WebhookOptions;
}

export function webhookAdmission(deps: AdmissionDeps = {}): Admit {
  const base: WebhookOptions = deps.options ?? {
    ...defaultWebhookOptions(),
    containerCredentials: defaultContainerCredentials(),
  };
  return async ({ pod, namespace, serviceAccount, cluster, tx }) => {
    const labels = (pod.metadata as { labels?: Record<string, unknown> } | undefined)?.labels;
    if (labels && Object.hasOwn(labels, SKIP_WEBHOOK_LABEL))
      return { pod, mode: 'none', warnings: [] };
    const options: WebhookOptions = {
      ...base,
      awsDefaultRegion: base.awsDefaultRegion || (cluster as ClusterRecord).region,
    };
    const saName = (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
    const podIdentity =
      deps.podIdentity !== undefined && saName !== undefined && saName !== ''
        ? await deps.podIdentity(tx, cluster as ClusterRecord, namespace, saName)
        : false;
    const r = mutatePod(
      {
        pod: pod as Pod,
        namespace,
        serviceAccount: serviceAccount as ServiceAccount | undefined,
        podIdentity,
      },
      options,
    );
    const admitted = r.patch.length > 0 ? (applyJsonPatch(pod as Pod, r.patch) as KubeObject) : pod;
    return { pod: admitted, mode: r.mode, warnings: r.warnings };
  };
}
