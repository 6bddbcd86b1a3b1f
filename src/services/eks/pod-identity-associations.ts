/**
 * EKS Pod Identity associations in the EKS API (REST-JSON, signing name `eks`; spec/aws-wire.md
 * §4, spec/webhook.md §13): Create, Describe, List, Update and Delete under
 * `/clusters/{name}/pod-identity-associations[/{associationId}]`, with EKS's shapes. An
 * association binds one namespace + service account of a cluster to a role; at most one per
 * service account. As on AWS the role's trust policy is not looked at here (a wrong one fails
 * later, at AssumeRoleForPodIdentity), but the caller needs `iam:PassRole` on the role.
 *
 * Associations live in the store (collection `eks-pod-identity-associations`, key
 * `<cluster>/<associationId>`); every change is one transaction.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import { put } from '../../common/own.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { CallContext } from '../../server/aws/types.js';
import type { Store, StoreOps } from '../../store/types.js';
import type { PodIdentityAssociation } from '../../sts/pod-identity.js';
import { type ClusterOwner, ownedBy } from './owner.js';
import { pathSegment } from './path-segment.js';
import { clusterNotFound, restJsonBody } from './rest-json.js';

export const ASSOCIATIONS = 'eks-pod-identity-associations';

/** An association as stored (and, less `account`/`region`, as EKS describes it). */
export interface AssociationDoc {
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  associationArn: string;
  associationId: string;
  tags: Record<string, string>;
  /** epoch seconds */
  createdAt: number;
  modifiedAt: number;
  disableSessionTags: boolean;
  /** the account and region it was created in (its ARN's) */
  account: string;
  region: string;
}

export interface AssociationDeps {
  store: Store;
  authorize: Authorize;
  /** whether the cluster exists */
  clusterExists(name: string): Promise<boolean>;
  /** the account resources belong to when the caller has none */
  defaultAccount: string;
  /** `n` random bytes; node's randomBytes by default */
  random?: ((n: number) => Uint8Array) | undefined;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** a Kubernetes namespace or service account name (DNS-1123 subdomain, as EKS checks it) */
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const ASSOCIATION_ID = /^a-[a-z0-9]{17}$/;
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', 400, message);
}

function associationNotFound(id: string): AwsError {
  // [inferred] EKS's wording for an unknown association id
  return new AwsError(
    'ResourceNotFoundException',
    404,
    `No Pod Identity Association found for id: ${id}.`,
  );
}

function optionalString(b: Record<string, unknown>, name: string): string | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${name} must be a string.`);
  return v;
}

function requiredString(b: Record<string, unknown>, name: string): string {
  const v = optionalString(b, name);
  // [inferred] EKS's wording for a missing required member
  if (v === undefined || v === '') throw invalid(`${name} is required.`);
  return v;
}

function optionalBoolean(b: Record<string, unknown>, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${name} must be a boolean.`);
  return v;
}

function roleArnOf(b: Record<string, unknown>, required: boolean): string | undefined {
  const arn = required ? requiredString(b, 'roleArn') : optionalString(b, 'roleArn');
  if (arn !== undefined && !ROLE_ARN.test(arn))
    throw invalid(`Role arn ${arn} is not a valid IAM role ARN.`); // [inferred]
  return arn;
}

function refuseTargetRole(b: Record<string, unknown>): void {
  if (b.targetRoleArn !== undefined || b.policy !== undefined)
    throw invalid(
      // irsakit deviation: cross-account target roles and association session policies
      'targetRoleArn and policy are not supported by irsakit yet.',
    );
}

function tagsOf(b: Record<string, unknown>): Record<string, string> {
  const t = b.tags;
  if (t === undefined || t === null) return {};
  if (typeof t !== 'object' || Array.isArray(t)) throw invalid('tags must be a map of strings.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
    if (typeof v !== 'string' || k.length < 1 || k.length > 128 || v.length > 256)
      throw invalid('tags must be a map of strings.'); // [inferred]
    put(out, k, v);
  }
  if (Object.keys(out).length > 50) throw invalid('A resource can have at most 50 tags.');
  return out;
}

/** The association as the EKS API describes it. */
export function describeAssociation(a: AssociationDoc): Record<string, unknown> {
  return {
    clusterName: a.clusterName,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    associationArn: a.associationArn,
    associationId: a.associationId,
    tags: a.tags,
    createdAt: a.createdAt,
    modifiedAt: a.modifiedAt,
    disableSessionTags: a.disableSessionTags,
  };
}

/** What the pod identity core needs of an association. */
export function associationForCore(a: AssociationDoc): PodIdentityAssociation {
  return {
    associationArn: a.associationArn,
    associationId: a.associationId,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    disableSessionTags: a.disableSessionTags,
  };
}

/**
 * The association of a service account in a cluster, if any.
 *
 * @example
 * await findAssociation(store, 'demo', 'production', 's3-app') // → { associationId: 'a-…', … }
 */
export async function findAssociation(
  store: Pick<Store, 'list'>,
  cluster: ClusterOwner,
  namespace: string,
  serviceAccount: string,
): Promise<AssociationDoc | undefined> {
  return (await associationsOf(store, cluster)).find(
    (a) => a.namespace === namespace && a.serviceAccount === serviceAccount,
  );
}

/**
 * A cluster's associations: those made in its account and region (a record of another owner
 * under the same name — a cluster deleted before associations went with it — is none of its).
 */
export async function associationsOf(
  store: Pick<Store, 'list'>,
  cluster: ClusterOwner,
): Promise<AssociationDoc[]> {
  return (await store.list<AssociationDoc>(ASSOCIATIONS, { prefix: `${cluster.name}/` }))
    .map((i) => i.value)
    .filter((a) => ownedBy(a, cluster.account, cluster.region));
}

/**
 * Deletes the associations of clusters that are gone (left by a version that kept them after
 * the cluster's deletion); returns how many.
 *
 * @example
 * await deleteOrphanAssociations(store, ['demo']) // → 0
 */
export async function deleteOrphanAssociations(
  store: Pick<Store, 'transaction'>,
  clusters: readonly string[],
): Promise<number> {
  const live = new Set(clusters);
  return store.transaction(async (tx) => {
    let n = 0;
    for (const item of await tx.list<AssociationDoc>(ASSOCIATIONS))
      if (!live.has(item.value.clusterName)) {
        await tx.delete(ASSOCIATIONS, item.key);
        n++;
      }
    return n;
  });
}

/**
 * Deletes a cluster's associations (in the transaction that deletes the cluster): in EKS they
 * go with it, and none may pass to the next cluster of the name.
 *
 * @example
 * await deleteAssociationsOf(tx, 'demo')
 */
export async function deleteAssociationsOf(tx: StoreOps, cluster: string): Promise<void> {
  for (const item of await tx.list(ASSOCIATIONS, { prefix: `${cluster}/` }))
    await tx.delete(ASSOCIATIONS, item.key);
}

function newAssociationId(random: (n: number) => Uint8Array): string {
  const bytes = random(17);
  let id = 'a-';
  for (const b of bytes) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

/**
 * Handles the pod identity association routes of the EKS API; undefined when the path is not
 * one of them.
 *
 * @example
 * await handleAssociations(deps, ctx, 'GET', '/clusters/demo/pod-identity-associations', query, body)
 * // → { status: 200, body: { associations: [...] } }
 */
export async function handleAssociations(
  deps: AssociationDeps,
  ctx: CallContext,
  method: string,
  path: string,
  query: URLSearchParams,
  body: Buffer,
): Promise<{ status: number; body: unknown } | undefined> {
  const m = /^\/clusters\/([^/]+)\/pod-identity-associations(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  const cluster = pathSegment(m[1] as string, 'clusterName', 'cluster name');
  const id = m[2] === undefined ? undefined : pathSegment(m[2], 'associationId', 'association ID');
  const account = ctx.caller?.account ?? deps.defaultAccount;
  const clusterArn = `arn:aws:eks:${ctx.region}:${account}:cluster/${cluster}`;
  const associationArn = (assocId: string) =>
    `arn:aws:eks:${ctx.region}:${account}:podidentityassociation/${cluster}/${assocId}`;
  const random = deps.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const now = Math.floor(ctx.now.getTime() / 1000);

  const owner: ClusterOwner = { name: cluster, account, region: ctx.region };
  const load = async (assocId: string): Promise<AssociationDoc> => {
    if (!(await deps.clusterExists(cluster))) throw clusterNotFound(cluster);
    const item = ASSOCIATION_ID.test(assocId)
      ? await deps.store.get<AssociationDoc>(ASSOCIATIONS, `${cluster}/${assocId}`)
      : undefined;
    if (!item || !ownedBy(item.value, account, ctx.region)) throw associationNotFound(assocId);
    return item.value;
  };

  if (id === undefined && method === 'POST') {
    ctx.audit.eventName = 'CreatePodIdentityAssociation';
    const b = restJsonBody(body);
    const namespace = requiredString(b, 'namespace');
    const serviceAccount = requiredString(b, 'serviceAccount');
    const roleArn = roleArnOf(b, true) as string;
    const disableSessionTags = optionalBoolean(b, 'disableSessionTags') ?? false;
    const tags = tagsOf(b);
    optionalString(b, 'clientRequestToken');
    refuseTargetRole(b);
    ctx.audit.requestParameters = {
      clusterName: cluster,
      namespace,
      serviceAccount,
      roleArn,
      disableSessionTags,
    };
    if (!K8S_NAME.test(namespace) || namespace.length > 63)
      throw invalid(`Namespace ${namespace} is not a valid Kubernetes namespace name.`); // [inferred]
    if (!K8S_NAME.test(serviceAccount) || serviceAccount.length > 253)
      throw invalid(
        `Service account ${serviceAccount} is not a valid Kubernetes service account name.`, // [inferred]
      );
    await deps.authorize(ctx, { action: 'eks:CreatePodIdentityAssociation', resource: clusterArn });
    await deps.authorize(ctx, {
      action: 'iam:PassRole',
      resource: roleArn,
      context: { 'iam:PassedToService': 'pods.eks.amazonaws.com' },
    });
    if (!(await deps.clusterExists(cluster))) throw clusterNotFound(cluster);
    const doc = await deps.store.transaction(async (tx) => {
      const existing = await findAssociation(tx, owner, namespace, serviceAccount);
      if (existing)
        throw new AwsError(
          'ResourceInUseException',
          409,
          // [inferred] EKS's wording for a second association of one service account
          `Association already exists: ${existing.associationId}`,
        );
      const associationId = newAssociationId(random);
      const created: AssociationDoc = {
        clusterName: cluster,
        namespace,
        serviceAccount,
        roleArn,
        associationArn: associationArn(associationId),
        associationId,
        tags,
        createdAt: now,
        modifiedAt: now,
        disableSessionTags,
        account,
        region: ctx.region,
      };
      await tx.put(ASSOCIATIONS, `${cluster}/${associationId}`, created);
      return created;
    });
    ctx.audit.responseElements = { association: describeAssociation(doc) };
    return { status: 200, body: { association: describeAssociation(doc) } };
  }

  if (id === undefined && method === 'GET') {
    ctx.audit.eventName = 'ListPodIdentityAssociations';
    ctx.audit.readOnly = true;
    await deps.authorize(ctx, { action: 'eks:ListPodIdentityAssociations', resource: clusterArn });
    const max = query.has('maxResults') ? Number(query.get('maxResults')) : 100;
    if (!Number.isInteger(max) || max < 1 || max > 100)
      throw invalid('maxResults must be between 1 and 100.');
    if (!(await deps.clusterExists(cluster))) throw clusterNotFound(cluster);
    const ns = query.get('namespace');
    const sa = query.get('serviceAccount');
    const all = (await associationsOf(deps.store, owner))
      .filter(
        (a) => (ns === null || a.namespace === ns) && (sa === null || a.serviceAccount === sa),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.associationId.localeCompare(b.associationId));
    const token = query.get('nextToken');
    const start = token === null ? 0 : Number(token);
    if (!Number.isInteger(start) || start < 0 || start > all.length)
      throw invalid('The nextToken is not valid.'); // [inferred]
    const page = all.slice(start, start + max);
    return {
      status: 200,
      body: {
        associations: page.map((a) => ({
          clusterName: a.clusterName,
          namespace: a.namespace,
          serviceAccount: a.serviceAccount,
          associationArn: a.associationArn,
          associationId: a.associationId,
        })),
        ...(start + max < all.length ? { nextToken: String(start + max) } : {}),
      },
    };
  }

  if (id !== undefined && method === 'GET') {
    ctx.audit.eventName = 'DescribePodIdentityAssociation';
    ctx.audit.readOnly = true;
    ctx.audit.requestParameters = { clusterName: cluster, associationId: id };
    await deps.authorize(ctx, {
      action: 'eks:DescribePodIdentityAssociation',
      resource: associationArn(id),
    });
    const doc = await load(id);
    return { status: 200, body: { association: describeAssociation(doc) } };
  }

  if (id !== undefined && method === 'POST') {
    ctx.audit.eventName = 'UpdatePodIdentityAssociation';
    const b = restJsonBody(body);
    const roleArn = roleArnOf(b, false);
    const disableSessionTags = optionalBoolean(b, 'disableSessionTags');
    optionalString(b, 'clientRequestToken');
    refuseTargetRole(b);
    ctx.audit.requestParameters = {
      clusterName: cluster,
      associationId: id,
      ...(roleArn !== undefined ? { roleArn } : {}),
      ...(disableSessionTags !== undefined ? { disableSessionTags } : {}),
    };
    await deps.authorize(ctx, {
      action: 'eks:UpdatePodIdentityAssociation',
      resource: associationArn(id),
    });
    if (roleArn !== undefined)
      await deps.authorize(ctx, {
        action: 'iam:PassRole',
        resource: roleArn,
        context: { 'iam:PassedToService': 'pods.eks.amazonaws.com' },
      });
    await load(id);
    const doc = await deps.store.transaction(async (tx) => {
      const item = await tx.get<AssociationDoc>(ASSOCIATIONS, `${cluster}/${id}`);
      if (!item) throw associationNotFound(id);
      const updated: AssociationDoc = {
        ...item.value,
        ...(roleArn !== undefined ? { roleArn } : {}),
        ...(disableSessionTags !== undefined ? { disableSessionTags } : {}),
        modifiedAt: now,
      };
      await tx.put(ASSOCIATIONS, `${cluster}/${id}`, updated);
      return updated;
    });
    return { status: 200, body: { association: describeAssociation(doc) } };
  }

  if (id !== undefined && method === 'DELETE') {
    ctx.audit.eventName = 'DeletePodIdentityAssociation';
    ctx.audit.requestParameters = { clusterName: cluster, associationId: id };
    await deps.authorize(ctx, {
      action: 'eks:DeletePodIdentityAssociation',
      resource: associationArn(id),
    });
    await load(id);
    const doc = await deps.store.transaction(async (tx) => {
      const item = await tx.get<AssociationDoc>(ASSOCIATIONS, `${cluster}/${id}`);
      if (!item) throw associationNotFound(id);
      await tx.delete(ASSOCIATIONS, `${cluster}/${id}`);
      return item.value;
    });
    return { status: 200, body: { association: describeAssociation(doc) } };
  }
  throw new AwsError('UnknownOperationException', 404, `no EKS operation for ${method} ${path}`);
}
