import { describe, expect, it } from 'vitest';
import { S3_READ_ONLY } from './testdata/generate-fixtures.js';
import { type Usage, generatePolicy } from './generate.js';

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
      { action: 's3:PutObject', resource: 'arn:aws:s3:::my-bucket/k', count: 3, refused: true },
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
});
