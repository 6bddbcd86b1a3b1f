/**
 * The README's main command, `npm run demo` (examples/demo.sh over the built CLI), run as a
 * user runs it: it exits 0, shows each step the banner promises — the pod's identity, the
 * object read with it, web-app refused, the trail and `irsa why` naming the trust policy,
 * doctor's failing step, lint and simulate — and leaves nothing behind: no server still
 * running, no data folder.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function demo(): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'bash',
      [join(root, 'examples/demo.sh')],
      { env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          out: `${stdout}${stderr}`,
        }),
    );
    child.stdin?.end();
  });
}

describe('npm run demo (examples/demo.sh)', () => {
  it('runs every step the banner promises and stops its server', async () => {
    const { code, out } = await demo();
    expect(code, out).toBe(0);
    const data = /data folder (\S+),/.exec(out)?.[1] as string;
    expect(data).toBeTruthy();
    expect(out).toContain('irsakit is up');
    // CloudTrail's event history keeps 90 days; so does the trail, unless told otherwise
    expect(out).toMatch(/audit trail:\s+kept 90d \(--trail-retention\)/);
    expect(out).toMatch(/arn:aws:sts::123456789012:assumed-role\/s3-app-role\/botocore-session-/);
    expect(out).toContain('hello from irsakit: this object was read with IRSA credentials');
    expect(out).toContain(
      'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation',
    );
    expect(out).toMatch(/outcome: denied/);
    expect(out).toMatch(/first failing step: `sub` matches the exact namespace and ServiceAccount/);
    expect(out).toMatch(/T4 .*service accounts of any namespace can assume the role/);
    expect(out).toContain('"id":"a bucket policy deny wins","decision":"explicitDeny"');
    // nothing left behind: the server stopped with the script (its port answers no more), its
    // folder removed
    const endpoint = /AWS endpoint:\s+(http:\/\/\S+)/.exec(out)?.[1] as string;
    expect(endpoint).toBeTruthy();
    await new Promise((r) => setTimeout(r, 500));
    const still = await fetch(`${endpoint}/health`).then(
      (r) => `answered ${r.status}`,
      () => 'gone',
    );
    expect(still).toBe('gone');
    expect(existsSync(data)).toBe(false);
  }, 300_000);
});
