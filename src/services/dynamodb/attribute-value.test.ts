import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { itemSize, readAttributeValue, valuesEqual } from './attribute-value.js';

function failure(raw: unknown): { code: string; message: string } {
  try {
    readAttributeValue(raw);
  } catch (e) {
    if (e instanceof AwsError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('accepted');
}

describe('reading AttributeValues', () => {
  it.each([
    [{ S: 'x' }, { S: 'x' }],
    [{ S: '' }, { S: '' }],
    [{ N: '1.50' }, { N: '1.5' }],
    [{ N: '-0' }, { N: '0' }],
    [{ B: 'AAE=' }, { B: 'AAE=' }],
    [{ B: '' }, { B: '' }],
    [{ BOOL: true }, { BOOL: true }],
    [{ NULL: true }, { NULL: true }],
    [{ NULL: false }, { NULL: true }],
    [{ SS: ['a', 'b'] }, { SS: ['a', 'b'] }],
    [{ NS: ['1', '2.0'] }, { NS: ['1', '2'] }],
    [{ L: [{ S: 'a' }, { N: '01' }] }, { L: [{ S: 'a' }, { N: '1' }] }],
    [{ M: { a: { M: { b: { NULL: true } } } } }, { M: { a: { M: { b: { NULL: true } } } } }],
    [{ S: 'x', Q: 'ignored' }, { S: 'x' }],
  ])('%j → %j', (raw, stored) => {
    expect(readAttributeValue(raw)).toEqual(stored);
  });

  it.each([
    [
      {},
      'ValidationException',
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    ],
    [
      { S: 'a', N: '1' },
      'ValidationException',
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    ],
    [
      { N: 'abc' },
      'ValidationException',
      'The parameter cannot be converted to a numeric value: abc',
    ],
    [
      { N: '1E+126' },
      'ValidationException',
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    ],
    [
      { N: '1E-131' },
      'ValidationException',
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    ],
    [
      { N: '1234567890123456789012345678901234567890' },
      'ValidationException',
      'Attempting to store more than 38 significant digits in a Number',
    ],
    [
      { SS: [] },
      'ValidationException',
      'One or more parameter values were invalid: An string set  may not be empty',
    ],
    [
      { NS: [] },
      'ValidationException',
      'One or more parameter values were invalid: An number set  may not be empty',
    ],
    [
      { BS: [] },
      'ValidationException',
      'One or more parameter values were invalid: Binary sets should not be empty',
    ],
    [
      { SS: ['a', 'a'] },
      'ValidationException',
      'One or more parameter values were invalid: Input collection [a, a] contains duplicates.',
    ],
    [{ NS: ['1', '1.0'] }, 'ValidationException', 'Input collection contains duplicates'],
    [
      { M: { x: { SS: [] } } },
      'ValidationException',
      'One or more parameter values were invalid: An string set  may not be empty',
    ],
    [
      { S: 1 },
      'SerializationException',
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ],
    [
      { S: true },
      'SerializationException',
      'class java.lang.Boolean can not be converted to an String',
    ],
    [{ S: {} }, 'SerializationException', 'Start of structure or map found where not expected.'],
    [{ S: [] }, 'SerializationException', 'Start of list found where not expected'],
    ['x', 'SerializationException', 'Expected null'],
    [{ L: 'x' }, 'SerializationException', 'Expected list or null'],
    [{ M: 'x' }, 'SerializationException', 'Expected map or null'],
    [
      { B: 'abc' },
      'SerializationException',
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    ],
    [{ BOOL: 'maybe' }, 'SerializationException', "'MAYBE' can not be converted to an Boolean"],
  ])('%j is refused: %s', (raw, code, message) => {
    expect(failure(raw)).toEqual({ code, message });
  });

  it('compares values as DynamoDB does', () => {
    expect(valuesEqual({ N: '1' }, { N: '1' })).toBe(true);
    expect(valuesEqual({ N: '1' }, { S: '1' })).toBe(false);
    expect(valuesEqual({ SS: ['a', 'b'] }, { SS: ['b', 'a'] })).toBe(true);
    expect(valuesEqual({ NS: ['1', '2'] }, { NS: ['2', '1'] })).toBe(true);
    expect(valuesEqual({ L: [{ S: 'a' }] }, { L: [{ S: 'a' }] })).toBe(true);
    expect(valuesEqual({ L: [{ S: 'a' }] }, { L: [{ S: 'b' }] })).toBe(false);
    expect(valuesEqual({ M: { a: { N: '1' } } }, { M: { a: { N: '1' } } })).toBe(true);
    expect(valuesEqual({ M: { a: { N: '1' } } }, { M: { b: { N: '1' } } })).toBe(false);
  });

  it('counts item sizes as DynamoDB documents them', () => {
    // name bytes + value bytes; numbers: digits/2 + 1; maps and lists 3 + 1 per element
    expect(itemSize({ pk: { S: 'abc' } })).toBe(5);
    expect(itemSize({ n: { N: '1234' } })).toBe(1 + 3);
    expect(itemSize({ m: { M: { a: { BOOL: true } } } })).toBe(1 + 3 + 1 + 1 + 1);
  });
});
