/**
 * The local CA: files and modes, the thumbprint against `openssl x509 -fingerprint -sha1`,
 * the server certificate verifying against the CA (node and openssl), and reissuing on
 * expiry and on a change of names. Fixed clock.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { IssuerError } from './errors.js';
import { certificateThumbprint, ensureLocalCa, serverNames } from './local-ca.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'irsa-ca-'));
  dirs.push(d);
  return d;
}

const DAY = 86_400;

describe('ensureLocalCa', () => {
  it('creates the CA and server certificate under <data>/ca/, keys mode 0600', async () => {
    const dir = dataDir();
    const clock = fixedClock('2025-03-01T12:00:00Z');
    const ca = await ensureLocalCa({ dataDir: dir, clock });
    expect(ca.issued).toEqual({ ca: true, server: true });
    expect(ca.paths.caCert).toBe(join(dir, 'ca', 'ca.crt'));
    expect(ca.paths.caKey).toBe(join(dir, 'ca', 'ca.key'));
    expect(statSync(ca.paths.caKey).mode & 0o777).toBe(0o600);
    expect(statSync(ca.paths.serverKey).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca')).mode & 0o777).toBe(0o700);
    expect(readFileSync(ca.paths.caCert, 'utf8')).toBe(ca.caCertPem);
    expect(readFileSync(ca.paths.caKey, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const caCert = new X509Certificate(ca.caCertPem);
    expect(caCert.ca).toBe(true);
    const server = new X509Certificate(ca.serverCertPem);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(caCert)).toBe(true);
    expect(server.verify(caCert.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(ca.serverNames).toEqual(['DNS:localhost', 'IP:0:0:0:0:0:0:0:1', 'IP:127.0.0.1']);
    // valid for a year
    expect(ca.serverNotAfter).toBe(
      new Date(Date.parse('2025-03-01T12:00:00Z') + 365 * DAY * 1000).toISOString(),
    );
  });

  it('gives the thumbprint openssl gives: SHA-1 of the DER, 40 lowercase hex', async () => {
    const ca = await ensureLocalCa({ dataDir: dataDir() });
    const out = execFileSync(
      'openssl',
      ['x509', '-in', ca.paths.caCert, '-noout', '-fingerprint', '-sha1'],
      {
        encoding: 'utf8',
      },
    );
    const expected = (/=([0-9A-F:]+)/.exec(out)?.[1] ?? '').replace(/:/g, '').toLowerCase();
    expect(ca.thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(ca.thumbprint).toBe(expected);
    expect(certificateThumbprint(ca.caCertPem)).toBe(expected);
    expect(new X509Certificate(ca.caCertPem).fingerprint.replace(/:/g, '').toLowerCase()).toBe(
      expected,
    );
  });

  it('produces a chain openssl verifies strictly for serverAuth on 127.0.0.1', async () => {
    const ca = await ensureLocalCa({ dataDir: dataDir(), sans: ['issuer.irsakit.test'] });
    const out = execFileSync(
      'openssl',
      [
        'verify',
        '-x509_strict',
        '-purpose',
        'sslserver',
        '-verify_ip',
        '127.0.0.1',
        '-CAfile',
        ca.paths.caCert,
        ca.paths.serverCert,
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe(`${ca.paths.serverCert}: OK`);
    expect(new X509Certificate(ca.serverCertPem).checkHost('issuer.irsakit.test')).toBe(
      'issuer.irsakit.test',
    );
  });

  it('reuses both on the next start, reissues the server certificate when names change', async () => {
    const dir = dataDir();
    const clock = fixedClock('2025-03-01T12:00:00Z');
    const first = await ensureLocalCa({ dataDir: dir, clock });
    const again = await ensureLocalCa({ dataDir: dir, clock });
    expect(again.issued).toEqual({ ca: false, server: false });
    expect(again.thumbprint).toBe(first.thumbprint);
    expect(again.serverCertPem).toBe(first.serverCertPem);
    // the defaults given again, in another order and form, are no change
    const same = await ensureLocalCa({
      dataDir: dir,
      clock,
      sans: ['::1', 'LOCALHOST', '127.0.0.1'],
    });
    expect(same.issued.server).toBe(false);
    const more = await ensureLocalCa({ dataDir: dir, clock, sans: ['10.0.0.5', 'issuer.test'] });
    expect(more.issued).toEqual({ ca: false, server: true });
    expect(more.thumbprint).toBe(first.thumbprint);
    expect(more.serverNames).toEqual([
      'DNS:issuer.test',
      'DNS:localhost',
      'IP:0:0:0:0:0:0:0:1',
      'IP:10.0.0.5',
      'IP:127.0.0.1',
    ]);
    const fewer = await ensureLocalCa({ dataDir: dir, clock });
    expect(fewer.issued.server).toBe(true);
    expect(fewer.serverNames).toEqual(first.serverNames);
  });

  it('reissues the server certificate once it has expired, keeping the CA', async () => {
    const dir = dataDir();
    const clock = fixedClock('2025-03-01T12:00:00Z');
    const first = await ensureLocalCa({ dataDir: dir, clock });
    clock.advance(365 * DAY - 1);
    expect((await ensureLocalCa({ dataDir: dir, clock })).issued.server).toBe(false);
    clock.advance(1);
    const renewed = await ensureLocalCa({ dataDir: dir, clock });
    expect(renewed.issued).toEqual({ ca: false, server: true });
    expect(renewed.thumbprint).toBe(first.thumbprint);
    expect(Date.parse(renewed.serverNotAfter)).toBeGreaterThan(Date.parse(first.serverNotAfter));
  });

  it('replaces a CA whose key is missing, and a server certificate it did not sign', async () => {
    const dir = dataDir();
    const first = await ensureLocalCa({ dataDir: dir });
    rmSync(first.paths.caKey);
    const second = await ensureLocalCa({ dataDir: dir });
    expect(second.issued).toEqual({ ca: true, server: true });
    expect(second.thumbprint).not.toBe(first.thumbprint);
    // a foreign server certificate is replaced
    writeFileSync(second.paths.serverCert, first.serverCertPem);
    writeFileSync(second.paths.serverKey, first.serverKeyPem);
    const third = await ensureLocalCa({ dataDir: dir });
    expect(third.issued).toEqual({ ca: false, server: true });
    expect(
      new X509Certificate(third.serverCertPem).verify(
        new X509Certificate(third.caCertPem).publicKey,
      ),
    ).toBe(true);
  });
});

describe('serverNames', () => {
  it.each([
    [[], ['DNS:localhost', 'IP:0:0:0:0:0:0:0:1', 'IP:127.0.0.1']],
    [
      ['[::1]', 'Issuer.Test'],
      ['DNS:issuer.test', 'DNS:localhost', 'IP:0:0:0:0:0:0:0:1', 'IP:127.0.0.1'],
    ],
    [['fd00::1'], ['DNS:localhost', 'IP:0:0:0:0:0:0:0:1', 'IP:127.0.0.1', 'IP:fd00:0:0:0:0:0:0:1']],
  ])('%j → %j', (extra, names) => {
    expect(serverNames(extra)).toEqual(names);
  });

  it.each([[''], ['a b'], ['a,b'], ['https://x/']])('refuses %j', (bad) => {
    expect(() => serverNames([bad])).toThrow(IssuerError);
  });
});
