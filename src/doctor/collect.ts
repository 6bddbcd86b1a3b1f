/**
 * The live snapshot, assembled by the server for `GET /_irsa/v1/clusters/:c/doctor`: the
 * cluster and its issuer (with the CA thumbprint it presents), the ServiceAccount, the pods
 * to check with their admission records, and from IAM the role's account: its OIDC
 * providers, and the role with its trust policy, inline, attached and boundary documents.
 * Reads only (no transaction needed: a doctor run tolerates a write landing mid-read). The
 * checks themselves run in the CLI over this JSON (checks.ts), as they do over static files.
 */
import type { ClusterService } from '../cluster/cluster-service.js';
import type { KubeObject } from '../cluster/manifests.js';
import { ClusterError, type ClusterRecord } from '../cluster/types.js';
import type { Clock } from '../common/clock.js';
import { AWS_MANAGED_POLICIES, type AwsPolicyCatalog } from '../iam/aws-managed/catalog.js';
import { IamRepo } from '../iam/repo.js';
import { currentTrust } from '../iam/trust-principals.js';
import type { ManagedPolicyDoc } from '../iam/types.js';
import type { Store } from '../store/types.js';
import {
  annotatedServiceAccounts,
  parseRoleArnParts,
  podServiceAccount,
  roleArnOf,
} from './derive.js';
import type { DoctorSnapshot, PodIdentityView, PodView, PolicyView, RoleView } from './types.js';

export interface DoctorQuery {
  namespace: string;
  serviceAccount?: string | undefined;
  pod?: string | undefined;
  container?: string | undefined;
  /** `--resource`: its own policy (a bucket policy) goes into the snapshot */
  resource?: string | undefined;
}

/** What the admin API needs to answer a doctor request. */
export interface DoctorOps {
  snapshot(cluster: ClusterRecord, query: DoctorQuery): Promise<DoctorSnapshot>;
  /** a role with its trust policy and its inline, attached and boundary documents */
  role(account: string, name: string): Promise<RoleView | null>;
}

export interface DoctorOpsDeps {
  clusters: ClusterService;
  store: Store;
  clock: Clock;
  /** SHA-1 of the local CA the issuers present */
  thumbprint: string;
  awsPolicies?: AwsPolicyCatalog | undefined;
  /** a ServiceAccount's EKS Pod Identity association, given by the server's wiring */
  podIdentity?:
    ((cluster: string, ns: string, sa: string) => Promise<PodIdentityView | undefined>) | undefined;
  /** the policy a resource carries itself (S3's bucket policy), given by the server's wiring */
  resourcePolicy?: ((arn: string) => Promise<PolicyView | undefined>) | undefined;
  /** the account that owns a resource (an S3 bucket's owner), given by the server's wiring */
  resourceAccount?: ((arn: string) => Promise<string | undefined>) | undefined;
}

async function found<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ClusterError && e.status.code === 404) return null;
    throw e;
  }
}

const defaultVersion = (p: ManagedPolicyDoc) =>
  p.versions.find((v) => v.versionId === p.defaultVersionId)?.document;

async function roleView(repo: IamRepo, account: string, name: string): Promise<RoleView | null> {
  const doc = await repo.role(account, name);
  if (!doc) return null;
  const managed = async (arn: string): Promise<PolicyView> => {
    const ref = await repo.policy(account, arn);
    if (!ref) return { name: arn, unknown: 'the policy does not exist' };
    return {
      name: arn,
      document: ref.kind === 'aws' ? ref.policy.document : defaultVersion(ref.policy),
    };
  };
  const attached: PolicyView[] = [];
  for (const arn of doc.attachedPolicies) attached.push(await managed(arn));
  return {
    arn: doc.arn,
    name: doc.roleName,
    account: doc.account,
    roleId: doc.roleId,
    // its sessions' aws:PrincipalTag/* (the edge reads them from IAM for every call)
    tags: doc.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    trustPolicy: await currentTrust(doc, repo.ops),
    maxSessionDuration: doc.maxSessionDuration,
    inline: doc.inlinePolicies.map((p) => ({ name: p.name, document: p.document })),
    attached,
    boundary: doc.permissionsBoundaryArn ? await managed(doc.permissionsBoundaryArn) : undefined,
    source: 'iam',
  };
}

/**
 * Builds the doctor's admin operations over the server's state.
 *
 * @example
 * const doctor = doctorOps({ clusters, store, clock, thumbprint: ca.thumbprint });
 * const snap = await doctor.snapshot(cluster, { namespace: 'production', serviceAccount: 's3-app' });
 */
export function doctorOps(deps: DoctorOpsDeps): DoctorOps {
  const aws = deps.awsPolicies ?? AWS_MANAGED_POLICIES;
  return {
    role: (account, name) => roleView(new IamRepo(deps.store, aws), account, name),
    async snapshot(cluster, query) {
      const c = deps.clusters;
      const ns = query.namespace;
      const podNames = async () =>
        (await c.list(cluster.name, 'Pod', ns)).items.map((o) => o.metadata?.name ?? '');
      const serviceAccounts = (await c.list(cluster.name, 'ServiceAccount', ns)).items;
      const pods: PodView[] = [];
      let podMissing = false;
      let saName = query.serviceAccount;
      const view = async (o: KubeObject): Promise<PodView> => ({
        object: o,
        admission: await c.admission(cluster.name, ns, o.metadata?.name ?? ''),
        deployment: o.metadata?.annotations?.['irsakit.dev/deployment'],
      });
      if (query.pod) {
        const pod = await found(c.get(cluster.name, 'Pod', ns, query.pod));
        if (pod) {
          pods.push(await view(pod));
          saName ??= podServiceAccount(pod);
        } else podMissing = true;
      } else if (saName) {
        for (const o of (await c.list(cluster.name, 'Pod', ns)).items)
          if (podServiceAccount(o) === saName) pods.push(await view(o));
      }
      const sa = saName
        ? await found(c.get(cluster.name, 'ServiceAccount', ns, saName))
        : undefined;
      const podIdentity =
        saName && deps.podIdentity
          ? ((await deps.podIdentity(cluster.name, ns, saName)) ?? null)
          : undefined;
      // the association's role, when there is one: it wins over the annotation
      const roleArn = podIdentity ? podIdentity.roleArn : roleArnOf(sa, pods)?.arn;
      const role = roleArn ? parseRoleArnParts(roleArn) : undefined;
      const iam: DoctorSnapshot['iam'] = {};
      if (role) {
        const repo = new IamRepo(deps.store, aws);
        iam.providers = (await repo.oidcProviders(role.account)).map((p) => ({
          arn: p.arn,
          url: p.url,
          clientIds: [...p.clientIds],
          thumbprints: p.thumbprints.map((t) => t.toLowerCase()),
          source: 'iam',
        }));
        iam.role = await roleView(repo, role.account, role.name);
        iam.roleNames = (await repo.roles(role.account)).map((r) => r.roleName);
        iam.accounts = (await repo.accounts()).map((a) => a.account);
        if (!iam.accounts.includes(role.account)) {
          iam.sameNameRoles = [];
          for (const account of iam.accounts) {
            const other = await repo.role(account, role.name);
            if (other) iam.sameNameRoles.push(other.arn);
          }
        }
      }
      return {
        mode: 'live',
        now: deps.clock().toISOString(),
        target: {
          cluster: cluster.name,
          namespace: ns,
          serviceAccount: saName,
          pod: query.pod,
          container: query.container,
        },
        issuer: {
          url: cluster.issuer,
          thumbprint: deps.thumbprint,
          source: `cluster ${cluster.name}`,
        },
        region: cluster.region,
        serviceAccount: sa,
        podIdentity,
        serviceAccountNames: serviceAccounts.map((o) => o.metadata?.name ?? ''),
        annotatedServiceAccounts: annotatedServiceAccounts(serviceAccounts),
        podNames: podMissing ? await podNames() : undefined,
        pods,
        podMissing,
        iam,
        resourcePolicy:
          query.resource !== undefined && deps.resourcePolicy
            ? await deps.resourcePolicy(query.resource)
            : undefined,
        resourceAccount:
          query.resource !== undefined && deps.resourceAccount
            ? await deps.resourceAccount(query.resource)
            : undefined,
      };
    },
  };
}
