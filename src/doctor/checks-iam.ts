/**
 * The IAM side of the checklist (the seeds' steps 1–4): the issuer registered as an OIDC
 * provider in the role's account with the right client ID and thumbprint, the
 * ServiceAccount's role annotation, the role, and its trust policy — provider, action,
 * `sub`, `aud`, and the engine's verdict. Each returns one `CheckResult`. Pure.
 */
import { nearest } from '../policy/nearest.js';
import { providerKeyPrefix } from '../policy/web-identity.js';
import { isWellFormedRoleArn } from '../webhook/options.js';
import { type Derived, ROLE_ARN_ANNOTATION, parseRoleArnParts } from './derive.js';
import {
  type ConditionVerdict,
  WEB_IDENTITY_ACTION,
  claimVerdict,
  describeClaimMismatch,
  sameIssuer,
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

/**
 * The role's account when it is not one of irsakit's (live): the role ARN's account id is
 * mistyped, or names an account never created. Nothing exists there — no provider, no role —
 * and no command can act there: the credentials file has no profile for it. Undefined when
 * it is one, or when irsakit's accounts are not known (static mode).
 */
export function foreignAccount(d: Derived): string | undefined {
  const accounts = d.s.iam.accounts;
  return d.role && accounts && !accounts.includes(d.role.account) ? d.role.account : undefined;
}

/** The role ARN meant, when a role of that name exists in exactly one of irsakit's accounts. */
function meantRole(d: Derived): string | undefined {
  const same = d.s.iam.sameNameRoles ?? [];
  return same.length === 1 ? same[0] : undefined;
}

/** What a role ARN in an account irsakit does not have is, in words. */
function foreignAccountText(d: Derived, account: string): string {
  const accounts = d.s.iam.accounts ?? [];
  const same = d.s.iam.sameNameRoles ?? [];
  const meant = meantRole(d);
  const name = d.role?.name ?? '?';
  return `account ${account} is not one of irsakit's accounts (${accounts.join(', ') || 'none'}): a typo of the account id?${
    meant
      ? ` Did you mean ${q(meant)}? (role ${name} exists in account ${parseRoleArnParts(meant)?.account ?? '?'})`
      : same.length > 1
        ? ` Role ${name} exists as ${same.map((a) => q(a)).join(' and ')}`
        : ` No account of irsakit has a role ${name}`
  }`;
}

/**
 * The fix of a role ARN in an account irsakit does not have, where the ARN comes from: the
 * ServiceAccount's annotation (re-applied, then its pods re-created: the webhook injects it at
 * admission only), a pod's own AWS_ROLE_ARN, or a Pod Identity association.
 */
function foreignAccountFix(d: Derived, account: string): string {
  const meant = meantRole(d);
  const arn =
    meant ??
    `arn:${d.role?.partition ?? 'aws'}:iam::<account>:role/${d.role?.path.slice(1) ?? ''}${d.role?.name ?? '<role>'}`;
  const or = meant
    ? ''
    : `; or, if account ${account} is meant, create it (irsa account create ${account}) and the role in it`;
  switch (d.roleArnSource) {
    case 'association': {
      const pi = d.s.podIdentity;
      const cluster = pi?.clusterArn.slice(pi.clusterArn.lastIndexOf('/') + 1) ?? '<cluster>';
      return `name ${arn} in the association: aws eks update-pod-identity-association --cluster-name ${cluster} --association-id ${pi?.associationId ?? '<id>'} --role-arn ${arn}${or}`;
    }
    case 'pod':
      return `set AWS_ROLE_ARN=${arn} in the pod's manifest (or annotate ServiceAccount ${d.ns}/${d.saName ?? '?'} with ${ROLE_ARN_ANNOTATION}: ${arn} and drop the pod's own), then re-create the pod${or}`;
    default:
      return `set ${ROLE_ARN_ANNOTATION}: ${arn} in ServiceAccount ${d.ns}/${d.saName ?? '?'}'s manifest and irsa apply -f it, then re-create its pods (the webhook gives a pod its role at admission only)${or}`;
  }
}

function noRole(d: Derived): string {
  return d.s.serviceAccount === undefined
    ? 'no role ARN: the ServiceAccount is not known here'
    : 'no role ARN to find the account by (see the ServiceAccount check)';
}

export function checkProvider(d: Derived): CheckResult {
  const id = 'oidc-provider';
  if (!d.role) return check(id, 'skip', noRole(d));
  const foreign = foreignAccount(d);
  if (foreign)
    return check(
      id,
      'skip',
      `account ${foreign} is not one of irsakit's accounts: no provider can be there (see the ServiceAccount step)`,
    );
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
  // an account irsakit does not have: the first thing wrong, before its missing provider and role
  const foreign = foreignAccount(d);
  if (foreign)
    return check(
      id,
      'fail',
      `${ROLE_ARN_ANNOTATION} is ${q(arn)}, but ${foreignAccountText(d, foreign)}`,
      foreignAccountFix(d, foreign),
    );
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
  const foreign = foreignAccount(d);
  if (r === null && foreign)
    return check(
      id,
      'fail',
      // STS verifies the token with the provider of the role's account before it looks for the role
      `no role ${d.role.name} in account ${foreign}: ${foreignAccountText(d, foreign)}.${d.issuer && d.roleArnSource !== 'association' ? ` STS answers: InvalidIdentityToken: No OpenIDConnect provider found in your account for ${d.issuer}` : ''}`,
      foreignAccountFix(d, foreign),
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

/**
 * The ServiceAccounts of the namespace that a failing `sub` condition names (those that exist
 * live, or that the files declare): such a value is another workload's subject, not a typo of
 * the token's, and setting the condition to the token's sub would lock that workload out.
 * Undefined when the condition names none (a typo, or a ServiceAccount not known here).
 */
function otherWorkloads(
  d: Derived,
  failing: readonly ConditionVerdict[],
):
  | {
      clause: ConditionVerdict['clause'];
      accounts: { sub: string; name: string; sameRole: boolean }[];
    }
  | undefined {
  const known = d.s.serviceAccountNames ?? [];
  const annotated = d.s.annotatedServiceAccounts ?? [];
  for (const c of failing) {
    if (!d.issuer || !sameIssuer(c.keyIssuer, d.issuer)) continue;
    const accounts = c.clause.values.flatMap((x) => {
      const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(x.value);
      const name = m?.[2];
      if (m?.[1] !== d.ns || name === undefined || name === d.saName || !known.includes(name))
        return [];
      const sameRole =
        d.roleArn !== undefined &&
        annotated.some((a) => a.name === name && a.roleArn === d.roleArn);
      return [{ sub: x.value, name, sameRole }];
    });
    if (accounts.length > 0) return { clause: c.clause, accounts };
  }
  return undefined;
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
      const others = claim === 'sub' ? otherWorkloads(d, v.failing) : undefined;
      if (others) {
        const c = others.clause;
        const values = [...c.values.map((x) => x.value), actual];
        const names = others.accounts.map((a) => a.name);
        out.push(
          check(
            id,
            'fail',
            `${words.map((w) => w.text).join('; ')}. The policy's ${others.accounts.map((a) => q(a.sub)).join(', ')} ${others.accounts.length > 1 ? 'are' : 'is'} no typo: ${others.accounts.map((a) => `ServiceAccount ${d.ns}/${a.name} ${d.s.mode === 'static' ? 'is declared in the files' : 'exists'}${a.sameRole ? ' and is annotated with this role (its pods assume it with that sub)' : ''}`).join('; ')}. STS answers: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`,
            // setting the condition to this sub would lock the other workload out: add it
            `add ${q(actual)} to the condition, keeping ${names.length > 1 ? 'the others' : q(others.accounts[0]?.sub ?? '')}: "${c.operator}": {"${c.key}": ${JSON.stringify(values).replace(/","/g, '", "')}} in ${statementLabel(v.statement?.statement ?? { index: 0 })} of the trust policy; or, if the pod is meant to run as ${names.map((n) => q(n)).join(' or ')}, set its serviceAccountName: ${names[0] ?? ''}`,
          ),
        );
        continue;
      }
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
