/**
 * irsakit's accounts (DESIGN.md "Admin credentials"): each account irsakit knows has an
 * IAM user `irsa-admin` with `AdministratorAccess` attached and one access key, which the
 * edge writes to `<data>/credentials`. `ensureAccount` creates whatever is missing, in one
 * transaction, and is idempotent: an existing account keeps its key.
 */
import type { Clock } from '../common/clock.js';
import type { Store } from '../store/types.js';
import { AWS_MANAGED_POLICIES, type AwsPolicyCatalog } from './aws-managed/catalog.js';
import { isoSeconds } from '../common/times.js';
import { accessKeyId, secretAccessKey, uniqueId } from './ids.js';
import { userArn } from './names.js';
import { IamRepo } from './repo.js';
import type { AccessKeyDoc, RandomSource, UserDoc } from './types.js';

export const ADMIN_USER = 'irsa-admin';
export const ADMIN_POLICY_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

export interface AccountKey {
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EnsureAccountDeps {
  store: Store;
  clock: Clock;
  random: RandomSource;
  awsPolicies?: AwsPolicyCatalog | undefined;
}

/**
 * Makes sure `account` exists with its admin user and an active access key; returns the key.
 *
 * @example
 * const key = await ensureAccount({ store, clock, random: randomBytes }, '123456789012');
 * // → { account: '123456789012', accessKeyId: 'AKIA…', secretAccessKey: '…' }
 */
export async function ensureAccount(deps: EnsureAccountDeps, account: string): Promise<AccountKey> {
  if (!/^\d{12}$/.test(account)) throw new TypeError(`not a 12-digit account ID: ${account}`);
  return deps.store.transaction(async (ops) => {
    const repo = new IamRepo(ops, deps.awsPolicies ?? AWS_MANAGED_POLICIES);
    const stamp = isoSeconds(deps.clock());
    if (!(await repo.account(account))) await repo.putAccount({ account, createDate: stamp });

    let user = await repo.user(account, ADMIN_USER);
    if (!user) {
      const doc: UserDoc = {
        account,
        userName: ADMIN_USER,
        userId: uniqueId('AIDA', deps.random),
        path: '/',
        arn: userArn(account, '/', ADMIN_USER),
        tags: [],
        createDate: stamp,
        inlinePolicies: [],
        attachedPolicies: [],
      };
      await repo.putUser(doc);
      user = doc;
    }
    if (!user.attachedPolicies.includes(ADMIN_POLICY_ARN)) {
      const ref = await repo.policy(account, ADMIN_POLICY_ARN);
      if (!ref) throw new TypeError('the AWS managed policy catalogue lacks AdministratorAccess');
      user.attachedPolicies.push(ADMIN_POLICY_ARN);
      await repo.putUser(user);
      await repo.adjustUsage(account, ref, { attachment: 1 });
    }

    const keys = await repo.accessKeysOf(account, ADMIN_USER);
    const active = keys.find((k) => k.status === 'Active');
    if (active) return toAccountKey(active);
    const newest = keys[keys.length - 1];
    if (newest && keys.length >= 2) {
      // both keys were deactivated: the admin gets the newest back rather than a third key
      newest.status = 'Active';
      await repo.putAccessKey(newest);
      return toAccountKey(newest);
    }
    const key: AccessKeyDoc = {
      accessKeyId: accessKeyId(deps.random),
      secretAccessKey: secretAccessKey(deps.random),
      account,
      userName: ADMIN_USER,
      status: 'Active',
      createDate: stamp,
    };
    await repo.putAccessKey(key);
    return toAccountKey(key);
  });
}

function toAccountKey(k: AccessKeyDoc): AccountKey {
  return { account: k.account, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
}
