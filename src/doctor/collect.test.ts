import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterService } from '../cluster/cluster-service.js';
import { type IamHarness, iamHarness } from '../iam/testing.js';
import { webhookAdmission } from '../server/admission.js';
import { runChecks } from './checks.js';
import { type DoctorOps, doctorOps } from './collect.js';

const THUMB = 'e857bb2c5c93c14f129dcecdadb739a5127a370a';
let iam: IamHarness;
let clusters: ClusterService;
let doctor: DoctorOps;
let issuer = '';
let counter = 0;

const sa = (annotations = '') =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: production\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s3-app\n  namespace: production\n${annotations}`;
const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: s3-reader\n  namespace: production\nspec:\n  serviceAccountName: s3-app\n  containers:\n  - name: aws-cli\n    image: amazon/aws-cli:latest\n`;
const ANNOTATED =
  '  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/s3-app-role\n';

beforeEach(async () => {
  iam = await iamHarness();
  counter = 0;
  clusters = new ClusterService({
    store: iam.store,
    clock: iam.clock,
    randomHex: (n) => (++counter).toString(16).padStart(n * 2, '0'),
    admit: webhookAdmission(),
    issuerBase: 'https://127.0.0.1:4578',
  });
  const c = await clusters.createCluster('demo', { id: 'EXAMPLED539D4633E53DE1B71EXAMPLE' });
  issuer = c.issuer;
  doctor = doctorOps({ clusters, store: iam.store, clock: iam.clock, thumbprint: THUMB });
  const host = issuer.replace('https://', '');
  await iam.call('CreateOpenIDConnectProvider', {
    Url: issuer,
    'ClientIDList.member.1': 'sts.amazonaws.com',
    'ThumbprintList.member.1': THUMB,
  });
  await iam.call('CreateRole', {
    RoleName: 's3-app-role',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${host}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${host}:sub`]: 'system:serviceaccount:production:s3-app',
              [`${host}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    }),
  });
  const doc = (action: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
    });
  await iam.call('PutRolePolicy', {
    RoleName: 's3-app-role',
    PolicyName: 'read',
    PolicyDocument: doc('s3:GetObject'),
  });
  await iam.call('CreatePolicy', { PolicyName: 'queue', PolicyDocument: doc('sqs:SendMessage') });
  await iam.call('AttachRolePolicy', {
    RoleName: 's3-app-role',
    PolicyArn: 'arn:aws:iam::123456789012:policy/queue',
  });
  await iam.call('CreatePolicy', { PolicyName: 'boundary', PolicyDocument: doc('s3:*') });
  await iam.call('PutRolePermissionsBoundary', {
    RoleName: 's3-app-role',
    PermissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary',
  });
});
afterEach(() => iam.close());

describe('the live snapshot', () => {
  it('holds the cluster’s issuer, the ServiceAccount, its pods with admission, and the role’s documents', async () => {
    await clusters.apply('demo', sa(ANNOTATED));
    await clusters.apply('demo', pod);
    const snap = await doctor.snapshot(await clusters.getCluster('demo'), {
      namespace: 'production',
      serviceAccount: 's3-app',
    });
    expect(snap.issuer).toEqual({ url: issuer, thumbprint: THUMB, source: 'cluster demo' });
    expect(snap.pods.map((p) => [p.object.metadata?.name, p.admission?.mode])).toEqual([
      ['s3-reader', 'irsa'],
    ]);
    const role = snap.iam.role;
    expect(role?.inline.map((p) => p.name)).toEqual(['read']);
    expect(
      role?.attached.map((p) => [p.name, JSON.parse(p.document ?? '{}').Statement[0].Action]),
    ).toEqual([['arn:aws:iam::123456789012:policy/queue', 'sqs:SendMessage']]);
    expect(role?.boundary?.name).toBe('arn:aws:iam::123456789012:policy/boundary');
    expect(snap.iam.providers?.[0]?.thumbprints).toEqual([THUMB]);
    // JSON over the admin API: the snapshot survives the round trip
    const report = runChecks({
      ...JSON.parse(JSON.stringify(snap)),
      request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:q' },
    });
    const by = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(by['trust-evaluation']?.status).toBe('pass');
    expect(by['pod-admission']?.status).toBe('pass');
    // the boundary allows only s3:*: the attached policy's Allow is not enough
    expect(by.permissions?.status).toBe('fail');
    expect(by.permissions?.detail).toMatch(/permissions boundary/);
  });

  it('records a pod admitted before the annotation, which doctor then names', async () => {
    await clusters.apply('demo', sa());
    await clusters.apply('demo', pod);
    await clusters.apply('demo', sa(ANNOTATED));
    const snap = await doctor.snapshot(await clusters.getCluster('demo'), {
      namespace: 'production',
      pod: 's3-reader',
    });
    expect(snap.target.serviceAccount).toBe('s3-app');
    expect(snap.pods[0]?.admission?.mode).toBe('none');
    const by = Object.fromEntries(runChecks(snap).checks.map((c) => [c.id, c]));
    expect(by['pod-admission']?.status).toBe('fail');
    expect(by['pod-admission']?.fix).toBe(
      're-create the pod: irsa delete pod s3-reader -n production, then irsa apply -f <its manifest>',
    );
  });

  it('says what is missing: the ServiceAccount, the pod, the role', async () => {
    const cluster = await clusters.getCluster('demo');
    await clusters.apply('demo', sa(ANNOTATED.replace('s3-app-role', 'nope')));
    const missingSa = await doctor.snapshot(cluster, {
      namespace: 'production',
      serviceAccount: 'x',
    });
    expect(missingSa.serviceAccount).toBeNull();
    expect(missingSa.serviceAccountNames).toEqual(['default', 's3-app']);
    const missingPod = await doctor.snapshot(cluster, { namespace: 'production', pod: 'x' });
    expect(missingPod.podMissing).toBe(true);
    const missingRole = await doctor.snapshot(cluster, {
      namespace: 'production',
      serviceAccount: 's3-app',
    });
    expect(missingRole.iam.role).toBeNull();
    expect(missingRole.iam.roleNames).toEqual(['s3-app-role']);
  });
});
