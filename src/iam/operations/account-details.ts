/**
 * GetAccountAuthorizationDetails: the account's users, roles and managed policies with their
 * policy documents (URL-encoded, spec/aws-wire.md §5.1) in one answer, filtered by entity
 * type and paged over the combined list. irsakit has no groups or instance profiles, so
 * those lists are always empty; AWS managed policies appear when the account uses them.
 */
import { Validator } from '../../server/aws/query-params.js';
import type { QueryOperation } from '../../server/aws/types.js';
import { encodePolicyDocument } from '../encode.js';
import { parsePolicyArn } from '../names.js';
import type { PolicyRef } from '../repo.js';
import type { PolicyHolder } from '../types.js';
import { date, defineOperation, type IamOperationDeps, paginate, readPaging } from './common.js';
import { boundaryElement } from './holders.js';
import { policyElement } from './policies.js';
import { roleElement } from './roles.js';
import { currentTrust } from '../trust-principals.js';
import { userElement } from './users.js';

const FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
type Filter = (typeof FILTERS)[number];

function attached(h: PolicyHolder): { PolicyName: string; PolicyArn: string }[] {
  return h.attachedPolicies.map((arn) => ({
    PolicyName: parsePolicyArn(arn).name,
    PolicyArn: arn,
  }));
}

function inline(h: PolicyHolder): { PolicyName: string; PolicyDocument: string }[] {
  return h.inlinePolicies.map((p) => ({
    PolicyName: p.name,
    PolicyDocument: encodePolicyDocument(p.document),
  }));
}

function policyDetail(ref: PolicyRef): Record<string, unknown> {
  const versions =
    ref.kind === 'aws'
      ? [
          {
            Document: encodePolicyDocument(ref.policy.document),
            VersionId: ref.policy.defaultVersionId,
            IsDefaultVersion: true,
            CreateDate: date(ref.policy.updateDate),
          },
        ]
      : ref.policy.versions.map((v) => ({
          Document: encodePolicyDocument(v.document),
          VersionId: v.versionId,
          IsDefaultVersion: v.versionId === ref.policy.defaultVersionId,
          CreateDate: date(v.createDate),
        }));
  const { Tags: _tags, ...element } = policyElement(ref, 'get');
  return { ...element, PolicyVersionList: versions };
}

export function accountDetailsOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  return {
    GetAccountAuthorizationDetails: defineOperation(
      deps,
      'GetAccountAuthorizationDetails',
      async (c) => {
        const v = new Validator();
        const filters: string[] = [];
        for (let i = 1; c.params.has(`Filter.member.${i}`); i++) {
          const f = c.params.get(`Filter.member.${i}`) as string;
          if (!(FILTERS as readonly string[]).includes(f)) {
            v.violation(
              `filter.${i}.member`,
              f,
              `Member must satisfy enum value set: [${FILTERS.join(', ')}]`,
            );
          }
          filters.push(f);
        }
        const paging = readPaging(v, c.params);
        v.done();
        await c.authorize('*');
        const want = (f: Filter) => filters.length === 0 || filters.includes(f);

        type Item = { list: 'users' | 'roles' | 'policies'; value: Record<string, unknown> };
        const items: Item[] = [];
        if (want('User')) {
          for (const u of await c.read.users(c.account)) {
            const { PermissionsBoundary: _b, Tags: _t, ...base } = userElement(u, 'get');
            items.push({
              list: 'users',
              value: {
                ...base,
                UserPolicyList: inline(u),
                GroupList: [],
                AttachedManagedPolicies: attached(u),
                PermissionsBoundary: boundaryElement(u.permissionsBoundaryArn),
                Tags: u.tags.length > 0 ? u.tags : undefined,
              },
            });
          }
        }
        if (want('Role')) {
          for (const r of await c.read.roles(c.account)) {
            items.push({
              list: 'roles',
              value: {
                ...roleElement(
                  {
                    ...r,
                    assumeRolePolicyDocument: await currentTrust(r, c.read.ops),
                    lastUsed: await deps.lastUsed?.role(c.account, r.roleId),
                  },
                  'get',
                ),
                InstanceProfileList: [],
                RolePolicyList: inline(r),
                AttachedManagedPolicies: attached(r),
              },
            });
          }
        }
        if (want('AWSManagedPolicy')) {
          for (const p of c.read.aws.values()) {
            const usage = await c.read.awsUsage(c.account, p.name);
            if (usage.attachmentCount + usage.permissionsBoundaryUsageCount === 0) continue;
            items.push({
              list: 'policies',
              value: policyDetail({ kind: 'aws', arn: p.arn, policy: p, usage }),
            });
          }
        }
        if (want('LocalManagedPolicy')) {
          for (const p of await c.read.localPolicies(c.account)) {
            items.push({
              list: 'policies',
              value: policyDetail({ kind: 'local', arn: p.arn, policy: p }),
            });
          }
        }
        const page = paginate(
          items.map((it, i) => ({ it, key: String(i).padStart(8, '0') })),
          (x) => x.key,
          paging,
        );
        const of = (list: Item['list']) =>
          page.items.filter((x) => x.it.list === list).map((x) => x.it.value);
        return {
          UserDetailList: of('users'),
          GroupDetailList: [],
          RoleDetailList: of('roles'),
          Policies: of('policies'),
          IsTruncated: page.IsTruncated,
          Marker: page.Marker,
        };
      },
    ),
  };
}
