/**
 * How a call IAM refuses is answered on the wire, by protocol and by service. IAM's own
 * `AccessDenied` with HTTP 403 goes out as it is in the Query and REST-XML protocols (IAM,
 * STS, S3, SQS's query protocol); the JSON protocols carry Coral's `AccessDeniedException`,
 * with HTTP 400 in awsJson (DynamoDB, Secrets Manager, CloudTrail, and EKS Auth, which says so
 * itself) and 403 in REST-JSON (EKS). SQS over JSON keeps its query status 403, with
 * `x-amzn-query-error: AccessDenied;Sender` (sqs/errors.ts). The edge and the services answer
 * with these, and `irsa doctor` names the one a denied call gets from them: one table, so the
 * two cannot drift apart. Pure.
 */

export interface DeniedAnswer {
  readonly code: string;
  readonly status: number;
}

/** IAM's refusal, as the Query and REST-XML protocols carry it */
export const ACCESS_DENIED: DeniedAnswer = { code: 'AccessDenied', status: 403 };
/** the refusal in awsJson (DynamoDB, Secrets Manager, CloudTrail, EKS Auth) */
export const JSON_ACCESS_DENIED: DeniedAnswer = { code: 'AccessDeniedException', status: 400 };
/** the refusal in REST-JSON (EKS) */
export const REST_JSON_ACCESS_DENIED: DeniedAnswer = {
  code: 'AccessDeniedException',
  status: 403,
};
/** SQS's refusal in its JSON protocol: Coral's code, the query protocol's status */
export const SQS_JSON_ACCESS_DENIED: DeniedAnswer = { code: 'AccessDeniedException', status: 403 };

/** The refusal of each service that does not answer IAM's `AccessDenied`/403, by signing name. */
const BY_SERVICE: ReadonlyMap<string, DeniedAnswer> = new Map([
  ['dynamodb', JSON_ACCESS_DENIED],
  ['secretsmanager', JSON_ACCESS_DENIED],
  ['cloudtrail', JSON_ACCESS_DENIED],
  ['eks-auth', JSON_ACCESS_DENIED],
  ['eks', REST_JSON_ACCESS_DENIED],
  ['sqs', SQS_JSON_ACCESS_DENIED],
]);

/**
 * What a call of `service` (an action's prefix) that IAM refuses gets, in the protocol the
 * current SDKs speak to it (SQS: JSON).
 *
 * @example
 * deniedAnswer('dynamodb') // → { code: 'AccessDeniedException', status: 400 }
 * deniedAnswer('s3')       // → { code: 'AccessDenied', status: 403 }
 */
export function deniedAnswer(service: string): DeniedAnswer {
  return BY_SERVICE.get(service.toLowerCase()) ?? ACCESS_DENIED;
}

/**
 * The refusal in words, for a report: `HTTP 400 AccessDeniedException`; SQS's with the
 * legacy code its query-compatible header carries, which botocore reports.
 *
 * @example
 * deniedText('sqs') // → 'HTTP 403 AccessDeniedException (AccessDenied in x-amzn-query-error and in the query protocol)'
 */
export function deniedText(service: string): string {
  const a = deniedAnswer(service);
  const base = `HTTP ${a.status} ${a.code}`;
  return a === SQS_JSON_ACCESS_DENIED
    ? `${base} (AccessDenied in x-amzn-query-error and in the query protocol)`
    : base;
}
