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
    { metadata: { name: 'a', labels: { app: 'x' } }, status: { phase: 'Running' } },
    { metadata: { name: 'b', labels: { app: 'y' } }, status: { phase: 'Pending' } },
    { metadata: { name: 'c', labels: { app: 'z' } }, status: { phase: 'Running' } },
  ],
};
const pod = {
  kind: 'Pod',
  metadata: { name: 's3-reader' },
  spec: {
    replicas: 3,
    containers: [
      {
        name: 'app',
        image: 'amazon/aws-cli',
        env: [
          { name: 'AWS_REGION', value: 'us-east-1' },
          { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::123456789012:role/s3-app-role' },
        ],
      },
      { name: 'sidecar', image: 'busybox', ports: [{ containerPort: 8080 }] },
    ],
    initContainers: [{ name: 'init', image: 'alpine' }],
  },
};
// the kubectl reference page's own example object
const doc = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: {
        capacity: { cpu: '4' },
        addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }],
      },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [{ type: 'LegacyHostIP', address: '127.0.0.2' }],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

const err = (template: string, data: unknown): JsonPathError => {
  try {
    jsonPath(template, data);
  } catch (e) {
    if (e instanceof JsonPathError) return e;
    throw e;
  }
  throw new Error(`no error for ${template}`);
};

describe('jsonPath (kubectl -o jsonpath)', () => {
  it('prints a map as JSON and a string bare, as kubectl does (the seed’s troubleshooting step)', () => {
    expect(jsonPath('{.metadata.annotations}', sa)).toBe(
      '{"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/s3-app-role"}',
    );
    expect(jsonPath('{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}', sa)).toBe(
      'arn:aws:iam::123456789012:role/s3-app-role',
    );
    expect(jsonPath("{.metadata.annotations['eks\\.amazonaws\\.com/role-arn']}", sa)).toBe(
      'arn:aws:iam::123456789012:role/s3-app-role',
    );
    expect(jsonPath('name: {.metadata.name}', sa)).toBe('name: s3-app');
  });

  it('reads a quoted key as a path, as client-go does: its dots must be escaped', () => {
    // ['a.b'] is .a.b in kubectl, so the unescaped key finds nothing
    expect(jsonPath("{.metadata.annotations['eks.amazonaws.com/role-arn']}", sa)).toBe('');
    expect(jsonPath("{['metadata.name']}", sa)).toBe('s3-app');
  });

  it('prints maps as Go’s JSON: keys sorted, HTML characters escaped', () => {
    expect(jsonPath('{.x}', { x: { b: 1, a: '<&>' } })).toBe('{"a":"\\u003c\\u0026\\u003e","b":1}');
    expect(jsonPath('{.x}', { x: [1, 'a'] })).toBe('[1,"a"]');
    expect(jsonPath('{.x} {.y} {.z}', { x: 2, y: 1.5, z: true })).toBe('2 1.5 true');
  });

  it('lists, indexes, wildcards and ranges', () => {
    expect(jsonPath('{.items[*].metadata.name}', list)).toBe('a b c');
    expect(jsonPath('{.items[1].metadata.name}', list)).toBe('b');
    expect(jsonPath('{.items[-1].metadata.labels.*}', list)).toBe('z');
    expect(
      jsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.metadata.labels.app}{"\\n"}{end}', list),
    ).toBe('a\tx\nb\ty\nc\tz\n');
    expect(jsonPath("{range .items[*]}{.metadata.name}{'\\n'}{end}", list)).toBe('a\nb\nc\n');
  });

  it('slices, as [start:end]', () => {
    expect(jsonPath('{.items[-1:].metadata.name}', list)).toBe('c');
    expect(jsonPath('{.items[0:2].metadata.name}', list)).toBe('a b');
    expect(jsonPath('{.items[1:].metadata.name}', list)).toBe('b c');
    expect(jsonPath('{.items[:1].metadata.name}', list)).toBe('a');
    expect(jsonPath('{.items[-2:].metadata.name}', list)).toBe('b c');
    expect(jsonPath('{.items[0:3:3].metadata.name}', list)).toBe('a b c');
    expect(jsonPath('{.items[1:1].metadata.name}', list)).toBe('');
    expect(err('{.items[3]}', list).message).toBe('array index out of bounds: index 3, length 3');
    expect(err('{.items[0:4]}', list).message).toBe('array index out of bounds: index 3, length 3');
  });

  it('unions of indexes and of paths', () => {
    expect(jsonPath('{.items[0,2].metadata.name}', list)).toBe('a c');
    expect(jsonPath("{.items[*]['metadata.name', 'status.phase']}", list)).toBe(
      'a b c Running Pending Running',
    );
    // the reference page's example
    expect(jsonPath("{.items[*]['metadata.name', 'status.capacity']}", doc)).toBe(
      '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
    );
  });

  it('filters: the IRSA env check, comparisons with strings and numbers, existence', () => {
    expect(jsonPath('{.spec.containers[?(@.name=="app")].image}', pod)).toBe('amazon/aws-cli');
    expect(jsonPath('{.spec.containers[*].env[?(@.name=="AWS_ROLE_ARN")].value}', pod)).toBe(
      'arn:aws:iam::123456789012:role/s3-app-role',
    );
    expect(jsonPath("{.spec.containers[?(@.name != 'app')].name}", pod)).toBe('sidecar');
    expect(jsonPath('{.users[?(@.name=="e2e")].user.password}', doc)).toBe('secret');
    expect(jsonPath('{.spec.containers[?(@.ports)].name}', pod)).toBe('sidecar');
    expect(jsonPath('{.spec.containers[?(@.env)].name}', pod)).toBe('app');
    expect(jsonPath('{.items[?(@.metadata.name>"a")].metadata.name}', list)).toBe('b c');
    expect(jsonPath('{.items[?(@.metadata.name<="b")].metadata.name}', list)).toBe('a b');
    const nums = { xs: [{ n: 1 }, { n: 2 }, { n: 3 }] };
    expect(jsonPath('{.xs[?(@.n>=2)].n}', nums)).toBe('2 3');
    expect(jsonPath('{.xs[?(@.n<2)].n}', nums)).toBe('1');
    expect(jsonPath('{.xs[?(@.n==3)].n}', nums)).toBe('3');
    expect(jsonPath('{.xs[?(@.n>1.5)].n}', { xs: [{ n: 1.25 }, { n: 2.5 }] })).toBe('2.5');
    // a filter's parenthesis inside a quoted literal
    expect(jsonPath('{.xs[?(@.s=="a)b")].s}', { xs: [{ s: 'a)b' }, { s: 'c' }] })).toBe('a)b');
  });

  it('filters fail as client-go’s do: one value each side, of one type', () => {
    expect(err('{.xs[?(@.n=="1")]}', { xs: [{ n: 1 }] }).message).toBe(
      'incompatible types for comparison',
    );
    expect(err('{.xs[?(@.n==1.0)]}', { xs: [{ n: 1 }] }).message).toBe(
      'incompatible types for comparison',
    );
    expect(err('{.xs[?(@.n=="a")]}', { xs: [{ m: 1 }] }).message).toBe(
      'can only compare one element at a time',
    );
    expect(err('{.xs[?(@.n=="a")]}', { xs: [{ n: { a: 1 } }] }).message).toBe(
      'invalid type for comparison',
    );
    expect(err('{.xs[?(@.n=<"a")]}', { xs: [{ n: 'a' }] }).message).toBe(
      'unrecognized filter operator =<',
    );
    expect(err('{.m[?(@.n)]}', { m: { n: 1 } }).message).toBe(
      'map[n:1] is not array or slice and cannot be filtered',
    );
  });

  it('recursive descent', () => {
    expect(jsonPath('{..image}', pod)).toBe('amazon/aws-cli busybox alpine');
    expect(jsonPath('{..name}', doc)).toBe('127.0.0.1 127.0.0.2 myself e2e');
    expect(jsonPath('{.spec..containerPort}', pod)).toBe('8080');
    expect(err('{.....name}', doc).message).toBe('invalid multiple recursive descent');
  });

  it('a missing field prints nothing, as kubectl’s default; a malformed template is an error', () => {
    expect(jsonPath('{.metadata.labels}', sa)).toBe('');
    expect(jsonPath('a{.metadata.nope.deeper}b', sa)).toBe('ab');
    expect(err('{range .items[*]}{.metadata.name}', list).phase).toBe('parse');
    expect(err('{.metadata', sa).message).toBe('unclosed action');
    expect(err('{.items[x]}', list).message).toBe('invalid array index x');
    expect(err('{.items[0}', list).message).toBe('unterminated array');
    expect(err('{.items[?(@.x}', list).message).toBe('unterminated filter');
    expect(err('{*}', list).message).toBe("unrecognized character in action: U+002A '*'");
    expect(err('{end}', list).message).toBe('not in range, nothing to end');
    // [...] takes arrays, as in kubectl
    expect(err('{.metadata[*]}', sa).message).toBe('map[string]interface {} is not array or slice');
  });
});
