/**
 * A role session belongs to its role's unique id, not to its name: once the role is deleted,
 * the session's calls are refused, and a new role of the same name lends it nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demo: false });
}, 60_000);
afterAll(() => h.close());

describe('a session whose role is deleted', () => {
  it('keeps no permissions, not even those of a new role of the same name', async () => {
    const creds = await h.roleSession({
      roleName: 'ephemeral',
      policies: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }],
        },
      ],
    });
    expect((await h.aws(['iam', 'list-roles', '--query', 'length(Roles)'], creds)).code).toBe(0);

    for (const args of [
      ['iam', 'delete-role-policy', '--role-name', 'ephemeral', '--policy-name', 'inline-0'],
      ['iam', 'delete-role', '--role-name', 'ephemeral'],
    ]) {
      const r = await h.aws(args);
      expect(r.stderr).toBe('');
    }
    const gone = await h.aws(['iam', 'list-roles'], creds);
    expect(gone.stderr).toContain('(AccessDenied) when calling the ListRoles operation');

    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    for (const args of [
      ['iam', 'create-role', '--role-name', 'ephemeral', '--assume-role-policy-document', trust],
      [
        'iam',
        'attach-role-policy',
        '--role-name',
        'ephemeral',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AdministratorAccess',
      ],
    ]) {
      const r = await h.aws(args);
      expect(r.stderr).toBe('');
    }
    const reborn = await h.aws(['iam', 'list-roles'], creds);
    expect(reborn.stderr).toContain('(AccessDenied) when calling the ListRoles operation');
    const chained = await h.aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/ephemeral`,
        '--role-session-name',
        'xx',
      ],
      creds,
    );
    expect(chained.stderr).toContain('(AccessDenied) when calling the AssumeRole operation');
    // a new session of the new role has the new role's permissions
    const fresh = await h.aws([
      'sts',
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/ephemeral`,
      '--role-session-name',
      'yy',
    ]);
    expect(fresh.stderr).toBe('');
  });
});
