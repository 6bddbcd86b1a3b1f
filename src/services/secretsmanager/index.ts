/**
 * AWS Secrets Manager on the edge (JSON 1.1, `X-Amz-Target: secretsmanager.<Op>`; every
 * error HTTP 400 JSON, spec/aws-wire.md §7.5, §9): the operations in operations.ts, each
 * authorized by IAM and the secret's resource policy.
 */
import { AwsError } from '../../common/aws-error.js';
import { parseJsonBody } from '../../server/aws/json-body.js';
import type { RawRequest, Route } from '../../server/aws/request.js';
import type { CallContext, ServiceHandler } from '../../server/aws/types.js';
import { secretsManagerOperations } from './operations.js';
import type { SecretsManagerDeps } from './types.js';

export type { SecretsManagerDeps } from './types.js';

/**
 * The Secrets Manager service handler (`services.secretsmanager`).
 *
 * @example
 * services.secretsmanager = createSecretsManagerService({ store, clock, random, authorize, serverKey });
 */
export function createSecretsManagerService(deps: SecretsManagerDeps): ServiceHandler {
  const ops = secretsManagerOperations(deps);
  return async (ctx: CallContext, raw: RawRequest, route: Route) => {
    const name = route.operation ?? '';
    const op = route.protocol === 'json' && Object.hasOwn(ops, name) ? ops[name] : undefined;
    if (!op)
      throw new AwsError(
        'UnknownOperationException',
        400,
        route.protocol === 'json'
          ? `Unknown operation ${name}`
          : 'Secrets Manager speaks the JSON 1.1 protocol only',
      );
    const out = await op(ctx, parseJsonBody(raw.body));
    return {
      status: 200,
      headers: { 'Content-Type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(out),
    };
  };
}
