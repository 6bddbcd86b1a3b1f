import { describe, expect, it } from 'vitest';
import { isNarrowCidr, isPublicPolicyText, publicStatement } from './public-policy.js';

const R = 'arn:aws:s3:::b/*';
const allow = (extra: Record<string, unknown>) => ({
  Effect: 'Allow',
  Action: 's3:GetObject',
  Resource: R,
  ...extra,
});
const isPublic = (...statements: Record<string, unknown>[]) =>
  publicStatement({ Version: '2012-10-17', Statement: statements }) !== undefined;
const anyone = (condition?: Record<string, unknown>) =>
  allow({ Principal: '*', ...(condition ? { Condition: condition } : {}) });

describe('the meaning of "public" (S3 User Guide)', () => {
  it('everyone as the principal is public: "*", {"AWS":"*"}, in a list too', () => {
    expect(isPublic(anyone())).toBe(true);
    expect(isPublic(allow({ Principal: { AWS: '*' } }))).toBe(true);
    expect(isPublic(allow({ Principal: { AWS: ['arn:aws:iam::123456789012:root', '*'] } }))).toBe(
      true,
    );
  });

  it('fixed principals are not: accounts, users, roles, service principals, canonical users', () => {
    expect(isPublic(allow({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } }))).toBe(false);
    expect(isPublic(allow({ Principal: { AWS: '222233334444' } }))).toBe(false);
    expect(
      isPublic(
        allow({
          Principal: {
            AWS: ['arn:aws:iam::123456789012:role/app', 'arn:aws:iam::123456789012:user/u'],
          },
        }),
      ),
    ).toBe(false);
    expect(isPublic(allow({ Principal: { Service: 'cloudtrail.amazonaws.com' } }))).toBe(false);
    expect(isPublic(allow({ Principal: { CanonicalUser: 'a'.repeat(64) } }))).toBe(false);
  });

  it('a public identity provider is public (the guide’s example); an account’s provider ARN is not', () => {
    expect(isPublic(allow({ Principal: { Federated: 'graph.facebook.com' } }))).toBe(true);
    expect(
      isPublic(
        allow({
          Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.example.com' },
        }),
      ),
    ).toBe(false);
  });

  it('NotPrincipal with Allow grants everyone else: public', () => {
    expect(isPublic(allow({ NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' } }))).toBe(true);
  });

  it('Deny statements grant nothing: a Deny to "*" is not public', () => {
    expect(
      isPublic({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: R,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ).toBe(false);
  });

  it('one public statement makes the whole policy public; its index is reported', () => {
    expect(
      publicStatement({
        Statement: [
          allow({ Principal: { Service: 'cloudtrail.amazonaws.com' } }),
          allow({ Principal: { AWS: 'arn:aws:iam::222233334444:root' } }),
          anyone(),
        ],
      }),
    ).toBe(2);
    expect(publicStatement({ Statement: allow({ Principal: { AWS: '222233334444' } }) })).toBe(
      undefined,
    );
  });

  it.each([
    'aws:SourceArn',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceOwner',
    'aws:SourceAccount',
    'aws:PrincipalOrgID',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:userid',
    's3:x-amz-server-side-encryption-aws-kms-key-id',
    's3:DataAccessPointAccount',
  ])('a fixed %s restricts "*"; a wildcard or a policy variable does not', (key) => {
    const fixed =
      key === 'aws:SourceArn' || key === 'aws:PrincipalArn'
        ? 'arn:aws:iam::123456789012:role/x'
        : 'vpc-91237329';
    expect(isPublic(anyone({ StringEquals: { [key]: fixed } }))).toBe(false);
    expect(isPublic(anyone({ StringEquals: { [key]: [fixed, 'other'] } }))).toBe(false);
    expect(isPublic(anyone({ StringLike: { [key]: `${fixed.slice(0, 5)}*` } }))).toBe(true);
    expect(isPublic(anyone({ StringLike: { [key]: [fixed, 'x?'] } }))).toBe(true);
    expect(isPublic(anyone({ StringEquals: { [key]: '${aws:username}' } }))).toBe(true);
    // the key's name is case-insensitive
    expect(isPublic(anyone({ StringEquals: { [key.toUpperCase()]: fixed } }))).toBe(false);
  });

  it('the guide’s aws:SourceVpc examples: vpc-* is public, vpc-91237329 is not', () => {
    expect(isPublic(anyone({ StringLike: { 'aws:SourceVpc': 'vpc-*' } }))).toBe(true);
    expect(isPublic(anyone({ StringEquals: { 'aws:SourceVpc': 'vpc-91237329' } }))).toBe(false);
  });

  it('aws:userid in the pattern AROLEID:* is public', () => {
    expect(isPublic(anyone({ StringLike: { 'aws:userid': 'AROAEXAMPLE:*' } }))).toBe(true);
    expect(isPublic(anyone({ StringEquals: { 'aws:userid': 'AIDAEXAMPLE' } }))).toBe(false);
  });

  it('aws:SourceIp: a CIDR up to /8 (IPv4) or /32 (IPv6) restricts; a broader one is public', () => {
    const ip = (v: unknown) => isPublic(anyone({ IpAddress: { 'aws:SourceIp': v } }));
    expect(ip('10.0.0.0/8')).toBe(false);
    expect(ip('203.0.113.7')).toBe(false);
    expect(ip(['192.168.0.0/16', '203.0.113.0/24'])).toBe(false);
    expect(ip('0.0.0.0/1')).toBe(true);
    expect(ip('0.0.0.0/0')).toBe(true);
    expect(ip(['10.0.0.0/8', '0.0.0.0/7'])).toBe(true);
    expect(ip('2001:db8::/32')).toBe(false);
    expect(ip('2001:db8::/31')).toBe(true);
    expect(ip('::/0')).toBe(true);
    // not an address match
    expect(isPublic(anyone({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }))).toBe(true);
    expect(isPublic(anyone({ StringEquals: { 'aws:SourceIp': '10.0.0.1' } }))).toBe(true);
  });

  it('isNarrowCidr reads addresses and prefixes strictly', () => {
    expect(isNarrowCidr('10.1.2.3/32')).toBe(true);
    expect(isNarrowCidr('10.1.2.3/33')).toBe(false);
    expect(isNarrowCidr('10.1.2.3/8/1')).toBe(false);
    expect(isNarrowCidr('not-an-ip')).toBe(false);
    expect(isNarrowCidr('fe80::1')).toBe(true);
    expect(isNarrowCidr(8)).toBe(false);
  });

  it('s3:DataAccessPointArn: a wildcard in the access point name is fine while the account is fixed', () => {
    const ap = (v: string) => isPublic(anyone({ StringLike: { 's3:DataAccessPointArn': v } }));
    expect(ap('arn:aws:s3:us-west-2:123456789012:accesspoint/*')).toBe(false);
    expect(ap('arn:aws:s3:us-west-2:123456789012:accesspoint/reports')).toBe(false);
    expect(ap('arn:aws:s3:us-west-2:*:accesspoint/*')).toBe(true);
    expect(ap('arn:aws:s3:*:123456789012:accesspoint/*')).toBe(true);
    expect(ap('*')).toBe(true);
  });

  it('only a condition that must match restricts: negated, IfExists, ForAllValues and Null do not', () => {
    const v = 'vpc-91237329';
    expect(isPublic(anyone({ StringNotEquals: { 'aws:SourceVpc': v } }))).toBe(true);
    expect(isPublic(anyone({ StringEqualsIfExists: { 'aws:SourceVpc': v } }))).toBe(true);
    expect(isPublic(anyone({ 'ForAllValues:StringEquals': { 'aws:SourceVpc': v } }))).toBe(true);
    expect(isPublic(anyone({ Null: { 'aws:SourceVpc': 'false' } }))).toBe(true);
    expect(isPublic(anyone({ 'ForAnyValue:StringEquals': { 'aws:SourceVpc': v } }))).toBe(false);
    expect(isPublic(anyone({ ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:1:t' } }))).toBe(
      false,
    );
  });

  it('conditions on other keys do not make "*" non-public', () => {
    expect(isPublic(anyone({ Bool: { 'aws:SecureTransport': 'true' } }))).toBe(true);
    expect(isPublic(anyone({ StringEquals: { 's3:prefix': 'home/' } }))).toBe(true);
    // one restricting block is enough: conditions all hold together
    expect(
      isPublic(
        anyone({
          Bool: { 'aws:SecureTransport': 'true' },
          StringEquals: { 'aws:SourceAccount': '123456789012' },
        }),
      ),
    ).toBe(false);
  });

  it('isPublicPolicyText: the stored text', () => {
    expect(isPublicPolicyText(JSON.stringify({ Statement: [anyone()] }))).toBe(true);
    expect(isPublicPolicyText('not json')).toBe(false);
  });
});
