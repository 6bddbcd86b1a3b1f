/**
 * A test kit for IAM and its readers (STS, the services): a real SqliteStore in memory, a
 * fixed clock, a repeatable random source, an authorizer that records every call and can be
 * told to refuse, the operations table and the directory, and call contexts for the admin
 * user or any principal. Used by the colocated tests; never by production code.
 */
import { AwsError } from '../common/aws-error.js';
import { type Clock, fixedClock } from '../common/clock.js';
import type { CallContext, QueryParams, QueryResult } from '../server/aws/types.js';
import type { RequestPrincipal } from '../policy/types.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ADMIN_USER, type AccountKey, ensureAccount } from './account.js';
import type { AwsPolicyCatalog } from './aws-managed/catalog.js';
import type { IamDirectory } from './directory.js';
import { createIamDirectory } from './iam-directory.js';
import { createIamOperations } from './operations/index.js';
import type { RandomSource } from './types.js';

export const TEST_ACCOUNT = '123456789012';
export const TEST_NOW = '2026-11-22T12:00:00Z';

/** A deterministic byte source (xorshift32), so generated IDs are the same on every run. */
export function testRandom(seed = 0x9e3779b9): RandomSource {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/** A call context for `principal` (an IAM user of the test account by default). */
export function callContext(
  principal: RequestPrincipal = {
    type: 'User',
    id: `arn:aws:iam::${TEST_ACCOUNT}:user/${ADMIN_USER}`,
    account: TEST_ACCOUNT,
    partition: 'aws',
  },
  accessKeyId = 'AKIAEXAMPLEEXAMPLE00',
): CallContext {
  return {
    requestId: '00000000-0000-4000-8000-000000000000',
    caller: {
      principal,
      accessKeyId,
      account: principal.account ?? TEST_ACCOUNT,
      userId: 'AIDAEXAMPLEEXAMPLE000',
    },
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 'aws-cli/1.45.11',
    secureTransport: false,
    now: new Date(TEST_NOW),
    endpoint: 'http://127.0.0.1:4577',
    audit: {},
    decisions: [],
  };
}

/** Query parameters as the CLI sends them (`ClientIDList.member.1`, …). */
export function params(p: Record<string, string> = {}): QueryParams {
  return new Map(Object.entries(p));
}

export interface AuthorizeCall {
  action: string;
  resource: string;
}

export interface IamHarness {
  store: SqliteStore;
  clock: Clock & { advance(seconds: number): void; set(d: Date | string): void };
  ops: ReturnType<typeof createIamOperations>;
  directory: IamDirectory;
  /** every authorize call, in order */
  authorized: AuthorizeCall[];
  /** refuse the calls `deny` picks (AccessDenied, as the edge would) */
  refuse(deny: (call: AuthorizeCall) => boolean): void;
  adminKey: AccountKey;
  admin: CallContext;
  /** runs an operation as the admin (or `ctx`) */
  call(action: string, p?: Record<string, string>, ctx?: CallContext): Promise<QueryResult>;
  close(): Promise<void>;
}

export async function iamHarness(
  opts: { awsPolicies?: AwsPolicyCatalog; accounts?: string[] } = {},
): Promise<IamHarness> {
  const store = new SqliteStore(':memory:');
  const clock = fixedClock(TEST_NOW);
  const random = testRandom();
  const authorized: AuthorizeCall[] = [];
  let deny: (call: AuthorizeCall) => boolean = () => false;
  const ops = createIamOperations({
    store,
    clock,
    random,
    awsPolicies: opts.awsPolicies,
    authorize: async (ctx, action, resource) => {
      authorized.push({ action, resource });
      if (deny({ action, resource })) {
        throw new AwsError(
          'AccessDenied',
          403,
          `User: ${ctx.caller?.principal.id} is not authorized to perform: ${action} on resource: ${resource}`,
        );
      }
    },
  });
  const accounts = opts.accounts ?? [TEST_ACCOUNT];
  let adminKey: AccountKey | undefined;
  for (const a of accounts) {
    const key = await ensureAccount({ store, clock, random, awsPolicies: opts.awsPolicies }, a);
    adminKey ??= key;
  }
  if (!adminKey) throw new TypeError('iamHarness needs an account');
  const admin = callContext(undefined, adminKey.accessKeyId);
  return {
    store,
    clock,
    ops,
    directory: createIamDirectory({ store, awsPolicies: opts.awsPolicies }),
    authorized,
    refuse(d) {
      deny = d;
    },
    adminKey,
    admin,
    async call(action, p = {}, ctx = admin) {
      const op = ops[action];
      if (!op) throw new TypeError(`no IAM operation ${action}`);
      return op(ctx, params(p));
    },
    close: () => store.close(),
  };
}

/** The AwsError a promise rejects with (fails the test when it resolves or throws otherwise). */
export async function awsError(p: Promise<unknown>): Promise<AwsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new TypeError('expected an AwsError, but the call succeeded');
}

/** `{ code, status, message }` of an AwsError, for word-for-word assertions. */
export async function errorOf(
  p: Promise<unknown>,
): Promise<{ code: string; status: number; message: string }> {
  const e = await awsError(p);
  return { code: e.code, status: e.httpStatus, message: e.message };
}
