/**
 * `AssumeRole` (spec/aws-wire.md §3.4, spec/iam-policy.md §11, §12.1): a signed call by an IAM
 * user or a role session. The engine decides with the role's trust policy as a resource
 * policy that must name the caller (`resourceIsTrust`) and the caller's own identity
 * policies, permissions boundary and — for a session — session policy: same account, a
 * trust policy naming the caller suffices; naming the account, or another account, also
 * needs an identity Allow. `sts:TagSession` is checked when tags are passed,
 * `sts:SetSourceIdentity` when the new session has a source identity (set now or inherited,
 * and never changed once set). A role session calling is role chaining: one hour at most,
 * transitive tags and the source identity carry over. Refusals are AWS's
 * `User: <caller> is not authorized to perform: <action> on resource: <role>`.
 */
import type { Caller, CallContext, QueryParams, QueryResult } from '../server/aws/types.js';
import { addPrincipalKeys, principalTagKeys } from '../server/aws/authorize.js';
import { listParam, structListParam } from '../server/aws/query-params.js';
import { AwsError } from '../common/aws-error.js';
import {
  type AuthorizationRequest,
  layeredContext,
  type ContextInput,
  type PolicySets,
} from '../policy/index.js';
import {
  authorizeOrThrow,
  type DenialDetail,
  defaultPolicyCache,
  type StsDeps,
  tagRequestKeys,
  trustPolicyOf,
} from './deps.js';
import { accessDenied, missingAuthentication, STS_MSG, stsValidationError } from './errors.js';
import {
  DEFAULT_DURATION_SECONDS,
  DURATION_RANGE,
  ParamChecker,
  parseRoleArn,
  requestContextKeys,
  ROLE_ARN_RULE,
  SESSION_NAME_RULE,
} from './params.js';
import type { PolicyCache } from './policy-cache.js';
import {
  assumedRoleArn,
  roleSession,
  assumedRoleId,
  sessionContextKeys,
  sessionOfCaller,
} from './session-context.js';
import { loadSessionPolicies, readSessionPolicyParams } from './session-policy.js';
import { sessionPolicySet } from './session-view.js';
import {
  MAX_SESSION_TAGS,
  mergeTransitive,
  packedSize,
  TAG_KEY_PATTERN,
  TAG_PATTERN_TEXT,
  TAG_VALUE_PATTERN,
  TAG_VALUE_PATTERN_TEXT,
  requestTagError,
  transitiveOf,
} from './session-tags.js';
import type { SessionTag } from './types.js';

/** Role chaining caps a session at an hour. */
export const CHAINED_MAX_SECONDS = 3600;
const ACTION = 'sts:AssumeRole';

interface CallerPolicies {
  sets: Pick<PolicySets, 'identity' | 'boundary' | 'session'>;
  keys: ContextInput;
}

/** The caller's identity-side policy sets and principal condition keys. */
export async function callerPolicies(
  deps: StsDeps,
  cache: PolicyCache,
  caller: Caller,
): Promise<CallerPolicies> {
  const { directory } = deps;
  const session = sessionOfCaller(caller);
  if (session) {
    const found = await directory.policiesOf({
      kind: 'role',
      account: session.account,
      roleName: session.roleName,
    });
    // a session belongs to its role's unique id: a deleted role (or a new one of that name)
    // leaves it no identity policies
    const own = found.uniqueId === session.roleId;
    const sessionSet = await sessionPolicySet(session, directory, cache);
    return {
      sets: own
        ? { identity: found.identity, boundary: found.boundary, session: sessionSet }
        : { identity: [], boundary: undefined, session: sessionSet },
      keys: sessionContextKeys(session, { roleTags: own ? found.tags : [] }),
    };
  }
  if (caller.principal.type === 'User') {
    const userName = caller.principal.id.slice(caller.principal.id.lastIndexOf('/') + 1);
    const policies = await directory.policiesOf({
      kind: 'user',
      account: caller.account,
      userName,
    });
    return {
      sets: { identity: policies.identity, boundary: policies.boundary },
      keys: addPrincipalKeys(principalTagKeys(policies.tags), caller),
    };
  }
  return { sets: {}, keys: addPrincipalKeys({}, caller) };
}

function readTags(
  params: QueryParams,
  check: ParamChecker,
): { tags: SessionTag[]; transitive: string[] } {
  const raw = structListParam(params, 'Tags', ['Key', 'Value'] as const);
  check.count('Tags', raw, MAX_SESSION_TAGS);
  const tags: SessionTag[] = [];
  raw.forEach((t, i) => {
    const at = `Tags.member.${i + 1}`;
    if (t.Key === undefined) check.string(`${at}.Key`, {}, true);
    else
      check.check(`${at}.Key`, t.Key, {
        min: 1,
        max: 128,
        pattern: TAG_KEY_PATTERN,
        patternText: TAG_PATTERN_TEXT,
      });
    if (t.Value === undefined) check.string(`${at}.Value`, {}, true);
    else
      check.check(`${at}.Value`, t.Value, {
        max: 256,
        pattern: TAG_VALUE_PATTERN,
        patternText: TAG_VALUE_PATTERN_TEXT,
      });
    tags.push({ Key: t.Key ?? '', Value: t.Value ?? '' });
  });
  const transitive = listParam(params, 'TransitiveTagKeys');
  check.count('TransitiveTagKeys', transitive, MAX_SESSION_TAGS);
  transitive.forEach((k, i) =>
    check.check(`TransitiveTagKeys.member.${i + 1}`, k, {
      min: 1,
      max: 128,
      pattern: TAG_KEY_PATTERN,
      patternText: TAG_PATTERN_TEXT,
    }),
  );
  return { tags, transitive };
}

/**
 * The operation, given its dependencies.
 *
 * @example
 * await assumeRole(deps)(ctx, new Map([['RoleArn', arn], ['RoleSessionName', 's1']]));
 */
export function assumeRole(deps: StsDeps) {
  const cache = defaultPolicyCache(deps);
  return async (ctx: CallContext, params: QueryParams): Promise<QueryResult> => {
    const caller = ctx.caller;
    if (!caller) throw missingAuthentication();
    const check = new ParamChecker(params);
    const roleArn = check.string('RoleArn', ROLE_ARN_RULE, true);
    const sessionName = check.string('RoleSessionName', SESSION_NAME_RULE, true);
    const duration = check.integer('DurationSeconds', DURATION_RANGE);
    const policyInput = readSessionPolicyParams(params, check);
    const { tags: newTags, transitive: newTransitive } = readTags(params, check);
    const externalId = check.string('ExternalId', {
      min: 2,
      max: 1224,
      pattern: /^[\w+=,.@:/-]*$/,
      patternText: '[\\w+=,.@:\\/-]*',
    });
    const serial = check.string('SerialNumber', {
      min: 9,
      max: 256,
      pattern: /^[\w+=/:,.@-]*$/,
      patternText: '[\\w+=/:,.@-]*',
    });
    const tokenCode = check.string('TokenCode', {
      min: 6,
      max: 6,
      pattern: /^\d*$/,
      patternText: '[\\d]*',
    });
    const requestedSource = check.string('SourceIdentity', SESSION_NAME_RULE);
    const contexts = structListParam(params, 'ProvidedContexts', [
      'ProviderArn',
      'ContextAssertion',
    ] as const);
    check.count('ProvidedContexts', contexts, 5);
    contexts.forEach((c, i) => {
      const at = `ProvidedContexts.member.${i + 1}`;
      if (c.ProviderArn !== undefined)
        check.check(`${at}.ProviderArn`, c.ProviderArn, { min: 20, max: 2048 });
      if (c.ContextAssertion !== undefined)
        check.check(`${at}.ContextAssertion`, c.ContextAssertion, { min: 4, max: 2048 });
    });
    check.done();
    const role = parseRoleArn(roleArn);

    const tagError = requestTagError(newTags, newTransitive);
    if (tagError) throw tagError;
    const callerSession = sessionOfCaller(caller);
    const chained = callerSession !== undefined;
    if (chained && duration !== undefined && duration > CHAINED_MAX_SECONDS)
      throw stsValidationError(STS_MSG.chainingLimit, { requested: duration });
    const inherited = transitiveOf(callerSession?.tags, callerSession?.transitiveTagKeys);
    const merged = mergeTransitive(inherited.tags, inherited.keys, newTags, newTransitive);
    const packed = packedSize(policyInput.policy, policyInput.policyArns, merged.tags);
    await loadSessionPolicies(policyInput, deps.directory, cache, role.account);

    const deny = (action: string, detail: Partial<DenialDetail> & { summary: string }) =>
      accessDenied(
        caller.principal.type === 'Account'
          ? STS_MSG.rootCannotAssume
          : `User: ${caller.principal.id} is not authorized to perform: ${action} on resource: ${roleArn}`,
        { check: 'trust', action, resource: roleArn, principal: caller.principal.id, ...detail },
      );
    if (caller.principal.type === 'Account')
      throw deny(ACTION, { check: 'role', summary: 'the root user cannot assume a role' });
    if (serial !== undefined || tokenCode !== undefined)
      throw new AwsError('AccessDenied', 403, STS_MSG.mfaFailed, {
        detail: { reason: 'irsakit has no MFA devices' },
      });
    // a context assertion is signed by its provider (IAM Identity Center): irsakit can verify
    // none, so none is taken — refused as the sts:SetContext it asks for [inferred], never
    // issued unchecked
    if (contexts.length > 0)
      throw deny('sts:SetContext', {
        summary:
          'irsakit cannot verify a provided context assertion (trusted identity propagation)',
      });
    const sourceIdentity = callerSession?.sourceIdentity ?? requestedSource;
    if (
      callerSession?.sourceIdentity !== undefined &&
      requestedSource !== undefined &&
      requestedSource !== callerSession.sourceIdentity
    )
      throw deny('sts:SetSourceIdentity', {
        check: 'source-identity',
        summary: `the source identity \`${callerSession.sourceIdentity}\` of the calling session cannot change to \`${requestedSource}\``,
      });

    const record = await deps.directory.getRole(role.account, role.name);
    if (!record || record.arn !== roleArn)
      throw deny(ACTION, {
        check: 'role',
        summary: record
          ? `role ${role.name} exists as ${record.arn}, not ${roleArn}`
          : `role ${roleArn} does not exist`,
      });
    const trust = trustPolicyOf(record, cache);
    if (!trust) throw deny(ACTION, { summary: `the trust policy of ${record.arn} cannot be read` });

    const own = await callerPolicies(deps, cache, caller);
    const context = layeredContext(requestContextKeys(ctx), own.keys, {
      'sts:RoleSessionName': sessionName,
      'sts:ExternalId': externalId,
      'sts:SourceIdentity': sourceIdentity,
      // inherited transitive tags are passed on to the new session: the request carries them
      ...tagRequestKeys(merged.tags, merged.transitiveTagKeys),
    });
    const sets: PolicySets = { ...own.sets, resource: [trust], resourceIsTrust: true };
    const request = (action: string): AuthorizationRequest => ({
      principal: caller.principal,
      action,
      resource: record.arn,
      resourceAccount: record.account,
      context,
    });
    const refuse = (action: string) => (d: DenialDetail) => deny(action, d);
    // each allowed action is noted as the edge's authorizer notes its own: the trail (and
    // `irsa policy generate`) see which statements granted it
    const authorize = async (action: string) => {
      let d;
      try {
        d = await authorizeOrThrow(deps, request(action), sets, refuse(action));
      } catch (e) {
        // the refusal is noted too, with the engine's account of it, as the edge notes its own
        const detail = (e as { detail?: Partial<DenialDetail> }).detail;
        if (detail?.decision !== undefined && detail.decision !== 'allowed')
          ctx.decisions.push({
            action,
            resource: record.arn,
            decision: detail.decision,
            matched: detail.explanation?.matched ?? [],
            explanation: detail.explanation,
          });
        throw e;
      }
      ctx.decisions.push({
        action,
        resource: record.arn,
        decision: d.decision,
        matched: d.matched,
      });
    };
    await authorize(ACTION);
    // so does TagSession: a chained call with transitive tags needs it though it names none
    if (merged.tags.length > 0) await authorize('sts:TagSession');
    if (sourceIdentity !== undefined) await authorize('sts:SetSourceIdentity');

    const seconds = duration ?? DEFAULT_DURATION_SECONDS;
    if (seconds > record.maxSessionDuration)
      throw stsValidationError(STS_MSG.maxSessionDuration, {
        requested: seconds,
        maxSessionDuration: record.maxSessionDuration,
      });

    const now = Math.floor(deps.clock().getTime() / 1000);
    const session = roleSession({
      role: record,
      partition: role.partition,
      sessionName,
      now,
      seconds,
      via: 'AssumeRole',
      chained,
      policy: policyInput.policy,
      policyArns: policyInput.policyArns,
      tags: merged.tags,
      transitiveTagKeys: merged.transitiveTagKeys,
      sourceIdentity,
    });
    const hasPackedInput =
      policyInput.policy !== undefined ||
      policyInput.policyArns.length > 0 ||
      merged.tags.length > 0;
    const credentials = deps.sealer.issue(session);
    // the audit record: the key id and expiry only, never the secret or the session token
    ctx.audit.responseElements = {
      credentials: { accessKeyId: credentials.AccessKeyId, expiration: credentials.Expiration },
      assumedRoleUser: { assumedRoleId: assumedRoleId(session), arn: assumedRoleArn(session) },
      ...(hasPackedInput ? { packedPolicySize: packed.percent } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    };
    return {
      Credentials: credentials,
      AssumedRoleUser: { AssumedRoleId: assumedRoleId(session), Arn: assumedRoleArn(session) },
      PackedPolicySize: hasPackedInput ? packed.percent : undefined,
      SourceIdentity: sourceIdentity,
    };
  };
}
