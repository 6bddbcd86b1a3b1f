/**
 * The body of a JSON-protocol request (awsJson1_0 / awsJson1_1): an empty body is `{}`, and
 * anything that is not a JSON object is Coral's `SerializationException` [inferred text], and
 * so is a body nested deeper than any input of these services (their shapes nest a few
 * levels): the services and the audit record walk the input, and thousands of levels ran them
 * out of stack.
 */
import { AwsError } from '../../common/aws-error.js';
import { nestsDeeperThan } from '../../common/json-depth.js';
import { jsonHasLoneSurrogate, utf8Text } from '../../common/utf8.js';

/** [inferred] */
const INVALID_UTF8 = 'The request body is not Unicode text in UTF-8';

/** deeper than this, a body is no input of SQS, Secrets Manager or CloudTrail */
const MAX_NESTING = 64;

/**
 * Parses a JSON-protocol request body into its input object.
 *
 * @example
 * parseJsonBody(Buffer.from('{"QueueName":"q"}')) // → { QueueName: 'q' }
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = utf8Text(body)?.trim();
  // bytes that are not UTF-8, or a lone surrogate: not text, and never two names for one thing
  if (text === undefined) throw new AwsError('SerializationException', 400, INVALID_UTF8);
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new AwsError(
      'SerializationException',
      400,
      'Start of structure or map found where not expected.',
    );
  if (jsonHasLoneSurrogate(text, v))
    throw new AwsError('SerializationException', 400, INVALID_UTF8);
  if (nestsDeeperThan(text, MAX_NESTING))
    throw new AwsError(
      'SerializationException',
      400,
      `Document nesting depth exceeds the maximum allowed (${MAX_NESTING})`,
    );
  return v as Record<string, unknown>;
}
