/**
 * The core of `irsa issuer publish`: discovery and JWKS for a self-hosted cluster (kind,
 * kubeadm, k3s), the recipe of spec/kubernetes.md §6 in one step, with the kid pitfalls of
 * §8 handled. It does what the upstream webhook's `hack/self-hosted/main.go` and the
 * `SELF_HOSTED_SETUP.md` guide do by hand, and more:
 *
 * - reads SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`, certificates and private keys (reduced
 *   to their public half, as `--service-account-key-file` does), several per file and several
 *   files (rotation: keep the old key), RSA and ECDSA;
 * - computes each kid as kube-apiserver does (§1.1);
 * - by default publishes every key a second time with an empty kid (`"kid": ""`, kept in
 *   the JSON), for tokens that carry no kid (§8 item 1);
 * - checks the issuer as discovery, IAM and STS need it (§2, §5, §8 item 4);
 * - writes the discovery document of §6 step 3 (with `authorization_endpoint` and
 *   `claims_supported`) and says what to do next.
 *
 * Pure: file contents in, documents and texts out. The CLI reads and writes the files.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { IssuerError } from './errors.js';
import { keyId, type PublicJwk, publicJwk, type SigningAlg, signingAlgFor } from './keys.js';

/** The discovery document of the self-hosted recipe (§6 step 3), in the guide's order. */
export interface SelfHostedDiscovery {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: 'urn:kubernetes:programmatic_authorization';
  response_types_supported: ['id_token'];
  subject_types_supported: ['public'];
  id_token_signing_alg_values_supported: SigningAlg[];
  claims_supported: ['sub', 'iss'];
}

/** A public key found in an input file. */
export interface FoundKey {
  /** the file it came from */
  source: string;
  /** the PEM block it came from: `PUBLIC KEY`, `CERTIFICATE`, … */
  block: string;
  kid: string;
  alg: SigningAlg;
  /** RSA modulus size or EC curve */
  detail: string;
  publicKey: KeyObject;
}

/** The PEM blocks a public key can be taken from. */
const KEY_BLOCKS = new Set([
  'PUBLIC KEY',
  'RSA PUBLIC KEY',
  'CERTIFICATE',
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
]);

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Every public key in a PEM file, in file order. `EC PARAMETERS` blocks (as
 * `openssl ecparam -genkey` writes them) are skipped; anything else that is not a key is an
 * error, as is a file without any key.
 *
 * @example
 * readPublicKeys('sa.pub', readFileSync('/etc/kubernetes/pki/sa.pub', 'utf8'))
 * // → [{ source: 'sa.pub', block: 'PUBLIC KEY', kid: '…', alg: 'RS256', detail: 'RSA 2048', publicKey }]
 */
export function readPublicKeys(source: string, text: string): FoundKey[] {
  const found: FoundKey[] = [];
  let blocks = 0;
  for (const m of text.matchAll(PEM_BLOCK)) {
    blocks++;
    const label = m[1] as string;
    const n = blocks;
    if (label === 'EC PARAMETERS') continue;
    if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(m[2] as string))
      throw new IssuerError(
        'InvalidKey',
        `${source}: PEM block ${n} is an encrypted private key; give the public key instead (\`openssl pkey -in KEY -pubout\`)`,
      );
    if (!KEY_BLOCKS.has(label))
      throw new IssuerError(
        'InvalidKey',
        `${source}: PEM block ${n} (\`${label}\`) is not a public key, private key or certificate`,
      );
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(m[0]);
    } catch {
      throw new IssuerError(
        'InvalidKey',
        `${source}: PEM block ${n} (\`${label}\`) cannot be read as a key`,
      );
    }
    let alg: SigningAlg;
    try {
      alg = signingAlgFor(publicKey);
    } catch (e) {
      throw new IssuerError('UnsupportedKey', `${source}: PEM block ${n}: ${(e as Error).message}`);
    }
    const d = publicKey.asymmetricKeyDetails;
    const detail =
      alg === 'RS256' ? `RSA ${d?.modulusLength ?? '?'}` : `EC ${jwkCurve(d?.namedCurve)}`;
    found.push({ source, block: label, kid: keyId(publicKey), alg, detail, publicKey });
  }
  if (found.length === 0)
    throw new IssuerError(
      'InvalidKey',
      blocks === 0
        ? `${source}: no PEM block found (a DER file? convert it: \`openssl pkey -pubin -inform DER -in FILE\`)`
        : `${source}: no key in the file`,
    );
  return found;
}

function jwkCurve(curve: string | undefined): string {
  return curve === 'prime256v1'
    ? 'P-256'
    : curve === 'secp384r1'
      ? 'P-384'
      : curve === 'secp521r1'
        ? 'P-521'
        : (curve ?? '?');
}

/** What is wrong with an issuer URL (errors) and what is risky (warnings). */
export interface IssuerCheck {
  errors: string[];
  warnings: string[];
}

/**
 * Checks an issuer as kube-apiserver's discovery, IAM and STS need it: https, a host, no
 * user info, no query, no fragment, no trailing slash; a port is allowed but IAM expects an
 * issuer without one.
 *
 * @example
 * checkIssuerUrl('https://s3.eu-west-1.amazonaws.com/my-oidc/') // → { errors: ['the issuer must not end with `/`: …'], warnings: [] }
 */
export function checkIssuerUrl(issuer: string, what = 'the issuer'): IssuerCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return { errors: [`${what} \`${issuer}\` is not a URL`], warnings };
  }
  if (url.protocol !== 'https:')
    errors.push(
      `${what} must be an https URL, not \`${url.protocol.replace(/:$/, '')}\` (kube-apiserver serves discovery only for https issuers, and STS fetches only https)`,
    );
  if (url.hostname === '') errors.push(`${what} has no host`);
  if (url.username !== '' || url.password !== '')
    errors.push(`${what} must not carry a user name or password`);
  if (url.search !== '' || issuer.includes('?')) errors.push(`${what} must not have a query`);
  if (url.hash !== '' || issuer.includes('#')) errors.push(`${what} must not have a fragment`);
  if ((issuer.split(/[?#]/)[0] ?? '').endsWith('/'))
    errors.push(
      `${what} must not end with \`/\`: tokens carry \`iss\` exactly as given, and IAM matches it exactly (${issuer.replace(/\/+$/, '')})`,
    );
  if (url.port !== '')
    warnings.push(
      `${what} has a port (:${url.port}); IAM expects an issuer URL without one, and STS reaches only public https`,
    );
  return { errors, warnings };
}

/**
 * Checks a `--jwks-uri` as kube-apiserver checks `--service-account-jwks-uri`: an https URL
 * with a host.
 *
 * @example
 * checkJwksUri('http://example.com/keys.json') // → ['the JWKS URI must be an https URL, not `http`']
 */
export function checkJwksUri(uri: string): string[] {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return [`the JWKS URI \`${uri}\` is not a URL`];
  }
  const errors: string[] = [];
  if (url.protocol !== 'https:')
    errors.push(`the JWKS URI must be an https URL, not \`${url.protocol.replace(/:$/, '')}\``);
  if (url.hostname === '') errors.push('the JWKS URI has no host');
  return errors;
}

export interface PublishInput {
  /** each key file: its name (for messages) and its text */
  files: readonly { name: string; text: string }[];
  issuer: string;
  /** where the JWKS will be served; default `<issuer>/keys.json` */
  jwksUri?: string;
  /** publish each key again with `"kid": ""` (default true) */
  emptyKid?: boolean;
}

export interface Publication {
  discovery: SelfHostedDiscovery;
  jwks: { keys: PublicJwk[] };
  /** the two files to write, relative to the output folder, with their contents */
  files: {
    path: '.well-known/openid-configuration' | 'keys.json';
    contentType: string;
    text: string;
  }[];
  /** the distinct keys published (without the empty-kid duplicates) */
  keys: Omit<FoundKey, 'publicKey'>[];
  warnings: string[];
}

/**
 * Builds the discovery document and JWKS of a self-hosted issuer. Throws `IssuerError`
 * (`InvalidIssuer`, `InvalidKey`, `UnsupportedKey`) on input it cannot use.
 *
 * @example
 * const pub = await buildPublication({ issuer: 'https://s3.eu-west-1.amazonaws.com/my-oidc',
 *   files: [{ name: 'sa.pub', text: readFileSync('sa.pub', 'utf8') }] });
 * pub.jwks.keys.map((k) => k.kid) // → ['f4BC…', '']
 */
export async function buildPublication(input: PublishInput): Promise<Publication> {
  const check = checkIssuerUrl(input.issuer);
  const jwksUri = input.jwksUri ?? `${input.issuer.replace(/\/+$/, '')}/keys.json`;
  if (input.jwksUri !== undefined) check.errors.push(...checkJwksUri(input.jwksUri));
  if (check.errors.length > 0) throw new IssuerError('InvalidIssuer', check.errors.join('; '));
  if (input.files.length === 0)
    throw new IssuerError('InvalidKey', 'no key file: give at least one --public-key');

  const warnings = [...check.warnings];
  const keys: FoundKey[] = [];
  for (const f of input.files) {
    for (const k of readPublicKeys(f.name, f.text)) {
      const dup = keys.find((o) => o.kid === k.kid);
      if (dup) {
        warnings.push(
          `${k.source}: the key \`${k.kid}\` was already read from ${dup.source}; published once`,
        );
        continue;
      }
      if (k.alg === 'RS256' && (k.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        warnings.push(
          `${k.source}: key \`${k.kid}\` is ${k.detail}; many verifiers refuse RSA keys under 2048 bits`,
        );
      keys.push(k);
    }
  }
  const main = await Promise.all(keys.map((k) => publicJwk(k.publicKey)));
  const empty =
    (input.emptyKid ?? true) ? await Promise.all(keys.map((k) => publicJwk(k.publicKey, ''))) : [];
  const discovery: SelfHostedDiscovery = {
    issuer: input.issuer,
    jwks_uri: jwksUri,
    authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(keys.map((k) => k.alg))].sort(),
    claims_supported: ['sub', 'iss'],
  };
  const jwks = { keys: [...main, ...empty] };
  return {
    discovery,
    jwks,
    files: [
      {
        path: '.well-known/openid-configuration',
        contentType: 'application/json',
        text: `${JSON.stringify(discovery, null, 2)}\n`,
      },
      {
        path: 'keys.json',
        contentType: 'application/json',
        text: `${JSON.stringify(jwks, null, 2)}\n`,
      },
    ],
    keys: keys.map(({ publicKey: _k, ...rest }) => rest),
    warnings,
  };
}

/** `https://s3.<region>.amazonaws.com/<bucket>[/prefix]` or `https://<bucket>.s3[.<region>].amazonaws.com[/prefix]`. */
export function s3Location(
  url: string,
): { bucket: string; prefix: string; region?: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const path = u.pathname.replace(/^\/+|\/+$/g, '');
  const pathStyle = /^s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/.exec(u.hostname);
  if (pathStyle && path !== '') {
    const [bucket, ...rest] = path.split('/');
    return {
      bucket: bucket as string,
      prefix: rest.join('/'),
      ...(pathStyle[1] ? { region: pathStyle[1] } : {}),
    };
  }
  const virtual = /^(.+)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/.exec(u.hostname);
  if (virtual)
    return {
      bucket: virtual[1] as string,
      prefix: path,
      ...(virtual[2] ? { region: virtual[2] } : {}),
    };
  return undefined;
}

/**
 * What to do once the files are written: upload them (with their content types), the
 * kube-apiserver flags, and the IAM provider. Lines of text, ready to print.
 *
 * @example
 * nextSteps({ issuer, jwksUri, outDir: 'out', keyFiles: ['/etc/kubernetes/pki/sa.pub'] }).join('\n')
 */
export function nextSteps(opts: {
  issuer: string;
  jwksUri: string;
  outDir: string;
  keyFiles: readonly string[];
  files: Publication['files'];
}): string[] {
  const lines: string[] = [];
  const issuerBase = opts.issuer.replace(/\/+$/, '');
  const discoveryFile = opts.files.find((f) => f.path === '.well-known/openid-configuration');
  const keysFile = opts.files.find((f) => f.path === 'keys.json');
  const local = (p: string) => `${opts.outDir.replace(/\/+$/, '')}/${p}`;
  lines.push('Next steps:', '');
  lines.push('1. Upload both files, world-readable over https:');
  const s3 = s3Location(opts.issuer);
  const jwksS3 = s3Location(opts.jwksUri);
  if (s3 && discoveryFile && keysFile) {
    const key = (p: string) => (s3.prefix ? `${s3.prefix}/${p}` : p);
    const region = s3.region ? ` --region ${s3.region}` : '';
    lines.push(
      `   aws s3 cp ${local(discoveryFile.path)} s3://${s3.bucket}/${key(discoveryFile.path)} --content-type ${discoveryFile.contentType}${region}`,
    );
    if (jwksS3) {
      lines.push(
        `   aws s3 cp ${local(keysFile.path)} s3://${jwksS3.bucket}/${jwksS3.prefix} --content-type ${keysFile.contentType}${region}`,
      );
    } else {
      lines.push(
        `   then serve ${local(keysFile.path)} at ${opts.jwksUri} (Content-Type: ${keysFile.contentType})`,
      );
    }
    lines.push(
      '   New buckets have ACLs disabled: make the two objects public with a bucket policy',
      `   (s3:GetObject for "Principal": "*" on arn:aws:s3:::${s3.bucket}/${key('.well-known/openid-configuration')}`,
      `   and on the JWKS object) rather than --acl public-read; new buckets also block public`,
      `   policies: first aws s3api delete-public-access-block --bucket ${s3.bucket}${region}`,
      `   (or put-public-access-block with BlockPublicPolicy and RestrictPublicBuckets false).`,
    );
  } else {
    lines.push(
      `   ${local('.well-known/openid-configuration')} at ${issuerBase}/.well-known/openid-configuration (Content-Type: application/json)`,
      `   ${local('keys.json')} at ${opts.jwksUri} (Content-Type: application/json)`,
      '   The certificate must chain to a public CA: STS fetches these documents itself.',
    );
  }
  lines.push('', '2. Set the kube-apiserver flags (kubeadm, kind and k3s set some already:');
  lines.push('   add to them rather than replace them):');
  lines.push(`   --service-account-issuer=${opts.issuer}`);
  lines.push(
    '       (first; to change issuer without breaking existing tokens, keep the old one as a',
    '       second --service-account-issuer after it)',
  );
  if (opts.jwksUri !== `${issuerBase}/openid/v1/jwks`)
    lines.push(`   --service-account-jwks-uri=${opts.jwksUri}`);
  for (const f of opts.keyFiles) lines.push(`   --service-account-key-file=${f}`);
  lines.push(
    '       (every public key published here; keep the old key during a rotation)',
    '   --service-account-signing-key-file=<the private key of the newest key above>',
    '   --api-audiences=<your current API audiences, e.g. https://kubernetes.default.svc.cluster.local>',
    '       (keep them: the default follows the issuer, and changing it rejects existing tokens)',
  );
  lines.push('', '3. Register the issuer with IAM:');
  lines.push(
    `   aws iam create-open-id-connect-provider --url ${opts.issuer} --client-id-list sts.amazonaws.com`,
  );
  lines.push(
    '   (no --thumbprint-list needed when the documents are served with a publicly trusted',
    '   certificate, e.g. from S3)',
  );
  lines.push(
    '',
    '4. Check: curl -s ' + `${issuerBase}/.well-known/openid-configuration` + ' | jq .',
    `   and that a token's iss is exactly ${opts.issuer} and its kid is in ${opts.jwksUri}.`,
  );
  return lines;
}
