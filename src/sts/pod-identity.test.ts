/**
 * The AssumeRoleForPodIdentity core (spec/aws-wire.md §4, spec/iam-policy.md §12.3) with a
 * pod-bound token from irsakit's issuer (audience pods.eks.amazonaws.com) fetched over HTTPS
 * through the local CA's thumbprint: the response body, the six transitive session tags, the
 * trust check for the service principal with and without sts:TagSession, and the EKS Auth
 * error codes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { fixedClock } from '../common/clock.js';
import { CredentialSealer } from './credentials.js';
import { OidcKeyFetcher } from './oidc-keys.js';
import {
  assumeRoleForPodIdentity,
  type PodIdentityAssociation,
  type PodIdentityCluster,
  POD_IDENTITY_MSG,
} from './pod-identity.js';
import { ServerKey } from './server-key.js';
import { type IssuerFixture, MemoryDirectory, startIssuer } from './test-support.js';

const START = '2025-01-01T00:00:00Z';
const T0 = Date.parse(START) / 1000;
const ACCOUNT = '123456789012';
const ID = '0123456789ABCDEF0123456789ABCDEF';
const clock = fixedClock(START);
const POD = {
  name: 's3-reader',
  namespace: 'production',
  uid: '0b7e2d4c-0000-4000-8000-0000000000aa',
  serviceAccountName: 's3-app',
};

let f: IssuerFixture;
let cluster: PodIdentityCluster;
let dir: MemoryDirectory;
let sealer: CredentialSealer;
let keys: OidcKeyFetcher;

const podTrust = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: actions },
  ],
});

const association = (
  roleName: string,
  over: Partial<PodIdentityAssociation> = {},
): PodIdentityAssociation => ({
  associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/demo/a-0123456789abcdef0`,
  associationId: 'a-0123456789abcdef0',
  namespace: 'production',
  serviceAccount: 's3-app',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
  ...over,
});

beforeAll(async () => {
  f = await startIssuer(clock);
  await f.addCluster(ID, 'demo');
  cluster = {
    name: 'demo',
    arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo`,
    issuer: f.issuer(ID),
    thumbprints: [f.ca.thumbprint],
  };
  dir = new MemoryDirectory();
  dir.addRole({
    account: ACCOUNT,
    name: 'pod-role',
    trust: podTrust(['sts:AssumeRole', 'sts:TagSession']),
  });
  dir.addRole({ account: ACCOUNT, name: 'untagged-role', trust: podTrust(['sts:AssumeRole']) });
  sealer = new CredentialSealer({
    key: ServerKey.from(new Uint8Array(32).fill(5)),
    clock,
    random: (n) => new Uint8Array(n).fill(1),
  });
  keys = new OidcKeyFetcher({ clock });
});

afterAll(async () => {
  await f.close();
});

beforeEach(() => clock.set(START));

const podToken = (audiences = ['pods.eks.amazonaws.com'], expirationSeconds = 86_400) =>
  f.token(ID, { audiences, expirationSeconds, pod: POD });

const deps = () => ({
  directory: dir,
  sealer,
  keys,
  clock,
  random: (n: number) => new Uint8Array(n).fill(0xab),
});

async function refusal(p: Promise<unknown>): Promise<AwsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('assumeRoleForPodIdentity', () => {
  it('answers the §4 body and seals a session with the six transitive tags', async () => {
    const body = await assumeRoleForPodIdentity(
      { cluster, token: await podToken(), association: association('pod-role') },
      deps(),
    );
    const role = dir.roles.get(`${ACCOUNT}/pod-role`);
    const sessionName = 'eks-demo-s3-reader-abababab-abab-4bab-abab-abababababab';
    expect(body).toEqual({
      subject: { namespace: 'production', serviceAccount: 's3-app' },
      audience: 'pods.eks.amazonaws.com',
      podIdentityAssociation: {
        associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/demo/a-0123456789abcdef0`,
        associationId: 'a-0123456789abcdef0',
      },
      assumedRoleUser: {
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/pod-role/${sessionName}`,
        assumeRoleId: `${role?.roleId}:${sessionName}`,
      },
      credentials: {
        sessionToken: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
        secretAccessKey: expect.stringMatching(/^[A-Za-z0-9+/]{40}$/),
        accessKeyId: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/),
        expiration: T0 + 6 * 3600,
      },
    });
    const opened = sealer.open(body.credentials.accessKeyId, body.credentials.sessionToken);
    expect(opened.ok && opened.session).toMatchObject({
      via: 'AssumeRoleForPodIdentity',
      tags: [
        { Key: 'eks-cluster-arn', Value: cluster.arn },
        { Key: 'eks-cluster-name', Value: 'demo' },
        { Key: 'kubernetes-namespace', Value: 'production' },
        { Key: 'kubernetes-service-account', Value: 's3-app' },
        { Key: 'kubernetes-pod-name', Value: 's3-reader' },
        { Key: 'kubernetes-pod-uid', Value: POD.uid },
      ],
      transitiveTagKeys: [
        'eks-cluster-arn',
        'eks-cluster-name',
        'kubernetes-namespace',
        'kubernetes-service-account',
        'kubernetes-pod-name',
        'kubernetes-pod-uid',
      ],
    });
  });

  it('finds the association through a lookup by namespace and service account', async () => {
    const seen: string[] = [];
    const body = await assumeRoleForPodIdentity(
      {
        cluster,
        token: await podToken(),
        association: (ns, sa) => {
          seen.push(`${ns}/${sa}`);
          return association('pod-role');
        },
      },
      deps(),
    );
    expect(seen).toEqual(['production/s3-app']);
    expect(body.subject).toEqual({ namespace: 'production', serviceAccount: 's3-app' });
  });

  it('needs only sts:AssumeRole when the association disables session tags', async () => {
    const body = await assumeRoleForPodIdentity(
      {
        cluster,
        token: await podToken(),
        association: association('untagged-role', { disableSessionTags: true }),
      },
      deps(),
    );
    const opened = sealer.open(body.credentials.accessKeyId, body.credentials.sessionToken);
    expect(opened.ok && opened.session.tags).toBeUndefined();
  });

  const cases: {
    name: string;
    token?: () => Promise<string>;
    association?: () => PodIdentityAssociation | (() => undefined);
    before?: () => void;
    code: string;
    status: number;
    message: string;
  }[] = [
    {
      name: 'a role whose trust policy lacks sts:TagSession',
      association: () => association('untagged-role'),
      code: 'AccessDeniedException',
      status: 400,
      message: POD_IDENTITY_MSG.accessDenied(`arn:aws:iam::${ACCOUNT}:role/untagged-role`),
    },
    {
      name: 'a role that does not exist',
      association: () => association('no-such-role'),
      code: 'AccessDeniedException',
      status: 400,
      message: POD_IDENTITY_MSG.accessDenied(`arn:aws:iam::${ACCOUNT}:role/no-such-role`),
    },
    {
      name: 'an IRSA token (audience sts.amazonaws.com)',
      token: () => podToken(['sts.amazonaws.com']),
      code: 'InvalidTokenException',
      status: 400,
      message: POD_IDENTITY_MSG.invalidToken,
    },
    {
      name: 'a token that is not a JWT',
      token: async () => 'not.a.jwt!',
      code: 'InvalidTokenException',
      status: 400,
      message: POD_IDENTITY_MSG.invalidToken,
    },
    {
      name: 'a tampered token',
      token: async () => {
        const [h, p, s] = (await podToken()).split('.');
        const claims = JSON.parse(Buffer.from(p as string, 'base64url').toString()) as Record<
          string,
          unknown
        >;
        claims.sub = 'system:serviceaccount:production:admin';
        return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
      },
      code: 'InvalidTokenException',
      status: 400,
      message: POD_IDENTITY_MSG.invalidToken,
    },
    {
      name: 'an expired token',
      token: () => podToken(undefined, 600),
      before: () => clock.advance(600),
      code: 'ExpiredTokenException',
      status: 400,
      message: POD_IDENTITY_MSG.expiredToken,
    },
    {
      name: 'no association for the service account',
      association: () => () => undefined,
      code: 'ResourceNotFoundException',
      status: 404,
      message: POD_IDENTITY_MSG.noAssociation('production', 's3-app'),
    },
    {
      name: 'an association of another service account',
      association: () => association('pod-role', { serviceAccount: 'other' }),
      code: 'ResourceNotFoundException',
      status: 404,
      message: POD_IDENTITY_MSG.noAssociation('production', 's3-app'),
    },
  ];

  it.each(cases)('refuses $name with $code', async (c) => {
    const token = await (c.token ?? (() => podToken()))();
    c.before?.();
    const e = await refusal(
      assumeRoleForPodIdentity(
        { cluster, token, association: c.association?.() ?? association('pod-role') },
        deps(),
      ),
    );
    expect([e.code, e.httpStatus, e.message]).toEqual([c.code, c.status, c.message]);
  });

  it('refuses a token from another issuer', async () => {
    const e = await refusal(
      assumeRoleForPodIdentity(
        {
          cluster: { ...cluster, issuer: `${cluster.issuer}X` },
          token: await podToken(),
          association: association('pod-role'),
        },
        deps(),
      ),
    );
    expect([e.code, e.detail]).toEqual([
      'InvalidTokenException',
      expect.objectContaining({ check: 'issuer' }),
    ]);
  });
});
