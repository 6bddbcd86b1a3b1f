/**
 * SQS's queue operations: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue,
 * Get/SetQueueAttributes, TagQueue, UntagQueue, ListQueueTags. Each authorizes before it acts
 * and writes in one store transaction, so a refused or failed call changes nothing.
 */
import type { CallContext } from '../../server/aws/types.js';
import {
  type QueueTarget,
  authorizeAccount,
  authorizeQueue,
  compileQueuePolicy,
} from './access.js';
import { invalidParameter, noSuchQueue, sqsError } from './errors.js';
import { type Input, int, str, stringMap, strings } from './params.js';
import {
  COMPUTED_ATTRIBUTES,
  SETTABLE_ATTRIBUTES,
  checkAttributes,
  checkFifoThroughput,
  redriveAllowOf,
  checkQueueName,
  effectiveAttributes,
  intAttribute,
  isFifoName,
  isQueueName,
  parseQueueUrl,
  queueArn,
  queueKey,
  queueUrl,
  readRedrive,
} from './queues.js';
import {
  DELETED,
  MESSAGES,
  type MessageRecord,
  QUEUES,
  type QueueRecord,
  type SqsDeps,
} from './types.js';

export type SqsOperation = (ctx: CallContext, input: Input) => Promise<Record<string, unknown>>;

/** The queue a QueueUrl names, looked up (undefined when it does not exist). */
export async function resolveQueue(
  deps: SqsDeps,
  ctx: CallContext,
  input: Input,
): Promise<{
  key: string;
  target: { region: string; account: string; name: string };
  queue?: QueueRecord;
  url: string;
}> {
  const url = str(input, 'QueueUrl', true);
  const { account, name } = parseQueueUrl(url);
  const target = { region: ctx.region, account, name };
  const key = queueKey(ctx.region, account, name);
  const queue = (await deps.store.get<QueueRecord>(QUEUES, key))?.value;
  return { key, target, queue, url };
}

function queueResource(q: { region: string; account: string; name: string }) {
  return [{ ARN: queueArn(q), accountId: q.account, type: 'AWS::SQS::Queue' }];
}

/**
 * A page of queue names in name order, as ListQueues and ListDeadLetterSourceQueues page them:
 * MaxResults 1–1000 (all without it, and then no token), the token the last name of the page
 * before, as this server wrote it.
 */
function namePage(
  names: readonly string[],
  max: number | undefined,
  next: string | undefined,
): { page: string[]; NextToken?: string } {
  if (max !== undefined && (max < 1 || max > 1000))
    throw invalidParameter(
      `Value ${max} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
    );
  let after = '';
  if (next) {
    after = Buffer.from(next, 'base64url').toString('utf8');
    if (!isQueueName(after) || Buffer.from(after).toString('base64url') !== next)
      throw invalidParameter('Invalid NextToken value.');
  }
  const sorted = names.filter((n) => n > after).sort();
  const limit = max ?? 1000;
  const page = sorted.slice(0, limit);
  return max !== undefined && sorted.length > limit
    ? { page, NextToken: Buffer.from(page[page.length - 1] as string).toString('base64url') }
    : { page };
}

/** Sets the audit notes every queue call shares. */
export function noteQueue(
  ctx: CallContext,
  target: { region: string; account: string; name: string },
  readOnly: boolean,
  requestParameters: Record<string, unknown>,
): void {
  ctx.audit.readOnly = readOnly;
  ctx.audit.requestParameters = requestParameters;
  ctx.audit.resources = queueResource(target);
  if (ctx.caller && ctx.caller.account !== target.account)
    ctx.audit.recipientAccountId = target.account;
}

function tagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { 'aws:TagKeys': Object.keys(tags) };
  for (const [k, v] of Object.entries(tags)) out[`aws:RequestTag/${k}`] = v;
  return out;
}

function checkTags(tags: Record<string, string>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 128 || v.length > 256 || /^aws:/i.test(k))
      // [inferred] SQS's wording for a tag it refuses
      throw invalidParameter(`Tag key or value is invalid: ${k}`);
  }
  if (Object.keys(tags).length > 50)
    throw invalidParameter('Too many tags added for queue. Maximum number of tags allowed is 50.');
}

/** Counts for the Approximate* attributes. */
async function counts(deps: SqsDeps, key: string, q: QueueRecord, now: number) {
  const retention = intAttribute(q, 'MessageRetentionPeriod') * 1000;
  let visible = 0;
  let inFlight = 0;
  let delayed = 0;
  for (const { value: m } of await deps.store.list<MessageRecord>(MESSAGES, {
    prefix: `${key}:`,
  })) {
    if (m.sentAt + retention <= now) continue;
    if (m.visibleAt <= now) visible++;
    else if (m.receiveCount > 0) inFlight++;
    else delayed++;
  }
  return { visible, inFlight, delayed };
}

export function queueOperations(deps: SqsDeps): Record<string, SqsOperation> {
  const { store, clock, authorize } = deps;

  /**
   * A RedrivePolicy must name an existing queue of the same kind (standard or FIFO) in the
   * source queue's account and region, as SQS requires: another account's queue is never a
   * dead-letter target.
   */
  async function checkRedrive(text: string, source: QueueTarget): Promise<void> {
    const r = readRedrive(text);
    const invalid = (reason: string) =>
      invalidParameter(`Value ${text} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
    if (!r) {
      // a count out of range is named as such [inferred text]
      let count: unknown;
      try {
        count = (JSON.parse(text) as { maxReceiveCount?: unknown }).maxReceiveCount;
      } catch {
        count = undefined;
      }
      const n = Number(count);
      if (count !== undefined && Number.isInteger(n) && (n < 1 || n > 1000))
        throw invalid(
          `Invalid value for maxReceiveCount: ${n}, valid values are from 1 to 1000 both inclusive.`,
        );
      throw invalid(
        'Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount.',
      );
    }
    if (r.account !== source.account || r.region !== source.region)
      // [inferred] SQS's reason for a dead-letter queue of another account or region
      throw invalid(
        'Dead-letter queue must be in the same account and region as the source queue.',
      );
    const dlq = await store.get<QueueRecord>(QUEUES, queueKey(r.region, r.account, r.name));
    if (!dlq) throw invalid('Dead letter target does not exist.');
    if (isFifoName(r.name) !== isFifoName(source.name))
      throw invalid('Dead-letter queue must be same type of queue as the source.');
    // the dead-letter queue's own say: which sources may name it (RedriveAllowPolicy)
    const allowText = dlq.value.attributes.RedriveAllowPolicy;
    if (allowText) {
      // stored only once checkAttributes parsed it
      const allow = redriveAllowOf(JSON.parse(allowText));
      const sourceArn = queueArn(source);
      if (
        allow &&
        (allow.permission === 'denyAll' ||
          (allow.permission === 'byQueue' && !allow.sources.includes(sourceArn)))
      )
        // [inferred] SQS's reason for a dead-letter queue that does not allow the source
        throw invalid(
          `Queue ${sourceArn} is not allowed to use the dead-letter queue by its RedriveAllowPolicy.`,
        );
    }
  }

  return {
    async CreateQueue(ctx, input) {
      const name = str(input, 'QueueName', true);
      const attrsIn = stringMap(input, 'Attributes') ?? {};
      const tags = stringMap(input, 'tags') ?? stringMap(input, 'Tags') ?? {};
      const account = ctx.caller?.account ?? '';
      const target = { region: ctx.region, account, name };
      noteQueue(ctx, target, false, {
        queueName: name,
        ...(Object.keys(attrsIn).length ? { attributes: attrsIn } : {}),
        ...(Object.keys(tags).length ? { tags } : {}),
      });
      const fifo = (attrsIn.FifoQueue ?? '').toLowerCase() === 'true';
      checkQueueName(name, fifo);
      const attrs = checkAttributes(attrsIn, { fifo, creating: true });
      checkFifoThroughput(attrs);
      checkTags(tags);
      const key = queueKey(ctx.region, account, name);
      const existing = (await store.get<QueueRecord>(QUEUES, key))?.value;
      await authorizeQueue(authorize, ctx, 'CreateQueue', target, existing, tagContext(tags));
      if (Object.keys(tags).length)
        await authorizeQueue(authorize, ctx, 'TagQueue', target, existing, tagContext(tags));
      // after authorizing: the dead-letter check looks queues up, and says which exist
      if (attrs.Policy) compileQueuePolicy(attrs.Policy, queueArn(target));
      if (attrs.RedrivePolicy) await checkRedrive(attrs.RedrivePolicy, target);
      const url = queueUrl(ctx.endpoint, account, name);
      await store.transaction(async (tx) => {
        const now = clock();
        const current = (await tx.get<QueueRecord>(QUEUES, key))?.value;
        if (current) {
          const effective = effectiveAttributes(current);
          for (const [k, v] of Object.entries(attrs)) {
            if ((effective[k] ?? '') !== v)
              // [inferred] the attribute SQS names in QueueAlreadyExists
              throw sqsError(
                'QueueNameExists',
                `A queue already exists with the same name and a different value for attribute ${k}`,
              );
          }
          return;
        }
        const deleted = (await tx.get<{ at: number }>(DELETED, key))?.value;
        if (deleted && now.getTime() - deleted.at < 60_000)
          throw sqsError(
            'QueueDeletedRecently',
            'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
          );
        const seconds = Math.floor(now.getTime() / 1000);
        await tx.put<QueueRecord>(QUEUES, key, {
          name,
          account,
          region: ctx.region,
          attributes: attrs,
          tags,
          createdAt: seconds,
          lastModifiedAt: seconds,
          nextSeq: 1,
        });
      });
      ctx.audit.responseElements = { queueUrl: url };
      return { QueueUrl: url };
    },

    async GetQueueUrl(ctx, input) {
      const name = str(input, 'QueueName', true);
      const owner = str(input, 'QueueOwnerAWSAccountId');
      const account = owner ?? ctx.caller?.account ?? '';
      const target = { region: ctx.region, account, name };
      noteQueue(ctx, target, true, {
        queueName: name,
        ...(owner ? { queueOwnerAWSAccountId: owner } : {}),
      });
      const queue = (await store.get<QueueRecord>(QUEUES, queueKey(ctx.region, account, name)))
        ?.value;
      await authorizeQueue(authorize, ctx, 'GetQueueUrl', target, queue);
      if (!queue) throw noSuchQueue();
      return { QueueUrl: queueUrl(ctx.endpoint, account, name) };
    },

    async ListQueues(ctx, input) {
      const prefix = str(input, 'QueueNamePrefix') ?? '';
      const max = int(input, 'MaxResults');
      const account = ctx.caller?.account ?? '';
      ctx.audit.readOnly = true;
      ctx.audit.requestParameters = {
        ...(prefix ? { queueNamePrefix: prefix } : {}),
        ...(max !== undefined ? { maxResults: max } : {}),
      };
      await authorizeAccount(authorize, ctx, 'ListQueues', account);
      const queues = (
        await store.list<QueueRecord>(QUEUES, { prefix: `${ctx.region}:${account}:` })
      )
        .map((i) => i.value.name)
        .filter((n) => n.startsWith(prefix));
      const { page, NextToken } = namePage(queues, max, str(input, 'NextToken'));
      return {
        ...(page.length ? { QueueUrls: page.map((n) => queueUrl(ctx.endpoint, account, n)) } : {}),
        ...(NextToken !== undefined ? { NextToken } : {}),
      };
    },

    /** The queues whose RedrivePolicy names this one as their dead-letter queue. */
    async ListDeadLetterSourceQueues(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      const max = int(input, 'MaxResults');
      noteQueue(ctx, r.target, true, {
        queueUrl: r.url,
        ...(max !== undefined ? { maxResults: max } : {}),
      });
      await authorizeQueue(authorize, ctx, 'ListDeadLetterSourceQueues', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const { region, account, name } = r.target;
      const sources = (await store.list<QueueRecord>(QUEUES, { prefix: `${region}:${account}:` }))
        .map((i) => i.value)
        .filter((q) => {
          const dl = q.attributes.RedrivePolicy
            ? readRedrive(q.attributes.RedrivePolicy)
            : undefined;
          return dl?.name === name && dl.account === account && dl.region === region;
        })
        .map((q) => q.name);
      const { page, NextToken } = namePage(sources, max, str(input, 'NextToken'));
      return {
        queueUrls: page.map((n) => queueUrl(ctx.endpoint, account, n)),
        ...(NextToken !== undefined ? { NextToken } : {}),
      };
    },

    async DeleteQueue(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      noteQueue(ctx, r.target, false, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'DeleteQueue', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      await store.transaction(async (tx) => {
        for (const m of await tx.list(MESSAGES, { prefix: `${r.key}:` }))
          await tx.delete(MESSAGES, m.key);
        await tx.delete(QUEUES, r.key);
        await tx.put(DELETED, r.key, { at: clock().getTime() });
      });
      return {};
    },

    async PurgeQueue(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      noteQueue(ctx, r.target, false, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'PurgeQueue', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      await store.transaction(async (tx) => {
        const q = (await tx.get<QueueRecord & { purgedAt?: number }>(QUEUES, r.key))?.value;
        if (!q) throw noSuchQueue();
        const now = clock().getTime();
        if (q.purgedAt !== undefined && now - q.purgedAt < 60_000)
          throw sqsError(
            'PurgeQueueInProgress',
            `Only one PurgeQueue operation on ${q.name} is allowed every 60 seconds.`,
          );
        for (const m of await tx.list(MESSAGES, { prefix: `${r.key}:` }))
          await tx.delete(MESSAGES, m.key);
        await tx.put(QUEUES, r.key, { ...q, purgedAt: now });
      });
      return {};
    },

    async GetQueueAttributes(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      const names = strings(input, 'AttributeNames') ?? [];
      noteQueue(ctx, r.target, true, {
        queueUrl: r.url,
        ...(names.length ? { attributeNames: names } : {}),
      });
      await authorizeQueue(authorize, ctx, 'GetQueueAttributes', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const q = r.queue;
      const fifo = isFifoName(q.name);
      for (const n of names) {
        if (n === 'All') continue;
        const fifoOnly = [
          'FifoQueue',
          'ContentBasedDeduplication',
          'DeduplicationScope',
          'FifoThroughputLimit',
        ];
        if (
          (!SETTABLE_ATTRIBUTES.includes(n) && !COMPUTED_ATTRIBUTES.includes(n)) ||
          (!fifo && fifoOnly.includes(n))
        )
          throw sqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
      }
      if (names.length === 0) return {};
      // counting lists the queue's messages: only when a count is asked for
      const c = names.some((n) => n === 'All' || n.startsWith('Approximate'))
        ? await counts(deps, r.key, q, clock().getTime())
        : undefined;
      const all: Record<string, string> = {
        QueueArn: queueArn(q),
        ...(c && {
          ApproximateNumberOfMessages: String(c.visible),
          ApproximateNumberOfMessagesNotVisible: String(c.inFlight),
          ApproximateNumberOfMessagesDelayed: String(c.delayed),
        }),
        CreatedTimestamp: String(q.createdAt),
        LastModifiedTimestamp: String(q.lastModifiedAt),
        ...effectiveAttributes(q),
      };
      const want = names.includes('All') ? Object.keys(all) : names;
      const out: Record<string, string> = {};
      for (const n of want) if (all[n] !== undefined) out[n] = all[n] as string;
      return Object.keys(out).length ? { Attributes: out } : {};
    },

    async SetQueueAttributes(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      const attrsIn = stringMap(input, 'Attributes');
      noteQueue(ctx, r.target, false, { queueUrl: r.url, attributes: attrsIn ?? {} });
      await authorizeQueue(authorize, ctx, 'SetQueueAttributes', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      if (!attrsIn)
        throw sqsError('MissingParameter', 'The request must contain the parameter Attributes.');
      const attrs = checkAttributes(attrsIn, { fifo: isFifoName(r.queue.name), creating: false });
      if (attrs.Policy) compileQueuePolicy(attrs.Policy, queueArn(r.target));
      if (attrs.RedrivePolicy) await checkRedrive(attrs.RedrivePolicy, r.target);
      await store.transaction(async (tx) => {
        const q = (await tx.get<QueueRecord>(QUEUES, r.key))?.value;
        if (!q) throw noSuchQueue();
        const next = { ...q.attributes };
        for (const [k, v] of Object.entries(attrs)) {
          if (v === '') delete next[k];
          else next[k] = v;
        }
        checkFifoThroughput(next);
        await tx.put<QueueRecord>(QUEUES, r.key, {
          ...q,
          attributes: next,
          lastModifiedAt: Math.floor(clock().getTime() / 1000),
        });
      });
      return {};
    },

    async TagQueue(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      const tags = stringMap(input, 'Tags') ?? {};
      noteQueue(ctx, r.target, false, { queueUrl: r.url, tags });
      await authorizeQueue(authorize, ctx, 'TagQueue', r.target, r.queue, tagContext(tags));
      if (!r.queue) throw noSuchQueue();
      checkTags(tags);
      await store.transaction(async (tx) => {
        const q = (await tx.get<QueueRecord>(QUEUES, r.key))?.value;
        if (!q) throw noSuchQueue();
        const merged = { ...q.tags, ...tags };
        checkTags(merged);
        await tx.put<QueueRecord>(QUEUES, r.key, { ...q, tags: merged });
      });
      return {};
    },

    async UntagQueue(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      const keys = strings(input, 'TagKeys') ?? [];
      noteQueue(ctx, r.target, false, { queueUrl: r.url, tagKeys: keys });
      await authorizeQueue(authorize, ctx, 'UntagQueue', r.target, r.queue, {
        'aws:TagKeys': keys,
      });
      if (!r.queue) throw noSuchQueue();
      await store.transaction(async (tx) => {
        const q = (await tx.get<QueueRecord>(QUEUES, r.key))?.value;
        if (!q) throw noSuchQueue();
        const tags = { ...q.tags };
        for (const k of keys) delete tags[k];
        await tx.put<QueueRecord>(QUEUES, r.key, { ...q, tags });
      });
      return {};
    },

    async ListQueueTags(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      noteQueue(ctx, r.target, true, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'ListQueueTags', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      return Object.keys(r.queue.tags).length ? { Tags: r.queue.tags } : {};
    },
  };
}
