/**
 * SQS on the wire (spec/aws-wire.md §6.1, §7.3): the JSON 1.0 protocol botocore ≥ 1.34.90 and
 * the JS SDK v3 speak (`X-Amz-Target: AmazonSQS.<Op>`), and the query protocol of older
 * clients (`Action=SendMessage&Version=2012-11-05`, posted to `/` or to the queue URL),
 * answered with SQS's Query XML — flattened lists (`<QueueUrl>` repeated, `<Message>`,
 * `<Attribute><Name/><Value/></Attribute>`), unlike IAM's `<member>` lists. Both are turned
 * into the JSON input shape the operations read.
 */
import { own, put, table } from '../../common/own.js';
import { QUERY_NAMESPACES, escapeXml } from '../../server/aws/query-xml.js';
import type { Input } from './params.js';

const LISTS: Readonly<Record<string, string>> = table({
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
});
const IGNORED =
  /^(Action|Version|X-Amz-.*|AWSAccessKeyId|Signature|SignatureMethod|SignatureVersion|Timestamp|Expires|SecurityToken)$/;

/**
 * Segments no SQS member is named and that would reach an object's prototype if walked
 * (`MessageAttribute.1.__proto__.x=y`): a parameter naming one is ignored, as any parameter
 * SQS does not know is.
 */
const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Sets `o.<path>` = value, descending into own properties only and defining each one. */
function setPath(o: Record<string, unknown>, path: string[], value: string): void {
  if (path.some((k) => UNSAFE_SEGMENTS.has(k))) return;
  let cur = o;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    let next = own(cur, k);
    if (typeof next !== 'object' || next === null) put(cur, k, (next = {}));
    cur = next as Record<string, unknown>;
  }
  put(cur, path[path.length - 1] as string, value);
}

/** Flattened query parameters → the JSON input shape (one level, for batch entries too). */
function fromPairs(pairs: [string, string][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lists = new Map<string, [number, string][]>();
  const groups = new Map<string, Map<number, [string, string][]>>();
  for (const [key, value] of pairs) {
    const parts = key.split('.');
    const head = parts[0] as string;
    if (parts.length === 1) {
      put(out, head, value);
      continue;
    }
    const index = Number(parts[1]);
    if (!Number.isInteger(index)) continue;
    const listName = own(LISTS, head);
    if (listName && parts.length === 2) {
      let list = lists.get(listName);
      if (!list) lists.set(listName, (list = []));
      list.push([index, value]);
      continue;
    }
    let g = groups.get(head);
    if (!g) groups.set(head, (g = new Map()));
    let entry = g.get(index);
    if (!entry) g.set(index, (entry = []));
    entry.push([parts.slice(2).join('.'), value]);
  }
  for (const [name, list] of lists) out[name] = list.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  for (const [head, g] of groups) {
    const ordered = [...g.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
    if (head === 'Attribute' || head === 'Tag') {
      const map: Record<string, string> = {};
      for (const e of ordered) {
        const f = Object.fromEntries(e);
        const k = own(f, 'Name') ?? own(f, 'Key');
        if (k !== undefined) put(map, k, own(f, 'Value') ?? '');
      }
      out[head === 'Attribute' ? 'Attributes' : 'Tags'] = map;
    } else if (head === 'MessageAttribute' || head === 'MessageSystemAttribute') {
      const map: Record<string, unknown> = {};
      for (const e of ordered) {
        const f: Record<string, unknown> = {};
        for (const [k, v] of e) setPath(f, k.split('.'), v);
        const name = own(f, 'Name');
        if (typeof name === 'string') put(map, name, own(f, 'Value') ?? {});
      }
      out[`${head}s`] = map;
    } else if (head.endsWith('RequestEntry')) {
      out.Entries = ordered.map((e) => fromPairs(e));
    }
  }
  return out;
}

/**
 * The query protocol's parameters as the operations' input; the queue URL may also be the
 * request's path (`POST /123456789012/orders`).
 *
 * @example
 * queryInput(new Map([['Action', 'SendMessage'], ['MessageBody', 'hi']]), 'http://h', '/123456789012/q')
 */
export function queryInput(
  params: ReadonlyMap<string, string>,
  endpoint: string,
  path: string,
): Input {
  const pairs = [...params].filter(([k]) => !IGNORED.test(k));
  const input = fromPairs(pairs);
  if (input.QueueUrl === undefined && /^\/\d{12}\/[^/]+\/?$/.test(path))
    input.QueueUrl = `${endpoint}${path.replace(/\/$/, '')}`;
  return input;
}

const BATCH_RESULT: Readonly<Record<string, string>> = table({
  SendMessageBatch: 'SendMessageBatchResultEntry',
  DeleteMessageBatch: 'DeleteMessageBatchResultEntry',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibilityBatchResultEntry',
});

/** Operations whose query response has no `<OpResult>` element. */
const NO_RESULT = new Set([
  'DeleteMessage',
  'DeleteQueue',
  'SetQueueAttributes',
  'PurgeQueue',
  'ChangeMessageVisibility',
  'TagQueue',
  'UntagQueue',
  'AddPermission',
  'RemovePermission',
]);

function el(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

function scalar(v: unknown): string {
  return escapeXml(String(v));
}

function messageAttributeXml(attrs: Record<string, Record<string, unknown>>): string {
  return Object.entries(attrs)
    .map(([name, a]) =>
      el(
        'MessageAttribute',
        el('Name', scalar(name)) +
          el(
            'Value',
            (a.StringValue !== undefined ? el('StringValue', scalar(a.StringValue)) : '') +
              (a.BinaryValue !== undefined ? el('BinaryValue', scalar(a.BinaryValue)) : '') +
              el('DataType', scalar(a.DataType)),
          ),
      ),
    )
    .join('');
}

function members(op: string, o: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (k === 'QueueUrls' || k === 'queueUrls')
      out += (v as string[]).map((u) => el('QueueUrl', scalar(u))).join('');
    else if (k === 'Messages')
      out += (v as Record<string, unknown>[]).map((m) => el('Message', members(op, m))).join('');
    else if (k === 'Attributes')
      out += Object.entries(v as Record<string, string>)
        .map(([n, x]) => el('Attribute', el('Name', scalar(n)) + el('Value', scalar(x))))
        .join('');
    else if (k === 'MessageAttributes')
      out += messageAttributeXml(v as Record<string, Record<string, unknown>>);
    else if (k === 'Tags')
      out += Object.entries(v as Record<string, string>)
        .map(([n, x]) => el('Tag', el('Key', scalar(n)) + el('Value', scalar(x))))
        .join('');
    else if (k === 'Successful')
      out += (v as Record<string, unknown>[])
        .map((e) => el(BATCH_RESULT[op] ?? 'ResultEntry', members(op, e)))
        .join('');
    else if (k === 'Failed')
      out += (v as Record<string, unknown>[])
        .map((e) => el('BatchResultErrorEntry', members(op, e)))
        .join('');
    else out += el(k, scalar(v));
  }
  return out;
}

/**
 * An operation's output as SQS's Query XML.
 *
 * @example
 * renderSqsQuery('GetQueueUrl', { QueueUrl: 'http://h/123456789012/q' }, requestId)
 */
export function renderSqsQuery(
  op: string,
  output: Record<string, unknown>,
  requestId: string,
): string {
  const ns = QUERY_NAMESPACES.sqs;
  const result = NO_RESULT.has(op) ? '' : el(`${op}Result`, members(op, output));
  return `<?xml version="1.0"?><${op}Response xmlns="${ns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
}
