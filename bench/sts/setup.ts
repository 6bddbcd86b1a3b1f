/**
 * The irsakit side of the STS benchmarks: `irsa up` on a fresh data folder, with the seed's
 * cluster, provider, role and a service-account token, made through the admin API and
 * SigV4-signed IAM calls as a user would.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signRequest } from '../../src/sigv4/testing/sign.js';
import type { LoadRequest } from '../lib/load.js';
import { start, waitFor } from '../lib/proc.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

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

function credentialsOf(dataDir: string) {
  const text = readFileSync(join(dataDir, 'credentials'), 'utf8');
  return {
    accessKeyId: /aws_access_key_id = (\S+)/.exec(text)?.[1] as string,
    secretAccessKey: /aws_secret_access_key = (\S+)/.exec(text)?.[1] as string,
  };
}

export function signedQuery(
  host: string,
  body: string,
  creds: { accessKeyId: string; secretAccessKey: string },
  service: string,
): LoadRequest {
  const signed = signRequest({
    method: 'POST',
    target: '/',
    headers: [
      ['Host', host],
      ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
    ],
    body,
    credentials: creds,
    region: 'us-east-1',
    service,
    now: new Date(),
  });
  return { method: 'POST', path: '/', headers: Object.fromEntries(signed.headers), body };
}

export async function setupIrsakit(cli: string = join(root, 'dist/src/cli/main.js')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'irsa-bench-'));
  // BENCH_PROFILE_DIR=/tmp/prof: irsa up writes a CPU profile there when it stops
  const profile = process.env.BENCH_PROFILE_DIR;
  const server = start(process.execPath, [
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    // BENCH_NODE_FLAGS='--perf-basic-prof': flags for irsa up's node (perf can then name JS frames)
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? []),
    cli,
    'up',
    '--port',
    '0',
    '--issuer-port',
    '0',
    '--data',
    dataDir,
    // the seed's steps below make the provider and the role: no demo
    '--no-demo',
  ]);
  await waitFor(async () => existsSync(join(dataDir, 'server.json')), 'irsa up');
  const { edge, issuer } = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
    edge: string;
    issuer: string;
  };
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
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
  const host = new URL(edge).host;
  const creds = credentialsOf(dataDir);
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
    pid: server.pid,
    edge,
    issuer,
    host,
    creds,
    jwt: tr.status.token,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
