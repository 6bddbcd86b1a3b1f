/**
 * The `irsa` command as users run it: the built CLI in a child process, real files, real
 * exit codes. `npm test` builds dist/ first.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const examples = join(root, 'examples');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function irsa(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cli, ...args],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'irsa-cli-'));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
});

describe('irsa lint', () => {
  it('passes the seed trust policy and fails the broad one', async () => {
    const ok = await irsa(['lint', join(examples, 'trust-policy.json')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(
      `${join(examples, 'trust-policy.json')} (trust policy, guessed)\n  no findings\n`,
    );
    // several clean files: each says so, and the total says how many
    const two = await irsa([
      'lint',
      join(examples, 'trust-policy.json'),
      join(examples, 'trust-policy.json'),
    ]);
    expect(two.stdout.match(/no findings/g)).toHaveLength(3);
    expect(two.stdout).toMatch(/\n\nno findings in 2 files\n$/);
    const bad = await irsa(['lint', join(examples, 'trust-policy-too-broad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/high\s+T4/);
    expect(bad.stdout).toMatch(/high\s+T8/);
  });

  it('honours --fail-on', async () => {
    const broad = join(examples, 'trust-policy-too-broad.json');
    expect((await irsa(['lint', '--fail-on', 'critical', broad])).code).toBe(0);
    expect((await irsa(['lint', '--fail-on', 'none', broad])).code).toBe(0);
    const medium = file(
      'no-aud.json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/ABC',
            },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'oidc.example.com/id/ABC:sub': 'system:serviceaccount:a:b' },
            },
          },
        ],
      }),
    );
    expect((await irsa(['lint', medium])).code).toBe(0);
    expect((await irsa(['lint', '--fail-on', 'medium', medium])).code).toBe(1);
  });

  it('writes JSON with locations', async () => {
    const r = await irsa([
      'lint',
      '--format',
      'json',
      join(examples, 'trust-policy-too-broad.json'),
    ]);
    const out = JSON.parse(r.stdout);
    expect(out[0]).toMatchObject({ type: 'trust', typeGuessed: true });
    expect(out[0].findings[0]).toMatchObject({
      code: 'T4',
      severity: 'high',
      line: 12,
      column: 87,
    });
  });

  it('writes SARIF 2.1.0 that code scanning accepts', async () => {
    const r = await irsa([
      'lint',
      '--format',
      'sarif',
      join(examples, 'trust-policy-too-broad.json'),
      join(examples, 'trust-policy.json'),
    ]);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toContain('sarif-2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('irsakit');
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(['T4', 'T8']);
    for (const res of run.results) {
      expect(run.tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
      expect(['error', 'warning', 'note']).toContain(res.level);
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toBe('examples/trust-policy-too-broad.json');
      expect(loc.region.startLine).toBeGreaterThan(0);
    }
    expect(run.tool.driver.rules[0].properties['security-severity']).toBe('8.0');
  });

  it('reads standard input and takes --type', async () => {
    const r = await irsa(
      ['lint', '--type', 'identity', '-'],
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<stdin> (identity policy)');
    expect(r.stdout).toMatch(/critical\s+P1/);
  });

  it('says what is wrong with bad arguments and files (exit 2)', async () => {
    const t = await irsa(['lint', '--type', 'nope', join(examples, 'trust-policy.json')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('unknown --type `nope`');
    const missing = await irsa(['lint', join(tmp, 'missing.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const none = await irsa(['lint']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing required argument 'files'");
  });

  it('reports a broken document as IAM would, without a stack trace', async () => {
    const r = await irsa([
      'lint',
      file('broken.json', '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('V1   MalformedPolicyDocument: Syntax errors in policy.');
    expect(r.stderr).toBe('');
  });
});

describe('irsa simulate', () => {
  it('runs the example cases, one JSON line each', async () => {
    const r = await irsa(['simulate', join(examples, 'cases.json')]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.decision)).toEqual([
      'allowed',
      'implicitDeny',
      'implicitDeny',
      'allowed',
      'implicitDeny',
      'explicitDeny',
    ]);
    expect(lines.every((l) => l.pass === true)).toBe(true);
    expect(lines[0]).toHaveProperty('explain.summary');
  });

  it('accepts one case and JSON Lines, with an error line per bad case', async () => {
    const one = {
      id: 'one',
      identityPolicies: [
        { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } },
      ],
      request: {
        principal: 'arn:aws:iam::123456789012:user/ana',
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/k',
      },
    };
    const single = await irsa(['simulate', '-'], JSON.stringify(one));
    expect(JSON.parse(single.stdout)).toMatchObject({ id: 'one', decision: 'allowed' });
    const jsonl = [JSON.stringify(one), '{not json', JSON.stringify({ id: 'no-request' })].join(
      '\n',
    );
    const r = await irsa(['simulate', '--no-explain', '-'], jsonl);
    expect(r.code).toBe(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out[0]).toMatchObject({ id: 'one', decision: 'allowed' });
    expect(out[0].explain).toBeUndefined();
    expect(out[1]).toMatchObject({
      id: null,
      error: { code: 'InvalidInput', message: expect.stringContaining('line 2 is not JSON') },
    });
    expect(out[2]).toEqual({
      id: 'no-request',
      error: { code: 'InvalidInput', message: '`request` is required', where: 'request' },
    });
  });

  it('fails when a case misses its expectation', async () => {
    const c = {
      id: 'x',
      expect: 'allowed',
      request: {
        principal: 'arn:aws:iam::123456789012:user/ana',
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/k',
      },
    };
    const r = await irsa(['simulate', '-'], JSON.stringify([c]));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'implicitDeny', pass: false });
  });

  it('exits 2 on empty input', async () => {
    const r = await irsa(['simulate', '-'], '  ');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the input is empty');
  });
});

describe('irsa', () => {
  it('prints help and version', async () => {
    const h = await irsa(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('lint');
    expect(h.stdout).toContain('simulate');
    expect((await irsa(['--version'])).stdout.trim()).toBe('0.1.0');
    expect((await irsa(['nope'])).code).toBe(2);
  });

  it('stops quietly when the reader of its output goes away (`irsa … | head`)', async () => {
    const cases = JSON.parse(
      readFileSync(join(root, 'src/policy/testdata/evaluation/actions.json'), 'utf8'),
    ) as unknown[];
    const lines = Array.from({ length: 40 }, () => cases.map((c) => JSON.stringify(c)).join('\n'));
    const child = spawn(process.execPath, [cli, 'simulate', '--pretty', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(lines.join('\n'));
    // read one chunk, then close the pipe as `head -c` does
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
