import { describe, expect, it } from 'vitest';
import { isSimulationError, simulateCase } from './simulate.js';

const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: {
        Federated:
          'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE',
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub': 'system:serviceaccount:ns:sa',
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud': 'sts.amazonaws.com',
        },
      },
    },
  ],
};

describe('simulateCase', () => {
  it('evaluates the IRSA trust policy of spec §12.2', () => {
    const base = {
      resourcePolicy: trust,
      request: {
        principal:
          'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE',
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: 'arn:aws:iam::111122223333:role/app',
        context: {
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub': 'system:serviceaccount:ns:sa',
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud': 'sts.amazonaws.com',
        },
      },
    };
    const ok = simulateCase({ id: 'ok', ...base });
    expect(isSimulationError(ok)).toBe(false);
    if (isSimulationError(ok)) return;
    expect(ok.decision).toBe('allowed');
    expect(ok.matched).toMatchObject([{ policyId: 'resourcePolicy', index: 0, effect: 'Allow' }]);

    const other = simulateCase({
      id: 'other-sa',
      ...base,
      request: {
        ...base.request,
        context: {
          ...base.request.context,
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub': 'system:serviceaccount:ns:sb',
        },
      },
    });
    if (isSimulationError(other)) throw new Error(other.error.message);
    expect(other.decision).toBe('implicitDeny');
    expect(other.explain.summary).toContain('did you mean `system:serviceaccount:ns:sa`');

    // expect: a decision in any case; anything else is reported, not a silent failure to pass
    const capital = simulateCase({ id: 'c', ...base, expect: 'Allowed' });
    expect(capital).toMatchObject({ decision: 'allowed', pass: true });
    expect(simulateCase({ id: 'd', ...base, expect: 'allow' })).toMatchObject({
      id: 'd',
      error: { code: 'InvalidInput', where: 'expect' },
    });
  });

  it('reports bad input per case', () => {
    expect(simulateCase(42)).toEqual({
      id: null,
      error: { code: 'InvalidInput', message: 'a case must be a JSON object' },
    });
    const r = simulateCase({
      id: 'x',
      identityPolicies: ['{"Statement": ['],
      request: { principal: '123456789012', action: 's3:GetObject' },
    });
    expect(r).toMatchObject({
      id: 'x',
      error: { code: 'MalformedPolicyDocument', where: 'identityPolicies[0]' },
    });
  });

  it('sets the principal’s own keys, as the edge does: aws:username resolves for a user', () => {
    const run = (
      principal: string,
      condition: unknown,
      context: Record<string, unknown> = {},
      extra: Record<string, unknown> = {},
    ) => {
      const r = simulateCase({
        ...extra,
        identityPolicies: [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: 'arn:aws:s3:::b/*',
                Condition: condition,
              },
            ],
          },
        ],
        request: { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context },
      });
      if (isSimulationError(r)) throw new Error(r.error.message);
      return r.decision;
    };
    const bob = 'arn:aws:iam::123456789012:user/bob';
    const home = simulateCase({
      identityPolicies: [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::b/${aws:username}/*',
            },
          ],
        },
      ],
      request: { principal: bob, action: 's3:GetObject', resource: 'arn:aws:s3:::b/bob/k' },
    });
    expect(isSimulationError(home) ? home.error : home.decision).toBe('allowed');
    const eq = (key: string, value: string) => ({ StringEquals: { [key]: value } });
    expect(run(bob, eq('aws:PrincipalArn', bob))).toBe('allowed');
    expect(run(bob, eq('aws:PrincipalAccount', '123456789012'))).toBe('allowed');
    expect(run(bob, eq('aws:PrincipalType', 'User'))).toBe('allowed');
    expect(run(bob, eq('aws:username', 'bob'))).toBe('allowed');
    expect(run(bob, eq('aws:PrincipalIsAWSService', 'false'))).toBe('allowed');
    // a user's AIDA… id is not in its ARN: absent unless the case gives it
    expect(run(bob, { Null: { 'aws:userid': 'true' } })).toBe('allowed');
    expect(run(bob, eq('aws:userid', 'AIDAEXAMPLE'), { 'aws:userid': 'AIDAEXAMPLE' })).toBe(
      'allowed',
    );
    // the case's own values win, in any case of the key's name
    expect(run(bob, eq('aws:username', 'bob'), { 'AWS:USERNAME': 'alice' })).toBe('implicitDeny');
    expect(run(bob, { Null: { 'aws:username': 'true' } }, { 'aws:username': null })).toBe(
      'allowed',
    );

    // a role session: the role's ARN (no path: the session ARN has none), no aws:username
    const session = 'arn:aws:sts::123456789012:assumed-role/app/s1';
    expect(run(session, eq('aws:PrincipalArn', 'arn:aws:iam::123456789012:role/app'))).toBe(
      'allowed',
    );
    expect(run(session, eq('aws:PrincipalType', 'AssumedRole'))).toBe('allowed');
    expect(run(session, { Null: { 'aws:username': 'true', 'aws:userid': 'true' } })).toBe(
      'allowed',
    );
    const withPath = 'arn:aws:iam::123456789012:role/team/app';
    expect(run(session, eq('aws:PrincipalArn', withPath), { 'aws:PrincipalArn': withPath })).toBe(
      'allowed',
    );
    // root: Account, its userid the account ID; a federated user: account:name
    const root = 'arn:aws:iam::123456789012:root';
    expect(run(root, eq('aws:PrincipalType', 'Account'))).toBe('allowed');
    expect(run(root, eq('aws:userid', '123456789012'))).toBe('allowed');
    const fed = 'arn:aws:sts::123456789012:federated-user/carol';
    // (a federated user's calls need its session policy too)
    const all = {
      sessionPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      },
    };
    expect(run(fed, eq('aws:PrincipalType', 'FederatedUser'), {}, all)).toBe('allowed');
    expect(run(fed, eq('aws:userid', '123456789012:carol'), {}, all)).toBe('allowed');
  });
});
