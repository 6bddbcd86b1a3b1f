/**
 * Secrets Manager's operations (spec/aws-wire.md §7.5): CreateSecret, GetSecretValue,
 * PutSecretValue, DescribeSecret, ListSecrets, DeleteSecret, RestoreSecret,
 * Put/Get/DeleteResourcePolicy, TagResource, UntagResource. Each looks the secret up,
 * authorizes `secretsmanager:<Action>` on its ARN (with its resource policy, its tags as
 * `secretsmanager:ResourceTag/*` and `aws:ResourceTag/*`, and `secretsmanager:SecretId`),
 * then acts in one store transaction. Secret values never reach the audit notes.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import { boundedCache } from '../../common/bounded-cache.js';
import { own, put, shown } from '../../common/own.js';
import { uuidV4 } from '../../common/uuid.js';
import { loadPolicy } from '../../policy/index.js';
import type { CompiledPolicy } from '../../policy/compile-policy.js';
import type { ContextInput } from '../../policy/context.js';
import type { CallContext } from '../../server/aws/types.js';
import { JSON_ACCESS_DENIED } from '../../server/aws/denied.js';
import {
  checkSecretName,
  invalidParameter,
  markedForDeletion,
  notFound,
  secretArn,
  secretKey,
  secretRef,
  smError,
  validation,
} from './secrets.js';
import {
  SECRETS,
  type SecretRecord,
  type SecretsManagerDeps,
  type Tag,
  type VersionRecord,
} from './types.js';
import { createValueSeal } from './value-seal.js';
import { isBase64 } from '../../common/base64.js';

export type Input = Readonly<Record<string, unknown>>;
export type SmOperation = (ctx: CallContext, input: Input) => Promise<Record<string, unknown>>;

const DAY = 86_400_000;
const MAX_VERSIONS = 100;

function str(input: Input, name: string, member: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw validation(member, 'Member must not be null');
    return undefined;
  }
  if (typeof v !== 'string')
    throw smError('SerializationException', `Unexpected value for ${name}`);
  return v;
}

function bool(input: Input, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw smError('SerializationException', `Unexpected value for ${name}`);
  return v;
}

function num(input: Input, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw smError('SerializationException', `Unexpected value for ${name}`);
  return v;
}

function tagsOf(input: Input, name = 'Tags'): Tag[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw smError('SerializationException', `Unexpected value for ${name}`);
  return v.map((t) => {
    const o = (t ?? {}) as Record<string, unknown>;
    if (typeof o.Key !== 'string' || (o.Value !== undefined && typeof o.Value !== 'string'))
      throw smError('SerializationException', `Unexpected value for ${name}`);
    return { Key: o.Key, Value: (o.Value as string | undefined) ?? '' };
  });
}

function checkTags(tags: readonly Tag[]): void {
  if (tags.length > 50)
    throw validation('tags', 'Member must have length less than or equal to 50');
  for (const t of tags) {
    if (t.Key.length < 1 || t.Key.length > 128 || t.Value.length > 256)
      throw invalidParameter('Invalid tag key or value.');
    if (/^aws:/i.test(t.Key))
      throw invalidParameter('Invalid tag key. The aws: prefix is reserved.');
  }
}

/** A version id (ClientRequestToken, VersionId): 32 to 64 characters, as the model says. */
function checkLength(member: 'clientRequestToken' | 'versionId', id: string | undefined): void {
  if (id === undefined) return;
  if (id.length < 32)
    throw validation(member, 'Member must have length greater than or equal to 32');
  if (id.length > 64) throw validation(member, 'Member must have length less than or equal to 64');
}

/**
 * A version stage label's bounds (the model's SecretVersionStageType: 1 to 256 characters), for
 * PutSecretValue's VersionStages and GetSecretValue's VersionStage.
 */
function checkStage(member: 'versionStages' | 'versionStage', label: string): void {
  if (label.length >= 1 && label.length <= 256) return;
  const bound =
    label.length < 1
      ? 'Member must have length greater than or equal to 1'
      : 'Member must have length less than or equal to 256';
  throw validation(
    member,
    member === 'versionStages' ? `Member must satisfy constraint: [${bound}]` : bound,
  );
}

/** The AWS managed key's names, as a KmsKeyId may give it. */
const MANAGED_KEY =
  /^(?:alias\/aws\/secretsmanager|arn:aws[\w-]*:kms:[^:]*:\d{12}:alias\/aws\/secretsmanager)$/;

/**
 * A secret's value is encrypted with a KMS key; one without a KmsKeyId (or with the managed
 * alias) has the account's AWS managed key `aws/secretsmanager`, which no other account may use:
 * its value cannot be read or written from another account, whatever the policies allow (the
 * user guide's cross-account page; a customer managed key's own policy is not modelled, README).
 */
function checkManagedKeyAccount(ctx: CallContext, s: SecretRecord, account: string): void {
  if (ctx.caller === undefined || ctx.caller.account === account) return;
  if (s.kmsKeyId !== undefined && !MANAGED_KEY.test(s.kmsKeyId)) return;
  throw smError(
    'InvalidRequestException',
    "You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.",
  );
}

/** The words of a text, for the filters that match words: letters and digits between the rest. */
const words = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');

/**
 * Whether a ListSecrets filter value matches a secret's fields, as the Filter reference has it:
 * `name`, `tag-key`, `tag-value`, `primary-region` and `owning-service` are case-sensitive
 * prefixes; `description` and `all` break the value into words, not case-sensitive, each to
 * begin a word of the fields (the user guide: "My Description" finds "Description of my secret").
 *
 * @example
 * filterHit('description', 'key', ['Production API key']) // → true
 * filterHit('name', 'App', ['app/db']) // → false
 */
export function filterHit(key: string, value: string, fields: readonly string[]): boolean {
  if (key !== 'description' && key !== 'all') return fields.some((x) => x.startsWith(value));
  const wanted = words(value);
  if (wanted.length === 0) return fields.length > 0;
  const have = fields.flatMap(words);
  return wanted.every((w) => have.some((h) => h.startsWith(w)));
}

/** The value a write carries: exactly one of SecretString and SecretBinary (base64). */
function valueOf(input: Input): { kind: 'string' | 'binary'; bytes: Buffer } | undefined {
  const s = str(input, 'SecretString', 'secretString');
  const b = str(input, 'SecretBinary', 'secretBinary');
  if (s !== undefined && b !== undefined)
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  if (s !== undefined) {
    if (s === '')
      throw validation('secretString', 'Member must have length greater than or equal to 1');
    if (Buffer.byteLength(s) > 65_536)
      throw validation('secretString', 'Member must have length less than or equal to 65536');
    return { kind: 'string', bytes: Buffer.from(s, 'utf8') };
  }
  if (b !== undefined) {
    // [inferred] text: Coral cannot read a blob that is not base64
    if (!isBase64(b)) throw smError('SerializationException', 'SecretBinary is not valid base64');
    const bytes = Buffer.from(b, 'base64');
    if (bytes.length > 65_536)
      throw validation('secretBinary', 'Member must have length less than or equal to 65536');
    return { kind: 'binary', bytes };
  }
  return undefined;
}

function digest(v: { kind: string; bytes: Buffer }): string {
  return createHash('sha256').update(v.kind).update('\u0000').update(v.bytes).digest('hex');
}

const seconds = (ms: number) => ms / 1000;

function versionStagesOf(s: SecretRecord): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, v] of Object.entries(s.versions))
    if (v.stages.length) put(out, id, [...v.stages]);
  return out;
}

/** Moves `stages` onto `versionId`; AWSCURRENT's previous holder becomes AWSPREVIOUS. */
function moveStages(s: SecretRecord, versionId: string, stages: readonly string[]): void {
  const target = own(s.versions, versionId);
  if (!target) throw new TypeError(`no version ${versionId}`);
  const previous = Object.entries(s.versions).find(
    ([id, v]) => id !== versionId && v.stages.includes('AWSCURRENT'),
  )?.[0];
  for (const [id, v] of Object.entries(s.versions))
    if (id !== versionId) v.stages = v.stages.filter((x) => !stages.includes(x));
  target.stages = [...new Set([...target.stages, ...stages])];
  if (stages.includes('AWSCURRENT') && previous) {
    for (const v of Object.values(s.versions))
      v.stages = v.stages.filter((x) => x !== 'AWSPREVIOUS');
    const p = own(s.versions, previous) as VersionRecord;
    p.stages = [...p.stages.filter((x) => x !== 'AWSPREVIOUS'), 'AWSPREVIOUS'];
  }
  // Secrets Manager keeps about 100 versions; the oldest unlabelled ones go first
  const unlabelled = Object.entries(s.versions)
    .filter(([, v]) => v.stages.length === 0)
    .sort((a, b) => a[1].createdAt - b[1].createdAt);
  while (Object.keys(s.versions).length > MAX_VERSIONS && unlabelled.length) {
    delete s.versions[(unlabelled.shift() as [string, VersionRecord])[0]];
  }
}

const compiledPolicies = boundedCache<CompiledPolicy>(512);

function compileSecretPolicy(text: string, arn: string, mode: 'save' | 'evaluate'): CompiledPolicy {
  return compiledPolicies.get(`${mode}\u0000${arn}\u0000${text}`, () => {
    const r = loadPolicy(text, 'resource', { id: arn, mode, sizeLimit: 20_480 });
    // [inferred] Secrets Manager's text for a policy it cannot read; the engine's IAM text
    if (!r.ok) throw smError('MalformedPolicyDocumentException', r.error.message);
    return r.policy;
  });
}

/** A statement that allows everyone without a condition: what BlockPublicPolicy refuses. */
function isPublic(text: string): boolean {
  const doc = JSON.parse(text) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.some((raw) => {
    const s = (raw ?? {}) as Record<string, unknown>;
    if (s.Effect !== 'Allow' || s.Condition !== undefined) return false;
    const p = s.Principal as unknown;
    if (p === '*') return true;
    const aws = p && typeof p === 'object' ? (p as Record<string, unknown>).AWS : undefined;
    return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
  });
}

export function secretsManagerOperations(deps: SecretsManagerDeps): Record<string, SmOperation> {
  const { store, clock, random, authorize } = deps;
  const seal = createValueSeal(deps.serverKey, random);

  /** The secret a SecretId names (undefined when none, or when its deletion date passed). */
  async function lookup(ctx: CallContext, id: string) {
    const ref = secretRef(id, ctx.region, ctx.caller?.account ?? '');
    const now = clock().getTime();
    // Secrets Manager is regional: an ARN of another region names nothing here
    if (ref.region !== ctx.region) return { ref, key: undefined, secret: undefined };
    for (const [i, name] of ref.names.entries()) {
      const key = secretKey(ref.region, ref.account, name);
      const s = (await store.get<SecretRecord>(SECRETS, key))?.value;
      if (!s) continue;
      if (i === 0 && ref.fullArn && s.arn !== ref.fullArn) continue;
      if (s.deletionDate !== undefined && s.deletionDate <= now) continue;
      return { ref, key, secret: s };
    }
    return { ref, key: undefined, secret: undefined };
  }

  /**
   * Authorizes `secretsmanager:<action>` on the secret's ARN. `shownAs`: the SecretId as the
   * caller sent it, which a refusal names instead of the ARN ("… on resource: app/db because
   * …"; a caller that sent the ARN reads the ARN) — the policies still see the real ARN.
   */
  async function authorizeOn(
    ctx: CallContext,
    action: string,
    arn: string,
    account: string,
    secret: SecretRecord | undefined,
    context: ContextInput = {},
    shownAs?: string,
  ): Promise<void> {
    const keys: Record<string, string> = {};
    for (const t of secret?.tags ?? []) {
      keys[`secretsmanager:ResourceTag/${t.Key}`] = t.Value;
      keys[`aws:ResourceTag/${t.Key}`] = t.Value;
    }
    await authorize(ctx, {
      action: `secretsmanager:${action}`,
      resource: arn,
      resourceAccount: account,
      resourcePolicy: secret?.policy
        ? compileSecretPolicy(secret.policy, secret.arn, 'evaluate')
        : undefined,
      context: { ...keys, ...context },
      deniedCode: JSON_ACCESS_DENIED,
      ...(shownAs !== undefined && shownAs !== arn
        ? {
            deniedMessage: ({ standard }: { standard: string }) =>
              standard.replace(` on resource: ${arn} `, ` on resource: ${shownAs} `),
          }
        : {}),
    });
  }

  function note(
    ctx: CallContext,
    readOnly: boolean,
    params: Record<string, unknown>,
    arn?: string,
    account?: string,
  ) {
    ctx.audit.readOnly = readOnly;
    ctx.audit.requestParameters = params;
    if (arn) {
      ctx.audit.resources = [{ ARN: arn, accountId: account, type: 'AWS::SecretsManager::Secret' }];
      if (account && ctx.caller && ctx.caller.account !== account)
        ctx.audit.recipientAccountId = account;
    }
  }

  /**
   * The common opening of an operation on one secret: read SecretId, look it up, note it,
   * authorize, and insist it exists.
   */
  async function open(
    ctx: CallContext,
    input: Input,
    action: string,
    readOnly: boolean,
    params: Record<string, unknown> = {},
    context: ContextInput = {},
  ) {
    const id = str(input, 'SecretId', 'secretId', true) as string;
    if (id.length < 1 || id.length > 2048)
      throw validation(
        'secretId',
        `Member must have length ${id.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2048'}`,
      );
    const found = await lookup(ctx, id);
    const arn = found.secret?.arn ?? found.ref.arnForMissing;
    note(ctx, readOnly, { secretId: id, ...params }, arn, found.ref.account);
    await authorizeOn(
      ctx,
      action,
      arn,
      found.ref.account,
      found.secret,
      { 'secretsmanager:SecretId': found.secret?.arn ?? id, ...context },
      id,
    );
    if (!found.secret || !found.key) throw notFound();
    return { id, key: found.key, secret: found.secret, account: found.ref.account };
  }

  /** Rewrites a secret in a transaction, failing if it changed identity meanwhile. */
  async function update<R>(
    key: string,
    arn: string,
    fn: (s: SecretRecord) => R,
    opts: { changed?: boolean } = { changed: true },
  ): Promise<R> {
    return store.transaction(async (tx) => {
      const s = (await tx.get<SecretRecord>(SECRETS, key))?.value;
      if (!s || s.arn !== arn) throw notFound();
      const out = fn(s);
      // LastChangedDate: "modified in any way" (DescribeSecret's reference); reading is not
      if (opts.changed) s.lastChangedAt = clock().getTime();
      await tx.put(SECRETS, key, s);
      return out;
    });
  }

  function newVersion(
    s: SecretRecord,
    versionId: string,
    v: { kind: 'string' | 'binary'; bytes: Buffer },
    now: number,
  ): VersionRecord {
    return {
      stages: [],
      createdAt: now,
      value: seal.seal(v.bytes, v.kind, `${s.arn}\n${versionId}`),
      digest: digest(v),
    };
  }

  /**
   * A secret as DescribeSecret and ListSecrets show it; they name the version map differently
   * (`VersionIdsToStages`, `SecretVersionsToStages`).
   */
  function described(s: SecretRecord, versionsKey: string): Record<string, unknown> {
    return {
      ARN: s.arn,
      Name: s.name,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
      LastChangedDate: seconds(s.lastChangedAt),
      ...(s.lastAccessedAt !== undefined ? { LastAccessedDate: seconds(s.lastAccessedAt) } : {}),
      ...(s.deletedAt !== undefined ? { DeletedDate: seconds(s.deletedAt) } : {}),
      ...(s.tags.length ? { Tags: s.tags } : {}),
      [versionsKey]: versionStagesOf(s),
      CreatedDate: seconds(s.createdAt),
    };
  }

  const ops: Record<string, SmOperation> = {
    async CreateSecret(ctx, input) {
      const name = str(input, 'Name', 'name', true) as string;
      const token = str(input, 'ClientRequestToken', 'clientRequestToken');
      const description = str(input, 'Description', 'description');
      if (description !== undefined && description.length > 2048)
        throw validation('description', 'Member must have length less than or equal to 2048');
      const kmsKeyId = str(input, 'KmsKeyId', 'kmsKeyId');
      const tags = tagsOf(input) ?? [];
      const account = ctx.caller?.account ?? '';
      const key = secretKey(ctx.region, account, name);
      // the ARN first (the live secret's, or a new one), so the audit notes name it even
      // when a check below refuses the request
      const existing = (await store.get<SecretRecord>(SECRETS, key))?.value;
      const now = clock().getTime();
      const live =
        existing && !(existing.deletionDate !== undefined && existing.deletionDate <= now)
          ? existing
          : undefined;
      const arn = live?.arn ?? secretArn(ctx.region, account, name, random);
      note(
        ctx,
        false,
        {
          name,
          ...(token ? { clientRequestToken: token } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
          ...(tags.length ? { tags } : {}),
        },
        arn,
        account,
      );
      checkSecretName(name);
      checkLength('clientRequestToken', token);
      checkTags(tags);
      const value = valueOf(input);
      const tagKeys: Record<string, string | string[]> = { 'aws:TagKeys': tags.map((t) => t.Key) };
      for (const t of tags) tagKeys[`aws:RequestTag/${t.Key}`] = t.Value;
      const context = {
        'secretsmanager:Name': name,
        ...(description !== undefined ? { 'secretsmanager:Description': description } : {}),
        ...(kmsKeyId !== undefined ? { 'secretsmanager:KmsKeyId': kmsKeyId } : {}),
        ...tagKeys,
      };
      await authorizeOn(ctx, 'CreateSecret', arn, account, live, context);
      if (tags.length) await authorizeOn(ctx, 'TagResource', arn, account, live, context);
      const versionId = value ? (token ?? uuidV4(random)) : undefined;
      const out = await store.transaction(async (tx) => {
        const cur = (await tx.get<SecretRecord>(SECRETS, key))?.value;
        const curLive =
          cur && !(cur.deletionDate !== undefined && cur.deletionDate <= now) ? cur : undefined;
        if (curLive) {
          if (curLive.deletedAt !== undefined)
            throw smError(
              'InvalidRequestException',
              "You can't create this secret because a secret with this name is already scheduled for deletion.",
            );
          const same = token !== undefined ? own(curLive.versions, token) : undefined;
          if (same) {
            if (value && same.digest === digest(value))
              return { ARN: curLive.arn, Name: curLive.name, VersionId: token };
            // [inferred] Secrets Manager's text for a token reused with another value
            throw smError(
              'ResourceExistsException',
              `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${curLive.arn}.`,
            );
          }
          throw smError(
            'ResourceExistsException',
            `The operation failed because the secret ${name} already exists.`,
          );
        }
        const s: SecretRecord = {
          name,
          arn,
          region: ctx.region,
          account,
          description,
          kmsKeyId,
          tags,
          createdAt: now,
          lastChangedAt: now,
          versions: {},
        };
        if (value && versionId) {
          put(s.versions, versionId, newVersion(s, versionId, value, now));
          moveStages(s, versionId, ['AWSCURRENT']);
        }
        await tx.put(SECRETS, key, s);
        return { ARN: arn, Name: name, ...(versionId ? { VersionId: versionId } : {}) };
      });
      ctx.audit.responseElements = {
        arn: out.ARN,
        name: out.Name,
        ...(out.VersionId ? { versionId: out.VersionId } : {}),
      };
      return out;
    },

    async GetSecretValue(ctx, input) {
      const versionId = str(input, 'VersionId', 'versionId');
      const stage = str(input, 'VersionStage', 'versionStage');
      const { key, secret, account } = await open(
        ctx,
        input,
        'GetSecretValue',
        true,
        { ...(versionId ? { versionId } : {}), ...(stage ? { versionStage: stage } : {}) },
        {
          ...(versionId ? { 'secretsmanager:VersionId': versionId } : {}),
          'secretsmanager:VersionStage': stage ?? 'AWSCURRENT',
        },
      );
      checkLength('versionId', versionId);
      if (stage !== undefined) checkStage('versionStage', stage);
      if (secret.deletedAt !== undefined) throw markedForDeletion();
      checkManagedKeyAccount(ctx, secret, account);
      let found: [string, VersionRecord] | undefined;
      if (versionId) {
        const v = own(secret.versions, versionId);
        if (!v)
          throw smError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
          );
        if (stage && !v.stages.includes(stage))
          throw smError(
            'InvalidRequestException',
            'You provided a VersionStage that is not associated to the provided VersionId.',
          );
        found = [versionId, v];
      } else {
        const want = stage ?? 'AWSCURRENT';
        found = Object.entries(secret.versions).find(([, v]) => v.stages.includes(want));
        if (!found)
          throw smError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for staging label: ${want}`,
          );
      }
      const [id, v] = found;
      const plain = seal.open(v.value, `${secret.arn}\n${id}`);
      // the secret's LastAccessedDate (DescribeSecret) and the version's (ListSecretVersionIds)
      const today = Math.floor(clock().getTime() / DAY) * DAY;
      if (secret.lastAccessedAt !== today || v.lastAccessedAt !== today)
        await update(
          key,
          secret.arn,
          (s) => {
            s.lastAccessedAt = today;
            const read = own(s.versions, id);
            if (read) read.lastAccessedAt = today;
          },
          { changed: false },
        );
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: id,
        ...(v.value.kind === 'string'
          ? { SecretString: plain.toString('utf8') }
          : { SecretBinary: plain.toString('base64') }),
        VersionStages: [...v.stages],
        CreatedDate: seconds(v.createdAt),
      };
    },

    async PutSecretValue(ctx, input) {
      const token = str(input, 'ClientRequestToken', 'clientRequestToken');
      const stagesIn = input.VersionStages;
      if (
        stagesIn !== undefined &&
        (!Array.isArray(stagesIn) || stagesIn.some((x) => typeof x !== 'string'))
      )
        throw smError('SerializationException', 'Unexpected value for VersionStages');
      const stages = (stagesIn as string[] | undefined) ?? ['AWSCURRENT'];
      const { key, secret, account } = await open(ctx, input, 'PutSecretValue', false, {
        ...(token ? { clientRequestToken: token } : {}),
        ...(stagesIn ? { versionStages: stages } : {}),
      });
      checkLength('clientRequestToken', token);
      // the model's bounds: 1 to 20 labels of 1 to 256 characters
      if (stagesIn !== undefined && (stages.length < 1 || stages.length > 20))
        throw validation(
          'versionStages',
          stages.length < 1
            ? 'Member must have length greater than or equal to 1'
            : 'Member must have length less than or equal to 20',
        );
      for (const label of stagesIn !== undefined ? stages : []) checkStage('versionStages', label);
      const value = valueOf(input);
      if (!value)
        // [inferred]
        throw invalidParameter('You must provide either SecretString or SecretBinary.');
      if (secret.deletedAt !== undefined) throw markedForDeletion();
      checkManagedKeyAccount(ctx, secret, account);
      const versionId = token ?? uuidV4(random);
      const out = await update(key, secret.arn, (s) => {
        const existing = own(s.versions, versionId);
        if (existing) {
          if (existing.digest !== digest(value))
            throw smError(
              'ResourceExistsException',
              "You can't modify an existing version, you can only create a new version.",
            );
          return {
            ARN: s.arn,
            Name: s.name,
            VersionId: versionId,
            VersionStages: [...existing.stages],
          };
        }
        const now = clock().getTime();
        put(s.versions, versionId, newVersion(s, versionId, value, now));
        moveStages(s, versionId, stages);
        s.lastChangedAt = now;
        return {
          ARN: s.arn,
          Name: s.name,
          VersionId: versionId,
          VersionStages: [...(own(s.versions, versionId) as VersionRecord).stages],
        };
      });
      ctx.audit.responseElements = {
        arn: out.ARN,
        name: out.Name,
        versionId: out.VersionId,
        versionStages: out.VersionStages,
      };
      return out;
    },

    async DescribeSecret(ctx, input) {
      const { secret: s } = await open(ctx, input, 'DescribeSecret', true);
      return described(s, 'VersionIdsToStages');
    },

    async ListSecrets(ctx, input) {
      const includeDeleted = bool(input, 'IncludePlannedDeletion') ?? false;
      const max = num(input, 'MaxResults');
      const next = str(input, 'NextToken', 'nextToken');
      const order = str(input, 'SortOrder', 'sortOrder') ?? 'desc';
      const sortBy = str(input, 'SortBy', 'sortBy') ?? 'created-date';
      const rawFilters = input.Filters;
      note(ctx, true, {
        ...(max !== undefined ? { maxResults: max } : {}),
        ...(rawFilters !== undefined ? { filters: rawFilters } : {}),
        ...(includeDeleted ? { includePlannedDeletion: true } : {}),
      });
      const account = ctx.caller?.account ?? '';
      await authorize(ctx, {
        action: 'secretsmanager:ListSecrets',
        resource: '*',
        resourceAccount: account,
        deniedCode: JSON_ACCESS_DENIED,
        // it has no resource, and AWS's refusal names none: "… is not authorized to perform:
        // secretsmanager:ListSecrets because no identity-based policy allows …"
        deniedMessage: ({ standard }) => standard.replace(' on resource: * ', ' '),
      });
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 100))
        throw validation(
          'maxResults',
          max < 1
            ? 'Member must have value greater than or equal to 1'
            : 'Member must have value less than or equal to 100',
          String(max),
        );
      if (order !== 'asc' && order !== 'desc')
        throw validation('sortOrder', 'Member must satisfy enum value set: [asc, desc]', order);
      const SORT_KEYS: Record<string, (s: SecretRecord) => number | string> = {
        'created-date': (s) => s.createdAt,
        'last-accessed-date': (s) => s.lastAccessedAt ?? 0,
        'last-changed-date': (s) => s.lastChangedAt,
        name: (s) => s.name,
      };
      const sortKey = Object.hasOwn(SORT_KEYS, sortBy) ? SORT_KEYS[sortBy] : undefined;
      if (!sortKey)
        throw validation(
          'sortBy',
          'Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]',
          sortBy,
        );
      const filters: { key: string; values: string[] }[] = [];
      if (rawFilters !== undefined) {
        if (!Array.isArray(rawFilters))
          throw smError('SerializationException', 'Unexpected value for Filters');
        if (rawFilters.length > 10)
          throw validation('filters', 'Member must have length less than or equal to 10');
        for (const f of rawFilters as Record<string, unknown>[]) {
          const key = f?.Key;
          const values = f?.Values;
          if (
            typeof key !== 'string' ||
            ![
              'description',
              'name',
              'tag-key',
              'tag-value',
              'primary-region',
              'owning-service',
              'all',
            ].includes(key)
          )
            throw validation(
              `filters.${filters.length + 1}.member.key`,
              'Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]',
              shown(key),
            );
          if (!Array.isArray(values) || values.some((x) => typeof x !== 'string'))
            throw invalidParameter('Invalid filter values.');
          // the model's bounds on a filter's values (API_Filter): 1 to 10, each of its pattern
          const at = `filters.${filters.length + 1}.member.values`;
          if (values.length < 1 || values.length > 10)
            throw validation(
              at,
              values.length < 1
                ? 'Member must have length greater than or equal to 1'
                : 'Member must have length less than or equal to 10',
            );
          for (const x of values as string[])
            if (x.length > 512 || !/^!?[a-zA-Z0-9 :_@/+=.\-!]*$/.test(x))
              throw validation(
                at,
                'Member must satisfy constraint: [Member must have length less than or equal to 512, Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$]',
                JSON.stringify(values).replace(/"/g, ''),
              );
          filters.push({ key, values: values as string[] });
        }
      }
      const now = clock().getTime();
      const fields = (s: SecretRecord, key: string): string[] => {
        switch (key) {
          case 'name':
            return [s.name];
          case 'description':
            return s.description ? [s.description] : [];
          case 'tag-key':
            return s.tags.map((t) => t.Key);
          case 'tag-value':
            return s.tags.map((t) => t.Value);
          case 'primary-region':
            return [s.region];
          case 'owning-service':
            return [];
          default:
            return [
              s.name,
              ...(s.description ? [s.description] : []),
              ...s.tags.flatMap((t) => [t.Key, t.Value]),
            ];
        }
      };
      const matches = (s: SecretRecord) =>
        filters.every((f) =>
          f.values.some((v) => {
            const negate = v.startsWith('!');
            const hit = filterHit(f.key, negate ? v.slice(1) : v, fields(s, f.key));
            return negate ? !hit : hit;
          }),
        );
      const all = (await store.list<SecretRecord>(SECRETS, { prefix: `${ctx.region}:${account}:` }))
        .map((i) => i.value)
        .filter((s) => !(s.deletionDate !== undefined && s.deletionDate <= now))
        .filter((s) => includeDeleted || s.deletedAt === undefined)
        .filter(matches)
        .sort((a, b) => {
          const x = sortKey(a);
          const y = sortKey(b);
          const by =
            typeof x === 'number' && typeof y === 'number'
              ? x - y
              : String(x) < String(y)
                ? -1
                : String(x) > String(y)
                  ? 1
                  : 0;
          return (
            (order === 'asc' ? 1 : -1) *
            (by || a.createdAt - b.createdAt || a.name.localeCompare(b.name))
          );
        });
      let start = 0;
      if (next) {
        const n = Number(Buffer.from(next, 'base64url').toString('utf8'));
        if (!Number.isInteger(n) || n < 0)
          throw smError('InvalidNextTokenException', 'The NextToken value is invalid.');
        start = n;
      }
      const size = max ?? 100;
      const page = all.slice(start, start + size);
      return {
        SecretList: page.map((x) => described(x, 'SecretVersionsToStages')),
        ...(start + size < all.length
          ? { NextToken: Buffer.from(String(start + size)).toString('base64url') }
          : {}),
      };
    },

    async DeleteSecret(ctx, input) {
      const days = num(input, 'RecoveryWindowInDays');
      const force = bool(input, 'ForceDeleteWithoutRecovery');
      const { key, secret } = await open(
        ctx,
        input,
        'DeleteSecret',
        false,
        {
          ...(days !== undefined ? { recoveryWindowInDays: days } : {}),
          ...(force !== undefined ? { forceDeleteWithoutRecovery: force } : {}),
        },
        {
          ...(days !== undefined ? { 'secretsmanager:RecoveryWindowInDays': days } : {}),
          ...(force !== undefined ? { 'secretsmanager:ForceDeleteWithoutRecovery': force } : {}),
        },
      );
      if (days !== undefined && force)
        throw invalidParameter(
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        );
      if (days !== undefined && (days < 7 || days > 30))
        throw invalidParameter(
          'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
        );
      if (secret.deletedAt !== undefined && !force)
        // [inferred]
        throw smError(
          'InvalidRequestException',
          "You tried to perform the operation on a secret that's currently marked deleted.",
        );
      const now = clock().getTime();
      if (force) {
        await store.transaction(async (tx) => {
          const s = (await tx.get<SecretRecord>(SECRETS, key))?.value;
          if (!s || s.arn !== secret.arn) throw notFound();
          await tx.delete(SECRETS, key);
        });
        const out = { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(now) };
        ctx.audit.responseElements = {
          arn: out.ARN,
          name: out.Name,
          deletionDate: new Date(now).toISOString(),
        };
        return out;
      }
      const deletionDate = now + (days ?? 30) * DAY;
      await update(key, secret.arn, (s) => {
        s.deletedAt = now;
        s.deletionDate = deletionDate;
      });
      ctx.audit.responseElements = {
        arn: secret.arn,
        name: secret.name,
        deletionDate: new Date(deletionDate).toISOString(),
      };
      return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate) };
    },

    async RestoreSecret(ctx, input) {
      const { key, secret } = await open(ctx, input, 'RestoreSecret', false);
      await update(key, secret.arn, (s) => {
        s.deletedAt = undefined;
        s.deletionDate = undefined;
      });
      ctx.audit.responseElements = { arn: secret.arn, name: secret.name };
      return { ARN: secret.arn, Name: secret.name };
    },

    async PutResourcePolicy(ctx, input) {
      const block = bool(input, 'BlockPublicPolicy');
      const { key, secret } = await open(
        ctx,
        input,
        'PutResourcePolicy',
        false,
        { ...(block !== undefined ? { blockPublicPolicy: block } : {}) },
        { ...(block !== undefined ? { 'secretsmanager:BlockPublicPolicy': block } : {}) },
      );
      const text = str(input, 'ResourcePolicy', 'resourcePolicy', true) as string;
      (ctx.audit.requestParameters as Record<string, unknown>).resourcePolicy = text;
      if (secret.deletedAt !== undefined) throw markedForDeletion();
      compileSecretPolicy(text, secret.arn, 'save');
      if (block && isPublic(text))
        throw smError(
          'PublicPolicyException',
          'This resource policy contains a statement that grants public access.',
        );
      await update(key, secret.arn, (s) => {
        s.policy = text;
      });
      ctx.audit.responseElements = { arn: secret.arn, name: secret.name };
      return { ARN: secret.arn, Name: secret.name };
    },

    async GetResourcePolicy(ctx, input) {
      const { secret } = await open(ctx, input, 'GetResourcePolicy', true);
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.policy ? { ResourcePolicy: secret.policy } : {}),
      };
    },

    async DeleteResourcePolicy(ctx, input) {
      const { key, secret } = await open(ctx, input, 'DeleteResourcePolicy', false);
      if (secret.deletedAt !== undefined) throw markedForDeletion();
      await update(key, secret.arn, (s) => {
        s.policy = undefined;
      });
      ctx.audit.responseElements = { arn: secret.arn, name: secret.name };
      return { ARN: secret.arn, Name: secret.name };
    },

    async TagResource(ctx, input) {
      const tags = tagsOf(input) ?? [];
      const context: Record<string, string | string[]> = { 'aws:TagKeys': tags.map((t) => t.Key) };
      for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
      const { key, secret } = await open(ctx, input, 'TagResource', false, { tags }, context);
      if (input.Tags === undefined) throw validation('tags', 'Member must not be null');
      if (secret.deletedAt !== undefined) throw markedForDeletion();
      checkTags(tags);
      await update(key, secret.arn, (s) => {
        const merged = new Map(s.tags.map((t) => [t.Key, t.Value]));
        for (const t of tags) merged.set(t.Key, t.Value);
        s.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
        checkTags(s.tags);
      });
      return {};
    },

    async UntagResource(ctx, input) {
      const keysIn = input.TagKeys;
      if (!Array.isArray(keysIn) || keysIn.some((k) => typeof k !== 'string'))
        throw validation('tagKeys', 'Member must not be null');
      const keys = keysIn as string[];
      const { key, secret } = await open(
        ctx,
        input,
        'UntagResource',
        false,
        { tagKeys: keys },
        { 'aws:TagKeys': keys },
      );
      if (secret.deletedAt !== undefined) throw markedForDeletion();
      await update(key, secret.arn, (s) => {
        s.tags = s.tags.filter((t) => !keys.includes(t.Key));
      });
      return {};
    },

    async ListSecretVersionIds(ctx, input) {
      const max = num(input, 'MaxResults');
      const next = str(input, 'NextToken', 'nextToken');
      const deprecated = bool(input, 'IncludeDeprecated') ?? false;
      const { secret } = await open(ctx, input, 'ListSecretVersionIds', true, {
        ...(max !== undefined ? { maxResults: max } : {}),
        ...(deprecated ? { includeDeprecated: true } : {}),
      });
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 100))
        throw validation(
          'maxResults',
          'Member must have value less than or equal to 100',
          String(max),
        );
      // a version without a staging label is deprecated: listed only when asked for
      const all = Object.entries(secret.versions)
        .filter(([, v]) => deprecated || v.stages.length > 0)
        .sort((a, b) => b[1].createdAt - a[1].createdAt || a[0].localeCompare(b[0]));
      const start = next === undefined ? 0 : Number(Buffer.from(next, 'base64url').toString());
      if (!Number.isInteger(start) || start < 0 || start > all.length)
        throw invalidParameter('Invalid NextToken.'); // [inferred]
      const size = max ?? 100;
      const page = all.slice(start, start + size);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Versions: page.map(([id, v]) => ({
          VersionId: id,
          ...(v.stages.length ? { VersionStages: [...v.stages] } : {}),
          CreatedDate: seconds(v.createdAt),
          ...(v.lastAccessedAt !== undefined
            ? { LastAccessedDate: seconds(v.lastAccessedAt) }
            : {}),
        })),
        ...(start + size < all.length
          ? { NextToken: Buffer.from(String(start + size)).toString('base64url') }
          : {}),
      };
    },

    /**
     * The current values of up to 20 secrets, by id or by ListSecrets' filters: the caller needs
     * secretsmanager:BatchGetSecretValue, and GetSecretValue on each secret (ListSecrets too,
     * with filters); a secret it may not read, or that is not there, is an entry of Errors
     * (the API reference).
     */
    async BatchGetSecretValue(ctx, input) {
      const ids = input.SecretIdList;
      const filters = input.Filters;
      const max = num(input, 'MaxResults');
      const next = str(input, 'NextToken', 'nextToken');
      note(ctx, true, {
        ...(ids !== undefined ? { secretIdList: ids } : {}),
        ...(filters !== undefined ? { filters } : {}),
        ...(max !== undefined ? { maxResults: max } : {}),
      });
      const account = ctx.caller?.account ?? '';
      await authorize(ctx, {
        action: 'secretsmanager:BatchGetSecretValue',
        resource: '*',
        resourceAccount: account,
        deniedCode: JSON_ACCESS_DENIED,
      });
      if ((ids === undefined) === (filters === undefined))
        throw invalidParameter('Either SecretIdList or Filters must be specified, but not both.'); // [inferred]
      if (ids !== undefined) {
        if (
          !Array.isArray(ids) ||
          ids.length < 1 ||
          ids.length > 20 ||
          ids.some((i) => typeof i !== 'string')
        )
          throw validation('secretIdList', 'Member must have length less than or equal to 20');
        if (max !== undefined || next !== undefined)
          throw invalidParameter(
            'MaxResults and NextToken can be used only with Filters.', // [inferred]
          );
      }
      const audit = ctx.audit;
      let wanted = ids as string[] | undefined;
      let token: string | undefined;
      if (!wanted) {
        // the secrets the filters find, as ListSecrets finds them (its permission included)
        ctx.audit = { ...audit };
        const listed = (await (ops.ListSecrets as SmOperation)(ctx, {
          Filters: filters,
          ...(max !== undefined ? { MaxResults: Math.min(max, 20) } : { MaxResults: 20 }),
          ...(next !== undefined ? { NextToken: next } : {}),
        })) as { SecretList: { ARN: string }[]; NextToken?: string };
        wanted = listed.SecretList.map((s) => s.ARN);
        token = listed.NextToken;
      }
      const values: unknown[] = [];
      const errors: unknown[] = [];
      for (const id of wanted) {
        // each read as GetSecretValue reads it (its authorization, its errors), without
        // leaving its notes in this call's record
        ctx.audit = { ...audit };
        try {
          values.push(await (ops.GetSecretValue as SmOperation)(ctx, { SecretId: id }));
        } catch (e) {
          if (!(e instanceof AwsError)) throw e;
          errors.push({ SecretId: id, ErrorCode: e.code, Message: e.message });
        }
      }
      ctx.audit = audit;
      return {
        SecretValues: values,
        Errors: errors,
        ...(token !== undefined ? { NextToken: token } : {}),
      };
    },
  };
  return ops;
}
