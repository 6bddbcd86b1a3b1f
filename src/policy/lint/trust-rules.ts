/**
 * Lint rules for role trust policies, centred on IRSA (spec/iam-policy.md §12, §14.1): who
 * may assume the role, and whether the web-identity conditions pin it to one service account
 * of one cluster with the right audience.
 */
import { parseArn } from '../arn.js';
import { type OperatorInfo, parseOperator } from '../condition-operators.js';
import type { ConditionClause, PolicyDocument, PolicyStatement } from '../types.js';
import { grants, hasWildcard, label, quoteList, type Report } from './util.js';

export interface TrustLintOptions {
  /** the role's account, when known (from `--role-arn` or the role being checked) */
  account?: string | undefined;
  partition?: string | undefined;
  /** the service account the role is meant for, to make fixes concrete */
  serviceAccount?: { namespace: string; name: string } | undefined;
}

const EKS_ISSUER = /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[A-Za-z0-9]+$/;
const CLAIM_KEY = /^(.+):(sub|aud|amr|azp|email|oaud)$/i;
const COMPUTE_SERVICES =
  /^(ec2|lambda|ecs-tasks|ecs|eks|glue|sagemaker|codebuild|states|batch|elasticmapreduce|datapipeline|cloudformation|build)\./;

interface IssuerClause {
  clause: ConditionClause;
  op: OperatorInfo;
  issuer: string;
  claim: string;
}

function issuerClauses(s: PolicyStatement): IssuerClause[] {
  const out: IssuerClause[] = [];
  for (const clause of s.conditions) {
    const m = CLAIM_KEY.exec(clause.key);
    const op = parseOperator(clause.operator);
    if (!m || !op) continue;
    const issuer = m[1] as string;
    // a claim key is prefixed by an issuer (host[/path]); plain service keys are not
    if (!issuer.includes('.') && !issuer.includes('/')) continue;
    out.push({ clause, op, issuer, claim: (m[2] as string).toLowerCase() });
  }
  return out;
}

function permissive(op: OperatorInfo): string | undefined {
  if (op.negated)
    return `the negated operator ${op.name} is true for every other value, and when the claim is absent`;
  if (op.ifExists) return `${op.name} is true when the claim is absent`;
  if (op.set === 'all') return `${op.name} is true when the claim is absent`;
  return undefined;
}

/** Whether the issuer part of a condition key names the provider (keys are case-insensitive). */
function sameIssuer(keyIssuer: string, provider: string): boolean {
  return keyIssuer.toLowerCase() === provider.toLowerCase();
}

export function lintTrust(doc: PolicyDocument, report: Report, opts: TrustLintOptions = {}): void {
  if (!doc.version) {
    report('T12', {
      message:
        'the trust policy has no Version, so it is read as 2008-10-17 and policy variables are literal text',
      fix: 'add "Version": "2012-10-17"',
    });
  } else if (doc.version === '2008-10-17' && doc.text.includes('${')) {
    report('T12', {
      message:
        'Version 2008-10-17 does not substitute policy variables; `${…}` is literal text here',
      fix: 'set "Version": "2012-10-17"',
      span: doc.keySpans.Version,
    });
  }
  const sa = opts.serviceAccount;
  const subExample = sa
    ? `system:serviceaccount:${sa.namespace}:${sa.name}`
    : 'system:serviceaccount:<namespace>:<serviceaccount>';
  for (const s of doc.statements) {
    if (s.effect !== 'Allow') continue;
    const actions = (s.action ?? []).map((a) => a.value);
    const webId = grants(s, 'sts:AssumeRoleWithWebIdentity');
    const assume = grants(s, 'sts:AssumeRole');
    const samlAction = grants(s, 'sts:AssumeRoleWithSAML');
    const anyAssume = webId || assume || samlAction;
    const broadAction =
      actions.find((a) => a === '*' || a.toLowerCase() === 'sts:*') ??
      (s.notAction ? 'NotAction' : undefined);
    if (broadAction) {
      report('T10', {
        message: `${label(s)} allows ${broadAction === 'NotAction' ? 'every action but those listed' : `\`${broadAction}\``}: every way of assuming the role, with whatever the caller brings`,
        fix: 'name the action the caller uses, e.g. "sts:AssumeRoleWithWebIdentity" for IRSA',
        span: s.keySpans.Action ?? s.keySpans.NotAction,
        statement: s,
      });
    }
    if (s.notPrincipal) {
      report('T9', {
        message: `${label(s)} uses NotPrincipal in a trust policy: it lets every principal not listed assume the role`,
        fix: 'name the principals that may assume the role in "Principal"',
        span: s.keySpans.NotPrincipal,
        statement: s,
      });
    }
    const usesTags = s.conditions.some((c) =>
      /^(aws:requesttag\/|aws:tagkeys$|sts:transitivetagkeys$)/i.test(c.key),
    );
    if (usesTags && !grants(s, 'sts:TagSession')) {
      report('T10', {
        message: `${label(s)} conditions on session tags but does not allow sts:TagSession, so a caller passing tags is refused`,
        fix: 'add "sts:TagSession" to the statement\'s actions',
        span: s.keySpans.Action,
        statement: s,
      });
    }
    const p = s.principal;
    if (!p || !anyAssume) continue;
    const star = p.star || p.entries.some((e) => e.kind === 'AWS' && e.value === '*');
    if (star) {
      const conditioned = s.conditions.length > 0;
      report('T1', {
        message: conditioned
          ? `${label(s)} lets any principal assume the role, limited only by its conditions`
          : `${label(s)} lets any principal — any AWS account, even anonymous callers — assume the role`,
        fix: 'name the principal in "Principal" (an OIDC provider for IRSA, a role or account ARN otherwise)',
        severity: conditioned ? 'medium' : 'critical',
        span: p.span ?? s.keySpans.Principal,
        statement: s,
      });
    }
    for (const e of p.entries) {
      if (e.kind === 'AWS' && e.value !== '*') {
        const acct = /^\d{12}$/.test(e.value)
          ? e.value
          : parseArn(e.value)?.resource === 'root'
            ? parseArn(e.value)?.account
            : undefined;
        if (acct && opts.account && acct !== opts.account) {
          report('T10', {
            message: `${label(s)} trusts every principal of account ${acct}, which then decides alone who may assume the role`,
            fix: `name the role or user of ${acct} that needs access, or add an aws:PrincipalArn condition`,
            span: e.span,
            statement: s,
          });
        }
      } else if (e.kind === 'Service') {
        if (e.value === 'pods.eks.amazonaws.com') {
          if (!grants(s, 'sts:TagSession')) {
            report('T13', {
              message: `${label(s)} trusts EKS Pod Identity but does not allow sts:TagSession; EKS always tags the session, so the association fails`,
              fix: 'use "Action": ["sts:AssumeRole", "sts:TagSession"]',
              span: s.keySpans.Action,
              statement: s,
            });
          }
        } else if (COMPUTE_SERVICES.test(e.value)) {
          report('T14', {
            message: `the role can be assumed by the AWS service \`${e.value}\`: whatever runs there gets its permissions`,
            fix: 'make sure this is intended, and consider aws:SourceAccount / aws:SourceArn conditions',
            span: e.span,
            statement: s,
          });
        }
      } else if (e.kind === 'Federated') {
        lintFederated(s, e, { webId, assume, samlAction, subExample }, report, opts);
      }
    }
  }
}

function lintFederated(
  s: PolicyStatement,
  e: NonNullable<PolicyStatement['principal']>['entries'][number],
  a: { webId: boolean; assume: boolean; samlAction: boolean; subExample: string },
  report: Report,
  opts: TrustLintOptions,
): void {
  const arn = parseArn(e.value);
  const isOidc = !!arn && arn.resource.startsWith('oidc-provider/');
  const isSaml = !!arn && arn.resource.startsWith('saml-provider/');
  if (arn && (isOidc || isSaml)) {
    if (opts.account && arn.account !== opts.account) {
      report('T11', {
        message: `the provider \`${e.value}\` is registered in account ${arn.account}, not in the role's account ${opts.account}; STS only trusts providers of the role's own account`,
        fix: `register the issuer in ${opts.account} and name arn:${arn.partition}:iam::${opts.account}:${arn.resource}`,
        span: e.span,
        statement: s,
      });
    }
    if (opts.partition && arn.partition !== opts.partition) {
      report('T11', {
        message: `the provider's partition \`${arn.partition}\` differs from the role's \`${opts.partition}\``,
        fix: `use arn:${opts.partition}:iam::…`,
        span: e.span,
        statement: s,
      });
    }
  }
  if (isSaml) {
    if (
      a.webId &&
      (s.action ?? []).some((x) => x.value.toLowerCase() === 'sts:assumerolewithwebidentity')
    ) {
      report('T9', {
        message: `${label(s)} pairs a SAML provider with sts:AssumeRoleWithWebIdentity; SAML callers use sts:AssumeRoleWithSAML`,
        fix: 'use "Action": "sts:AssumeRoleWithSAML"',
        span: s.keySpans.Action,
        statement: s,
      });
    }
    return;
  }
  if (!isOidc) {
    if (
      ![
        'accounts.google.com',
        'cognito-identity.amazonaws.com',
        'graph.facebook.com',
        'www.amazon.com',
      ].includes(e.value)
    ) {
      report('T11', {
        message: `\`${e.value}\` is not a valid Federated principal: an OIDC provider is named by its ARN, arn:aws:iam::<account>:oidc-provider/<issuer host and path>`,
        fix: 'use the provider ARN that `aws iam list-open-id-connect-providers` shows',
        span: e.span,
        statement: s,
      });
    }
    return;
  }
  const provider = (arn as NonNullable<typeof arn>).resource.slice('oidc-provider/'.length);
  if (/^https?:\/\//i.test(provider) || provider.endsWith('/')) {
    report('T11', {
      message: `the provider ARN \`${e.value}\` carries ${provider.endsWith('/') ? 'a trailing slash' : 'a URL scheme'}; IAM names providers by host and path only`,
      fix: `use arn:${arn?.partition}:iam::${arn?.account}:oidc-provider/${provider.replace(/^https?:\/\//i, '').replace(/\/+$/, '')}`,
      span: e.span,
      statement: s,
    });
  }
  if (a.assume && !a.webId) {
    report('T9', {
      message: `${label(s)} pairs an OIDC provider with sts:AssumeRole; web-identity tokens are exchanged with sts:AssumeRoleWithWebIdentity`,
      fix: 'use "Action": "sts:AssumeRoleWithWebIdentity"',
      span: s.keySpans.Action,
      statement: s,
    });
  }
  if (!a.webId) return;
  const clauses = issuerClauses(s);
  const ours = clauses.filter((c) => sameIssuer(c.issuer, provider));
  const foreign = clauses.filter((c) => !sameIssuer(c.issuer, provider));
  for (const f of foreign) {
    const lenient = permissive(f.op);
    report('T8', {
      message: `condition key \`${f.clause.key}\` names the issuer \`${f.issuer}\`, but the principal is \`${provider}\`: STS never sets this key, so the condition ${lenient ? 'is always true and restricts nothing' : 'never matches and the role cannot be assumed'}`,
      fix: `use \`${provider}:${f.claim}\``,
      span: f.clause.span,
      statement: s,
    });
  }
  if (ours.length === 0) {
    if (foreign.length === 0) {
      report('T2', {
        message: `${label(s)} trusts \`${provider}\` with no condition on its claims: any token the issuer signs for this audience — any service account of the cluster — can assume the role`,
        fix: `add "Condition": {"StringEquals": {"${provider}:sub": "${a.subExample}", "${provider}:aud": "sts.amazonaws.com"}}`,
        span: s.keySpans.Principal,
        statement: s,
      });
    }
    return;
  }
  const subs = ours.filter((c) => c.claim === 'sub');
  const auds = ours.filter((c) => c.claim === 'aud');
  if (subs.length === 0 && !foreign.some((f) => f.claim === 'sub')) {
    report('T3', {
      message: `${label(s)} has no \`${provider}:sub\` condition: every service account of the cluster can assume the role`,
      fix: `add "StringEquals": {"${provider}:sub": "${a.subExample}"}`,
      span: s.keySpans.Condition,
      statement: s,
    });
  }
  if (subs.length > 0 && subs.every((c) => c.op.family === 'Null')) {
    report('T7', {
      message: `${label(s)} only checks that \`${provider}:sub\` is present (Null): any service account passes`,
      fix: `use "StringEquals": {"${provider}:sub": "${a.subExample}"}`,
      span: subs[0]?.clause.span,
      statement: s,
    });
  }
  for (const c of [...subs, ...auds]) lintClaimClause(c, provider, a.subExample, report, s);
  if (auds.length === 0 && !foreign.some((f) => f.claim === 'aud')) {
    report('T6', {
      message: `${label(s)} has no \`${provider}:aud\` condition: a token minted for another audience of the same issuer is accepted`,
      fix: `add "StringEquals": {"${provider}:aud": "sts.amazonaws.com"}`,
      span: s.keySpans.Condition,
      statement: s,
    });
  }
}

function lintClaimClause(
  c: IssuerClause,
  provider: string,
  subExample: string,
  report: Report,
  s: PolicyStatement,
): void {
  const { op, clause } = c;
  if (op.family === 'Null') return;
  const lenient = permissive(op);
  if (lenient) {
    report('T7', {
      message: `\`${clause.key}\` is checked with ${op.name}: ${lenient}`,
      fix: `use ${op.comparison === 'like' ? 'StringLike' : 'StringEquals'} with the exact ${c.claim === 'sub' ? `subject (${subExample})` : 'audience (sts.amazonaws.com)'}`,
      span: clause.operatorSpan ?? clause.span,
      statement: s,
    });
  }
  const values = clause.values.map((v) => v.value);
  if (op.family === 'String' && op.comparison === 'eq') {
    const wild = clause.values.filter((v) => hasWildcard(v.value));
    if (wild.length > 0) {
      report('T5', {
        message: `${op.name} compares \`${clause.key}\` literally, so ${quoteList(wild.map((v) => v.value))} never matches a real token`,
        fix: `use StringLike for a pattern, or better the exact value (${c.claim === 'sub' ? subExample : 'sts.amazonaws.com'})`,
        span: wild[0]?.span,
        statement: s,
      });
    }
  }
  if (c.claim === 'sub' && op.family === 'String' && !op.negated) {
    for (const v of clause.values) {
      const like = op.comparison === 'like';
      const parts = v.value.split(':');
      const wellFormed =
        parts.length === 4 && parts[0] === 'system' && parts[1] === 'serviceaccount';
      if (like && hasWildcard(v.value)) {
        const ns = parts[2] ?? '*';
        const anyNamespace =
          !wellFormed || hasWildcard(ns) || hasWildcard(parts.slice(0, 2).join(':'));
        report('T4', {
          message: anyNamespace
            ? `\`${clause.key}\` matches \`${v.value}\`: service accounts of any namespace can assume the role`
            : `\`${clause.key}\` matches \`${v.value}\`: every service account ${hasWildcard(parts[3] ?? '') && parts[3] !== '*' ? 'whose name fits the pattern ' : ''}in namespace \`${ns}\` can assume the role`,
          fix: `pin one service account: "StringEquals": {"${clause.key}": "${subExample}"}`,
          severity: anyNamespace ? 'high' : 'medium',
          span: v.span,
          statement: s,
        });
      } else if (!wellFormed && !hasWildcard(v.value)) {
        report('T5', {
          message: `\`${v.value}\` is not a service-account subject (system:serviceaccount:<namespace>:<name>); Kubernetes tokens never carry it`,
          fix: `use \`${subExample}\``,
          span: v.span,
          statement: s,
        });
      }
    }
  }
  if (c.claim === 'aud' && !op.negated && op.family === 'String') {
    const odd = values.filter((v) => v !== 'sts.amazonaws.com' && !hasWildcard(v));
    if (odd.length > 0) {
      const eks = EKS_ISSUER.test(provider);
      report('T6', {
        message: `\`${clause.key}\` expects ${quoteList(odd)}; the pod identity webhook requests tokens for \`sts.amazonaws.com\`${eks ? ', the only audience EKS uses for IRSA' : " unless the ServiceAccount's audience annotation says otherwise"}`,
        fix: 'expect "sts.amazonaws.com", and register it as a client ID of the provider',
        severity: eks ? 'medium' : 'low',
        span: clause.span,
        statement: s,
      });
    }
  }
}
