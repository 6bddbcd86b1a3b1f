/**
 * SQS as irsakit stores it: queues (collection `sqs-queues`, key `<region>:<account>:<name>`)
 * and their messages (collection `sqs-messages`, key `<queue key>:<16-digit sequence>`, so a
 * prefix lists one queue's messages in the order they were sent).
 */
import type { Clock } from '../../common/clock.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { Store } from '../../store/types.js';

export const QUEUES = 'sqs-queues';
export const MESSAGES = 'sqs-messages';
/** queues deleted in the last 60 seconds (a name cannot be reused before then) */
export const DELETED = 'sqs-deleted-queues';
/**
 * FIFO receives by queue and ReceiveRequestAttemptId (`<queue key>\n<attempt id>`), kept five
 * minutes: in the store, so that a retry reaching another edge replica gets the same answer
 */
export const ATTEMPTS = 'sqs-receive-attempts';

/** A message attribute as the JSON protocol carries it (binary values base64). */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string | undefined;
  BinaryValue?: string | undefined;
}

export interface QueueRecord {
  name: string;
  account: string;
  region: string;
  /** settable attributes, as strings (VisibilityTimeout, Policy, …) */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** epoch seconds */
  createdAt: number;
  lastModifiedAt: number;
  /** the next message sequence number */
  nextSeq: number;
  /** FIFO: deduplication id → when it was sent (epoch ms) and the message it named */
  dedup?: Record<string, { at: number; messageId: string; seq: string }> | undefined;
}

export interface MessageRecord {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes?: Record<string, MessageAttribute> | undefined;
  md5OfAttributes?: string | undefined;
  /** the AWSTraceHeader system attribute it was sent with */
  traceHeader?: string | undefined;
  /** epoch ms */
  sentAt: number;
  /** epoch ms from which the message can be received */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number | undefined;
  /** epoch ms of the latest receive (its visibility timeout counts 12 hours from it at most) */
  receivedAt?: number | undefined;
  /** the queue it was moved from, as a dead-letter queue's message (DeadLetterQueueSourceArn) */
  deadLetterSourceArn?: string | undefined;
  /** the nonce of the latest receipt handle; undefined until received */
  receipt?: string | undefined;
  senderId: string;
  groupId?: string | undefined;
  dedupId?: string | undefined;
  sequenceNumber?: string | undefined;
}

export interface SqsDeps {
  store: Store;
  clock: Clock;
  /** n random bytes */
  random: (n: number) => Uint8Array;
  authorize: Authorize;
}
