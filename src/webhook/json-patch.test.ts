import { describe, expect, it } from 'vitest';
import { applyJsonPatch, escapePointerToken, JsonPatchError } from './json-patch.js';
import type { JsonPatchOp } from './types.js';

const doc = () => ({ a: { b: [1, 2], 'x/y': 1, 'm~n': 2 }, c: null as unknown });

describe('applyJsonPatch (RFC 6902)', () => {
  it.each<[string, JsonPatchOp[], unknown]>([
    ['add a member', [{ op: 'add', path: '/d', value: 1 }], { ...doc(), d: 1 }],
    ['add replaces a member', [{ op: 'add', path: '/c', value: 2 }], { ...doc(), c: 2 }],
    [
      'add inserts into an array',
      [{ op: 'add', path: '/a/b/0', value: 0 }],
      { ...doc(), a: { ...doc().a, b: [0, 1, 2] } },
    ],
    [
      'add appends with -',
      [{ op: 'add', path: '/a/b/-', value: 3 }],
      { ...doc(), a: { ...doc().a, b: [1, 2, 3] } },
    ],
    [
      'add at the end index',
      [{ op: 'add', path: '/a/b/2', value: 3 }],
      { ...doc(), a: { ...doc().a, b: [1, 2, 3] } },
    ],
    [
      'escaped tokens',
      [
        { op: 'add', path: '/a/x~1y', value: 5 },
        { op: 'add', path: '/a/m~0n', value: 6 },
      ],
      { ...doc(), a: { ...doc().a, 'x/y': 5, 'm~n': 6 } },
    ],
    ['add the whole document', [{ op: 'add', path: '', value: [1] }], [1]],
    ['remove', [{ op: 'remove', path: '/a/b/0' }], { ...doc(), a: { ...doc().a, b: [2] } }],
    [
      'replace',
      [{ op: 'replace', path: '/a/b/1', value: 9 }],
      { ...doc(), a: { ...doc().a, b: [1, 9] } },
    ],
    [
      'test then add',
      [
        { op: 'test', path: '/a/b', value: [1, 2] },
        { op: 'add', path: '/t', value: true },
      ],
      { ...doc(), t: true },
    ],
    [
      'move',
      [{ op: 'move', from: '/a/b', path: '/b' }],
      { a: { 'x/y': 1, 'm~n': 2 }, c: null, b: [1, 2] },
    ],
    ['copy', [{ op: 'copy', from: '/a/b/0', path: '/z' }], { ...doc(), z: 1 }],
  ])('%s', (_n, patch, expected) => {
    const input = doc();
    expect(applyJsonPatch(input, patch)).toEqual(expected);
    expect(input).toEqual(doc());
  });

  it.each<[string, JsonPatchOp[]]>([
    ['missing parent', [{ op: 'add', path: '/nope/x', value: 1 }]],
    ['index past the end', [{ op: 'add', path: '/a/b/3', value: 1 }]],
    ['leading zero index', [{ op: 'add', path: '/a/b/01', value: 1 }]],
    ['not a pointer', [{ op: 'add', path: 'a', value: 1 }]],
    ['bad escape', [{ op: 'add', path: '/a~2', value: 1 }]],
    ['remove a missing member', [{ op: 'remove', path: '/zz' }]],
    ['replace a missing member', [{ op: 'replace', path: '/zz', value: 1 }]],
    ['failed test', [{ op: 'test', path: '/a/b', value: [2, 1] }]],
    ['move into a child', [{ op: 'move', from: '/a', path: '/a/q' }]],
    ['parent is null', [{ op: 'add', path: '/c/x', value: 1 }]],
  ])('fails: %s', (_n, patch) => {
    expect(() => applyJsonPatch(doc(), patch)).toThrow(JsonPatchError);
  });

  it('names the failing operation', () => {
    try {
      applyJsonPatch(doc(), [
        { op: 'add', path: '/ok', value: 1 },
        { op: 'remove', path: '/zz' },
      ]);
      expect.unreachable();
    } catch (e) {
      expect((e as JsonPatchError).index).toBe(1);
      expect((e as Error).message).toBe('patch operation 1: path `/zz` does not exist');
    }
  });

  it('escapes pointer tokens', () => {
    expect(escapePointerToken('eks.amazonaws.com/pod-identity')).toBe(
      'eks.amazonaws.com~1pod-identity',
    );
    expect(escapePointerToken('a~/b')).toBe('a~0~1b');
  });
});
