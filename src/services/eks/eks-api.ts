/**
 * The part of the EKS API (REST-JSON, signing name `eks`) IRSA users touch: ListClusters,
 * DescribeCluster (its `identity.oidc.issuer` is the seeds' first step), CreateCluster and
 * DeleteCluster, over irsakit's local clusters, and the pod identity associations
 * (pod-identity-associations.ts). Each call is authorized like AWS's (`eks:<Action>` on
 * `arn:aws:eks:<region>:<account>:cluster/<name>`).
 */
import { readFileSync } from 'node:fs';
import type { ClusterService } from '../../cluster/cluster-service.js';
import { ClusterError, type ClusterRecord } from '../../cluster/types.js';
import { AwsError } from '../../common/aws-error.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { CallContext } from '../../server/aws/types.js';
import type { Store } from '../../store/types.js';
import { clusterOwner, ownedBy } from './owner.js';
import { pathSegment } from './path-segment.js';
import { clusterNotFound, restJsonBody } from './rest-json.js';
import { handleAssociations } from './pod-identity-associations.js';

export interface EksDeps {
  clusters: ClusterService;
  /** throws AccessDenied when the caller may not */
  authorize: Authorize;
  /** the local CA certificate, for `certificateAuthority.data` */
  caCertPath: string;
  /** the account clusters belong to when the caller has none */
  defaultAccount: string;
  /** where pod identity associations live (without it, their routes are not served) */
  store?: Store | undefined;
}

export interface RestJsonResponse {
  status: number;
  body: unknown;
}

const NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;

function describe(
  c: ClusterRecord,
  account: string,
  caData: string,
  endpoint: string,
): Record<string, unknown> {
  return {
    name: c.name,
    arn: `arn:aws:eks:${c.region}:${account}:cluster/${c.name}`,
    createdAt: Date.parse(c.createdAt) / 1000,
    version: '1.31',
    endpoint,
    roleArn: `arn:aws:iam::${account}:role/eks-cluster-role`,
    resourcesVpcConfig: {
      subnetIds: [],
      securityGroupIds: [],
      endpointPublicAccess: true,
      endpointPrivateAccess: false,
      publicAccessCidrs: ['0.0.0.0/0'],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
    identity: { oidc: { issuer: c.issuer } },
    status: 'ACTIVE',
    certificateAuthority: { data: caData },
    platformVersion: 'eks.1',
    tags: {},
  };
}

/**
 * Handles an EKS REST-JSON request; undefined when the path is not an EKS route.
 *
 * @example
 * await handleEks(deps, ctx, 'GET', '/clusters/demo', Buffer.alloc(0)) // → { status: 200, body: { cluster: {…} } }
 */
export async function handleEks(
  deps: EksDeps,
  ctx: CallContext,
  method: string,
  path: string,
  query: URLSearchParams,
  body: Buffer,
): Promise<RestJsonResponse | undefined> {
  const account = ctx.caller?.account ?? deps.defaultAccount;
  const arn = (name: string) => `arn:aws:eks:${ctx.region}:${account}:cluster/${name}`;
  // EKS shows a cluster to its own account, in its own region: elsewhere it does not exist
  const visible = (c: ClusterRecord) => ownedBy(clusterOwner(c), account, ctx.region);
  const findCluster = async (name: string) =>
    (await deps.clusters.listClusters()).find((c) => c.name === name && visible(c));
  if (deps.store) {
    const store = deps.store;
    const answer = await handleAssociations(
      {
        store,
        authorize: deps.authorize,
        defaultAccount: deps.defaultAccount,
        clusterExists: async (name) => (await findCluster(name)) !== undefined,
      },
      ctx,
      method,
      path,
      query,
      body,
    );
    if (answer) return answer;
  }
  const m = /^\/clusters(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  const caData = Buffer.from(readFileSync(deps.caCertPath)).toString('base64');
  const name = m[1] === undefined ? undefined : pathSegment(m[1], 'clusterName', 'cluster name');
  try {
    if (name === undefined && method === 'GET') {
      await deps.authorize(ctx, {
        action: 'eks:ListClusters',
        resource: `arn:aws:eks:${ctx.region}:${account}:cluster/*`,
      });
      const max = Number(query.get('maxResults') ?? 100);
      if (!Number.isInteger(max) || max < 1 || max > 100)
        throw new AwsError(
          'InvalidParameterException',
          400,
          'maxResults must be between 1 and 100.',
        );
      const names = (await deps.clusters.listClusters())
        .filter(visible)
        .map((c) => c.name)
        .sort();
      const token = query.get('nextToken');
      const start = token === null ? 0 : Number(token);
      // a token this gave is a position; past the end (clusters deleted since) is an empty page
      if (!/^\d{1,9}$/.test(token ?? '0'))
        throw new AwsError('InvalidParameterException', 400, 'The nextToken is not valid.'); // [inferred]
      const page = names.slice(start, start + max);
      return {
        status: 200,
        body: {
          clusters: page,
          ...(start + max < names.length ? { nextToken: String(start + max) } : {}),
        },
      };
    }
    if (name === undefined && method === 'POST') {
      const b = restJsonBody(body);
      const newName = b.name;
      if (typeof newName !== 'string' || !NAME.test(newName) || newName.length > 100) {
        throw new AwsError(
          'InvalidParameterException',
          400,
          'The cluster name must be 1–100 characters: letters, digits, hyphens and underscores, starting with a letter or digit.',
        );
      }
      await deps.authorize(ctx, { action: 'eks:CreateCluster', resource: arn(newName) });
      const same = (await deps.clusters.listClusters()).find((c) => c.name === newName);
      if (same && visible(same)) {
        throw new AwsError(
          'ResourceInUseException',
          409,
          `Cluster already exists with name: ${newName}`,
        );
      }
      // a local cluster's name is its issuer's and kubeconfig's: one per machine (README)
      if (same)
        throw new AwsError(
          'InvalidParameterException',
          400,
          `irsakit's cluster names are unique on this machine, and ${newName} is another account's or region's`,
        );
      const created = await deps.clusters.createCluster(newName, { region: ctx.region, account });
      return { status: 200, body: { cluster: describe(created, account, caData, ctx.endpoint) } };
    }
    if (name !== undefined && method === 'GET') {
      await deps.authorize(ctx, { action: 'eks:DescribeCluster', resource: arn(name) });
      const c = await findCluster(name);
      if (!c) throw clusterNotFound(name);
      return { status: 200, body: { cluster: describe(c, account, caData, ctx.endpoint) } };
    }
    if (name !== undefined && method === 'DELETE') {
      await deps.authorize(ctx, { action: 'eks:DeleteCluster', resource: arn(name) });
      const c = await findCluster(name);
      if (!c) throw clusterNotFound(name);
      await deps.clusters.deleteCluster(name);
      return {
        status: 200,
        body: { cluster: { ...describe(c, account, caData, ctx.endpoint), status: 'DELETING' } },
      };
    }
  } catch (e) {
    if (e instanceof ClusterError) {
      throw new AwsError(
        e.status.code === 404 ? 'ResourceNotFoundException' : 'InvalidParameterException',
        e.status.code === 404 ? 404 : 400,
        e.status.message,
      );
    }
    throw e;
  }
  throw new AwsError('UnknownOperationException', 404, `no EKS operation for ${method} ${path}`);
}
