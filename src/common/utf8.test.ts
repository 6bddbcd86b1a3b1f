import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate, jsonHasLoneSurrogate, utf8Text } from './utf8.js';

describe('utf8', () => {
  it('reads valid UTF-8 and refuses what is not', () => {
    expect(utf8Text(Buffer.from('héllo €😀'))).toBe('héllo €😀');
    expect(utf8Text(Buffer.from([0x69, 0x6e, 0x76, 0xff]))).toBeUndefined();
    expect(utf8Text(Buffer.from([0xed, 0xa0, 0x80]))).toBeUndefined(); // an encoded surrogate
    expect(utf8Text(Buffer.alloc(0))).toBe('');
  });

  it('finds lone surrogates, not pairs', () => {
    expect(hasLoneSurrogate('a\ud800')).toBe(true);
    expect(hasLoneSurrogate('a\udc00b')).toBe(true);
    expect(hasLoneSurrogate('\udc00\ud800')).toBe(true);
    expect(hasLoneSurrogate('😀')).toBe(false);
    expect(hasLoneSurrogate('plain')).toBe(false);
  });

  it('walks parsed JSON only when the text escapes a surrogate', () => {
    const lone = '{"Item":{"pk":{"S":"al\\ud800"}}}';
    expect(jsonHasLoneSurrogate(lone, JSON.parse(lone))).toBe(true);
    const key = '{"\\udc00":1}';
    expect(jsonHasLoneSurrogate(key, JSON.parse(key))).toBe(true);
    const inList = '{"L":[1,["x","\\uDBFF"]]}';
    expect(jsonHasLoneSurrogate(inList, JSON.parse(inList))).toBe(true);
    const pair = '{"S":"\\ud83d\\ude00"}';
    expect(jsonHasLoneSurrogate(pair, JSON.parse(pair))).toBe(false);
    // no escape in the text: not walked (a parsed value handed in alone is not looked at)
    expect(jsonHasLoneSurrogate('{"S":"x"}', { S: '\ud800' })).toBe(false);
  });
});
