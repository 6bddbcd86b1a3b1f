import { describe, expect, it } from 'vitest';
import { shownMetaValue, storedMetaValue } from './metadata.js';

/** a header value as Node reads it: one character a byte */
const wire = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('metadata outside US-ASCII (RFC 2047)', () => {
  it('stores UTF-8 bytes and encoded words as the text they are', () => {
    expect(storedMetaValue(wire('héllo wörld'))).toBe('héllo wörld');
    expect(storedMetaValue('=?UTF-8?B?aMOpbGxv?=')).toBe('héllo');
    expect(storedMetaValue('=?utf-8?q?h=C3=A9llo_w?=')).toBe('héllo w');
    expect(storedMetaValue('=?UTF-8?B?aMOp?= =?UTF-8?B?bGxv?=')).toBe('héllo');
    expect(storedMetaValue('plain ascii')).toBe('plain ascii');
    // an unknown charset or a broken word stays as it came
    expect(storedMetaValue('=?KOI8-R?B?aMOp?=')).toBe('=?KOI8-R?B?aMOp?=');
  });

  it('returns non-ASCII as one UTF-8 B word, ASCII as is', () => {
    expect(shownMetaValue('héllo')).toBe('=?UTF-8?B?aMOpbGxv?=');
    expect(shownMetaValue('irsa')).toBe('irsa');
    expect(storedMetaValue(shownMetaValue('日本語'))).toBe('日本語');
  });
});
