/**
 * Amazon SQS on the edge: the operations (src/services/sqs/*-ops.ts) behind both of SQS's
 * protocols, every call authorized by IAM and the queue policy, errors in the caller's
 * protocol with the query-compatible `x-amzn-query-error` header for JSON.
 */
import { AwsError } from '../../common/aws-error.js';
import { parseJsonBody } from '../../server/aws/json-body.js';
import type { RawRequest, Route } from '../../server/aws/request.js';
import type { CallContext, ServiceHandler } from '../../server/aws/types.js';
import { forProtocol } from './errors.js';
import { messageOperations } from './message-ops.js';
import { QueueNotifier } from './notifier.js';
import { type SqsOperation, queueOperations } from './queue-ops.js';
import type { SqsDeps } from './types.js';
import { queryInput, renderSqsQuery } from './wire.js';

export type { SqsDeps } from './types.js';
export { QueueNotifier } from './notifier.js';

/**
 * The SQS operations by name, over the store (for tests and the handler).
 *
 * @example
 * const ops = createSqsOperations(deps);
 * await ops.CreateQueue(ctx, { QueueName: 'orders' });
 */
export function createSqsOperations(
  deps: SqsDeps,
  notifier: QueueNotifier = new QueueNotifier(),
): Readonly<Record<string, SqsOperation>> {
  return { ...queueOperations(deps), ...messageOperations(deps, notifier) };
}

/**
 * The SQS service handler the edge dispatches to (`services.sqs`).
 *
 * @example
 * services.sqs = createSqsService({ store, clock, random, authorize });
 */
export function createSqsService(deps: SqsDeps, notifier?: QueueNotifier): ServiceHandler {
  const ops = createSqsOperations(deps, notifier);
  const handler: ServiceHandler = async (ctx: CallContext, raw: RawRequest, route: Route) => {
    const protocol = route.protocol === 'query' ? 'query' : 'json';
    try {
      const name = route.operation ?? '';
      const op = Object.hasOwn(ops, name) ? ops[name] : undefined;
      if (protocol === 'query') {
        if (!name) throw new AwsError('MissingAction', 400, 'Missing Action');
        if (!op)
          throw new AwsError(
            'InvalidAction',
            400,
            `The action ${name} is not valid for this web service.`,
          );
        const out = await op(ctx, queryInput(route.params ?? new Map(), ctx.endpoint, raw.path));
        return {
          status: 200,
          headers: { 'Content-Type': 'text/xml' },
          body: renderSqsQuery(name, out, ctx.requestId),
        };
      }
      if (!op) throw new AwsError('UnknownOperationException', 400, `Unknown operation ${name}`);
      const out = await op(ctx, parseJsonBody(raw.body));
      return {
        status: 200,
        headers: { 'Content-Type': 'application/x-amz-json-1.0' },
        body: JSON.stringify(out),
      };
    } catch (e) {
      if (e instanceof AwsError) throw forProtocol(protocol, e);
      throw e;
    }
  };
  handler.describe = (_raw, route) => {
    const name = route.operation ?? '';
    if (!Object.hasOwn(ops, name)) return undefined;
    return {
      eventName: name,
      eventSource: 'sqs.amazonaws.com',
      readOnly: /^(Get|List|Receive)/.test(name),
      eventCategory: MESSAGE_OPERATIONS.has(name) ? 'Data' : 'Management',
    };
  };
  handler.queryActions = new Set(Object.keys(ops));
  return handler;
}

/** the operations on messages: CloudTrail data events */
const MESSAGE_OPERATIONS = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
]);
