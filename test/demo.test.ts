/**
 * `irsa up` on an empty data folder: the demo is the seed scenario, ready to try — the
 * provider, the role with the seed's trust policy and AmazonS3ReadOnlyAccess, the trusted and
 * the untrusted ServiceAccount, and my-bucket with an object — checked with the real clients.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demo: true });
}, 60_000);
afterAll(() => h.close());

async function podToken(sa: string): Promise<string> {
  const t = await h.irsa(['token', 'create', '-n', 'production', sa]);
  expect(t.stderr).toBe('');
  const file = join(h.home, `${sa}.jwt`);
  writeFileSync(file, t.stdout.trim());
  return file;
}

const ROLE = 'arn:aws:iam::123456789012:role/s3-app-role';

describe('the demo irsa up makes on an empty data folder', () => {
  it('registers the cluster’s issuer and the seed’s role', async () => {
    const iam = new IAMClient(h.sdk());
    const providers = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    const cluster = (await h.server.clusters.listClusters())[0];
    expect(cluster?.name).toBe('demo');
    const hostPath = cluster?.issuer.replace('https://', '');
    expect(providers.OpenIDConnectProviderList?.map((p) => p.Arn)).toEqual([
      `arn:aws:iam::123456789012:oidc-provider/${hostPath}`,
    ]);
    const role = await iam.send(new GetRoleCommand({ RoleName: 's3-app-role' }));
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''));
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      [`${hostPath}:sub`]: 'system:serviceaccount:production:s3-app',
      [`${hostPath}:aud`]: 'sts.amazonaws.com',
    });
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 's3-app-role' }),
    );
    expect(attached.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AmazonS3ReadOnlyAccess']);
  });

  it('lets production/s3-app read my-bucket with the pod’s env, and refuses web-app', async () => {
    // a pod's env: the role and its token, no static keys
    const pod = (file: string) => {
      // its own HOME: the CLI caches assumed-role credentials under ~/.aws/cli/cache
      const env = h.env(undefined, {
        AWS_ROLE_ARN: ROLE,
        AWS_WEB_IDENTITY_TOKEN_FILE: file,
        HOME: mkdtempSync(join(tmpdir(), 'irsa-pod-')),
      });
      delete env.AWS_ACCESS_KEY_ID;
      delete env.AWS_SECRET_ACCESS_KEY;
      return env;
    };
    const ok = await h.run(
      'aws',
      ['s3', 'cp', 's3://my-bucket/hello.txt', '-'],
      pod(await podToken('s3-app')),
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('hello from irsakit');
    const refused = await h.run('aws', ['s3', 'ls'], pod(await podToken('web-app')));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
  });
});
