/**
 * The local certificate authority behind the issuers' HTTPS port (DESIGN.md "Issuer URLs"):
 * generated on first start under `<data>/ca/` with @peculiar/x509 over node's WebCrypto,
 * plus a server certificate for `localhost`, `127.0.0.1` and `::1` (and any extra names)
 * signed by it.
 *
 * ```
 * <data>/ca/ca.crt       the CA certificate (ECDSA P-256, 10 years): trust this one
 * <data>/ca/ca.key       its private key, PKCS#8, mode 0600
 * <data>/ca/server.crt   the server certificate (1 year, serverAuth)
 * <data>/ca/server.key   its private key, PKCS#8, mode 0600
 * ```
 *
 * The server certificate is reissued when it has expired (or is not yet valid), when the
 * wanted names change, or when it is not signed by the current CA. The CA's SHA-1 thumbprint
 * (40 lowercase hex characters over the DER) is what
 * `aws iam create-open-id-connect-provider --thumbprint-list` expects: the hash of the top CA
 * certificate of the chain (spec/kubernetes.md §5).
 *
 * Strict verifiers (OpenSSL's X509_STRICT, Python 3.13's default) are satisfied: the CA has
 * critical basicConstraints and keyUsage and a subject key identifier; the leaf has an
 * authority key identifier, serverAuth and its names in subjectAltName only.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  X509Certificate as NodeCertificate,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @peculiar/x509's dependency tsyringe needs the Reflect metadata API loaded first
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import ipaddr from 'ipaddr.js';
import { type Clock, systemClock } from '../common/clock.js';
import { dataPaths } from '../common/data-dir.js';
import { IssuerError } from './errors.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Names every server certificate carries. */
export const DEFAULT_SERVER_NAMES = ['localhost', '127.0.0.1', '::1'] as const;
const CA_VALIDITY_DAYS = 3650;
const SERVER_VALIDITY_DAYS = 365;
/** certificates start a little in the past, for clocks that lag */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 86_400_000;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export interface LocalCaOptions {
  /** the data folder; the CA lives in its `ca/` */
  dataDir: string;
  clock?: Clock;
  /** extra DNS names or IP addresses for the server certificate */
  sans?: readonly string[];
}

export interface LocalCaPaths {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface LocalCa {
  caCertPem: string;
  serverCertPem: string;
  /** never log it */
  serverKeyPem: string;
  /** SHA-1 of the CA certificate's DER: 40 lowercase hex characters */
  thumbprint: string;
  /** the server certificate's names, `DNS:…` / `IP:…` */
  serverNames: string[];
  serverNotAfter: string;
  paths: LocalCaPaths;
  /** what this call created: a new CA (the thumbprint changed) and/or a new server cert */
  issued: { ca: boolean; server: boolean };
}

/**
 * The SHA-1 thumbprint IAM expects of a CA certificate: 40 lowercase hex characters over the
 * DER (what `openssl x509 -fingerprint -sha1` prints, without colons, in lowercase).
 *
 * @example
 * certificateThumbprint(readFileSync('ca.crt', 'utf8')) // → '9e99a48a9960b14926bb7f3b02e22da2b0ab7280'
 */
export function certificateThumbprint(certPem: string): string {
  let cert: NodeCertificate;
  try {
    cert = new NodeCertificate(certPem);
  } catch (e) {
    throw new IssuerError('InvalidCertificate', 'not a readable X.509 certificate', { cause: e });
  }
  return createHash('sha1').update(cert.raw).digest('hex');
}

type SanKey = `DNS:${string}` | `IP:${string}`;

function sanKey(value: string): SanKey {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.isValid(v)) {
    const ip = ipaddr.parse(v);
    return `IP:${ip.kind() === 'ipv6' ? ip.toNormalizedString() : ip.toString()}`;
  }
  return `DNS:${v.toLowerCase()}`;
}

/**
 * The names a server certificate should carry: the defaults plus the extras, normalised,
 * de-duplicated and sorted.
 *
 * @example
 * serverNames(['issuer.local']) // → ['DNS:issuer.local', 'DNS:localhost', 'IP:0:0:0:0:0:0:0:1', 'IP:127.0.0.1']
 */
export function serverNames(extra: readonly string[] = []): string[] {
  for (const s of extra)
    if (s.trim() === '' || /[\s,/]/.test(s.trim()))
      throw new IssuerError('InvalidOption', `\`${s}\` is not a host name or IP address`);
  return [...new Set([...DEFAULT_SERVER_NAMES, ...extra].map(sanKey))].sort();
}

/** The subjectAltName entries of a certificate, in `serverNames` form. */
function certificateNames(cert: NodeCertificate): string[] {
  const text = cert.subjectAltName ?? '';
  const names = text
    .split(/,\s*/)
    .filter((p) => p !== '')
    .map((p) => {
      const m = /^(DNS|IP Address):(.*)$/.exec(p);
      if (!m) return `?${p}`;
      return m[1] === 'DNS' ? `DNS:${(m[2] as string).toLowerCase()}` : sanKey(m[2] as string);
    });
  return [...new Set(names)].sort();
}

function pem(label: string, der: ArrayBuffer | Buffer): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01; // positive, and no leading zero byte
  return b.toString('hex');
}

/** The private key as WebCrypto wants it for signing, and the matching algorithm. */
async function importSigningKey(
  keyPem: string,
): Promise<{ key: CryptoKey; alg: typeof ECDSA_SHA256 | typeof RSA_SHA256 }> {
  const k = createPrivateKey(keyPem);
  const der = k.export({ type: 'pkcs8', format: 'der' });
  if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    const key = await webcrypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']);
    return { key: key as CryptoKey, alg: ECDSA_SHA256 };
  }
  if (k.asymmetricKeyType === 'rsa') {
    const key = await webcrypto.subtle.importKey('pkcs8', der, RSA_SHA256, false, ['sign']);
    return { key: key as CryptoKey, alg: RSA_SHA256 };
  }
  throw new IssuerError('InvalidCertificate', 'the CA key must be ECDSA P-256 or RSA');
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

function validAt(cert: NodeCertificate, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(cert.validFrom) <= t && t < Date.parse(cert.validTo);
}

function sameKey(cert: NodeCertificate, keyPem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return cert.publicKey.export({ type: 'spki', format: 'der' }).equals(fromKey);
}

function readIf(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The CA on disk, if it is whole, valid at `now` and its key matches. */
function loadCa(
  paths: LocalCaPaths,
  now: Date,
): { certPem: string; cert: NodeCertificate; keyPem: string } | undefined {
  const certPem = readIf(paths.caCert);
  const keyPem = readIf(paths.caKey);
  if (!certPem || !keyPem) return undefined;
  try {
    const cert = new NodeCertificate(certPem);
    if (!cert.ca || !validAt(cert, now) || !sameKey(cert, keyPem)) return undefined;
    return { certPem, cert, keyPem };
  } catch {
    return undefined;
  }
}

async function createCa(
  paths: LocalCaPaths,
  now: Date,
): Promise<{ certPem: string; cert: NodeCertificate; keyPem: string }> {
  const keys = await newKeyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=irsakit local CA ${randomBytes(4).toString('hex')}, O=irsakit`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = ca.toString('pem') + '\n';
  const keyPem = await exportKeyPem(keys.privateKey);
  writeAtomic(paths.caKey, keyPem, 0o600);
  writeAtomic(paths.caCert, certPem, 0o644);
  return { certPem, cert: new NodeCertificate(certPem), keyPem };
}

/** The server certificate on disk, if still good for these names and this CA at `now`. */
function loadServer(
  paths: LocalCaPaths,
  ca: NodeCertificate,
  names: readonly string[],
  now: Date,
): { certPem: string; keyPem: string; cert: NodeCertificate } | undefined {
  const certPem = readIf(paths.serverCert);
  const keyPem = readIf(paths.serverKey);
  if (!certPem || !keyPem) return undefined;
  try {
    const cert = new NodeCertificate(certPem);
    const good =
      validAt(cert, now) &&
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      sameKey(cert, keyPem) &&
      certificateNames(cert).join(',') === names.join(',');
    return good ? { certPem, keyPem, cert } : undefined;
  } catch {
    return undefined;
  }
}

async function createServer(
  paths: LocalCaPaths,
  ca: { certPem: string; keyPem: string },
  names: readonly string[],
  now: Date,
): Promise<{ certPem: string; keyPem: string; cert: NodeCertificate }> {
  const keys = await newKeyPair();
  const signer = await importSigningKey(ca.keyPem);
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost, O=irsakit',
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: signer.key,
    signingAlgorithm: signer.alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) =>
          n.startsWith('IP:')
            ? { type: 'ip', value: n.slice(3) }
            : { type: 'dns', value: n.slice(4) },
        ),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(await caCert.publicKey.export()),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  const keyPem = await exportKeyPem(keys.privateKey);
  writeAtomic(paths.serverKey, keyPem, 0o600);
  writeAtomic(paths.serverCert, certPem, 0o644);
  return { certPem, keyPem, cert: new NodeCertificate(certPem) };
}

/** Where the CA and server files live in a data folder. */
export function localCaPaths(dataDir: string): LocalCaPaths {
  const dir = dataPaths(dataDir).caDir;
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

/**
 * Loads the local CA and server certificate, creating or reissuing what is missing, expired,
 * or no longer matching the wanted names.
 *
 * @example
 * const ca = await ensureLocalCa({ dataDir: resolveDataDir(), sans: ['issuer.test'] });
 * https.createServer({ key: ca.serverKeyPem, cert: ca.serverCertPem }, handler);
 * ca.thumbprint // → '3f1a…' (40 hex characters, for --thumbprint-list)
 */
export async function ensureLocalCa(opts: LocalCaOptions): Promise<LocalCa> {
  const now = (opts.clock ?? systemClock)();
  const paths = localCaPaths(opts.dataDir);
  const names = serverNames(opts.sans);
  mkdirSync(dataPaths(opts.dataDir).caDir, { recursive: true, mode: 0o700 });
  let ca = loadCa(paths, now);
  const caIssued = !ca;
  if (!ca) ca = await createCa(paths, now);
  let server = caIssued ? undefined : loadServer(paths, ca.cert, names, now);
  const serverIssued = !server;
  if (!server) server = await createServer(paths, ca, names, now);
  return {
    caCertPem: ca.certPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    thumbprint: certificateThumbprint(ca.certPem),
    serverNames: certificateNames(server.cert),
    serverNotAfter: new Date(server.cert.validTo).toISOString(),
    paths,
    issued: { ca: caIssued, server: serverIssued },
  };
}
