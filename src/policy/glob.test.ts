import { describe, expect, it } from 'vitest';
import { compileGlob, globFromParts, matchGlob } from './glob.js';

describe('glob', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything:at/all', true],
    ['s3:get*', 's3:getobject', true],
    ['s3:get*', 's3:putobject', false],
    ['s3:getobjec?', 's3:getobject', true],
    ['s3:getobjec?', 's3:getobjectacl', false],
    ['iam:*accesskey*', 'iam:createaccesskey', true],
    ['iam:*accesskey*', 'iam:listaccesskeys', true],
    ['iam:*accesskey*', 'iam:createuser', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['?', '', false],
    ['??', 'ab', true],
    ['*?', '', false],
    ['a**', 'a', true],
    ['exact', 'exact', true],
    ['exact', 'Exact', false],
  ])('%s ~ %s → %s', (pattern, subject, expected) => {
    expect(matchGlob(compileGlob(pattern), subject)).toBe(expected);
  });

  it('keeps escaped and substituted wildcards literal', () => {
    const g = globFromParts([
      { text: 'a', wild: true },
      { text: '*', wild: false },
      { text: '*', wild: true },
    ]);
    expect(matchGlob(g, 'a*xyz')).toBe(true);
    expect(matchGlob(g, 'abxyz')).toBe(false);
  });
});
