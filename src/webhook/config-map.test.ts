import { describe, expect, it } from 'vitest';
import { lookupConfigMap, parseConfigMapConfig } from './config-map.js';

describe('parseConfigMapConfig', () => {
  it('reads entries; TokenExpiration 0 or missing becomes the flag default, others are kept', () => {
    const r = parseConfigMapConfig(
      JSON.stringify({
        'ns/a': { RoleARN: 'arn:a', Audience: 'aud', UseRegionalSTS: true, TokenExpiration: 300 },
        '*/b': { RoleARN: 'arn:b', TokenExpiration: 0 },
        'ns/c': { rolearn: 'arn:c', USEREGIONALSTS: true, unknown: 1 },
        'ns/d': null,
      }),
      3600,
    );
    expect(r).toEqual({
      ok: true,
      entries: {
        'ns/a': { roleArn: 'arn:a', audience: 'aud', useRegionalSts: true, tokenExpiration: 300 },
        '*/b': { roleArn: 'arn:b', audience: '', useRegionalSts: false, tokenExpiration: 3600 },
        'ns/c': { roleArn: 'arn:c', audience: '', useRegionalSts: true, tokenExpiration: 3600 },
        'ns/d': { roleArn: '', audience: '', useRegionalSts: false, tokenExpiration: 3600 },
      },
    });
  });

  it.each([
    ['{', 'config is not JSON'],
    ['[]', 'config must be a JSON object'],
    ['{"a/b": 1}', 'entry `a/b` must be an object'],
    ['{"a/b": {"RoleARN": 1}}', 'entry `a/b`: `RoleARN` must be a string'],
    ['{"a/b": {"UseRegionalSTS": "true"}}', 'entry `a/b`: `UseRegionalSTS` must be a boolean'],
    ['{"a/b": {"TokenExpiration": 1.5}}', 'entry `a/b`: `TokenExpiration` must be a number'],
  ])('rejects %s', (text, error) => {
    const r = parseConfigMapConfig(text, 86400);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });

  it('null is an empty ConfigMap', () => {
    expect(parseConfigMapConfig('null', 1)).toEqual({ ok: true, entries: {} });
  });

  it('a field named after a prototype member is an unknown field, ignored as Go ignores it', () => {
    const r = parseConfigMapConfig(
      '{"sa": {"RoleARN": "arn:aws:iam::1:role/r", "constructor": 1, "toString": "x"}}',
      3600,
    );
    expect(r).toEqual({
      ok: true,
      entries: {
        sa: {
          roleArn: 'arn:aws:iam::1:role/r',
          audience: '',
          useRegionalSts: false,
          tokenExpiration: 3600,
        },
      },
    });
  });

  it('a __proto__ key is only a key', () => {
    const r = parseConfigMapConfig('{"__proto__": {"RoleARN": "x"}}', 1);
    expect(r.ok && Object.keys(r.entries)).toEqual(['__proto__']);
  });
});

describe('lookupConfigMap', () => {
  const e = (roleArn: string) => ({
    roleArn,
    audience: '',
    useRegionalSts: false,
    tokenExpiration: 1,
  });
  const entries = { 'ns/a': e('exact'), '*/a': e('any'), '*/b': e('any-b'), 'n*/c': e('glob') };
  it.each([
    ['ns', 'a', true, 'exact'],
    ['other', 'a', true, 'any'],
    ['ns', 'b', true, 'any-b'],
    ['ns', 'b', false, undefined],
    ['ns', 'c', true, undefined],
    ['ns', 'toString', true, undefined],
  ])('%s/%s wildcard=%s → %s', (ns, name, wildcard, role) => {
    expect(lookupConfigMap(entries, ns, name, wildcard)?.roleArn).toBe(role);
  });
});
