import { describe, expect, it } from 'vitest';
import { runChecks } from './checks.js';
import { type PermissionQuery, simulatePermission } from './permissions.js';
import { renderText } from './render.js';
import { ACCOUNT, HOSTPATH, PROVIDER_ARN, liveSnapshot, role } from './testing.js';

const OBJECT = 'arn:aws:s3:::my-bucket/hello.txt';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const denyLoopback = {
  name: 'denyip',
  document: doc({
    Sid: 'NoLoopback',
    Effect: 'Deny',
    Action: 's3:*',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
  }),
};
const allowLoopback = {
  name: 'allowip',
  document: doc({
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
  }),
};
const webIdentity = {
  via: 'AssumeRoleWithWebIdentity' as const,
  webIdentity: {
    providerArn: PROVIDER_ARN,
    sub: 'system:serviceaccount:production:s3-app',
    aud: 'sts.amazonaws.com',
  },
};

const query = (over: Partial<PermissionQuery>): PermissionQuery => ({
  role: role(),
  action: 's3:GetObject',
  resource: OBJECT,
  now: '2025-03-04T12:00:00.000Z',
  region: 'us-east-1',
  session: webIdentity,
  ...over,
});

describe('simulatePermission: keys only the real request carries', () => {
  const cases: {
    name: string;
    q: Partial<PermissionQuery>;
    status: string;
    detail: RegExp;
    fix?: RegExp | null;
  }[] = [
    {
      name: 'a Deny on the source address is no ✓ without the address',
      q: { role: role({ inline: [denyLoopback] }) },
      status: 'undecided',
      detail:
        /^cannot decide: s3:GetObject on arn:aws:s3:::my-bucket\/hello\.txt depends on aws:SourceIp \(the request's source address\).*`denyip` statement `NoLoopback` denies it when IpAddress aws:SourceIp \[127\.0\.0\.0\/8\].*allowed \(by `arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess` statement #0\), with the least explicitly denied \(by `denyip` statement `NoLoopback`\)$/,
      fix: /--context aws:SourceIp=ADDRESS/,
    },
    {
      name: 'the address given: the Deny decides',
      q: { role: role({ inline: [denyLoopback] }), context: { 'aws:SourceIp': '127.0.0.1' } },
      status: 'fail',
      detail: /explicitly denied by `denyip` statement `NoLoopback`/,
    },
    {
      name: 'another address given: allowed',
      q: { role: role({ inline: [denyLoopback] }), context: { 'aws:SourceIp': '10.1.2.3' } },
      status: 'pass',
      detail: /allowed by `arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess`/,
    },
    {
      name: 'an Allow only from the loopback is no ✗ without the address',
      q: { role: role({ attached: [], inline: [allowLoopback] }) },
      status: 'undecided',
      detail:
        /`allowip` statement #0 allows it only when IpAddress aws:SourceIp \[127\.0\.0\.0\/8\]\. With the most favourable value it is allowed \(by `allowip` statement #0\), with the least implicitly denied/,
    },
    {
      name: 'a conditional Allow the address misses: the fix keeps the condition',
      q: {
        role: role({ attached: [], inline: [allowLoopback] }),
        context: { 'aws:SourceIp': '10.1.2.3' },
      },
      status: 'fail',
      detail: /implicitly denied/,
      fix: /^`allowip` statement #0 allows it only when IpAddress aws:SourceIp \[127\.0\.0\.0\/8\] \(the call has \[10\.1\.2\.3\]\): make the call where that holds/,
    },
    {
      name: "a condition on the service's own key (s3:prefix)",
      q: {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::my-bucket',
        role: role({
          attached: [],
          inline: [
            {
              name: 'home',
              document: doc({
                Effect: 'Allow',
                Action: 's3:ListBucket',
                Resource: 'arn:aws:s3:::my-bucket',
                Condition: { StringLike: { 's3:prefix': 'home/*' } },
              }),
            },
          ],
        }),
      },
      status: 'undecided',
      detail: /depends on s3:prefix \(a key of the request's own parameters\)/,
      fix: /--context s3:prefix=VALUE/,
    },
    {
      name: 'a Deny of plain HTTP is no ✗: the endpoint decides aws:SecureTransport',
      q: {
        role: role({
          inline: [
            {
              name: 'tls-only',
              document: doc({
                Effect: 'Deny',
                Action: 's3:*',
                Resource: '*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            },
          ],
        }),
      },
      status: 'undecided',
      detail: /depends on aws:SecureTransport/,
      fix: /--context aws:SecureTransport=/,
    },
    {
      name: "AWS's own perimeter example (NotIpAddress with aws:ViaAWSService false)",
      q: {
        role: role({
          inline: [
            {
              name: 'perimeter',
              document: doc({
                Effect: 'Deny',
                Action: '*',
                Resource: '*',
                Condition: {
                  NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' },
                  Bool: { 'aws:ViaAWSService': 'false' },
                },
              }),
            },
          ],
        }),
      },
      status: 'undecided',
      detail:
        /`perimeter` statement #0 denies it when NotIpAddress aws:SourceIp \[192\.0\.2\.0\/24\]/,
    },
    {
      name: 'a Deny on an address that does not concern the call leaves the verdict alone',
      q: {
        role: role({
          inline: [
            {
              name: 'sqs-only',
              document: doc({
                Effect: 'Deny',
                Action: 'sqs:*',
                Resource: '*',
                Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
              }),
            },
          ],
        }),
      },
      status: 'pass',
      detail: /allowed by `arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess`/,
    },
    {
      name: "the role's tags are its session's principal tags",
      q: {
        role: role({
          tags: [{ Key: 'quarantine', Value: 'true' }],
          inline: [
            {
              name: 'quarantine',
              document: doc({
                Sid: 'Quarantined',
                Effect: 'Deny',
                Action: '*',
                Resource: '*',
                Condition: { StringEquals: { 'aws:PrincipalTag/quarantine': 'true' } },
              }),
            },
          ],
        }),
      },
      status: 'fail',
      detail: /explicitly denied by `quarantine` statement `Quarantined`/,
    },
    {
      name: "the session's aws:userid is the role's id and session name",
      q: {
        role: role({
          roleId: 'AROAEXAMPLEEXAMPLE123',
          attached: [],
          inline: [
            {
              name: 'own',
              document: doc({
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: '*',
                Condition: { StringLike: { 'aws:userid': 'AROAEXAMPLEEXAMPLE123:*' } },
              }),
            },
          ],
        }),
      },
      status: 'pass',
      detail: /allowed by `own` statement #0/,
    },
    {
      name: "the token's sub stays in the session's context",
      q: {
        role: role({
          attached: [],
          inline: [
            {
              name: 'by-sub',
              document: doc({
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: '*',
                Condition: {
                  StringEquals: { [`${HOSTPATH}:sub`]: 'system:serviceaccount:production:s3-app' },
                },
              }),
            },
          ],
        }),
      },
      status: 'pass',
      detail: /allowed by `by-sub` statement #0/,
    },
    {
      name: 'a Deny for callers outside the account (aws:PrincipalAccount) is decided',
      q: {
        role: role({
          inline: [
            {
              name: 'own-account',
              document: doc({
                Effect: 'Deny',
                Action: '*',
                Resource: '*',
                Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
              }),
            },
          ],
        }),
      },
      status: 'pass',
      detail: /allowed/,
    },
  ];
  it.each(cases)('$name', (c) => {
    const v = simulatePermission(query(c.q));
    expect(v.status).toBe(c.status);
    expect(v.detail).toMatch(c.detail);
    if (c.fix && v.status !== 'skip') expect(v.fix).toMatch(c.fix);
  });
});

describe('the report of an undecided call', () => {
  it('marks it ?, is not ok, and says so in the summary', () => {
    const report = runChecks(
      liveSnapshot({
        iam: { ...liveSnapshot().iam, role: role({ inline: [denyLoopback] }) },
        request: { action: 's3:GetObject', resource: OBJECT },
      }),
    );
    const c = report.checks.find((x) => x.id === 'permissions');
    expect(c?.status).toBe('undecided');
    expect(report.ok).toBe(false);
    expect(report.summary.undecided).toBe(1);
    const text = renderText(report, { color: false });
    expect(text).toMatch(/^\? the role's policies allow the call \(simulated\)$/m);
    expect(text).toMatch(/, 1 undecided$/);
  });

  it('is decided by the context the user gives', () => {
    const report = runChecks(
      liveSnapshot({
        iam: { ...liveSnapshot().iam, role: role({ inline: [denyLoopback] }) },
        request: { action: 's3:GetObject', resource: OBJECT, context: { 'aws:SourceIp': '::1' } },
      }),
    );
    expect(report.checks.find((x) => x.id === 'permissions')?.status).toBe('pass');
    expect(report.ok).toBe(true);
  });
});

describe('simulatePermission: sts:AssumeRole is decided by the target role’s trust policy', () => {
  const TARGET = 'arn:aws:iam::111122223333:role/cross-account-s3-access';
  const trustOf = (...Statement: object[]) => ({
    name: 'the trust policy of role cross-account-s3-access',
    trust: true,
    document: doc(...Statement),
  });
  const trustsApp = {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/s3-app-role` },
    Action: 'sts:AssumeRole',
  };
  const mayAssume = (resource: string) => ({
    name: 'assume',
    document: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resource }),
  });
  const cases: {
    name: string;
    q: Partial<PermissionQuery>;
    status: string;
    detail: RegExp;
    fix?: RegExp;
  }[] = [
    {
      name: 'another account’s role that trusts the pod’s role: allowed, as STS allows it',
      q: {
        action: 'sts:AssumeRole',
        resource: TARGET,
        role: role({ inline: [mayAssume(TARGET)] }),
        resourcePolicy: trustOf(trustsApp),
      },
      status: 'pass',
      detail:
        /allowed by `assume` statement #0, `the trust policy of role cross-account-s3-access` statement #0/,
    },
    {
      name: 'another account’s role whose trust names someone else',
      q: {
        action: 'sts:AssumeRole',
        resource: TARGET,
        role: role({ inline: [mayAssume(TARGET)] }),
        resourcePolicy: trustOf({
          ...trustsApp,
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
        }),
      },
      status: 'fail',
      detail: /no role trust policy allows sts:AssumeRole/,
      fix: /let the trust policy of .* name the role: .*--role-name cross-account-s3-access --policy-document file:\/\/trust-policy\.json --profile 111122223333/,
    },
    {
      name: 'a same-account role whose trust condition the session does not meet',
      q: {
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/same`,
        // the role's tags are known (live): it has none
        role: role({ inline: [mayAssume('*')], tags: [] }),
        resourcePolicy: trustOf({
          ...trustsApp,
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } },
        }),
      },
      status: 'fail',
      detail: /no role trust policy allows sts:AssumeRole.*aws:PrincipalTag\/team/,
    },
    {
      name: 'a trust condition on the request’s own key (sts:ExternalId) is undecided',
      q: {
        action: 'sts:AssumeRole',
        resource: TARGET,
        role: role({ inline: [mayAssume(TARGET)] }),
        resourcePolicy: trustOf({
          ...trustsApp,
          Condition: { StringEquals: { 'sts:ExternalId': 'x-123' } },
        }),
      },
      status: 'undecided',
      detail: /depends on sts:ExternalId/,
      fix: /--context sts:ExternalId=VALUE/,
    },
    {
      name: 'a role that does not exist',
      q: {
        action: 'sts:AssumeRole',
        resource: TARGET,
        role: role({ inline: [mayAssume('*')] }),
        resourcePolicy: { name: 'x', trust: true, unknown: `role ${TARGET} does not exist` },
      },
      status: 'fail',
      detail:
        /^role arn:aws:iam::111122223333:role\/cross-account-s3-access does not exist: STS answers AccessDenied/,
    },
    {
      name: 'a trust policy not known here (static mode) gives no verdict',
      q: { action: 'sts:AssumeRole', resource: TARGET, role: role({ inline: [mayAssume('*')] }) },
      status: 'skip',
      detail: /the trust policy of .* is not known here/,
    },
    {
      name: 'the trust policy is no resource policy of IAM’s own actions',
      q: {
        action: 'iam:GetRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/same`,
        role: role({ inline: [mayAssume('*')] }),
        resourcePolicy: trustOf({ ...trustsApp, Action: '*' }),
      },
      status: 'fail',
      detail: /no identity-based policy allows iam:GetRole/,
    },
  ];
  it.each(cases)('$name', (c) => {
    const v = simulatePermission(query(c.q));
    expect(v.status).toBe(c.status);
    expect(v.detail).toMatch(c.detail);
    if (c.fix && v.status !== 'skip') expect(v.fix).toMatch(c.fix);
  });
});

describe('simulatePermission: the refusal as the service answers it', () => {
  // as the edge answers (server/aws/denied.ts): awsJson's 400, SQS's and REST-XML's 403
  it.each([
    ['s3:PutObject', OBJECT, 'HTTP 403 AccessDenied'],
    ['iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/x`, 'HTTP 403 AccessDenied'],
    [
      'dynamodb:PutItem',
      `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/my-table`,
      'HTTP 400 AccessDeniedException',
    ],
    [
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`,
      'HTTP 400 AccessDeniedException',
    ],
    [
      'sqs:SendMessage',
      `arn:aws:sqs:us-east-1:${ACCOUNT}:q`,
      'HTTP 403 AccessDeniedException (AccessDenied in x-amzn-query-error and in the query protocol)',
    ],
  ])('%s', (action, resource, answer) => {
    const v = simulatePermission(query({ action, resource }));
    expect(v.status).toBe('fail');
    expect(v.detail.startsWith(`implicitly denied (the call gets ${answer}): `)).toBe(true);
  });
});
