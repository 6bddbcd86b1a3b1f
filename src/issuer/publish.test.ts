/**
 * `publish` for self-hosted clusters (spec/kubernetes.md §6, §8): the exact files for a
 * kubeadm-style RSA `sa.pub` and a k3s-style EC key (openssl-made, kid checked against
 * openssl), the empty-kid duplicate, every accepted key form, and bad inputs.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerError } from './errors.js';
import {
  buildPublication,
  checkIssuerUrl,
  nextSteps,
  readPublicKeys,
  s3Location,
} from './publish.js';

const ISSUER = 'https://s3.eu-west-1.amazonaws.com/my-oidc-bucket';

let dir: string;
const pki: Record<string, string> = {};

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input ? { input } : {}),
  });
}

/** The kid as openssl computes it. */
function opensslKid(file: string, pubin = true): string {
  const der = execFileSync(
    'openssl',
    ['pkey', ...(pubin ? ['-pubin'] : []), '-in', file, '-pubout', '-outform', 'DER'],
    {
      cwd: dir,
    },
  );
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return digest.toString('base64url');
}

function jwkOf(pem: string): Record<string, string> {
  return createPublicKey(pem).export({ format: 'jwk' }) as Record<string, string>;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-publish-'));
  // kubeadm: /etc/kubernetes/pki/sa.key (RSA 2048) and sa.pub (PKIX "PUBLIC KEY")
  openssl(['genrsa', '-traditional', '-out', 'sa.key', '2048']);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  openssl(['rsa', '-in', 'sa.key', '-RSAPublicKey_out', '-out', 'sa-pkcs1.pub']);
  // a rotated-out key
  openssl(['genrsa', '-out', 'old.key', '2048']);
  openssl(['rsa', '-in', 'old.key', '-pubout', '-out', 'old.pub']);
  // k3s-style EC key as `openssl ecparam -genkey` writes it: EC PARAMETERS + EC PRIVATE KEY
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', 'service.key']);
  openssl(['ec', '-in', 'service.key', '-pubout', '-out', 'service.pub']);
  // a certificate
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    'sa.key',
    '-subj',
    '/CN=sa',
    '-days',
    '1',
    '-out',
    'sa.crt',
  ]);
  for (const f of [
    'sa.key',
    'sa.pub',
    'sa-pkcs1.pub',
    'old.pub',
    'service.key',
    'service.pub',
    'sa.crt',
  ])
    pki[f] = readFileSync(join(dir, f), 'utf8');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildPublication', () => {
  it('writes the files for a kubeadm sa.pub, with the empty-kid duplicate', async () => {
    const kid = opensslKid('sa.pub');
    const { n, e } = jwkOf(pki['sa.pub'] as string);
    const pub = await buildPublication({
      issuer: ISSUER,
      files: [{ name: 'sa.pub', text: pki['sa.pub'] as string }],
    });
    expect(pub.warnings).toEqual([]);
    expect(pub.keys).toEqual([
      { source: 'sa.pub', block: 'PUBLIC KEY', kid, alg: 'RS256', detail: 'RSA 2048' },
    ]);
    expect(pub.files).toEqual([
      {
        path: '.well-known/openid-configuration',
        contentType: 'application/json',
        text: `{
  "issuer": "${ISSUER}",
  "jwks_uri": "${ISSUER}/keys.json",
  "authorization_endpoint": "urn:kubernetes:programmatic_authorization",
  "response_types_supported": [
    "id_token"
  ],
  "subject_types_supported": [
    "public"
  ],
  "id_token_signing_alg_values_supported": [
    "RS256"
  ],
  "claims_supported": [
    "sub",
    "iss"
  ]
}
`,
      },
      {
        path: 'keys.json',
        contentType: 'application/json',
        text: `{
  "keys": [
    {
      "use": "sig",
      "kty": "RSA",
      "kid": "${kid}",
      "alg": "RS256",
      "n": "${n}",
      "e": "${e}"
    },
    {
      "use": "sig",
      "kty": "RSA",
      "kid": "",
      "alg": "RS256",
      "n": "${n}",
      "e": "${e}"
    }
  ]
}
`,
      },
    ]);
  });

  it('writes the files for a k3s-style EC key (EC PARAMETERS + EC PRIVATE KEY)', async () => {
    const kid = opensslKid('service.key', false);
    expect(kid).toBe(opensslKid('service.pub'));
    const { x, y } = jwkOf(pki['service.key'] as string);
    const pub = await buildPublication({
      issuer: 'https://oidc.k3s.example.com',
      files: [{ name: 'service.key', text: pki['service.key'] as string }],
    });
    expect(pub.keys).toEqual([
      { source: 'service.key', block: 'EC PRIVATE KEY', kid, alg: 'ES256', detail: 'EC P-256' },
    ]);
    expect(pub.discovery).toEqual({
      issuer: 'https://oidc.k3s.example.com',
      jwks_uri: 'https://oidc.k3s.example.com/keys.json',
      authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      claims_supported: ['sub', 'iss'],
    });
    expect(JSON.parse(pub.files[1]?.text ?? '')).toEqual({
      keys: [
        { use: 'sig', kty: 'EC', kid, crv: 'P-256', alg: 'ES256', x, y },
        { use: 'sig', kty: 'EC', kid: '', crv: 'P-256', alg: 'ES256', x, y },
      ],
    });
    expect(Object.keys(pub.jwks.keys[1] ?? {})).toEqual([
      'use',
      'kty',
      'kid',
      'crv',
      'alg',
      'x',
      'y',
    ]);
  });

  it('reads every form of the same key to the same kid', async () => {
    const kid = opensslKid('sa.pub');
    for (const f of ['sa.key', 'sa.pub', 'sa-pkcs1.pub', 'sa.crt']) {
      const keys = readPublicKeys(f, pki[f] as string);
      expect(keys.map((k) => [k.kid, k.alg])).toEqual([[kid, 'RS256']]);
    }
    expect(readPublicKeys('sa.key', pki['sa.key'] as string)[0]?.block).toBe('RSA PRIVATE KEY');
    expect(readPublicKeys('sa-pkcs1.pub', pki['sa-pkcs1.pub'] as string)[0]?.block).toBe(
      'RSA PUBLIC KEY',
    );
    expect(readPublicKeys('sa.crt', pki['sa.crt'] as string)[0]?.block).toBe('CERTIFICATE');
    const pkcs8 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    expect(readPublicKeys('k', pkcs8)[0]?.block).toBe('PRIVATE KEY');
  });

  it('publishes several keys from several files (rotation), each once, old and new', async () => {
    const pub = await buildPublication({
      issuer: ISSUER,
      files: [
        { name: 'old.pub', text: pki['old.pub'] as string },
        { name: 'bundle.pem', text: `${pki['sa.pub']}\n${pki['service.pub']}` },
        { name: 'sa.key', text: pki['sa.key'] as string },
      ],
    });
    const [oldKid, saKid, ecKid] = [
      opensslKid('old.pub'),
      opensslKid('sa.pub'),
      opensslKid('service.pub'),
    ];
    expect(pub.keys.map((k) => [k.source, k.kid])).toEqual([
      ['old.pub', oldKid],
      ['bundle.pem', saKid],
      ['bundle.pem', ecKid],
    ]);
    expect(pub.jwks.keys.map((k) => k.kid)).toEqual([oldKid, saKid, ecKid, '', '', '']);
    expect(pub.discovery.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256']);
    expect(pub.warnings).toEqual([
      `sa.key: the key \`${saKid}\` was already read from bundle.pem; published once`,
    ]);
  });

  it('leaves out the empty-kid duplicates when asked', async () => {
    const pub = await buildPublication({
      issuer: ISSUER,
      emptyKid: false,
      files: [{ name: 'sa.pub', text: pki['sa.pub'] as string }],
    });
    expect(pub.jwks.keys.map((k) => k.kid)).toEqual([opensslKid('sa.pub')]);
  });

  it('uses a given JWKS URI', async () => {
    const pub = await buildPublication({
      issuer: ISSUER,
      jwksUri: 'https://keys.example.com/cluster-a/jwks.json',
      files: [{ name: 'sa.pub', text: pki['sa.pub'] as string }],
    });
    expect(pub.discovery.jwks_uri).toBe('https://keys.example.com/cluster-a/jwks.json');
  });

  it('warns about a port and a small RSA key', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const pub = await buildPublication({
      issuer: 'https://oidc.example.com:8443/cluster',
      files: [{ name: 'small.pub', text: small }],
    });
    expect(pub.warnings).toEqual([
      'the issuer has a port (:8443); IAM expects an issuer URL without one, and STS reaches only public https',
      `small.pub: key \`${pub.keys[0]?.kid}\` is RSA 1024; many verifiers refuse RSA keys under 2048 bits`,
    ]);
  });
});

describe('bad inputs', () => {
  const ed = generateKeyPairSync('ed25519').publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
  const encrypted = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'x',
  }) as string;
  it.each([
    [
      'an http issuer',
      { issuer: 'http://example.com' },
      'InvalidIssuer',
      'the issuer must be an https URL, not `http` (kube-apiserver serves discovery only for https issuers, and STS fetches only https)',
    ],
    [
      'a trailing slash',
      { issuer: `${ISSUER}/` },
      'InvalidIssuer',
      `the issuer must not end with \`/\`: tokens carry \`iss\` exactly as given, and IAM matches it exactly (${ISSUER})`,
    ],
    ['a query', { issuer: `${ISSUER}?a=b` }, 'InvalidIssuer', 'the issuer must not have a query'],
    [
      'a fragment',
      { issuer: `${ISSUER}#x` },
      'InvalidIssuer',
      'the issuer must not have a fragment',
    ],
    [
      'not a URL',
      { issuer: 'oidc.example.com' },
      'InvalidIssuer',
      'the issuer `oidc.example.com` is not a URL',
    ],
    [
      'an http JWKS URI',
      { jwksUri: 'http://example.com/keys.json' },
      'InvalidIssuer',
      'the JWKS URI must be an https URL, not `http`',
    ],
    ['no key file', { files: [] }, 'InvalidKey', 'no key file: give at least one --public-key'],
    [
      'a file without PEM',
      { files: [{ name: 'sa.der', text: 'garbage' }] },
      'InvalidKey',
      'sa.der: no PEM block found (a DER file? convert it: `openssl pkey -pubin -inform DER -in FILE`)',
    ],
    [
      'a CSR',
      {
        files: [
          {
            name: 'x.csr',
            text: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
          },
        ],
      },
      'InvalidKey',
      'x.csr: PEM block 1 (`CERTIFICATE REQUEST`) is not a public key, private key or certificate',
    ],
    [
      'a broken key',
      {
        files: [
          { name: 'b.pub', text: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
        ],
      },
      'InvalidKey',
      'b.pub: PEM block 1 (`PUBLIC KEY`) cannot be read as a key',
    ],
    [
      'an encrypted key',
      { files: [{ name: 'enc.key', text: encrypted }] },
      'InvalidKey',
      'enc.key: PEM block 1 is an encrypted private key; give the public key instead (`openssl pkey -in KEY -pubout`)',
    ],
    [
      'an Ed25519 key',
      { files: [{ name: 'ed.pub', text: ed }] },
      'UnsupportedKey',
      'ed.pub: PEM block 1: unsupported key type `ed25519`: service-account keys are RSA or ECDSA',
    ],
    [
      'only EC parameters',
      {
        files: [
          {
            name: 'p.pem',
            text: '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n',
          },
        ],
      },
      'InvalidKey',
      'p.pem: no key in the file',
    ],
  ])('refuses %s', async (_name, over, code, message) => {
    const err = await buildPublication({
      issuer: ISSUER,
      files: [{ name: 'sa.pub', text: pki['sa.pub'] as string }],
      ...over,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IssuerError);
    expect(err).toMatchObject({ code, message });
  });

  it('reports every issuer problem at once', () => {
    expect(checkIssuerUrl('http://u:p@example.com:80/x/?q#f').errors).toHaveLength(5);
  });
});

describe('next steps', () => {
  it.each([
    [
      'https://s3.eu-west-1.amazonaws.com/my-oidc-bucket',
      { bucket: 'my-oidc-bucket', prefix: '', region: 'eu-west-1' },
    ],
    ['https://s3.amazonaws.com/b/cluster-a', { bucket: 'b', prefix: 'cluster-a' }],
    ['https://b.s3.us-east-2.amazonaws.com/p', { bucket: 'b', prefix: 'p', region: 'us-east-2' }],
    ['https://oidc.example.com', undefined],
  ])('finds the S3 location of %s', (url, loc) => {
    expect(s3Location(url)).toEqual(loc);
  });

  it('prints uploads with content types, the API server flags and the IAM command', async () => {
    const pub = await buildPublication({
      issuer: ISSUER,
      files: [{ name: 'sa.pub', text: pki['sa.pub'] as string }],
    });
    const text = nextSteps({
      issuer: ISSUER,
      jwksUri: pub.discovery.jwks_uri,
      outDir: 'out',
      keyFiles: ['/etc/kubernetes/pki/sa.pub'],
      files: pub.files,
    }).join('\n');
    expect(text).toContain(
      'aws s3 cp out/.well-known/openid-configuration s3://my-oidc-bucket/.well-known/openid-configuration --content-type application/json --region eu-west-1',
    );
    expect(text).toContain(
      'aws s3 cp out/keys.json s3://my-oidc-bucket/keys.json --content-type application/json --region eu-west-1',
    );
    expect(text).toContain(`--service-account-issuer=${ISSUER}`);
    expect(text).toContain(`--service-account-jwks-uri=${ISSUER}/keys.json`);
    expect(text).toContain('--service-account-key-file=/etc/kubernetes/pki/sa.pub');
    expect(text).toContain('--service-account-signing-key-file=');
    expect(text).toContain('--api-audiences=');
    expect(text).toContain(
      `aws iam create-open-id-connect-provider --url ${ISSUER} --client-id-list sts.amazonaws.com`,
    );
  });
});
