/**
 * How the local cluster's pods are admitted: the pod-identity webhook's pure mutation, with
 * the options EKS runs it with (the cluster's region as `--aws-default-region`), applied to
 * the pod as the API server applies a webhook's JSON Patch.
 */
import type { Admit } from '../cluster/cluster-service.js';
import type { KubeObject } from '../cluster/manifests.js';
import {
  type Pod,
  type ServiceAccount,
  type WebhookOptions,
  applyJsonPatch,
  defaultWebhookOptions,
  mutatePod,
} from '../webhook/index.js';

export function webhookAdmission(base: WebhookOptions = defaultWebhookOptions()): Admit {
  return ({ pod, namespace, serviceAccount, cluster }) => {
    const options: WebhookOptions = {
      ...base,
      awsDefaultRegion: base.awsDefaultRegion || cluster.region,
    };
    const r = mutatePod(
      { pod: pod as Pod, namespace, serviceAccount: serviceAccount as ServiceAccount | undefined },
      options,
    );
    const admitted = r.patch.length > 0 ? (applyJsonPatch(pod as Pod, r.patch) as KubeObject) : pod;
    return { pod: admitted, mode: r.mode, warnings: r.warnings };
  };
}
