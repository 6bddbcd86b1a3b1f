/**
 * AssumeRoleWithWebIdentity end to end against irsakit's own issuer: tokens from TokenRequest
 * (and hand-made ones signed by the cluster's key or by foreign keys), discovery and JWKS
 * fetched over HTTPS through the local CA's thumbprint, the IRSA trust policy of the seed
 * scenario. Every refusal with AWS's exact code, status and message (spec/aws-wire.md §3.3),
 * the explanation in `detail`, and no token in either; the success response field by field
 * (§3.2); the clock fixed and travelled, never slept.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import { fixedClock } from '../common/clock.js';
import type { RoleRecord } from '../iam/directory.js';
import type { QueryOperation } from '../server/aws/types.js';
import { CredentialSealer } from './credentials.js';
import { STS_MSG } from './errors.js';
import { OidcKeyFetcher } from './oidc-keys.js';
import { createStsOperations } from './operations.js';
import { ServerKey } from './server-key.js';
import { callContext, type IssuerFixture, MemoryDirectory, startIssuer } from './test-support.js';

const START = '2025-01-01T00:00:00Z';
const T0 = Date.parse(START) / 1000;
const ACCOUNT = '123456789012';
const ID = '0123456789ABCDEF0123456789ABCDEF';
const ID_EC = 'FEDCBA9876543210FEDCBA9876543210';
const ID_OTHER = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const clock = fixedClock(START);

let f: IssuerFixture;
let dir: MemoryDirectory;
let sts: Record<string, QueryOperation>;
let sealer: CredentialSealer;
let role: RoleRecord;
let unreachableIssuer: string;
const SUB = 'system:serviceaccount:production:s3-app';

function irsaTrust(
  providerUrl: string,
  account = ACCOUNT,
  actions: string[] = ['sts:AssumeRoleWithWebIdentity'],
) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${providerUrl}` },
        Action: actions,
        Condition: {
          StringEquals: {
            [`${providerUrl}:sub`]: SUB,
            [`${providerUrl}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
}

beforeAll(async () => {
  f = await startIssuer(clock);
  await f.addCluster(ID, 'demo');
  await f.addCluster(ID_EC, 'ec', 'ES256');
  await f.addCluster(ID_OTHER, 'other');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  unreachableIssuer = `https://127.0.0.1:${(closed.address() as AddressInfo).port}/id/${ID}`;
  await new Promise((r) => closed.close(r));

  dir = new MemoryDirectory();
  for (const id of [ID, ID_EC])
    dir.addProvider({ account: ACCOUNT, url: f.providerUrl(id), thumbprints: [f.ca.thumbprint] });
  dir.addProvider({
    account: '210987654321',
    url: f.providerUrl(ID_OTHER),
    thumbprints: [f.ca.thumbprint],
  });
  dir.addProvider({
    account: ACCOUNT,
    url: unreachableIssuer.slice(8),
    thumbprints: [f.ca.thumbprint],
  });
  role = dir.addRole({
    account: ACCOUNT,
    name: 's3-app-role',
    path: '/irsa/',
    maxSessionDuration: 7200,
    trust: irsaTrust(f.providerUrl(ID)),
  });
  dir.addRole({ account: ACCOUNT, name: 'ec-role', trust: irsaTrust(f.providerUrl(ID_EC)) });
  dir.addRole({
    account: ACCOUNT,
    name: 'tagged-role',
    trust: irsaTrust(f.providerUrl(ID), ACCOUNT, [
      'sts:AssumeRoleWithWebIdentity',
      'sts:TagSession',
      'sts:SetSourceIdentity',
    ]),
  });
  dir.addRole({
    account: ACCOUNT,
    name: 'unreachable-role',
    trust: irsaTrust(unreachableIssuer.slice(8)),
  });
  dir.addRole({
    account: '210987654321',
    name: 'cross-provider-role',
    trust: irsaTrust(f.providerUrl(ID_OTHER), ACCOUNT),
  });
  // another account registers the same issuer with a thumbprint that is not the CA's
  dir.addProvider({
    account: '333333333333',
    url: f.providerUrl(ID),
    thumbprints: ['0'.repeat(40)],
  });
  dir.addRole({
    account: '333333333333',
    name: 'pinned-role',
    trust: irsaTrust(f.providerUrl(ID), '333333333333'),
  });
  dir.addManagedPolicy('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }],
  });
  dir.addManagedPolicy('arn:aws:iam::999999999999:policy/elsewhere', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });

  sealer = new CredentialSealer({ key: ServerKey.from(new Uint8Array(32).fill(1)), clock });
  sts = createStsOperations({ directory: dir, sealer, keys: new OidcKeyFetcher({ clock }), clock });
});

afterAll(async () => {
  await f.close();
});

beforeEach(() => {
  clock.set(START);
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Claims as kube-apiserver writes them, for hand-made tokens. */
function claims(over: Record<string, unknown> = {}) {
  return {
    aud: ['sts.amazonaws.com'],
    exp: T0 + 86_400,
    iat: T0,
    iss: f.issuer(ID),
    jti: 'b1f0c2d4-0000-4000-8000-000000000001',
    nbf: T0,
    sub: SUB,
    ...over,
  };
}

/** A token signed by the cluster's own key (through the key ring). */
async function signedByCluster(payload: Record<string, unknown>, cluster = 'demo') {
  const r = await f.ring.sign(cluster, new TextEncoder().encode(JSON.stringify(payload)), {
    lifetimeSeconds: 86_400,
  });
  return r.token;
}

async function signingKid(cluster = 'demo') {
  return (await f.ring.signingKey(cluster))?.kid as string;
}

/** A token signed by a key the issuer never published. */
async function signedByForeignKey(kid: string) {
  const { privateKey } = await generateKeyPair('RS256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims())))
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(privateKey);
}

function params(token: string, over: Record<string, string | undefined> = {}) {
  const p = new Map<string, string>();
  const all: Record<string, string | undefined> = {
    RoleArn: role.arn,
    RoleSessionName: 'botocore-session-1735689600',
    WebIdentityToken: token,
    ...over,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) p.set(k, v);
  return p;
}

async function call(p: Map<string, string>) {
  const op = sts.AssumeRoleWithWebIdentity as QueryOperation;
  return op(callContext(clock), p);
}

async function refusal(p: Map<string, string>): Promise<AwsError> {
  try {
    await call(p);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

interface Case {
  name: string;
  token: () => Promise<string>;
  over?: Record<string, string | undefined>;
  before?: () => void;
  code: string;
  status: number;
  message: string | (() => string);
  detail?: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'a token of another service account',
    token: () => f.token(ID, { name: 'other-app' }),
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
    detail: {
      check: 'trust',
      action: 'sts:AssumeRoleWithWebIdentity',
      sub: 'system:serviceaccount:production:other-app',
    },
  },
  {
    name: 'a token of the same service account in another namespace',
    token: () => f.token(ID, { namespace: 'staging' }),
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
    detail: { check: 'trust', decision: 'implicitDeny' },
  },
  {
    name: 'an expired token',
    token: () => f.token(ID, { expirationSeconds: 3600 }),
    before: () => clock.advance(3600),
    code: 'ExpiredTokenException',
    status: 400,
    message: STS_MSG.tokenExpired(T0 + 3600, T0 + 3600),
  },
  {
    name: 'a token that is not yet valid (nbf an hour ahead)',
    token: () => f.token(ID, { clock: fixedClock(new Date((T0 + 3600) * 1000)) }),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.notYetValid(T0, T0 + 3600),
  },
  {
    name: 'a token issued in the future (iat beyond the leeway)',
    token: () => signedByCluster(claims({ iat: T0 + 301, nbf: undefined })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.issuedInFuture(T0, T0 + 301),
  },
  {
    name: 'a token for another audience',
    token: () => f.token(ID, { audiences: ['vault'] }),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.incorrectAudience,
    detail: { check: 'audience', expected: ['sts.amazonaws.com'], actual: ['vault'] },
  },
  {
    name: 'a token of an issuer registered in no account of the role',
    token: () => f.token(ID_OTHER),
    code: 'InvalidIdentityToken',
    status: 400,
    message: () => STS_MSG.noProvider(f.issuer(ID_OTHER)),
  },
  {
    name: 'a token whose iss has a trailing slash',
    token: () => signedByCluster(claims({ iss: `${f.issuer(ID)}/` })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: () => STS_MSG.noProvider(`${f.issuer(ID)}/`),
  },
  {
    name: 'a token signed by another key under the issuer kid',
    token: async () => signedByForeignKey(await signingKid()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.badSignature,
    detail: { check: 'signature', alg: 'RS256' },
  },
  {
    name: 'a token with an unknown kid',
    token: () => signedByForeignKey('not-a-published-kid'),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.couldNotRetrieveKey,
    detail: { check: 'signature', kid: 'not-a-published-kid' },
  },
  {
    name: 'an unsigned token (alg none)',
    token: async () => `${b64({ alg: 'none' })}.${b64(claims())}.`,
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.badSignature,
    detail: { check: 'signature', alg: 'none' },
  },
  {
    name: 'an HS256 token keyed with the public key',
    token: async () => {
      const kid = await signingKid();
      const pem = (await f.ring.signingKey('demo'))?.publicKeyPem as string;
      const input = `${b64({ alg: 'HS256', kid })}.${b64(claims())}`;
      const sig = createHmac('sha256', pem).update(input).digest('base64url');
      return `${input}.${sig}`;
    },
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.badSignature,
    detail: { check: 'signature', alg: 'HS256' },
  },
  {
    name: 'a token whose payload was altered',
    token: async () => {
      const [h, , s] = (await f.token(ID, { name: 'other-app' })).split('.');
      return `${h}.${b64(claims())}.${s}`;
    },
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.badSignature,
  },
  {
    name: 'a token with a jku header pointing elsewhere (ignored: the issuer key decides)',
    token: async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return new CompactSign(new TextEncoder().encode(JSON.stringify(claims())))
        .setProtectedHeader({
          alg: 'RS256',
          kid: await signingKid(),
          jku: 'https://attacker.example/jwks',
        })
        .sign(privateKey);
    },
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.badSignature,
  },
  {
    name: 'something that is not a JWT',
    token: async () => 'Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIUFAHZwXZ',
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.notAJwt,
  },
  {
    name: 'a token for a role that does not exist',
    token: () => f.token(ID),
    over: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/irsa/no-such-role` },
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
    detail: { check: 'role' },
  },
  {
    name: 'a role ARN without the role path',
    token: () => f.token(ID),
    over: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/s3-app-role` },
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
    detail: { check: 'role' },
  },
  {
    name: 'DurationSeconds below 900',
    token: () => f.token(ID),
    over: { DurationSeconds: '899' },
    code: 'ValidationError',
    status: 400,
    message:
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
  },
  {
    name: 'DurationSeconds above 43200',
    token: () => f.token(ID),
    over: { DurationSeconds: '43201' },
    code: 'ValidationError',
    status: 400,
    message:
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
  },
  {
    name: "DurationSeconds beyond the role's MaxSessionDuration",
    token: () => f.token(ID),
    over: { DurationSeconds: '7201' },
    code: 'ValidationError',
    status: 400,
    message: STS_MSG.maxSessionDuration,
  },
  {
    name: 'an issuer that cannot be reached',
    token: () => signedByCluster(claims({ iss: unreachableIssuer })),
    over: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/unreachable-role` },
    code: 'IDPCommunicationError',
    status: 400,
    message: () => STS_MSG.idpUnreachable(`${unreachableIssuer}/.well-known/openid-configuration`),
  },
  {
    name: "a provider whose thumbprint is not the issuer CA's",
    token: () => f.token(ID),
    over: { RoleArn: 'arn:aws:iam::333333333333:role/pinned-role' },
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.thumbprintMismatch,
  },
  {
    name: "a trust policy naming another account's provider for the issuer",
    token: () => f.token(ID_OTHER),
    over: { RoleArn: 'arn:aws:iam::210987654321:role/cross-provider-role' },
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
  },
  {
    name: 'a token carrying session tags for a role without sts:TagSession',
    token: () =>
      signedByCluster(
        claims({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'] } } }),
      ),
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
    detail: { action: 'sts:TagSession' },
  },
  {
    name: 'a token carrying a source identity for a role without sts:SetSourceIdentity',
    token: () => signedByCluster(claims({ 'https://aws.amazon.com/source_identity': 'alice' })),
    code: 'AccessDenied',
    status: 403,
    message: STS_MSG.webIdentityDenied,
    detail: { action: 'sts:SetSourceIdentity' },
  },
  {
    name: 'a token with malformed session tags',
    token: () =>
      signedByCluster(
        claims({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['a', 'b'] } } }),
      ),
    over: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/tagged-role` },
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.invalidTags,
  },
  {
    name: 'a token without exp',
    token: () => signedByCluster(claims({ exp: undefined })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.missingClaim('exp'),
  },
  {
    name: 'a token whose exp is not an integer',
    token: () => signedByCluster(claims({ exp: `${T0 + 600}` })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: STS_MSG.notAJwt,
  },
  {
    name: 'a malformed inline session policy',
    token: () => f.token(ID),
    over: { Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}' },
    code: 'MalformedPolicyDocument',
    status: 400,
    message: 'Policy statement must contain resources.',
  },
  {
    name: 'a session policy ARN that names no policy',
    token: () => f.token(ID),
    over: { 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/NoSuchPolicy' },
    code: 'MalformedPolicyDocument',
    status: 400,
    message: STS_MSG.noSuchPolicy('arn:aws:iam::aws:policy/NoSuchPolicy'),
  },
  {
    name: 'a session policy ARN of another account than the role’s (which exists there)',
    token: () => f.token(ID),
    over: { 'PolicyArns.member.1.arn': 'arn:aws:iam::999999999999:policy/elsewhere' },
    code: 'MalformedPolicyDocument',
    status: 400,
    message: STS_MSG.noSuchPolicy('arn:aws:iam::999999999999:policy/elsewhere'),
  },
  {
    name: 'session policies beyond the packed budget',
    token: () => f.token(ID),
    over: {
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: Array.from({ length: 60 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`),
          },
        ],
      }),
      ...Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [
          `PolicyArns.member.${i + 1}.arn`,
          `arn:aws:iam::${ACCOUNT}:policy/a-rather-long-policy-name-for-the-session-${i}`,
        ]),
      ),
    },
    code: 'PackedPolicyTooLarge',
    status: 400,
    // (1,704 characters of policy + 760 of ARNs) / 2,048
    message: 'Packed policy consumes 121% of allotted space, please use smaller policy.',
  },
  {
    name: 'a session name of one character',
    token: () => f.token(ID),
    over: { RoleSessionName: 'a' },
    code: 'ValidationError',
    status: 400,
    message:
      "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
  },
  {
    name: 'a role ARN that is not a role',
    token: () => f.token(ID),
    over: { RoleArn: `arn:aws:iam::${ACCOUNT}:user/s3-app` },
    code: 'ValidationError',
    status: 400,
    message: STS_MSG.requestArnInvalid,
  },
];

describe('AssumeRoleWithWebIdentity refusals', () => {
  it.each(cases)('$name → $code', async (c) => {
    const token = await c.token();
    c.before?.();
    const e = await refusal(params(token, c.over));
    const message = typeof c.message === 'function' ? c.message() : c.message;
    expect([e.code, e.httpStatus, e.message]).toEqual([c.code, c.status, message]);
    if (c.detail) expect(e.detail).toMatchObject(c.detail);
    // the token never reaches a message or the audit detail
    const sig = token.split('.')[2] ?? token;
    expect(e.message).not.toContain(token);
    if (sig.length > 8) expect(JSON.stringify(e.detail ?? null)).not.toContain(sig);
  });

  it('explains a trust refusal: the condition, expected versus actual, and a near miss', async () => {
    const e = await refusal(params(await f.token(ID, { namespace: 'productoin' })));
    const d = e.detail as { summary: string; principal: string };
    expect(d.principal).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${f.providerUrl(ID)}`);
    expect(d.summary).toContain(`${f.providerUrl(ID)}:sub`);
    expect(d.summary).toContain(`expected [${SUB}]`);
    expect(d.summary).toContain('system:serviceaccount:productoin:s3-app');
    expect(d.summary).toContain(`did you mean \`${SUB}\``);
  });

  it('names every violation at once, and never echoes the token', async () => {
    const e = await refusal(
      new Map([
        ['RoleSessionName', 'has space'],
        ['WebIdentityToken', 'abc'],
        ['DurationSeconds', '100'],
      ]),
    );
    expect(e.message).toBe(
      '4 validation errors detected: ' +
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; " +
        "Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4; " +
        "Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
  });

  it('refuses a non-integer DurationSeconds at once', async () => {
    const e = await refusal(params(await f.token(ID), { DurationSeconds: 'soon' }));
    expect(e.message).toBe(
      "Value 'soon' at 'durationSeconds' failed to satisfy constraint: Member must be an integer",
    );
  });
});

describe('AssumeRoleWithWebIdentity success', () => {
  it('answers as STS does, field by field', async () => {
    const token = await f.token(ID);
    const r = (await call(params(token))) as Record<string, unknown>;
    expect(Object.keys(r)).toEqual([
      'Credentials',
      'SubjectFromWebIdentityToken',
      'AssumedRoleUser',
      'PackedPolicySize',
      'Provider',
      'Audience',
      'SourceIdentity',
    ]);
    const creds = r.Credentials as Record<string, string>;
    expect(creds.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(creds.SessionToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(creds.Expiration).toBe('2025-01-01T01:00:00Z');
    expect(r.SubjectFromWebIdentityToken).toBe(SUB);
    // the role path is dropped; AssumedRoleId is the role id and the session name
    expect(r.AssumedRoleUser).toEqual({
      AssumedRoleId: `${role.roleId}:botocore-session-1735689600`,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/botocore-session-1735689600`,
    });
    expect(r.PackedPolicySize).toBeUndefined();
    expect(r.Provider).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${f.providerUrl(ID)}`);
    expect(r.Audience).toBe('sts.amazonaws.com');
    expect(r.SourceIdentity).toBeUndefined();

    const opened = sealer.open(creds.AccessKeyId as string, creds.SessionToken as string);
    expect(opened.ok && opened.session).toMatchObject({
      account: ACCOUNT,
      roleArn: role.arn,
      roleName: 's3-app-role',
      rolePath: '/irsa/',
      roleId: role.roleId,
      sessionName: 'botocore-session-1735689600',
      issuedAt: T0,
      expiresAt: T0 + 3600,
      chained: false,
      via: 'AssumeRoleWithWebIdentity',
      webIdentity: {
        providerArn: r.Provider,
        sub: SUB,
        aud: 'sts.amazonaws.com',
      },
    });
    expect(opened.ok && opened.session.webIdentity?.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(opened.ok && opened.session.webIdentity?.kid).toBe(await signingKid());
  });

  it('honours DurationSeconds up to the role maximum', async () => {
    const r = (await call(params(await f.token(ID), { DurationSeconds: '7200' }))) as {
      Credentials: { Expiration: string };
    };
    expect(r.Credentials.Expiration).toBe('2025-01-01T02:00:00Z');
  });

  it('verifies ES256 tokens', async () => {
    const r = (await call(
      params(await f.token(ID_EC), { RoleArn: `arn:aws:iam::${ACCOUNT}:role/ec-role` }),
    )) as { AssumedRoleUser: { Arn: string } };
    expect(r.AssumedRoleUser.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/ec-role/botocore-session-1735689600`,
    );
  });

  it('accepts a token just inside the nbf leeway and just before exp', async () => {
    const token = await signedByCluster(claims({ nbf: T0 + 300, iat: T0 + 300, exp: T0 + 600 }));
    clock.advance(599);
    await expect(call(params(token))).resolves.toBeTruthy();
  });

  it('keeps session policies and reports PackedPolicySize', async () => {
    const policy =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    const r = (await call(
      params(await f.token(ID), {
        Policy: policy,
        'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    )) as { PackedPolicySize: number; Credentials: { AccessKeyId: string; SessionToken: string } };
    expect(r.PackedPolicySize).toBe(Math.ceil((100 * (policy.length + 45)) / 2048));
    const opened = sealer.open(r.Credentials.AccessKeyId, r.Credentials.SessionToken);
    expect(opened.ok && opened.session).toMatchObject({
      policy,
      policyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
    });
  });

  it('takes session tags and the source identity from the token when the trust policy allows', async () => {
    const token = await signedByCluster(
      claims({
        'https://aws.amazon.com/tags': {
          principal_tags: { team: ['data'], env: ['prod'] },
          transitive_tag_keys: ['team'],
        },
        'https://aws.amazon.com/source_identity': 'alice',
      }),
    );
    const r = (await call(
      params(token, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/tagged-role` }),
    )) as {
      PackedPolicySize: number;
      SourceIdentity: string;
      Credentials: { AccessKeyId: string; SessionToken: string };
    };
    expect(r.SourceIdentity).toBe('alice');
    expect(r.PackedPolicySize).toBe(1);
    const opened = sealer.open(r.Credentials.AccessKeyId, r.Credentials.SessionToken);
    expect(opened.ok && opened.session).toMatchObject({
      tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'env', Value: 'prod' },
      ],
      transitiveTagKeys: ['team'],
      sourceIdentity: 'alice',
    });
  });

  it('notes for CloudTrail how the provider connection was verified (its thumbprint)', async () => {
    const op = sts.AssumeRoleWithWebIdentity as QueryOperation;
    const ctx = callContext(clock);
    await op(ctx, params(await f.token(ID)));
    expect(ctx.audit.additionalEventData).toEqual({
      identityProviderConnectionVerificationMethod: 'Thumbprint',
    });
  });

  it('answers to a signed call too (the signature is ignored)', async () => {
    const op = sts.AssumeRoleWithWebIdentity as QueryOperation;
    const ctx = callContext(clock, {
      principal: {
        type: 'User',
        id: `arn:aws:iam::${ACCOUNT}:user/x`,
        account: ACCOUNT,
        partition: 'aws',
      },
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      account: ACCOUNT,
      userId: 'AIDAEXAMPLE',
    });
    await expect(op(ctx, params(await f.token(ID)))).resolves.toBeTruthy();
  });
});
