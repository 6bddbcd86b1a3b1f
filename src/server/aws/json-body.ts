/**
 * The body of a JSON-protocol request (awsJson1_0 / awsJson1_1): an empty body is `{}`, and
 * anything that is not a JSON object is Coral's `SerializationException` [inferred text].
 */
import { AwsError } from '../../common/aws-error.js';

/**
 * Parses a JSON-protocol request body into its input object.
 *
 * @example
 * parseJsonBody(Buffer.from('{"QueueName":"q"}')) // → { QueueName: 'q' }
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
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
  return v as Record<string, unknown>;
}
