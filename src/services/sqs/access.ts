/**
 * Authorization of SQS calls: `sqs:<Action>` on `arn:aws:sqs:<region>:<account>:<name>`, with
 * the queue's `Policy` attribute as the resource policy (a caller from another account needs
 * both sides), `aws:ResourceTag/*` from the queue's tags, and the refusal worded as SQS words
 * it — the action in lower case ("…is not authorized to perform: sqs:sendmessage on resource:
 * arn:aws:sqs:…").
 */
import { AwsError } from '../../common/aws-error.js';
import { boundedCache } from '../../common/bounded-cache.js';
import { loadPolicy } from '../../policy/index.js';
import type { CompiledPolicy } from '../../policy/compile-policy.js';
import type { ContextInput } from '../../policy/context.js';
import type { Authorize } from '../../server/aws/authorize.js';
import type { CallContext } from '../../server/aws/types.js';
import { queueArn } from './queues.js';
import type { QueueRecord } from './types.js';

const compiled = boundedCache<CompiledPolicy>(512);

/**
 * Checks a queue policy as SetQueueAttributes does (a resource policy, engine-validated) and
 * returns it compiled; an invalid one is `InvalidAttributeValue` for `Policy` [inferred text].
 *
 * @example
 * compileQueuePolicy(text, 'arn:aws:sqs:us-east-1:123456789012:orders')
 */
export function compileQueuePolicy(text: string, arn: string, mode: 'save' | 'evaluate' = 'save') {
  return compiled.get(`${mode}\u0000${arn}\u0000${text}`, () => {
    const r = loadPolicy(text, 'resource', { id: arn, mode, sizeLimit: null });
    if (!r.ok)
      throw new AwsError('InvalidAttributeValue', 400, 'Invalid value for the parameter Policy.', {
        detail: r.error,
      });
    return r.policy;
  });
}

export interface QueueTarget {
  region: string;
  account: string;
  name: string;
}

/**
 * Authorizes `sqs:<action>` on a queue (existing or not yet: then without resource policy
 * or tags).
 *
 * @example
 * await authorizeQueue(authorize, ctx, 'SendMessage', target, queue);
 */
export async function authorizeQueue(
  authorize: Authorize,
  ctx: CallContext,
  action: string,
  target: QueueTarget,
  queue?: QueueRecord | undefined,
  context: ContextInput = {},
): Promise<void> {
  const full = `sqs:${action}`;
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(queue?.tags ?? {})) tags[`aws:ResourceTag/${k}`] = v;
  const policy = queue?.attributes.Policy;
  await authorize(ctx, {
    action: full,
    resource: queueArn(target),
    resourceAccount: target.account,
    resourcePolicy: policy ? compileQueuePolicy(policy, queueArn(target), 'evaluate') : undefined,
    context: { ...tags, ...context },
    deniedMessage: ({ standard }) => standard.split(full).join(full.toLowerCase()),
  });
}

/** ListQueues names no queue: SQS authorizes it on `arn:aws:sqs:<region>:<account>:`. */
export async function authorizeAccount(
  authorize: Authorize,
  ctx: CallContext,
  action: string,
  account: string,
): Promise<void> {
  const full = `sqs:${action}`;
  await authorize(ctx, {
    action: full,
    resource: `arn:aws:sqs:${ctx.region}:${account}:`,
    resourceAccount: account,
    deniedMessage: ({ standard }) => standard.split(full).join(full.toLowerCase()),
  });
}
