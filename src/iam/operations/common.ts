/**
 * What every IAM operation shares: the caller's account, authorization through the edge's
 * `authorize` (IAM action and the resource ARN AWS uses), one store transaction per write,
 * parameter readers for tags and paging with AWS's constraint wording, and the element
 * shapes of the Query results.
 */
import { AwsError } from '../../common/aws-error.js';
import { structListParam, type Validator } from '../../server/aws/query-params.js';
import type {
  CallContext,
  QueryOperation,
  QueryParams,
  QueryResult,
} from '../../server/aws/types.js';
import { AWS_MANAGED_POLICIES, type AwsPolicyCatalog } from '../aws-managed/catalog.js';
import { IAM_MSG, invalidInput, limitExceeded } from '../errors.js';
import { isoSeconds } from '../../common/times.js';
import type { LastUsedReader } from '../last-used.js';
import { RULES } from '../names.js';
import { IamRepo } from '../repo.js';
import type { IamDeps, Tag } from '../types.js';

export interface IamOperationDeps extends IamDeps {
  /** the AWS managed policies; the built-in catalogue unless a test supplies its own */
  awsPolicies?: AwsPolicyCatalog | undefined;
  /** when roles and access keys were last used; none tracked without it */
  lastUsed?: LastUsedReader | undefined;
  /**
   * The thumbprint of the top CA certificate an issuer presents (`https://host[:port]/…`), which
   * CreateOpenIDConnectProvider takes when it is given none; rejects when the issuer cannot be
   * reached. Without it, a provider made without thumbprints keeps none.
   */
  issuerThumbprint?: ((url: string) => Promise<string>) | undefined;
}

export interface OpCall {
  /** the operation (`GetUser`, …) */
  action: string;
  ctx: CallContext;
  params: QueryParams;
  /** the caller's account: every entity an IAM call sees is in it */
  account: string;
  /** the caller's ARN, for AWS's AccessDenied texts */
  callerArn: string;
  now: Date;
  /** `now` as IAM stores it */
  stamp: string;
  deps: IamOperationDeps;
  /** reads outside a transaction (to find the ARN a call is authorized against) */
  read: IamRepo;
  /**
   * authorizes `iam:<Action>` on `resource`, with the call's IAM condition keys; a refusal
   * names the resource `resourceName` when given (see AuthorizeRequest)
   */
  authorize(
    resource: string,
    context?: Record<string, string | string[]>,
    resourceName?: string,
  ): Promise<void>;
  /** runs `fn` in one store transaction: it all commits, or nothing does */
  tx<R>(fn: (repo: IamRepo) => Promise<R>): Promise<R>;
}

export type OpBody = (call: OpCall) => Promise<QueryResult>;

const IAM_REGION = { 'aws:RequestedRegion': 'us-east-1' } as const;

/**
 * Wraps an operation body: resolves the caller and hands it the call's helpers.
 *
 * @example
 * const getRole = defineOperation(deps, 'GetRole', async (c) => { … });
 */
export function defineOperation(
  deps: IamOperationDeps,
  action: string,
  body: OpBody,
): QueryOperation {
  const aws = deps.awsPolicies ?? AWS_MANAGED_POLICIES;
  return async (ctx, params) => {
    const caller = ctx.caller;
    if (!caller) {
      throw new AwsError(
        'MissingAuthenticationToken',
        403,
        'Request is missing Authentication Token',
      );
    }
    const now = deps.clock();
    return body({
      action,
      ctx,
      params,
      account: caller.account,
      callerArn:
        caller.principal.type === 'Account'
          ? `arn:aws:iam::${caller.account}:root`
          : caller.principal.id,
      now,
      stamp: isoSeconds(now),
      deps,
      read: new IamRepo(deps.store, aws),
      // IAM is global: every IAM request is in us-east-1, whatever region signed it
      authorize: (resource, context, resourceName) =>
        deps.authorize(ctx, `iam:${action}`, resource, { ...IAM_REGION, ...context }, resourceName),
      tx: (fn) => deps.store.transaction((ops) => fn(new IamRepo(ops, aws))),
    });
  };
}

/**
 * `Tags.member.N.{Key,Value}`, each checked against the model; a key or value that begins with
 * `aws:` is refused (IAM User Guide, "Rules for tagging in IAM and AWS STS": the prefix is
 * AWS's own).
 */
export function readTags(v: Validator, params: QueryParams, name = 'Tags'): Tag[] {
  const raw = structListParam(params, name, ['Key', 'Value'] as const);
  const tags = raw.map((_, i) => ({
    Key: v.string(params, `${name}.member.${i + 1}.Key`, RULES.tagKey, true) as string,
    Value: v.string(params, `${name}.member.${i + 1}.Value`, RULES.tagValue, true) as string,
  }));
  // more than a request may carry is the model's constraint (tagListType, max 50) [inferred:
  // validated before the quota, as the model's constraints are]; more than an entity may keep
  // (its tags and these) is LimitExceeded, in mergeTags
  if (raw.length > MAX_TAGS) v.tooMany(name, MAX_TAGS);
  for (const t of tags)
    if (RESERVED_TAG.test(t.Key) || RESERVED_TAG.test(t.Value))
      throw invalidInput(IAM_MSG.reservedTag);
  return tags;
}

const RESERVED_TAG = /^aws:/i;

/**
 * How a kind of resource compares tag keys: a role's and a user's keys are case-insensitive
 * (`CostCenter` and `costcenter` are one key), a managed policy's and an OIDC provider's are
 * not (IAM User Guide, "Rules for tagging in IAM and AWS STS").
 */
export type TagKeyCase = 'insensitive' | 'sensitive';

const keyOf = (key: string, keys: TagKeyCase) => (keys === 'insensitive' ? key.toLowerCase() : key);

/** Rejects a tag list that names one key twice. */
export function checkDuplicateTags(tags: readonly Tag[], keys: TagKeyCase = 'insensitive'): void {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = keyOf(t.Key, keys);
    if (seen.has(k)) throw invalidInput(IAM_MSG.duplicateTags);
    seen.add(k);
  }
}

export const MAX_TAGS = 50;

/**
 * Merges `added` into `existing` (a key overwrites the same key, as `keys` compares them); more
 * than 50 tags in all is `LimitExceeded`.
 */
export function mergeTags(
  existing: readonly Tag[],
  added: readonly Tag[],
  quota: string,
  keys: TagKeyCase = 'insensitive',
): Tag[] {
  const out = existing.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((o) => keyOf(o.Key, keys) === keyOf(t.Key, keys));
    if (i >= 0) out[i] = { ...t };
    else out.push({ ...t });
  }
  if (out.length > MAX_TAGS) throw limitExceeded(IAM_MSG.quota(quota, MAX_TAGS));
  return out;
}

/** Removes the named keys (as `keyCase` compares them); unknown keys are ignored. */
export function removeTags(
  existing: readonly Tag[],
  keys: readonly string[],
  keyCase: TagKeyCase = 'insensitive',
): Tag[] {
  const drop = new Set(keys.map((k) => keyOf(k, keyCase)));
  return existing.filter((t) => !drop.has(keyOf(t.Key, keyCase)));
}

/** `TagKeys.member.N`, each a valid key; 1–50 of them. */
export function readTagKeys(v: Validator, params: QueryParams): string[] {
  const keys: string[] = [];
  for (let i = 1; params.has(`TagKeys.member.${i}`); i++) {
    keys.push(v.string(params, `TagKeys.member.${i}`, RULES.tagKey, true) as string);
  }
  if (keys.length === 0) {
    v.string(params, 'TagKeys', {}, true);
  } else if (keys.length > MAX_TAGS) {
    v.violation(
      'TagKeys',
      `[${keys.join(', ')}]`,
      `Member must have length less than or equal to ${MAX_TAGS}`,
    );
  }
  return keys;
}

/** Tags as results show them: absent when there are none, sorted by key. */
export function tagsResult(tags: readonly Tag[]): Tag[] | undefined {
  return tags.length === 0 ? undefined : sortTags(tags);
}

export function sortTags(tags: readonly Tag[]): Tag[] {
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

/**
 * The resource a listing of roles, users, groups or instance profiles is authorized on: the
 * kind's ARN prefix and the `PathPrefix` (`/` without one) — `arn:aws:iam::<account>:role/`,
 * or `…:role/team/` for PathPrefix=/team/ (AWS's refusal of ListRoles with
 * PathPrefix=/aws-service-role/opensearchservice.amazonaws.com/ names
 * `arn:aws:iam::…:role/aws-service-role/opensearchservice.amazonaws.com/`).
 */
export function listingArn(account: string, kind: string, pathPrefix: string | undefined): string {
  return `arn:aws:iam::${account}:${kind}${pathPrefix ?? '/'}`;
}

/** The `PathPrefix` filter of the List operations: everything when no prefix was given. */
export function underPath(prefix: string | undefined): (path: string) => boolean {
  return prefix === undefined ? () => true : (path) => path.startsWith(prefix);
}

export interface Paging {
  marker?: string | undefined;
  maxItems: number;
}

/** `Marker` and `MaxItems` (1–1000, default 100). */
export function readPaging(v: Validator, params: QueryParams): Paging {
  return {
    marker: v.string(params, 'Marker', RULES.marker),
    maxItems: v.integer(params, 'MaxItems', { min: 1, max: 1000 }) ?? 100,
  };
}

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string | undefined;
}

/**
 * One page of `items` (already in order, with unique `key`s): the marker is the next
 * item's key, opaque to the client.
 */
export function paginate<T>(items: readonly T[], key: (t: T) => string, paging: Paging): Page<T> {
  let start = 0;
  if (paging.marker !== undefined) {
    let from: string;
    try {
      from = Buffer.from(paging.marker, 'base64url').toString('utf8');
    } catch {
      throw invalidInput(IAM_MSG.invalidMarker);
    }
    if (Buffer.from(from, 'utf8').toString('base64url') !== paging.marker) {
      throw invalidInput(IAM_MSG.invalidMarker);
    }
    start = items.findIndex((t) => key(t) >= from);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + paging.maxItems);
  const next = items[start + paging.maxItems];
  return next === undefined
    ? { items: page, IsTruncated: false }
    : {
        items: page,
        IsTruncated: true,
        Marker: Buffer.from(key(next), 'utf8').toString('base64url'),
      };
}

/** A stored ISO date as the Query renderer wants it. */
export function date(iso: string): Date {
  return new Date(iso);
}

/**
 * The condition keys of tags a request sets (`aws:RequestTag/<key>`, `aws:TagKeys`), or of the
 * keys it removes (`aws:TagKeys` alone).
 *
 * @example
 * requestTagKeys([{ Key: 'team', Value: 'blue' }]) // → { 'aws:RequestTag/team': 'blue', 'aws:TagKeys': ['team'] }
 */
export function requestTagKeys(
  tags: readonly { Key: string; Value: string }[],
  keysOnly: readonly string[] = [],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const t of tags) out[`aws:RequestTag/${t.Key}`] = t.Value;
  const keys = [...tags.map((t) => t.Key), ...keysOnly];
  if (keys.length > 0) out['aws:TagKeys'] = keys;
  return out;
}

/** The condition keys of an existing entity's tags (`aws:ResourceTag/*`, `iam:ResourceTag/*`). */
export function resourceTagKeys(
  tags: readonly { Key: string; Value: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    out[`aws:ResourceTag/${t.Key}`] = t.Value;
    out[`iam:ResourceTag/${t.Key}`] = t.Value;
  }
  return out;
}
