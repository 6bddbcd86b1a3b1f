import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { createContext } from './context.js';
import { evaluateRequest } from './evaluate.js';
import { parsePolicyValue } from './parse-policy.js';
import { providerKeyPrefix, webIdentityKeys, webIdentityPrincipal } from './web-identity.js';

const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const HOST = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${HOST}`;

describe('web-identity context keys (spec §12.2)', () => {
  it('prefixes the claims with the provider', () => {
    expect(providerKeyPrefix(ISSUER)).toBe(HOST);
    expect(providerKeyPrefix(`${ISSUER}/`)).toBe(HOST);
    expect(
      webIdentityKeys(ISSUER, {
        sub: 'system:serviceaccount:production:s3-app',
        aud: ['sts.amazonaws.com'],
      }),
    ).toEqual({
      [`${HOST}:sub`]: 'system:serviceaccount:production:s3-app',
      [`${HOST}:aud`]: 'sts.amazonaws.com',
    });
  });

  it('makes several audiences a set and keeps amr multivalued', () => {
    expect(
      webIdentityKeys('cognito-identity.amazonaws.com', {
        aud: ['a', 'b'],
        amr: ['authenticated'],
      }),
    ).toEqual({
      'cognito-identity.amazonaws.com:aud': ['a', 'b'],
      'cognito-identity.amazonaws.com:amr': ['authenticated'],
    });
  });

  it('uses azp as Google’s aud and keeps the original as oaud', () => {
    expect(webIdentityKeys('accounts.google.com', { aud: 'orig', azp: 'client' })).toEqual({
      'accounts.google.com:aud': 'client',
      'accounts.google.com:oaud': 'orig',
    });
  });

  it('decides the seed trust policy from a token’s claims', () => {
    const doc = parsePolicyValue({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${HOST}:sub`]: 'system:serviceaccount:production:s3-app',
              [`${HOST}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    });
    if (!doc.ok) throw new Error(doc.error.message);
    const trust = compilePolicy(doc.document, { id: 'trust', kind: 'resource' });
    const decide = (sub: string, aud: string) =>
      evaluateRequest(
        {
          principal: webIdentityPrincipal(PROVIDER),
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: 'arn:aws:iam::123456789012:role/s3-app-role',
          context: createContext(webIdentityKeys(ISSUER, { sub, aud })),
        },
        { resource: [trust], resourceIsTrust: true },
      ).decision;
    expect(decide('system:serviceaccount:production:s3-app', 'sts.amazonaws.com')).toBe('allowed');
    expect(decide('system:serviceaccount:production:untrusted', 'sts.amazonaws.com')).toBe(
      'implicitDeny',
    );
    expect(decide('system:serviceaccount:production:s3-app', 'other')).toBe('implicitDeny');
  });
});
