import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import {
  compareKeys,
  decodeContinuation,
  encodeContinuation,
  listPage,
  parseMaxKeys,
  urlEncodeKey,
} from './listing.js';

const KEYS = ['a.txt', 'dir/a', 'dir/b', 'dir/sub/c', 'home/alice/1', 'home/bob/1', 'z'];
const items = KEYS.map((key) => ({ key, value: key.length }));
const keysOf = (o: { contents: { key: string }[] }) => o.contents.map((c) => c.key);

describe('a page of a listing', () => {
  it('lists everything in order', () => {
    const out = listPage(items, { prefix: '', maxKeys: 1000 });
    expect(keysOf(out)).toEqual(KEYS);
    expect(out.truncated).toBe(false);
  });

  it('rolls keys up to the delimiter into common prefixes', () => {
    const out = listPage(items, { prefix: '', delimiter: '/', maxKeys: 1000 });
    expect(keysOf(out)).toEqual(['a.txt', 'z']);
    expect(out.commonPrefixes).toEqual(['dir/', 'home/']);
  });

  it('within a prefix', () => {
    const out = listPage(items, { prefix: 'dir/', delimiter: '/', maxKeys: 1000 });
    expect(keysOf(out)).toEqual(['dir/a', 'dir/b']);
    expect(out.commonPrefixes).toEqual(['dir/sub/']);
  });

  it('max-keys counts keys and prefixes; the page resumes after a prefix', () => {
    const first = listPage(items, { prefix: '', delimiter: '/', maxKeys: 2 });
    expect(keysOf(first)).toEqual(['a.txt']);
    expect(first.commonPrefixes).toEqual(['dir/']);
    expect(first.truncated).toBe(true);
    expect(first.last).toEqual({ value: 'dir/', isPrefix: true });
    const second = listPage(items, {
      prefix: '',
      delimiter: '/',
      maxKeys: 2,
      after: 'dir/',
      afterPrefix: 'dir/',
    });
    expect(second.commonPrefixes).toEqual(['home/']);
    expect(keysOf(second)).toEqual(['z']);
    expect(second.truncated).toBe(false);
  });

  it('start-after is exclusive', () => {
    expect(keysOf(listPage(items, { prefix: '', maxKeys: 2, after: 'dir/b' }))).toEqual([
      'dir/sub/c',
      'home/alice/1',
    ]);
  });

  it('max-keys 0 is an empty page, not truncated (there is no way on from it: S3 says false)', () => {
    const out = listPage(items, { prefix: '', maxKeys: 0 });
    expect(out.contents).toEqual([]);
    expect(out.truncated).toBe(false);
  });

  it('truncated only when something follows', () => {
    expect(listPage(items, { prefix: '', maxKeys: KEYS.length }).truncated).toBe(false);
  });
});

describe('key order and encodings', () => {
  it('orders by code point, as UTF-8 bytes do', () => {
    const keys = ['\u{1F600}', '\uffff', 'a', '\u00e9'];
    expect([...keys].sort(compareKeys)).toEqual(['a', '\u00e9', '\uffff', '\u{1F600}']);
    expect([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))).toEqual(
      [...keys].sort(compareKeys),
    );
  });

  it('continuation tokens round-trip and are checked', () => {
    for (const last of [
      { value: 'dir/', isPrefix: true },
      { value: 'ü/k', isPrefix: false },
    ])
      expect(decodeContinuation(encodeContinuation(last))).toEqual(last);
    expect(() => decodeContinuation('garbage')).toThrow(AwsError);
    try {
      decodeContinuation('garbage');
    } catch (e) {
      expect([(e as AwsError).code, (e as AwsError).message]).toEqual([
        'InvalidArgument',
        'The continuation token provided is incorrect',
      ]);
    }
  });

  it('max-keys', () => {
    expect(parseMaxKeys(undefined)).toBe(1000);
    expect(parseMaxKeys('5')).toBe(5);
    expect(parseMaxKeys('5000')).toBe(1000);
    for (const bad of ['-1', 'ten', '1.5', '99999999999'])
      expect(() => parseMaxKeys(bad)).toThrow(
        'Provided max-keys not an integer or within integer range',
      );
  });

  it('url-encodes keys as botocore unquote_plus reads them', () => {
    expect(urlEncodeKey('a b+c/ü(1)*')).toBe('a+b%2Bc/%C3%BC%281%29%2A');
  });
});
