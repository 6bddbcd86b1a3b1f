import { describe, expect, it } from 'vitest';
import { nestsDeeperThan, openerPast, stringifyAnyDepth } from './json-depth.js';

describe('nestsDeeperThan', () => {
  it('counts arrays and objects inside one another, not side by side', () => {
    expect(nestsDeeperThan('{"a":[{"b":1}],"c":[[2]]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":1}],"c":[[2]]}', 2)).toBe(true);
    expect(nestsDeeperThan('[[],[],[],[]]', 2)).toBe(false);
    expect(nestsDeeperThan('1', 0)).toBe(false);
    expect(nestsDeeperThan('[]', 0)).toBe(true);
  });

  it('skips brackets in strings, escaped quotes included', () => {
    expect(nestsDeeperThan('{"a":"[[[{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\"[[[\\\\","b":[1]}', 1)).toBe(true);
    expect(nestsDeeperThan('{"a":"\\"[[[\\\\","b":1}', 1)).toBe(false);
  });

  it('finds a depth of thousands without recursing', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(nestsDeeperThan(deep, 64)).toBe(true);
    expect(nestsDeeperThan(deep, 100_000)).toBe(false);
  });
});

describe('openerPast', () => {
  it('names the bracket that opens the first level past the limit', () => {
    expect(openerPast('[{"a":[1]}]', 2)).toBe('[');
    expect(openerPast('[{"a":[1]}]', 1)).toBe('{');
    expect(openerPast('[{"a":[1]}]', 3)).toBeUndefined();
  });
});

describe('stringifyAnyDepth', () => {
  it('is JSON.stringify for ordinary values', () => {
    const value = { a: [1, undefined, 'x', null, true], b: undefined, c: { d: NaN }, e: 'é"\n' };
    expect(stringifyAnyDepth(value)).toBe(JSON.stringify(value));
  });

  it('writes a value too deep for JSON.stringify, the same text JSON.parse reads back', () => {
    const text = `${'{"x":['.repeat(20_000)}1,{"y":null}${']}'.repeat(20_000)}`;
    const value = JSON.parse(text) as unknown;
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(stringifyAnyDepth(value)).toBe(text);
  });
});
