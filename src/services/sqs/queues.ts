/**
 * Queue names, URLs, ARNs and attributes as SQS defines them: names of 1–80 alphanumerics,
 * hyphens and underscores (`.fifo` at the end for FIFO queues); URLs
 * `<origin>/<account>/<name>` built from the Host the client reached (so the JS SDK, which
 * sends requests to the QueueUrl's origin, comes back here); the settable attributes with
 * their ranges and defaults, and the read-only ones SQS computes.
 */
import { invalidParameter, sqsError } from './errors.js';
import type { QueueRecord } from './types.js';
import { table } from '../../common/own.js';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const ACCOUNT = /^\d{12}$/;

/** Integer attributes: [min, max, default]. */
export const INTEGER_ATTRIBUTES: Readonly<Record<string, readonly [number, number, number]>> =
  table({
    DelaySeconds: [0, 900, 0],
    MaximumMessageSize: [1024, 1_048_576, 1_048_576],
    MessageRetentionPeriod: [60, 1_209_600, 345_600],
    ReceiveMessageWaitTimeSeconds: [0, 20, 0],
    VisibilityTimeout: [0, 43_200, 30],
    KmsDataKeyReusePeriodSeconds: [60, 86_400, 300],
  });

const BOOLEAN_ATTRIBUTES = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'SqsManagedSseEnabled',
]);
const JSON_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']);
const ENUM_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = table({
  DeduplicationScope: ['messageGroup', 'queue'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
});
const FIFO_ONLY = new Set([
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** Attributes SQS computes; GetQueueAttributes accepts them, Set/CreateQueue do not. */
export const COMPUTED_ATTRIBUTES: readonly string[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];

export const SETTABLE_ATTRIBUTES: readonly string[] = [
  ...Object.keys(INTEGER_ATTRIBUTES),
  ...BOOLEAN_ATTRIBUTES,
  ...JSON_ATTRIBUTES,
  ...Object.keys(ENUM_ATTRIBUTES),
  'KmsMasterKeyId',
];

/** The key a queue is stored under. */
export function queueKey(region: string, account: string, name: string): string {
  return `${region}:${account}:${name}`;
}

export function queueArn(q: Pick<QueueRecord, 'region' | 'account' | 'name'>): string {
  return `arn:aws:sqs:${q.region}:${q.account}:${q.name}`;
}

/** The queue's URL as the caller reached the service (`http://127.0.0.1:4577/<acct>/<name>`). */
export function queueUrl(endpoint: string, account: string, name: string): string {
  return `${endpoint}/${account}/${name}`;
}

export function isFifoName(name: string): boolean {
  return name.endsWith('.fifo');
}

/**
 * Checks a queue name for CreateQueue; FIFO queues need the `.fifo` suffix and the
 * `FifoQueue` attribute together.
 *
 * @example
 * checkQueueName('orders', false) // ok; checkQueueName('bad name', false) throws InvalidParameterValue
 */
/** Whether `name` is a queue name SQS could have made (standard or FIFO). */
export function isQueueName(name: string): boolean {
  return NAME.test(name) || FIFO_NAME.test(name);
}

export function checkQueueName(name: string, fifo: boolean): void {
  if (fifo || isFifoName(name)) {
    if (!fifo || !FIFO_NAME.test(name))
      throw invalidParameter(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    return;
  }
  if (!NAME.test(name))
    throw invalidParameter(
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
}

/**
 * The account and name a QueueUrl points at. Any origin is accepted (a URL copied from
 * another host still names the same queue); the path must be `/<account>/<name>`.
 *
 * @example
 * parseQueueUrl('http://127.0.0.1:4577/123456789012/orders') // → { account: '123456789012', name: 'orders' }
 */
export function parseQueueUrl(url: string): { account: string; name: string } {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    // a bare path, as the query protocol's request target is
    path = url.startsWith('/') ? url : '';
  }
  const parts = path.split('/').filter((p) => p !== '');
  const [account, name] = parts;
  if (parts.length !== 2 || !account || !name || !ACCOUNT.test(account))
    // [inferred] SQS's text for a URL it cannot read
    throw sqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  if (!NAME.test(name) && !FIFO_NAME.test(name)) throw noQueueNamed();
  return { account, name: decodeURIComponent(name) };
}

function noQueueNamed() {
  return sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}

const invalidValue = (name: string) =>
  sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);

/**
 * Validates attributes for CreateQueue or SetQueueAttributes and returns them normalised
 * (booleans lower-case). The Policy's own check is the caller's (it needs the policy engine).
 */
export function checkAttributes(
  attrs: Readonly<Record<string, string>>,
  opts: { fifo: boolean; creating: boolean },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attrs)) {
    const value = String(raw);
    if (!SETTABLE_ATTRIBUTES.includes(name))
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    if (FIFO_ONLY.has(name) && !opts.fifo)
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    if (name === 'FifoQueue' && !opts.creating) throw invalidValue(name);
    const range = INTEGER_ATTRIBUTES[name];
    if (range) {
      if (!/^\d+$/.test(value)) throw invalidValue(name);
      const n = Number(value);
      if (n < range[0] || n > range[1]) throw invalidValue(name);
      out[name] = String(n);
      continue;
    }
    if (BOOLEAN_ATTRIBUTES.has(name)) {
      const v = value.toLowerCase();
      if (v !== 'true' && v !== 'false') throw invalidValue(name);
      out[name] = v;
      continue;
    }
    const allowed = ENUM_ATTRIBUTES[name];
    if (allowed && !allowed.includes(value)) throw invalidValue(name);
    if (JSON_ATTRIBUTES.has(name) && value !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw invalidValue(name);
      }
      if (name === 'RedriveAllowPolicy' && !redriveAllowOf(parsed)) throw invalidValue(name);
      // kept as SQS echoes it: compact, the count a number
      if (name === 'RedrivePolicy' && typeof parsed === 'object' && parsed !== null) {
        const o = parsed as Record<string, unknown>;
        const count = Number(o.maxReceiveCount);
        out[name] = JSON.stringify({
          ...o,
          ...(o.maxReceiveCount !== undefined && Number.isFinite(count)
            ? { maxReceiveCount: count }
            : {}),
        });
        continue;
      }
    }
    out[name] = value;
  }
  if (out.FifoQueue === 'false') delete out.FifoQueue;
  return out;
}

/**
 * A queue's RedriveAllowPolicy, read: which source queues may name it as their dead-letter
 * queue (`allowAll`, `denyAll`, or `byQueue` with 1–10 source queue ARNs: the CreateQueue
 * reference). Undefined when it is not one.
 */
export function redriveAllowOf(
  v: unknown,
): { permission: 'allowAll' | 'denyAll' | 'byQueue'; sources: string[] } | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as { redrivePermission?: unknown; sourceQueueArns?: unknown };
  const p = o.redrivePermission;
  if (p !== 'allowAll' && p !== 'denyAll' && p !== 'byQueue') return undefined;
  const arns = o.sourceQueueArns;
  if (p !== 'byQueue') return arns === undefined ? { permission: p, sources: [] } : undefined;
  if (
    !Array.isArray(arns) ||
    arns.length < 1 ||
    arns.length > 10 ||
    !arns.every((a) => typeof a === 'string')
  )
    return undefined;
  return { permission: p, sources: arns as string[] };
}

/**
 * FIFO high throughput: per-message-group throughput only with per-message-group
 * deduplication (the CreateQueue reference). `attrs` are the queue's, merged.
 */
export function checkFifoThroughput(attrs: Readonly<Record<string, string>>): void {
  if (
    attrs.FifoThroughputLimit === 'perMessageGroupId' &&
    (attrs.DeduplicationScope ?? 'queue') !== 'messageGroup'
  )
    throw invalidValue('FifoThroughputLimit');
}

/** The queue's settable attributes with SQS's defaults filled in. */
export function effectiveAttributes(q: QueueRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, [, , def]] of Object.entries(INTEGER_ATTRIBUTES)) {
    if (name === 'KmsDataKeyReusePeriodSeconds' && !q.attributes.KmsMasterKeyId) continue;
    out[name] = q.attributes[name] ?? String(def);
  }
  out.SqsManagedSseEnabled =
    q.attributes.SqsManagedSseEnabled ?? (q.attributes.KmsMasterKeyId ? 'false' : 'true');
  if (isFifoName(q.name)) {
    out.FifoQueue = 'true';
    out.ContentBasedDeduplication = q.attributes.ContentBasedDeduplication ?? 'false';
    out.DeduplicationScope = q.attributes.DeduplicationScope ?? 'queue';
    out.FifoThroughputLimit = q.attributes.FifoThroughputLimit ?? 'perQueue';
  }
  for (const name of ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId']) {
    const v = q.attributes[name];
    if (v !== undefined && v !== '') out[name] = v;
  }
  return out;
}

/** The number an integer attribute has on this queue. */
export function intAttribute(q: QueueRecord, name: keyof typeof INTEGER_ATTRIBUTES): number {
  return Number(q.attributes[name] ?? INTEGER_ATTRIBUTES[name]?.[2] ?? 0);
}

/**
 * A queue's RedrivePolicy as receive uses it: the dead-letter queue's store key and the
 * receive count after which a message moves there (undefined when there is none). A
 * dead-letter queue is in the source queue's account and region; a policy naming another
 * (one stored before that was checked) moves nothing.
 */
export function redrivePolicy(
  q: QueueRecord,
): { key: string; maxReceiveCount: number } | undefined {
  const text = q.attributes.RedrivePolicy;
  if (!text) return undefined;
  const r = readRedrive(text);
  if (!r || r.account !== q.account || r.region !== q.region) return undefined;
  return { key: queueKey(r.region, r.account, r.name), maxReceiveCount: r.maxReceiveCount };
}

/** Parses a RedrivePolicy (`{"deadLetterTargetArn": …, "maxReceiveCount": …}`). */
export function readRedrive(
  text: string,
): { region: string; account: string; name: string; maxReceiveCount: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const o = (v ?? {}) as Record<string, unknown>;
  const m = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,80})$/.exec(
    String(o.deadLetterTargetArn ?? ''),
  );
  const count = Number(o.maxReceiveCount);
  if (!m || !Number.isInteger(count) || count < 1 || count > 1000) return undefined;
  return {
    region: m[1] as string,
    account: m[2] as string,
    name: m[3] as string,
    maxReceiveCount: count,
  };
}
