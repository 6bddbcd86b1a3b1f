/**
 * What the Deployment controller reports of a Deployment: its pod-template hash and its
 * `status`, computed from the pods it actually has (apps/v1 DeploymentStatus, as the
 * deployment controller's calculateStatus and its conditions fill it in). Pure.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './manifests.js';
import { canonical, sortedJson } from './merge.js';

/**
 * The characters Kubernetes makes generated names of (apimachinery's util/rand: no vowels, so
 * no words, and none of 0, 1, 3 that look like letters).
 */
export const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `n` characters of `NAME_ALPHABET` from hex bytes. */
export function nameChars(hex: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++)
    out += NAME_ALPHABET[parseInt(hex.slice(2 * i, 2 * i + 2), 16) % NAME_ALPHABET.length];
  return out;
}

/**
 * A pod template's `pod-template-hash`: a hash of the decoded template, so the same template
 * written with its keys in another order, or with an `env: []`, is the same ReplicaSet.
 */
export function templateHash(template: unknown): string {
  return nameChars(
    createHash('sha256')
      .update(sortedJson(canonical(template ?? {})))
      .digest('hex'),
    10,
  );
}

export interface DeploymentCondition {
  type: 'Available' | 'Progressing' | 'ReplicaFailure';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

/**
 * How many pods may be unavailable during a rollout (deploymentutil.MaxUnavailable with
 * ResolveFenceposts): the rolling update's maxUnavailable, an int or a percentage rounded down
 * (25% by default), never all of them, and 1 when maxSurge is 0 as well; none for Recreate.
 */
export function maxUnavailable(spec: Record<string, unknown>, replicas: number): number {
  const strategy = (spec.strategy ?? {}) as {
    type?: string;
    rollingUpdate?: { maxUnavailable?: unknown; maxSurge?: unknown };
  };
  if (strategy.type === 'Recreate' || replicas === 0) return 0;
  const resolve = (v: unknown, fallback: string, roundUp: boolean) => {
    const x = v ?? fallback;
    if (typeof x === 'number') return x;
    const pct = /^(\d+)%$/.exec(String(x));
    if (!pct) return 0;
    const n = (Number(pct[1]) * replicas) / 100;
    return roundUp ? Math.ceil(n) : Math.floor(n);
  };
  const surge = resolve(strategy.rollingUpdate?.maxSurge, '25%', true);
  let unavailable = resolve(strategy.rollingUpdate?.maxUnavailable, '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return Math.min(unavailable, replicas);
}

/**
 * A Deployment's status from its pods (all Running as soon as they exist, so ready and
 * available): counts that are 0 left out, as DeploymentStatus' `omitempty` leaves them, and
 * the controller's conditions — Available, Progressing, and ReplicaFailure (FailedCreate, with
 * the API server's refusal of the pod) while a pod cannot be created. A condition keeps its
 * times while it says the same.
 */
export function deploymentStatus(input: {
  deployment: KubeObject;
  /** the pods of the current template */
  updated: number;
  /** all of the Deployment's pods */
  total: number;
  /** the ReplicaSet of the current template */
  replicaSet: string;
  /** why the last pod could not be created */
  failure?: string | undefined;
  now: string;
}): Record<string, unknown> {
  const { deployment: dep, updated, total, replicaSet, failure, now } = input;
  const spec = (dep.spec ?? {}) as Record<string, unknown>;
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const available = total;
  const before = ((dep.status?.conditions as DeploymentCondition[] | undefined) ?? []).reduce(
    (m, c) => m.set(c.type, c),
    new Map<string, DeploymentCondition>(),
  );
  const condition = (
    type: DeploymentCondition['type'],
    status: DeploymentCondition['status'],
    reason: string,
    message: string,
  ): DeploymentCondition => {
    const old = before.get(type);
    const same = old?.status === status;
    const unchanged = same && old?.reason === reason && old?.message === message;
    return {
      type,
      status,
      reason,
      message,
      lastUpdateTime: unchanged ? (old?.lastUpdateTime ?? now) : now,
      lastTransitionTime: same ? (old?.lastTransitionTime ?? now) : now,
    };
  };
  const conditions: DeploymentCondition[] = [
    available >= desired - maxUnavailable(spec, desired)
      ? condition(
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
        )
      : condition(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
    updated === desired && total === desired && available === desired
      ? condition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${replicaSet}" has successfully progressed.`,
        )
      : condition(
          'Progressing',
          'True',
          'ReplicaSetUpdated',
          `ReplicaSet "${replicaSet}" is progressing.`,
        ),
  ];
  if (failure !== undefined)
    conditions.push(condition('ReplicaFailure', 'True', 'FailedCreate', failure));
  const generation = dep.metadata?.generation;
  const count = (n: number) => (n > 0 ? n : undefined);
  return Object.fromEntries(
    Object.entries({
      observedGeneration: typeof generation === 'number' ? generation : undefined,
      replicas: count(total),
      updatedReplicas: count(updated),
      readyReplicas: count(available),
      availableReplicas: count(available),
      unavailableReplicas: count(desired - available),
      conditions,
    }).filter(([, v]) => v !== undefined),
  );
}
