/**
 * The compiled trust policy of a role record: a frozen record (the directory snapshot's)
 * skips the text lookup on the next call, but only within the cache that compiled it.
 */
import { describe, expect, it } from 'vitest';
import type { RoleRecord } from '../iam/directory.js';
import { trustPolicyOf } from './deps.js';
import { PolicyCache } from './policy-cache.js';

const role = (trust: string): RoleRecord =>
  Object.freeze({
    account: '123456789012',
    roleName: 'r',
    roleId: 'AROAEXAMPLEEXAMPLE123',
    path: '/',
    arn: 'arn:aws:iam::123456789012:role/r',
    assumeRolePolicyDocument: trust,
    maxSessionDuration: 3600,
    tags: [],
    createDate: '2025-01-01T00:00:00Z',
  });
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

/** A cache that counts the policies it is asked to load. */
function counting(): { cache: PolicyCache; loads: () => number } {
  const cache = new PolicyCache();
  let n = 0;
  const load = cache.load.bind(cache);
  cache.load = (...args) => {
    n++;
    return load(...args);
  };
  return { cache, loads: () => n };
}

describe('trustPolicyOf', () => {
  it('compiles a frozen record once per cache, and each cache asks for it itself', () => {
    const r = role(TRUST);
    const a = counting();
    const b = counting();
    const first = trustPolicyOf(r, a.cache);
    expect(first).toBeDefined();
    expect(trustPolicyOf(r, a.cache)).toBe(first);
    expect(a.loads()).toBe(1);
    // another cache does not get the first one's result behind its back
    expect(trustPolicyOf(r, b.cache)).toBeDefined();
    expect(b.loads()).toBe(1);
  });

  it('is undefined for a trust policy that cannot be read', () => {
    expect(trustPolicyOf(role('{not json'), new PolicyCache())).toBeUndefined();
  });
});
