import { describe, expect, it } from 'vitest';
import { boundedCache } from './bounded-cache.js';

describe('boundedCache', () => {
  it('makes a value once per key, drops the oldest past the bound, stores no failure', () => {
    const made: string[] = [];
    const cache = boundedCache<string>(2);
    const get = (k: string) =>
      cache.get(k, () => {
        made.push(k);
        return k.toUpperCase();
      });
    expect([get('a'), get('a'), get('b')]).toEqual(['A', 'A', 'B']);
    get('c');
    get('b');
    get('a');
    expect(made).toEqual(['a', 'b', 'c', 'a']);
    expect(() =>
      cache.get('bad', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(cache.get('bad', () => 'ok')).toBe('ok');
  });
});
