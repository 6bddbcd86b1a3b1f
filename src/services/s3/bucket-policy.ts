/**
 * Bucket policies as PutBucketPolicy checks them, in S3's words (`MalformedPolicy`, 400):
 * the document must be JSON starting with `{`, name known elements, S3 actions, resources in
 * this bucket that the actions apply to, and principals that exist; the rest of the policy
 * language (conditions, principals' forms) is the policy engine's, validated as a resource
 * policy. Then compiled once per stored revision for evaluation.
 */
import { type PrincipalLookup, principalsExisting } from '../../iam/policy-docs.js';
import { type CompiledPolicy, compilePolicy } from '../../policy/compile-policy.js';
import { compileGlob, matchGlob } from '../../policy/glob.js';
import {
  STATEMENT_ELEMENTS,
  TOP_ELEMENTS,
  VERSIONS,
  parsePolicy,
  parsePolicyValue,
} from '../../policy/parse-policy.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { AwsError } from '../../common/aws-error.js';
import { nestsDeeperThan } from '../../common/json-depth.js';
import { S3_ACTIONS, type S3ResourceKind } from './actions.js';
import { S3_MSG, malformedPolicy } from './errors.js';

/** S3's texts for MalformedPolicy. */
export const POLICY_MSG = {
  firstByte: "Policies must be valid JSON and the first byte must be '{'",
  invalidJson: 'This policy contains invalid Json',
  missingField: (f: string) => `Missing required field ${f}`,
  unknownField: (f: string) => `Unknown field ${f}`,
  emptyStatement: 'Could not parse the policy: Statement is empty!',
  version: 'The policy must contain a valid version string',
  effect: (e: string) => `Invalid effect: ${e}`,
  action: 'Policy has invalid action',
  resource: 'Policy has invalid resource',
  notApplicable: 'Action does not apply to any resource(s) in statement',
  principal: 'Invalid principal in policy',
  // [inferred] what S3 says of other syntax problems (conditions, element types)
  syntax: 'Invalid policy syntax.',
} as const;

/** S3 measures a policy written compactly; at most 20 KB. */
export const MAX_POLICY_BYTES = 20 * 1024;

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function actionKinds(pattern: string): Set<S3ResourceKind> | undefined {
  const lower = pattern.toLowerCase();
  if (lower === '*') return new Set(['bucket', 'object', 'account']);
  if (!lower.startsWith('s3:')) return undefined;
  const g = compileGlob(lower);
  const kinds = new Set<S3ResourceKind>();
  for (const [name, kind] of S3_ACTIONS) if (matchGlob(g, name)) kinds.add(kind);
  return kinds.size > 0 ? kinds : undefined;
}

function resourceKinds(resource: string, bucket: string): Set<S3ResourceKind> | undefined {
  const m = /^arn:aws:s3:::(.+)$/.exec(resource);
  if (!m) return undefined;
  const rest = m[1] as string;
  const kinds = new Set<S3ResourceKind>();
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    if (matchGlob(compileGlob(rest.slice(0, slash)), bucket)) kinds.add('object');
  } else {
    const g = compileGlob(rest);
    if (matchGlob(g, bucket)) kinds.add('bucket');
    if (matchGlob(g, `${bucket}/x`)) kinds.add('object');
  }
  return kinds.size > 0 ? kinds : undefined;
}

function statementProblem(s: unknown, bucket: string): string | undefined {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return POLICY_MSG.syntax;
  const st = s as Record<string, unknown>;
  for (const k of Object.keys(st))
    if (!STATEMENT_ELEMENTS.has(k)) return POLICY_MSG.unknownField(k);
  if (st.Effect === undefined) return POLICY_MSG.missingField('Effect');
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return POLICY_MSG.effect(String(st.Effect));
  if (st.Principal === undefined && st.NotPrincipal === undefined)
    return POLICY_MSG.missingField('Principal');
  if (st.Action === undefined && st.NotAction === undefined)
    return POLICY_MSG.missingField('Action');
  if (st.Resource === undefined && st.NotResource === undefined)
    return POLICY_MSG.missingField('Resource');
  const actions = new Set<S3ResourceKind>();
  for (const a of list(st.Action ?? st.NotAction)) {
    const kinds = typeof a === 'string' ? actionKinds(a) : undefined;
    if (!kinds) return POLICY_MSG.action;
    for (const k of kinds) actions.add(k);
  }
  const resources = new Set<S3ResourceKind>();
  for (const r of list(st.Resource ?? st.NotResource)) {
    const kinds = typeof r === 'string' ? resourceKinds(r, bucket) : undefined;
    if (!kinds) return POLICY_MSG.resource;
    for (const k of kinds) resources.add(k);
  }
  if (st.Action !== undefined && st.Resource !== undefined) {
    if (![...actions].some((k) => resources.has(k))) return POLICY_MSG.notApplicable;
  }
  return undefined;
}

/**
 * Checks a bucket policy as PutBucketPolicy does; throws S3's error for the first problem.
 * With `principals`, the principals it names must exist as IAM checks them (IAM stores
 * principals as unique ids, so S3 refuses one that does not).
 *
 * @example
 * await checkBucketPolicy('{"Statement":[]}', 'b') // throws MalformedPolicy "Could not parse the policy: Statement is empty!"
 */
export async function checkBucketPolicy(
  text: string,
  bucket: string,
  principals?: PrincipalLookup,
): Promise<void> {
  if (!text.trimStart().startsWith('{')) throw malformedPolicy(POLICY_MSG.firstByte);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw malformedPolicy(POLICY_MSG.invalidJson, e instanceof Error ? e.message : undefined);
  }
  // a policy nests a handful of levels; measuring and checking it recurses once per level
  if (nestsDeeperThan(text, 64))
    throw Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES
      ? new AwsError('PolicyTooLarge', 400, S3_MSG.policyTooLarge)
      : malformedPolicy(POLICY_MSG.invalidJson);
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_POLICY_BYTES)
    throw new AwsError('PolicyTooLarge', 400, S3_MSG.policyTooLarge);
  const doc = value as Record<string, unknown>;
  for (const k of Object.keys(doc))
    if (!TOP_ELEMENTS.has(k)) throw malformedPolicy(POLICY_MSG.unknownField(k));
  if (doc.Version !== undefined && !(VERSIONS as readonly unknown[]).includes(doc.Version))
    throw malformedPolicy(POLICY_MSG.version);
  if (doc.Statement === undefined) throw malformedPolicy(POLICY_MSG.missingField('Statement'));
  const statements = list(doc.Statement);
  if (statements.length === 0) throw malformedPolicy(POLICY_MSG.emptyStatement);
  for (const s of statements) {
    const problem = statementProblem(s, bucket);
    if (problem) throw malformedPolicy(problem);
  }

  const parsed = parsePolicyValue(value, { type: 'resource' });
  if (!parsed.ok) throw malformedPolicy(POLICY_MSG.syntax, parsed.error.detail);
  const known = principals ? await principalsExisting(parsed.document, principals) : undefined;
  const problem = validatePolicy(parsed.document, 'resource', {
    mode: 'save',
    sizeLimit: null,
    principalExists: (kind, v) => known?.get(`${kind}\u0000${v}`) ?? true,
  })[0];
  if (problem) {
    throw malformedPolicy(
      problem.message.startsWith('Invalid principal') ? POLICY_MSG.principal : POLICY_MSG.syntax,
      problem.detail ?? problem.message,
    );
  }
}

/**
 * A stored (already checked) bucket policy, compiled for evaluation as the bucket's resource
 * policy. Returns undefined if the text no longer parses (never for a policy S3 accepted).
 *
 * @example
 * const policy = compileBucketPolicy(bucket.policy, 'my-bucket');
 */
export function compileBucketPolicy(text: string, bucket: string): CompiledPolicy | undefined {
  const parsed = parsePolicy(text, { type: 'resource' });
  if (!parsed.ok) return undefined;
  return compilePolicy(parsed.document, { id: `arn:aws:s3:::${bucket}`, kind: 'resource' });
}
