/**
 * What the edge hands an AWS operation, and what it takes back. An operation is a function
 * of a call context and its parameters; it returns a plain result object (the edge
 * serialises it in the protocol's shape) or throws `AwsError` (the edge renders it).
 */
import type { RequestPrincipal } from '../../policy/types.js';

/** Who is calling, once the request is authenticated (undefined caller = unsigned request). */
export interface Caller {
  /** as the policy engine sees it (user, assumed-role session, root, …) */
  principal: RequestPrincipal;
  /** the access key id that signed the request */
  accessKeyId: string;
  /** the caller's account */
  account: string;
  /** `aws:userid` (AIDA…, AROA…:session, or the account id for root) */
  userId: string;
  /** for role sessions: the session as STS sealed it (role, session name, policy, tags, …) */
  session?: unknown;
}

export interface CallContext {
  requestId: string;
  /** the authenticated caller, or undefined for an unsigned call (AssumeRoleWithWebIdentity) */
  caller?: Caller | undefined;
  /** region from the SigV4 credential scope (or the default region for unsigned calls) */
  region: string;
  sourceIp: string;
  userAgent: string;
  secureTransport: boolean;
  now: Date;
  /** the edge's base URL as the client reached it, e.g. http://127.0.0.1:4577 */
  endpoint: string;
}

/** Query-protocol parameters: the flat form map (`ClientIDList.member.1` …), decoded. */
export type QueryParams = ReadonlyMap<string, string>;

export type QueryOperation = (ctx: CallContext, params: QueryParams) => Promise<QueryResult>;

/**
 * A Query result: the members of `<OpResult>`, as nested plain objects. Arrays render as
 * `<member>` lists, Dates as ISO 8601, booleans as true/false; `undefined` members are left
 * out; `null` result means the operation has no `<OpResult>`.
 */
export type QueryResult = Record<string, unknown> | null;
