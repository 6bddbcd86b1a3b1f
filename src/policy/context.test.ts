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

  it('answers a key alone the same as from the whole index', () => {
    const layers = [
      { 'aws:TagKeys': ['a'], 'AWS:TagKeys': ['b'], 'aws:SourceIp': '10.0.0.1' },
      { 'aws:sourceip': undefined, 'aws:SourceVpc': 'vpc-1' },
      { 'AWS:SOURCEVPC': 'vpc-2' },
    ];
    const alone = layeredContext(...layers);
    const whole = layeredContext(...layers);
    whole.keys();
    for (const k of ['aws:tagkeys', 'aws:sourceip', 'aws:sourcevpc', 'aws:missing']) {
      expect(alone.get(k)?.values).toEqual(whole.get(k)?.values);
      expect(alone.get(k)?.multi).toEqual(whole.get(k)?.multi);
      expect(alone.get(k)?.name).toEqual(whole.get(k)?.name);
    }
    expect(alone.get('aws:sourcevpc')?.values).toEqual(['vpc-2']);
    expect(alone.variable('aws:sourceip')).toBe('10.0.0.1');
  });
});
