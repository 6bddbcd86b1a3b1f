/**
 * The audit trail's shapes: a CloudTrail record as AWS writes it (spec/aws-wire.md §11.1,
 * §11.2), irsakit's explanation kept beside it (never a CloudTrail field), and the stored
 * event the log hands back (the record, the explanation and the columns the filters use).
 */

/** `userIdentity` of a record (§11.2). Fields absent from a type are left out. */
export interface UserIdentity {
  type:
    | 'IAMUser'
    | 'AssumedRole'
    | 'WebIdentityUser'
    | 'Root'
    | 'AWSService'
    | 'AWSAccount'
    | 'Unknown';
  principalId?: string | undefined;
  arn?: string | undefined;
  accountId?: string | undefined;
  accessKeyId?: string | undefined;
  userName?: string | undefined;
  identityProvider?: string | undefined;
  invokedBy?: string | undefined;
  sessionContext?: SessionContext | undefined;
}

export interface SessionContext {
  sessionIssuer?:
    | { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string }
    | undefined;
  webIdFederationData?:
    | { federatedProvider?: string | undefined; attributes?: Record<string, string> | undefined }
    | undefined;
  attributes: { creationDate: string; mfaAuthenticated: 'true' | 'false' };
  sourceIdentity?: string | undefined;
}

export interface RecordResource {
  ARN?: string | undefined;
  ARNPrefix?: string | undefined;
  accountId?: string | undefined;
  type: string;
}

/** One CloudTrail record (an `AwsApiCall`), in AWS's field order. */
export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  /** ISO 8601, second precision */
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown> | undefined;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: RecordResource[] | undefined;
  eventType: 'AwsApiCall';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management' | 'Data';
  tlsDetails?:
    { tlsVersion?: string; cipherSuite?: string; clientProvidedHostHeader: string } | undefined;
}

/**
 * The hops of the chain from a pod to a decision, in order (DESIGN.md "The chain"). `request`
 * is the call's own parameters; `service` a refusal by the service itself (no such bucket, …).
 */
export const HOPS = [
  'pod',
  'token',
  'provider',
  'role',
  'trust',
  'session',
  'request',
  'signature',
  'credentials',
  'scp',
  'rcp',
  'identity',
  'boundary',
  'session-policy',
  'resource',
  'service',
] as const;
export type Hop = (typeof HOPS)[number];

/** A policy statement, named as `irsa why` names it. */
export interface StatementRef {
  /** the policy: a managed policy ARN, an inline policy's name, or `<role ARN> trust policy` */
  policy: string;
  /** identity, boundary, session, resource (a trust policy is the role's resource policy), … */
  policyType: string;
  sid?: string | undefined;
  /** 0-based position in the Statement array */
  index: number;
  /** 1-based line of the statement in the policy text, when known */
  line?: number | undefined;
  effect: 'Allow' | 'Deny';
}

/** One hop as `irsa why` prints it. */
export interface HopTrace {
  hop: Hop;
  /** ok: passed; failed: the refusal; skipped: not consulted for this caller; not-reached */
  status: 'ok' | 'failed' | 'skipped' | 'not-reached';
  /** what the hop is about: `production/s3-app`, a provider ARN, a policy, … */
  subject?: string | undefined;
  /** facts worth showing (claims, statement, times), already in plain words */
  facts?: string[] | undefined;
}

/**
 * irsakit's account of a call (not a CloudTrail field): which hop decided, which statement
 * or claim, expected versus actual, a "did you mean", and the fix. Never holds a token, a
 * secret or a session token.
 */
export interface IrsaExplanation {
  outcome: 'allowed' | 'denied' | 'error';
  /** the error as the client saw it (`AccessDenied: Not authorized to perform …`) */
  message?: string | undefined;
  /** the hop that refused (denied/error) */
  hop?: Hop | undefined;
  /** one line in plain words */
  summary: string;
  action?: string | undefined;
  resource?: string | undefined;
  principal?: string | undefined;
  /** the deciding statement: the Deny that matched, or the Allow that came closest */
  statement?: StatementRef | undefined;
  /** the statements that granted an allowed call */
  grantedBy?: StatementRef[] | undefined;
  /** the token claim at fault (`sub`, `aud`, `exp`, `iss`) */
  claim?: string | undefined;
  /** the condition key at fault */
  conditionKey?: string | undefined;
  expected?: string[] | undefined;
  actual?: string | string[] | null | undefined;
  didYouMean?: string | undefined;
  fix?: string | undefined;
  /** every authorization the call made, in order (a CopyObject makes two) */
  authorizations?: { action: string; resource: string; allowed: boolean }[] | undefined;
  /** hop by hop, pod to decision */
  chain: HopTrace[];
}

/** What the builder makes of one call, ready to store. */
export interface AuditEntry {
  record: CloudTrailRecord;
  explanation: IrsaExplanation;
  /** columns the filters use, beyond the record's own fields */
  index: EntryIndex;
}

export interface EntryIndex {
  /** epoch milliseconds */
  timeMs: number;
  /** LookupEvents' `Username` */
  username?: string | undefined;
  /** LookupEvents' `AccessKeyId` */
  accessKeyId?: string | undefined;
  /** the caller's ARN (user, assumed role, root) or the web identity's sub */
  principal?: string | undefined;
  /** the role behind the call: the session's role, or the role an AssumeRole* call targets */
  roleArn?: string | undefined;
  roleName?: string | undefined;
  /** the Kubernetes service account behind the call, when known */
  namespace?: string | undefined;
  serviceAccount?: string | undefined;
}

/** An event as the log returns it: the entry plus its position in the log. */
export interface StoredEvent extends AuditEntry {
  /** the log's sequence number: grows with every append */
  seq: number;
}

/**
 * An event as the admin API's `/trail` answers it (`irsa trail`, `irsa why`, `irsa policy
 * generate`): the record with irsakit's explanation beside it, and its position in the log.
 */
export interface TrailItem {
  seq: number;
  record: CloudTrailRecord;
  irsaExplanation: IrsaExplanation;
}
