/**
 * The irsakit side of the STS benchmarks: `irsa up` on a fresh data folder, with the seed's
 * cluster, provider, role and a service-account token, made through the admin API and
 * SigV4-signed IAM calls as a user would.
 */
import type { LoadRequest } from '../lib/load.js';
import { signedQuery, startIrsaUp } from '../lib/irsa.js';

/** The measured AssumeRoleWithWebIdentity: unsigned, as the SDKs send it, with the pod's token. */
export function arwwiRequest(jwt: string): LoadRequest {
  return {
    method: 'POST',
    path: '/',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/s3-app-role',
      RoleSessionName: 'bench',
      WebIdentityToken: jwt,
    }).toString(),
  };
}

async function admin(
  edge: string,
  token: string,
  method: string,
  path: string,
  body?: string | object,
) {
  const r = await fetch(`${edge}/_irsa/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

export async function setupIrsakit(cli?: string) {
  const up = await startIrsaUp(cli);
  const { edge, issuer, host, token, admin: creds } = up;
  const cluster = (await admin(edge, token, 'POST', '/clusters', { name: 'demo' })) as {
    issuer: string;
  };
  const describe = (await admin(edge, token, 'GET', '/clusters/demo/issuer')) as {
    thumbprint: string;
  };
  await admin(
    edge,
    token,
    'POST',
    '/clusters/demo/apply',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: production}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s3-app\n  namespace: production\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/s3-app-role\n',
  );
  const hostPath = cluster.issuer.replace('https://', '');
  const iam = async (params: Record<string, string>) => {
    const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
    const r = signedQuery(host, body, creds, 'iam');
    const res = await fetch(`${edge}/`, { method: 'POST', headers: r.headers, body });
    if (res.status !== 200) throw new Error(`${params.Action}: ${await res.text()}`);
  };
  await iam({
    Action: 'CreateOpenIDConnectProvider',
    Url: cluster.issuer,
    'ClientIDList.member.1': 'sts.amazonaws.com',
    'ThumbprintList.member.1': describe.thumbprint,
  });
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${hostPath}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${hostPath}:sub`]: 'system:serviceaccount:production:s3-app',
            [`${hostPath}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
  await iam({
    Action: 'CreateRole',
    RoleName: 's3-app-role',
    AssumeRolePolicyDocument: JSON.stringify(trust),
  });
  const tr = (await admin(
    edge,
    token,
    'POST',
    '/clusters/demo/namespaces/production/serviceaccounts/s3-app/token',
    {
      spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400 },
    },
  )) as { status: { token: string } };
  return {
    pid: up.pid,
    edge,
    issuer,
    host,
    creds,
    jwt: tr.status.token,
    dataDir: up.dataDir,
    cleanup: up.cleanup,
  };
}
