/**
 * The request context of a simulated call by the pod's role session, built as the edge builds
 * it for a real one (server/aws/authorize.ts `globalKeys` over the session's keys of
 * sts/session-context.ts `sessionContextKeys`: aws:userid, aws:PrincipalTag/* from the role's
 * and the session's tags, the web identity's `sub`/`aud`, aws:ViaAWSService,
 * aws:PrincipalIsAWSService, …) — and, beside it, which condition keys the doctor cannot know:
 * those only the real request carries (aws:SourceIp, aws:UserAgent, the request's tags, the
 * resource's tags, the service's own keys such as s3:prefix) unless the user gave them with
 * `--context KEY=VALUE`. A verdict must not rest on a guess at those. Pure.
 */
import { type ContextInput, layeredContext, type RequestContext } from '../policy/context.js';
import type { RequestPrincipal } from '../policy/types.js';
import { globalKeys, resourceAccountOf } from '../server/aws/authorize.js';
import type { CallContext } from '../server/aws/types.js';
import { callerOf, roleSession, sessionContextKeys } from '../sts/session-context.js';
import type { SessionTag, StsSession } from '../sts/types.js';
import { parseRoleArnParts } from './derive.js';
import type { RoleView } from './types.js';

export const DOCTOR_SESSION_NAME = 'irsa-doctor';

/** How the pod's session was obtained, and what it carries beside the role. */
export interface SimulatedSession {
  via: 'AssumeRoleWithWebIdentity' | 'AssumeRoleForPodIdentity';
  /** the web identity of the pod's token; undefined when not known here */
  webIdentity?: { providerArn: string; sub: string; aud: string } | undefined;
  /** the session tags (EKS Pod Identity attaches six) */
  tags?: SessionTag[] | undefined;
  /**
   * lower-cased keys a tag of which the doctor could not fill (a Pod Identity session's pod
   * name and uid, when no pod is named)
   */
  unknownKeys?: string[] | undefined;
}

export interface CallContextInput {
  role: RoleView;
  action: string;
  resource: string;
  /** ISO time of the simulated call */
  now: string;
  region?: string | undefined;
  /** the account that owns the resource, when its ARN names none (an S3 bucket's owner) */
  resourceAccount?: string | undefined;
  session: SimulatedSession;
  /** the keys the user gave (`--context`) */
  given?: ContextInput | undefined;
}

export interface SimulatedContext {
  /** the session's principal, as the edge's authorizer sees it */
  principal: RequestPrincipal;
  context: RequestContext;
  resourceAccount?: string | undefined;
  /** whether a condition on this key (lower case) has a value the doctor cannot know */
  unknown: (key: string) => boolean;
}

/** keys the edge sets from the request itself: the doctor leaves them out, and says so */
const FROM_THE_REQUEST = new Set(['aws:sourceip', 'aws:useragent', 'aws:securetransport']);

/** keys that depend on what the request sets or on the resource's own state */
const REQUEST_PATTERNS = [/^aws:requesttag\//, /^aws:tagkeys$/, /^aws:resourcetag\//];

/** The session the pod's SDK gets, as STS seals it (no secret: it is never issued). */
function standInSession(i: CallContextInput, epoch: number): StsSession {
  const { role } = i;
  const parts = parseRoleArnParts(role.arn);
  const tags = i.session.tags ?? [];
  // as STS makes every session (roleSession), for a role the doctor names
  return roleSession({
    role: {
      account: role.account,
      arn: role.arn,
      roleName: role.name,
      roleId: role.roleId ?? '',
      path: parts?.path ?? '/',
    },
    partition: parts?.partition ?? 'aws',
    sessionName: DOCTOR_SESSION_NAME,
    now: epoch,
    seconds: 3600,
    via: i.session.via,
    tags,
    transitiveTagKeys: tags.map((t) => t.Key),
    webIdentity: i.session.webIdentity,
  });
}

/**
 * The context of the simulated call, and the keys it cannot know.
 *
 * @example
 * const { context, unknown } = simulatedContext({ role, action: 's3:GetObject', resource, now, session: { via: 'AssumeRoleWithWebIdentity', webIdentity } });
 * unknown('aws:sourceip'); // → true (unless given)
 */
export function simulatedContext(i: CallContextInput): SimulatedContext {
  const now = new Date(i.now);
  const epoch = Math.floor(now.getTime() / 1000);
  const session = standInSession(i, epoch);
  const caller = callerOf(session, 'ASIA-IRSA-DOCTOR');
  // the edge's call context, but for what only a real request has
  const ctx: CallContext = {
    requestId: '',
    region: i.region ?? '',
    sourceIp: '',
    userAgent: '',
    secureTransport: false,
    now,
    endpoint: '',
    audit: {},
    decisions: [],
  };
  const left = new Set(FROM_THE_REQUEST);
  if (i.region === undefined) left.add('aws:requestedregion');
  if (i.role.roleId === undefined) left.add('aws:userid');
  const keep = (keys: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(keys).filter(([k]) => !left.has(k.toLowerCase())),
    ) as ContextInput;
  const resourceAccount = resourceAccountOf(i.resource, i.role.account) ?? i.resourceAccount;
  // S3's ARNs name no account: the bucket's owner is the edge's to say
  if (!resourceAccount) left.add('aws:resourceaccount');
  const context = layeredContext(
    keep(globalKeys(ctx, caller)),
    keep(sessionContextKeys(session, { roleTags: i.role.tags ?? [] }) as Record<string, unknown>),
    resourceAccount ? { 'aws:ResourceAccount': resourceAccount } : undefined,
    i.given,
  );
  const service = i.action.slice(0, Math.max(0, i.action.indexOf(':'))).toLowerCase();
  const extra = new Set(i.session.unknownKeys ?? []);
  const unknown = (key: string): boolean => {
    const k = key.toLowerCase();
    if (context.get(k) !== undefined) return false;
    if (left.has(k) || extra.has(k)) return true;
    if (REQUEST_PATTERNS.some((p) => p.test(k))) return true;
    // the role's tags are not known here (static mode)
    if (k.startsWith('aws:principaltag/') && i.role.tags === undefined) return true;
    // the token's issuer is not known here: its `sub`, `aud` and provider neither
    if (
      i.session.via === 'AssumeRoleWithWebIdentity' &&
      !i.session.webIdentity &&
      (k === 'aws:federatedprovider' || /:(sub|aud|amr)$/.test(k))
    )
      return true;
    // the service's own keys (s3:prefix, sts:ExternalId, …) come from the call's parameters
    return service !== '' && k.startsWith(`${service}:`);
  };
  return { principal: caller.principal, context, resourceAccount, unknown };
}

/** How the report names what a key holds. */
export function keyMeaning(key: string): string {
  const k = key.toLowerCase();
  if (k === 'aws:sourceip') return "the request's source address";
  if (k === 'aws:useragent') return "the client's User-Agent";
  if (k === 'aws:requestedregion') return 'the region the call is signed for';
  if (k === 'aws:userid') return "the session's role id and session name";
  if (k === 'aws:resourceaccount') return 'the account that owns the resource';
  if (k === 'aws:tagkeys') return 'the tag keys the request sets';
  if (k.startsWith('aws:requesttag/')) return 'a tag the request sets';
  if (k.startsWith('aws:resourcetag/')) return 'a tag of the resource, not known here';
  if (k.startsWith('aws:principaltag/')) return "a tag of the role's session, not known here";
  return "a key of the request's own parameters";
}
