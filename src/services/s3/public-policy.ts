/**
 * Whether a bucket policy is "public" as S3 Block Public Access means it (S3 User Guide,
 * "Blocking public access to your Amazon S3 storage", "The meaning of 'public'"): S3 assumes a
 * policy is public and looks for why it is not. It is not when every statement that allows
 * grants access only to fixed values — values without a wildcard or a policy variable — of a
 * principal, or of one of the condition keys the guide lists:
 *
 * - an AWS principal, user, role or service principal (also by `aws:PrincipalOrgID`,
 *   `aws:PrincipalAccount`, `aws:PrincipalArn`);
 * - `aws:SourceIp` CIDRs — but not broader than /8 (IPv4) or /32 (IPv6): "very broad IP
 *   ranges (for example, 0.0.0.0/1) are evaluated as public";
 * - `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceOwner`, `aws:SourceAccount`,
 *   `s3:x-amz-server-side-encryption-aws-kms-key-id`, `s3:DataAccessPointAccount`;
 * - `aws:userid` outside the pattern `AROLEID:*` (a wildcard, so never fixed);
 * - `s3:DataAccessPointArn`, where a wildcard in the access point name keeps it non-public as
 *   long as the account is fixed.
 *
 * `"Principal": "*"` (or `{"AWS": "*"}`), `NotPrincipal`, and a federated principal that is a
 * public identity provider (`{"Federated": "graph.facebook.com"}`, the guide's example) are not
 * fixed. A condition restricts only when it must match: a positive operator (`StringEquals`,
 * `StringLike`, `ArnEquals`, `ArnLike`, their variants, `IpAddress`, `ForAnyValue:` of them);
 * a negated one, `…IfExists` (true without the key: an anonymous request has no
 * `aws:SourceVpc`), `ForAllValues:` (true without the key) and `Null` restrict nothing.
 * Deny statements grant nothing and never make a policy public.
 */
import { isIP } from 'node:net';

type Json = Record<string, unknown>;

/** The condition keys (lower case) whose fixed values make a grant non-public. */
const FIXED_KEYS = new Set([
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  'aws:userid',
  's3:dataaccesspointaccount',
]);

/** Operators (lower case, without `ForAnyValue:`) that hold only for the values they name. */
const MATCHING = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
]);

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** A value without a wildcard or a policy variable. */
function isFixed(v: unknown): boolean {
  if (typeof v === 'number') return true;
  return typeof v === 'string' && v !== '' && !/[*?]|\$\{/.test(v);
}

/**
 * A CIDR (or one address) no broader than /8 for IPv4 and /32 for IPv6.
 *
 * @example
 * isNarrowCidr('10.0.0.0/8') // → true
 * isNarrowCidr('0.0.0.0/1') // → false
 */
export function isNarrowCidr(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const [address = '', prefix, ...rest] = v.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return family === 4 ? bits >= 8 && bits <= 32 : bits >= 32 && bits <= 128;
}

/** `arn:aws:s3:<region>:<account>:accesspoint/<name>`, the name alone may have a wildcard. */
function isFixedAccessPointArn(v: unknown): boolean {
  if (isFixed(v)) return true;
  if (typeof v !== 'string' || v.includes('${')) return false;
  const m = /^arn:([^:]+):s3:([^:]+):(\d{12}):accesspoint\/.+$/.exec(v);
  return m !== null && isFixed(m[1]) && isFixed(m[2]);
}

/** One condition block (operator → key → values) restricts the grant to fixed values. */
function conditionRestricts(operator: string, block: unknown): boolean {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return false;
  let op = operator.toLowerCase();
  if (op.startsWith('forallvalues:') || op.endsWith('ifexists')) return false;
  if (op.startsWith('foranyvalue:')) op = op.slice('foranyvalue:'.length);
  for (const [rawKey, rawValues] of Object.entries(block as Json)) {
    const key = rawKey.toLowerCase();
    const values = list(rawValues);
    if (values.length === 0) continue;
    if (key === 'aws:sourceip') {
      if (op === 'ipaddress' && values.every(isNarrowCidr)) return true;
    } else if (key === 's3:dataaccesspointarn') {
      if (MATCHING.has(op) && values.every(isFixedAccessPointArn)) return true;
    } else if (FIXED_KEYS.has(key)) {
      if (MATCHING.has(op) && values.every(isFixed)) return true;
    }
  }
  return false;
}

/** A principal element that names only fixed principals. */
function principalIsFixed(principal: unknown): boolean {
  if (principal === undefined || principal === '*') return false;
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) return false;
  const entries = Object.entries(principal as Json);
  if (entries.length === 0) return false;
  for (const [type, raw] of entries) {
    const values = list(raw);
    if (values.length === 0 || !values.every(isFixed)) return false;
    // a public identity provider (graph.facebook.com, accounts.google.com, …) lets anyone in;
    // an account's SAML or OIDC provider is named by its ARN
    if (type === 'Federated' && !values.every((v) => String(v).startsWith('arn:'))) return false;
  }
  return true;
}

/** One statement grants access to the public. */
function statementIsPublic(st: unknown): boolean {
  if (typeof st !== 'object' || st === null || Array.isArray(st)) return false;
  const s = st as Json;
  if (s.Effect !== 'Allow') return false;
  if (s.NotPrincipal === undefined && principalIsFixed(s.Principal)) return false;
  const condition = s.Condition;
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition))
    for (const [op, block] of Object.entries(condition as Json))
      if (conditionRestricts(op, block)) return false;
  return true;
}

/**
 * The index of the first statement that makes a bucket policy (its parsed JSON) public, or
 * undefined for a non-public policy.
 *
 * @example
 * publicStatement({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] }) // → 0
 */
export function publicStatement(policy: unknown): number | undefined {
  if (typeof policy !== 'object' || policy === null) return undefined;
  const statements = list((policy as Json).Statement);
  const i = statements.findIndex(statementIsPublic);
  return i < 0 ? undefined : i;
}

/**
 * Whether a bucket policy's text is public; a text that is not JSON is not (S3 never stores one).
 *
 * @example
 * isPublicPolicyText('{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}]}') // → true
 */
export function isPublicPolicyText(text: string): boolean {
  try {
    return publicStatement(JSON.parse(text)) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The one account whose callers a bucket's policy still counts for, when it is public and the
 * bucket's RestrictPublicBuckets setting is on: its owner's (S3 "blocks public and
 * cross-account access derived from any public … bucket policy"; S3 User Guide, Block Public
 * Access). Undefined when the policy counts for every caller.
 *
 * @example
 * publicPolicyOnlyFor({ account: '111122223333', publicAccessBlock: { RestrictPublicBuckets: true } }, true)
 * // → '111122223333'
 */
export function publicPolicyOnlyFor(
  bucket: { account: string; publicAccessBlock?: { RestrictPublicBuckets: boolean } | undefined },
  policyIsPublic: boolean,
): string | undefined {
  return policyIsPublic && bucket.publicAccessBlock?.RestrictPublicBuckets
    ? bucket.account
    : undefined;
}

/**
 * Why a bucket policy took no part in a refusal (`publicPolicyOnlyFor`), and the fix, for
 * `irsa why` and `irsa doctor` (the answer is S3's as ever).
 */
export function restrictedPolicyText(bucket: string): { reason: string; fix: string } {
  return {
    reason: `the bucket policy of ${bucket} is public (S3 User Guide, "The meaning of 'public'") and the bucket's RestrictPublicBuckets setting is on: S3 ignores the policy for callers outside the owner's account, anonymous ones included`,
    fix: `grant the caller's account by name (Principal {"AWS": "<account id>"}) instead of "*", or turn RestrictPublicBuckets off: aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false`,
  };
}
