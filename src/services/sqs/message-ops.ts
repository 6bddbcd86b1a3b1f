/**
 * SQS's message operations: SendMessage(Batch), ReceiveMessage (with long polling that
 * returns as soon as a message arrives), DeleteMessage(Batch), ChangeMessageVisibility(Batch).
 * Time is the injected clock's, so visibility timeouts, delays and retention are testable
 * with a fixed clock; only a long poll's wait is real time. CloudTrail calls these data
 * events; message bodies and attribute values never reach the audit notes: a sent body is
 * `HIDDEN_DUE_TO_SECURITY_REASONS` there, as CloudTrail writes it (the SQS developer guide's
 * SendMessage example).
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../common/aws-error.js';
import { own, put } from '../../common/own.js';
import { uuidV4 } from '../../common/uuid.js';
import { type CallContext, HIDDEN } from '../../server/aws/types.js';
import type { StoreOps } from '../../store/types.js';
import { authorizeQueue } from './access.js';
import { invalidParameter, missingParameter, noSuchQueue, sqsError } from './errors.js';
import { isBase64 } from '../../common/base64.js';
import { md5OfAttributes, md5OfBody } from './md5.js';
import type { QueueNotifier } from './notifier.js';
import { type Input, int, objects, str, strings } from './params.js';
import {
  effectiveAttributes,
  intAttribute,
  isFifoName,
  queueArn,
  redrivePolicy,
} from './queues.js';
import { type SqsOperation, noteQueue, resolveQueue } from './queue-ops.js';
import {
  ATTEMPTS,
  MESSAGES,
  type MessageAttribute,
  type MessageRecord,
  QUEUES,
  type QueueRecord,
  type SqsDeps,
} from './types.js';

/** How long a FIFO receive's attempt id is remembered (the ReceiveMessage reference). */
const ATTEMPT_MS = 5 * 60_000;

/** A FIFO receive with an attempt id: when, and what it answered. */
interface Attempt {
  at: number;
  answer: Record<string, unknown>;
}

/** The most a SendMessageBatch may carry in all (the API reference: 1 MiB). */
const BATCH_PAYLOAD_BYTES = 1_048_576;

const ALLOWED_BODY = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

/** A receipt handle: the message's store key and the nonce of this receive. */
function receiptHandle(messageKey: string, nonce: string): string {
  return Buffer.from(`${messageKey}\u0000${nonce}`, 'utf8').toString('base64');
}

function parseReceipt(handle: string, queueKey: string): { key: string; nonce: string } {
  const text = Buffer.from(handle, 'base64').toString('utf8');
  const [key, nonce, extra] = text.split('\u0000');
  if (
    extra !== undefined ||
    !key ||
    !nonce ||
    !key.startsWith(`${queueKey}:`) ||
    !/^\d{16}$/.test(key.slice(queueKey.length + 1))
  )
    throw sqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
  return { key, nonce };
}

function messageAttributes(input: Input): Record<string, MessageAttribute> | undefined {
  const raw = input.MessageAttributes;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalidParameter('Value for parameter MessageAttributes is invalid.');
  const out: Record<string, MessageAttribute> = {};
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 10)
    throw invalidParameter(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  for (const [name, v] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name))
      throw invalidParameter(`Message (user) attribute name '${name}' is invalid.`);
    const a = (v ?? {}) as Record<string, unknown>;
    const type = typeof a.DataType === 'string' ? a.DataType : '';
    if (!type)
      throw invalidParameter(
        `The message attribute '${name}' must contain a non-empty message attribute type.`,
      );
    const base = type.split('.')[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary')
      throw invalidParameter(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    if (base === 'Binary') {
      if (typeof a.BinaryValue !== 'string' || a.BinaryValue === '')
        throw invalidParameter(
          `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`,
        );
      // [inferred] text: a blob that is not base64 is no value SQS can decode
      if (!isBase64(a.BinaryValue))
        throw invalidParameter(
          `The message attribute '${name}' with type 'Binary' has a value that is not base64.`,
        );
      put(out, name, { DataType: type, BinaryValue: a.BinaryValue });
    } else {
      if (typeof a.StringValue !== 'string' || a.StringValue === '')
        throw invalidParameter(
          `The message attribute '${name}' with type '${base}' must use field 'String'.`,
        );
      // String values take the characters a body may carry (the MessageAttributeValue reference)
      if (ALLOWED_BODY.test(a.StringValue))
        throw invalidParameter(
          `Message (user) attribute '${name}' value contains invalid characters.`, // [inferred]
        );
      if (base === 'Number') {
        const n = numberProblem(a.StringValue);
        if (n === 'cast')
          throw invalidParameter(
            `Can't cast the value of message (user) attribute '${name}' to a number.`,
          );
        if (n)
          throw invalidParameter(
            // [inferred] text; the limits are the reference's: 38 digits, 10^-128 to 10^+126
            `Value of message (user) attribute '${name}' is out of the range of a Number: ${n}.`,
          );
      }
      put(out, name, { DataType: type, StringValue: a.StringValue });
    }
  }
  return entries.length ? out : undefined;
}

/**
 * What is wrong with a Number attribute's value: not a decimal number (`cast`), more than 38
 * significant digits, or a magnitude outside 10^-128 to 10^+126 (the MessageAttributeValue
 * reference); undefined when it is fine.
 */
function numberProblem(v: string): string | undefined {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(v);
  const int = m?.[1] ?? '';
  const frac = m?.[2] ?? '';
  if (!m || (int === '' && frac === '')) return 'cast';
  const all = int + frac;
  const first = all.search(/[1-9]/);
  if (first < 0) return undefined;
  if (all.slice(first).replace(/0+$/, '').length > 38) return 'more than 38 significant digits';
  // the power of ten of the leading digit
  const exponent = int.length - first - 1 + Number(m[3] ?? 0);
  if (exponent > 125 || exponent < -128) return 'beyond 10^-128 to 10^+126';
  return undefined;
}

/**
 * MessageSystemAttributes: AWSTraceHeader only (what X-Ray and OpenTelemetry set), a String.
 * [inferred] texts for the rest, in SQS's manner.
 */
function systemAttributes(input: Input): Record<string, MessageAttribute> | undefined {
  const raw = input.MessageSystemAttributes;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalidParameter('Value for parameter MessageSystemAttributes is invalid.');
  const out: Record<string, MessageAttribute> = {};
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (name !== 'AWSTraceHeader')
      throw invalidParameter(`Message system attribute name '${name}' is invalid.`);
    const a = (v ?? {}) as Record<string, unknown>;
    if (a.DataType !== 'String' || typeof a.StringValue !== 'string' || a.StringValue === '')
      throw invalidParameter(
        `The message system attribute '${name}' must be of type 'String' with a non-empty value.`,
      );
    put(out, name, { DataType: 'String', StringValue: a.StringValue });
  }
  return Object.keys(out).length ? out : undefined;
}

function attributeBytes(attrs: Record<string, MessageAttribute> | undefined): number {
  let n = 0;
  for (const [k, a] of Object.entries(attrs ?? {}))
    n +=
      Buffer.byteLength(k) +
      Buffer.byteLength(a.DataType) +
      (a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue, 'base64').length
        : Buffer.byteLength(a.StringValue ?? ''));
  return n;
}

/** Which message attributes a receive asked for: names, `All`, `.*`, or `prefix.*`. */
function pick(
  attrs: Record<string, MessageAttribute> | undefined,
  names: readonly string[],
): Record<string, MessageAttribute> | undefined {
  if (!attrs || names.length === 0) return undefined;
  const out: Record<string, MessageAttribute> = {};
  for (const [k, v] of Object.entries(attrs)) {
    const hit = names.some(
      (n) =>
        n === 'All' || n === '.*' || n === k || (n.endsWith('.*') && k.startsWith(n.slice(0, -1))),
    );
    if (hit) put(out, k, v);
  }
  return Object.keys(out).length ? out : undefined;
}

/** A MessageGroupId or MessageDeduplicationId: 1–128 alphanumeric or punctuation characters. */
const MESSAGE_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

interface SendRequest {
  body: string;
  delay?: number | undefined;
  attributes?: Record<string, MessageAttribute> | undefined;
  groupId?: string | undefined;
  dedupId?: string | undefined;
  system?: Record<string, MessageAttribute> | undefined;
}

/** One message sent: its id, the digests SQS answers with, its FIFO sequence number. */
interface Sent {
  messageId: string;
  md5OfBody: string;
  md5OfAttributes?: string | undefined;
  md5OfSystem?: string | undefined;
  seq?: string | undefined;
}

function sendRequest(input: Input): SendRequest {
  const body = str(input, 'MessageBody');
  if (body === undefined || body === '') throw missingParameter('MessageBody');
  return {
    body,
    delay: int(input, 'DelaySeconds'),
    attributes: messageAttributes(input),
    groupId: str(input, 'MessageGroupId'),
    dedupId: str(input, 'MessageDeduplicationId'),
    system: systemAttributes(input),
  };
}

type Redrive = NonNullable<ReturnType<typeof redrivePolicy>>;

/**
 * `redrivePolicy` for the passes of one ReceiveMessage: the policy's JSON is parsed again
 * only when the queue's RedrivePolicy text changed since the last pass.
 */
function redriveReader(): (q: QueueRecord) => Redrive | undefined {
  let text: string | undefined;
  let policy: Redrive | undefined;
  return (q) => {
    if (q.attributes.RedrivePolicy !== text) {
      text = q.attributes.RedrivePolicy;
      policy = redrivePolicy(q);
    }
    return policy;
  };
}

export function messageOperations(
  deps: SqsDeps,
  notifier: QueueNotifier,
): Record<string, SqsOperation> {
  const { store, clock, random, authorize } = deps;

  /** Validates one message against its queue; throws the error SQS gives for it. */
  function check(q: QueueRecord, m: SendRequest): void {
    const bad = ALLOWED_BODY.exec(m.body);
    if (bad)
      throw sqsError(
        'InvalidMessageContents',
        `Invalid binary character '#x${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
      );
    const max = intAttribute(q, 'MaximumMessageSize');
    if (Buffer.byteLength(m.body) + attributeBytes(m.attributes) > max)
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`,
      );
    for (const [name, value] of [
      ['MessageGroupId', m.groupId],
      ['MessageDeduplicationId', m.dedupId],
    ] as const)
      if (value !== undefined && !MESSAGE_ID.test(value))
        // [inferred] SQS's reason text; the rule is SendMessage's (1–128 alphanumeric or
        // punctuation characters)
        throw invalidParameter(
          `Value ${value} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
        );
    const fifo = isFifoName(q.name);
    if (m.delay !== undefined) {
      if (m.delay < 0 || m.delay > 900)
        throw invalidParameter(
          `Value ${m.delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
        );
      if (fifo)
        throw invalidParameter(
          `Value ${m.delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
    }
    if (fifo) {
      if (!m.groupId) throw missingParameter('MessageGroupId');
      if (!m.dedupId && effectiveAttributes(q).ContentBasedDeduplication !== 'true')
        throw invalidParameter(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
    } else if (m.dedupId) {
      throw invalidParameter(
        `Value ${m.dedupId} for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.`,
      );
    }
  }

  /** Appends messages to a queue in one transaction; returns their send results. */
  async function enqueue(ctx: CallContext, key: string, reqs: SendRequest[]) {
    const results = await store.transaction(async (tx) => {
      const q = (await tx.get<QueueRecord>(QUEUES, key))?.value;
      if (!q) throw noSuchQueue();
      const now = clock().getTime();
      const fifo = isFifoName(q.name);
      const dedupByGroup = effectiveAttributes(q).DeduplicationScope === 'messageGroup';
      const dedup = Object.fromEntries(
        Object.entries(q.dedup ?? {}).filter(([, d]) => now - d.at < DEDUP_WINDOW_MS),
      );
      const out: Sent[] = [];
      let nextSeq = q.nextSeq;
      for (const m of reqs) {
        const md5 = md5OfBody(m.body);
        const md5a = md5OfAttributes(m.attributes);
        const md5s = md5OfAttributes(m.system);
        const dedupId = fifo
          ? (m.dedupId ?? createHash('sha256').update(m.body).digest('hex'))
          : undefined;
        const dedupKey = dedupId && (dedupByGroup ? `${m.groupId}\u0000${dedupId}` : dedupId);
        const seen = dedupKey ? own(dedup, dedupKey) : undefined;
        if (seen) {
          out.push({
            messageId: seen.messageId,
            md5OfBody: md5,
            md5OfAttributes: md5a,
            md5OfSystem: md5s,
            seq: seen.seq,
          });
          continue;
        }
        const seq = nextSeq++;
        const messageId = uuidV4(random);
        const sequenceNumber = fifo ? String(10n ** 19n + BigInt(seq)) : undefined;
        const delay = m.delay ?? intAttribute(q, 'DelaySeconds');
        await tx.put<MessageRecord>(MESSAGES, `${key}:${String(seq).padStart(16, '0')}`, {
          messageId,
          body: m.body,
          md5OfBody: md5,
          attributes: m.attributes,
          md5OfAttributes: md5a,
          traceHeader: m.system?.AWSTraceHeader?.StringValue,
          sentAt: now,
          visibleAt: now + delay * 1000,
          receiveCount: 0,
          senderId: ctx.caller?.userId ?? '',
          groupId: m.groupId,
          dedupId,
          sequenceNumber,
        });
        if (dedupKey && sequenceNumber)
          put(dedup, dedupKey, { at: now, messageId, seq: sequenceNumber });
        out.push({
          messageId,
          md5OfBody: md5,
          md5OfAttributes: md5a,
          md5OfSystem: md5s,
          seq: sequenceNumber,
        });
      }
      await tx.put<QueueRecord>(QUEUES, key, { ...q, nextSeq, ...(fifo ? { dedup } : {}) });
      return out;
    });
    notifier.notify(key);
    return results;
  }

  function sendResult(r: Sent) {
    return {
      MD5OfMessageBody: r.md5OfBody,
      ...(r.md5OfAttributes ? { MD5OfMessageAttributes: r.md5OfAttributes } : {}),
      ...(r.md5OfSystem ? { MD5OfMessageSystemAttributes: r.md5OfSystem } : {}),
      MessageId: r.messageId,
      ...(r.seq ? { SequenceNumber: r.seq } : {}),
    };
  }

  /**
   * One pass over the queue: takes up to `max` receivable messages and hides them, and moves
   * those received too often to the dead-letter queue `redriveOf` reads from the queue.
   */
  async function receiveOnce(
    key: string,
    max: number,
    visibility: number | undefined,
    redriveOf: (q: QueueRecord) => Redrive | undefined,
  ) {
    return store.transaction(async (tx) => {
      const q = (await tx.get<QueueRecord>(QUEUES, key))?.value;
      if (!q) throw noSuchQueue();
      const now = clock().getTime();
      const retention = intAttribute(q, 'MessageRetentionPeriod') * 1000;
      const vt = visibility ?? intAttribute(q, 'VisibilityTimeout');
      const fifo = isFifoName(q.name);
      const items = await tx.list<MessageRecord>(MESSAGES, { prefix: `${key}:` });
      const locked = new Set<string>();
      if (fifo)
        for (const { value: m } of items)
          if (m.groupId && m.receiveCount > 0 && m.visibleAt > now) locked.add(m.groupId);
      const taken: { key: string; m: MessageRecord; handle: string }[] = [];
      let next: number | undefined;
      // a queue named as its own dead-letter queue keeps its messages where they are: moving
      // one "into" itself would only hide it from every receive
      const policy = redriveOf(q);
      const redrive = policy?.key === key ? undefined : policy;
      let dlq: { key: string; q: QueueRecord } | undefined;
      for (const item of items) {
        const m = item.value;
        if (m.sentAt + retention <= now) {
          await tx.delete(MESSAGES, item.key);
          continue;
        }
        if (redrive && m.visibleAt <= now && m.receiveCount >= redrive.maxReceiveCount) {
          // received maxReceiveCount times and not deleted: off to the dead-letter queue
          if (!dlq) {
            const target = (await tx.get<QueueRecord>(QUEUES, redrive.key))?.value;
            if (target) dlq = { key: redrive.key, q: target };
          }
          if (dlq) {
            const seq = dlq.q.nextSeq;
            dlq.q = { ...dlq.q, nextSeq: seq + 1 };
            await tx.put<MessageRecord>(MESSAGES, `${dlq.key}:${String(seq).padStart(16, '0')}`, {
              ...m,
              visibleAt: now,
              receipt: undefined,
              deadLetterSourceArn: queueArn(q),
            });
            await tx.delete(MESSAGES, item.key);
            continue;
          }
        }
        if (m.visibleAt > now) {
          next = next === undefined ? m.visibleAt : Math.min(next, m.visibleAt);
          if (fifo && m.groupId) locked.add(m.groupId);
          continue;
        }
        if (taken.length >= max || (fifo && m.groupId && locked.has(m.groupId))) continue;
        const nonce = Buffer.from(random(12)).toString('base64url');
        const updated: MessageRecord = {
          ...m,
          receiveCount: m.receiveCount + 1,
          firstReceivedAt: m.firstReceivedAt ?? now,
          receivedAt: now,
          visibleAt: now + vt * 1000,
          receipt: nonce,
        };
        await tx.put(MESSAGES, item.key, updated);
        taken.push({ key: item.key, m: updated, handle: receiptHandle(item.key, nonce) });
      }
      if (dlq) await tx.put<QueueRecord>(QUEUES, dlq.key, dlq.q);
      return {
        taken,
        next,
        moved: dlq?.key,
        waitDefault: intAttribute(q, 'ReceiveMessageWaitTimeSeconds'),
      };
    });
  }

  function render(
    t: { m: MessageRecord; handle: string },
    system: readonly string[],
    userNames: readonly string[],
  ): Record<string, unknown> {
    const m = t.m;
    const sys: Record<string, string | undefined> = {
      SenderId: m.senderId,
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      SequenceNumber: m.sequenceNumber,
      MessageDeduplicationId: m.dedupId,
      MessageGroupId: m.groupId,
      AWSTraceHeader: m.traceHeader,
      DeadLetterQueueSourceArn: m.deadLetterSourceArn,
    };
    const want = system.includes('All') ? SYSTEM_ATTRIBUTES : system;
    const attributes: Record<string, string> = {};
    for (const n of want) {
      const v = sys[n];
      if (v !== undefined && v !== '') attributes[n] = v;
    }
    const user = pick(m.attributes, userNames);
    return {
      MessageId: m.messageId,
      ReceiptHandle: t.handle,
      MD5OfBody: m.md5OfBody,
      Body: m.body,
      ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
      ...(user ? { MD5OfMessageAttributes: md5OfAttributes(user), MessageAttributes: user } : {}),
    };
  }

  /** Deletes one message by receipt handle (a stale handle deletes nothing, as on SQS). */
  async function deleteIn(tx: StoreOps, key: string, handle: string): Promise<void> {
    const r = parseReceipt(handle, key);
    const m = (await tx.get<MessageRecord>(MESSAGES, r.key))?.value;
    if (m && m.receipt === r.nonce) await tx.delete(MESSAGES, r.key);
  }

  /**
   * Sets the visibility timeout of a message in flight (`timeout` seconds from `now`). A handle
   * whose message is gone (deleted, or dropped after the retention period) is refused with
   * `InvalidParameterValue`, as real SQS answers it (the error logs in vmihailenco/taskq#29 and
   * olist/olist-loafer#29); so is the handle of an earlier receive of a message received again
   * since [inferred]. A handle whose visibility timeout already ran out, its message visible
   * again and not received since, is answered OK and changes nothing: LocalStack's test checked
   * against AWS (localstack/localstack#9632), which also found no case where SQS sends the
   * model's `MessageNotInflight`, so irsakit never does.
   */
  async function changeVisibilityIn(
    tx: StoreOps,
    key: string,
    handle: string,
    timeout: number,
    now: number,
  ): Promise<void> {
    if (timeout < 0 || timeout > 43_200)
      throw invalidParameter(
        `Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    const r = parseReceipt(handle, key);
    const m = (await tx.get<MessageRecord>(MESSAGES, r.key))?.value;
    if (!m || m.receipt !== r.nonce)
      throw invalidParameter(
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    if (m.visibleAt <= now) return;
    // a receive's visibility lasts 12 hours from it at most, however often it is extended
    if (m.receivedAt !== undefined) {
      const total = Math.ceil((now - m.receivedAt) / 1000) + timeout;
      if (total > 43_200)
        throw invalidParameter(
          `Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
        ); // [inferred]
    }
    await tx.put<MessageRecord>(MESSAGES, r.key, { ...m, visibleAt: now + timeout * 1000 });
  }

  /**
   * A batch's entries in one transaction: each entry's SQS error becomes its `Failed` entry
   * (and writes nothing), the others' writes commit together.
   */
  async function eachEntry(
    entries: readonly Input[],
    fn: (tx: StoreOps, e: Input) => Promise<void>,
  ): Promise<{ Successful: Record<string, unknown>[]; Failed: Record<string, unknown>[] }> {
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    await store.transaction(async (tx) => {
      for (const e of entries) {
        try {
          await fn(tx, e);
          successful.push({ Id: e.Id });
        } catch (err) {
          failed.push(failure(e.Id as string, err));
        }
      }
    });
    return { Successful: successful, Failed: failed };
  }

  /** The common checks of a batch: 1–10 entries with distinct, well-formed ids. */
  function batchEntries(input: Input, entryName: string): Input[] {
    const entries = objects(input, 'Entries') ?? [];
    if (entries.length === 0)
      throw sqsError(
        'EmptyBatchRequest',
        `There should be at least one ${entryName} in the request.`,
      );
    if (entries.length > 10)
      throw sqsError(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      );
    const ids = new Set<string>();
    for (const e of entries) {
      const id = typeof e.Id === 'string' ? e.Id : '';
      if (!BATCH_ID.test(id))
        throw sqsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      if (ids.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      ids.add(id);
    }
    return entries;
  }

  /** What CloudTrail writes for a message body it was sent. */
  const HIDDEN_BODY = { messageBody: HIDDEN } as const;

  function failure(id: string, e: unknown) {
    if (!(e instanceof AwsError)) throw e;
    return { Id: id, SenderFault: e.fault === 'client', Code: e.code, Message: e.message };
  }

  return {
    async SendMessage(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      ctx.audit.eventCategory = 'Data';
      noteQueue(ctx, r.target, false, {
        queueUrl: r.url,
        ...(input.MessageBody !== undefined ? HIDDEN_BODY : {}),
        ...(input.DelaySeconds !== undefined ? { delaySeconds: input.DelaySeconds } : {}),
        ...(input.MessageGroupId !== undefined ? { messageGroupId: input.MessageGroupId } : {}),
        ...(input.MessageAttributes && typeof input.MessageAttributes === 'object'
          ? { messageAttributeNames: Object.keys(input.MessageAttributes) }
          : {}),
      });
      await authorizeQueue(authorize, ctx, 'SendMessage', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const m = sendRequest(input);
      check(r.queue, m);
      const [res] = await enqueue(ctx, r.key, [m]);
      if (!res) throw new TypeError('enqueue returned no result');
      const out = sendResult(res);
      ctx.audit.responseElements = {
        mD5OfMessageBody: out.MD5OfMessageBody,
        ...(out.MD5OfMessageAttributes
          ? { mD5OfMessageAttributes: out.MD5OfMessageAttributes }
          : {}),
        messageId: out.MessageId,
      };
      return out;
    },

    async SendMessageBatch(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      ctx.audit.eventCategory = 'Data';
      noteQueue(ctx, r.target, false, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'SendMessage', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const entries = batchEntries(input, 'SendMessageBatchRequestEntry');
      ctx.audit.requestParameters = {
        queueUrl: r.url,
        entries: entries.map((e) => ({
          id: e.Id,
          ...(e.MessageBody !== undefined ? HIDDEN_BODY : {}),
        })),
      };
      const q = r.queue;
      const ok: { id: string; req: SendRequest }[] = [];
      const failed: Record<string, unknown>[] = [];
      let total = 0;
      for (const e of entries) {
        try {
          const req = sendRequest(e);
          check(q, req);
          total += Buffer.byteLength(req.body) + attributeBytes(req.attributes);
          ok.push({ id: e.Id as string, req });
        } catch (err) {
          failed.push(failure(e.Id as string, err));
        }
      }
      // the batch's total is capped by SQS's own 1 MiB, whatever the queue's MaximumMessageSize
      // (which each message is checked against): the SendMessageBatch reference
      const max = BATCH_PAYLOAD_BYTES;
      if (total > max)
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${max} bytes. You have sent ${total} bytes.`,
        );
      const results = ok.length
        ? await enqueue(
            ctx,
            r.key,
            ok.map((o) => o.req),
          )
        : [];
      const successful = results.map((res, i) => ({ Id: ok[i]?.id, ...sendResult(res) }));
      return { Successful: successful, Failed: failed };
    },

    async ReceiveMessage(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      const max = int(input, 'MaxNumberOfMessages') ?? 1;
      const visibility = int(input, 'VisibilityTimeout');
      const wait = int(input, 'WaitTimeSeconds');
      const system = [
        ...(strings(input, 'AttributeNames') ?? []),
        ...(strings(input, 'MessageSystemAttributeNames') ?? []),
      ];
      const userNames = strings(input, 'MessageAttributeNames') ?? [];
      ctx.audit.eventCategory = 'Data';
      noteQueue(ctx, r.target, true, {
        queueUrl: r.url,
        ...(input.MaxNumberOfMessages !== undefined ? { maxNumberOfMessages: max } : {}),
        ...(visibility !== undefined ? { visibilityTimeout: visibility } : {}),
        ...(wait !== undefined ? { waitTimeSeconds: wait } : {}),
        ...(system.length ? { attributeNames: system } : {}),
        ...(userNames.length ? { messageAttributeNames: userNames } : {}),
      });
      await authorizeQueue(authorize, ctx, 'ReceiveMessage', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      if (max < 1 || max > 10)
        throw invalidParameter(
          `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
        );
      if (visibility !== undefined && (visibility < 0 || visibility > 43_200))
        throw invalidParameter(
          `Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
        );
      if (wait !== undefined && (wait < 0 || wait > 20))
        throw invalidParameter(
          `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
        );
      for (const n of system)
        if (
          n !== 'All' &&
          !SYSTEM_ATTRIBUTES.includes(n) &&
          n !== 'AWSTraceHeader' &&
          n !== 'SqsManagedSseEnabled'
        )
          throw sqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
      // FIFO: a retry with the attempt id of a receive in the last five minutes gets that
      // receive's messages and receipt handles again (the ReceiveMessage reference), so a
      // consumer whose answer was lost does not wait out the visibility timeout
      const attempt = str(input, 'ReceiveRequestAttemptId');
      if (attempt !== undefined && !/^[\x21-\x7e]{1,128}$/.test(attempt))
        throw invalidParameter(
          `Value ${attempt} for parameter ReceiveRequestAttemptId is invalid. Reason: Must be 1 to 128 alphanumeric or punctuation characters.`,
        ); // [inferred]
      const attemptKey =
        attempt !== undefined && isFifoName(r.target.name) ? `${r.key}\n${attempt}` : undefined;
      if (attemptKey) {
        const seen = await store.get<Attempt>(ATTEMPTS, attemptKey);
        if (seen && clock().getTime() - seen.value.at < ATTEMPT_MS) return seen.value.answer;
      }
      const remember = async (answer: Record<string, unknown>) => {
        if (attemptKey && answer.Messages) {
          const now = clock().getTime();
          await store.transaction(async (tx) => {
            // the queue's attempts older than five minutes go as a new one comes
            for (const old of await tx.list<Attempt>(ATTEMPTS, { prefix: `${r.key}\n` }))
              if (now - old.value.at >= ATTEMPT_MS) await tx.delete(ATTEMPTS, old.key);
            await tx.put<Attempt>(ATTEMPTS, attemptKey, { at: now, answer });
          });
        }
        return answer;
      };
      const started = performance.now();
      const redriveOf = redriveReader();
      let waitMs = -1;
      for (;;) {
        // a receiver that went away (or a server that stops) takes nothing
        if (ctx.signal?.aborted) return {};
        const once = await receiveOnce(r.key, max, visibility, redriveOf);
        if (once.moved) notifier.notify(once.moved);
        if (waitMs < 0) waitMs = (wait ?? once.waitDefault) * 1000;
        if (once.taken.length > 0)
          return remember({ Messages: once.taken.map((t) => render(t, system, userNames)) });
        const left = waitMs - (performance.now() - started);
        if (left <= 0) return {};
        // sleep until a send notifies, the next hidden message becomes visible, or the wait ends
        const untilVisible = once.next === undefined ? left : once.next - clock().getTime();
        await notifier.wait(r.key, Math.min(left, Math.max(untilVisible, 1)), ctx.signal);
      }
    },

    async DeleteMessage(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      ctx.audit.eventCategory = 'Data';
      noteQueue(ctx, r.target, false, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'DeleteMessage', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const handle = str(input, 'ReceiptHandle', true);
      await store.transaction((tx) => deleteIn(tx, r.key, handle));
      return {};
    },

    async DeleteMessageBatch(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      ctx.audit.eventCategory = 'Data';
      noteQueue(ctx, r.target, false, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'DeleteMessage', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const entries = batchEntries(input, 'DeleteMessageBatchRequestEntry');
      ctx.audit.requestParameters = {
        queueUrl: r.url,
        entries: entries.map((e) => ({ id: e.Id })),
      };
      return eachEntry(entries, (tx, e) => deleteIn(tx, r.key, str(e, 'ReceiptHandle', true)));
    },

    async ChangeMessageVisibility(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      ctx.audit.eventCategory = 'Data';
      const timeout = int(input, 'VisibilityTimeout');
      noteQueue(ctx, r.target, false, { queueUrl: r.url, visibilityTimeout: timeout });
      await authorizeQueue(authorize, ctx, 'ChangeMessageVisibility', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      if (timeout === undefined) throw missingParameter('VisibilityTimeout');
      const handle = str(input, 'ReceiptHandle', true);
      await store.transaction((tx) =>
        changeVisibilityIn(tx, r.key, handle, timeout, clock().getTime()),
      );
      if (timeout === 0) notifier.notify(r.key);
      return {};
    },

    async ChangeMessageVisibilityBatch(ctx, input) {
      const r = await resolveQueue(deps, ctx, input);
      ctx.audit.eventCategory = 'Data';
      noteQueue(ctx, r.target, false, { queueUrl: r.url });
      await authorizeQueue(authorize, ctx, 'ChangeMessageVisibility', r.target, r.queue);
      if (!r.queue) throw noSuchQueue();
      const entries = batchEntries(input, 'ChangeMessageVisibilityBatchRequestEntry');
      const now = clock().getTime();
      let visibleNow = false;
      const out = await eachEntry(entries, async (tx, e) => {
        const timeout = int(e, 'VisibilityTimeout');
        if (timeout === undefined) throw missingParameter('VisibilityTimeout');
        await changeVisibilityIn(tx, r.key, str(e, 'ReceiptHandle', true), timeout, now);
        if (timeout === 0) visibleNow = true;
      });
      if (visibleNow) notifier.notify(r.key);
      return out;
    },
  };
}
