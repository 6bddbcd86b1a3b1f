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

  it('answers a body nested deeper than 64 levels with SerializationException, 64 read as any', () => {
    const at = (n: number) => `{"X":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    expect(parseJsonBody(Buffer.from(at(64)))).toHaveProperty('X');
    for (const n of [65, 20_000])
      expect(() => parseJsonBody(Buffer.from(at(n)))).toThrow(
        expect.objectContaining({ code: 'SerializationException', httpStatus: 400 }),
      );
  });
});
