import { describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ensureAccount } from './account.js';
import { createIamDirectory } from './iam-directory.js';
import { callContext, params, testRandom } from './testing.js';
import { createIamOperations } from './operations/index.js';

describe('ensureAccount', () => {
  it('creates the admin user with AdministratorAccess and one key, once', async () => {
    const store = new SqliteStore(':memory:');
    const deps = { store, clock: fixedClock('2026-11-22T12:00:00Z'), random: testRandom() };
    const key = await ensureAccount(deps, '123456789012');
    expect(key.account).toBe('123456789012');
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);

    const revision = await store.revision();
    expect(await ensureAccount(deps, '123456789012')).toEqual(key);
    expect(await store.revision()).toBe(revision);

    const directory = createIamDirectory({ store });
    expect(await directory.accounts()).toEqual(['123456789012']);
    const ops = createIamOperations({ ...deps, authorize: async () => {} });
    expect(
      await ops.ListAttachedUserPolicies?.(callContext(), params({ UserName: 'irsa-admin' })),
    ).toEqual({
      AttachedPolicies: [
        {
          PolicyName: 'AdministratorAccess',
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        },
      ],
      IsTruncated: false,
    });

    // a second account gets its own user and key
    const other = await ensureAccount(deps, '210987654321');
    expect(other.accessKeyId).not.toBe(key.accessKeyId);
    expect(await directory.accounts()).toEqual(['123456789012', '210987654321']);
    await store.close();
  });

  it('gives the admin a new key when its keys were deleted, and refuses a bad account ID', async () => {
    const store = new SqliteStore(':memory:');
    const deps = { store, clock: fixedClock('2026-11-22T12:00:00Z'), random: testRandom(7) };
    const key = await ensureAccount(deps, '123456789012');
    const ops = createIamOperations({ ...deps, authorize: async () => {} });
    await ops.DeleteAccessKey?.(
      callContext(),
      params({ UserName: 'irsa-admin', AccessKeyId: key.accessKeyId }),
    );
    const again = await ensureAccount(deps, '123456789012');
    expect(again.accessKeyId).not.toBe(key.accessKeyId);
    await expect(ensureAccount(deps, '1234')).rejects.toThrow(TypeError);
    await store.close();
  });
});
