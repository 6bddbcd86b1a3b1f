/**
 * The IAM side of the checklist (the seeds' steps 1–4): the issuer registered as an OIDC
 * provider in the role's account with the right client ID and thumbprint, the
 * ServiceAccount's role annotation, the role, and its trust policy — provider, action,
 * `sub`, `aud`, and the engine's verdict. Each returns one `CheckResult`. Pure.
 */
import { nearest } from '../policy/nearest.js';
import { providerKeyPrefix } from '../policy/web-identity.js';
import { isWellFormedRoleArn } from '../webhook/options.js';
import { type Derived, ROLE_ARN_ANNOTATION } from './derive.js';
import {
  WEB_IDENTITY_ACTION,
  claimVerdict,
  describeClaimMismatch,
  statementLabel,
  subjectDifference,
} from './trust.js';
import { type CheckId, type CheckResult, type CheckStatus } from './types.js';

export const TITLES: Record<CheckId, string> = {
  'oidc-provider': "the cluster's issuer is an OIDC provider in the role's account",
  'provider-client-id': "the provider accepts the token's audience (client ID)",
  'provider-thumbprint': "the provider's thumbprint matches the issuer's CA",
  'sa-annotation': 'the ServiceAccount names a role (eks.amazonaws.com/role-arn)',
  'role-exists': 'the role exists',
  'trust-provider': 'the trust policy trusts the provider (Principal Federated)',
  'trust-action': 'the trust policy allows sts:AssumeRoleWithWebIdentity',
  'trust-sub': '`sub` matches the exact namespace and ServiceAccount',
  'trust-aud': "`aud` matches the token's audience",
  'trust-evaluation': 'the trust policy lets the token in (simulated)',
  'pod-service-account': 'the pod runs as the ServiceAccount',
  'pod-admission': 'the pod was admitted after the annotation',
  'pod-env': 'the pod has the web-identity env and token volume',
  permissions: "the role's policies allow the call (simulated)",
  'trust-lint': 'the trust policy lints clean',
  'token-exchange': "STS exchanges the pod's token (AssumeRoleWithWebIdentity)",
};

export function check(
  id: CheckId,
  status: CheckStatus,
  detail: string,
  fix: string | null = null,
): CheckResult {
  return { id, title: TITLES[id], status, detail, fix };
}

const q = (s: string) => `\`${s}\``;

/** "did you mean" for a value among candidates, or nothing. */
function didYouMean(actual: string, candidates: readonly string[]): string {
  const n = nearest(actual, candidates);
  return n === undefined ? '' : ` (did you mean ${q(n)}?)`;
}

/**
 * ` --profile ACCOUNT` for a fix command acting in the role's account (live mode): irsakit's
 * credentials file names each account's admin profile by its id (`irsa env --profile`), and
 * without it the command would act in whatever account the shell's profile is — the default
 * one, not the role's when the role is in another account. (`irsa why` does the same.)
 */
export function profileOf(d: Derived): string {
  return d.s.mode === 'live' && d.role ? ` --profile ${d.role.account}` : '';
}

function noRole(d: Derived): string {
  return d.s.serviceAccount === undefined
    ? 'no role ARN: the ServiceAccount is not known here'
    : 'no role ARN to find the account by (see the ServiceAccount check)';
}

export function checkProvider(d: Derived): CheckResult {
  const id = 'oidc-provider';
  if (!d.role) return check(id, 'skip', noRole(d));
  if (!d.issuer)
    return check(
      id,
      'skip',
      "the cluster's issuer is not known: pass --issuer URL, or Terraform's aws_iam_openid_connect_provider",
    );
  if (d.provider === undefined)
    return check(
      id,
      'skip',
      `the OIDC providers of account ${d.role.account} are not known here (no aws_iam_openid_connect_provider in the files); issuer ${d.issuer}`,
    );
  if (d.provider === null) {
    const urls = (d.s.iam.providers ?? []).map((p) => p.url);
    const want = providerKeyPrefix(d.issuer);
    const close = nearest(want, urls);
    const thumb = d.s.issuer?.thumbprint;
    return check(
      id,
      'fail',
      `no OIDC provider for ${d.issuer} in account ${d.role.account}${urls.length > 0 ? ` (it has ${urls.map((u) => q(u)).join(', ')})` : ' (it has none)'}${close ? `; ${q(close)} is close: a typo, a trailing slash, or another cluster's issuer?` : ''}. STS answers: InvalidIdentityToken: No OpenIDConnect provider found in your account for ${d.issuer}`,
      d.s.mode === 'live'
        ? `aws iam create-open-id-connect-provider --url ${d.issuer} --client-id-list ${d.audience}${thumb ? ` --thumbprint-list ${thumb}` : ''}${profileOf(d)}`
        : `declare resource "aws_iam_openid_connect_provider" with url = "${d.issuer}", client_id_list = ["${d.audience}"] and the issuer CA's thumbprint_list`,
    );
  }
  if (d.s.mode === 'static')
    return check(
      id,
      'pass',
      `${d.issuer} is declared by ${d.provider.source ?? 'the files'} (${d.provider.arn ?? d.providerArn})${d.issuerSource && d.issuerSource !== d.provider.source ? `; issuer from ${d.issuerSource}` : ''}`,
    );
  return check(id, 'pass', `${d.issuer} is registered as ${d.provider.arn ?? d.providerArn}`);
}

export function checkClientId(d: Derived): CheckResult {
  const id = 'provider-client-id';
  const p = d.provider;
  if (!p) return check(id, 'skip', 'no provider to check (see above)');
  if (p.clientIds === undefined)
    return check(id, 'skip', "the provider's client_id_list is known only after apply");
  if (p.clientIds.includes(d.audience))
    return check(id, 'pass', `client IDs [${p.clientIds.join(', ')}] include ${q(d.audience)}`);
  const close = nearest(d.audience, p.clientIds);
  const annotated = d.settings && d.audience !== 'sts.amazonaws.com';
  return check(
    id,
    'fail',
    `the token's audience ${q(d.audience)} is not among the provider's client IDs [${p.clientIds.join(', ')}]${close ? ` (${q(close)} is close: a typo?)` : ''}. STS answers: InvalidIdentityToken: Incorrect token audience`,
    annotated && close
      ? `fix the ServiceAccount's eks.amazonaws.com/audience annotation (${q(d.audience)} → ${q(close)}), then re-create its pods`
      : d.s.mode === 'live'
        ? `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${p.arn ?? d.providerArn} --client-id ${d.audience}${profileOf(d)}`
        : `add "${d.audience}" to client_id_list of ${p.source ?? 'the provider'}`,
  );
}

export function checkThumbprint(d: Derived): CheckResult {
  const id = 'provider-thumbprint';
  const p = d.provider;
  if (!p) return check(id, 'skip', 'no provider to check (see above)');
  const want = d.s.issuer?.thumbprint;
  if (!want)
    return check(
      id,
      'skip',
      `needs the live issuer's certificate (thumbprints in the files: ${p.thumbprints === undefined ? 'known only after apply' : `[${p.thumbprints.join(', ')}]`}); run \`irsa doctor\` against the server`,
    );
  const have = (p.thumbprints ?? []).map((t) => t.toLowerCase());
  if (have.includes(want.toLowerCase()))
    return check(id, 'pass', `thumbprint ${want} (the issuer's CA) is in the provider's list`);
  return check(
    id,
    'fail',
    `the provider's thumbprints [${have.join(', ')}] do not include ${want}, the SHA-1 of the CA the issuer presents. STS answers: InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint`,
    `aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn ${p.arn ?? d.providerArn} --thumbprint-list ${want}${profileOf(d)}`,
  );
}

export function checkAnnotation(d: Derived): CheckResult {
  const id = 'sa-annotation';
  const sa = d.s.serviceAccount;
  const who = `${d.ns}/${d.saName ?? '?'}`;
  if (!d.saName) return check(id, 'skip', 'no ServiceAccount named, and no pod to take it from');
  if (sa === undefined)
    return check(
      id,
      'skip',
      `no ServiceAccount manifest for ${who} in the files${d.roleArnSource === 'pod' ? `; the pod sets AWS_ROLE_ARN=${d.roleArn} itself` : ''}`,
    );
  if (sa === null) {
    return check(
      id,
      'fail',
      `ServiceAccount ${who} not found${didYouMean(d.saName, d.s.serviceAccountNames ?? [])}`,
      `create it (irsa apply -f serviceaccount.yaml) or name the right one with -n NAMESPACE`,
    );
  }
  const annotations = sa.metadata?.annotations ?? {};
  const arn = d.settings?.roleArn ?? '';
  const example = `${ROLE_ARN_ANNOTATION}: arn:aws:iam::<account>:role/<role>`;
  if (arn === '') {
    const keys = Object.keys(annotations).filter(
      (k) => k !== 'kubectl.kubernetes.io/last-applied-configuration',
    );
    const close = nearest(ROLE_ARN_ANNOTATION, keys);
    return check(
      id,
      'fail',
      `ServiceAccount ${who} has no ${ROLE_ARN_ANNOTATION} annotation${close ? ` (it has ${q(close)}: a typo?)` : ''}: the webhook injects nothing and the SDK finds no credentials ("Unable to locate credentials")`,
      `annotate it (${example}) and re-create its pods`,
    );
  }
  if (!isWellFormedRoleArn(arn)) {
    return check(
      id,
      'fail',
      `${ROLE_ARN_ANNOTATION} is ${q(arn)}, which is not a role ARN (arn:aws:iam::<12-digit account>:role/<name>); the webhook injects it anyway and STS refuses it (ValidationError)`,
      `set ${example}`,
    );
  }
  // the API server refuses a pod whose projected token would live longer than 2^32 s
  const expiration = annotations['eks.amazonaws.com/token-expiration'];
  if (expiration !== undefined && /^\d+$/.test(expiration.trim()) && Number(expiration) > 2 ** 32)
    return check(
      id,
      'fail',
      `eks.amazonaws.com/token-expiration is ${expiration}: the webhook puts it in the pod's projected token, and the API server refuses the pod ("may not specify a duration larger than 2^32 seconds")`,
      'set eks.amazonaws.com/token-expiration to at most 4294967296 (86400, a day, is the default), then create the pods again',
    );
  const extras: string[] = [];
  if (d.settings && d.settings.audience !== 'sts.amazonaws.com')
    extras.push(`audience ${q(d.settings.audience)}`);
  if (d.settings?.regionalSts) extras.push('regional STS');
  if (d.settings && d.settings.tokenExpiration !== 86400)
    extras.push(`token expiration ${d.settings.tokenExpiration}s`);
  const warn = d.annotationWarnings.length > 0;
  return check(
    id,
    warn ? 'warn' : 'pass',
    `${ROLE_ARN_ANNOTATION}: ${arn}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}${warn ? `; ${d.annotationWarnings.join('; ')}` : ''}`,
    warn ? 'correct the annotations the webhook ignores' : null,
  );
}

export function checkRole(d: Derived): CheckResult {
  const id = 'role-exists';
  if (!d.roleArn) return check(id, 'skip', noRole(d));
  if (!d.role) return check(id, 'skip', `${q(d.roleArn)} is not a role ARN (see above)`);
  const r = d.s.iam.role;
  if (r === undefined)
    return check(
      id,
      'skip',
      `no definition of role ${d.role.name} in the files (an aws_iam_role with name = "${d.role.name}", or its trust policy JSON)`,
    );
  if (r === null) {
    return check(
      id,
      'fail',
      `role ${d.role.name} does not exist in account ${d.role.account}${didYouMean(d.role.name, d.s.iam.roleNames ?? [])}. STS answers: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`,
      `create the role (aws iam create-role --role-name ${d.role.name} --assume-role-policy-document file://trust-policy.json${profileOf(d)}) or fix the annotation`,
    );
  }
  if (d.s.mode === 'live' && r.arn !== d.roleArn) {
    return check(
      id,
      'fail',
      `the role is ${r.arn}; the ServiceAccount names ${d.roleArn} (the path differs), and STS compares the whole ARN`,
      `set ${ROLE_ARN_ANNOTATION}: ${r.arn}`,
    );
  }
  return check(
    id,
    'pass',
    `${r.arn}${r.source && r.source !== 'iam' ? ` (${r.source})` : ''}${r.maxSessionDuration ? `, max session ${r.maxSessionDuration}s` : ''}`,
  );
}

const PROVIDER_ARN = /^arn:[^:]+:iam::(\d{12}):oidc-provider\/([^/]+)(\/.*)?$/;

/** Why a trusted provider is not the cluster's: another cluster, another account, a typo. */
function providerHint(want: string, trusted: readonly string[]): string {
  const w = PROVIDER_ARN.exec(want);
  for (const t of trusted) {
    const m = PROVIDER_ARN.exec(t);
    if (!w || !m) continue;
    if (m[1] === w[1] && m[2] === w[2] && m[3] !== w[3])
      return ` (${q(t)} is another issuer of the same host: another cluster's?)`;
    if (m[1] !== w[1] && m[2] === w[2] && m[3] === w[3])
      return ` (${q(t)} is this issuer's provider in account ${m[1]}: the role's account is ${w[1]})`;
  }
  const close = nearest(want, trusted);
  return close ? ` (${q(close)} is close: a typo?)` : '';
}

/**
 * The fix for a Deny of the trust policy that matches the token: the statement by its Sid or
 * index, and the condition it matched on, if it has one.
 */
function denyFix(
  t: Extract<NonNullable<Derived['trust']>, { ok: true }>,
  denies: readonly { index: number; sid?: string | undefined }[],
  sub: string,
): string {
  const each = denies.map((m) => {
    const st = t.policy.statements.find((s) => s.index === m.index);
    const conds = (st?.source.conditions ?? []).map(
      (c) => `${c.operator} ${q(c.key)} [${c.values.map((v) => v.value).join(', ')}]`,
    );
    return conds.length > 0
      ? `the Deny ${statementLabel(m)}, whose condition ${conds.join(' and ')} holds for ${q(sub)}, matches this token: remove it or narrow its condition`
      : `the Deny ${statementLabel(m)}, which has no condition, matches every token: remove it, or give it a condition that leaves ${q(sub)} out`;
  });
  return `${each.join('; ')} (an explicit Deny in the trust policy wins over every Allow)`;
}

const TRUST_IDS = [
  'trust-provider',
  'trust-action',
  'trust-sub',
  'trust-aud',
  'trust-evaluation',
] as const;

/** The five trust checks, or their skips when the trust policy cannot be evaluated. */
export function checkTrust(d: Derived): CheckResult[] {
  const r = d.s.iam.role;
  const skipAll = (why: string) => TRUST_IDS.map((id) => check(id, 'skip', why));
  if (!r) return skipAll('no role to read the trust policy of (see above)');
  if (r.trustPolicy === undefined)
    return skipAll(`the trust policy is not known${r.trustUnknown ? `: ${r.trustUnknown}` : ''}`);
  if (!d.sub) return skipAll('no ServiceAccount to check the trust policy for');
  if (!d.issuer || !d.providerArn)
    return skipAll(
      "the cluster's issuer is not known: pass --issuer URL or the aws_iam_openid_connect_provider",
    );
  const t = d.trust;
  if (!t) return skipAll('the trust policy cannot be evaluated');
  if (!t.ok) {
    return [
      check(
        'trust-provider',
        'fail',
        `IAM would reject the trust policy: ${t.error}`,
        'correct the document (irsa lint shows where)',
      ),
      ...TRUST_IDS.slice(1).map((id) => check(id, 'skip', 'the trust policy does not parse')),
    ];
  }
  const out: CheckResult[] = [];
  // provider
  const named = t.allows.filter((a) => a.principalOk);
  if (named.length > 0) {
    out.push(
      check(
        'trust-provider',
        'pass',
        `${statementLabel(named[0]?.statement ?? { index: 0 })} trusts ${d.providerArn}`,
      ),
    );
  } else {
    out.push(
      check(
        'trust-provider',
        'fail',
        t.federated.length === 0
          ? `no Allow statement names a Federated principal: the role cannot be assumed with a web identity`
          : `the trust policy trusts [${t.federated.join(', ')}], not this cluster's provider ${d.providerArn}${providerHint(d.providerArn, t.federated)}`,
        `set "Principal": {"Federated": "${d.providerArn}"}`,
      ),
    );
  }
  // action
  const acting = named.filter((a) => a.actionOk);
  if (named.length === 0)
    out.push(check('trust-action', 'skip', 'no statement trusts the provider'));
  else if (acting.length > 0)
    out.push(
      check(
        'trust-action',
        'pass',
        `${statementLabel(acting[0]?.statement ?? { index: 0 })} allows ${WEB_IDENTITY_ACTION}`,
      ),
    );
  else {
    const st = named[0]?.statement;
    const actions = (st?.source.action ?? st?.source.notAction ?? []).map((a) => a.value);
    out.push(
      check(
        'trust-action',
        'fail',
        `${statementLabel(st ?? { index: 0 })} trusts the provider but allows [${actions.join(', ')}], not ${WEB_IDENTITY_ACTION}`,
        `set "Action": "${WEB_IDENTITY_ACTION}"`,
      ),
    );
  }
  // sub and aud
  for (const claim of ['sub', 'aud'] as const) {
    const id = claim === 'sub' ? 'trust-sub' : 'trust-aud';
    const actual = claim === 'sub' ? (d.sub as string) : d.audience;
    if (acting.length === 0) {
      out.push(check(id, 'skip', 'no statement trusts the provider for this action'));
      continue;
    }
    const v = claimVerdict(acting, claim, actual);
    const key = `${providerKeyPrefix(d.issuer)}:${claim}`;
    if (v.status === 'pass') {
      out.push(
        check(
          id,
          'pass',
          v.passing
            .map(
              (c) =>
                `${c.clause.operator} ${q(c.clause.key)} = [${c.clause.values.map((x) => x.value).join(', ')}] matches ${q(actual)}`,
            )
            .join('; '),
        ),
      );
    } else if (v.status === 'none') {
      out.push(
        claim === 'sub'
          ? check(
              id,
              'warn',
              `${statementLabel(v.statement?.statement ?? { index: 0 })} has no \`sub\` condition: every ServiceAccount of the cluster can assume the role`,
              `add "StringEquals": {"${key}": "${actual}"}`,
            )
          : check(
              id,
              'pass',
              `no \`aud\` condition; the provider's client-ID list still checks the audience ${q(actual)}`,
            ),
      );
    } else {
      const words = v.failing.map((c) => describeClaimMismatch(c, actual, d.issuer as string));
      const first = words[0];
      const diff =
        claim === 'sub' && first?.didYouMean
          ? subjectDifference(first.didYouMean, actual)
          : undefined;
      const hint = first?.didYouMean
        ? ` — did you mean ${q(actual)}? The policy's ${q(first.didYouMean)} ${diff ? `has ${diff}` : 'is a near miss'}`
        : '';
      out.push(
        check(
          id,
          'fail',
          `${words.map((w) => w.text).join('; ')}${hint}. STS answers: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`,
          claim === 'sub'
            ? `set "StringEquals": {"${key}": "${actual}"} in the trust policy (or run the pod as the ServiceAccount the policy names)`
            : `set "StringEquals": {"${key}": "${actual}"} in the trust policy (or fix the ServiceAccount's eks.amazonaws.com/audience)`,
        ),
      );
    }
  }
  // the engine's verdict
  const x = t.explanation;
  if (x.decision === 'allowed') {
    const m = x.matched[0];
    out.push(
      check(
        'trust-evaluation',
        'pass',
        `${WEB_IDENTITY_ACTION} by ${d.sub} is allowed by ${statementLabel(m ?? { index: 0 })}`,
      ),
    );
  } else {
    out.push(
      check(
        'trust-evaluation',
        'fail',
        out.some((c) => c.status === 'fail')
          ? // the step above names the near miss; the engine's own hint points the other way
            x.summary.replace(/ \(did you mean `[^`]*`\?\)/g, '')
          : x.summary,
        out.some((c) => c.status === 'fail')
          ? 'fix the steps above'
          : x.decision === 'explicitDeny'
            ? denyFix(t, x.matched, d.sub as string)
            : 'change the condition named above (the token carries only sub, aud and the request keys)',
      ),
    );
  }
  return out;
}
