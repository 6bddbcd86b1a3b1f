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
});
