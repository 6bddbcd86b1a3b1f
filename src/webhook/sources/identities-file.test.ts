import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Identity, parseIdentities, watchIdentitiesFile } from './identities-file.js';

describe('parseIdentities', () => {
  it.each([
    ['', []],
    ['  \n', []],
    ['null', []],
    ['{}', []],
    ['{"identities":null}', []],
    [
      '{"identities":[{"namespace":"a","serviceAccount":"b"}]}',
      [{ namespace: 'a', serviceAccount: 'b' }],
    ],
    [
      '{"Identities":[{"NameSpace":"a","serviceaccount":"b","extra":1}]}',
      [{ namespace: 'a', serviceAccount: 'b' }],
    ],
    ['{"identities":[{"namespace":"a"}]}', [{ namespace: 'a', serviceAccount: '' }]],
  ])('%j', (text, identities) => {
    expect(parseIdentities(text)).toEqual({ ok: true, identities });
  });

  it.each([
    '{',
    '[]',
    '{"identities":{}}',
    '{"identities":[1]}',
    '{"identities":[{"namespace":1}]}',
  ])('rejects %j', (text) => {
    expect(parseIdentities(text).ok).toBe(false);
  });
});

describe('watchIdentitiesFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('missing file is empty; reloads on change; malformed keeps the set and retries with back-off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-id-'));
    dirs.push(dir);
    const file = join(dir, 'identities.json');
    let current: Identity[] | undefined;
    const logs: string[] = [];
    const h = await watchIdentitiesFile(
      file,
      (ids) => (current = ids),
      (l) => logs.push(l),
      {
        debounceMs: 20,
        retryMs: 50,
      },
    );
    try {
      expect(current).toEqual([]);
      writeFileSync(
        file,
        JSON.stringify({ identities: [{ namespace: 'n', serviceAccount: 's' }] }),
      );
      await expect.poll(() => current?.length, { timeout: 3000 }).toBe(1);

      writeFileSync(file, '{"identities": [');
      await expect
        .poll(() => logs.filter((l) => l.includes('retrying')).length, { timeout: 3000 })
        .toBeGreaterThanOrEqual(2);
      expect(current).toEqual([{ namespace: 'n', serviceAccount: 's' }]);
      const delays = logs
        .filter((l) => l.includes('retrying'))
        .map((l) => Number(/in (\d+) ms/.exec(l)?.[1]));
      expect(delays[1]).toBeGreaterThan(delays[0] as number);

      writeFileSync(file, JSON.stringify({ identities: [] }));
      await expect.poll(() => current?.length, { timeout: 3000 }).toBe(0);
    } finally {
      h.close();
    }
  });
});
