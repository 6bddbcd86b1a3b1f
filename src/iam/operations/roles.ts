/**
 * IAM roles (spec/aws-wire.md §5.3): created with a trust policy the policy engine
 * validates as a trust policy (principals must exist), listed with paging, deleted only
 * once no policy is attached or inline; plus the shared inline/attached/boundary/tag
 * operations of `holders.ts`.
 */
import { Validator } from '../../server/aws/query-params.js';
import type { QueryOperation } from '../../server/aws/types.js';
import { encodePolicyDocument } from '../encode.js';
import {
  deleteConflict,
  entityAlreadyExists,
  IAM_MSG,
  limitExceeded,
  noSuchEntity,
} from '../errors.js';
import { uniqueId } from '../ids.js';
import { parsePolicyArn, roleArn, RULES } from '../names.js';
import { checkPolicy } from '../policy-docs.js';
import type { RoleDoc } from '../types.js';
import type { PolicyDocument } from '../../policy/types.js';
import type { IamRepo } from '../repo.js';
import { currentTrust, principalIds, storeEntities } from '../trust-principals.js';
import {
  checkDuplicateTags,
  date,
  defineOperation,
  type IamOperationDeps,
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

const MAX_ROLES = 1000;
const SESSION_DURATION = { min: 3600, max: 43200 };

export const ROLE_KIND: HolderKind<RoleDoc> = {
  noun: 'Role',
  kind: 'role',
  nameParam: 'RoleName',
  get: (repo, account, name) => repo.role(account, name),
  put: (repo, doc) => repo.putRole(doc),
  nameOf: (doc) => doc.roleName,
  arn: roleArn,
  noEntity: (name) => noSuchEntity(IAM_MSG.noRole(name)),
  noPolicy: IAM_MSG.noRolePolicy,
  inlineLimit: 10240,
};

/**
 * The `Role` element. CreateRole answers without MaxSessionDuration and RoleLastUsed;
 * ListRoles without Tags, PermissionsBoundary and RoleLastUsed (AWS API reference).
 */
export function roleElement(r: RoleDoc, view: 'create' | 'get' | 'list'): Record<string, unknown> {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: date(r.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: view === 'create' ? undefined : r.maxSessionDuration,
    PermissionsBoundary: view === 'list' ? undefined : boundaryElement(r.permissionsBoundaryArn),
    Tags: view === 'list' ? undefined : tagsResult(r.tags),
    RoleLastUsed:
      view !== 'get'
        ? undefined
        : r.lastUsed
          ? { LastUsedDate: date(r.lastUsed.date), Region: r.lastUsed.region }
          : {},
  };
}

/** The unique IDs of the roles and users a trust policy names, as IAM saves them. */
async function savedIds(
  doc: PolicyDocument,
  repo: IamRepo,
): Promise<Record<string, string> | undefined> {
  const ids = await principalIds(doc, storeEntities(repo.ops));
  return Object.keys(ids).length > 0 ? ids : undefined;
}

export function roleOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  const readName = (v: Validator, params: Parameters<QueryOperation>[1]) =>
    v.string(params, 'RoleName', RULES.roleName, true);

  return {
    CreateRole: defineOperation(deps, 'CreateRole', async (c) => {
      const v = new Validator();
      const path = v.string(c.params, 'Path', RULES.path) ?? '/';
      const name = readName(v, c.params);
      const trust = v.string(c.params, 'AssumeRolePolicyDocument', RULES.document, true);
      const description = v.string(c.params, 'Description', RULES.description);
      const maxSession = v.integer(c.params, 'MaxSessionDuration', SESSION_DURATION);
      const boundary = v.string(c.params, 'PermissionsBoundary', RULES.arn);
      const tags = readTags(v, c.params);
      v.done();
      const arn = roleArn(c.account, path, name);
      // the tags and the boundary it asks for are conditions of the call
      await c.authorize(arn, {
        ...requestTagKeys(tags),
        ...(boundary !== undefined ? { 'iam:PermissionsBoundary': boundary } : {}),
      });
      checkDuplicateTags(tags);
      if (boundary !== undefined) parsePolicyArn(boundary);
      return c.tx(async (repo) => {
        const parsed = await checkPolicy(trust, 'trust', {
          parameter: 'assumeRolePolicyDocument',
          repo,
        });
        if (await repo.role(c.account, name)) throw entityAlreadyExists(IAM_MSG.roleExists(name));
        if ((await repo.roles(c.account)).length >= MAX_ROLES) {
          throw limitExceeded(IAM_MSG.quota('RolesPerAccount', MAX_ROLES));
        }
        const doc: RoleDoc = {
          account: c.account,
          roleName: name,
          roleId: uniqueId('AROA', deps.random),
          path,
          arn,
          assumeRolePolicyDocument: trust,
          trustPrincipalIds: await savedIds(parsed, repo),
          maxSessionDuration: maxSession ?? 3600,
          description,
          tags: [],
          createDate: c.stamp,
          inlinePolicies: [],
          attachedPolicies: [],
        };
        await setBoundary(repo, c, doc, boundary);
        await repo.putRole(doc);
        // tags are applied to the new role; over the quota, the whole call rolls back
        applyTags(doc, 'Role', tags);
        await repo.putRole(doc);
        c.ctx.audit.responseElements = { Role: roleElement(doc, 'create') };
        return { Role: roleElement(doc, 'create') };
      });
    }),

    GetRole: defineOperation(deps, 'GetRole', async (c) => {
      const v = new Validator();
      const name = readName(v, c.params);
      v.done();
      await authorizeHolder(c, ROLE_KIND, name);
      const doc = await loadHolder(c.read, c, ROLE_KIND, name);
      const lastUsed = await deps.lastUsed?.role(c.account, doc.roleId);
      const trust = await currentTrust(doc, c.read.ops);
      return { Role: roleElement({ ...doc, assumeRolePolicyDocument: trust, lastUsed }, 'get') };
    }),

    ListRoles: defineOperation(deps, 'ListRoles', async (c) => {
      const v = new Validator();
      const prefix = v.string(c.params, 'PathPrefix', RULES.pathPrefix);
      const inPath = underPath(prefix);
      const paging = readPaging(v, c.params);
      v.done();
      await c.authorize(listingArn(c.account, 'role', prefix));
      const roles = (await c.read.roles(c.account)).filter((r) => inPath(r.path));
      const page = paginate(roles, (r) => r.roleName.toLowerCase(), paging);
      const shown: RoleDoc[] = [];
      for (const r of page.items)
        shown.push({ ...r, assumeRolePolicyDocument: await currentTrust(r, c.read.ops) });
      return {
        Roles: shown.map((r) => roleElement(r, 'list')),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    }),

    DeleteRole: defineOperation(deps, 'DeleteRole', async (c) => {
      const v = new Validator();
      const name = readName(v, c.params);
      v.done();
      await authorizeHolder(c, ROLE_KIND, name);
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, ROLE_KIND, name);
        if (doc.attachedPolicies.length > 0) throw deleteConflict(IAM_MSG.detachFirst);
        if (doc.inlinePolicies.length > 0) throw deleteConflict(IAM_MSG.deletePoliciesFirst);
        await setBoundary(repo, c, doc, undefined);
        await repo.deleteRole(doc);
      });
      return null;
    }),

    UpdateAssumeRolePolicy: defineOperation(deps, 'UpdateAssumeRolePolicy', async (c) => {
      const v = new Validator();
      const name = readName(v, c.params);
      const text = v.string(c.params, 'PolicyDocument', RULES.document, true);
      v.done();
      await authorizeHolder(c, ROLE_KIND, name);
      await c.tx(async (repo) => {
        const parsed = await checkPolicy(text, 'trust', { parameter: 'policyDocument', repo });
        const doc = await loadHolder(repo, c, ROLE_KIND, name);
        doc.assumeRolePolicyDocument = text;
        doc.trustPrincipalIds = await savedIds(parsed, repo);
        await repo.putRole(doc);
      });
      return null;
    }),

    UpdateRole: defineOperation(deps, 'UpdateRole', async (c) => {
      const v = new Validator();
      const name = readName(v, c.params);
      const description = v.string(c.params, 'Description', RULES.description);
      const maxSession = v.integer(c.params, 'MaxSessionDuration', SESSION_DURATION);
      v.done();
      await authorizeHolder(c, ROLE_KIND, name);
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, ROLE_KIND, name);
        if (description !== undefined) doc.description = description;
        if (maxSession !== undefined) doc.maxSessionDuration = maxSession;
        await repo.putRole(doc);
      });
      return {};
    }),

    UpdateRoleDescription: defineOperation(deps, 'UpdateRoleDescription', async (c) => {
      const v = new Validator();
      const name = readName(v, c.params);
      const description = v.string(c.params, 'Description', RULES.description, true);
      v.done();
      await authorizeHolder(c, ROLE_KIND, name);
      return c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, ROLE_KIND, name);
        doc.description = description;
        await repo.putRole(doc);
        return { Role: roleElement(doc, 'get') };
      });
    }),

    ...holderOperations(deps, ROLE_KIND),
  };
}
