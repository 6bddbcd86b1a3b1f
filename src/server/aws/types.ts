/**
 * What the edge hands an AWS operation, and what it takes back. An operation is a function
 * of a call context and its parameters; it returns a plain result object (the edge
 * serialises it in the protocol's shape) or throws `AwsError` (the edge renders it).
 */
import type { Explanation } from '../../policy/explain.js';
import type { EvalDecision, MatchedStatement, RequestPrincipal } from '../../policy/types.js';
import type { PayloadInfo } from '../../sigv4/types.js';
import type { RawRequest, Route } from './request.js';

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

/** How a signed request was authenticated (what S3 needs to read an aws-chunked body). */
export interface AuthInfo {
  kind: 'header' | 'query' | 'sigv2-query';
  accessKeyId: string;
  /** presigned URL (SigV4 query or SigV2) */
  presigned: boolean;
  /** SigV4's payload mode: a verified SHA-256, UNSIGNED-PAYLOAD, or aws-chunked (decode it) */
  payload?: PayloadInfo | undefined;
  /** presigned URLs: when the URL stops being valid */
  expiresAt?: Date | undefined;
}

/** What CloudTrail writes in place of a value it does not show (a message body, item keys). */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * What an operation tells the audit trail about its call, filled in as it goes (so that a
 * refused call still has its parameters). Field names are CloudTrail's (spec/aws-wire.md §11).
 * Never put a secret, token, secret value or object body here.
 */
export interface AuditNotes {
  /** CloudTrail's eventName when it differs from the operation (S3: `GetObject`, …) */
  eventName?: string | undefined;
  /** `s3.amazonaws.com`, …; default `<service>.amazonaws.com` */
  eventSource?: string | undefined;
  readOnly?: boolean | undefined;
  /** 'Management' (default) or 'Data' (S3 object calls, DynamoDB items, SQS messages) */
  eventCategory?: 'Management' | 'Data' | undefined;
  requestParameters?: Record<string, unknown> | null | undefined;
  responseElements?: Record<string, unknown> | null | undefined;
  /** the resources, each by its ARN, or by an `ARNPrefix` (S3's listings: `arn:aws:s3:::b/prefix`) */
  resources?:
    | {
        ARN?: string | undefined;
        ARNPrefix?: string | undefined;
        accountId?: string | undefined;
        type: string;
      }[]
    | undefined;
  additionalEventData?: Record<string, unknown> | undefined;
  /** the account that owns the resource (recipientAccountId), when not the caller's */
  recipientAccountId?: string | undefined;
  /**
   * Not a record field: whom an exchange the record names nowhere in full hands credentials
   * to — EKS Auth's AssumeRoleForPodIdentity (its verified service account, and the role of
   * that account's association) — for the trail's filters (`irsa trail --role`, `-n`/`-s`).
   */
  exchange?:
    { roleArn?: string | undefined; namespace: string; serviceAccount: string } | undefined;
}

/** One authorization the call made, with its outcome (the audit trail's explanation). */
export interface AuthzRecord {
  action: string;
  resource: string;
  decision: EvalDecision;
  /** the statements that decided (the Allows that granted, or the Denies) */
  matched: MatchedStatement[];
  /** for a refusal: the engine's full account, set by set */
  explanation?: Explanation | undefined;
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
  /** how the request was authenticated (undefined when unsigned) */
  auth?: AuthInfo | undefined;
  /** what the operation records for the audit trail */
  audit: AuditNotes;
  /** every authorization decision the call made, in order */
  decisions: AuthzRecord[];
  /**
   * Aborted when the client goes away or the server shuts down, for a call that waits (an
   * SQS long poll): it should stop waiting and take nothing. Set for SQS calls only.
   */
  signal?: AbortSignal | undefined;
}

/** A complete REST or JSON answer from a service handler; the edge adds the request id. */
export interface ServiceResponse {
  status: number;
  headers?: Record<string, string> | undefined;
  body?: string | Buffer | undefined;
}

/**
 * A service on the edge (S3, SQS, DynamoDB, Secrets Manager, CloudTrail, EKS Auth): gets the
 * authenticated call and the raw request, returns its answer or throws `AwsError`, which the
 * edge renders in `route.protocol`'s shape (set `AwsError.headers` for SQS's
 * `x-amzn-query-error`, `AwsError.elements` for S3's extra `<Error>` elements).
 */
export type ServiceHandler = ((
  ctx: CallContext,
  raw: RawRequest,
  route: Route,
) => Promise<ServiceResponse>) & {
  /**
   * What a request is for the audit trail (its CloudTrail eventName, data or management),
   * without executing it: for one refused before the service saw it (a bad signature).
   */
  describe?: (raw: RawRequest, route: Route) => AuditNotes | undefined;
  /**
   * The Query-protocol Actions it answers: how the edge tells which service a form is for
   * when neither its credential scope nor its Version says (`routeRequest`'s `served`).
   */
  queryActions?: ReadonlySet<string>;
};

/** Query-protocol parameters: the flat form map (`ClientIDList.member.1` …), decoded. */
export type QueryParams = ReadonlyMap<string, string>;

export type QueryOperation = (ctx: CallContext, params: QueryParams) => Promise<QueryResult>;

/**
 * A Query result: the members of `<OpResult>`, as nested plain objects. Arrays render as
 * `<member>` lists, Dates as ISO 8601, booleans as true/false; `undefined` members are left
 * out; `null` result means the operation has no `<OpResult>`.
 */
export type QueryResult = Record<string, unknown> | null;
