/**
 * The request context (spec/iam-policy.md §8): key names case-insensitive, a layered context
 * built from several inputs without copying them, later inputs replacing earlier ones.
 */
import { describe, expect, it } from 'vitest';
import { createContext, layeredContext } from './context.js';

describe('layeredContext', () => {
  it('answers each key from the last input that has it, in any spelling', () => {
    const ctx = layeredContext(
      { 'aws:PrincipalType': 'Anonymous', 'aws:SourceIp': '10.0.0.1' },
      undefined,
      { 'AWS:PrincipalType': 'AssumedRole' },
      { 's3:prefix': 'home/' },
    );
    expect(ctx.get('aws:principaltype')?.values).toEqual(['AssumedRole']);
    expect(ctx.get('aws:sourceip')?.values).toEqual(['10.0.0.1']);
    expect(ctx.variable('s3:prefix')).toBe('home/');
    expect(ctx.get('s3:delimiter')).toBeUndefined();
    expect(ctx.toJSON()).toEqual({
      'AWS:PrincipalType': 'AssumedRole',
      'aws:SourceIp': '10.0.0.1',
      's3:prefix': 'home/',
    });
  });

  it('keeps its inputs as they are', () => {
    const first = { 'aws:userid': 'AIDA1' };
    layeredContext(first, { 'aws:userid': 'AIDA2' }).keys();
    expect(first).toEqual({ 'aws:userid': 'AIDA1' });
  });

  it('merges spellings of one key within one input into a set, as createContext does', () => {
    const one = createContext({ 'aws:TagKeys': ['a'], 'AWS:TagKeys': ['b'] });
    const layered = layeredContext({ 'aws:TagKeys': ['a'], 'AWS:TagKeys': ['b'] });
    expect(layered.get('aws:tagkeys')?.values).toEqual(one.get('aws:tagkeys')?.values);
    expect(layered.get('aws:tagkeys')?.values).toEqual(['a', 'b']);
  });
});
