/**
 * A test kit for the DynamoDB service: a real SqliteStore in memory, a fixed clock, an
 * authorizer that records every request (condition keys included) and can be told to refuse,
 * and `call(op, body)` through the service handler exactly as the edge calls it. Used by the
 * colocated tests; never by production code.
 */
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import { TEST_NOW, callContext } from '../../iam/testing.js';
import type { AuthorizeRequest } from '../../server/aws/authorize.js';
import type { CallContext } from '../../server/aws/types.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { createDynamoDbService } from './service.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Failure {
  code: string;
  status: number;
  message: string;
}

export interface DynamoKit {
  store: SqliteStore;
  clock: ReturnType<typeof fixedClock>;
  /** every authorization request, in order */
  authorized: AuthorizeRequest[];
  refuse(deny: (r: AuthorizeRequest) => boolean): void;
  /** a fresh call context (the admin user of the test account) */
  ctx(): CallContext;
  /** calls an operation; body as an object or raw text */
  call(op: string, body: object | string, ctx?: CallContext): Promise<Answer>;
  /** calls an operation that must fail; its error */
  fail(op: string, body: object | string, ctx?: CallContext): Promise<Failure>;
  close(): Promise<void>;
}

/** Starts a kit. */
export function dynamoKit(): DynamoKit {
  const store = new SqliteStore(':memory:');
  const clock = fixedClock(TEST_NOW);
  const authorized: AuthorizeRequest[] = [];
  let deny: (r: AuthorizeRequest) => boolean = () => false;
  const handler = createDynamoDbService({
    store,
    clock,
    authorize: async (ctx, req) => {
      authorized.push(req);
      if (deny(req))
        throw new AwsError(
          req.deniedCode?.code ?? 'AccessDenied',
          req.deniedCode?.status ?? 403,
          `User: ${ctx.caller?.principal.id ?? ''} is not authorized to perform: ${req.action} on resource: ${req.resource} because no identity-based policy allows the ${req.action} action`,
        );
    },
  });
  const kit: DynamoKit = {
    store,
    clock,
    authorized,
    refuse(d) {
      deny = d;
    },
    ctx: () => callContext(),
    async call(op, body, ctx = callContext()) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const r = await handler(
        ctx,
        {
          method: 'POST',
          target: '/',
          path: '/',
          rawQuery: '',
          rawHeaders: [['X-Amz-Target', `DynamoDB_20120810.${op}`]],
          body: Buffer.from(text),
          sourceIp: '127.0.0.1',
          secure: false,
        },
        { service: 'dynamodb', protocol: 'json', operation: op },
      );
      const out = String(r.body ?? '');
      return { status: r.status, headers: r.headers ?? {}, text: out, body: JSON.parse(out) };
    },
    async fail(op, body, ctx) {
      try {
        await kit.call(op, body, ctx);
      } catch (e) {
        if (e instanceof AwsError)
          return { code: e.code, status: e.httpStatus, message: e.message };
        throw e;
      }
      throw new Error(`${op} succeeded`);
    },
    close: () => store.close(),
  };
  return kit;
}
