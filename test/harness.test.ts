/** The shared end-to-end harness itself: admin profiles, role sessions, real clients. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h.close());

describe('the e2e harness', () => {
  it('gives a role session that STS recognises, through the JS SDK and the AWS CLI', async () => {
    const creds = await h.roleSession({ roleName: 'harness-role' });
    const who = await new STSClient(h.sdk(creds)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/harness-role/harness-role-session',
    );
    const cli = await h.aws(
      ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'],
      creds,
    );
    expect(cli.stderr).toBe('');
    expect(cli.stdout.trim()).toBe(who.Arn);
  });
});
