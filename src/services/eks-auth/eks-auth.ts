/**
 * EKS Auth on the edge (spec/aws-wire.md §4): `POST /clusters/{clusterName}/assume-role-for-pod-identity`
 * (REST-JSON, signing name `eks-auth`, API 2023-11-26), signed by the caller — the Pod
 * Identity agent signs with the node's role — and authorized as `eks-auth:AssumeRoleForPodIdentity`
 * on the cluster ARN. The token is verified against the cluster's own issuer (audience
 * `pods.eks.amazonaws.com`), the association of its namespace and service account picks the
 * role, and the role is assumed for the service principal `pods.eks.amazonaws.com` with the six
 * session tags (src/sts/pod-identity.ts does all of that). Errors are EKS Auth's:
 * `InvalidTokenException`, `ExpiredTokenException`, `ResourceNotFoundException`,
 * `AccessDeniedException` (400, as the service model has it), `InvalidParameterException`.
 */
import type { ClusterRecord } from '../../cluster/types.js';
import { AwsError } from '../../common/aws-error.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { RawRequest } from '../../server/aws/request.js';
import type { CallContext } from '../../server/aws/types.js';
import { JSON_ACCESS_DENIED } from '../../server/aws/denied.js';
import type { Store } from '../../store/types.js';
import {
  assumeRoleForPodIdentity,
  type PodIdentityResponse,
  type StsDeps,
} from '../../sts/index.js';
import { pathSegment } from '../eks/path-segment.js';
import { clusterNotFound } from '../eks/rest-json.js';
import { clusterOwner, ownedBy } from '../eks/owner.js';
import {
  type AssociationDoc,
  associationForCore,
  findAssociation,
} from '../eks/pod-identity-associations.js';

export interface EksAuthDeps {
  store: Store;
  /** the clusters irsakit runs */
  clusters: { listClusters(): Promise<ClusterRecord[]> };
  authorize: Authorize;
  /** STS's dependencies (directory, sealer, OIDC keys, clock) */
  sts: StsDeps;
  /** thumbprints to reach the clusters' issuers through (the local CA's) */
  thumbprints: readonly string[];
}

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;
/** the service model's JwtToken pattern */
const JWT_TOKEN = /^[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+$/;

function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', 400, message);
}

/**
 * Assumes a pod's association role for a cluster: what EKS Auth and the agent endpoint share.
 * `account` is the cluster's account (its ARN's). `found` is the association the caller has
 * already looked up for the token's service account (`null`: it has none), so it is not read
 * twice; without it, the association is looked up once the token has verified. Either way the
 * core checks that it is the verified token's namespace and service account. The call's notes
 * get that service account and its association's role once the token has verified (the
 * trail's filters find the exchange by them, refused or not).
 *
 * @example
 * const body = await podIdentityCredentials(deps, ctx, cluster, '123456789012', 'us-east-1', token);
 */
export async function podIdentityCredentials(
  deps: Pick<EksAuthDeps, 'store' | 'sts' | 'thumbprints'>,
  ctx: CallContext,
  cluster: ClusterRecord,
  account: string,
  region: string,
  token: string,
  found?: AssociationDoc | null,
): Promise<PodIdentityResponse> {
  return assumeRoleForPodIdentity(
    {
      cluster: {
        name: cluster.name,
        arn: `arn:aws:eks:${region}:${account}:cluster/${cluster.name}`,
        issuer: cluster.issuer,
        thumbprints: deps.thumbprints,
      },
      token,
      // asked with the verified token's namespace and service account
      association: async (namespace, serviceAccount) => {
        const a =
          found === undefined
            ? await findAssociation(
                deps.store,
                { name: cluster.name, account, region },
                namespace,
                serviceAccount,
              )
            : found;
        const core = a ? associationForCore(a) : undefined;
        const theirs =
          core?.namespace === namespace && core.serviceAccount === serviceAccount
            ? core
            : undefined;
        ctx.audit.exchange = { roleArn: theirs?.roleArn, namespace, serviceAccount };
        return core;
      },
    },
    deps.sts,
  );
}

/**
 * Handles an EKS Auth REST-JSON request; undefined when the path is not an EKS Auth route.
 *
 * @example
 * await handleEksAuth(deps, ctx, raw) // → { status: 200, body: { subject, audience, podIdentityAssociation, assumedRoleUser, credentials } }
 */
export async function handleEksAuth(
  deps: EksAuthDeps,
  ctx: CallContext,
  raw: RawRequest,
): Promise<{ status: number; body: unknown } | undefined> {
  const m = /^\/clusters\/([^/]+)\/assume-role-for-pod-identity\/?$/.exec(raw.path);
  if (!m) return undefined;
  if (raw.method !== 'POST')
    throw new AwsError(
      'UnknownOperationException',
      404,
      `No operation for ${raw.method} ${raw.path}`,
    );
  const name = pathSegment(m[1] as string, 'clusterName', 'cluster name');
  noteCall(ctx, name);
  if (!CLUSTER_NAME.test(name) || name.length > 100)
    // [inferred] EKS Auth's wording
    throw invalidParameter(
      'clusterName must be 1–100 characters: letters, digits, hyphens and underscores, starting with a letter or digit.',
    );
  let body: unknown;
  try {
    body = raw.body.length === 0 ? {} : JSON.parse(raw.body.toString('utf8'));
  } catch {
    throw invalidParameter('The request body is not valid JSON.'); // [inferred]
  }
  const token =
    body && typeof body === 'object' && !Array.isArray(body)
      ? (body as { token?: unknown }).token
      : undefined;
  if (typeof token !== 'string' || token === '') throw invalidParameter('token is required.'); // [inferred]
  if (!JWT_TOKEN.test(token))
    throw new AwsError('InvalidTokenException', 400, 'The provided token is invalid'); // [inferred]

  const account = ctx.caller?.account;
  if (!account) throw new AwsError('AccessDeniedException', 400, 'Missing Authentication Token');
  const clusterArn = `arn:aws:eks:${ctx.region}:${account}:cluster/${name}`;
  await deps.authorize(ctx, {
    action: 'eks-auth:AssumeRoleForPodIdentity',
    resource: clusterArn,
    deniedCode: JSON_ACCESS_DENIED,
  });
  // a cluster is its account's, in its region (eks-api.ts)
  const cluster = (await deps.clusters.listClusters()).find(
    (c) => c.name === name && ownedBy(clusterOwner(c), account, ctx.region),
  );
  if (!cluster) throw clusterNotFound(name);
  const out = await podIdentityCredentials(deps, ctx, cluster, account, ctx.region, token);
  noteAnswer(ctx, clusterArn, account, out);
  return { status: 200, body: out };
}

/**
 * What every AssumeRoleForPodIdentity records first (EKS Auth's, and the agent's call): the
 * cluster's name once it is known.
 */
export function noteCall(ctx: CallContext, clusterName: string | undefined): void {
  ctx.audit.eventName = 'AssumeRoleForPodIdentity';
  ctx.audit.eventSource = 'eks-auth.amazonaws.com';
  ctx.audit.readOnly = true;
  ctx.audit.requestParameters = clusterName === undefined ? null : { clusterName };
}

/** What an answered AssumeRoleForPodIdentity records (the credentials' key id, never the secret). */
export function noteAnswer(
  ctx: CallContext,
  clusterArn: string,
  account: string,
  out: PodIdentityResponse,
): void {
  ctx.audit.responseElements = {
    subject: out.subject,
    audience: out.audience,
    podIdentityAssociation: out.podIdentityAssociation,
    assumedRoleUser: out.assumedRoleUser,
    credentials: {
      accessKeyId: out.credentials.accessKeyId,
      expiration: out.credentials.expiration,
    },
  };
  ctx.audit.resources = [{ ARN: clusterArn, accountId: account, type: 'AWS::EKS::Cluster' }];
}
