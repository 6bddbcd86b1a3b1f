import { describe, expect, it } from 'vitest';
import { JsonPathError, jsonPath } from './jsonpath.js';

const sa = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: {
    name: 's3-app',
    namespace: 'production',
    annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/s3-app-role' },
  },
};
const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', labels: { app: 'x' } } },
    { metadata: { name: 'b', labels: { app: 'y' } } },
  ],
};

describe('jsonPath (kubectl -o jsonpath)', () => {
  it('prints a map as JSON and a string bare, as kubectl does (the seed’s troubleshooting step)', () => {
    expect(jsonPath('{.metadata.annotations}', sa)).toBe(
      '{"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/s3-app-role"}',
    );
    expect(jsonPath("{.metadata.annotations['eks.amazonaws.com/role-arn']}", sa)).toBe(
      'arn:aws:iam::123456789012:role/s3-app-role',
    );
    expect(jsonPath('{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}', sa)).toBe(
      'arn:aws:iam::123456789012:role/s3-app-role',
    );
    expect(jsonPath('name: {.metadata.name}', sa)).toBe('name: s3-app');
  });

  it('lists, indexes, wildcards and ranges', () => {
    expect(jsonPath('{.items[*].metadata.name}', list)).toBe('a b');
    expect(jsonPath('{.items[1].metadata.name}', list)).toBe('b');
    expect(jsonPath('{.items[-1].metadata.labels.*}', list)).toBe('y');
    expect(
      jsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.metadata.labels.app}{"\\n"}{end}', list),
    ).toBe('a\tx\nb\ty\n');
  });

  it('a missing field prints nothing, as kubectl’s default; an unsupported expression is an error', () => {
    expect(jsonPath('{.metadata.labels}', sa)).toBe('');
    expect(jsonPath('a{.metadata.nope.deeper}b', sa)).toBe('ab');
    expect(() => jsonPath('{.items[?(@.x)]}', list)).toThrow(JsonPathError);
    expect(() => jsonPath('{..name}', list)).toThrow(JsonPathError);
    expect(() => jsonPath('{range .items[*]}{.metadata.name}', list)).toThrow(JsonPathError);
    expect(() => jsonPath('{.metadata', sa)).toThrow(JsonPathError);
  });
});
