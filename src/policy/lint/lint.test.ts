import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../parse-policy.js';
import type { PolicyType } from '../types.js';
import { guessPolicyType, lintPolicy, RULES } from './index.js';

const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;

function trust(condition: unknown, extra: Record<string, unknown> = {}) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        ...(condition === undefined ? {} : { Condition: condition }),
        ...extra,
      },
    ],
  };
}
const good = {
  StringEquals: {
    [`${ISSUER}:sub`]: 'system:serviceaccount:payments:s3-backup',
    [`${ISSUER}:aud`]: 'sts.amazonaws.com',
  },
};
const identity = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });

const codes = (doc: unknown, type?: PolicyType, opts: Record<string, unknown> = {}) =>
  lintPolicy(JSON.stringify(doc, null, 2), { type, ...opts })
    .findings.map((f) => `${f.code}:${f.severity}`)
    .sort();

describe('trust-policy findings (spec §14.1)', () => {
  it.each<[string, unknown, string[], Record<string, unknown>?]>([
    ['the seed trust policy is clean', trust(good), []],
    [
      'T1 Principal "*" without conditions',
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }],
      },
      ['T1:critical'],
    ],
    [
      'T1 AWS "*" limited by conditions is medium',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } },
          },
        ],
      },
      ['T1:medium'],
    ],
    ['T2 no condition at all', trust(undefined), ['T2:high']],
    [
      'T3 aud but no sub',
      trust({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }),
      ['T3:high'],
    ],
    [
      'T4 sub wildcard across namespaces',
      trust({
        StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:*' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
      ['T4:high'],
    ],
    [
      'T4 sub wildcard within one namespace',
      trust({
        StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:payments:*' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
      ['T4:medium'],
    ],
    [
      'T5 wildcard under StringEquals never matches',
      trust({
        StringEquals: {
          [`${ISSUER}:sub`]: 'system:serviceaccount:payments:*',
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
      ['T5:medium'],
    ],
    [
      'T5 malformed subject',
      trust({
        StringEquals: {
          [`${ISSUER}:sub`]: 'serviceaccount:payments:s3-backup',
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
      ['T5:medium'],
    ],
    [
      'T6 no aud',
      trust({ StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:payments:s3-backup' } }),
      ['T6:medium'],
    ],
    [
      'T6 unexpected audience on an EKS issuer',
      trust({
        StringEquals: {
          [`${ISSUER}:sub`]: 'system:serviceaccount:payments:s3-backup',
          [`${ISSUER}:aud`]: 'my-app',
        },
      }),
      ['T6:medium'],
    ],
    [
      'T7 negated operator on sub',
      trust({
        StringNotEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:kube-system:default' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
      ['T7:high'],
    ],
    [
      'T7 IfExists on sub',
      trust({
        StringEqualsIfExists: { [`${ISSUER}:sub`]: 'system:serviceaccount:payments:s3-backup' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
      ['T7:high'],
    ],
    [
      'T7 ForAllValues on sub',
      trust({
        'ForAllValues:StringEquals': {
          [`${ISSUER}:sub`]: 'system:serviceaccount:payments:s3-backup',
        },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
      ['T7:high'],
    ],
    [
      'T7 only Null:false on sub',
      trust({
        Null: { [`${ISSUER}:sub`]: 'false' },
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
      }),
      ['T7:high'],
    ],
    [
      'T8 https:// in the condition key',
      trust({
        StringEquals: {
          [`https://${ISSUER}:sub`]: 'system:serviceaccount:payments:s3-backup',
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
      ['T8:high'],
    ],
    [
      'T8 another cluster in the condition key',
      trust({
        StringEquals: {
          'oidc.eks.us-west-2.amazonaws.com/id/OTHER:sub':
            'system:serviceaccount:payments:s3-backup',
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      }),
      ['T8:high'],
    ],
    [
      'T9 OIDC principal with sts:AssumeRole',
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRole' },
        ],
      },
      ['T9:high'],
    ],
    [
      'T9 NotPrincipal in a trust policy',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      ['T9:high'],
    ],
    ['T10 sts:* as trust action', trust(good, { Action: 'sts:*' }), ['T10:medium']],
    [
      'T10 whole foreign account',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::444455556666:root' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      ['T10:medium'],
      { account: '111122223333' },
    ],
    [
      'T10 tags without sts:TagSession',
      trust({ ...good, StringLike: { 'aws:RequestTag/team': '*' } }),
      ['T10:medium'],
    ],
    ['T11 provider in another account', trust(good), ['T11:medium'], { account: '999988887777' }],
    [
      'T11 Federated given as a host, not an ARN',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: ISSUER },
            Action: 'sts:AssumeRoleWithWebIdentity',
          },
        ],
      },
      ['T11:medium', 'V1:high'],
    ],
    ['T12 no Version', { Statement: trust(good).Statement }, ['T12:medium']],
    [
      'T13 Pod Identity without sts:TagSession',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      ['T13:medium'],
    ],
    [
      'Pod Identity with sts:TagSession is clean',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
          },
        ],
      },
      [],
    ],
    [
      'T14 compute service principal',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ec2.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      ['T14:low'],
    ],
    ['V1 Resource in a trust policy', trust(good, { Resource: '*' }), ['V1:high']],
  ])('%s', (_name, doc, expected, opts) => {
    expect(codes(doc, 'trust', opts)).toEqual(expected);
  });

  it('puts the ServiceAccount in the fix when given', () => {
    const f = lintPolicy(
      JSON.stringify(trust({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } })),
      {
        type: 'trust',
        serviceAccount: { namespace: 'production', name: 's3-app' },
      },
    ).findings;
    expect(f[0]?.fix).toBe(
      `add "StringEquals": {"${ISSUER}:sub": "system:serviceaccount:production:s3-app"}`,
    );
  });
});

describe('permission-policy findings (spec §14.2)', () => {
  it.each<[string, unknown, string[]]>([
    [
      'a scoped read policy is clean',
      identity({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::my-bucket/*' }),
      [],
    ],
    [
      'P1 administrator access',
      identity({ Effect: 'Allow', Action: '*', Resource: '*' }),
      ['P1:critical'],
    ],
    [
      'P2 service wildcard (s3:* includes bucket-policy changes)',
      identity({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::my-bucket/*' }),
      ['P2:medium', 'P8:high'],
    ],
    [
      'P3 Allow with NotAction',
      identity({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::my-bucket/*' }),
      ['P3:high', 'P8:high', 'P9:high'],
    ],
    [
      'P4 Allow with NotResource',
      identity({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }),
      ['P10:medium', 'P4:high'],
    ],
    [
      'P5 PassRole on *',
      identity({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }),
      ['P5:high'],
    ],
    [
      'P6 PassRole without PassedToService',
      identity({
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::111122223333:role/app',
      }),
      ['P6:medium'],
    ],
    [
      'P7 privilege escalation',
      identity({
        Effect: 'Allow',
        Action: 'iam:AttachRolePolicy',
        Resource: 'arn:aws:iam::111122223333:role/app',
      }),
      ['P7:high'],
    ],
    [
      'P7 PassRole with compute',
      identity(
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: 'arn:aws:iam::111122223333:role/app',
          Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        },
        {
          Effect: 'Allow',
          Action: 'lambda:CreateFunction',
          Resource: 'arn:aws:lambda:us-east-1:111122223333:function:*',
        },
      ),
      ['P7:high'],
    ],
    [
      'P8 resource exposure',
      identity({
        Effect: 'Allow',
        Action: 's3:PutBucketPolicy',
        Resource: 'arn:aws:s3:::my-bucket',
      }),
      ['P8:high'],
    ],
    [
      'P9 credentials exposure',
      identity({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
      ['P9:high'],
    ],
    [
      'P10 data exfiltration on *',
      identity({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }),
      ['P10:medium'],
    ],
    [
      'P11 infrastructure modification on *',
      identity({ Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' }),
      ['P11:low'],
    ],
    [
      'P12 unknown SQS action',
      identity({
        Effect: 'Allow',
        Action: 'sqs:SendMesage',
        Resource: 'arn:aws:sqs:us-east-1:111122223333:q',
      }),
      ['P12:medium'],
    ],
    [
      'P12 unknown service prefix',
      identity({
        Effect: 'Allow',
        Action: 'dynamdb:GetItem',
        Resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/t',
      }),
      ['P12:medium'],
    ],
    [
      'P12 unknown global key',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { IpAddress: { 'aws:SourceIpAddress': '203.0.113.0/24' } },
      }),
      ['P12:medium'],
    ],
    [
      'P13 String operator on an IP key',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { StringEquals: { 'aws:SourceIp': '203.0.113.7' } },
      }),
      ['P13:medium'],
    ],
    [
      'P14 wildcard under StringEquals',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'pay*' } },
      }),
      ['P14:medium'],
    ],
    [
      'P15 NullIfExists',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { NullIfExists: { 'aws:PrincipalTag/team': 'false' } },
      }),
      ['P15:medium'],
    ],
    [
      'P16 ForAllValues on a single-valued key',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalTag/team': 'pay' } },
      }),
      ['P16:medium'],
    ],
    [
      'P17 VpcSourceIp without SourceVpc',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/8' } },
      }),
      ['P17:medium'],
    ],
    [
      'P18 private range in aws:SourceIp',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      }),
      ['P18:medium'],
    ],
    [
      'P23 aws:SourceAccount in an identity policy (the seeds’ condition-key example)',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::my-bucket/*',
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      }),
      ['P23:medium'],
    ],
    [
      'P23 not for Null, IfExists or a Deny',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::my-bucket/*',
        Condition: {
          StringEqualsIfExists: { 'aws:SourceArn': 'arn:aws:s3:::x' },
          Null: { 'aws:SourceAccount': 'true' },
        },
      }),
      [],
    ],
    [
      'P19 redundant action',
      identity({
        Effect: 'Allow',
        Action: ['s3:Get*', 's3:GetObject'],
        Resource: 'arn:aws:s3:::b/*',
      }),
      ['P19:info'],
    ],
    [
      'P19 repeated statement',
      identity(
        { Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
        { Sid: 'B', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
      ),
      ['P19:info'],
    ],
    [
      'P20 variable in a Numeric value',
      identity({
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::b',
        Condition: { NumericLessThan: { 's3:max-keys': '${aws:username}' } },
      }),
      ['P20:medium'],
    ],
    [
      'P20 variable before the fifth colon',
      identity({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q',
      }),
      ['P20:medium'],
    ],
    [
      'P21 narrowable Resource "*"',
      identity({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }),
      ['P21:info'],
    ],
    [
      'R1 public bucket policy',
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
        ],
      },
      ['R1:critical'],
    ],
    [
      'R1 not for a statement pinned to an organization (what R1 itself asks for)',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/*',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' } },
          },
        ],
      },
      [],
    ],
    [
      'R1 still for a negated organization condition',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/*',
            Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' } },
          },
        ],
      },
      ['R1:medium'],
    ],
    [
      'P10 not for attribute-based access (resources pinned by their tags)',
      identity({
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' },
        },
      }),
      ['P21:info'],
    ],
  ])('%s', (_name, doc, expected) => {
    expect(codes(doc)).toEqual([...expected].sort());
  });

  it('reports a document of megabytes as V2 at once, without parsing it', () => {
    const statement = '{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}';
    const text = `{"Version":"2012-10-17","Statement":[${Array.from({ length: 30_000 }, () => statement).join(',')}]}`;
    const r = lintPolicy(text);
    expect(r.findings.map((f) => f.code)).toEqual(['V2']);
    expect(r.findings[0]?.message).toMatch(
      /^LimitExceeded: Cannot exceed quota for PolicySize: 6144/,
    );
  });

  it('reports IAM rejections with IAM’s message', () => {
    const f = lintPolicy(
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject"}}',
    ).findings;
    expect(f).toMatchObject([
      {
        code: 'V1',
        severity: 'high',
        message:
          'MalformedPolicyDocument: Policy statement must contain resources. (statement #0 has no Resource or NotResource)',
      },
    ]);
    const bad = lintPolicy('{"Version": "2012-10-17", "Statement": [}').findings;
    expect(bad[0]).toMatchObject({
      code: 'V1',
      message: expect.stringContaining('Syntax errors in policy.'),
    });
    // a trust policy's character error names CreateRole's parameter, as IAM does
    const seed004 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow" … }]}';
    expect(lintPolicy(seed004, { type: 'trust' }).findings[0]?.message).toContain(
      "at 'assumeRolePolicyDocument'",
    );
  });

  it('gives every finding a location, a known code and a fix', () => {
    const text = JSON.stringify(trust({ StringLike: { [`${ISSUER}:sub`]: '*' } }), null, 2);
    const { findings } = lintPolicy(text, { type: 'trust' });
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(RULES[f.code]).toBeDefined();
      expect(f.fix.length).toBeGreaterThan(10);
      expect(f.span?.line).toBeGreaterThan(0);
    }
    const t4 = findings.find((f) => f.code === 'T4');
    expect(t4?.span?.line).toBe(text.split('\n').findIndex((l) => l.includes(`:sub": "*"`)) + 1);
  });
});

describe('guessPolicyType', () => {
  const guess = (doc: unknown) => {
    const r = parsePolicy(JSON.stringify(doc));
    if (!r.ok) throw new Error(r.error.message);
    return guessPolicyType(r.document);
  };
  it.each<[string, unknown, PolicyType]>([
    ['trust', trust(good), 'trust'],
    ['identity', identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), 'identity'],
    [
      'resource',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: '111122223333' },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/*',
          },
        ],
      },
      'resource',
    ],
  ])('%s', (_n, doc, type) => {
    expect(guess(doc)).toBe(type);
  });
});

describe('names a policy chooses', () => {
  it('an action whose service is named after a prototype member is linted, not a crash', () => {
    for (const action of ['constructor:Get*', 'toString:*', '__proto__:List*', 'hasOwnProperty:X'])
      expect(() =>
        lintPolicy(
          JSON.stringify(
            identity({
              Effect: 'Allow',
              Action: action,
              Resource: '*',
              Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } },
            }),
          ),
        ),
      ).not.toThrow();
  });
});

describe('P24: actions on resources of another type', () => {
  const bucketPolicy = (statement: Record<string, unknown>) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, ...statement }],
  });
  const queue = 'arn:aws:sqs:us-east-1:123456789012:my-queue';
  it.each<[string, unknown, PolicyType, string[]]>([
    [
      's3:GetObject on a bucket ARN',
      identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-bucket' }),
      'identity',
      ['P24:medium'],
    ],
    [
      's3:ListBucket on objects',
      identity({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::my-bucket/*' }),
      'identity',
      ['P24:medium'],
    ],
    [
      's3:GetObject on an SQS queue',
      identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: queue }),
      'identity',
      ['P24:medium'],
    ],
    [
      'a bucket policy: an error, as S3 refuses it',
      bucketPolicy({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-bucket' }),
      'resource',
      ['P24:high'],
    ],
    [
      's3:ListAllMyBuckets on a bucket',
      identity({
        Effect: 'Allow',
        Action: 's3:ListAllMyBuckets',
        Resource: 'arn:aws:s3:::my-bucket',
      }),
      'identity',
      ['P24:medium'],
    ],
    [
      'sqs:SendMessage on a DynamoDB table',
      identity({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/t',
      }),
      'identity',
      ['P24:medium'],
    ],
    [
      'a Deny on the wrong type denies nothing',
      identity({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::my-bucket' }),
      'identity',
      ['P24:medium'],
    ],
  ])('%s', (_n, doc, type, expected) => {
    expect(codes(doc, type).filter((c) => c.startsWith('P24'))).toEqual(expected);
  });

  it.each<[string, unknown]>([
    [
      'bucket and object ARNs with actions of both types',
      identity({
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetObject'],
        Resource: ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'],
      }),
    ],
    [
      'an object action with a bucket and its objects',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'],
      }),
    ],
    [
      'a wildcard bucket can reach objects',
      identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-*' }),
    ],
    ['Resource "*"', identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })],
    [
      'an S3 action the catalogue does not know',
      identity({
        Effect: 'Allow',
        Action: 's3:GetStorageLensConfiguration',
        Resource: 'arn:aws:s3:::my-bucket',
      }),
    ],
    [
      'an access point ARN',
      identity({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap',
      }),
    ],
    [
      'sts:AssumeRole on a role (an IAM ARN)',
      identity({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::123456789012:role/r',
      }),
    ],
    [
      'a service whose resource types are not judged (ssm:SendCommand on instances)',
      identity({
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: 'arn:aws:ec2:us-east-1:123456789012:instance/*',
      }),
    ],
    [
      'mixed services, each with its own resource',
      identity({
        Effect: 'Allow',
        Action: ['s3:GetObject', 'sqs:SendMessage'],
        Resource: ['arn:aws:s3:::b/*', queue],
      }),
    ],
    [
      'ListAllMyBuckets on arn:aws:s3:::*',
      identity({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: 'arn:aws:s3:::*' }),
    ],
  ])('not for %s', (_n, doc) => {
    expect(codes(doc).filter((c) => c.startsWith('P24'))).toEqual([]);
  });

  it('names the right ARN form in its fix', () => {
    const lint = (doc: unknown, type: PolicyType = 'identity') =>
      lintPolicy(JSON.stringify(doc, null, 2), { type }).findings.find((f) => f.code === 'P24');
    const object = lint(
      identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-bucket' }),
    );
    expect(object?.message).toBe(
      'statement #0: `s3:GetObject` applies to objects, but its Resource names only buckets: the statement allows nothing',
    );
    expect(object?.fix).toContain('`arn:aws:s3:::my-bucket/*`');
    expect(object?.span?.line).toBe(7);
    const bucket = lint(
      identity({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::my-bucket/*' }),
    );
    expect(bucket?.fix).toContain('`arn:aws:s3:::my-bucket`');
    expect(bucket?.fix).not.toContain('my-bucket/*');
    const account = lint(
      identity({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: 'arn:aws:s3:::b' }),
    );
    expect(account?.fix).toContain('`*`');
    const service = lint(identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: queue }));
    expect(service?.message).toContain('names only `sqs` ARNs');
    expect(service?.fix).toContain('arn:aws:s3:::<bucket>/*');
    const refused = lint(
      bucketPolicy({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-bucket' }),
      'resource',
    );
    expect(refused?.message).toContain(
      'MalformedPolicy: Action does not apply to any resource(s) in statement',
    );
  });
});

describe('P25: IP values that are no address or CIDR range', () => {
  const withIp = (operator: string, value: unknown) =>
    identity({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
      Condition: { [operator]: { 'aws:SourceIp': value } },
    });
  it.each([
    'not-an-ip',
    '203.0.113.0/33',
    '203.0.113.300',
    '2001:db8::/129',
    '203.0.113.0/',
    '10.0.0.0/-1',
  ])('%s is an error', (value) => {
    expect(codes(withIp('IpAddress', value))).toEqual(['P25:high']);
    expect(codes(withIp('NotIpAddress', value))).toEqual(['P25:high']);
  });
  it.each(['203.0.113.0/24', '203.0.113.7', '2001:db8::/32', '2001:db8::1', '0.0.0.0/0', '::/0'])(
    '%s is fine',
    (value) => {
      expect(codes(withIp('IpAddress', value))).toEqual([]);
    },
  );
  it('names each bad value, with the fix', () => {
    const f = lintPolicy(
      JSON.stringify(
        withIp('IpAddressIfExists', ['203.0.113.0/24', 'not-an-ip', '2001:db8::/129']),
      ),
    ).findings.find((x) => x.code === 'P25');
    expect(f?.message).toContain('`not-an-ip`, `2001:db8::/129` are no IP address or CIDR range');
    expect(f?.fix).toContain('CIDR notation');
  });
});
