/**
 * Which requests the edge hands to the Pod Identity agent endpoint instead of S3 path-style
 * `v1/credentials`: only a GET of exactly `/v1/credentials` with a bare JWT in `Authorization`
 * and no SigV4 query authentication. And the endpoint itself: a pod's token from irsakit's
 * issuer gets its association's role, the association read once per cache miss.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../cluster/types.js';
import { fixedClock } from '../../common/clock.js';
import type { AwsCallEvent } from '../../server/aws/edge.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import type { ListOptions } from '../../store/types.js';
import { CredentialSealer, OidcKeyFetcher, ServerKey } from '../../sts/index.js';
import { type IssuerFixture, MemoryDirectory, startIssuer } from '../../sts/test-support.js';
import { ASSOCIATIONS, type AssociationDoc } from '../eks/pod-identity-associations.js';
import { createPodIdentityAgent, isAgentRequest } from './agent.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const req = (method: string, url: string, authorization?: string) =>
  ({
    method,
    url,
    headers: authorization === undefined ? {} : { authorization },
  }) as IncomingMessage;

describe('isAgentRequest', () => {
  it.each([
    ['GET', '/v1/credentials', JWT, true],
    ['GET', '/v1/credentials?x=1', JWT, true],
    ['GET', '/v1/credentials', undefined, false],
    [
      'GET',
      '/v1/credentials',
      'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
      false,
    ],
    ['GET', `/v1/credentials?X-Amz-Signature=00&X-Amz-Credential=a`, JWT, false],
    ['GET', '/v1/credentials/', JWT, false],
    ['GET', '/v1/other', JWT, false],
    ['PUT', '/v1/credentials', JWT, false],
    ['GET', '/v1/credentials', `Bearer ${JWT}`, false],
  ])('%s %s with %s → %s', (method, url, auth, expected) => {
    expect(isAgentRequest(req(method, url, auth))).toBe(expected);
  });
});

describe('createPodIdentityAgent', () => {
  const ACCOUNT = '210987654321';
  const ID = 'FEDCBA9876543210FEDCBA9876543210';
  const clock = fixedClock('2025-01-01T00:00:00Z');
  let f: IssuerFixture;
  let cluster: ClusterRecord;
  const store = new SqliteStore(':memory:');
  const directory = new MemoryDirectory();

  beforeAll(async () => {
    f = await startIssuer(clock);
    const c = await f.addCluster(ID, 'demo');
    cluster = {
      name: 'demo',
      id: ID,
      region: 'eu-west-1',
      // the cluster is the association's account's, as EKS keeps them together
      account: ACCOUNT,
      issuer: c.issuer,
      apiAudiences: [],
      maxTokenExpirationSeconds: 86_400,
      keyAlg: 'RS256',
      createdAt: '2025-01-01T00:00:00Z',
      nodeName: 'node-1',
      nodeUid: 'node-uid-1',
    };
    directory.addRole({
      account: ACCOUNT,
      name: 'pod-role',
      trust: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
          },
        ],
      },
    });
    const doc: AssociationDoc = {
      clusterName: 'demo',
      namespace: 'production',
      serviceAccount: 's3-app',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/pod-role`,
      associationArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:podidentityassociation/demo/a-0123456789abcdef0`,
      associationId: 'a-0123456789abcdef0',
      tags: {},
      createdAt: 0,
      modifiedAt: 0,
      disableSessionTags: false,
      account: ACCOUNT,
      region: 'eu-west-1',
    };
    await store.transaction((tx) => tx.put(ASSOCIATIONS, `demo/${doc.associationId}`, doc));
  });

  afterAll(async () => {
    await f.close();
    await store.close();
  });

  /** the agent over `store`, counting its association reads; `record` in place of the trail */
  function agent(record?: (e: AwsCallEvent) => Promise<void>) {
    let reads = 0;
    const recorded: AwsCallEvent[] = [];
    const counted = Object.create(store) as SqliteStore;
    counted.list = ((collection: string, opts?: ListOptions) => {
      if (collection === ASSOCIATIONS) reads++;
      return store.list(collection, opts);
    }) as SqliteStore['list'];
    const handle = createPodIdentityAgent({
      store: counted,
      clusters: { listClusters: async () => [cluster] },
      sts: {
        directory,
        sealer: new CredentialSealer({ key: ServerKey.from(new Uint8Array(32).fill(3)), clock }),
        keys: new OidcKeyFetcher({ clock }),
        clock,
      },
      thumbprints: [f.ca.thumbprint],
      clock,
      defaultAccount: '123456789012',
      record:
        record ??
        (async (e) => {
          recorded.push(e);
        }),
    });
    return { handle, reads: () => reads, recorded };
  }

  async function get(handle: ReturnType<typeof agent>['handle'], token: string) {
    let status = 0;
    let body = '';
    const req = {
      method: 'GET',
      url: '/v1/credentials',
      headers: { host: '169.254.170.23', authorization: token, 'user-agent': 'aws-sdk-java/2' },
      socket: { remoteAddress: '::ffff:10.0.0.7' },
      resume: () => undefined,
    } as unknown as IncomingMessage;
    const res = {
      writeHead: (s: number) => {
        status = s;
      },
      end: (b: string) => {
        body = b;
      },
    } as unknown as ServerResponse;
    await handle(req, res);
    return { status, body };
  }

  it('answers with the association role, in the association account, reading it once', async () => {
    const token = await f.token(ID, {
      audiences: ['pods.eks.amazonaws.com'],
      pod: { name: 's3-reader', namespace: 'production', uid: 'u-1', serviceAccountName: 's3-app' },
    });
    const a = agent();
    const r = await get(a.handle, token);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      AccessKeyId: expect.stringMatching(/^ASIA/),
      AccountId: ACCOUNT,
      // Go's RFC3339Nano of a whole second: no fraction
      Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(a.reads()).toBe(1);
    // a hit reads nothing, and calls nobody: nothing to record
    await get(a.handle, token);
    expect(a.reads()).toBe(1);
    // the one call to EKS Auth, as the trail gets it
    expect(a.recorded).toHaveLength(1);
    expect(a.recorded[0]).toMatchObject({
      route: { service: 'eks-auth', operation: 'AssumeRoleForPodIdentity' },
      status: 200,
      ctx: {
        sourceIp: '10.0.0.7',
        userAgent: 'aws-sdk-java/2',
        region: 'eu-west-1',
        audit: {
          eventName: 'AssumeRoleForPodIdentity',
          recipientAccountId: ACCOUNT,
          requestParameters: { clusterName: 'demo' },
        },
      },
    });
    expect(a.recorded[0]?.error).toBeUndefined();
    // for the trail's filters: the verified service account and its association's role
    expect(a.recorded[0]?.ctx.audit.exchange).toEqual({
      roleArn: `arn:aws:iam::${ACCOUNT}:role/pod-role`,
      namespace: 'production',
      serviceAccount: 's3-app',
    });
  });

  it('refuses a service account without an association (404), reading once', async () => {
    const token = await f.token(ID, {
      audiences: ['pods.eks.amazonaws.com'],
      name: 'other',
      pod: { name: 'p', namespace: 'production', uid: 'u-2', serviceAccountName: 'other' },
    });
    const a = agent();
    const r = await get(a.handle, token);
    expect(r.status).toBe(404);
    expect(r.body).toMatch(
      /\(ResourceNotFoundException\): No Pod Identity Association found for service account other in namespace production, fault: client$/,
    );
    expect(a.reads()).toBe(1);
    expect(a.recorded.map((e) => [e.status, e.error?.code])).toEqual([
      [404, 'ResourceNotFoundException'],
    ]);
    expect(a.recorded[0]?.ctx.audit.exchange).toEqual({
      roleArn: undefined,
      namespace: 'production',
      serviceAccount: 'other',
    });
  });

  it('answers nothing when the trail cannot record the call', async () => {
    const token = await f.token(ID, {
      audiences: ['pods.eks.amazonaws.com'],
      pod: { name: 's3-reader', namespace: 'production', uid: 'u-3', serviceAccountName: 's3-app' },
    });
    const { handle: broken } = agent(async () => {
      throw new Error('disk full');
    });
    const r = await get(broken, token);
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('ASIA');
    // nor later, from the cache: credentials whose call was not recorded are not kept
    const again = await get(broken, token);
    expect(again.status).toBe(500);
    expect(again.body).not.toContain('ASIA');
  });
});
