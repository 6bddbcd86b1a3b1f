import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../policy/parse-policy.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { AWS_MANAGED_POLICIES } from './catalog.js';
import { expandActions } from './read-only-access.js';

const policies = [...AWS_MANAGED_POLICIES.values()];

describe('the AWS managed policy catalogue', () => {
  it('holds the policies irsakit seeds', () => {
    expect(policies.map((p) => p.name).sort()).toEqual([
      'AdministratorAccess',
      'AmazonDynamoDBFullAccess',
      'AmazonDynamoDBReadOnlyAccess',
      'AmazonS3FullAccess',
      'AmazonS3ReadOnlyAccess',
      'AmazonSQSFullAccess',
      'AmazonSQSReadOnlyAccess',
      'ReadOnlyAccess',
      'SecretsManagerReadWrite',
    ]);
  });

  it.each(policies.map((p) => [p.name, p]))('%s is a valid identity policy', (_name, p) => {
    expect(p.arn).toBe(`arn:aws:iam::aws:policy/${p.name}`);
    expect(p.policyId).toMatch(/^ANPA[A-Z0-9]{17}$/);
    expect(p.defaultVersionId).toMatch(/^v\d+$/);
    expect(p.updateDate >= p.createDate).toBe(true);
    const parsed = parsePolicy(p.document);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(validatePolicy(parsed.document, 'identity', { sizeLimit: null })).toEqual([]);
    }
  });

  it('ReadOnlyAccess v182 re-renders byte for byte as the get-policy-version snapshot', () => {
    const p = AWS_MANAGED_POLICIES.get('arn:aws:iam::aws:policy/ReadOnlyAccess');
    const doc = JSON.parse(p?.document ?? '{}') as { Statement: { Action: string[] }[] };
    expect(doc.Statement.map((s) => s.Action.length)).toEqual([1430, 1313, 1]);
    // `aws iam get-policy-version` printed by the CLI (json.dumps, indent 4) was 155,014
    // characters for this version; the same rendering of the catalogue's document must be too
    const cli = `${JSON.stringify(
      {
        PolicyVersion: {
          Document: doc,
          VersionId: 'v182',
          IsDefaultVersion: true,
          CreateDate: '2026-04-03T15:27:12+00:00',
        },
      },
      null,
      4,
    )}\n`;
    expect(cli.length).toBe(155014);
    expect(cli.slice(80000, 80026)).toBe('fka:DescribeConfiguration"');
  });

  it('expands grouped actions in order', () => {
    expect(expandActions(['s3:Get*,List*', 'sqs:GetQueueUrl'])).toEqual([
      's3:Get*',
      's3:List*',
      'sqs:GetQueueUrl',
    ]);
  });
});
