/**
 * CreateOpenIDConnectProvider without a ThumbprintList, as current Terraform and eksctl
 * leave it: IAM takes the thumbprint of the top CA certificate the issuer presents itself (API
 * reference), so the provider works. Before, it kept none and every token was refused ("doesn't
 * match configured thumbprint"). An issuer that cannot be reached is
 * OpenIdIdpCommunicationError. AWS CLI and boto3 against `irsa up`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
let issuer = '';
beforeAll(async () => {
  h = await startHarness({ demo: false });
  const made = await h.irsa(['cluster', 'create', 'thumb']);
  expect(made.stderr).toBe('');
  issuer = (
    await h.aws([
      'eks',
      'describe-cluster',
      '--name',
      'thumb',
      '--query',
      'cluster.identity.oidc.issuer',
      '--output',
      'text',
    ])
  ).stdout.trim();
});
afterAll(() => h?.close());

describe('a provider made without thumbprints', () => {
  it('gets the issuer CA’s thumbprint, and tokens of the issuer are exchanged', async () => {
    const created = await h.aws([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      issuer,
      '--client-id-list',
      'sts.amazonaws.com',
    ]);
    expect(created.stderr).toBe('');
    const arn = (JSON.parse(created.stdout) as { OpenIDConnectProviderArn: string })
      .OpenIDConnectProviderArn;
    const got = JSON.parse(
      (await h.aws(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', arn]))
        .stdout,
    ) as { ThumbprintList: string[] };
    expect(got.ThumbprintList).toEqual([h.server.thumbprint]);

    const host = issuer.replace('https://', '');
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: arn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${host}:sub`]: 'system:serviceaccount:default:default',
              [`${host}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    };
    const role = await h.aws([
      'iam',
      'create-role',
      '--role-name',
      'thumb-role',
      '--assume-role-policy-document',
      JSON.stringify(trust),
    ]);
    expect(role.stderr).toBe('');
    const token = await h.irsa([
      'token',
      'create',
      'default',
      '--cluster',
      'thumb',
      '--audience',
      'sts.amazonaws.com',
    ]);
    expect(token.stderr).toBe('');
    const r = await h.python(`
import boto3
sts = boto3.client('sts')
out = sts.assume_role_with_web_identity(RoleArn='arn:aws:iam::123456789012:role/thumb-role', RoleSessionName='tt', WebIdentityToken=${JSON.stringify(token.stdout.trim())})
print(out['AssumedRoleUser']['Arn'])
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('arn:aws:sts::123456789012:assumed-role/thumb-role/tt');
  });

  it('an issuer that cannot be reached is OpenIdIdpCommunicationError, and nothing is created', async () => {
    const r = await h.aws([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      'https://127.0.0.1:1/id/NOWHERE',
      '--client-id-list',
      'sts.amazonaws.com',
    ]);
    expect(r.stderr).toContain(
      'An error occurred (OpenIdIdpCommunicationError) when calling the CreateOpenIDConnectProvider operation: The request failed because IAM cannot connect to the OpenID Connect identity provider URL.',
    );
    const list = JSON.parse((await h.aws(['iam', 'list-open-id-connect-providers'])).stdout) as {
      OpenIDConnectProviderList: { Arn: string }[];
    };
    expect(list.OpenIDConnectProviderList.map((p) => p.Arn)).not.toContain(
      'arn:aws:iam::123456789012:oidc-provider/127.0.0.1:1/id/NOWHERE',
    );
  });

  it('a provider that exists is EntityAlreadyExists before any connection is tried', async () => {
    const args = ['iam', 'create-open-id-connect-provider', '--url', 'https://127.0.0.1:1/id/DUP'];
    const first = await h.aws([...args, '--thumbprint-list', 'a'.repeat(40)]);
    expect(first.stderr).toBe('');
    const again = await h.aws(args);
    expect(again.stderr).toContain(
      'An error occurred (EntityAlreadyExists) when calling the CreateOpenIDConnectProvider operation',
    );
  });
});
