import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceAccountCache } from '../sa-cache.js';
import { parseServiceAccountManifests, watchServiceAccountFile } from './manifest-file.js';

const yamlSa = (
  name: string,
  role = 'arn:aws:iam::111122223333:role/x',
  ns = 'default',
) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  namespace: ${ns}
  annotations:
    eks.amazonaws.com/role-arn: ${role}
`;

describe('parseServiceAccountManifests', () => {
  it.each([
    [
      'multi-document YAML',
      `${yamlSa('a')}---\n${yamlSa('b', 'r', 'team')}`,
      ['default/a', 'team/b'],
      0,
    ],
    [
      'kind: List',
      'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n',
      ['default/a'],
      0,
    ],
    [
      'ServiceAccountList (JSON)',
      JSON.stringify({
        kind: 'ServiceAccountList',
        items: [{ kind: 'ServiceAccount', metadata: { name: 'j', namespace: 'n' } }],
      }),
      ['n/j'],
      0,
    ],
    [
      'other kinds skipped',
      `${yamlSa('a')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\n`,
      ['default/a'],
      1,
    ],
    ['empty file', '', [], 0],
    ['comments only', '# nothing\n', [], 0],
  ])('%s', (_n, text, names, skipped) => {
    const r = parseServiceAccountManifests(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.serviceAccounts.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(
      names,
    );
    expect(r.skipped).toBe(skipped);
  });

  it.each([
    ['bad YAML', 'a: [\n', /^document 1: /],
    ['duplicate keys', 'kind: ServiceAccount\nkind: ServiceAccount\n', /Map keys must be unique/],
    [
      'no name',
      'kind: ServiceAccount\nmetadata: {}\n',
      'document 1: a ServiceAccount needs metadata.name',
    ],
    [
      'annotation not a string',
      'kind: ServiceAccount\nmetadata: {name: a, annotations: {x: 1}}\n',
      'document 1: the annotations of `a` must be strings',
    ],
    ['a scalar document', 'just text\n', 'document 1: not an object'],
    [
      'bad list item',
      'kind: List\nitems: [{kind: ServiceAccount}]\n',
      'document 1 item 1: a ServiceAccount needs metadata.name',
    ],
  ])('rejects %s', (_n, text, error) => {
    const r = parseServiceAccountManifests(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('watchServiceAccountFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('loads, re-reads on change, and keeps the previous set when the file breaks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-sa-'));
    dirs.push(dir);
    const file = join(dir, 'sas.yaml');
    writeFileSync(file, yamlSa('a'));
    const cache = new ServiceAccountCache('eks.amazonaws.com');
    const logs: string[] = [];
    const h = await watchServiceAccountFile(file, cache.source('file'), (l) => logs.push(l), 20);
    try {
      expect(cache.get('default', 'a')).toBeDefined();
      writeFileSync(file, yamlSa('b'));
      await expect.poll(() => cache.get('default', 'b'), { timeout: 3000 }).toBeDefined();
      expect(cache.get('default', 'a')).toBeUndefined();

      writeFileSync(file, 'kind: ServiceAccount\nmetadata: [\n');
      await expect
        .poll(() => logs.some((l) => l.includes('keeping the previous set')), { timeout: 3000 })
        .toBe(true);
      expect(cache.get('default', 'b')).toBeDefined();

      rmSync(file);
      await h.reload();
      expect(cache.get('default', 'b')).toBeDefined();
      expect(logs.at(-1)).toMatch(/cannot read .* \(ENOENT\); keeping the previous set/);
    } finally {
      h.close();
    }
  });
});
