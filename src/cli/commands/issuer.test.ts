/**
 * `irsa issuer publish` in-process through `main`: real files in, real files out, exit codes,
 * and bad input as a one-line message with exit 2 (never a stack trace).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Output } from '../io.js';
import { main } from '../program.js';

let dir: string;

function capture(): Output & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    color: false,
    out(t: string) {
      io.stdout += t.endsWith('\n') ? t : `${t}\n`;
    },
    err(t: string) {
      io.stderr += t.endsWith('\n') ? t : `${t}\n`;
    },
  };
  return io;
}

async function irsa(...args: string[]) {
  const io = capture();
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const ISSUER = 'https://s3.us-west-2.amazonaws.com/irsa-oidc-test';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-issuer-cli-'));
  const run = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  run('genrsa', '-out', 'sa.key', '2048');
  run('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  run('ecparam', '-name', 'prime256v1', '-genkey', '-out', 'new.key');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('irsa issuer publish', () => {
  it('writes discovery and keys.json and prints the next steps', async () => {
    const out = join(dir, 'out');
    const r = await irsa(
      'issuer',
      'publish',
      '--public-key',
      join(dir, 'sa.pub'),
      '--public-key',
      join(dir, 'new.key'),
      '--issuer',
      ISSUER,
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const discovery = JSON.parse(
      readFileSync(join(out, '.well-known', 'openid-configuration'), 'utf8'),
    ) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys.json`,
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    });
    const jwks = JSON.parse(readFileSync(join(out, 'keys.json'), 'utf8')) as {
      keys: { kid: string; kty: string }[];
    };
    expect(jwks.keys.map((k) => k.kty)).toEqual(['RSA', 'EC', 'RSA', 'EC']);
    expect(jwks.keys.slice(2).map((k) => k.kid)).toEqual(['', '']);
    expect(r.stdout).toContain(`wrote ${join(out, '.well-known/openid-configuration')} and`);
    expect(r.stdout).toContain('published 2 keys:');
    expect(r.stdout).toContain(`${jwks.keys[0]?.kid}  RS256  RSA 2048`);
    expect(r.stdout).toContain('--content-type application/json');
    expect(r.stdout).toContain(`--service-account-key-file=${join(dir, 'sa.pub')}`);
    expect(r.stdout).toContain('aws iam create-open-id-connect-provider --url');
  });

  it('prints a JSON summary with --json, and honours --no-empty-kid and --jwks-uri', async () => {
    const out = join(dir, 'json');
    const r = await irsa(
      'issuer',
      'publish',
      '--public-key',
      join(dir, 'sa.pub'),
      '--issuer',
      'https://oidc.example.com:8443/c1',
      '--jwks-uri',
      'https://oidc.example.com:8443/c1/jwks',
      '--out',
      out,
      '--no-empty-kid',
      '--json',
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      issuer: 'https://oidc.example.com:8443/c1',
      jwksUri: 'https://oidc.example.com:8443/c1/jwks',
      emptyKid: false,
      warnings: [
        'the issuer has a port (:8443); IAM expects an issuer URL without one, and STS reaches only public https',
      ],
    });
    const jwks = JSON.parse(readFileSync(join(out, 'keys.json'), 'utf8')) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
  });

  it('prints warnings on standard error in text mode', async () => {
    const r = await irsa(
      'issuer',
      'publish',
      '--public-key',
      join(dir, 'sa.pub'),
      '--public-key',
      join(dir, 'sa.key'),
      '--issuer',
      ISSUER,
      '--out',
      join(dir, 'dup'),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: .*sa\.key: the key `.{43}` was already read from .*sa\.pub; published once\n$/,
    );
  });

  it.each([
    [['--issuer', ISSUER, '--out', 'x'], 'irsa: give at least one --public-key FILE\n'],
    [['--public-key', 'SA', '--out', 'x'], 'irsa: give the issuer URL with --issuer\n'],
    [['--public-key', 'SA', '--issuer', ISSUER], 'irsa: give the output folder with --out\n'],
    [
      ['--public-key', 'missing.pub', '--issuer', ISSUER, '--out', 'x'],
      'irsa: cannot read `missing.pub`: no such file\n',
    ],
    [
      ['--public-key', 'SA', '--issuer', 'http://example.com/', '--out', 'x'],
      'irsa: the issuer must be an https URL, not `http` (kube-apiserver serves discovery only for https issuers, and STS fetches only https); the issuer must not end with `/`: tokens carry `iss` exactly as given, and IAM matches it exactly (http://example.com)\n',
    ],
    [
      ['--public-key', 'GARBAGE', '--issuer', ISSUER, '--out', 'x'],
      'irsa: GARBAGE: no PEM block found (a DER file? convert it: `openssl pkey -pubin -inform DER -in FILE`)\n',
    ],
  ])('exits 2 on %j', async (args, stderr) => {
    const garbage = join(dir, 'garbage.txt');
    writeFileSync(garbage, 'not a key');
    const fix = (a: string) =>
      a === 'SA' ? join(dir, 'sa.pub') : a === 'GARBAGE' ? garbage : a === 'x' ? join(dir, 'x') : a;
    const r = await irsa('issuer', 'publish', ...args.map(fix));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(garbage, 'GARBAGE')).toBe(stderr);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('lists publish under `irsa issuer --help`', async () => {
    const r = await irsa('issuer', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('publish [options]');
  });
});
