/**
 * irsakit's explanation of a call (DESIGN.md "Fidelity rules"): where AWS says only "Not
 * authorized to perform sts:AssumeRoleWithWebIdentity", the audit record keeps which hop of
 * the chain refused — token, OIDC provider, role trust policy, session, signature,
 * credentials, SCP, identity policy, permissions boundary, session policy, resource policy —
 * which statement (policy, Sid, index, line) or which claim, expected versus actual, a "did
 * you mean" when what the request carried is a small edit away from what a policy names, and
 * the fix. Built from what the call left behind: the error's `detail` (the policy engine's
 * Explanation, STS's denial detail, the SigV4 failure) and `ctx.decisions`. Pure.
 */
import type { AwsError } from '../common/aws-error.js';
import type { Explanation, Mismatch, SetTrace, StatementTrace } from '../policy/explain.js';
import { mismatchText } from '../policy/explain.js';
import { compileGlob, matchGlob } from '../policy/glob.js';
import { editDistance, nearest } from '../policy/nearest.js';
import type { MatchedStatement, PolicySetKind } from '../policy/types.js';
import type { AuthzRecord, Caller } from '../server/aws/types.js';
import type { SigV4Failure } from '../sigv4/types.js';
import { redactCanonicalRequest } from '../sigv4/redact.js';
import { isoEpochSeconds } from '../common/times.js';
import type { StsSession } from '../sts/types.js';
import type { Hop, HopTrace, IrsaExplanation, StatementRef } from './types.js';
import type { TokenClaims, WebIdentityFacts } from './user-identity.js';
import { withoutSignature } from './redact.js';
import { isoOfJavaDate } from './parameters.js';
import { providerKeyPrefix } from '../policy/web-identity.js';
import { DEFAULT_TOKEN_AUDIENCE } from '../webhook/options.js';

export interface ExplainInput {
  service: string;
  eventName: string;
  caller?: Caller | undefined;
  session?: StsSession | undefined;
  decisions: readonly AuthzRecord[];
  error?: Pick<AwsError, 'code' | 'message' | 'detail' | 'httpStatus'> | undefined;
  /** AssumeRoleWithWebIdentity: the token's claims as presented */
  token?: TokenClaims | undefined;
  /** AssumeRoleWithWebIdentity: the provider, audience and subject, verified where STS got that far */
  web?: WebIdentityFacts | undefined;
  /** AssumeRole*: the role asked for */
  roleArn?: string | undefined;
  responseElements?: Record<string, unknown> | null | undefined;
  /** the access key id that signed the call (also for refused signatures) */
  accessKeyId?: string | undefined;
}

/** Lists longer than this are cut in explanations (a managed policy names hundreds of actions). */
const MAX_LIST = 12;

function cut(xs: readonly string[]): string[] {
  return xs.length <= MAX_LIST
    ? [...xs]
    : [...xs.slice(0, MAX_LIST), `… ${xs.length - MAX_LIST} more`];
}

const SET_HOP: Record<PolicySetKind, Hop> = {
  identity: 'identity',
  boundary: 'boundary',
  session: 'session-policy',
  resource: 'resource',
  scp: 'scp',
  rcp: 'rcp',
  vpce: 'resource',
};

const SET_LABEL: Record<PolicySetKind, string> = {
  identity: 'identity-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  resource: 'resource-based policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
  vpce: 'VPC endpoint policy',
};

/** How `irsa why` names a statement: `policy statement \`Sid\` (#0, line 7)`. */
export function statementText(s: StatementRef): string {
  const where = [`#${s.index}`, ...(s.line !== undefined ? [`line ${s.line}`] : [])].join(', ');
  return `${s.policy} statement ${s.sid ? `\`${s.sid}\` (${where})` : `(${where})`}`;
}

function refOf(
  policy: string,
  set: PolicySetKind,
  st: Pick<StatementTrace, 'index' | 'sid' | 'effect' | 'span'>,
): StatementRef {
  return {
    policy,
    policyType: set,
    sid: st.sid,
    index: st.index,
    line: st.span?.line,
    effect: st.effect,
  };
}

function refOfMatched(m: MatchedStatement): StatementRef {
  return refOf(m.policyId, m.policyType, m);
}

const DEPTH: Record<Mismatch['element'], number> = {
  action: 0,
  resource: 1,
  principal: 2,
  condition: 3,
};

/** The verdict the policy engine's explanation gives: the set and the statement at fault. */
interface Verdict {
  hop: Hop;
  set: PolicySetKind;
  statement?: StatementRef | undefined;
  mismatch?: Mismatch | undefined;
  /** the statement's value a small edit away from the request's (a condition's: the engine's) */
  didYouMean?: string | undefined;
  /**
   * What the statement's near value would read to match the request, for an action or a
   * resource: the action the service asked for (it is always a real one, so the policy's is the
   * typo), the resource — or, for a pattern, the pattern with its mistyped literal part
   * corrected (`arn:aws:s3:::my-bukcet/*` → `arn:aws:s3:::my-bucket/*`).
   */
  corrected?: string | undefined;
  /** the set had no policy at all */
  empty: boolean;
}

interface NearMiss {
  /** the statement's value */
  policy: string;
  /** that value corrected to match the request (actions and resources only) */
  corrected?: string | undefined;
}

/**
 * A pattern whose literal head (before its first wildcard) is a typo or two away from the
 * request's, and matches it once corrected: `arn:aws:s3:::my-bukcet/*` for
 * `arn:aws:s3:::my-bucket/a.txt` gives `arn:aws:s3:::my-bucket/*`. Policy variables are not
 * guessed at.
 */
function correctedPattern(actual: string, pattern: string): string | undefined {
  const wild = pattern.search(/[*?]/);
  if (wild <= 0 || pattern.includes('${')) return undefined;
  const head = pattern.slice(0, wild);
  if (actual.startsWith(head)) return undefined;
  // the head's typo must be a small part of it: a few characters of a long ARN, not of `arn:`
  const max = Math.min(2, Math.floor(head.length / 4));
  for (let d = 0; d <= max; d++)
    for (const len of d === 0 ? [head.length] : [head.length - d, head.length + d]) {
      if (len <= 0 || len > actual.length) continue;
      const prefix = actual.slice(0, len);
      if (editDistance(head, prefix, max) > max) continue;
      const fixed = prefix + pattern.slice(wild);
      if (matchGlob(compileGlob(fixed), actual)) return fixed;
    }
  return undefined;
}

/**
 * An action mismatch in a statement of the request's own service (`dynamodb:GetItem` for a
 * `dynamodb:PutItem`): a nearer miss than a statement of another service altogether.
 */
function sameService(m: Mismatch): boolean {
  if (m.element !== 'action') return false;
  const service = m.actual.slice(0, m.actual.indexOf(':') + 1).toLowerCase();
  return m.expected.some((e) => e.toLowerCase().startsWith(service));
}

function nearMiss(m: Mismatch | undefined): NearMiss | undefined {
  if (!m) return undefined;
  if (m.element === 'condition')
    return m.didYouMean !== undefined ? { policy: m.didYouMean } : undefined;
  if (m.negated) return undefined;
  const actual = m.element === 'principal' ? m.actual[0] : m.actual;
  if (actual === undefined) return undefined;
  const candidates = m.expected.filter((e) => !e.includes('*') && !e.includes('?'));
  const near = nearest(actual, candidates);
  // a typo is a character or two, not another verb: s3:GetObjet is s3:GetObject, s3:PutObject is not
  const max = m.element === 'action' ? 1 : 2;
  if (near !== undefined && editDistance(actual, near, max) <= max)
    return { policy: near, corrected: m.element === 'principal' ? undefined : actual };
  if (m.element !== 'resource') return undefined;
  for (const pattern of m.expected) {
    const corrected = correctedPattern(actual, pattern);
    if (corrected !== undefined) return { policy: pattern, corrected };
  }
  return undefined;
}

function verdictOf(x: Explanation, trust: boolean): Verdict {
  const hopOf = (set: PolicySetKind) => (set === 'resource' && trust ? 'trust' : SET_HOP[set]);
  if (x.decision === 'explicitDeny') {
    const deny = x.matched.find((m) => m.effect === 'Deny') ?? x.matched[0];
    const set = deny?.policyType ?? 'identity';
    return { hop: hopOf(set), set, statement: deny ? refOfMatched(deny) : undefined, empty: false };
  }
  const miss = x.missing[0] ?? { set: 'identity' as const };
  const trace = x.sets.find((s) => s.set === miss.set && s.level === miss.level);
  // the nearest statement: the one that got furthest (action, then resource, then condition),
  // and among those one a typo away (a "did you mean") over one that names something else,
  // then one of the request's service over one of another
  let best: { policyId: string; st: StatementTrace; score: number } | undefined;
  for (const pt of trace?.policies ?? [])
    for (const st of pt.statements) {
      if (st.effect !== 'Allow' || !st.mismatch) continue;
      const score =
        DEPTH[st.mismatch.element] * 4 +
        (nearMiss(st.mismatch) ? 2 : 0) +
        (sameService(st.mismatch) ? 1 : 0);
      if (!best || score > best.score) best = { policyId: pt.policyId, st, score };
    }
  const near = nearMiss(best?.st.mismatch);
  return {
    hop: hopOf(miss.set),
    set: miss.set,
    statement: best ? refOf(best.policyId, miss.set, best.st) : undefined,
    mismatch: best?.st.mismatch,
    didYouMean: near?.policy,
    corrected: near?.corrected,
    empty: !trace || trace.policies.length === 0,
  };
}

/** `system:serviceaccount:ns:sa` → `{ namespace, serviceAccount }`. */
export function serviceAccountOf(
  sub: string | undefined,
): { namespace: string; serviceAccount: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub ?? '');
  return m ? { namespace: m[1] as string, serviceAccount: m[2] as string } : undefined;
}

/** The pod identity tags of a session (EKS Pod Identity), as a service account. */
function podIdentitySa(
  s: StsSession | undefined,
): { namespace: string; serviceAccount: string } | undefined {
  const tag = (k: string) => s?.tags?.find((t) => t.Key === k)?.Value;
  const ns = tag('kubernetes-namespace');
  const sa = tag('kubernetes-service-account');
  return ns && sa ? { namespace: ns, serviceAccount: sa } : undefined;
}

/** The service account behind a call, when it came from a pod. */
export function serviceAccountBehind(
  session: StsSession | undefined,
  web: WebIdentityFacts | undefined,
): { namespace: string; serviceAccount: string } | undefined {
  return (
    serviceAccountOf(web?.sub) ??
    serviceAccountOf(session?.webIdentity?.sub) ??
    podIdentitySa(session)
  );
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isExplanation(d: unknown): d is Explanation {
  return (
    isObj(d) && Array.isArray(d.sets) && typeof d.decision === 'string' && Array.isArray(d.missing)
  );
}

function isSigV4Failure(d: unknown): d is SigV4Failure {
  return isObj(d) && typeof d.kind === 'string' && typeof d.reason === 'string';
}

interface StsDetail {
  check?: string;
  summary?: string;
  reason?: string;
  explanation?: Explanation;
  expected?: unknown;
  actual?: unknown;
  iss?: string;
  /** the role's account, where STS looked for the provider */
  account?: string;
  providerArn?: string;
  url?: string;
  now?: number;
  exp?: number;
  nbf?: number;
  iat?: number;
  /** seconds of clock skew STS allows nbf and iat */
  leeway?: number;
  requested?: number;
  maxSessionDuration?: number;
}

const TOKEN_CHECKS = new Set([
  'parse',
  'claims',
  'tags',
  'signature',
  'expiry',
  'not-before',
  'issued-at',
  'source-identity',
]);

const CREDENTIAL_FAILURES = new Set(['UnknownKey', 'InvalidToken', 'ExpiredToken']);
const SIGNATURE_FIXES: Partial<Record<SigV4Failure['kind'], string>> = {
  SignatureDoesNotMatch:
    'sign with the secret key that belongs to this access key id, and do not change the request after signing (a proxy rewriting the path, Host or body breaks the signature)',
  RequestTimeTooSkewed:
    'correct the client clock: a signature is valid 15 minutes either side of the server time',
  PresignExpired: 'presign the URL again: it has expired',
  WrongRegion: 'sign for the region the endpoint expects (AWS_REGION / AWS_DEFAULT_REGION)',
  WrongService: 'sign with the service name of the endpoint being called',
  MissingAuthentication:
    'sign the request (the SDK needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or a web-identity token)',
};

/** Authorization hops of one decision, in evaluation order. */
function authzHops(d: AuthzRecord, failedHop: Hop | undefined): HopTrace[] {
  const x = d.explanation;
  if (!x) {
    // allowed: the statements that granted, by set
    const bySet = new Map<PolicySetKind, StatementRef[]>();
    for (const m of d.matched) {
      const list = bySet.get(m.policyType) ?? [];
      list.push(refOfMatched(m));
      bySet.set(m.policyType, list);
    }
    const order: PolicySetKind[] = ['scp', 'rcp', 'identity', 'boundary', 'session', 'resource'];
    const hops: HopTrace[] = order
      .filter((s) => bySet.has(s))
      .map((s) => ({
        hop: SET_HOP[s],
        status: 'ok' as const,
        subject: `${d.action} on ${d.resource}`,
        facts: (bySet.get(s) ?? []).map((r) => `allowed by ${statementText(r)}`),
      }));
    if (hops.length === 0)
      hops.push({
        hop: 'identity',
        status: 'ok',
        subject: `${d.action} on ${d.resource}`,
        facts: ['allowed (the account root needs no policy)'],
      });
    return hops;
  }
  const order: PolicySetKind[] = [
    'scp',
    'rcp',
    'vpce',
    'identity',
    'boundary',
    'session',
    'resource',
  ];
  const hops: HopTrace[] = [];
  for (const set of order) {
    const traces = x.sets.filter((s) => s.set === set);
    if (traces.length === 0) continue;
    const consulted = traces.some((t) => t.consulted);
    const hop = SET_HOP[set];
    if (!consulted) {
      hops.push({
        hop,
        status: 'skipped',
        subject: SET_LABEL[set],
        facts: ['not consulted for this caller'],
      });
      continue;
    }
    const denies = x.matched.filter((m) => m.policyType === set && m.effect === 'Deny');
    const missing = x.missing.some((m) => m.set === set);
    const failed = denies.length > 0 || missing || hop === failedHop;
    // a set with no policy (no boundary, no session policy) is no hop of this call
    if (!failed && traces.every((t) => t.policies.length === 0)) continue;
    hops.push({
      hop,
      status: failed ? 'failed' : 'ok',
      subject: policiesOf(traces),
      facts: failed
        ? denies.length > 0
          ? denies.map((m) => `denied by ${statementText(refOfMatched(m))}`)
          : [`no statement allows ${d.action} on ${d.resource}`]
        : allowsOf(traces),
    });
  }
  return hops;
}

function policiesOf(traces: readonly SetTrace[]): string {
  const ids = traces.flatMap((t) => t.policies.map((p) => p.policyId));
  return ids.length === 0 ? '(none)' : ids.join(', ');
}

function allowsOf(traces: readonly SetTrace[]): string[] {
  const out: string[] = [];
  for (const t of traces)
    for (const p of t.policies)
      for (const st of p.statements)
        if (st.applies && st.effect === 'Allow')
          out.push(`allowed by ${statementText(refOf(p.policyId, t.set, st))}`);
  return out;
}

function claimOfKey(key: string | undefined): string | undefined {
  const m = /:(sub|aud|amr|oaud|azp|email)$/.exec(key ?? '');
  return m?.[1];
}

/** The pod → token → provider → trust → session hops of a web-identity exchange. */
/** the web identity checks made before the token's signature is (STS's order) */
const BEFORE_SIGNATURE = new Set(['parse', 'claims', 'issuer', 'audience', 'signature', 'keys']);

/**
 * Whether a refused web identity exchange failed before the token's signature was verified:
 * then its claims (the service account above all) are whatever the sender wrote.
 */
export function tokenUnverified(error: { detail?: unknown } | undefined): boolean {
  const check = isObj(error?.detail) ? error.detail.check : undefined;
  return typeof check === 'string' && BEFORE_SIGNATURE.has(check);
}

function exchangeHops(input: ExplainInput, failed: Hop | undefined): HopTrace[] {
  const t = input.token;
  const web = input.web;
  const hops: HopTrace[] = [];
  const sa = serviceAccountOf(web?.sub ?? t?.sub);
  const order: Hop[] = ['pod', 'token', 'provider', 'role', 'trust', 'session'];
  const failedAt = failed ? order.indexOf(failed) : -1;
  const status = (h: Hop): HopTrace['status'] => {
    const i = order.indexOf(h);
    if (failedAt < 0) return 'ok';
    return i < failedAt ? 'ok' : i === failedAt ? 'failed' : 'not-reached';
  };
  // a token refused before its signature was checked proves no pod: its sub is only a claim
  const unverified = tokenUnverified(input.error);
  if (sa)
    hops.push({
      hop: 'pod',
      status: unverified ? 'not-reached' : status('pod'),
      subject: `${sa.namespace}/${sa.serviceAccount}`,
      facts: [
        unverified
          ? `claims service account ${sa.serviceAccount} in namespace ${sa.namespace} (the token was not verified)`
          : `service account ${sa.serviceAccount} in namespace ${sa.namespace}`,
      ],
    });
  const facts: string[] = [];
  if (t) {
    if (t.iss !== undefined) facts.push(`iss ${t.iss}`);
    if (t.sub !== undefined) facts.push(`sub ${t.sub}`);
    if (t.aud.length > 0) facts.push(`aud ${t.aud.join(', ')}`);
    if (t.exp !== undefined) facts.push(`exp ${isoEpochSeconds(t.exp)}`);
    if (t.kid !== undefined) facts.push(`kid ${t.kid}`);
    if (t.jti !== undefined) facts.push(`jti ${t.jti}`);
  } else facts.push('not a JWT');
  hops.push({ hop: 'token', status: status('token'), facts });
  hops.push({
    hop: 'provider',
    status: status('provider'),
    subject: web?.providerArn,
    facts:
      status('provider') === 'ok' && web?.aud !== undefined
        ? [`audience ${web.aud} is in its client ID list`]
        : undefined,
  });
  if (failed === 'role') hops.push({ hop: 'role', status: 'failed', subject: input.roleArn });
  hops.push({
    hop: 'trust',
    status: failed === 'role' ? 'not-reached' : status('trust'),
    subject: input.roleArn ? `${input.roleArn} trust policy` : undefined,
  });
  const r = input.responseElements;
  const assumed = isObj(r?.assumedRoleUser) ? String(r.assumedRoleUser.arn ?? '') : undefined;
  const creds = isObj(r?.credentials) ? r.credentials : undefined;
  hops.push({
    hop: 'session',
    status: failed === 'role' ? 'not-reached' : status('session'),
    subject: assumed,
    facts:
      creds && creds.expiration !== undefined
        ? [
            // the record keeps CloudTrail's `Dec 7, 2026, 8:09:47 AM`; irsakit's words say ISO
            `credentials ${String(creds.accessKeyId ?? '')} until ${isoOfJavaDate(String(creds.expiration)) ?? String(creds.expiration)}`,
          ]
        : undefined,
  });
  return hops;
}

/** The pod → … → session hops of a call made with a role session's credentials. */
function sessionHops(s: StsSession): HopTrace[] {
  const hops: HopTrace[] = [];
  const sa = serviceAccountBehind(s, undefined);
  const w = s.webIdentity;
  if (sa)
    hops.push({
      hop: 'pod',
      status: 'ok',
      subject: `${sa.namespace}/${sa.serviceAccount}`,
      facts: [`service account ${sa.serviceAccount} in namespace ${sa.namespace}`],
    });
  if (w) {
    hops.push({
      hop: 'token',
      status: 'ok',
      facts: [
        `sub ${w.sub}`,
        `aud ${w.aud}`,
        ...(w.kid !== undefined ? [`kid ${w.kid}`] : []),
        ...(w.jti !== undefined ? [`jti ${w.jti}`] : []),
        `exchanged ${isoEpochSeconds(s.issuedAt)}`,
      ],
    });
    hops.push({ hop: 'provider', status: 'ok', subject: w.providerArn });
  }
  hops.push({
    hop: 'trust',
    status: 'ok',
    subject: `${s.roleArn} trust policy`,
    facts: [`${s.via} allowed at ${isoEpochSeconds(s.issuedAt)}`],
  });
  hops.push({
    hop: 'session',
    status: 'ok',
    subject: `arn:${s.partition}:sts::${s.account}:assumed-role/${s.roleName}/${s.sessionName}`,
    facts: [
      `issued ${isoEpochSeconds(s.issuedAt)}, expires ${isoEpochSeconds(s.expiresAt)}`,
      ...(s.policy !== undefined || (s.policyArns?.length ?? 0) > 0
        ? ['carries a session policy']
        : []),
    ],
  });
  return hops;
}

/** A refusal's part of the explanation: its hop is known. */
interface Refusal extends Pick<
  IrsaExplanation,
  'summary' | 'statement' | 'claim' | 'conditionKey' | 'expected' | 'actual' | 'didYouMean' | 'fix'
> {
  hop: Hop;
  /** where the did-you-mean value belongs, when it is not the request (`the trust policy`) */
  didYouMeanIn?: string | undefined;
}

/**
 * A trust claim condition whose policy value is the typo, not the token's: the trust policy is
 * evaluated only once STS has verified the token, so its `sub` is the ServiceAccount the
 * cluster signed it for (that namespace and ServiceAccount exist) and an `aud` of
 * sts.amazonaws.com is what the webhook asks every token for. A policy `sub` a character or
 * two away from such a value is a mistyped name (`prodution`); one further away names another
 * ServiceAccount (`web-app` for `s3-app`), which the pod may be meant to run as. A policy `aud`
 * near the webhook's audience is a typo of it (`sts.amazon.com`); a token of another audience
 * is the token's doing (its ServiceAccount's eks.amazonaws.com/audience annotation).
 */
interface PolicyTypo {
  claim: 'sub' | 'aud';
  /** the policy's value */
  policy: string;
  /** the token's value: what the policy should say */
  token: string;
}

function policyTypo(m: Mismatch | undefined): PolicyTypo | undefined {
  if (m?.element !== 'condition' || m.didYouMean === undefined || m.actual?.length !== 1)
    return undefined;
  const claim = claimOfKey(m.key);
  const token = m.actual[0] as string;
  const policy = m.didYouMean;
  if (claim === 'aud' && token === DEFAULT_TOKEN_AUDIENCE) return { claim, policy, token };
  if (claim === 'sub' && editDistance(token, policy, 2) <= 2) return { claim, policy, token };
  return undefined;
}

/** What differs between two subjects: `namespace \`prodution\` instead of \`production\``. */
function subjectDifference(policy: string, token: string): string | undefined {
  const p = serviceAccountOf(policy);
  const t = serviceAccountOf(token);
  if (!p || !t) return undefined;
  const parts: string[] = [];
  if (p.namespace !== t.namespace)
    parts.push(`namespace \`${p.namespace}\` instead of \`${t.namespace}\``);
  if (p.serviceAccount !== t.serviceAccount)
    parts.push(`ServiceAccount \`${p.serviceAccount}\` instead of \`${t.serviceAccount}\``);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

/** The fix of a trust policy's mistyped claim value: the exact value to put there. */
function policyTypoFix(
  t: PolicyTypo,
  m: Mismatch & { element: 'condition' },
  stmt: string,
): string {
  const set = `set ${m.operator} \`${m.key}\` to \`${t.token}\` in ${stmt}`;
  if (t.claim === 'aud')
    return `${set}: its \`${t.policy}\` looks like a typo of ${DEFAULT_TOKEN_AUDIENCE}, the audience the webhook mints every token for`;
  const diff = subjectDifference(t.policy, t.token);
  const p = serviceAccountOf(t.policy);
  const tok = serviceAccountOf(t.token);
  // the same namespace: the pod may yet be meant to run as the policy's ServiceAccount
  const or =
    p && tok && p.namespace === tok.namespace
      ? `; or, if ${p.serviceAccount} is the ServiceAccount meant, run the pod as it (serviceAccountName: ${p.serviceAccount})`
      : '';
  return `${set}: its \`${t.policy}\` ${diff ? `has ${diff}` : 'looks like a typo'}, and the token's sub is the ServiceAccount the cluster signed it for${or}`;
}

/**
 * @param provider a web identity exchange's provider as it prefixes condition keys
 *   (`oidc.eks.us-east-1.amazonaws.com/id/ABCD`)
 */
function fromVerdict(
  v: Verdict,
  what: string,
  trust: boolean,
  roleArn: string | undefined,
  provider?: string | undefined,
): Refusal {
  const m = v.mismatch;
  const where =
    v.set === 'resource' && trust
      ? `the role trust policy${roleArn ? ` of ${roleArn}` : ''}`
      : `the ${SET_LABEL[v.set]}`;
  if (v.statement?.effect === 'Deny') {
    return {
      hop: v.hop,
      summary: `explicitly denied: ${statementText(v.statement)} (${where}) denies ${what}`,
      statement: v.statement,
      fix: `an explicit Deny wins over every Allow: narrow or remove ${statementText(v.statement)}${v.statement.policyType === 'boundary' ? ' in the permissions boundary' : ''}`,
    };
  }
  const typo = trust && v.set === 'resource' ? policyTypo(m) : undefined;
  // the policy's value is the near miss: it is what looks mistyped, not the request
  const actual = typo
    ? typo.token
    : m && m.element !== 'condition'
      ? [m.actual].flat()[0]
      : undefined;
  const hint =
    v.didYouMean !== undefined
      ? actual !== undefined
        ? ` (the policy's \`${v.didYouMean}\` looks like a typo of \`${v.corrected ?? actual}\`)`
        : ` (did you mean \`${v.didYouMean}\`?)`
      : '';
  // the engine's own hint offers the policy's value as the one meant: not when that is the typo
  const shown = typo && m?.element === 'condition' ? { ...m, didYouMean: undefined } : m;
  const near =
    v.statement && shown ? `; nearest: ${statementText(v.statement)}: ${mismatchText(shown)}` : '';
  const out: Refusal = {
    hop: v.hop,
    summary: v.empty
      ? `implicitly denied: ${where} has no policy, so nothing allows ${what}`
      : `implicitly denied: no statement of ${where} allows ${what}${near}${(m && m.element !== 'condition') || typo ? hint : ''}`,
    statement: v.statement,
    // the value meant, and where it goes: a mistyped action or resource is the statement's to
    // correct (the request's action is the operation's own), so it is offered there
    didYouMean: typo ? typo.token : (v.corrected ?? v.didYouMean),
    didYouMeanIn: typo
      ? 'the trust policy'
      : v.corrected !== undefined && v.statement
        ? statementText(v.statement)
        : undefined,
  };
  if (m) {
    out.expected = cut(m.expected);
    out.actual = m.actual;
    if (m.element === 'condition') {
      out.conditionKey = m.key;
      out.claim = claimOfKey(m.key);
    }
  }
  out.fix = fixFor(v, what, trust, roleArn, provider);
  return out;
}

/**
 * The fix of a trust condition on a key the request does not have. STS names a token's keys
 * after the provider's URL without `https://` (`oidc.eks.…/id/ABCD:sub`): a key written with
 * the scheme, or naming another provider, is never set, and the condition fails whatever the
 * token says.
 */
function absentKeyFix(
  m: Mismatch & { element: 'condition' },
  stmt: string | undefined,
  provider: string | undefined,
): string {
  const claim = claimOfKey(m.key);
  const where = stmt ? ` in ${stmt}` : '';
  if (claim) {
    const scheme = /^https?:\/\//i.exec(m.key)?.[0];
    const bare = m.key.slice(scheme?.length ?? 0, m.key.length - claim.length - 1);
    const right = `${provider ?? providerKeyPrefix(bare)}:${claim}`;
    if (scheme)
      return `drop \`${scheme}\` from the condition key: STS sets \`${right}\` (the provider's URL without ${scheme}), so ${m.operator} \`${m.key}\`${where} finds no key and fails — name the key \`${right}\``;
    if (provider !== undefined && bare.toLowerCase() !== provider.toLowerCase())
      return `the condition key \`${m.key}\`${where} names another provider than the token's: STS sets \`${right}\` for this token — name that key`;
  }
  return `the request has no \`${m.key}\`, so ${m.operator}${where} fails: use a key the request carries${provider !== undefined ? ` (a web identity token gives \`${provider}:sub\` and \`${provider}:aud\`)` : ''}, or remove the condition`;
}

function fixFor(
  v: Verdict,
  what: string,
  trust: boolean,
  roleArn: string | undefined,
  provider: string | undefined,
): string {
  const m = v.mismatch;
  const stmt = v.statement ? statementText(v.statement) : undefined;
  if (trust && v.set === 'resource') {
    if (m?.element === 'condition') {
      if (m.actual === null) return absentKeyFix(m, stmt, provider);
      const claim = claimOfKey(m.key);
      const actual = m.actual.join(', ');
      const typo = policyTypo(m);
      if (typo) return policyTypoFix(typo, m, stmt ?? 'the trust policy');
      // a value further than a typo away names another ServiceAccount, not a misspelt one
      if (claim === 'sub')
        return `run the pod as a service account the trust policy names (${m.expected.join(', ')}), or add \`${actual}\` to ${m.operator} ${m.key} in ${stmt}`;
      if (claim === 'aud')
        return `mint the token for the audience the trust policy expects (${m.expected.join(', ')}) or change ${m.key} in ${stmt}`;
      return `make ${m.operator} ${m.key} in ${stmt} match the request (it has ${actual})`;
    }
    if (m?.element === 'principal')
      return `name the caller in the trust policy's Principal${v.didYouMean !== undefined ? ` (it names \`${v.didYouMean}\`, one small edit away)` : ''}: ${stmt}`;
    if (m?.element === 'action') return `allow ${what.split(' on ')[0]} in ${stmt}`;
    return `add a statement to the trust policy of ${roleArn ?? 'the role'} that allows ${what.split(' on ')[0]} for this caller`;
  }
  const action = what.split(' on ')[0] ?? what;
  const resource = what.slice(action.length + 4);
  if (m?.element === 'action' && v.didYouMean !== undefined && v.corrected !== undefined)
    return `correct \`${v.didYouMean}\` to \`${v.corrected}\` in ${stmt}, the action the request needs`;
  if (m?.element === 'resource' && v.didYouMean !== undefined && v.corrected !== undefined)
    return `${stmt} names \`${v.didYouMean}\`, a small edit away from the request's \`${m.actual}\`: make it \`${v.corrected}\` — or, if the request is the one mistyped, correct the name the caller uses`;
  if (m && v.didYouMean !== undefined)
    return `${stmt} names \`${v.didYouMean}\`, a small edit away from \`${Array.isArray(m.actual) ? m.actual.join(', ') : m.actual}\`: correct whichever is wrong`;
  switch (v.set) {
    case 'boundary':
      return `the permissions boundary must also allow ${action} on ${resource}: add it to the boundary policy (an identity Allow alone is not enough)`;
    case 'session':
      return `the session policy passed to AssumeRole* (Policy / PolicyArns) must also allow ${action} on ${resource}: pass a wider session policy or none`;
    case 'scp':
      return `a service control policy of the account's organisation must allow ${action}`;
    case 'resource':
      return `the resource's policy must allow ${action} for this caller (a cross-account call needs both sides to allow it)`;
    default:
      return m?.element === 'condition'
        ? `make ${m.operator} ${m.key} in ${stmt} match the request, or add a statement that allows ${action} on ${resource}`
        : `add an Allow for ${action} on ${resource} to a policy of the caller (e.g. \`aws iam put-role-policy\` or \`attach-role-policy\`)`;
  }
}

/**
 * Why EKS Auth refused a pod's token (AssumeRoleForPodIdentity): the token's own checks — it
 * is the cluster's, minted for `pods.eks.amazonaws.com`, signed, in date — or no association
 * for its service account; the role and trust checks are STS's.
 */
function podIdentityRefusal(
  input: ExplainInput,
  d: StsDetail & { namespace?: string; serviceAccount?: string; cluster?: string },
  err: NonNullable<ExplainInput['error']>,
): Refusal {
  const check = d.check ?? '';
  if (check === 'issuer')
    return {
      hop: 'token',
      claim: 'iss',
      summary: `the token's issuer is not the cluster's`,
      expected: typeof d.expected === 'string' ? [d.expected] : undefined,
      actual: typeof d.actual === 'string' ? d.actual : null,
      fix: 'send the token the cluster’s own issuer minted (the projected service account token)',
    };
  if (check === 'audience') {
    const actual = Array.isArray(d.actual)
      ? d.actual.map(String)
      : d.actual === null || d.actual === undefined
        ? null
        : String(d.actual);
    return {
      hop: 'token',
      claim: 'aud',
      summary: `the token's audience ${JSON.stringify(actual)} is not ${String(d.expected)}`,
      expected: [String(d.expected)],
      actual,
      fix: `mint the token for audience ${String(d.expected)}: the eks-pod-identity-token volume the webhook adds (\`irsa token create --audience ${String(d.expected)}\`)`,
    };
  }
  if (err.code === 'ResourceNotFoundException' && d.namespace !== undefined)
    return {
      hop: 'role',
      summary: `no Pod Identity association for ${d.namespace}/${d.serviceAccount ?? ''} in cluster ${d.cluster ?? ''}`,
      fix: `aws eks create-pod-identity-association --cluster-name ${d.cluster ?? '<cluster>'} --namespace ${d.namespace} --service-account ${d.serviceAccount ?? '<name>'} --role-arn <role ARN>`,
    };
  return stsRefusal(input, d, err);
}

/** The provider of a web identity exchange as it prefixes condition keys, where known. */
function keyPrefixOf(input: ExplainInput): string | undefined {
  const arn = input.web?.providerArn;
  const i = arn?.indexOf(':oidc-provider/') ?? -1;
  if (arn !== undefined && i >= 0) return arn.slice(i + ':oidc-provider/'.length);
  return input.token?.iss !== undefined ? providerKeyPrefix(input.token.iss) : undefined;
}

function stsRefusal(
  input: ExplainInput,
  d: StsDetail,
  err: NonNullable<ExplainInput['error']>,
): Refusal {
  const check = d.check ?? '';
  if (err.code === 'ExpiredTokenException' || check === 'expiry')
    return {
      hop: 'token',
      claim: 'exp',
      summary: `the web identity token expired at ${d.exp !== undefined ? isoEpochSeconds(d.exp) : '(unknown)'}`,
      expected: d.now !== undefined ? [`exp after ${isoEpochSeconds(d.now)}`] : undefined,
      actual: d.exp !== undefined ? isoEpochSeconds(d.exp) : undefined,
      fix: 'read the token file again before each exchange (the kubelet rotates it); mint a fresh token with `irsa token create`',
    };
  if (check === 'issuer')
    return {
      hop: 'provider',
      claim: 'iss',
      summary: [
        `no IAM OIDC provider for the token's issuer`,
        d.iss,
        d.account ? `in the role's account ${d.account}` : undefined,
      ]
        .filter((x) => x !== undefined)
        .join(' '),
      actual: d.iss,
      // the provider belongs in the role's account: that account's credentials create it
      // (irsakit's credentials file names each account's profile by its id)
      fix: `register the issuer in the role's account${d.account ? ` ${d.account}` : ''}: aws iam create-open-id-connect-provider --url ${d.iss ?? '<iss>'} --client-id-list sts.amazonaws.com --thumbprint-list <thumbprint>${d.account ? ` --profile ${d.account}` : ''}`,
    };
  if (check === 'audience') {
    const expected = Array.isArray(d.expected) ? d.expected.map(String) : [];
    const actual = Array.isArray(d.actual)
      ? d.actual.map(String)
      : d.actual === null || d.actual === undefined
        ? null
        : String(d.actual);
    const auds = actual === null ? [] : [actual].flat();
    const provider = d.providerArn ?? 'the OIDC provider';
    const list = `the client ID list of ${provider} (${expected.join(', ')})`;
    // the webhook mints every token for sts.amazonaws.com: a token that carries it is as the
    // cluster made it, and the provider's list is what is wrong (a client ID near it is a typo)
    if (auds.includes(DEFAULT_TOKEN_AUDIENCE)) {
      const typo = nearest(DEFAULT_TOKEN_AUDIENCE, expected);
      return {
        hop: 'provider',
        claim: 'aud',
        summary: `the token's audience ${JSON.stringify(actual)} is not in ${list}${typo !== undefined ? ` (the provider's client ID \`${typo}\` looks like a typo of \`${DEFAULT_TOKEN_AUDIENCE}\`)` : ''}`,
        expected,
        actual,
        didYouMean: typo !== undefined ? DEFAULT_TOKEN_AUDIENCE : undefined,
        didYouMeanIn: typo !== undefined ? "the provider's client ID list" : undefined,
        fix: `add ${DEFAULT_TOKEN_AUDIENCE}, the audience the webhook mints every token for, to the provider's client ID list: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${d.providerArn ?? '<provider ARN>'} --client-id ${DEFAULT_TOKEN_AUDIENCE}${typo !== undefined ? ` (and remove the mistyped ${typo}: aws iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn ${d.providerArn ?? '<provider ARN>'} --client-id ${typo})` : ''}`,
      };
    }
    const one = auds[0];
    const dym = one !== undefined ? nearest(one, expected) : undefined;
    return {
      hop: 'provider',
      claim: 'aud',
      summary: `the token's audience ${JSON.stringify(actual)} is not in ${list}${dym !== undefined ? ` (did you mean \`${dym}\`?)` : ''}`,
      expected,
      actual,
      didYouMean: dym,
      fix: `mint the token for audience ${expected[0] ?? DEFAULT_TOKEN_AUDIENCE} (the projected volume's audience; \`irsa token create --audience ${expected[0] ?? DEFAULT_TOKEN_AUDIENCE}\`), or add the audience to the provider: aws iam add-client-id-to-open-id-connect-provider`,
    };
  }
  if (check === 'keys')
    return {
      hop: 'provider',
      summary: `the issuer's keys could not be fetched from ${d.url ?? 'its JWKS'}: ${d.reason ?? err.message}`,
      fix: 'make the issuer reachable over HTTPS and its thumbprint match the provider’s ThumbprintList',
    };
  if (check === 'not-before' || check === 'issued-at') {
    // a token valid only from the future was minted by a clock ahead of STS's: the issuer's
    // (the cluster's API server) or STS's machine is off, not the token
    const claim = check === 'not-before' ? 'nbf' : 'iat';
    const at = check === 'not-before' ? d.nbf : d.iat;
    const ahead = at !== undefined && d.now !== undefined ? at - d.now : undefined;
    return {
      hop: 'token',
      claim,
      summary: `the web identity token's ${claim}${at !== undefined ? ` ${isoEpochSeconds(at)}` : ''} is in the future${ahead !== undefined && d.now !== undefined ? ` (${ahead} s after STS's time ${isoEpochSeconds(d.now)}${d.leeway !== undefined ? `, beyond its ${d.leeway} s leeway` : ''})` : ''}: the clocks of the token's issuer and of STS disagree`,
      expected:
        d.now !== undefined
          ? [`${claim} at or before ${isoEpochSeconds(d.now + (d.leeway ?? 0))}`]
          : undefined,
      actual: at !== undefined ? isoEpochSeconds(at) : undefined,
      fix: `clock skew: the clock of the token's issuer (the cluster) is ${ahead !== undefined ? `about ${ahead} s ` : ''}ahead of STS's — check the clocks of both machines (NTP: \`timedatectl\`, \`chronyc tracking\`), then read a fresh token`,
    };
  }
  if (TOKEN_CHECKS.has(check))
    return {
      hop: 'token',
      summary: `the web identity token was refused (${check}): ${d.reason ?? err.message}`,
      fix:
        check === 'signature'
          ? 'the token must be signed by a key the issuer publishes in its JWKS: mint it from the cluster’s issuer'
          : 'present the token exactly as the issuer minted it',
    };
  if (check === 'role')
    return {
      hop: 'role',
      summary: d.summary ?? 'the role does not exist',
      fix: `create the role or correct the role ARN${input.roleArn ? ` (${input.roleArn})` : ''}`,
    };
  if (check === 'source-identity')
    return {
      hop: 'session',
      summary: d.summary ?? err.message,
      fix: 'keep the source identity of the calling session',
    };
  if (d.maxSessionDuration !== undefined)
    return {
      hop: 'session',
      summary: `DurationSeconds ${d.requested ?? '?'} exceeds the role's MaxSessionDuration ${d.maxSessionDuration}`,
      expected: [`at most ${d.maxSessionDuration}`],
      actual: String(d.requested ?? ''),
      fix: `ask for at most ${d.maxSessionDuration} seconds, or raise MaxSessionDuration (aws iam update-role --max-session-duration)`,
    };
  if (d.explanation) {
    const v = verdictOf(d.explanation, true);
    const action =
      typeof (d as { action?: unknown }).action === 'string'
        ? String((d as { action?: unknown }).action)
        : input.eventName;
    return fromVerdict(
      v,
      `${action} on ${input.roleArn ?? ''}`,
      true,
      input.roleArn,
      keyPrefixOf(input),
    );
  }
  return {
    hop: err.code === 'ValidationError' ? 'request' : 'trust',
    summary: d.summary ?? d.reason ?? err.message,
  };
}

function sigv4Refusal(f: SigV4Failure): Refusal {
  const credentials = CREDENTIAL_FAILURES.has(f.kind) || f.kind === 'MissingAuthentication';
  const facts: string[] = [];
  const out: Refusal = {
    hop: credentials ? 'credentials' : 'signature',
    summary: f.reason,
    fix:
      f.kind === 'UnknownKey'
        ? `the access key ${'accessKeyId' in f ? f.accessKeyId : ''} does not exist here (deleted, inactive, or from another irsakit data folder): use current credentials`
        : f.kind === 'ExpiredToken'
          ? 'the session has expired: assume the role again (SDKs refresh web-identity credentials by themselves)'
          : f.kind === 'InvalidToken'
            ? 'send the session token that came with these temporary credentials, unchanged (AWS_SESSION_TOKEN)'
            : SIGNATURE_FIXES[f.kind],
  };
  if (f.kind === 'SignatureDoesNotMatch') {
    // SigV4 failures carry the canonical request; SigV2 ones (presigned S3 URLs) only the
    // string to sign
    const expected = f.expected as typeof f.expected | undefined;
    const sts = expected?.stringToSign ?? (f as { stringToSign?: string }).stringToSign ?? '';
    out.expected = [sts.replace(/\n/g, '\\n')];
    if (expected)
      facts.push(
        `irsakit's canonical request: ${redactCanonicalRequest(expected.canonicalRequest).replace(/\n/g, '\\n')}`,
      );
    if (f.missingSignedHeaders?.length)
      facts.push(`signed headers missing from the request: ${f.missingSignedHeaders.join(', ')}`);
  }
  if (f.kind === 'RequestTimeTooSkewed') {
    out.expected = [`within 15 minutes of ${f.serverTime}`];
    out.actual = f.amzDate;
  }
  if (f.kind === 'WrongRegion' && f.expected !== undefined) {
    out.expected = [f.expected];
    out.actual = f.region;
  }
  (out as Refusal & { facts?: string[] }).facts = facts;
  return out;
}

const REQUEST_CODE =
  /(Validation|Invalid|Malformed|Missing|Serialization|TooLarge|Unknown|Unsupported|NotImplemented)/;

/**
 * Explains a call: the outcome, the hop that refused and why, and the chain hop by hop.
 *
 * @example
 * explainCall({ service: 'sts', eventName: 'AssumeRoleWithWebIdentity', decisions: [], error, token, web, roleArn })
 * // → { outcome: 'denied', hop: 'trust', claim: 'sub', didYouMean: 'system:serviceaccount:production:s3-app', … }
 */
export function explainCall(input: ExplainInput): IrsaExplanation {
  const err = input.error && {
    code: input.error.code,
    message: withoutSignature(input.error.message),
    detail: input.error.detail,
    httpStatus: input.error.httpStatus,
  };
  const exchange = input.service === 'sts' && input.eventName.startsWith('AssumeRole');
  const webExchange = input.eventName === 'AssumeRoleWithWebIdentity';
  const podExchange =
    input.service === 'eks-auth' && input.eventName === 'AssumeRoleForPodIdentity';
  let refusal: (Refusal & { facts?: string[] }) | undefined;
  const lastDecision = input.decisions[input.decisions.length - 1];
  if (err) {
    const d = err.detail;
    if (isSigV4Failure(d)) refusal = sigv4Refusal(d);
    else if (isExplanation(d)) {
      const v = verdictOf(d, false);
      const what = lastDecision
        ? `${lastDecision.action} on ${lastDecision.resource}`
        : input.eventName;
      refusal = fromVerdict(v, what, false, undefined);
      // a resource policy the service set aside (S3's RestrictPublicBuckets): not "no policy"
      if (d.withheld && v.set === 'resource')
        refusal = {
          ...refusal,
          summary: `implicitly denied: ${d.withheld.reason}, so nothing allows ${what}`,
          fix: d.withheld.fix,
        };
    } else if (exchange && isObj(d)) refusal = stsRefusal(input, d as StsDetail, err);
    else if (podExchange && isObj(d)) refusal = podIdentityRefusal(input, d as StsDetail, err);
    else if (
      err.code === 'MissingAuthenticationToken' ||
      err.code === 'MissingAuthenticationTokenException'
    )
      refusal = {
        hop: 'credentials',
        summary: 'the request is not signed',
        fix: SIGNATURE_FIXES.MissingAuthentication,
      };
    else if (
      webExchange &&
      (err.code === 'InvalidIdentityToken' || err.code === 'ExpiredTokenException')
    )
      refusal = stsRefusal(input, {}, err);
    else if (err.code === 'AccessDenied' || err.code === 'AccessDeniedException')
      refusal = { hop: lastDecision ? 'identity' : 'service', summary: err.message };
    else
      refusal = {
        hop:
          err.httpStatus >= 500 ? 'service' : REQUEST_CODE.test(err.code) ? 'request' : 'service',
        summary: `${err.code}: ${err.message}`,
      };
  }
  const failedHop = refusal?.hop;
  const chain: HopTrace[] = [];
  if (webExchange) chain.push(...exchangeHops(input, failedHop));
  else if (input.session) chain.push(...sessionHops(input.session));
  if (!webExchange) {
    const authFailed = failedHop === 'signature' || failedHop === 'credentials';
    if (input.caller || authFailed) {
      chain.push({
        hop: 'credentials',
        status: failedHop === 'credentials' ? 'failed' : 'ok',
        subject: input.accessKeyId,
        facts:
          input.caller && !input.session ? [`signed by ${input.caller.principal.id}`] : undefined,
      });
      chain.push({
        hop: 'signature',
        status:
          failedHop === 'signature' ? 'failed' : failedHop === 'credentials' ? 'not-reached' : 'ok',
        facts: refusal?.facts?.length && failedHop === 'signature' ? refusal.facts : undefined,
      });
    }
    for (const [i, d] of input.decisions.entries()) {
      const last = i === input.decisions.length - 1;
      chain.push(...authzHops(d, last && refusal ? failedHop : undefined));
    }
  }
  if (refusal && !chain.some((h) => h.hop === refusal.hop && h.status === 'failed')) {
    const plain = refusal.hop === 'service' || refusal.hop === 'request';
    chain.push({
      hop: refusal.hop,
      status: 'failed',
      subject: plain
        ? err?.code
        : refusal.hop === 'trust' && input.roleArn
          ? `${input.roleArn} trust policy`
          : (refusal.statement?.policy ?? input.roleArn),
      facts: plain && err ? [err.message] : undefined,
    });
  }
  // attach the refusal's facts to its hop
  const at = [...chain].reverse().find((h) => h.hop === refusal?.hop && h.status === 'failed');
  if (at && refusal) {
    const extra: string[] = [];
    // a Deny the hop already names (`denied by …` from the policy set) is not said twice
    if (
      refusal.statement &&
      !(
        refusal.statement.effect === 'Deny' &&
        at.facts?.includes(`denied by ${statementText(refusal.statement)}`)
      )
    )
      extra.push(
        `${refusal.statement.effect === 'Deny' ? 'denied by' : 'nearest statement'}: ${statementText(refusal.statement)}`,
      );
    if (refusal.expected) extra.push(`expected: ${refusal.expected.join(', ')}`);
    if (refusal.actual !== undefined)
      extra.push(
        `actual: ${refusal.actual === null ? '(absent)' : Array.isArray(refusal.actual) ? refusal.actual.join(', ') : refusal.actual}`,
      );
    if (refusal.didYouMean !== undefined)
      extra.push(
        `did you mean \`${refusal.didYouMean}\`${refusal.didYouMeanIn ? ` in ${refusal.didYouMeanIn}` : ''}?`,
      );
    if (at.hop !== 'signature') at.facts = [...(at.facts ?? []), ...extra];
  }
  const granted =
    !err && lastDecision && !lastDecision.explanation
      ? lastDecision.matched.map(refOfMatched)
      : undefined;
  const principal =
    input.caller?.principal.id ?? (webExchange ? (input.web?.sub ?? input.token?.sub) : undefined);
  // every (action, resource) the call was authorized for: what `irsa policy generate` reads
  const authorizations =
    input.decisions.length > 0
      ? input.decisions.map((d) => ({
          action: d.action,
          resource: d.resource,
          allowed: d.decision === 'allowed',
        }))
      : undefined;
  if (!refusal)
    return {
      outcome: 'allowed',
      summary: lastDecision
        ? `allowed: ${lastDecision.action} on ${lastDecision.resource}${granted && granted.length > 0 ? ` by ${granted.map(statementText).join('; ')}` : ''}`
        : `allowed: ${input.service}:${input.eventName}`,
      action: lastDecision?.action ?? `${input.service}:${input.eventName}`,
      resource: lastDecision?.resource ?? input.roleArn,
      principal,
      grantedBy: granted && granted.length > 0 ? granted : undefined,
      authorizations,
      chain,
    };
  const denied = refusal.hop !== 'request' && refusal.hop !== 'service';
  return {
    outcome:
      denied || err?.code === 'AccessDenied' || err?.code === 'AccessDeniedException'
        ? 'denied'
        : 'error',
    message: err ? `${err.code}: ${err.message}` : undefined,
    hop: refusal.hop,
    summary: refusal.summary,
    action: lastDecision?.action ?? `${input.service}:${input.eventName}`,
    resource: lastDecision?.resource ?? input.roleArn,
    principal,
    statement: refusal.statement,
    claim: refusal.claim,
    conditionKey: refusal.conditionKey,
    expected: refusal.expected,
    actual: refusal.actual,
    didYouMean: refusal.didYouMean,
    fix: refusal.fix,
    authorizations,
    chain,
  };
}
