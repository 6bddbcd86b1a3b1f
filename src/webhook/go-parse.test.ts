import { describe, expect, it } from 'vitest';
import { parseCsvRecord, parseGoBool, parseGoInt64 } from './go-parse.js';

describe('parseGoBool (strconv.ParseBool)', () => {
  it.each([
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
    ['', undefined],
    ['yes', undefined],
    ['tRue', undefined],
    [' true', undefined],
    ['true ', undefined],
  ])('%j → %s', (text, value) => {
    expect(parseGoBool(text)).toBe(value);
  });
});

describe('parseGoInt64 (strconv.ParseInt base 10)', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['+12', 12],
    ['-12', -12],
    ['007', 7],
    ['9223372036854775807', Number(2n ** 63n - 1n)],
    ['-9223372036854775808', -Number(2n ** 63n)],
    ['9223372036854775808', undefined],
    ['-9223372036854775809', undefined],
    ['', undefined],
    ['+', undefined],
    ['1e3', undefined],
    ['1_000', undefined],
    ['0x10', undefined],
    ['12 ', undefined],
    ['١٢', undefined],
  ])('%j → %s', (text, value) => {
    expect(parseGoInt64(text)).toBe(value);
  });
});

describe('parseCsvRecord (encoding/csv, one record)', () => {
  it.each([
    ['a', ['a']],
    ['a,b', ['a', 'b']],
    ['a, b', ['a', ' b']],
    [' a ,b ', [' a ', 'b ']],
    ['a,', ['a', '']],
    [',', ['', '']],
    ['""', ['']],
    ['"a,b",c', ['a,b', 'c']],
    ['"a""b"', ['a"b']],
    ['"a\nb",c', ['a\nb', 'c']],
    ['"a\r\nb"', ['a\nb']],
    ['a\nb', ['a']],
    ['\n\na,b', ['a', 'b']],
    ['a\r', ['a']],
    ['a\r\n', ['a']],
    ['a\rb', ['a\rb']],
    ['"a"\nb', ['a']],
    ['', undefined],
    ['\n', undefined],
    ['a"b', undefined],
    ['"a"b', undefined],
    ['"a', undefined],
    [' "a"', undefined],
    ['a,"b', undefined],
  ])('%j → %j', (text, fields) => {
    expect(parseCsvRecord(text)).toEqual(fields);
  });
});
