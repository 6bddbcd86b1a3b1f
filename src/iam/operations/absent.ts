/**
 * What irsakit's IAM has none of — instance profiles, groups, account aliases, MFA devices,
 * console passwords — answered as an account without them is answered: empty lists (after the
 * role or user named is found), and `NoSuchEntity` for a login profile. Tools call these on
 * the way to what they need: Terraform lists a role's instance profiles before deleting it.
 */
import { Validator } from '../../server/aws/query-params.js';
import type { QueryOperation } from '../../server/aws/types.js';
import { noSuchEntity } from '../errors.js';
import { RULES, userNameRule } from '../names.js';
import { type IamOperationDeps, defineOperation, listingArn, readPaging } from './common.js';
import { authorizeHolder, loadHolder } from './holders.js';
import { ROLE_KIND } from './roles.js';
import { USER_KIND } from './users.js';

const EMPTY_PAGE = { IsTruncated: false };

export function absentOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  const forRole = (action: string, list: string) =>
    defineOperation(deps, action, async (c) => {
      const v = new Validator();
      const name = v.string(c.params, 'RoleName', RULES.roleName, true);
      readPaging(v, c.params);
      v.done();
      await authorizeHolder(c, ROLE_KIND, name);
      await c.tx((repo) => loadHolder(repo, c, ROLE_KIND, name));
      return { [list]: [], ...EMPTY_PAGE };
    });
  const forUser = (action: string, list: string, required: boolean) =>
    defineOperation(deps, action, async (c) => {
      const v = new Validator();
      const name = required
        ? v.string(c.params, 'UserName', userNameRule(c.action), true)
        : v.string(c.params, 'UserName', userNameRule(c.action));
      readPaging(v, c.params);
      v.done();
      if (name === undefined) {
        await c.authorize(`arn:aws:iam::${c.account}:user/`);
        return { [list]: [], ...EMPTY_PAGE };
      }
      await authorizeHolder(c, USER_KIND, name);
      await c.tx((repo) => loadHolder(repo, c, USER_KIND, name));
      return { [list]: [], ...EMPTY_PAGE };
    });
  const listing = (
    action: string,
    list: string,
    resource: (account: string, pathPrefix: string | undefined) => string,
  ) =>
    defineOperation(deps, action, async (c) => {
      const v = new Validator();
      const prefix = v.string(c.params, 'PathPrefix', RULES.pathPrefix);
      readPaging(v, c.params);
      v.done();
      await c.authorize(resource(c.account, prefix));
      return { [list]: [], ...EMPTY_PAGE };
    });
  return {
    ListInstanceProfilesForRole: forRole('ListInstanceProfilesForRole', 'InstanceProfiles'),
    ListInstanceProfiles: listing('ListInstanceProfiles', 'InstanceProfiles', (a, p) =>
      listingArn(a, 'instance-profile', p),
    ),
    ListGroups: listing('ListGroups', 'Groups', (a, p) => listingArn(a, 'group', p)),
    ListGroupsForUser: forUser('ListGroupsForUser', 'Groups', true),
    ListMFADevices: forUser('ListMFADevices', 'MFADevices', false),
    ListAccountAliases: listing('ListAccountAliases', 'AccountAliases', () => '*'),
    GetLoginProfile: defineOperation(deps, 'GetLoginProfile', async (c) => {
      const v = new Validator();
      const name = v.string(c.params, 'UserName', userNameRule(c.action), true);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      await c.tx((repo) => loadHolder(repo, c, USER_KIND, name));
      throw noSuchEntity(`Login Profile for User ${name} cannot be found.`);
    }),
  };
}
