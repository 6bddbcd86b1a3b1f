import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.js';

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
