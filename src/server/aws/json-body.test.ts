import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { parseJsonBody } from './json-body.js';

describe('parseJsonBody', () => {
  it('reads a JSON object, and an empty body as {}', () => {
    expect(parseJsonBody(Buffer.from('{"QueueName":"q"}'))).toEqual({ QueueName: 'q' });
    expect(parseJsonBody(Buffer.from(''))).toEqual({});
    expect(parseJsonBody(Buffer.from('  \n'))).toEqual({});
  });

  it.each(['{nope', '[]', '"text"', '42', 'null'])(
    'answers %j with SerializationException',
    (text) => {
      let caught: unknown;
      try {
        parseJsonBody(Buffer.from(text));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AwsError);
      const e = caught as AwsError;
      expect([e.code, e.httpStatus, e.message]).toEqual([
        'SerializationException',
        400,
        'Start of structure or map found where not expected.',
      ]);
    },
  );
});
