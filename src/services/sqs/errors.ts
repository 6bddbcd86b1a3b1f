/**
 * SQS's errors (spec/aws-wire.md §7.3, §9). The operations throw `AwsError` with the JSON
 * protocol's code (`QueueDoesNotExist`); `forProtocol` turns it into what the caller's
 * protocol carries: for JSON the same code plus the query-compatible header
 * `x-amzn-query-error: <legacy code>;Sender` (botocore reports the legacy code, the JS SDK
 * `name=QueueDoesNotExist`), for the old query protocol the legacy code itself. Legacy codes
 * and statuses are those of the SQS model's `awsQueryError` traits.
 */
import { AwsError } from '../../common/aws-error.js';
import { table } from '../../common/own.js';
import { SQS_JSON_ACCESS_DENIED } from '../../server/aws/denied.js';

/** JSON code → [legacy query code, HTTP status] (the model's awsQueryError traits). */
const LEGACY: Readonly<Record<string, readonly [string, number]>> = table({
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  InvalidAddress: ['InvalidAddress', 404],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  InvalidSecurity: ['InvalidSecurity', 403],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  OverLimit: ['OverLimit', 403],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  QueueDeletedRecently: ['AWS.SimpleQueueService.QueueDeletedRecently', 400],
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  RequestThrottled: ['RequestThrottled', 403],
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
});

/**
 * An SQS error by its JSON code; the status comes from the model unless given (codes
 * outside the model, such as `InvalidParameterValue` and `MissingParameter`, are 400).
 *
 * @example
 * throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
 */
export function sqsError(code: string, message: string, status?: number): AwsError {
  return new AwsError(code, status ?? LEGACY[code]?.[1] ?? 400, message);
}

export const noSuchQueue = (): AwsError =>
  sqsError('QueueDoesNotExist', 'The specified queue does not exist.');

export const invalidParameter = (message: string): AwsError =>
  sqsError('InvalidParameterValue', message);

export const missingParameter = (name: string): AwsError =>
  sqsError('MissingParameter', `The request must contain the parameter ${name}.`);

/**
 * The error as the caller's protocol carries it: JSON keeps the code and adds the
 * `x-amzn-query-error` header; query uses the legacy code. A refusal by the authorizer
 * (`AccessDenied`) keeps its status 403 and text in both; in JSON its body type is Coral's
 * `AccessDeniedException` with `AccessDenied;Sender` in the header [inferred].
 *
 * @example
 * forProtocol('json', noSuchQueue()).headers // → { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' }
 */
export function forProtocol(protocol: 'json' | 'query', e: AwsError): AwsError {
  const fault = e.fault === 'server' ? 'Receiver' : 'Sender';
  if (e.code === 'AccessDenied' || e.code === 'AccessDeniedException') {
    return protocol === 'json'
      ? new AwsError(SQS_JSON_ACCESS_DENIED.code, SQS_JSON_ACCESS_DENIED.status, e.message, {
          headers: { 'x-amzn-query-error': `AccessDenied;${fault}` },
          detail: e.detail,
        })
      : new AwsError('AccessDenied', 403, e.message, { detail: e.detail });
  }
  if (e.fault === 'server') return e;
  const legacy = LEGACY[e.code]?.[0] ?? e.code;
  return protocol === 'json'
    ? new AwsError(e.code, e.httpStatus, e.message, {
        headers: { ...e.headers, 'x-amzn-query-error': `${legacy};${fault}` },
        detail: e.detail,
      })
    : new AwsError(legacy, e.httpStatus, e.message, { headers: e.headers, detail: e.detail });
}
