/**
 * `AssumeRoleWithWebIdentity` (spec/aws-wire.md §3.1–§3.3, spec/iam-policy.md §12.2): an
 * unsigned call. The parameters are checked first (one `ValidationError` naming every
 * violation), then the session policies, then the token (web-identity-token.ts), then the
 * role and its trust policy — principal the OIDC provider, action
 * `sts:AssumeRoleWithWebIdentity`, plus `sts:TagSession` when the token carries session tags
 * and `sts:SetSourceIdentity` when it carries a source identity. A missing role and every
 * trust refusal answer the same 403 `AccessDenied` "Not authorized to perform
 * sts:AssumeRoleWithWebIdentity"; which hop failed and why is in the error's `detail`.
 */
import type { CallContext, QueryParams, QueryResult } from '../server/aws/types.js';
import {
  layeredContext,
  type AuthorizationRequest,
  webIdentityKeys,
  webIdentityPrincipal,
} from '../policy/index.js';
import {
  authorizeOrThrow,
  type DenialDetail,
  defaultPolicyCache,
  type StsDeps,
  tagRequestKeys,
  trustPolicyOf,
} from './deps.js';
import { accessDenied, STS_MSG, stsValidationError } from './errors.js';
import {
  DEFAULT_DURATION_SECONDS,
  DURATION_RANGE,
  ParamChecker,
  parseRoleArn,
  requestContextKeys,
  ROLE_ARN_RULE,
  SESSION_NAME_RULE,
} from './params.js';
import { assumedRoleArn, assumedRoleId, roleSession } from './session-context.js';
import { loadSessionPolicies, readSessionPolicyParams } from './session-policy.js';
import { packedSize } from './session-tags.js';
import { verifyWebIdentityToken } from './web-identity-token.js';

export const WEB_IDENTITY_TOKEN_RULE = { min: 4, max: 20000, sensitive: true } as const;
const ACTION = 'sts:AssumeRoleWithWebIdentity';

/**
 * The operation, given its dependencies.
 *
 * @example
 * const op = assumeRoleWithWebIdentity(deps);
 * await op(ctx, new Map([['RoleArn', arn], ['RoleSessionName', 's1'], ['WebIdentityToken', jwt]]));
 */
export function assumeRoleWithWebIdentity(deps: StsDeps) {
  const cache = defaultPolicyCache(deps);
  return async (ctx: CallContext, params: QueryParams): Promise<QueryResult> => {
    const check = new ParamChecker(params);
    const roleArn = check.string('RoleArn', ROLE_ARN_RULE, true);
    const sessionName = check.string('RoleSessionName', SESSION_NAME_RULE, true);
    const token = check.string('WebIdentityToken', WEB_IDENTITY_TOKEN_RULE, true);
    check.string('ProviderId', { min: 4, max: 2048 });
    const duration = check.integer('DurationSeconds', DURATION_RANGE);
    const policyInput = readSessionPolicyParams(params, check);
    check.done();
    const role = parseRoleArn(roleArn);
    packedSize(policyInput.policy, policyInput.policyArns, []);
    await loadSessionPolicies(policyInput, deps.directory, cache, role.account);

    const t = await verifyWebIdentityToken({
      // a token file written by `kubectl create token > file` ends with a newline
      token: token.trim(),
      account: role.account,
      directory: deps.directory,
      keys: deps.keys,
      clock: deps.clock,
      leewaySeconds: deps.leewaySeconds,
    });
    // how STS verified its connection to the provider, which CloudTrail records from here on
    // (IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail"): irsakit's
    // issuers present the local CA's chain, which only the provider's thumbprint vouches for
    ctx.audit.additionalEventData = { identityProviderConnectionVerificationMethod: 'Thumbprint' };
    const tags = t.tags?.tags ?? [];
    const transitive = t.tags?.transitiveTagKeys ?? [];
    const packed = packedSize(policyInput.policy, policyInput.policyArns, tags);

    const principal = webIdentityPrincipal(t.provider.arn);
    const deny = (detail: Partial<DenialDetail> & { summary: string }) =>
      accessDenied(STS_MSG.webIdentityDenied, {
        check: 'trust',
        action: ACTION,
        resource: roleArn,
        principal: principal.id,
        sub: t.sub,
        jti: t.jti,
        kid: t.kid,
        ...detail,
      });
    const record = await deps.directory.getRole(role.account, role.name);
    if (!record || record.arn !== roleArn)
      throw deny({
        check: 'role',
        summary: record
          ? `role ${role.name} exists as ${record.arn}, not ${roleArn}`
          : `role ${roleArn} does not exist`,
      });
    const trust = trustPolicyOf(record, cache);
    if (!trust) throw deny({ summary: `the trust policy of ${record.arn} cannot be read` });

    const context = layeredContext(
      requestContextKeys(ctx),
      webIdentityKeys(t.provider.url, { sub: t.sub, aud: t.audiences, amr: t.amr }),
      { 'sts:RoleSessionName': sessionName, 'sts:SourceIdentity': t.sourceIdentity },
      tags.length > 0 ? tagRequestKeys(tags, transitive) : undefined,
    );
    const sets = { resource: [trust], resourceIsTrust: true };
    const request = (action: string): AuthorizationRequest => ({
      principal,
      action,
      resource: record.arn,
      resourceAccount: record.account,
      context,
    });
    const refuse = (d: DenialDetail) => deny(d);
    await authorizeOrThrow(deps, request(ACTION), sets, refuse);
    if (t.tags) await authorizeOrThrow(deps, request('sts:TagSession'), sets, refuse);
    if (t.sourceIdentity !== undefined)
      await authorizeOrThrow(deps, request('sts:SetSourceIdentity'), sets, refuse);

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
      via: 'AssumeRoleWithWebIdentity',
      policy: policyInput.policy,
      policyArns: policyInput.policyArns,
      tags,
      transitiveTagKeys: transitive,
      sourceIdentity: t.sourceIdentity,
      webIdentity: {
        providerArn: t.provider.arn,
        sub: t.sub,
        aud: t.audience,
        amr: t.amr,
        jti: t.jti,
        kid: t.kid,
      },
    });
    const hasPackedInput =
      policyInput.policy !== undefined || policyInput.policyArns.length > 0 || tags.length > 0;
    const credentials = deps.sealer.issue(session);
    // the audit record: the key id and expiry only, never the secret or the session token
    ctx.audit.responseElements = {
      credentials: { accessKeyId: credentials.AccessKeyId, expiration: credentials.Expiration },
      subjectFromWebIdentityToken: t.sub,
      assumedRoleUser: { assumedRoleId: assumedRoleId(session), arn: assumedRoleArn(session) },
      provider: t.provider.arn,
      audience: t.audience,
      ...(hasPackedInput ? { packedPolicySize: packed.percent } : {}),
      ...(t.sourceIdentity !== undefined ? { sourceIdentity: t.sourceIdentity } : {}),
    };
    return {
      Credentials: credentials,
      SubjectFromWebIdentityToken: t.sub,
      AssumedRoleUser: { AssumedRoleId: assumedRoleId(session), Arn: assumedRoleArn(session) },
      PackedPolicySize: hasPackedInput ? packed.percent : undefined,
      Provider: t.provider.arn,
      Audience: t.audience,
      SourceIdentity: t.sourceIdentity,
    };
  };
}
