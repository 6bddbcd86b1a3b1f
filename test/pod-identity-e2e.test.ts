/**
 * EKS Pod Identity end to end with the real clients: associations through the AWS CLI and
 * boto3 (`eks create-/describe-/list-/update-/delete-pod-identity-association`), EKS Auth's
 * AssumeRoleForPodIdentity through boto3's `eks-auth` client with a pod-bound token from
 * `irsa token create --audience pods.eks.amazonaws.com --bound-pod`, its refusals with EKS
 * Auth's exact codes, the Pod Identity agent's `GET /v1/credentials` through boto3's and the JS
 * SDK's container credential providers (the session tags at work in a policy), and revocation
 * of pod identity sessions with a deny on `aws:TokenIssueTime`.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromContainerMetadata, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/common/clock.js';
import { KeyRing } from '../src/issuer/key-ring.js';
import { openStore } from '../src/store/open.js';
import { ACCOUNT, type Harness, startHarness } from './support/harness.js';

let h: Harness;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const PODS = 'pods.eks.amazonaws.com';

const manifest = `apiVersion: v1
kind: Namespace
metadata: {name: production}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: s3-app, namespace: production}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: lonely, namespace: production}
---
apiVersion: v1
kind: Pod
metadata: {name: s3-reader, namespace: production}
spec:
  serviceAccountName: s3-app
  containers: [{name: app, image: amazon/aws-cli}]
---
apiVersion: v1
kind: Pod
metadata: {name: lonely-pod, namespace: production}
spec:
  serviceAccountName: lonely
  containers: [{name: app, image: amazon/aws-cli}]
`;

async function token(sa: string, pod: string, audience = PODS): Promise<string> {
  const r = await h.irsa([
    'token',
    'create',
    '-n',
    'production',
    sa,
    '--audience',
    audience,
    '--bound-pod',
    pod,
  ]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

function tokenFile(t: string): string {
  const file = join(h.home, `pod-${Math.random().toString(36).slice(2)}.jwt`);
  // as EKS mounts it: no newline (botocore refuses a header value with one)
  writeFileSync(file, t);
  return file;
}

/** boto3's eks-auth client, admin-signed (the agent signs with the node role) */
function assumeForPod(t: string) {
  return h.python(
    `
import boto3, json, botocore
c = boto3.client('eks-auth')
try:
    r = c.assume_role_for_pod_identity(clusterName='demo', token=${JSON.stringify(t)})
    r.pop('ResponseMetadata')
    print(json.dumps(r, default=str))
except botocore.exceptions.ClientError as e:
    print(json.dumps({'error': e.response['Error'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}))
`,
  );
}

/** A pod's environment: the agent's endpoint and token file, no other credentials. */
function podEnv(file: string): NodeJS.ProcessEnv {
  const e = h.env(undefined, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${h.server.edge}/v1/credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
  });
  delete e.AWS_ACCESS_KEY_ID;
  delete e.AWS_SECRET_ACCESS_KEY;
  delete e.AWS_SESSION_TOKEN;
  return e;
}

const podTrust = (actions: string[], principal: object = { Service: PODS }) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: actions }],
  });

let associationId = '';

beforeAll(async () => {
  h = await startHarness();
  const file = join(h.home, 'pods.yaml');
  writeFileSync(file, manifest);
  const applied = await h.irsa(['apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  const mk = async (name: string, trust: string) => {
    const r = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      name,
      '--assume-role-policy-document',
      trust,
    ]);
    expect(r.code, r.stderr).toBe(0);
  };
  await mk('pod-role', podTrust(['sts:AssumeRole', 'sts:TagSession']));
  await mk('no-tag-role', podTrust(['sts:AssumeRole']));
  await mk('web-role', podTrust(['sts:AssumeRole', 'sts:TagSession'], { AWS: ACCOUNT }));
  await mk('production-reports', podTrust(['sts:AssumeRole']));
  // GetRole only on roles named after the session's namespace tag
  const put = await h.aws([
    'iam',
    'put-role-policy',
    '--role-name',
    'pod-role',
    '--policy-name',
    'by-namespace',
    '--policy-document',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:GetRole',
          Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:PrincipalTag/kubernetes-namespace}-*`,
        },
      ],
    }),
  ]);
  expect(put.code, put.stderr).toBe(0);
}, 120_000);

afterAll(() => h.close());

describe('pod identity associations', () => {
  it('creates, describes and lists one through the AWS CLI', async () => {
    const c = await h.aws([
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'demo',
      '--namespace',
      'production',
      '--service-account',
      's3-app',
      '--role-arn',
      role('pod-role'),
      '--tags',
      'team=data',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const a = (JSON.parse(c.stdout) as { association: Record<string, unknown> }).association;
    associationId = a.associationId as string;
    expect(associationId).toMatch(/^a-[a-z0-9]{17}$/);
    expect(a).toMatchObject({
      clusterName: 'demo',
      namespace: 'production',
      serviceAccount: 's3-app',
      roleArn: role('pod-role'),
      associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/demo/${associationId}`,
      tags: { team: 'data' },
      disableSessionTags: false,
    });
    const d = await h.aws([
      'eks',
      'describe-pod-identity-association',
      '--cluster-name',
      'demo',
      '--association-id',
      associationId,
    ]);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).association.roleArn).toBe(role('pod-role'));
    const l = await h.aws(['eks', 'list-pod-identity-associations', '--cluster-name', 'demo']);
    expect(l.code, l.stderr).toBe(0);
    expect(JSON.parse(l.stdout).associations).toEqual([
      {
        clusterName: 'demo',
        namespace: 'production',
        serviceAccount: 's3-app',
        associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/demo/${associationId}`,
        associationId,
      },
    ]);
  }, 180_000);

  it('refuses a second association of a service account and an unknown cluster', async () => {
    const args = [
      '--namespace',
      'production',
      '--service-account',
      's3-app',
      '--role-arn',
      role('pod-role'),
    ];
    const dup = await h.aws([
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'demo',
      ...args,
    ]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('(ResourceInUseException)');
    const none = await h.aws([
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'nope',
      ...args,
    ]);
    expect(none.stderr).toContain(
      'An error occurred (ResourceNotFoundException) when calling the CreatePodIdentityAssociation operation: No cluster found for name: nope.',
    );
  }, 180_000);

  it('lists with filters, updates and deletes through boto3', async () => {
    const r = await h.python(`
import boto3, json, botocore
eks = boto3.client('eks')
a = eks.create_pod_identity_association(clusterName='demo', namespace='batch', serviceAccount='worker', roleArn='${role('no-tag-role')}', disableSessionTags=True)['association']
out = {'created': a}
out['filtered'] = eks.list_pod_identity_associations(clusterName='demo', namespace='batch')['associations']
out['page'] = eks.list_pod_identity_associations(clusterName='demo', maxResults=1)
out['page'].pop('ResponseMetadata')
out['updated'] = eks.update_pod_identity_association(clusterName='demo', associationId=a['associationId'], roleArn='${role('pod-role')}')['association']
out['deleted'] = eks.delete_pod_identity_association(clusterName='demo', associationId=a['associationId'])['association']['associationId']
try:
    eks.describe_pod_identity_association(clusterName='demo', associationId=a['associationId'])
except botocore.exceptions.ClientError as e:
    out['gone'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
print(json.dumps(out, default=str))
`);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.created).toMatchObject({
      namespace: 'batch',
      serviceAccount: 'worker',
      disableSessionTags: true,
    });
    expect(out.filtered.map((a: { serviceAccount: string }) => a.serviceAccount)).toEqual([
      'worker',
    ]);
    expect(out.page.associations).toHaveLength(1);
    expect(out.page.nextToken).toBeTruthy();
    expect(out.updated.roleArn).toBe(role('pod-role'));
    expect(out.deleted).toBe(out.created.associationId);
    expect(out.gone).toEqual(['ResourceNotFoundException', 404]);
  }, 180_000);
});

describe('EKS Auth AssumeRoleForPodIdentity (boto3 eks-auth)', () => {
  it('issues credentials with the six session tags for a pod-bound token', async () => {
    const t = await token('s3-app', 's3-reader');
    const r = await assumeForPod(t);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.subject).toEqual({ namespace: 'production', serviceAccount: 's3-app' });
    expect(out.audience).toBe(PODS);
    expect(out.podIdentityAssociation.associationId).toBe(associationId);
    expect(out.assumedRoleUser.arn).toMatch(
      new RegExp(
        `^arn:aws:sts::${ACCOUNT}:assumed-role/pod-role/eks-demo-s3-reader-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
      ),
    );
    expect(out.assumedRoleUser.assumeRoleId).toMatch(/^AROA[A-Z0-9]+:eks-demo-s3-reader-/);
    expect(out.credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    // the credentials work: boto3 signs GetCallerIdentity with them
    const who = await h.python(
      `import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])`,
      {
        accessKeyId: out.credentials.accessKeyId,
        secretAccessKey: out.credentials.secretAccessKey,
        sessionToken: out.credentials.sessionToken,
      },
    );
    expect(who.stdout.trim()).toBe(out.assumedRoleUser.arn);
  }, 180_000);

  it('refuses with EKS Auth’s codes', async () => {
    const expectError = async (t: string, code: string, status: number) => {
      const r = await assumeForPod(t);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.error?.Code, r.stdout).toBe(code);
      expect(out.status).toBe(status);
      return out.error.Message as string;
    };
    // a token for STS, not for pods.eks.amazonaws.com
    expect(
      await expectError(
        await token('s3-app', 's3-reader', 'sts.amazonaws.com'),
        'InvalidTokenException',
        400,
      ),
    ).toBe('The provided token is invalid');
    // an expired token, signed by the cluster's own key
    expect(await expectError(await expiredToken(), 'ExpiredTokenException', 400)).toBe(
      'The provided token has expired',
    );
    // a service account without an association
    expect(
      await expectError(await token('lonely', 'lonely-pod'), 'ResourceNotFoundException', 404),
    ).toBe('No Pod Identity Association found for service account lonely in namespace production');
    // trust policies that do not let pods.eks.amazonaws.com in, or not with sts:TagSession
    for (const bad of ['web-role', 'no-tag-role']) {
      await setRole(bad);
      expect(
        await expectError(await token('s3-app', 's3-reader'), 'AccessDeniedException', 400),
      ).toBe(
        `EKS Pod Identity is not authorized to perform: sts:AssumeRole on resource: ${role(bad)}`,
      );
    }
    await setRole('pod-role');
    // garbage
    await expectError('a.b.c', 'InvalidTokenException', 400);
  }, 180_000);

  it('authorizes the caller for eks-auth:AssumeRoleForPodIdentity on the cluster', async () => {
    const node = await h.roleSession({ roleName: 'node-without-eks-auth' });
    const r = await h.python(
      `
import boto3, botocore
try:
    boto3.client('eks-auth').assume_role_for_pod_identity(clusterName='demo', token=${JSON.stringify(await token('s3-app', 's3-reader'))})
except botocore.exceptions.ClientError as e:
    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Message'])
`,
      node,
    );
    expect(r.stdout.trim()).toBe(
      `AccessDeniedException 400 User: arn:aws:sts::${ACCOUNT}:assumed-role/node-without-eks-auth/node-without-eks-auth-session is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo because no identity-based policy allows the eks-auth:AssumeRoleForPodIdentity action`,
    );
  }, 180_000);
});

async function setRole(name: string): Promise<void> {
  const r = await h.aws([
    'eks',
    'update-pod-identity-association',
    '--cluster-name',
    'demo',
    '--association-id',
    associationId,
    '--role-arn',
    role(name),
  ]);
  expect(r.code, r.stderr).toBe(0);
}

/** A pod token whose `exp` has passed, signed with the cluster's current key (read only). */
async function expiredToken(): Promise<string> {
  const claims = decodeJwt(await token('s3-app', 's3-reader'));
  const now = Math.floor(Date.now() / 1000);
  // the server's store, wherever it is (IRSA_TEST_STORE=postgres: PostgreSQL)
  const store = await openStore(h.dataDir, { url: h.storeUrl });
  try {
    const ring = new KeyRing({ store, clock: systemClock });
    const signed = await ring.sign(
      'demo',
      Buffer.from(JSON.stringify({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
      { lifetimeSeconds: 600 },
    );
    return signed.token;
  } finally {
    await store.close();
  }
}

describe('the Pod Identity agent endpoint (GET /v1/credentials)', () => {
  it('gives boto3 and the AWS CLI credentials through the container provider, tags at work', async () => {
    const file = tokenFile(await token('s3-app', 's3-reader'));
    const r = await h.run(
      'python3',
      [
        '-c',
        `
import boto3, json, botocore
s = boto3.session.Session()
out = {'method': s.get_credentials().method, 'arn': s.client('sts').get_caller_identity()['Arn']}
iam = s.client('iam')
out['own'] = iam.get_role(RoleName='production-reports')['Role']['RoleName']
try:
    iam.get_role(RoleName='pod-role')
except botocore.exceptions.ClientError as e:
    out['other'] = e.response['Error']['Code']
print(json.dumps(out))
`,
      ],
      podEnv(file),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.method).toBe('container-role');
    expect(out.arn).toMatch(
      new RegExp(
        `^arn:aws:sts::${ACCOUNT}:assumed-role/pod-role/eks-demo-s3-reader-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
      ),
    );
    // ${aws:PrincipalTag/kubernetes-namespace} = production
    expect(out.own).toBe('production-reports');
    expect(out.other).toBe('AccessDenied');
    const cli = await h.run('aws', ['sts', 'get-caller-identity'], podEnv(file));
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).Arn).toMatch(/:assumed-role\/pod-role\/eks-demo-s3-reader-/);
  }, 180_000);

  it('gives the JS SDK credentials through fromContainerMetadata and the default chain', async () => {
    const t = await token('s3-app', 's3-reader');
    const saved = { ...process.env };
    try {
      for (const k of [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_PROFILE',
      ])
        delete process.env[k];
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(h.home, 'none');
      process.env.AWS_CONFIG_FILE = join(h.home, 'none');
      process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${h.server.edge.replace('localhost', '127.0.0.1')}/v1/credentials`;
      process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = t;
      const viaMetadata = new STSClient({
        endpoint: h.server.edge,
        region: 'us-east-1',
        credentials: fromContainerMetadata(),
      });
      const a = await viaMetadata.send(new GetCallerIdentityCommand({}));
      expect(a.Arn).toMatch(/:assumed-role\/pod-role\/eks-demo-s3-reader-/);
      delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
      process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = tokenFile(t);
      const chain = fromNodeProviderChain();
      const creds = await chain();
      expect(creds.accessKeyId).toMatch(/^ASIA/);
      const viaChain = new STSClient({
        endpoint: h.server.edge,
        region: 'us-east-1',
        credentials: chain,
      });
      const b = await viaChain.send(new GetCallerIdentityCommand({}));
      expect(b.Arn).toMatch(/:assumed-role\/pod-role\/eks-demo-s3-reader-/);
      const iam = new IAMClient({
        endpoint: h.server.edge,
        region: 'us-east-1',
        credentials: chain,
      });
      const got = await iam.send(new GetRoleCommand({ RoleName: 'production-reports' }));
      expect(got.Role?.RoleName).toBe('production-reports');
    } finally {
      process.env = saved;
    }
  }, 180_000);

  it('answers as the agent does: 400 for an unusable token, upstream errors as text', async () => {
    const edge = h.server.edge;
    const expired = await fetch(`${edge}/v1/credentials`, {
      headers: { Authorization: await expiredToken() },
    });
    expect(expired.status).toBe(400);
    // the agent's own words: its validateToken prefixes
    expect(await expired.text()).toBe(
      'Service account token failed basic claim validations: token has invalid claims: token is expired',
    );
    // shaped as a JWT (else it is no agent request: S3 answers it), its parts not JSON
    const garbage = await fetch(`${edge}/v1/credentials`, {
      headers: { Authorization: 'aaaa.bbbb.cccc' },
    });
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toMatch(
      /^Service account token cannot be parsed: token is malformed: /,
    );
    const wrongAudience = await fetch(`${edge}/v1/credentials`, {
      headers: { Authorization: await token('s3-app', 's3-reader', 'sts.amazonaws.com') },
    });
    expect(wrongAudience.status).toBe(400);
    expect(await wrongAudience.text()).toMatch(
      /^\[[0-9a-f-]{36}\]: \(InvalidTokenException\): The provided token is invalid, fault: client$/,
    );
    const t = await token('s3-app', 's3-reader');
    const notMine = await new Promise<[number, string]>((resolve, reject) => {
      const u = new URL(edge);
      request(
        {
          host: u.hostname,
          port: u.port,
          path: '/v1/credentials',
          headers: { Authorization: t, Host: 'example.com' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve([res.statusCode ?? 0, body]));
        },
      )
        .on('error', reject)
        .end();
    });
    expect(notMine).toEqual([
      403,
      'Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not example.com',
    ]);
    // S3 path-style `v1/credentials` (anonymous, or signed) never reaches the agent
    const anonymous = await fetch(`${edge}/v1/credentials`);
    expect(anonymous.headers.get('content-type')).not.toBe('application/json');
  }, 180_000);

  it('records each call the agent makes to EKS Auth, answered or refused; cache hits make none', async () => {
    type Line = {
      eventName: string;
      eventSource: string;
      errorCode?: string;
      requestID: string;
      userAgent: string;
      recipientAccountId: string;
      requestParameters: { clusterName?: string } | null;
      responseElements: {
        assumedRoleUser?: { arn: string };
        credentials?: Record<string, unknown>;
      } | null;
      irsaExplanation: { outcome: string; hop?: string; claim?: string; expected?: string[] };
    };
    const podCalls = async (...filters: string[]) =>
      (await h.irsa(['trail', '--json', '--limit', '1000', ...filters])).stdout
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Line)
        .filter(
          (e) => e.eventName === 'AssumeRoleForPodIdentity' && e.userAgent === 'pod/agent-audit',
        );
    const before = (await podCalls()).length;
    const t = await token('s3-app', 's3-reader');
    const get = (authorization: string) =>
      fetch(`${h.server.edge}/v1/credentials`, {
        headers: { Authorization: authorization, 'User-Agent': 'pod/agent-audit' },
      });
    const first = await get(t);
    expect(first.status).toBe(200);
    const creds = (await first.json()) as {
      AccessKeyId: string;
      SecretAccessKey: string;
      Token: string;
    };
    // served from the agent's cache: no call to EKS Auth, nothing to record
    expect((await get(t)).status).toBe(200);
    const refused = await get(await token('s3-app', 's3-reader', 'sts.amazonaws.com'));
    expect(refused.status).toBe(400);
    const calls = (await podCalls()).slice(before);
    expect(calls.map((c) => c.errorCode ?? 'ok')).toEqual(['ok', 'InvalidTokenException']);
    const [ok, no] = calls as [Line, Line];
    expect(ok).toMatchObject({
      eventSource: 'eks-auth.amazonaws.com',
      recipientAccountId: ACCOUNT,
      requestParameters: { clusterName: 'demo' },
      responseElements: {
        assumedRoleUser: {
          arn: expect.stringMatching(/:assumed-role\/pod-role\/eks-demo-s3-reader-/),
        },
        credentials: { accessKeyId: creds.AccessKeyId },
      },
      irsaExplanation: { outcome: 'allowed' },
    });
    // `irsa trail` finds the exchange by the pod's role and by its service account
    for (const filters of [
      ['--role', 'pod-role'],
      ['--role', `arn:aws:iam::${ACCOUNT}:role/pod-role`],
      ['-n', 'production', '-s', 's3-app'],
    ])
      expect((await podCalls(...filters)).map((c) => c.requestID)).toContain(ok.requestID);
    // `irsa why` names the token's audience as the refusal
    expect(no.irsaExplanation).toMatchObject({
      outcome: 'denied',
      hop: 'token',
      claim: 'aud',
      expected: ['pods.eks.amazonaws.com'],
    });
    expect(await refused.text()).toContain(`[${no.requestID}]`);
    // the trail never holds the secret or the session token
    const raw = JSON.stringify(calls);
    expect(raw).not.toContain(creds.SecretAccessKey);
    expect(raw).not.toContain(creds.Token);
    expect(raw).not.toContain(t);
  }, 180_000);

  it('revokes pod identity sessions with a deny on aws:TokenIssueTime', async () => {
    const env = podEnv(tokenFile(await token('s3-app', 's3-reader')));
    const getRole = `
import boto3, botocore
try:
    print(boto3.client('iam').get_role(RoleName='production-reports')['Role']['RoleName'])
except botocore.exceptions.ClientError as e:
    print(e.response['Error']['Code'])
`;
    const before = await h.run('python3', ['-c', getRole], env);
    expect(before.stdout.trim()).toBe('production-reports');
    await new Promise((r) => setTimeout(r, 1100));
    const revokedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const iam = new IAMClient(h.sdk());
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'pod-role',
        PolicyName: 'AWSRevokeOlderSessions',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { DateLessThan: { 'aws:TokenIssueTime': revokedAt } },
            },
          ],
        }),
      }),
    );
    // the agent keeps serving the credentials it cached for this token: revoked
    const after = await h.run('python3', ['-c', getRole], env);
    expect(after.stdout.trim()).toBe('AccessDenied');
    // the kubelet's next token gets a new session, issued after the revocation
    const fresh = await h.run(
      'python3',
      ['-c', getRole],
      podEnv(tokenFile(await token('s3-app', 's3-reader'))),
    );
    expect(fresh.stdout.trim()).toBe('production-reports');
  }, 180_000);
});

describe('irsa exec with a Pod Identity pod', () => {
  it('a pod of an associated ServiceAccount is admitted in Pod Identity mode, as on EKS; its agent URI points at the edge', async () => {
    const sa = `apiVersion: v1
kind: ServiceAccount
metadata: {name: pi-app, namespace: production}
`;
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: pi-pod, namespace: production}
spec:
  serviceAccountName: pi-app
  containers: [{name: app, image: amazon/aws-cli}]
`;
    const file = join(h.home, 'pi-sa.yaml');
    writeFileSync(file, sa);
    expect((await h.irsa(['apply', '-f', file])).code).toBe(0);
    const mk = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'exec-pod-role',
      '--assume-role-policy-document',
      podTrust(['sts:AssumeRole', 'sts:TagSession']),
    ]);
    expect(mk.code, mk.stderr).toBe(0);
    const assoc = await h.aws([
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'demo',
      '--namespace',
      'production',
      '--service-account',
      'pi-app',
      '--role-arn',
      role('exec-pod-role'),
    ]);
    expect(assoc.code, assoc.stderr).toBe(0);
    // the pod carries no credentials of its own: the webhook's Pod Identity mode adds them
    const podFile = join(h.home, 'pi-pod.yaml');
    writeFileSync(podFile, pod);
    const applied = await h.irsa(['apply', '-f', podFile]);
    expect(applied.code, applied.stderr).toBe(0);
    const got = JSON.parse(
      (await h.irsa(['get', 'pod', 'pi-pod', '-n', 'production', '-o', 'json'])).stdout,
    ) as {
      spec: {
        containers: { env?: { name: string; value?: string }[] }[];
        volumes: {
          name: string;
          projected?: { sources: { serviceAccountToken?: { audience: string } }[] };
        }[];
      };
    };
    const env = Object.fromEntries(
      (got.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:
        '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
    });
    expect(env.AWS_ROLE_ARN).toBeUndefined();
    expect(
      got.spec.volumes.find((v) => v.name === 'eks-pod-identity-token')?.projected?.sources[0]
        ?.serviceAccountToken?.audience,
    ).toBe('pods.eks.amazonaws.com');
    const r = await h.irsa([
      'exec',
      '-n',
      'production',
      '--pod',
      'pi-pod',
      '--',
      'sh',
      '-c',
      'echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; aws sts get-caller-identity --query Arn --output text',
    ]);
    // no warning: the edge serves the agent's endpoint
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [uri, arn] = r.stdout.trim().split('\n');
    expect(uri).toBe(`${h.server.edge.replace(/\/+$/, '')}/v1/credentials`);
    expect(arn).toMatch(
      new RegExp(
        `^arn:aws:sts::${ACCOUNT}:assumed-role/exec-pod-role/eks-demo-pi-pod-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
      ),
    );
  }, 180_000);
});
