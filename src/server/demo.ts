/**
 * The demo `irsa up` creates on an empty data folder (issue 6): the seed scenario, ready to
 * try. Cluster `demo`, its issuer registered as an OIDC provider in 123456789012, namespace
 * `production` with ServiceAccount `s3-app` annotated with `s3-app-role` (the seed's trust
 * policy, AmazonS3ReadOnlyAccess), a second ServiceAccount `web-app` annotated with the same
 * role but not trusted by it, and a bucket `my-bucket` with an object. Everything is made
 * through the same IAM operations and S3 handler the AWS clients call, as the account's admin.
 */
import type { ClusterService } from '../cluster/cluster-service.js';
import type { Clock } from '../common/clock.js';
import type { IamDirectory } from '../iam/directory.js';
import { providerArn } from '../iam/names.js';
import { providerKeyPrefix } from '../policy/web-identity.js';
import type { RawRequest, Route } from './aws/request.js';
import type { CallContext, QueryOperation, ServiceHandler } from './aws/types.js';

export const DEMO = {
  cluster: 'demo',
  account: '123456789012',
  namespace: 'production',
  serviceAccount: 's3-app',
  untrusted: 'web-app',
  role: 's3-app-role',
  bucket: 'my-bucket',
  object: 'hello.txt',
  objectBody: 'hello from irsakit: this object was read with IRSA credentials\n',
} as const;

export interface DemoDeps {
  clusters: ClusterService;
  directory: IamDirectory;
  iam: Readonly<Record<string, QueryOperation>>;
  s3: ServiceHandler;
  /** the local CA's SHA-1 thumbprint, as create-open-id-connect-provider takes it */
  thumbprint: string;
  clock: Clock;
  /** makes the cluster's first signing key */
  ensureKey: (cluster: string) => Promise<unknown>;
}

/** The seed's trust policy (seeds/001), for an issuer. */
export function seedTrustPolicy(issuer: string, account: string = DEMO.account): string {
  const hostPath = providerKeyPrefix(issuer);
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn(account, hostPath) },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${hostPath}:sub`]: `system:serviceaccount:${DEMO.namespace}:${DEMO.serviceAccount}`,
              [`${hostPath}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    },
    null,
    2,
  );
}

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: ${DEMO.namespace}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${DEMO.serviceAccount}
  namespace: ${DEMO.namespace}
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::${DEMO.account}:role/${DEMO.role}
---
# annotated with the same role, which does not trust it: its pods get AccessDenied from STS
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${DEMO.untrusted}
  namespace: ${DEMO.namespace}
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::${DEMO.account}:role/${DEMO.role}
`;

async function adminContext(deps: DemoDeps): Promise<CallContext> {
  const user = await deps.directory.getUser(DEMO.account, 'irsa-admin');
  if (!user) throw new Error(`account ${DEMO.account} has no admin user`);
  return {
    requestId: 'irsa-demo',
    caller: {
      principal: { type: 'User', id: user.arn, account: DEMO.account, partition: 'aws' },
      accessKeyId: 'irsa-demo',
      account: DEMO.account,
      userId: user.userId,
    },
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 'irsa-demo',
    secureTransport: false,
    now: deps.clock(),
    endpoint: 'http://127.0.0.1',
    audit: {},
    decisions: [],
  };
}

async function iamCall(
  deps: DemoDeps,
  ctx: CallContext,
  action: string,
  params: Record<string, string>,
): Promise<void> {
  const op = deps.iam[action];
  if (!op) throw new Error(`IAM has no ${action}`);
  await op(ctx, new Map(Object.entries(params)));
}

async function s3Put(deps: DemoDeps, ctx: CallContext, path: string, body: string): Promise<void> {
  const buf = Buffer.from(body);
  const raw: RawRequest = {
    method: 'PUT',
    target: path,
    path,
    rawQuery: '',
    rawHeaders: [
      ['Host', '127.0.0.1'],
      ['Content-Length', String(buf.length)],
      ['Content-Type', 'text/plain'],
    ],
    body: buf,
    sourceIp: '127.0.0.1',
    secure: false,
  };
  const route: Route = { service: 's3', protocol: 'rest-xml' };
  const res = await deps.s3({ ...ctx, audit: {}, decisions: [] }, raw, route);
  if (res.status >= 300) throw new Error(`S3 PUT ${path}: HTTP ${res.status}`);
}

/**
 * Creates the demo; call it on an empty store only.
 *
 * @example
 * const d = await createDemo(deps); // → { issuer: 'https://127.0.0.1:4578/id/…' }
 */
export async function createDemo(deps: DemoDeps): Promise<{ issuer: string }> {
  const cluster = await deps.clusters.createCluster(DEMO.cluster);
  await deps.ensureKey(cluster.name);
  const ctx = await adminContext(deps);
  await iamCall(deps, ctx, 'CreateOpenIDConnectProvider', {
    Url: cluster.issuer,
    'ClientIDList.member.1': 'sts.amazonaws.com',
    'ThumbprintList.member.1': deps.thumbprint,
  });
  await iamCall(deps, ctx, 'CreateRole', {
    RoleName: DEMO.role,
    AssumeRolePolicyDocument: seedTrustPolicy(cluster.issuer),
    Description: 'the seed role: pods of production/s3-app read S3',
  });
  await iamCall(deps, ctx, 'AttachRolePolicy', {
    RoleName: DEMO.role,
    PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  });
  await deps.clusters.apply(DEMO.cluster, MANIFESTS);
  await s3Put(deps, ctx, `/${DEMO.bucket}`, '');
  await s3Put(deps, ctx, `/${DEMO.bucket}/${DEMO.object}`, DEMO.objectBody);
  return { issuer: cluster.issuer };
}
