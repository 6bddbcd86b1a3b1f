/**
 * The seed articles' policies, verbatim (../shared/seeds): every complete policy document in
 * them parses, lints as the articles intend, and decides as IRSA does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintPolicy } from '../src/policy/lint/index.js';
import { isSimulationError, simulateCase } from '../src/policy/simulate.js';

const seedsDir = fileURLToPath(new URL('../../shared/seeds/', import.meta.url));

/** Every balanced `{…}` block of a text that parses as a policy document. */
function policiesIn(text: string): { json: string; doc: { Statement: unknown } }[] {
  const out: { json: string; doc: { Statement: unknown } }[] = [];
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}' && --depth === 0) {
        const json = text.slice(i, j + 1);
        try {
          const doc = JSON.parse(json);
          if (doc && typeof doc === 'object' && 'Statement' in doc) {
            out.push({ json, doc });
            i = j;
          }
        } catch {
          // not JSON (shell, YAML, prose)
        }
        break;
      }
    }
  }
  return out;
}

const seeds = readdirSync(seedsDir).filter((f) => f.endsWith('.txt'));
const all = seeds.flatMap((f) => {
  // the articles' shell templates name the cluster's OIDC id `$OIDC_ID`; bash substitutes it
  const text = readFileSync(seedsDir + f, 'utf8').replaceAll(
    '$OIDC_ID',
    'EXAMPLED539D4633E53DE1B71EXAMPLE',
  );
  return policiesIn(text).map((p) => ({ seed: f, ...p }));
});

describe('seed policies', () => {
  it('finds the IRSA trust policies in the seeds', () => {
    expect(
      all.filter((p) => p.json.includes('AssumeRoleWithWebIdentity')).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it.each(all.map((p, i) => [`${p.seed} #${i}`, p] as const))(
    '%s has no high or critical finding',
    (_n, p) => {
      const { findings } = lintPolicy(p.json);
      // placeholders such as YOUR_AWS_ACCOUNT_ID make a provider ARN invalid; nothing else may be serious
      const serious = findings.filter(
        (f) => (f.severity === 'high' || f.severity === 'critical') && !/YOUR_|…/.test(p.json),
      );
      expect(serious.map((f) => `${f.code} ${f.message}`)).toEqual([]);
    },
  );

  it('the seed-001 trust policy admits production/s3-app and nobody else', () => {
    const trust = all.find(
      (p) => p.seed.startsWith('001') && p.json.includes('AssumeRoleWithWebIdentity'),
    );
    expect(trust).toBeDefined();
    const issuer = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
    const run = (sub: string) => {
      const r = simulateCase({
        trustPolicy: trust?.doc,
        request: {
          principal: `arn:aws:iam::123456789012:oidc-provider/${issuer}`,
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: 'arn:aws:iam::123456789012:role/s3-app-role',
          context: { [`${issuer}:sub`]: sub, [`${issuer}:aud`]: 'sts.amazonaws.com' },
        },
      });
      if (isSimulationError(r)) throw new Error(r.error.message);
      return r.decision;
    };
    expect(run('system:serviceaccount:production:s3-app')).toBe('allowed');
    expect(run('system:serviceaccount:production:other')).toBe('implicitDeny');
    expect(run('system:serviceaccount:staging:s3-app')).toBe('implicitDeny');
  });

  it('flags the seed-000 trust policy for its missing audience, as a medium finding', () => {
    const p = all.find(
      (x) => x.seed.startsWith('000') && x.json.includes('AssumeRoleWithWebIdentity'),
    );
    expect(p).toBeDefined();
    expect(lintPolicy(p?.json ?? '').findings.map((f) => `${f.code}:${f.severity}`)).toEqual([
      'T6:medium',
    ]);
  });
});
