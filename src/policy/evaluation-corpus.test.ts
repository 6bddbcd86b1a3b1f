/**
 * The evaluation corpus: JSON cases in the `irsa simulate` format under
 * testdata/evaluation/, one file per topic of spec/iam-policy.md §3–§12. Each case names
 * the decision AWS reaches (`expect`), optionally the deciding statements (`expectMatched`,
 * order-insensitive), or the error the case must be rejected with (`expectError`). A case's
 * `doc` cites the AWS documentation page or spec section it comes from; "engine choice"
 * marks the deliberate answers to the spec's [?] questions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isSimulationError, simulateCase } from './simulate.js';
import type { EvalDecision } from './types.js';

interface CorpusCase {
  id: string;
  doc?: string;
  expect?: EvalDecision;
  expectError?: string;
  expectMatched?: { policyId: string; index: number }[];
  request: { principal: unknown; action: string; resource?: string };
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'evaluation');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const CORPUS = FILES.map((file) => ({
  file,
  cases: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as CorpusCase[],
}));
const ALL = CORPUS.flatMap((f) => f.cases);

const key = (m: { policyId: string; index: number }) => `${m.policyId}#${m.index}`;

describe('evaluation corpus', () => {
  it('holds every topic file, with unique ids and one expectation per case', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(11);
    const ids = ALL.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ALL) {
      expect(typeof c.id, JSON.stringify(c)).toBe('string');
      expect(c.expect !== undefined || c.expectError !== undefined, c.id).toBe(true);
    }
  });

  describe.each(CORPUS)('$file', ({ cases }) => {
    it.each(cases)('$id', (c) => {
      const r = simulateCase(c);
      if (c.expectError !== undefined) {
        expect(isSimulationError(r), 'the case should be rejected').toBe(true);
        if (isSimulationError(r)) expect(r.error.code).toBe(c.expectError);
        return;
      }
      if (isSimulationError(r)) throw new Error(`${r.error.code}: ${r.error.message}`);
      expect(r.decision, r.explain.summary).toBe(c.expect);
      expect(r.pass).toBe(true);
      if (c.expectMatched) {
        expect(r.matched.map(key).sort(), r.explain.summary).toEqual(
          c.expectMatched.map(key).sort(),
        );
      }
    });
  });
});
