import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XmlMap } from '../../server/aws/query-xml.js';
import { errorOf, type IamHarness, iamHarness } from '../testing.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/s3-app-role';
const S3_READ_ONLY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const DENY_SECRET =
  '{"Version":"2012-10-17","Statement":[{"Sid":"NoSecret","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}';

type Results = {
  EvaluationResults: Record<string, unknown>[];
  IsTruncated: boolean;
  Marker?: string;
};

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
  await h.call('CreateRole', { RoleName: 's3-app-role', AssumeRolePolicyDocument: EC2_TRUST });
  await h.call('AttachRolePolicy', { RoleName: 's3-app-role', PolicyArn: S3_READ_ONLY });
});
afterEach(async () => {
  await h.close();
});

describe('SimulatePrincipalPolicy', () => {
  it('answers allowed, implicitDeny and explicitDeny with the deciding statements', async () => {
    const r = (await h.call('SimulatePrincipalPolicy', {
      PolicySourceArn: ROLE_ARN,
      'ActionNames.member.1': 's3:GetObject',
      'ActionNames.member.2': 's3:PutObject',
      'ResourceArns.member.1': 'arn:aws:s3:::my-bucket/k',
      'ResourceArns.member.2': 'arn:aws:s3:::secret/k',
      'PolicyInputList.member.1': DENY_SECRET,
    })) as Results;
    expect(r.IsTruncated).toBe(false);
    const readOnly = [
      {
        SourcePolicyId: 'AmazonS3ReadOnlyAccess',
        SourcePolicyType: 'aws-managed',
        // the statement object of the two-space-indented document
        StartPosition: { Line: 4, Column: 5 },
        EndPosition: { Line: 14, Column: 6 },
      },
    ];
    // for a resource ARN, the same again under ResourceSpecificResults, and EvalDecisionDetails
    // present but empty (same account), as the API reference describes
    expect(r.EvaluationResults[0]).toEqual({
      EvalActionName: 's3:GetObject',
      EvalResourceName: 'arn:aws:s3:::my-bucket/k',
      EvalDecision: 'allowed',
      MatchedStatements: readOnly,
      MissingContextValues: [],
      EvalDecisionDetails: new XmlMap([]),
      ResourceSpecificResults: [
        {
          EvalResourceName: 'arn:aws:s3:::my-bucket/k',
          EvalResourceDecision: 'allowed',
          MatchedStatements: readOnly,
          MissingContextValues: [],
        },
      ],
    });
    expect(
      r.EvaluationResults.map(
        ({ ResourceSpecificResults: _s, EvalDecisionDetails: _d, ...rest }) => rest,
      ),
    ).toEqual([
      {
        EvalActionName: 's3:GetObject',
        EvalResourceName: 'arn:aws:s3:::my-bucket/k',
        EvalDecision: 'allowed',
        MatchedStatements: readOnly,
        MissingContextValues: [],
      },
      {
        EvalActionName: 's3:GetObject',
        EvalResourceName: 'arn:aws:s3:::secret/k',
        EvalDecision: 'explicitDeny',
        MatchedStatements: [
          {
            SourcePolicyId: 'PolicyInputList.1',
            SourcePolicyType: 'none',
            StartPosition: { Line: 1, Column: 38 },
            EndPosition: { Line: 1, Column: 131 },
          },
        ],
        MissingContextValues: [],
      },
      {
        EvalActionName: 's3:PutObject',
        EvalResourceName: 'arn:aws:s3:::my-bucket/k',
        EvalDecision: 'implicitDeny',
        MatchedStatements: [],
        MissingContextValues: [],
      },
      {
        EvalActionName: 's3:PutObject',
        EvalResourceName: 'arn:aws:s3:::secret/k',
        EvalDecision: 'implicitDeny',
        MatchedStatements: [],
        MissingContextValues: [],
      },
    ]);
    expect(h.authorized.at(-1)).toEqual({
      action: 'iam:SimulatePrincipalPolicy',
      resource: ROLE_ARN,
    });
  });

  it('reports the permissions boundary and inline policies', async () => {
    await h.call('PutRolePolicy', {
      RoleName: 's3-app-role',
      PolicyName: 'everything-s3',
      PolicyDocument:
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}',
    });
    await h.call('PutRolePermissionsBoundary', {
      RoleName: 's3-app-role',
      PermissionsBoundary: S3_READ_ONLY,
    });
    const r = (await h.call('SimulatePrincipalPolicy', {
      PolicySourceArn: ROLE_ARN,
      'ActionNames.member.1': 's3:ListBucket',
      'ActionNames.member.2': 's3:PutObject',
    })) as Results;
    expect(r.EvaluationResults).toMatchObject([
      {
        EvalActionName: 's3:ListBucket',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
      },
      {
        EvalActionName: 's3:PutObject',
        EvalDecision: 'implicitDeny',
        MatchedStatements: [],
        PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false },
      },
    ]);
    const sources = (r.EvaluationResults[0]?.MatchedStatements as { SourcePolicyId: string }[]).map(
      (m) => m.SourcePolicyId,
    );
    expect(sources).toEqual(['everything-s3', 'AmazonS3ReadOnlyAccess', 'AmazonS3ReadOnlyAccess']);
    const types = (r.EvaluationResults[0]?.MatchedStatements as { SourcePolicyType: string }[]).map(
      (m) => m.SourcePolicyType,
    );
    expect(types).toEqual(['role', 'aws-managed', 'aws-managed']);
  });

  it('pages through results', async () => {
    const p: Record<string, string> = { PolicySourceArn: ROLE_ARN, MaxItems: '2' };
    ['s3:GetObject', 's3:ListBucket', 's3:PutObject'].forEach((a, i) => {
      p[`ActionNames.member.${i + 1}`] = a;
    });
    const first = (await h.call('SimulatePrincipalPolicy', p)) as Results;
    expect(first.EvaluationResults.map((x) => x.EvalActionName)).toEqual([
      's3:GetObject',
      's3:ListBucket',
    ]);
    expect(first.IsTruncated).toBe(true);
    const rest = (await h.call('SimulatePrincipalPolicy', {
      ...p,
      Marker: first.Marker ?? '',
    })) as Results;
    expect(rest.EvaluationResults.map((x) => x.EvalActionName)).toEqual(['s3:PutObject']);
    expect(rest.IsTruncated).toBe(false);
  });

  it('errors', async () => {
    expect(
      await errorOf(
        h.call('SimulatePrincipalPolicy', {
          PolicySourceArn: 'arn:aws:iam::123456789012:role/ghost',
          'ActionNames.member.1': 's3:GetObject',
        }),
      ),
    ).toEqual({
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name ghost cannot be found.',
    });
    expect(await errorOf(h.call('SimulatePrincipalPolicy', { PolicySourceArn: ROLE_ARN }))).toEqual(
      {
        code: 'ValidationError',
        status: 400,
        message:
          "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null",
      },
    );
    expect(
      await errorOf(
        h.call('SimulatePrincipalPolicy', {
          PolicySourceArn: ROLE_ARN,
          'ActionNames.member.1': 's3:GetObject',
          'PolicyInputList.member.1': '{"Version":',
        }),
      ),
    ).toEqual({ code: 'InvalidInput', status: 400, message: 'Syntax errors in policy.' });
  });
});

describe('SimulateCustomPolicy', () => {
  const ONLY_FROM_OFFICE = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      },
    ],
  });

  it('names the context keys the policies needed but did not get', async () => {
    const r = (await h.call('SimulateCustomPolicy', {
      'PolicyInputList.member.1': ONLY_FROM_OFFICE,
      'ActionNames.member.1': 'sqs:SendMessage',
    })) as Results;
    expect(r.EvaluationResults).toEqual([
      {
        EvalActionName: 'sqs:SendMessage',
        EvalResourceName: '*',
        EvalDecision: 'implicitDeny',
        MatchedStatements: [],
        MissingContextValues: ['aws:SourceIp'],
      },
    ]);
    // with a resource ARN, they are the resource's
    const specific = (await h.call('SimulateCustomPolicy', {
      'PolicyInputList.member.1': ONLY_FROM_OFFICE,
      'ActionNames.member.1': 'sqs:SendMessage',
      'ResourceArns.member.1': 'arn:aws:sqs:us-east-1:123456789012:q',
    })) as Results;
    expect(specific.EvaluationResults).toMatchObject([
      {
        EvalResourceName: 'arn:aws:sqs:us-east-1:123456789012:q',
        MissingContextValues: [],
        ResourceSpecificResults: [
          {
            EvalResourceName: 'arn:aws:sqs:us-east-1:123456789012:q',
            EvalResourceDecision: 'implicitDeny',
            MissingContextValues: ['aws:SourceIp'],
          },
        ],
      },
    ]);
  });

  it('uses typed context entries', async () => {
    const r = (await h.call('SimulateCustomPolicy', {
      'PolicyInputList.member.1': ONLY_FROM_OFFICE,
      'ActionNames.member.1': 'sqs:SendMessage',
      'ContextEntries.member.1.ContextKeyName': 'aws:SourceIp',
      'ContextEntries.member.1.ContextKeyValues.member.1': '203.0.113.7',
      'ContextEntries.member.1.ContextKeyType': 'ip',
    })) as Results;
    expect(r.EvaluationResults).toMatchObject([
      {
        EvalDecision: 'allowed',
        MatchedStatements: [{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'none' }],
        MissingContextValues: [],
      },
    ]);
  });

  it('evaluates a resource policy for the user named as the caller', async () => {
    const bucketPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:user/irsa-admin' },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::shared/*',
        },
      ],
    });
    const r = (await h.call('SimulateCustomPolicy', {
      'PolicyInputList.member.1': '{"Version":"2012-10-17","Statement":[]}'.replace(
        '[]',
        '[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]',
      ),
      'ActionNames.member.1': 's3:GetObject',
      'ResourceArns.member.1': 'arn:aws:s3:::shared/k',
      ResourcePolicy: bucketPolicy,
      CallerArn: 'arn:aws:iam::123456789012:user/irsa-admin',
    })) as Results;
    expect(r.EvaluationResults[0]).toMatchObject({
      EvalDecision: 'allowed',
      MatchedStatements: [{ SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' }],
    });
    expect(r.EvaluationResults[0]?.EvalDecisionDetails).toEqual(new XmlMap([]));
    expect(r.EvaluationResults[0]?.ResourceSpecificResults).toEqual([
      expect.not.objectContaining({ EvalDecisionDetails: expect.anything() }),
    ]);
    // the bucket in another account: each side's part, at the top and for the resource
    const cross = (await h.call('SimulateCustomPolicy', {
      'PolicyInputList.member.1':
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
      'ActionNames.member.1': 's3:GetObject',
      'ResourceArns.member.1': 'arn:aws:s3:::shared/k',
      ResourcePolicy: bucketPolicy,
      ResourceOwner: 'arn:aws:iam::111122223333:root',
      CallerArn: 'arn:aws:iam::123456789012:user/irsa-admin',
    })) as Results;
    const both = new XmlMap([
      ['IAM Policy', 'allowed'],
      ['Resource Policy', 'allowed'],
    ]);
    expect(cross.EvaluationResults[0]).toMatchObject({
      EvalDecision: 'allowed',
      EvalDecisionDetails: both,
      ResourceSpecificResults: [{ EvalResourceDecision: 'allowed', EvalDecisionDetails: both }],
    });
  });

  it('refuses what the API reference rules out: no caller for a resource policy, a caller that is not a user, wildcard actions', async () => {
    const base = {
      'PolicyInputList.member.1':
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
      'ActionNames.member.1': 's3:GetObject',
    };
    const policy =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}';
    const extras: Record<string, string>[] = [
      { ResourcePolicy: policy },
      { CallerArn: 'arn:aws:iam::123456789012:role/r' },
      { CallerArn: 'arn:aws:sts::123456789012:assumed-role/r/s' },
      { 'ActionNames.member.1': 's3:*' },
      { 'ActionNames.member.1': 's3:Get?bject' },
    ];
    for (const extra of extras)
      expect(await errorOf(h.call('SimulateCustomPolicy', { ...base, ...extra }))).toMatchObject({
        code: 'InvalidInput',
        status: 400,
      });
  });

  it('checks the model’s constraints before what the parameters mean', async () => {
    const base = {
      'PolicyInputList.member.1':
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
      'ActionNames.member.1': 's3:GetObject',
    };
    expect(await errorOf(h.call('SimulateCustomPolicy', { ...base, CallerArn: '' }))).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value '' at 'callerArn' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    const option = 'x'.repeat(65);
    expect(
      await errorOf(h.call('SimulateCustomPolicy', { ...base, ResourceHandlingOption: option })),
    ).toEqual({
      code: 'ValidationError',
      status: 400,
      message: `1 validation error detected: Value '${option}' at 'resourceHandlingOption' failed to satisfy constraint: Member must have length less than or equal to 64`,
    });
  });

  it('rejects an unknown context key type', async () => {
    expect(
      await errorOf(
        h.call('SimulateCustomPolicy', {
          'PolicyInputList.member.1': ONLY_FROM_OFFICE,
          'ActionNames.member.1': 'sqs:SendMessage',
          'ContextEntries.member.1.ContextKeyName': 'aws:SourceIp',
          'ContextEntries.member.1.ContextKeyValues.member.1': '203.0.113.7',
          'ContextEntries.member.1.ContextKeyType': 'cidr',
        }),
      ),
    ).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'cidr' at 'contextEntries.1.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]",
    });
  });
});
