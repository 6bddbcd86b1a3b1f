/**
 * The explanations of real refusals: STS's AssumeRoleWithWebIdentity against irsakit's own
 * issuer (a `sub` one edit away from the trust policy's, another audience, an expired
 * token, an issuer without a provider), and the edge's authorizer (an identity policy that
 * does not allow, an explicit Deny, a permissions boundary), and a SigV4 mismatch. Each names
 * the hop, the statement or claim, expected versus actual, the "did you mean" and a fix; the
 * rendered `irsa why` text says the same; no token or secret gets in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { fixedClock } from '../common/clock.js';
import type { RoleRecord } from '../iam/directory.js';
import { createAuthorizer } from '../server/aws/authorize.js';
import type { AwsCallEvent } from '../server/aws/edge.js';
import type { Route } from '../server/aws/request.js';
import type { CallContext, QueryOperation } from '../server/aws/types.js';
import { sigv4Error } from '../sigv4/errors.js';
import { CredentialSealer } from '../sts/credentials.js';
import { OidcKeyFetcher } from '../sts/oidc-keys.js';
import { createStsOperations } from '../sts/operations.js';
import { ServerKey } from '../sts/server-key.js';
import { callerOf, roleSession } from '../sts/session-context.js';
import {
  callContext,
  type IssuerFixture,
  MemoryDirectory,
  startIssuer,
} from '../sts/test-support.js';
import { explainCall } from './explain.js';
import { buildAuditEntry } from './record.js';
import { whyText } from './render.js';
import type { AuditEntry } from './types.js';

const START = '2025-01-01T00:00:00Z';
const ACCOUNT = '123456789012';
const ID = '0123456789ABCDEF0123456789ABCDEF';
const SUB = 'system:serviceaccount:production:s3-app';
const clock = fixedClock(START);

let f: IssuerFixture;
let dir: MemoryDirectory;
let sts: Record<string, QueryOperation>;
let role: RoleRecord;
let denyRole: RoleRecord;
let boundedRole: RoleRecord;

beforeAll(async () => {
  f = await startIssuer(clock);
  await f.addCluster(ID, 'demo');
  dir = new MemoryDirectory();
  dir.addProvider({ account: ACCOUNT, url: f.providerUrl(ID), thumbprints: [f.ca.thumbprint] });
  const url = f.providerUrl(ID);
  role = dir.addRole({
    account: ACCOUNT,
    name: 's3-app-role',
    trust: JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Irsa',
            Effect: 'Allow',
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}` },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { [`${url}:sub`]: SUB, [`${url}:aud`]: 'sts.amazonaws.com' },
            },
          },
        ],
      },
      null,
      2,
    ),
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadBucket',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/*',
          },
        ],
      },
    ],
  });
  denyRole = dir.addRole({
    account: ACCOUNT,
    name: 'deny-role',
    trust: '{"Version":"2012-10-17","Statement":[]}',
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Sid: 'NoDelete', Effect: 'Deny', Action: 'iam:DeleteRole', Resource: '*' },
        ],
      },
    ],
  });
  boundedRole = dir.addRole({
    account: ACCOUNT,
    name: 'bounded-role',
    trust: '{"Version":"2012-10-17","Statement":[]}',
    policies: [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    ],
    boundary: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'OnlyS3', Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    },
  });
  const sealer = new CredentialSealer({ key: ServerKey.from(new Uint8Array(32).fill(1)), clock });
  sts = createStsOperations({ directory: dir, sealer, keys: new OidcKeyFetcher({ clock }), clock });
});

afterAll(async () => {
  await f.close();
});

function eventOf(route: Route, ctx: CallContext, error?: unknown): AwsCallEvent {
  return {
    requestId: ctx.requestId,
    route,
    ctx,
    method: 'POST',
    path: '/',
    status: error instanceof AwsError ? error.httpStatus : 200,
    error: error instanceof AwsError ? error : undefined,
    ms: 1,
    known: true,
  };
}

async function exchange(token: string, roleArn = role.arn): Promise<AuditEntry> {
  const params = new Map([
    ['Action', 'AssumeRoleWithWebIdentity'],
    ['Version', '2011-06-15'],
    ['RoleArn', roleArn],
    ['RoleSessionName', 'why'],
    ['WebIdentityToken', token],
  ]);
  const ctx = callContext(clock);
  let error: unknown;
  try {
    await sts.AssumeRoleWithWebIdentity?.(ctx, params);
  } catch (e) {
    error = e;
  }
  const route: Route = {
    service: 'sts',
    protocol: 'query',
    operation: 'AssumeRoleWithWebIdentity',
    params,
  };
  const entry = buildAuditEntry(eventOf(route, ctx, error), { eventId: 'e-1' });
  // the token never gets into the record or the explanation
  expect(JSON.stringify(entry)).not.toContain(token.split('.')[2]);
  return entry;
}

async function authorized(r: RoleRecord, action: string, resource: string): Promise<AuditEntry> {
  const now = Math.floor(clock().getTime() / 1000);
  const session = roleSession({
    role: r,
    partition: 'aws',
    sessionName: 'botocore-session-1',
    now,
    seconds: 3600,
    via: 'AssumeRoleWithWebIdentity',
    webIdentity: {
      providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${f.providerUrl(ID)}`,
      sub: SUB,
      aud: 'sts.amazonaws.com',
    },
  });
  const ctx = callContext(clock, callerOf(session, 'ASIAEXAMPLEKEY123456'));
  const authorize = createAuthorizer({ directory: dir });
  let error: unknown;
  try {
    await authorize(ctx, { action, resource });
  } catch (e) {
    error = e;
  }
  const route: Route = {
    service: 'iam',
    protocol: 'query',
    operation: action.split(':')[1],
    params: new Map(),
  };
  return buildAuditEntry(eventOf(route, ctx, error), { eventId: 'e-2' });
}

describe('web identity refusals', () => {
  it('a sub one edit away: the trust policy statement, expected versus actual, did you mean', async () => {
    const e = await exchange(await f.token(ID, { name: 's3-ap' }));
    expect(e.record.errorCode).toBe('AccessDenied');
    expect(e.explanation).toMatchObject({
      outcome: 'denied',
      hop: 'trust',
      claim: 'sub',
      conditionKey: `${f.providerUrl(ID)}:sub`,
      expected: [SUB],
      actual: ['system:serviceaccount:production:s3-ap'],
      // the cluster signed the token for s3-ap: the policy's s3-app is the near miss
      didYouMean: 'system:serviceaccount:production:s3-ap',
      statement: {
        policy: `${role.arn} trust policy`,
        sid: 'Irsa',
        index: 0,
        line: 4,
        effect: 'Allow',
      },
    });
    expect(e.explanation.fix).toBe(
      `set StringEquals \`${f.providerUrl(ID)}:sub\` to \`system:serviceaccount:production:s3-ap\` in ${role.arn} trust policy statement \`Irsa\` (#0, line 4): its \`${SUB}\` has ServiceAccount \`s3-app\` instead of \`s3-ap\`, and the token's sub is the ServiceAccount the cluster signed it for; or, if s3-app is the ServiceAccount meant, run the pod as it (serviceAccountName: s3-app)`,
    );
    const text = whyText(e);
    if (process.env.SHOW) console.log(text);
    expect(text).toContain('✗ role trust policy');
    expect(text).toContain(
      'did you mean `system:serviceaccount:production:s3-ap` in the trust policy?',
    );
    expect(text).toContain('✓ pod / service account  production/s3-ap');
    expect(text).toContain('· session');
    expect(text).toMatch(/decision\s+denied at the role trust policy/);
    expect(e.index).toMatchObject({
      namespace: 'production',
      serviceAccount: 's3-ap',
      roleName: 's3-app-role',
    });
  });

  it('another audience: the provider refuses it, with the nearest client ID', async () => {
    const e = await exchange(await f.token(ID, { audiences: ['sts.amazon.com'] }));
    expect(e.record.errorCode).toBe('InvalidIdentityToken');
    expect(e.explanation).toMatchObject({
      hop: 'provider',
      claim: 'aud',
      expected: ['sts.amazonaws.com'],
      didYouMean: 'sts.amazonaws.com',
    });
    expect(e.explanation.fix).toContain('--audience sts.amazonaws.com');
    expect(whyText(e)).toContain('✗ OIDC provider');
  });

  it('a role of another account without the provider: the fix registers it there', async () => {
    const e = await exchange(await f.token(ID), 'arn:aws:iam::987654321098:role/cross');
    expect(e.record.errorCode).toBe('InvalidIdentityToken');
    expect(e.explanation).toMatchObject({
      hop: 'provider',
      claim: 'iss',
      summary: expect.stringMatching(/in the role's account 987654321098$/),
    });
    expect(e.explanation.fix).toMatch(
      /^register the issuer in the role's account 987654321098: aws iam create-open-id-connect-provider --url \S+ --client-id-list sts.amazonaws.com --thumbprint-list <thumbprint> --profile 987654321098$/,
    );
  });

  it('an expired token: the token hop, its exp', async () => {
    const token = await f.token(ID, { expirationSeconds: 600 });
    clock.set('2025-01-01T01:00:00Z');
    try {
      const e = await exchange(token);
      expect(e.record.errorCode).toBe('ExpiredTokenException');
      expect(e.explanation).toMatchObject({
        hop: 'token',
        claim: 'exp',
        actual: '2025-01-01T00:10:00Z',
      });
    } finally {
      clock.set(START);
    }
  });

  it('a token with a forged signature is attributed to no service account', async () => {
    const real = await f.token(ID, { name: 'someone-else' });
    const [h, p] = real.split('.');
    const e = await exchange(`${h}.${p}.${'A'.repeat(342)}`);
    expect(e.record.errorCode).toBe('InvalidIdentityToken');
    expect(e.index.namespace).toBeUndefined();
    expect(e.index.serviceAccount).toBeUndefined();
    const pod = e.explanation.chain.find((c) => c.hop === 'pod');
    expect(pod?.status).toBe('not-reached');
    expect(pod?.facts?.[0]).toContain('(the token was not verified)');
    // an expired token was verified first: it is the pod's
    const token = await f.token(ID, { expirationSeconds: 600 });
    clock.set('2025-01-01T01:00:00Z');
    try {
      const expired = await exchange(token);
      expect(expired.index.serviceAccount).toBe('s3-app');
    } finally {
      clock.set(START);
    }
  });

  it('the allowed exchange: every hop ok, the session and its key', async () => {
    const e = await exchange(await f.token(ID));
    expect(e.record.errorCode).toBeUndefined();
    expect(e.explanation.outcome).toBe('allowed');
    expect(e.record.responseElements).toMatchObject({
      credentials: {
        accessKeyId: expect.stringMatching(/^ASIA/),
        expiration: 'Jan 1, 2025, 1:00:00 AM',
      },
      subjectFromWebIdentityToken: SUB,
    });
    expect(JSON.stringify(e.record.responseElements)).not.toMatch(/secret|sessionToken/i);
    // the record keeps CloudTrail's time format; why says ISO 8601, as everywhere else
    expect(whyText(e)).toMatch(/credentials ASIA\w+ until 2025-01-01T01:00:00Z$/m);
    expect(whyText(e)).not.toContain('1:00:00 AM');
  });
});

/** A role whose trust policy is the demo's with `sub`, `aud` and the key prefix as given. */
function trusting(
  name: string,
  c: { sub?: string; aud?: string; keyPrefix?: string; providerUrl?: string },
): RoleRecord {
  const url = c.providerUrl ?? f.providerUrl(ID);
  const key = c.keyPrefix ?? url;
  return dir.addRole({
    account: ACCOUNT,
    name,
    trust: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${key}:sub`]: c.sub ?? SUB,
              [`${url}:aud`]: c.aud ?? 'sts.amazonaws.com',
            },
          },
        },
      ],
    }),
  });
}

describe('a near miss: the side that has the typo', () => {
  it('a trust policy sub with a namespace that is a typo: the policy gets the token’s value', async () => {
    const r = trusting('ns-typo', { sub: 'system:serviceaccount:prodution:s3-app' });
    const e = await exchange(await f.token(ID), r.arn);
    expect(e.explanation).toMatchObject({
      hop: 'trust',
      claim: 'sub',
      expected: ['system:serviceaccount:prodution:s3-app'],
      actual: [SUB],
      didYouMean: SUB,
    });
    expect(e.explanation.summary).toContain(
      `(the policy's \`system:serviceaccount:prodution:s3-app\` looks like a typo of \`${SUB}\`)`,
    );
    expect(e.explanation.summary).not.toContain('did you mean');
    expect(e.explanation.fix).toBe(
      `set StringEquals \`${f.providerUrl(ID)}:sub\` to \`${SUB}\` in ${r.arn} trust policy statement (#0, line 1): its \`system:serviceaccount:prodution:s3-app\` has namespace \`prodution\` instead of \`production\`, and the token's sub is the ServiceAccount the cluster signed it for`,
    );
    const text = whyText(e);
    expect(text).toContain(`did you mean \`${SUB}\` in the trust policy?`);
    expect(text).not.toContain('did you mean `system:serviceaccount:prodution');
  });

  it('a trust policy aud a typo of the webhook’s audience: the policy gets sts.amazonaws.com', async () => {
    const r = trusting('aud-typo', { aud: 'sts.amazon.com' });
    const e = await exchange(await f.token(ID), r.arn);
    expect(e.explanation).toMatchObject({
      hop: 'trust',
      claim: 'aud',
      expected: ['sts.amazon.com'],
      actual: ['sts.amazonaws.com'],
      didYouMean: 'sts.amazonaws.com',
    });
    expect(e.explanation.fix).toBe(
      `set StringEquals \`${f.providerUrl(ID)}:aud\` to \`sts.amazonaws.com\` in ${r.arn} trust policy statement (#0, line 1): its \`sts.amazon.com\` looks like a typo of sts.amazonaws.com, the audience the webhook mints every token for`,
    );
    expect(whyText(e)).toContain('did you mean `sts.amazonaws.com` in the trust policy?');
  });

  it('a provider whose client ID is a typo of the webhook’s audience: the provider gets fixed', async () => {
    const id = '1111111111111111111111111111AAAA';
    await f.addCluster(id, 'typo-client');
    const p = dir.addProvider({
      account: ACCOUNT,
      url: f.providerUrl(id),
      thumbprints: [f.ca.thumbprint],
      clientIds: ['sts.amazonaws.co'],
    });
    const r = trusting('client-typo', { providerUrl: f.providerUrl(id) });
    const e = await exchange(await f.token(id), r.arn);
    expect(e.record.errorCode).toBe('InvalidIdentityToken');
    expect(e.explanation).toMatchObject({
      hop: 'provider',
      claim: 'aud',
      expected: ['sts.amazonaws.co'],
      actual: ['sts.amazonaws.com'],
      didYouMean: 'sts.amazonaws.com',
    });
    expect(e.explanation.summary).toContain(
      "(the provider's client ID `sts.amazonaws.co` looks like a typo of `sts.amazonaws.com`)",
    );
    expect(e.explanation.fix).toBe(
      `add sts.amazonaws.com, the audience the webhook mints every token for, to the provider's client ID list: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${p.arn} --client-id sts.amazonaws.com (and remove the mistyped sts.amazonaws.co: aws iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn ${p.arn} --client-id sts.amazonaws.co)`,
    );
    expect(e.explanation.fix).not.toContain('--audience');
    expect(whyText(e)).toContain(
      "did you mean `sts.amazonaws.com` in the provider's client ID list?",
    );
  });

  it('another ServiceAccount, not a typo: run the pod as the trusted one, or trust this one', async () => {
    const e = await exchange(await f.token(ID, { name: 'web-app' }));
    expect(e.explanation.didYouMean).toBe(SUB);
    expect(e.explanation.fix).toBe(
      `run the pod as a service account the trust policy names (${SUB}), or add \`system:serviceaccount:production:web-app\` to StringEquals ${f.providerUrl(ID)}:sub in ${role.arn} trust policy statement \`Irsa\` (#0, line 4)`,
    );
  });

  it('a condition key written with https://: the key STS sets, never `nothing` to add', async () => {
    const url = f.providerUrl(ID);
    const r = trusting('https-key', { keyPrefix: `https://${url}` });
    const e = await exchange(await f.token(ID), r.arn);
    expect(e.explanation).toMatchObject({
      hop: 'trust',
      claim: 'sub',
      conditionKey: `https://${url}:sub`,
      actual: null,
    });
    expect(e.explanation.fix).toBe(
      `drop \`https://\` from the condition key: STS sets \`${url}:sub\` (the provider's URL without https://), so StringEquals \`https://${url}:sub\` in ${r.arn} trust policy statement (#0, line 1) finds no key and fails — name the key \`${url}:sub\``,
    );
    expect(whyText(e)).not.toContain('nothing');
  });

  it('a condition key of another provider: the key this token sets', async () => {
    const url = f.providerUrl(ID);
    const r = trusting('other-key', { keyPrefix: 'oidc.eks.us-east-1.amazonaws.com/id/ABCD' });
    const e = await exchange(await f.token(ID), r.arn);
    expect(e.explanation.fix).toContain(`STS sets \`${url}:sub\` for this token`);
    expect(e.explanation.fix).not.toContain('nothing');
  });
});

describe('a token from the future', () => {
  it('nbf and iat ahead of STS: clock skew between the cluster and STS', async () => {
    // the issuer's clock an hour ahead of STS's
    const ahead = fixedClock('2025-01-01T01:00:00Z');
    const e = await exchange(await f.token(ID, { clock: ahead }));
    expect(e.record.errorCode).toBe('InvalidIdentityToken');
    expect(e.explanation).toMatchObject({ hop: 'token', actual: '2025-01-01T01:00:00Z' });
    expect(['nbf', 'iat']).toContain(e.explanation.claim);
    expect(e.explanation.summary).toContain("3600 s after STS's time 2025-01-01T00:00:00Z");
    expect(e.explanation.fix).toMatch(
      /^clock skew: the clock of the token's issuer \(the cluster\) is about 3600 s ahead of STS's — check the clocks of both machines \(NTP/,
    );
    expect(e.explanation.fix).not.toContain('exactly as the issuer minted it');
  });
});

describe('authorization refusals at the edge', () => {
  it('no identity policy allows: the nearest statement and its mismatch', async () => {
    const e = await authorized(role, 'iam:GetRole', role.arn);
    expect(e.record.errorCode).toBe('AccessDenied');
    expect(e.explanation).toMatchObject({
      outcome: 'denied',
      hop: 'identity',
      statement: { sid: 'ReadBucket', index: 0, effect: 'Allow' },
      expected: ['s3:GetObject'],
      actual: 'iam:GetRole',
    });
    expect(e.explanation.fix).toContain('add an Allow for iam:GetRole');
    const text = whyText(e);
    if (process.env.SHOW) console.log(text);
    expect(text).toContain('✓ role trust policy');
    expect(text).toContain('✓ session');
    expect(text).toContain('✗ identity policies');
  });

  it('another action than the policy names gets no "did you mean"', async () => {
    const other = await authorized(role, 's3:PutObject', 'arn:aws:s3:::b/k');
    expect(other.explanation.didYouMean).toBeUndefined();
  });

  /** a role whose one policy allows s3:GetObject on `resource` */
  const reader = (name: string, resource: string) =>
    dir.addRole({
      account: ACCOUNT,
      name,
      trust: '{"Version":"2012-10-17","Statement":[]}',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [{ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: resource }],
        },
      ],
    });

  it('a bucket mistyped in a pattern: the pattern corrected is the "did you mean", in the statement', async () => {
    const r = reader('typo-pattern', 'arn:aws:s3:::my-bukcet/*');
    const e = await authorized(r, 's3:GetObject', 'arn:aws:s3:::my-bucket/reports/a.txt');
    expect(e.explanation).toMatchObject({
      hop: 'identity',
      statement: { sid: 'Read' },
      didYouMean: 'arn:aws:s3:::my-bucket/*',
    });
    expect(e.explanation.summary).toContain(
      "(the policy's `arn:aws:s3:::my-bukcet/*` looks like a typo of `arn:aws:s3:::my-bucket/*`)",
    );
    expect(e.explanation.fix).toContain('make it `arn:aws:s3:::my-bucket/*`');
    const text = whyText(e);
    if (process.env.SHOW) console.log(text);
    expect(text).toMatch(/did you mean `arn:aws:s3:::my-bucket\/\*` in .*statement `Read`/);
  });

  it('a literal resource a typo away, and patterns that are no typo of the request', async () => {
    const literal = reader('typo-literal', 'arn:aws:s3:::my-bucket/a.txt');
    const e = await authorized(literal, 's3:GetObject', 'arn:aws:s3:::my-bucket/a.tx');
    expect(e.explanation.didYouMean).toBe('arn:aws:s3:::my-bucket/a.tx');
    // the head matches: what differs is after the wildcard, no typo to offer
    const after = reader('typo-after', 'arn:aws:s3:::my-bucket/*.csv');
    expect(
      (await authorized(after, 's3:GetObject', 'arn:aws:s3:::my-bucket/a.txt')).explanation
        .didYouMean,
    ).toBeUndefined();
    // another bucket altogether, and a policy variable: nothing guessed
    const other = reader('other-bucket', 'arn:aws:s3:::logs-archive/*');
    expect(
      (await authorized(other, 's3:GetObject', 'arn:aws:s3:::my-bucket/a.txt')).explanation
        .didYouMean,
    ).toBeUndefined();
    const variable = reader('variable', 'arn:aws:s3:::my-bukcet/${aws:userid}/*');
    expect(
      (await authorized(variable, 's3:GetObject', 'arn:aws:s3:::my-bucket/x/a.txt')).explanation
        .didYouMean,
    ).toBeUndefined();
  });

  it('of several trust statements, the one whose sub is a typo away is named', async () => {
    const url = f.providerUrl(ID);
    const stmt = (sid: string, sub: string) => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${url}:sub`]: sub } },
    });
    const two = dir.addRole({
      account: ACCOUNT,
      name: 'two-trusts',
      trust: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          stmt('Batch', 'system:serviceaccount:batch:worker'),
          stmt('App', 'system:serviceaccount:production:svc'),
        ],
      }),
    });
    const e = await exchange(await f.token(ID, { name: 'svcc' }), two.arn);
    expect(e.explanation).toMatchObject({
      hop: 'trust',
      didYouMean: 'system:serviceaccount:production:svcc',
      statement: { sid: 'App' },
    });
  });

  it('of statements that allow other actions, one of the request’s service is the nearest', async () => {
    const mixed = dir.addRole({
      account: ACCOUNT,
      name: 'multi-service',
      trust: '{"Version":"2012-10-17","Statement":[]}',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'S3Read', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
            {
              Sid: 'TableRead',
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:Query'],
              Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/my-table',
            },
          ],
        },
      ],
    });
    const e = await authorized(
      mixed,
      'dynamodb:PutItem',
      'arn:aws:dynamodb:us-east-1:123456789012:table/my-table',
    );
    expect(e.explanation).toMatchObject({ hop: 'identity', statement: { sid: 'TableRead' } });
  });

  it('of several statements, the one a typo away is named, and the typo is the policy’s', async () => {
    const two = dir.addRole({
      account: ACCOUNT,
      name: 'two-statements',
      trust: '{"Version":"2012-10-17","Statement":[]}',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
            { Sid: 'PutTypo', Effect: 'Allow', Action: 's3:PutObjet', Resource: '*' },
          ],
        },
      ],
    });
    const e = await authorized(two, 's3:PutObject', 'arn:aws:s3:::b/k');
    // the request's action is the operation's own: the value meant is it, in the statement
    expect(e.explanation).toMatchObject({
      hop: 'identity',
      didYouMean: 's3:PutObject',
      statement: { sid: 'PutTypo' },
    });
    expect(e.explanation.summary).toContain(
      "(the policy's `s3:PutObjet` looks like a typo of `s3:PutObject`)",
    );
    expect(e.explanation.fix).toMatch(/^correct `s3:PutObjet` to `s3:PutObject` in .*`PutTypo`/);
    const text = whyText(e);
    expect(text).toMatch(/did you mean `s3:PutObject` in .*statement `PutTypo`/);
    expect(text).not.toContain('did you mean `s3:PutObjet`');
  });

  it('an explicit Deny: the statement that denies, by Sid', async () => {
    const e = await authorized(denyRole, 'iam:DeleteRole', denyRole.arn);
    expect(e.explanation).toMatchObject({
      hop: 'identity',
      statement: { sid: 'NoDelete', index: 1, effect: 'Deny' },
    });
    expect(e.explanation.summary).toContain('explicitly denied');
    expect(e.explanation.fix).toContain('explicit Deny wins');
    // the identity hop names the Deny once, not again as the refusal's statement
    const identity = e.explanation.chain.find((h) => h.hop === 'identity');
    expect(identity?.facts?.filter((f) => f.includes('NoDelete'))).toHaveLength(1);
  });

  it('a permissions boundary that does not allow', async () => {
    const e = await authorized(boundedRole, 'iam:ListRoles', '*');
    expect(e.explanation).toMatchObject({ hop: 'boundary', statement: { sid: 'OnlyS3' } });
    const hops = e.explanation.chain.map((h) => `${h.hop}:${h.status}`);
    expect(hops).toContain('identity:ok');
    expect(hops).toContain('boundary:failed');
  });

  it('an allowed call names the statements that granted it', async () => {
    const e = await authorized(role, 's3:GetObject', 'arn:aws:s3:::b/k');
    expect(e.explanation.outcome).toBe('allowed');
    expect(e.explanation.grantedBy?.[0]).toMatchObject({ sid: 'ReadBucket' });
  });
});

describe('authentication refusals', () => {
  it('a signature mismatch: the signature hop, the string to sign, the session token redacted', () => {
    const err = sigv4Error('sts', {
      kind: 'SignatureDoesNotMatch',
      reason: 'the signature does not match',
      accessKeyId: 'ASIAEXAMPLEKEY123456',
      expected: {
        canonicalRequest:
          'POST\n/\n\nhost:h\nx-amz-security-token:SECRET-SESSION-TOKEN\n\nhost;x-amz-security-token\nabc',
        stringToSign:
          'AWS4-HMAC-SHA256\n20250101T000000Z\n20250101/us-east-1/sts/aws4_request\nabc',
      },
      received: { signature: 'deadbeef' },
    });
    const ctx = callContext(clock);
    const e = buildAuditEntry(
      eventOf(
        { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity', params: new Map() },
        ctx,
        err,
      ),
      { eventId: 'e-3' },
    );
    expect(e.record.errorCode).toBe('SignatureDoesNotMatch');
    expect(e.record.userIdentity).toEqual({ type: 'Unknown', accessKeyId: 'ASIAEXAMPLEKEY123456' });
    expect(e.explanation.hop).toBe('signature');
    expect(JSON.stringify(e)).not.toContain('SECRET-SESSION-TOKEN');
    expect(whyText(e)).toContain('✗ signature');
  });
});

describe('pod identity refusals (EKS Auth, and the agent’s calls to it)', () => {
  const refused = (error: AwsError) =>
    explainCall({
      service: 'eks-auth',
      eventName: 'AssumeRoleForPodIdentity',
      decisions: [],
      error,
    });

  it('a token for another audience: the token hop, its aud, expected versus actual', () => {
    const x = refused(
      new AwsError('InvalidTokenException', 400, 'The provided token is invalid', {
        detail: {
          check: 'audience',
          expected: 'pods.eks.amazonaws.com',
          actual: ['sts.amazonaws.com'],
        },
      }),
    );
    expect(x).toMatchObject({
      outcome: 'denied',
      hop: 'token',
      claim: 'aud',
      expected: ['pods.eks.amazonaws.com'],
      actual: ['sts.amazonaws.com'],
    });
  });

  it('no association for the service account: the role hop and the command that makes one', () => {
    const x = refused(
      new AwsError('ResourceNotFoundException', 404, 'No Pod Identity Association found', {
        detail: { cluster: 'demo', namespace: 'production', serviceAccount: 'web-app' },
      }),
    );
    expect(x).toMatchObject({ outcome: 'denied', hop: 'role' });
    expect(x.fix).toContain(
      'create-pod-identity-association --cluster-name demo --namespace production --service-account web-app',
    );
  });
});
