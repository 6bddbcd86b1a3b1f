/**
 * IAM users and their long-term access keys (`AKIA…`, at most 2 per user), plus the shared
 * inline/attached/boundary/tag operations of `holders.ts`. Where a `UserName` is optional
 * (GetUser and the access key operations), AWS uses the calling user.
 */
import { AwsError } from '../../common/aws-error.js';
import { Validator } from '../../server/aws/query-params.js';
import type { QueryOperation } from '../../server/aws/types.js';
import {
  deleteConflict,
  entityAlreadyExists,
  IAM_MSG,
  limitExceeded,
  noSuchEntity,
} from '../errors.js';
import { accessKeyId, secretAccessKey, uniqueId } from '../ids.js';
import { parsePolicyArn, RULES, userArn, userNameRule } from '../names.js';
import type { AccessKeyDoc, UserDoc } from '../types.js';
import {
  checkDuplicateTags,
  date,
  defineOperation,
  type IamOperationDeps,
  type OpCall,
  listingArn,
  paginate,
  readPaging,
  readTags,
  requestTagKeys,
  tagsResult,
  underPath,
} from './common.js';
import {
  applyTags,
  authorizeHolder,
  boundaryElement,
  type HolderKind,
  holderOperations,
  loadHolder,
  setBoundary,
} from './holders.js';

export const MAX_ACCESS_KEYS = 2;
const MAX_USERS = 5000;

export const USER_KIND: HolderKind<UserDoc> = {
  noun: 'User',
  kind: 'user',
  nameParam: 'UserName',
  get: (repo, account, name) => repo.user(account, name),
  put: (repo, doc) => repo.putUser(doc),
  nameOf: (doc) => doc.userName,
  arn: userArn,
  noEntity: (name) => noSuchEntity(IAM_MSG.noUser(name)),
  noPolicy: IAM_MSG.noUserPolicy,
  inlineLimit: 2048,
};

/** The `User` element; ListUsers leaves out Tags and PermissionsBoundary. */
export function userElement(u: UserDoc, view: 'get' | 'list'): Record<string, unknown> {
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: u.arn,
    CreateDate: date(u.createDate),
    PermissionsBoundary: view === 'list' ? undefined : boundaryElement(u.permissionsBoundaryArn),
    Tags: view === 'list' ? undefined : tagsResult(u.tags),
  };
}

function keyMetadata(k: AccessKeyDoc): Record<string, unknown> {
  return {
    UserName: k.userName,
    AccessKeyId: k.accessKeyId,
    Status: k.status,
    CreateDate: date(k.createDate),
  };
}

/** `UserName`, or the calling IAM user's name when it is absent. */
function userNameOrCaller(v: Validator, c: OpCall): string {
  const given = v.string(c.params, 'UserName', userNameRule(c.action));
  if (given !== undefined) return given;
  const p = c.ctx.caller?.principal;
  if (p?.type === 'User') return p.id.slice(p.id.lastIndexOf('/') + 1);
  throw new AwsError('ValidationError', 400, IAM_MSG.userNameRequired);
}

function readStatus(v: Validator, c: OpCall): 'Active' | 'Inactive' {
  const s = v.string(c.params, 'Status', {}, true);
  if (s !== 'Active' && s !== 'Inactive') {
    v.violation('Status', s, 'Member must satisfy enum value set: [Active, Inactive]');
  }
  return s as 'Active' | 'Inactive';
}

export function userOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  const readName = (v: Validator, c: OpCall) =>
    v.string(c.params, 'UserName', userNameRule(c.action), true);

  /** The key `AccessKeyId` names, belonging to `userName`, or NoSuchEntity. */
  const findKey = async (
    repo: Parameters<HolderKind<UserDoc>['get']>[0],
    c: OpCall,
    userName: string,
    id: string,
  ): Promise<AccessKeyDoc> => {
    await loadHolder(repo, c, USER_KIND, userName);
    const key = await repo.accessKey(c.account, id);
    if (!key || key.userName.toLowerCase() !== userName.toLowerCase()) {
      throw noSuchEntity(IAM_MSG.noAccessKey(id));
    }
    return key;
  };

  return {
    CreateUser: defineOperation(deps, 'CreateUser', async (c) => {
      const v = new Validator();
      const path = v.string(c.params, 'Path', RULES.path) ?? '/';
      const name = readName(v, c);
      const boundary = v.string(c.params, 'PermissionsBoundary', RULES.arn);
      const tags = readTags(v, c.params);
      v.done();
      const arn = userArn(c.account, path, name);
      // the tags and the boundary it asks for are conditions of the call
      await c.authorize(arn, {
        ...requestTagKeys(tags),
        ...(boundary !== undefined ? { 'iam:PermissionsBoundary': boundary } : {}),
      });
      checkDuplicateTags(tags);
      if (boundary !== undefined) parsePolicyArn(boundary);
      return c.tx(async (repo) => {
        if (await repo.user(c.account, name)) throw entityAlreadyExists(IAM_MSG.userExists(name));
        if ((await repo.users(c.account)).length >= MAX_USERS) {
          throw limitExceeded(IAM_MSG.quota('UsersPerAccount', MAX_USERS));
        }
        const doc: UserDoc = {
          account: c.account,
          userName: name,
          userId: uniqueId('AIDA', deps.random),
          path,
          arn,
          tags: [],
          createDate: c.stamp,
          inlinePolicies: [],
          attachedPolicies: [],
        };
        await setBoundary(repo, c, doc, boundary);
        await repo.putUser(doc);
        applyTags(doc, 'User', tags);
        await repo.putUser(doc);
        c.ctx.audit.responseElements = { User: userElement(doc, 'get') };
        return { User: userElement(doc, 'get') };
      });
    }),

    GetUser: defineOperation(deps, 'GetUser', async (c) => {
      const v = new Validator();
      const name = userNameOrCaller(v, c);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      const doc = await loadHolder(c.read, c, USER_KIND, name);
      return { User: userElement(doc, 'get') };
    }),

    ListUsers: defineOperation(deps, 'ListUsers', async (c) => {
      const v = new Validator();
      const prefix = v.string(c.params, 'PathPrefix', RULES.pathPrefix);
      const inPath = underPath(prefix);
      const paging = readPaging(v, c.params);
      v.done();
      await c.authorize(listingArn(c.account, 'user', prefix));
      const users = (await c.read.users(c.account)).filter((u) => inPath(u.path));
      const page = paginate(users, (u) => u.userName.toLowerCase(), paging);
      return {
        Users: page.items.map((u) => userElement(u, 'list')),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    }),

    DeleteUser: defineOperation(deps, 'DeleteUser', async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, USER_KIND, name);
        if ((await repo.accessKeysOf(c.account, doc.userName)).length > 0) {
          throw deleteConflict(IAM_MSG.deleteKeysFirst);
        }
        if (doc.inlinePolicies.length > 0) throw deleteConflict(IAM_MSG.deletePoliciesFirst);
        if (doc.attachedPolicies.length > 0) throw deleteConflict(IAM_MSG.detachFirst);
        await setBoundary(repo, c, doc, undefined);
        await repo.deleteUser(doc);
      });
      return null;
    }),

    CreateAccessKey: defineOperation(deps, 'CreateAccessKey', async (c) => {
      const v = new Validator();
      const name = userNameOrCaller(v, c);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      return c.tx(async (repo) => {
        const user = await loadHolder(repo, c, USER_KIND, name);
        if ((await repo.accessKeysOf(c.account, user.userName)).length >= MAX_ACCESS_KEYS) {
          throw limitExceeded(IAM_MSG.quota('AccessKeysPerUser', MAX_ACCESS_KEYS));
        }
        const key: AccessKeyDoc = {
          accessKeyId: accessKeyId(deps.random),
          secretAccessKey: secretAccessKey(deps.random),
          account: c.account,
          userName: user.userName,
          status: 'Active',
          createDate: c.stamp,
        };
        await repo.putAccessKey(key);
        // the audit record names the key, never its secret
        c.ctx.audit.responseElements = {
          AccessKey: {
            UserName: key.userName,
            AccessKeyId: key.accessKeyId,
            Status: key.status,
            CreateDate: date(key.createDate),
          },
        };
        return {
          AccessKey: {
            UserName: key.userName,
            AccessKeyId: key.accessKeyId,
            Status: key.status,
            SecretAccessKey: key.secretAccessKey,
            CreateDate: date(key.createDate),
          },
        };
      });
    }),

    ListAccessKeys: defineOperation(deps, 'ListAccessKeys', async (c) => {
      const v = new Validator();
      const name = userNameOrCaller(v, c);
      const paging = readPaging(v, c.params);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      const user = await loadHolder(c.read, c, USER_KIND, name);
      const keys = await c.read.accessKeysOf(c.account, user.userName);
      const page = paginate(
        [...keys].sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1)),
        (k) => k.accessKeyId,
        paging,
      );
      return {
        AccessKeyMetadata: page.items.map(keyMetadata),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    }),

    DeleteAccessKey: defineOperation(deps, 'DeleteAccessKey', async (c) => {
      const v = new Validator();
      const name = userNameOrCaller(v, c);
      const id = v.string(c.params, 'AccessKeyId', RULES.accessKeyId, true);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      await c.tx(async (repo) => repo.deleteAccessKey(await findKey(repo, c, name, id)));
      return null;
    }),

    UpdateAccessKey: defineOperation(deps, 'UpdateAccessKey', async (c) => {
      const v = new Validator();
      const name = userNameOrCaller(v, c);
      const id = v.string(c.params, 'AccessKeyId', RULES.accessKeyId, true);
      const status = readStatus(v, c);
      v.done();
      await authorizeHolder(c, USER_KIND, name);
      await c.tx(async (repo) => {
        const key = await findKey(repo, c, name, id);
        key.status = status;
        await repo.putAccessKey(key);
      });
      return null;
    }),

    GetAccessKeyLastUsed: defineOperation(deps, 'GetAccessKeyLastUsed', async (c) => {
      const v = new Validator();
      const id = v.string(c.params, 'AccessKeyId', RULES.accessKeyId, true);
      v.done();
      const key = await c.read.accessKey(c.account, id);
      // a key that is not the account's (another account's, a temporary one, none) is not
      // told apart from one the caller may not see [inferred]
      if (!key)
        throw new AwsError(
          'AccessDenied',
          403,
          `User: ${c.callerArn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`,
        );
      await authorizeHolder(c, USER_KIND, key.userName);
      const used = await deps.lastUsed?.accessKey(c.account, key.accessKeyId);
      // never used: ServiceName and Region are "N/A" and there is no date (API reference)
      return {
        UserName: key.userName,
        AccessKeyLastUsed: used
          ? { LastUsedDate: date(used.date), ServiceName: used.service, Region: used.region }
          : { ServiceName: 'N/A', Region: 'N/A' },
      };
    }),

    ...holderOperations(deps, USER_KIND),
  };
}
