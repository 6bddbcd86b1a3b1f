/**
 * Managed policies (spec/aws-wire.md §5.4): customer managed ones with up to five versions
 * and a default, attachment and boundary-usage counts; AWS managed ones
 * (`arn:aws:iam::aws:policy/…`) readable by every account and never writable — a write is
 * refused as AWS refuses writes to another account's resource, with `AccessDenied`
 * [inferred].
 */
import { AwsError } from '../../common/aws-error.js';
import { resourceText } from '../../server/aws/authorize.js';
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
import { parsePolicyArn, policyArn, RULES } from '../names.js';
import { checkPolicy } from '../policy-docs.js';
import type { IamRepo, PolicyRef } from '../repo.js';
import type { ManagedPolicyDoc, PolicyVersionDoc } from '../types.js';
import {
  checkDuplicateTags,
  date,
  defineOperation,
  type IamOperationDeps,
  mergeTags,
  type OpCall,
  paginate,
  readPaging,
  readTagKeys,
  readTags,
  removeTags,
  sortTags,
  tagsResult,
  underPath,
} from './common.js';

export const MAX_VERSIONS = 5;
const MAX_POLICIES = 1500;

/** The `Policy` element; Description only in GetPolicy, no Tags in ListPolicies. */
export function policyElement(
  ref: PolicyRef,
  view: 'create' | 'get' | 'list',
): Record<string, unknown> {
  if (ref.kind === 'aws') {
    const p = ref.policy;
    return {
      PolicyName: p.name,
      PolicyId: p.policyId,
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: p.defaultVersionId,
      AttachmentCount: ref.usage.attachmentCount,
      PermissionsBoundaryUsageCount: ref.usage.permissionsBoundaryUsageCount,
      IsAttachable: p.isAttachable,
      Description: view === 'get' ? p.description : undefined,
      CreateDate: date(p.createDate),
      UpdateDate: date(p.updateDate),
    };
  }
  const p = ref.policy;
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: p.permissionsBoundaryUsageCount,
    IsAttachable: true,
    Description: view === 'get' ? p.description : undefined,
    CreateDate: date(p.createDate),
    UpdateDate: date(p.updateDate),
    Tags: view === 'list' ? undefined : tagsResult(p.tags),
  };
}

function versionElement(
  v: PolicyVersionDoc,
  defaultVersionId: string,
  withDocument: boolean,
): Record<string, unknown> {
  return {
    Document: withDocument ? encodePolicyDocument(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === defaultVersionId,
    CreateDate: date(v.createDate),
  };
}

/** The versions of a policy, AWS managed ones having only their default. */
function versionsOf(ref: PolicyRef): { versions: PolicyVersionDoc[]; defaultVersionId: string } {
  if (ref.kind === 'aws') {
    const p = ref.policy;
    return {
      versions: [{ versionId: p.defaultVersionId, document: p.document, createDate: p.updateDate }],
      defaultVersionId: p.defaultVersionId,
    };
  }
  return { versions: ref.policy.versions, defaultVersionId: ref.policy.defaultVersionId };
}

/** The version `versionId` of the policy `arn`, or NoSuchEntity as IAM words it. */
function requireVersion(
  versions: readonly PolicyVersionDoc[],
  arn: string,
  versionId: string,
): PolicyVersionDoc {
  const version = versions.find((x) => x.versionId === versionId);
  if (!version) throw noSuchEntity(IAM_MSG.noPolicyVersion(arn, versionId));
  return version;
}

function versionNumber(id: string): number {
  return Number(/^v(\d+)/.exec(id)?.[1] ?? 0);
}

export function policyOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  const readArn = (v: Validator, c: OpCall) => v.string(c.params, 'PolicyArn', RULES.arn, true);

  /** AWS's answer to a write on an AWS managed policy: another account's resource. */
  const refuseAws = (c: OpCall, action: string, arn: string): AwsError =>
    new AwsError(
      'AccessDenied',
      403,
      `User: ${c.callerArn} is not authorized to perform: iam:${action} on resource: ${resourceText(arn, `iam:${action}`)} because no resource-based policy allows the iam:${action} action`,
    );

  /** Validates `PolicyArn`, authorizes, and resolves it (NoSuchEntity when missing). */
  const resolve = async (repo: IamRepo, c: OpCall, arn: string): Promise<PolicyRef> => {
    const ref = await repo.policy(c.account, arn);
    if (!ref) throw noSuchEntity(IAM_MSG.noPolicy(arn));
    return ref;
  };

  /** Loads a customer managed policy for a write; AWS managed ones are refused. */
  const writable = async (
    repo: IamRepo,
    c: OpCall,
    action: string,
    arn: string,
  ): Promise<ManagedPolicyDoc> => {
    const ref = await resolve(repo, c, arn);
    if (ref.kind === 'aws') throw refuseAws(c, action, arn);
    return ref.policy;
  };

  const start = async (c: OpCall, v: Validator): Promise<string> => {
    const arn = readArn(v, c);
    v.done();
    parsePolicyArn(arn);
    await c.authorize(arn);
    return arn;
  };

  return {
    CreatePolicy: defineOperation(deps, 'CreatePolicy', async (c) => {
      const v = new Validator();
      const name = v.string(c.params, 'PolicyName', RULES.policyName, true);
      const path = v.string(c.params, 'Path', RULES.policyPath) ?? '/';
      const text = v.string(c.params, 'PolicyDocument', RULES.document, true);
      const description = v.string(c.params, 'Description', RULES.policyDescription);
      const tags = readTags(v, c.params);
      v.done();
      const arn = policyArn(c.account, path, name);
      await c.authorize(arn);
      checkDuplicateTags(tags, 'sensitive');
      await checkPolicy(text, 'identity', { parameter: 'policyDocument' });
      return c.tx(async (repo) => {
        if (await repo.localPolicy(c.account, name)) {
          throw entityAlreadyExists(IAM_MSG.policyExists(name));
        }
        if ((await repo.localPolicies(c.account)).length >= MAX_POLICIES) {
          throw limitExceeded(IAM_MSG.quota('PoliciesPerAccount', MAX_POLICIES));
        }
        const doc: ManagedPolicyDoc = {
          account: c.account,
          policyName: name,
          policyId: uniqueId('ANPA', deps.random),
          path,
          arn,
          description,
          createDate: c.stamp,
          updateDate: c.stamp,
          defaultVersionId: 'v1',
          versions: [{ versionId: 'v1', document: text, createDate: c.stamp }],
          nextVersion: 2,
          attachmentCount: 0,
          permissionsBoundaryUsageCount: 0,
          tags: [],
        };
        doc.tags = mergeTags([], tags, 'TagsPerPolicy', 'sensitive');
        await repo.putLocalPolicy(doc);
        c.ctx.audit.responseElements = {
          Policy: policyElement({ kind: 'local', arn, policy: doc }, 'create'),
        };
        return { Policy: policyElement({ kind: 'local', arn, policy: doc }, 'create') };
      });
    }),

    GetPolicy: defineOperation(deps, 'GetPolicy', async (c) => {
      const arn = await start(c, new Validator());
      return { Policy: policyElement(await resolve(c.read, c, arn), 'get') };
    }),

    DeletePolicy: defineOperation(deps, 'DeletePolicy', async (c) => {
      const arn = await start(c, new Validator());
      await c.tx(async (repo) => {
        const doc = await writable(repo, c, 'DeletePolicy', arn);
        if (doc.attachmentCount > 0 || doc.permissionsBoundaryUsageCount > 0) {
          throw deleteConflict(IAM_MSG.policyAttached);
        }
        if (doc.versions.length > 1) throw deleteConflict(IAM_MSG.policyVersions);
        await repo.deleteLocalPolicy(doc);
      });
      return null;
    }),

    ListPolicies: defineOperation(deps, 'ListPolicies', async (c) => {
      const v = new Validator();
      const scope = v.string(c.params, 'Scope', {}) ?? 'All';
      if (!['All', 'AWS', 'Local'].includes(scope)) {
        v.violation('Scope', scope, 'Member must satisfy enum value set: [All, AWS, Local]');
      }
      const onlyAttached = v.boolean(c.params, 'OnlyAttached') ?? false;
      const prefix = v.string(c.params, 'PathPrefix', RULES.policyPathPrefix);
      const inPath = underPath(prefix);
      const usage = v.string(c.params, 'PolicyUsageFilter', {});
      if (usage !== undefined && usage !== 'PermissionsPolicy' && usage !== 'PermissionsBoundary') {
        v.violation(
          'PolicyUsageFilter',
          usage,
          'Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]',
        );
      }
      const paging = readPaging(v, c.params);
      v.done();
      // IAM's service authorization reference gives ListPolicies no resource type: it is
      // authorized on `*`, and refused "on resource: policy path /" (with a PathPrefix, that
      // path [inferred])
      await c.authorize('*', undefined, `policy path ${prefix ?? '/'}`);
      const refs: PolicyRef[] = [];
      if (scope !== 'Local') {
        for (const p of c.read.aws.values()) {
          refs.push({
            kind: 'aws',
            arn: p.arn,
            policy: p,
            usage: await c.read.awsUsage(c.account, p.name),
          });
        }
      }
      if (scope !== 'AWS') {
        for (const p of await c.read.localPolicies(c.account)) {
          refs.push({ kind: 'local', arn: p.arn, policy: p });
        }
      }
      const counts = (r: PolicyRef) =>
        r.kind === 'aws'
          ? [r.usage.attachmentCount, r.usage.permissionsBoundaryUsageCount]
          : [r.policy.attachmentCount, r.policy.permissionsBoundaryUsageCount];
      const items = refs
        .filter((r) => inPath(r.policy.path))
        .filter((r) => {
          if (!onlyAttached) return true;
          const [attached = 0, boundary = 0] = counts(r);
          if (usage === 'PermissionsPolicy') return attached > 0;
          if (usage === 'PermissionsBoundary') return boundary > 0;
          return attached > 0 || boundary > 0;
        })
        .map((r) => {
          const name = r.kind === 'aws' ? r.policy.name : r.policy.policyName;
          return { r, key: `${name.toLowerCase()}\u0000${r.arn}` };
        })
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const page = paginate(items, (x) => x.key, paging);
      return {
        Policies: page.items.map((x) => policyElement(x.r, 'list')),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    }),

    CreatePolicyVersion: defineOperation(deps, 'CreatePolicyVersion', async (c) => {
      const v = new Validator();
      const arn = readArn(v, c);
      const text = v.string(c.params, 'PolicyDocument', RULES.document, true);
      const setAsDefault = v.boolean(c.params, 'SetAsDefault') ?? false;
      v.done();
      parsePolicyArn(arn);
      await c.authorize(arn);
      return c.tx(async (repo) => {
        const doc = await writable(repo, c, 'CreatePolicyVersion', arn);
        await checkPolicy(text, 'identity', { parameter: 'policyDocument' });
        if (doc.versions.length >= MAX_VERSIONS) throw limitExceeded(IAM_MSG.tooManyVersions);
        const version: PolicyVersionDoc = {
          versionId: `v${doc.nextVersion}`,
          document: text,
          createDate: c.stamp,
        };
        doc.nextVersion += 1;
        doc.versions.push(version);
        if (setAsDefault) {
          doc.defaultVersionId = version.versionId;
          doc.updateDate = c.stamp;
        }
        await repo.putLocalPolicy(doc);
        c.ctx.audit.responseElements = {
          PolicyVersion: versionElement(version, doc.defaultVersionId, false),
        };
        return { PolicyVersion: versionElement(version, doc.defaultVersionId, false) };
      });
    }),

    GetPolicyVersion: defineOperation(deps, 'GetPolicyVersion', async (c) => {
      const v = new Validator();
      const arn = readArn(v, c);
      const versionId = v.string(c.params, 'VersionId', RULES.versionId, true);
      v.done();
      parsePolicyArn(arn);
      await c.authorize(arn);
      const ref = await c.read.policy(c.account, arn);
      if (!ref) throw noSuchEntity(IAM_MSG.noPolicyVersion(arn, versionId));
      const found = versionsOf(ref);
      const version = requireVersion(found.versions, arn, versionId);
      return { PolicyVersion: versionElement(version, found.defaultVersionId, true) };
    }),

    ListPolicyVersions: defineOperation(deps, 'ListPolicyVersions', async (c) => {
      const v = new Validator();
      const arn = readArn(v, c);
      const paging = readPaging(v, c.params);
      v.done();
      parsePolicyArn(arn);
      await c.authorize(arn);
      const { versions, defaultVersionId } = versionsOf(await resolve(c.read, c, arn));
      // newest first
      const key = (x: PolicyVersionDoc) =>
        String(1_000_000_000 - versionNumber(x.versionId)).padStart(10, '0');
      const sorted = [...versions].sort((a, b) => (key(a) < key(b) ? -1 : 1));
      const page = paginate(sorted, key, paging);
      return {
        Versions: page.items.map((x) => versionElement(x, defaultVersionId, false)),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    }),

    DeletePolicyVersion: defineOperation(deps, 'DeletePolicyVersion', async (c) => {
      const v = new Validator();
      const arn = readArn(v, c);
      const versionId = v.string(c.params, 'VersionId', RULES.versionId, true);
      v.done();
      parsePolicyArn(arn);
      await c.authorize(arn);
      await c.tx(async (repo) => {
        const doc = await writable(repo, c, 'DeletePolicyVersion', arn);
        requireVersion(doc.versions, arn, versionId);
        if (doc.defaultVersionId === versionId) throw deleteConflict(IAM_MSG.defaultVersion);
        doc.versions = doc.versions.filter((x) => x.versionId !== versionId);
        await repo.putLocalPolicy(doc);
      });
      return null;
    }),

    SetDefaultPolicyVersion: defineOperation(deps, 'SetDefaultPolicyVersion', async (c) => {
      const v = new Validator();
      const arn = readArn(v, c);
      const versionId = v.string(c.params, 'VersionId', RULES.versionId, true);
      v.done();
      parsePolicyArn(arn);
      await c.authorize(arn);
      await c.tx(async (repo) => {
        const doc = await writable(repo, c, 'SetDefaultPolicyVersion', arn);
        requireVersion(doc.versions, arn, versionId);
        if (doc.defaultVersionId !== versionId) {
          doc.defaultVersionId = versionId;
          doc.updateDate = c.stamp;
          await repo.putLocalPolicy(doc);
        }
      });
      return null;
    }),

    TagPolicy: defineOperation(deps, 'TagPolicy', async (c) => {
      const v = new Validator();
      const tags = readTags(v, c.params);
      if (tags.length === 0) v.string(c.params, 'Tags', {}, true);
      const arn = await start(c, v);
      checkDuplicateTags(tags, 'sensitive');
      await c.tx(async (repo) => {
        const doc = await writable(repo, c, 'TagPolicy', arn);
        doc.tags = mergeTags(doc.tags, tags, 'TagsPerPolicy', 'sensitive');
        await repo.putLocalPolicy(doc);
      });
      return null;
    }),

    UntagPolicy: defineOperation(deps, 'UntagPolicy', async (c) => {
      const v = new Validator();
      const keys = readTagKeys(v, c.params);
      const arn = await start(c, v);
      await c.tx(async (repo) => {
        const doc = await writable(repo, c, 'UntagPolicy', arn);
        doc.tags = removeTags(doc.tags, keys, 'sensitive');
        await repo.putLocalPolicy(doc);
      });
      return null;
    }),

    ListPolicyTags: defineOperation(deps, 'ListPolicyTags', async (c) => {
      const v = new Validator();
      const paging = readPaging(v, c.params);
      const arn = await start(c, v);
      const ref = await resolve(c.read, c, arn);
      const tags = ref.kind === 'aws' ? [] : sortTags(ref.policy.tags);
      const page = paginate(tags, (t) => t.Key, paging);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    }),
  };
}
