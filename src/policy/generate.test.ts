import { describe, expect, it } from 'vitest';
import { S3_READ_ONLY } from './testdata/generate-fixtures.js';
import { compilePolicy } from './compile-policy.js';
import { createContext } from './context.js';
import { evaluateRequest } from './evaluate.js';
import { type Usage, generatePolicy, policyResource } from './generate.js';
import { parsePolicyValue } from './parse-policy.js';

const ROLE = 'arn:aws:iam::123456789012:role/s3-app-role';
const use = (action: string, resource: string, count = 1, allowed = true): Usage => ({
  action,
  resource,
  count,
  allowed,
});

describe('generatePolicy', () => {
  it('grants exactly the calls made, grouping resources that need the same actions', () => {
    const r = generatePolicy(
      [
        use('s3:ListBucket', 'arn:aws:s3:::my-bucket', 4),
        use('s3:GetObject', 'arn:aws:s3:::my-bucket/app-data/a.json', 2),
        use('s3:GetObject', 'arn:aws:s3:::my-bucket/config.yaml'),
        use('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/my-table'),
        use('dynamodb:Query', 'arn:aws:dynamodb:us-east-1:123456789012:table/my-table'),
        use('sts:GetCallerIdentity', '*', 9),
      ],
      { roleArn: ROLE },
    );
    expect(r.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Dynamodb',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: ['arn:aws:dynamodb:us-east-1:123456789012:table/my-table'],
        },
        {
          Sid: 'S3',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [
            'arn:aws:s3:::my-bucket/app-data/a.json',
            'arn:aws:s3:::my-bucket/config.yaml',
          ],
        },
        {
          Sid: 'S32',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: ['arn:aws:s3:::my-bucket'],
        },
      ],
    });
    expect(r.covered).toBe(9);
    expect(JSON.parse(r.text)).toEqual(r.policy);
  });

  it('folds many objects under one folder into folder/*, and only there', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'].map((k) =>
      use('s3:GetObject', `arn:aws:s3:::logs/2026/12/${k}.gz`),
    );
    const r = generatePolicy([...keys, use('s3:GetObject', 'arn:aws:s3:::logs/README')], {
      roleArn: ROLE,
    });
    expect(r.policy.Statement[0]?.Resource).toEqual([
      'arn:aws:s3:::logs/2026/12/*',
      'arn:aws:s3:::logs/README',
    ]);
    const fewer = generatePolicy(keys.slice(0, 4), { roleArn: ROLE });
    expect(fewer.policy.Statement[0]?.Resource).toHaveLength(4);
    const lower = generatePolicy(keys.slice(0, 2), { roleArn: ROLE, prefixThreshold: 2 });
    expect(lower.policy.Statement[0]?.Resource).toEqual(['arn:aws:s3:::logs/2026/12/*']);
  });

  it('lists refused calls as missing and leaves them out unless asked', () => {
    const usage = [
      use('s3:GetObject', 'arn:aws:s3:::my-bucket/k'),
      use('s3:PutObject', 'arn:aws:s3:::my-bucket/k', 3, false),
    ];
    const r = generatePolicy(usage, { roleArn: ROLE, current: [S3_READ_ONLY] });
    expect(r.policy.Statement.map((s) => s.Action)).toEqual([['s3:GetObject']]);
    expect(r.missing).toEqual([
      {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::my-bucket/k',
        count: 3,
        identityAllows: false,
      },
    ]);
    const all = generatePolicy(usage, { roleArn: ROLE, includeDenied: true });
    expect(all.policy.Statement.map((s) => s.Action)).toEqual([['s3:GetObject', 's3:PutObject']]);
  });

  it('reports what the current policies grant and nothing used', () => {
    const r = generatePolicy([use('s3:GetObject', 'arn:aws:s3:::my-bucket/k')], {
      roleArn: ROLE,
      current: [
        S3_READ_ONLY,
        {
          name: 'queues',
          document: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
          },
        },
      ],
    });
    expect(r.missing).toEqual([]);
    expect(r.unused).toEqual([
      {
        policy: 'AmazonS3ReadOnlyAccess',
        statement: 0,
        sid: undefined,
        actions: ['s3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
        wholeStatement: false,
      },
      { policy: 'queues', statement: 0, sid: undefined, actions: ['sqs:*'], wholeStatement: true },
    ]);
  });

  it('gives an empty, valid policy when nothing needing permission was done', () => {
    const r = generatePolicy([use('sts:GetCallerIdentity', '*')], { roleArn: ROLE });
    expect(r.policy.Statement).toEqual([]);
    expect(r.covered).toBe(0);
  });

  it('escapes IAM’s special characters in resources, so that a key names only itself', () => {
    const odd = [
      'arn:aws:s3:::b/a${aws:username}b',
      'arn:aws:s3:::b/x*y',
      'arn:aws:s3:::b/what?',
      'arn:aws:s3:::b/$HOME',
    ];
    const r = generatePolicy(
      [...odd.map((k) => use('s3:GetObject', k)), use('iam:ListRoles', '*')],
      { roleArn: ROLE },
    );
    expect(r.policy.Statement).toEqual([
      { Sid: 'Iam', Effect: 'Allow', Action: ['iam:ListRoles'], Resource: ['*'] },
      {
        Sid: 'S3',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [
          'arn:aws:s3:::b/${$}HOME',
          'arn:aws:s3:::b/a${$}{aws:username}b',
          'arn:aws:s3:::b/what${?}',
          'arn:aws:s3:::b/x${*}y',
        ],
      },
    ]);
    const parsed = parsePolicyValue(r.text, { type: 'identity' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const generated = compilePolicy(parsed.document, { id: 'generated', kind: 'identity' });
    const allows = (resource: string) =>
      evaluateRequest(
        {
          principal: {
            type: 'AssumedRole',
            id: 'arn:aws:sts::123456789012:assumed-role/s3-app-role/s',
            account: '123456789012',
            partition: 'aws',
            roleArn: ROLE,
          },
          action: 's3:GetObject',
          resource,
          context: createContext({ 'aws:username': 'someone' }),
        },
        { identity: [generated] },
      ).decision === 'allowed';
    for (const k of odd) expect(allows(k), k).toBe(true);
    for (const k of ['arn:aws:s3:::b/xZZy', 'arn:aws:s3:::b/whatX', 'arn:aws:s3:::b/asomeoneb'])
      expect(allows(k), k).toBe(false);
  });

  it('a folded folder keeps its trailing wildcard, its own characters escaped', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'].map((k) =>
      use('s3:GetObject', `arn:aws:s3:::b/we*rd/${k}`),
    );
    const r = generatePolicy(keys, { roleArn: ROLE });
    expect(r.policy.Statement[0]?.Resource).toEqual(['arn:aws:s3:::b/we${*}rd/*']);
    expect(policyResource('*')).toBe('*');
    expect(policyResource('arn:aws:s3:::b/${?}')).toBe('arn:aws:s3:::b/${$}{${?}}');
  });

  it('a listing keeps its own wildcard: ListAllMyBuckets is *, table/* and cluster/* stay', () => {
    const r = generatePolicy(
      [
        use('s3:ListAllMyBuckets', 'arn:aws:s3:::*'),
        use('dynamodb:ListTables', 'arn:aws:dynamodb:us-east-1:123456789012:table/*'),
      ],
      { roleArn: ROLE },
    );
    expect(r.policy.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      [['dynamodb:ListTables'], ['arn:aws:dynamodb:us-east-1:123456789012:table/*']],
      [['s3:ListAllMyBuckets'], ['*']],
    ]);
    expect(policyResource('arn:aws:eks:us-east-1:123456789012:cluster/*')).toBe(
      'arn:aws:eks:us-east-1:123456789012:cluster/*',
    );
  });

  it('does not report allowed calls as missing: a condition or a resource policy may have allowed them', () => {
    const conditioned = {
      name: 'from-the-office',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::my-bucket/*',
            Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
          },
        ],
      },
    };
    const r = generatePolicy(
      [
        use('s3:GetObject', 'arn:aws:s3:::my-bucket/k', 2),
        // allowed by the other account's bucket policy, not by the role's policies
        use('s3:GetObject', 'arn:aws:s3:::their-bucket/k'),
        use('s3:PutObject', 'arn:aws:s3:::my-bucket/k', 1, false),
        use('s3:PutObject', 'arn:aws:s3:::my-bucket/k', 2, false),
      ],
      { roleArn: ROLE, current: [conditioned] },
    );
    expect(r.missing).toEqual([
      {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::my-bucket/k',
        count: 3,
        identityAllows: false,
      },
    ]);
  });

  it('a refused call the current policies allow is still reported, with what refused it, and its statement is used', () => {
    const refused = (refusedBy?: string): Usage => ({
      ...use('s3:GetObject', 'arn:aws:s3:::my-bucket/k', 1, false),
      ...(refusedBy ? { refusedBy } : {}),
    });
    const r = generatePolicy(
      [
        refused('the bucket policy'),
        refused('the bucket policy'),
        refused('the permissions boundary'),
        refused(),
      ],
      { roleArn: ROLE, current: [S3_READ_ONLY] },
    );
    expect(r.missing).toEqual([
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::my-bucket/k',
        count: 4,
        refusedBy: ['the bucket policy', 'the permissions boundary'],
        identityAllows: true,
      },
    ]);
    // s3:Get* was used (and refused elsewhere): not "the whole statement"
    expect(r.unused).toEqual([
      {
        policy: 'AmazonS3ReadOnlyAccess',
        statement: 0,
        sid: undefined,
        actions: ['s3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
        wholeStatement: false,
      },
    ]);
  });

  it('reports grants broader than what was used, and only them', () => {
    const wide = {
      name: 'wide',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:*', 'sqs:*', 'dynamodb:*', 'secretsmanager:*'],
            Resource: '*',
          },
        ],
      },
    };
    const usage = [
      use('s3:GetObject', 'arn:aws:s3:::b/k'),
      use('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:q'),
      use('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/t'),
      use(
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf',
      ),
    ];
    const r = generatePolicy(usage, { roleArn: ROLE, current: [wide] });
    expect(r.unused).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.broader).toEqual([
      {
        policy: 'wide',
        statement: 0,
        sid: undefined,
        actions: ['s3:*', 'sqs:*', 'dynamodb:*', 'secretsmanager:*'],
        resources: ['*'],
        used: [
          'dynamodb:GetItem on arn:aws:dynamodb:us-east-1:123456789012:table/t',
          's3:GetObject on arn:aws:s3:::b/k',
          'secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf',
          'sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:q',
        ],
      },
    ]);

    const statement = (Action: unknown, Resource: unknown) => ({
      name: 'p',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] },
    });
    const broaderOf = (current: { name: string; document: unknown }, u: Usage[]) =>
      generatePolicy(u, { roleArn: ROLE, current: [current] }).broader.map((b) => [
        b.actions,
        b.resources,
      ]);
    const get = [use('s3:GetObject', 'arn:aws:s3:::b/k')];
    // the exact grant is not broader; a wildcard action or resource is
    expect(broaderOf(statement('s3:GetObject', 'arn:aws:s3:::b/k'), get)).toEqual([]);
    expect(broaderOf(statement('s3:Get*', 'arn:aws:s3:::b/k'), get)).toEqual([[['s3:Get*'], []]]);
    expect(broaderOf(statement('s3:GetObject', 'arn:aws:s3:::b/*'), get)).toEqual([
      [[], ['arn:aws:s3:::b/*']],
    ]);
    // a folder the generated policy folds into folder/* itself is not broader
    const many = ['a', 'b', 'c', 'd', 'e'].map((k) => use('s3:GetObject', `arn:aws:s3:::b/f/${k}`));
    expect(broaderOf(statement('s3:GetObject', 'arn:aws:s3:::b/f/*'), many)).toEqual([]);
    // nor a listing's own wildcard
    expect(
      broaderOf(statement('s3:ListAllMyBuckets', '*'), [
        use('s3:ListAllMyBuckets', 'arn:aws:s3:::*'),
      ]),
    ).toEqual([]);
  });

  it('a call on another account’s resource: granted, and a use of the statement that names it', () => {
    const table = 'arn:aws:dynamodb:us-east-1:111122223333:table/theirs';
    const r = generatePolicy([use('dynamodb:GetItem', table)], {
      roleArn: ROLE,
      current: [
        {
          name: 'theirs',
          document: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: table },
              { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: table },
            ],
          },
        },
      ],
    });
    expect(r.policy.Statement).toEqual([
      { Sid: 'Dynamodb', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [table] },
    ]);
    expect(r.unused).toEqual([
      {
        policy: 'theirs',
        statement: 1,
        sid: undefined,
        actions: ['dynamodb:PutItem'],
        wholeStatement: true,
      },
    ]);
  });
});
