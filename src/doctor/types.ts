/**
 * What `irsa doctor` reasons over and what it reports. One snapshot shape for both modes: the
 * live server assembles it from its store (collect.ts), static mode from manifests, policy
 * files and Terraform's JSON (static-input.ts). The checks (checks.ts) are pure functions of
 * it, so both modes walk the same checklist.
 *
 * Unknown and absent are kept apart: `undefined` means "not known here" (a check needing it
 * is skipped), `null` means "looked for and not found" (a check needing it fails).
 */
import type { AdmissionRecord } from '../cluster/types.js';
import type { KubeObject } from '../cluster/manifests.js';

/**
 * `undecided`: the answer depends on what only the real request carries (its source address,
 * its parameters, the resource's tags) and the user did not give it (`--context KEY=VALUE`)
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'undecided';

/** The stable identifiers of the checklist, in the order the checks run. */
export const CHECK_IDS = [
  'oidc-provider',
  'provider-client-id',
  'provider-thumbprint',
  'sa-annotation',
  'role-exists',
  'trust-provider',
  'trust-action',
  'trust-sub',
  'trust-aud',
  'trust-evaluation',
  'pod-service-account',
  'pod-admission',
  'pod-env',
  'permissions',
  'trust-lint',
  'token-exchange',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** One line of the report (the `--json` shape: stable keys, `fix` null when none). */
export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  detail: string;
  fix: string | null;
}

/** A pod, or (static mode) a pod template of a Deployment, with what admission did to it. */
export interface PodView {
  /** the pod as stored (live) or as written / as the webhook would mutate it (static) */
  object: KubeObject;
  /** live: the webhook's decision at creation */
  admission?: AdmissionRecord | undefined;
  /** the Deployment that owns the pod, when one does */
  deployment?: string | undefined;
  /** static mode: the object is the manifest's pod (template), not an admitted pod */
  manifest?: boolean | undefined;
  /** where it came from (a file name in static mode) */
  source?: string | undefined;
}

/** A pod identity association of the ServiceAccount. */
export interface PodIdentityView {
  associationId: string;
  roleArn: string;
  /** the cluster's ARN, the association's account and region (aws:SourceArn of the trust) */
  clusterArn: string;
  /** session tags are attached (unless the association disables them) */
  sessionTags: boolean;
}

/** An IAM OIDC provider, as IAM stores it or as Terraform declares it. */
export interface ProviderView {
  arn?: string | undefined;
  /** without `https://` */
  url: string;
  /** undefined: not known (a Terraform value known only after apply) */
  clientIds?: string[] | undefined;
  thumbprints?: string[] | undefined;
  /** e.g. `aws_iam_openid_connect_provider.eks` */
  source?: string | undefined;
}

/** A policy attached to the role: its document when known. */
export interface PolicyView {
  /** inline policy name, or the managed policy's ARN */
  name: string;
  /** JSON text; undefined when unknown (not in the files, or known only after apply) */
  document?: string | undefined;
  /** why the document is unknown, when it is */
  unknown?: string | undefined;
  /**
   * the document is a role's trust policy: the resource policy of `sts:AssumeRole` (and
   * `sts:TagSession`, …) on that role, which must name the caller itself
   */
  trust?: boolean | undefined;
  /**
   * a resource policy that counts only for callers of `account` (an S3 bucket's public policy
   * while RestrictPublicBuckets is on), why, and the fix
   */
  onlyFor?: { account: string; reason: string; fix: string } | undefined;
}

export interface RoleView {
  arn: string;
  name: string;
  account: string;
  /** `AROA…` (its sessions' `aws:userid` starts with it); undefined when unknown */
  roleId?: string | undefined;
  /** the role's tags (its sessions' `aws:PrincipalTag/*`); undefined when unknown */
  tags?: { Key: string; Value: string }[] | undefined;
  /** the trust policy (JSON text); undefined when unknown */
  trustPolicy?: string | undefined;
  /** why the trust policy is unknown, when it is */
  trustUnknown?: string | undefined;
  maxSessionDuration?: number | undefined;
  inline: PolicyView[];
  attached: PolicyView[];
  boundary?: PolicyView | undefined;
  /** where the role was found: `iam` (live), a Terraform address, or a file */
  source?: string | undefined;
}

/** The outcome of the real AssumeRoleWithWebIdentity request (never the token itself). */
export interface ExchangeResult {
  /** how the token was obtained, for the report */
  token: { audience: string; boundPod?: string | undefined; expirationSeconds: number };
  roleArn: string;
  status: number;
  ok: boolean;
  /** STS's error code and message when refused */
  code?: string | undefined;
  message?: string | undefined;
  assumedRoleArn?: string | undefined;
  subject?: string | undefined;
  provider?: string | undefined;
  audience?: string | undefined;
}

export interface DoctorSnapshot {
  mode: 'live' | 'static';
  /** ISO time the snapshot stands for (aws:CurrentTime in the permission simulation) */
  now: string;
  target: {
    cluster?: string | undefined;
    namespace: string;
    serviceAccount?: string | undefined;
    pod?: string | undefined;
    container?: string | undefined;
  };
  /** the cluster's issuer, and the SHA-1 thumbprint of the CA it presents (live) */
  issuer?: { url: string; thumbprint?: string | undefined; source: string } | undefined;
  region?: string | undefined;
  /**
   * live only: the ServiceAccount's EKS Pod Identity association (it wins over the role-arn
   * annotation: its pods get the agent's credentials); null when it has none
   */
  podIdentity?: PodIdentityView | null | undefined;
  /** the ServiceAccount; null when looked for and not found */
  serviceAccount?: KubeObject | null | undefined;
  /** ServiceAccount names of the namespace, for "did you mean" */
  serviceAccountNames?: string[] | undefined;
  /**
   * the ServiceAccounts of the namespace that name a role (eks.amazonaws.com/role-arn, as the
   * webhook reads it): a trust policy's `sub` naming one of them is its workload's, no typo
   */
  annotatedServiceAccounts?: { name: string; roleArn: string }[] | undefined;
  /** pod names of the namespace, for "did you mean" */
  podNames?: string[] | undefined;
  /** the pods to check (those named by `--pod`, else those running as the ServiceAccount) */
  pods: PodView[];
  /** the pod named by `--pod` was looked for and not found */
  podMissing?: boolean | undefined;
  iam: {
    /** the OIDC providers of the role's account; undefined when not known */
    providers?: ProviderView[] | undefined;
    /** the role; null when looked for and not found */
    role?: RoleView | null | undefined;
    /** role names of the account, for "did you mean" */
    roleNames?: string[] | undefined;
    /**
     * live only: irsakit's accounts (each has its admin profile in the credentials file); a
     * role ARN naming another account is a mistyped id, not a role to create
     */
    accounts?: string[] | undefined;
    /**
     * live only, when the role's account is not one of `accounts`: the ARNs of the roles of
     * that name in irsakit's accounts (the one meant, when there is exactly one)
     */
    sameNameRoles?: string[] | undefined;
  };
  /**
   * `--action` / `--resource`: the call to simulate with the role's policies; `context`
   * (`--context KEY=VALUE`) gives the keys only the real request carries (aws:SourceIp, …)
   */
  request?:
    | {
        action: string;
        resource: string;
        context?: Record<string, string | string[]> | undefined;
      }
    | undefined;
  /**
   * live only: the resource's own policy (a bucket policy, a role's trust policy) for
   * `--resource`, evaluated with the role's; undefined when it has none or none is known
   */
  resourcePolicy?: PolicyView | undefined;
  /**
   * live only: the account that owns the `--resource` (an S3 bucket's owner: its ARN names
   * none); undefined when unknown
   */
  resourceAccount?: string | undefined;
  /** live only: what STS said to the pod's token */
  exchange?: ExchangeResult | undefined;
  /** why the exchange was not attempted, when it was not */
  exchangeSkipped?: string | undefined;
  /** notes of the input reader (static mode: files read, documents ignored) */
  notes?: string[] | undefined;
}

/** A report: the target and the checks, in order. */
export interface DoctorReport {
  mode: 'live' | 'static';
  target: DoctorSnapshot['target'];
  checks: CheckResult[];
  summary: Record<CheckStatus, number>;
  /** true when no check failed and none was left undecided */
  ok: boolean;
}
