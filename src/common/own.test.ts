/** Plain objects keyed by user data: `__proto__`, `constructor`, `toString` are ordinary names. */
import { describe, expect, it } from 'vitest';
import { own, put, shown, table } from './own.js';

describe('put and own', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'plain'])(
    '%s becomes an own, enumerable property and nothing else changes',
    (key) => {
      const obj: Record<string, number> = {};
      put(obj, key, 7);
      expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
      expect(Object.keys(obj)).toEqual([key]);
      expect(own(obj, key)).toBe(7);
      expect(JSON.parse(JSON.stringify(obj))).toEqual(JSON.parse(`{"${key}":7}`));
      put(obj, key, 8);
      expect(own(obj, key)).toBe(8);
    },
  );

  it('own sees no inherited names', () => {
    expect(own({}, 'toString')).toBeUndefined();
    expect(own({}, '__proto__')).toBeUndefined();
    expect(own(undefined, 'a')).toBeUndefined();
  });
});

describe('table', () => {
  it('answers its own entries only, and cannot be changed', () => {
    const t = table({ sts: 'sts.amazonaws.com', s3: 's3.amazonaws.com' });
    expect(t.sts).toBe('sts.amazonaws.com');
    for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])
      expect(t[k], k).toBeUndefined();
    expect('toString' in t).toBe(false);
    expect(Object.keys(t)).toEqual(['sts', 's3']);
    expect(JSON.stringify(t)).toBe('{"sts":"sts.amazonaws.com","s3":"s3.amazonaws.com"}');
    expect(() => {
      (t as Record<string, string>).iam = 'x';
    }).toThrow(TypeError);
  });
});

describe('shown', () => {
  it('writes any value, even one whose own toString is not a function', () => {
    expect(shown('a')).toBe('a');
    expect(shown(12)).toBe('12');
    expect(shown(undefined)).toBe('null');
    expect(shown(null)).toBe('null');
    expect(shown(JSON.parse('{"toString":1}'))).toBe('{"toString":1}');
    expect(shown(Object.create(null))).toBe('{}');
    expect(shown(Symbol('s'))).toBe('Symbol(s)');
  });
});
