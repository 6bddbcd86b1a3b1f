/**
 * TLS settings of the webhook port with upstream's flag grammar (spec/webhook.md §3):
 * `--tls-min-version` (`1.0`…`1.3` or `VersionTLS10`…`VersionTLS13`), `--tls-cipher-suites`
 * (Go cipher-suite names, mapped to OpenSSL's; an unknown name is fatal), and a certificate
 * pair that is re-read when its files change (a broken new pair keeps the old one).
 */
import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import { createSecureContext } from 'node:tls';
import { table } from '../common/own.js';

const VERSIONS: Readonly<Record<string, SecureVersion>> = table({
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
});

/**
 * `--tls-min-version`: `''` means the Node.js default; an unknown value is an error.
 *
 * @example
 * parseTlsMinVersion('VersionTLS12'); // { ok: true, version: 'TLSv1.2' }
 */
export function parseTlsMinVersion(
  flag: string,
): { ok: true; version: SecureVersion | undefined } | { ok: false; error: string } {
  if (flag === '') return { ok: true, version: undefined };
  const version = VERSIONS[flag];
  if (!version) {
    return {
      ok: false,
      error: `unknown TLS version \`${flag}\` (1.0, 1.1, 1.2, 1.3 or VersionTLS10 … VersionTLS13)`,
    };
  }
  return { ok: true, version };
}

/** Go's cipher-suite names → OpenSSL's (TLS 1.3 suites keep their IANA names). */
const SUITES: Readonly<Record<string, string>> = table({
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
});

/**
 * `--tls-cipher-suites`: a comma list of Go names → the OpenSSL cipher string (`undefined`
 * for `''`, the Node.js default).
 *
 * @example
 * parseCipherSuites('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
 * // { ok: true, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }
 */
export function parseCipherSuites(
  flag: string,
): { ok: true; ciphers: string | undefined } | { ok: false; error: string } {
  if (flag.trim() === '') return { ok: true, ciphers: undefined };
  const out: string[] = [];
  for (const raw of flag.split(',')) {
    const name = raw.trim();
    const openssl = SUITES[name];
    if (!openssl) return { ok: false, error: `unknown cipher suite \`${name}\`` };
    if (!out.includes(openssl)) out.push(openssl);
  }
  return { ok: true, ciphers: out.join(':') };
}

export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads a certificate and key and checks that they belong together.
 *
 * @example
 * const r = await loadCertificatePair('/etc/webhook/certs/tls.crt', '/etc/webhook/certs/tls.key');
 * if (r.ok) server.setSecureContext(r.pair);
 */
export async function loadCertificatePair(
  certFile: string,
  keyFile: string,
): Promise<{ ok: true; pair: CertificatePair } | { ok: false; error: string }> {
  let pair: CertificatePair;
  try {
    pair = { cert: await readFile(certFile), key: await readFile(keyFile) };
  } catch (e) {
    return { ok: false, error: `cannot read the certificate pair: ${(e as Error).message}` };
  }
  try {
    createSecureContext(pair);
  } catch (e) {
    return { ok: false, error: `bad certificate pair: ${(e as Error).message}` };
  }
  return { ok: true, pair };
}
