/**
 * AWS Secrets Manager on the edge (JSON 1.1, `X-Amz-Target: secretsmanager.<Op>`; every
 * error HTTP 400 JSON, spec/aws-wire.md §7.5, §9): the operations in operations.ts, each
 * authorized by IAM and the secret's resource policy.
 */
import { AwsError } from '../../common/aws-error.js';
import type { RawRequest, Route } from '../../server/aws/request.js';
import type { CallContext, ServiceHandler } from '../../server/aws/types.js';
import { type Input, type SmOperation, secretsManagerOperations } from './operations.js';
import type { SecretsManagerDeps } from './types.js';
import { parseJsonBody } from '../../server/aws/json-body.js';

export type { SecretsManagerDeps } from './types.js';

/**
 * The Secrets Manager operations by name (for tests and the handler).
 *
 * @example
 * const ops = createSecretsManagerOperations(deps);
 * await ops.CreateSecret(ctx, { Name: 'db', SecretString: 's3cr3t' });
 */
export function createSecretsManagerOperations(
  deps: SecretsManagerDeps,
): Readonly<Record<string, SmOperation>> {
  return secretsManagerOperations(deps);
}

/** The request's input: see `parseJsonBody`. */
export function parseBody(body: Buffer): Input {
  return parseJsonBody(body) as Input;
}

/**
 * The Secrets Manager service handler (`services.secretsmanager`).
 *
 * @example
 * services.secretsmanager = createSecretsManagerService({ store, clock, random, authorize, serverKey });
 */
export function createSecretsManagerService(deps: SecretsManagerDeps): ServiceHandler {
  const ops = createSecretsManagerOperations(deps);
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
    const out = await op(ctx, parseBody(raw.body));
    return {
      status: 200,
      headers: { 'Content-Type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(out),
    };
  };
}
