import { describe, expect, it } from 'vitest';
import {
  buildCanonicalRequest,
  canonicalHeaderValue,
  canonicalHeaders,
  canonicalQuery,
  canonicalUri,
  normalizePath,
} from './canonical.js';
import { EMPTY_SHA256 } from './constants.js';
import { pairRawHeaders, percentDecode, toByteString, uriEncode } from './encoding.js';

describe('canonical URI (spec §8.2)', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['//', '/'],
    ['/./', '/'],
    ['/example/..', '/'],
    ['/example1/example2/../..', '/'],
    ['/a/b/../c', '/a/c'],
    ['/../a', '/a'],
    ['//example//', '/example/'],
    ['/./example', '/example'],
    ['/a/./b/', '/a/b/'],
  ])('normalizePath(%j) = %j', (path, expected) => {
    expect(normalizePath(path)).toBe(expected);
  });

  it.each([
    // non-S3: normalise, then encode again (a % on the wire becomes %25)
    ['normalize', '/example space/', '/example%20space/'],
    ['normalize', '/example/$delete', '/example/%24delete'],
    ['normalize', '/ሴ', '/%E1%88%B4'],
    ['normalize', '/b/a%2Bc', '/b/a%252Bc'],
    ['normalize', '/-._~AZaz09', '/-._~AZaz09'],
    ['normalize', '', '/'],
    // S3: the path as sent; only raw space / non-ASCII get escaped
    ['as-sent', '//example//', '//example//'],
    ['as-sent', '/example/..', '/example/..'],
    ['as-sent', '/example space/', '/example%20space/'],
    [
      'as-sent',
      '/b/dir/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9%2B%281%29~%21%27%2A.txt',
      '/b/dir/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9%2B%281%29~%21%27%2A.txt',
    ],
    ['as-sent', '/b/lower%c3%bc', '/b/lower%c3%bc'],
    ['as-sent', '/b/a(1)!*', '/b/a(1)!*'],
    // a character ≤ U+00FF is a byte (Node hands raw bytes over as latin1)
    ['as-sent', '/b/ü', '/b/%FC'],
    ['as-sent', '/b/ሴ', '/b/%E1%88%B4'],
    ['as-sent', '', '/'],
  ] as const)('%s %j → %j', (rule, path, expected) => {
    expect(canonicalUri(path, rule)).toBe(expected);
  });

  it('reads a non-ASCII path as bytes when it holds only byte characters (Node latin1)', () => {
    // what Node hands over for the raw UTF-8 bytes of "/ü"
    expect(canonicalUri(Buffer.from('/ü', 'utf8').toString('latin1'), 'as-sent')).toBe('/%C3%BC');
  });
});

describe('canonical query (spec §8.2)', () => {
  it.each([
    ['', ''],
    ['Param2=value2&Param1=value1', 'Param1=value1&Param2=value2'],
    ['Param1=value2&Param1=Value1', 'Param1=Value1&Param1=value2'],
    [
      'Param-3=Value3&Param=Value2&%E1%88%B4=Value1',
      '%E1%88%B4=Value1&Param=Value2&Param-3=Value3',
    ],
    ['a+b=c+d', 'a%2Bb=c%2Bd'],
    ['c+d', 'c%2Bd='],
    ['a=%7e%2f', 'a=~%2F'],
    ['a=x y', 'a=x%20y'],
    ['a=1&&b=2&', 'a=1&b=2'],
    ['a=%zz', 'a=%25zz'],
    ['=v', '=v'],
    ['b&a=', 'a=&b='],
    ['ሴ=bar', '%E1%88%B4=bar'],
  ])('%j → %j', (query, expected) => {
    expect(canonicalQuery(query)).toBe(expected);
  });

  it('leaves out only X-Amz-Signature for presigned URLs', () => {
    expect(
      canonicalQuery('X-Amz-Signature=abc&x-amz-signature=keep&X-Amz-Date=1', 'X-Amz-Signature'),
    ).toBe('X-Amz-Date=1&x-amz-signature=keep');
  });
});

describe('canonical headers (spec §8.2)', () => {
  it.each([
    ['  value1  ', 'value1'],
    [' "a   b   c"', '"a b c"'],
    ['value1\n  value2\n     value3', 'value1 value2 value3'],
    ['a\t\tb', 'a b'],
    ['', ''],
  ])('value %j → %j', (value, expected) => {
    expect(canonicalHeaderValue(value)).toBe(expected);
  });

  it('joins duplicates in order with "," and keeps Host with its port', () => {
    const raw = [
      'Host',
      '127.0.0.1:4566',
      'My-Header1',
      'value4',
      'my-header1',
      ' value1 ',
      'MY-HEADER1',
      'value3',
    ];
    expect(canonicalHeaders(pairRawHeaders(raw), ['host', 'my-header1'])).toEqual({
      text: 'host:127.0.0.1:4566\nmy-header1:value4,value1,value3\n',
      missing: [],
    });
  });

  it('reports signed headers the request lacks', () => {
    expect(canonicalHeaders([['Host', 'h']], ['host', 'x-amz-date']).missing).toEqual([
      'x-amz-date',
    ]);
  });

  it('signs non-ASCII header bytes as received', () => {
    const value = Buffer.from('naïve', 'utf8').toString('latin1');
    const c = buildCanonicalRequest({
      method: 'PUT',
      target: '/b/k',
      headers: [
        ['Host', 'h'],
        ['x-amz-meta-name', value],
      ],
      signedHeaders: ['host', 'x-amz-meta-name'],
      uriRule: 'as-sent',
      payloadHash: EMPTY_SHA256,
    });
    expect(c.text).toContain('x-amz-meta-name:naïve\n');
    expect(Buffer.from(c.bytes, 'latin1').includes(Buffer.from('naïve', 'utf8'))).toBe(true);
  });
});

describe('encoding helpers', () => {
  it.each([
    ['a%20b+c%zz', 'a b+c%zz'],
    ['%4', '%4'],
    ['%41%4a%4A', 'AJJ'],
    ['100%', '100%'],
  ])('percentDecode(%j) = %j', (input, expected) => {
    expect(percentDecode(input)).toBe(expected);
  });

  it('encodes bytes with upper-case hex', () => {
    expect(uriEncode(toByteString('a b+c/ሴ'))).toBe('a%20b%2Bc%2F%E1%88%B4');
    expect(uriEncode('a/b', true)).toBe('a/b');
  });
});
