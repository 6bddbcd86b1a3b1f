import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import type { PrincipalLookup } from '../../iam/policy-docs.js';
import { checkBucketPolicy, compileBucketPolicy } from './bucket-policy.js';

const B = 'my-bucket';
const stmt = (s: Record<string, unknown>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${B}/*`,
        ...s,
      },
    ],
  });

/** IAM with account 123456789012 holding role `app`, user `/ops/alice` and one OIDC provider. */
function iam(): PrincipalLookup & { accountLookups: number } {
  const lookup = {
    accountLookups: 0,
    accounts: async () => {
      lookup.accountLookups++;
      return ['123456789012'];
    },
    role: async (_a: string, name: string) => (name === 'app' ? { path: '/' } : undefined),
    user: async (_a: string, name: string) => (name === 'alice' ? { path: '/ops/' } : undefined),
    oidcProvider: async (_a: string, url: string) =>
      url === 'oidc.example.com/id/ABC' ? { url } : undefined,
  };
  return lookup;
}

async function problem(text: string, principals?: PrincipalLookup) {
  try {
    await checkBucketPolicy(text, B, principals);
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    return `${e.code} ${e.httpStatus}: ${e.message}`;
  }
  return 'ok';
}

describe('PutBucketPolicy checks, in S3’s words', () => {
  it.each([
    ['a valid policy', stmt({}), 'ok'],
    ['Version 2008', stmt({}).replace('2012-10-17', '2008-10-17'), 'ok'],
    [
      'bucket and objects',
      stmt({ Action: 's3:*', Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] }),
      'ok',
    ],
    ['a wildcard bucket', stmt({ Action: 's3:ListBucket', Resource: 'arn:aws:s3:::my-*' }), 'ok'],
    ['an account principal', stmt({ Principal: { AWS: '111122223333' } }), 'ok'],
    ['a condition', stmt({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }), 'ok'],
    [
      'not JSON',
      'Policy: yes',
      "MalformedPolicy 400: Policies must be valid JSON and the first byte must be '{'",
    ],
    ['broken JSON', '{"Version": ', 'MalformedPolicy 400: This policy contains invalid Json'],
    [
      'an unknown top field',
      '{"Version":"2012-10-17","Foo":1,"Statement":[]}',
      'MalformedPolicy 400: Unknown field Foo',
    ],
    [
      'no Statement',
      '{"Version":"2012-10-17"}',
      'MalformedPolicy 400: Missing required field Statement',
    ],
    [
      'an empty Statement',
      '{"Version":"2012-10-17","Statement":[]}',
      'MalformedPolicy 400: Could not parse the policy: Statement is empty!',
    ],
    [
      'a bad Version',
      stmt({}).replace('2012-10-17', '2020-01-01'),
      'MalformedPolicy 400: The policy must contain a valid version string',
    ],
    ['a bad Effect', stmt({ Effect: 'hello' }), 'MalformedPolicy 400: Invalid effect: hello'],
    [
      'no Principal',
      stmt({ Principal: undefined }),
      'MalformedPolicy 400: Missing required field Principal',
    ],
    [
      'no Action',
      stmt({ Action: undefined }),
      'MalformedPolicy 400: Missing required field Action',
    ],
    [
      'no Resource',
      stmt({ Resource: undefined }),
      'MalformedPolicy 400: Missing required field Resource',
    ],
    ['an unknown statement field', stmt({ Foo: 1 }), 'MalformedPolicy 400: Unknown field Foo'],
    [
      'a non-S3 action',
      stmt({ Action: 'iam:GetRole' }),
      'MalformedPolicy 400: Policy has invalid action',
    ],
    [
      'an unknown S3 action',
      stmt({ Action: 's3:GetObjectz' }),
      'MalformedPolicy 400: Policy has invalid action',
    ],
    ['Resource *', stmt({ Resource: '*' }), 'MalformedPolicy 400: Policy has invalid resource'],
    [
      'another bucket',
      stmt({ Resource: 'arn:aws:s3:::other/*' }),
      'MalformedPolicy 400: Policy has invalid resource',
    ],
    [
      'an object action on the bucket',
      stmt({ Action: 's3:PutObject', Resource: `arn:aws:s3:::${B}` }),
      'MalformedPolicy 400: Action does not apply to any resource(s) in statement',
    ],
    [
      'a bucket action on objects',
      stmt({ Action: 's3:ListBucket' }),
      'MalformedPolicy 400: Action does not apply to any resource(s) in statement',
    ],
    [
      'a malformed principal',
      stmt({ Principal: { AWS: 'not-a-principal' } }),
      'MalformedPolicy 400: Invalid principal in policy',
    ],
    [
      'a bad condition operator',
      stmt({ Condition: { NoSuchOperator: { 'aws:SourceIp': '1.2.3.4' } } }),
      'MalformedPolicy 400: Invalid policy syntax.',
    ],
    [
      'over 20 KB',
      stmt({ Sid: 'x'.repeat(21000) }),
      'PolicyTooLarge 400: Policy exceeds the maximum allowed document size.',
    ],
  ])('%s', async (_name, text, expected) => {
    expect(await problem(text)).toBe(expected);
  });

  it.each([
    ['a role', { AWS: 'arn:aws:iam::123456789012:role/app' }, 'ok'],
    ['a user on its path', { AWS: 'arn:aws:iam::123456789012:user/ops/alice' }, 'ok'],
    ['an account root', { AWS: 'arn:aws:iam::123456789012:root' }, 'ok'],
    ['another account’s role', { AWS: 'arn:aws:iam::111122223333:role/ghost' }, 'ok'],
    [
      'an OIDC provider',
      { Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/ABC' },
      'ok',
    ],
    ['a missing role', { AWS: 'arn:aws:iam::123456789012:role/ghost' }, 'bad'],
    ['a user off its path', { AWS: 'arn:aws:iam::123456789012:user/alice' }, 'bad'],
    [
      'a missing OIDC provider',
      { Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/XYZ' },
      'bad',
    ],
  ])('principals must exist as IAM checks them: %s', async (_name, principal, expected) => {
    const text = stmt({ Principal: principal });
    expect(await problem(text, iam())).toBe(
      expected === 'ok' ? 'ok' : 'MalformedPolicy 400: Invalid principal in policy',
    );
    // without IAM to ask, every well-formed principal is accepted
    expect(await problem(text)).toBe('ok');
  });

  it('reads the accounts once for all the principals', async () => {
    const lookup = iam();
    const text = stmt({
      Principal: {
        AWS: [
          'arn:aws:iam::123456789012:role/app',
          'arn:aws:iam::123456789012:user/ops/alice',
          'arn:aws:iam::123456789012:root',
        ],
      },
    });
    expect(await problem(text, lookup)).toBe('ok');
    expect(lookup.accountLookups).toBe(1);
  });

  it('compiles as the bucket’s resource policy', () => {
    const p = compileBucketPolicy(stmt({}), B);
    expect(p?.id).toBe('arn:aws:s3:::my-bucket');
    expect(p?.kind).toBe('resource');
  });
});
