/**
 * What roles and users share (spec/aws-wire.md §5.3): inline policies with their aggregate
 * size quota, attached managed policies (10 per entity), a permissions boundary, and tags —
 * one implementation, instantiated for `Role` and `User` operations.
 */
import type { AwsError } from '../../common/aws-error.js';
import { Validator } from '../../server/aws/query-params.js';
import type { QueryOperation } from '../../server/aws/types.js';
import { isServiceRolePolicy } from '../aws-managed/catalog.js';
import { encodePolicyDocument } from '../encode.js';
import { IAM_MSG, limitExceeded, noSuchEntity, policyNotAttachable } from '../errors.js';
import { parsePolicyArn, RULES, userNameRule } from '../names.js';
import { checkPolicy, quotaSize } from '../policy-docs.js';
import type { IamRepo, PolicyRef } from '../repo.js';
import type { PolicyHolder, Tag } from '../types.js';
import {
  checkDuplicateTags,
  defineOperation,
  type IamOperationDeps,
  mergeTags,
  type OpCall,
  paginate,
  readPaging,
  readTagKeys,
  requestTagKeys,
  resourceTagKeys,
  readTags,
  removeTags,
  sortTags,
  underPath,
} from './common.js';

export const MAX_ATTACHED = 10;

export interface HolderKind<D extends PolicyHolder> {
  /** `Role` or `User`, as it appears in action names */
  noun: 'Role' | 'User';
  kind: 'role' | 'user';
  nameParam: 'RoleName' | 'UserName';
  get(repo: IamRepo, account: string, name: string): Promise<D | undefined>;
  put(repo: IamRepo, doc: D): Promise<void>;
  nameOf(doc: D): string;
  arn(account: string, path: string, name: string): string;
  noEntity(name: string): AwsError;
  noPolicy(name: string): string;
  /** aggregate inline policy size: role 10,240, user 2,048 (whitespace not counted) */
  inlineLimit: number;
}

/** Reads the entity name, authorizes against its ARN (with its path when it exists). */
export async function authorizeHolder<D extends PolicyHolder>(
  c: OpCall,
  kind: HolderKind<D>,
  name: string,
  context: Record<string, string | string[]> = {},
): Promise<void> {
  const existing = await kind.get(c.read, c.account, name);
  // the entity's tags, and its permissions boundary, are conditions of every call on it
  await c.authorize(existing?.arn ?? kind.arn(c.account, '/', name), {
    ...resourceTagKeys(existing?.tags),
    ...(existing?.permissionsBoundaryArn !== undefined
      ? { 'iam:PermissionsBoundary': existing.permissionsBoundaryArn }
      : {}),
    ...context,
  });
}

/** Loads the entity inside a transaction, or `NoSuchEntity`. */
export async function loadHolder<D extends PolicyHolder>(
  repo: IamRepo,
  c: OpCall,
  kind: HolderKind<D>,
  name: string,
): Promise<D> {
  const doc = await kind.get(repo, c.account, name);
  if (!doc) throw kind.noEntity(name);
  return doc;
}

/** The managed policy a boundary or attachment names, or IAM's error. */
async function attachable(
  repo: IamRepo,
  c: OpCall,
  arn: string,
  missing: (arn: string) => string,
): Promise<PolicyRef> {
  parsePolicyArn(arn);
  const ref = await repo.policy(c.account, arn);
  if (!ref) throw noSuchEntity(missing(arn));
  if (ref.kind === 'aws' && (isServiceRolePolicy(ref.policy) || !ref.policy.isAttachable)) {
    throw policyNotAttachable(IAM_MSG.serviceRolePolicy);
  }
  return ref;
}

/** Sets (or, with undefined, removes) an entity's permissions boundary, keeping counts. */
export async function setBoundary(
  repo: IamRepo,
  c: OpCall,
  doc: PolicyHolder,
  arn: string | undefined,
): Promise<void> {
  if (doc.permissionsBoundaryArn === arn) return;
  const next = arn === undefined ? undefined : await attachable(repo, c, arn, IAM_MSG.noScope);
  if (doc.permissionsBoundaryArn !== undefined) {
    const old = await repo.policy(c.account, doc.permissionsBoundaryArn);
    if (old) await repo.adjustUsage(c.account, old, { boundary: -1 });
  }
  if (next) await repo.adjustUsage(c.account, next, { boundary: 1 });
  doc.permissionsBoundaryArn = arn;
}

/** Applies tags to an entity (tag-on-create and Tag* share it), with the 50-tag quota. */
export function applyTags(doc: PolicyHolder, noun: 'Role' | 'User', tags: readonly Tag[]): void {
  doc.tags = mergeTags(doc.tags, tags, `TagsPer${noun}`);
}

/** The element a boundary renders as. */
export function boundaryElement(
  arn: string | undefined,
): { PermissionsBoundaryType: string; PermissionsBoundaryArn: string } | undefined {
  return arn === undefined
    ? undefined
    : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn };
}

/**
 * The inline-policy, attachment, boundary and tag operations of one kind of entity:
 * `Put/Get/Delete/List<Noun>Policy`, `Attach/Detach/ListAttached<Noun>Policies`,
 * `Put/Delete<Noun>PermissionsBoundary`, `Tag/Untag/List<Noun>Tags`.
 */
export function holderOperations<D extends PolicyHolder>(
  deps: IamOperationDeps,
  kind: HolderKind<D>,
): Record<string, QueryOperation> {
  const N = kind.noun;
  const readName = (v: Validator, c: OpCall) =>
    v.string(
      c.params,
      kind.nameParam,
      kind.kind === 'role' ? RULES.roleName : userNameRule(c.action),
      true,
    );
  const op = (action: string, body: Parameters<typeof defineOperation>[2]) =>
    defineOperation(deps, action, body);

  return {
    [`Put${N}Policy`]: op(`Put${N}Policy`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const policyName = v.string(c.params, 'PolicyName', RULES.policyName, true);
      const text = v.string(c.params, 'PolicyDocument', RULES.document, true);
      v.done();
      await authorizeHolder(c, kind, name);
      await checkPolicy(text, 'identity', { parameter: 'policyDocument', sizeLimit: null });
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        const others = doc.inlinePolicies.filter((p) => p.name !== policyName);
        const total = others.reduce((n, p) => n + quotaSize(p.document), quotaSize(text));
        if (total > kind.inlineLimit) {
          throw limitExceeded(IAM_MSG.inlineSize(kind.inlineLimit, kind.kind, kind.nameOf(doc)));
        }
        doc.inlinePolicies = [...others, { name: policyName, document: text }].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        );
        await kind.put(repo, doc);
      });
      return null;
    }),

    [`Get${N}Policy`]: op(`Get${N}Policy`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const policyName = v.string(c.params, 'PolicyName', RULES.policyName, true);
      v.done();
      await authorizeHolder(c, kind, name);
      const doc = await loadHolder(c.read, c, kind, name);
      const p = doc.inlinePolicies.find((x) => x.name === policyName);
      if (!p) throw noSuchEntity(kind.noPolicy(policyName));
      return {
        [kind.nameParam]: kind.nameOf(doc),
        PolicyName: p.name,
        PolicyDocument: encodePolicyDocument(p.document),
      };
    }),

    [`Delete${N}Policy`]: op(`Delete${N}Policy`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const policyName = v.string(c.params, 'PolicyName', RULES.policyName, true);
      v.done();
      await authorizeHolder(c, kind, name);
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        if (!doc.inlinePolicies.some((p) => p.name === policyName)) {
          throw noSuchEntity(kind.noPolicy(policyName));
        }
        doc.inlinePolicies = doc.inlinePolicies.filter((p) => p.name !== policyName);
        await kind.put(repo, doc);
      });
      return null;
    }),

    [`List${N}Policies`]: op(`List${N}Policies`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const paging = readPaging(v, c.params);
      v.done();
      await authorizeHolder(c, kind, name);
      const doc = await loadHolder(c.read, c, kind, name);
      const page = paginate(
        doc.inlinePolicies.map((p) => p.name),
        (n) => n,
        paging,
      );
      return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    }),

    [`Attach${N}Policy`]: op(`Attach${N}Policy`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const arn = v.string(c.params, 'PolicyArn', RULES.arn, true);
      v.done();
      parsePolicyArn(arn);
      await authorizeHolder(c, kind, name, { 'iam:PolicyARN': arn });
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        const ref = await attachable(repo, c, arn, IAM_MSG.notAttachable);
        if (doc.attachedPolicies.includes(ref.arn)) return;
        if (doc.attachedPolicies.length >= MAX_ATTACHED) {
          throw limitExceeded(IAM_MSG.quota(`PoliciesPer${N}`, MAX_ATTACHED));
        }
        doc.attachedPolicies.push(ref.arn);
        await kind.put(repo, doc);
        await repo.adjustUsage(c.account, ref, { attachment: 1 });
      });
      return null;
    }),

    [`Detach${N}Policy`]: op(`Detach${N}Policy`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const arn = v.string(c.params, 'PolicyArn', RULES.arn, true);
      v.done();
      parsePolicyArn(arn);
      await authorizeHolder(c, kind, name, { 'iam:PolicyARN': arn });
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        if (!doc.attachedPolicies.includes(arn)) throw noSuchEntity(IAM_MSG.noPolicy(arn));
        doc.attachedPolicies = doc.attachedPolicies.filter((a) => a !== arn);
        await kind.put(repo, doc);
        const ref = await repo.policy(c.account, arn);
        if (ref) await repo.adjustUsage(c.account, ref, { attachment: -1 });
      });
      return null;
    }),

    [`ListAttached${N}Policies`]: op(`ListAttached${N}Policies`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const inPath = underPath(v.string(c.params, 'PathPrefix', RULES.policyPathPrefix));
      const paging = readPaging(v, c.params);
      v.done();
      await authorizeHolder(c, kind, name);
      const doc = await loadHolder(c.read, c, kind, name);
      const items = doc.attachedPolicies
        .map((arn) => ({ arn, ...parsePolicyArn(arn) }))
        .filter((p) => inPath(p.path))
        .map((p) => ({ PolicyName: p.name, PolicyArn: p.arn, key: `${p.name}\u0000${p.arn}` }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const page = paginate(items, (p) => p.key, paging);
      return {
        AttachedPolicies: page.items.map((p) => ({
          PolicyName: p.PolicyName,
          PolicyArn: p.PolicyArn,
        })),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    }),

    [`Put${N}PermissionsBoundary`]: op(`Put${N}PermissionsBoundary`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const arn = v.string(c.params, 'PermissionsBoundary', RULES.arn, true);
      v.done();
      parsePolicyArn(arn);
      await authorizeHolder(c, kind, name, { 'iam:PermissionsBoundary': arn });
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        await setBoundary(repo, c, doc, arn);
        await kind.put(repo, doc);
      });
      return null;
    }),

    [`Delete${N}PermissionsBoundary`]: op(`Delete${N}PermissionsBoundary`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      v.done();
      await authorizeHolder(c, kind, name);
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        await setBoundary(repo, c, doc, undefined);
        await kind.put(repo, doc);
      });
      return null;
    }),

    [`Tag${N}`]: op(`Tag${N}`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const tags = readTags(v, c.params);
      if (tags.length === 0) v.string(c.params, 'Tags', {}, true);
      v.done();
      await authorizeHolder(c, kind, name, requestTagKeys(tags));
      checkDuplicateTags(tags);
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        applyTags(doc, N, tags);
        await kind.put(repo, doc);
      });
      return null;
    }),

    [`Untag${N}`]: op(`Untag${N}`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const keys = readTagKeys(v, c.params);
      v.done();
      await authorizeHolder(c, kind, name, requestTagKeys([], keys));
      await c.tx(async (repo) => {
        const doc = await loadHolder(repo, c, kind, name);
        doc.tags = removeTags(doc.tags, keys);
        await kind.put(repo, doc);
      });
      return null;
    }),

    [`List${N}Tags`]: op(`List${N}Tags`, async (c) => {
      const v = new Validator();
      const name = readName(v, c);
      const paging = readPaging(v, c.params);
      v.done();
      await authorizeHolder(c, kind, name);
      const doc = await loadHolder(c.read, c, kind, name);
      const page = paginate(sortTags(doc.tags), (t) => t.Key, paging);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    }),
  };
}
