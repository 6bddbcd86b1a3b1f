/**
 * `irsa doctor`'s checklist, in the seeds' order (../shared/seeds 003's six questions, with
 * the steps the other seeds add): provider → annotation → role → trust → pod → permissions →
 * lint → the real exchange. `runChecks` is a pure function of a snapshot, the same for the
 * live server and for static files; a check that needs what the snapshot does not know is
 * skipped with the reason.
 */
import { lintPolicy } from '../policy/lint/index.js';
import { COMPLETE_ACTIONS } from '../policy/lint/catalog.js';
import {
  S3_ACCOUNT_ACTIONS,
  S3_BUCKET_ACTIONS,
  S3_OBJECT_ACTIONS,
} from '../policy/lint/s3-actions.js';
import { nearest } from '../policy/nearest.js';
import {
  TITLES,
  check,
  checkAnnotation,
  checkClientId,
  checkProvider,
  checkRole,
  checkThumbprint,
  checkTrust,
  profileOf,
} from './checks-iam.js';
import {
  podIdentityAnnotation,
  podIdentityProviderChecks,
  podIdentityTags,
  podIdentityTrust,
} from './pod-identity.js';
import {
  type Derived,
  ROLE_ARN_ANNOTATION,
  derive,
  podServiceAccount,
  recreateFix,
} from './derive.js';
import type { SimulatedSession } from './call-context.js';
import { simulatePermission } from './permissions.js';
import { checkPodEnv, label } from './pod-env.js';
import {
  CHECK_IDS,
  type CheckResult,
  type CheckStatus,
  type DoctorReport,
  type DoctorSnapshot,
  type PodView,
} from './types.js';

export { TITLES };

const q = (s: string) => `\`${s}\``;

const runs = (p: PodView) => (p.manifest && p.deployment ? 'run' : 'runs');

function checkPodServiceAccount(d: Derived): CheckResult {
  const id = 'pod-service-account';
  const s = d.s;
  if (s.podMissing && s.target.pod) {
    return check(
      id,
      'fail',
      `pod ${d.ns}/${s.target.pod} not found${(() => {
        const n = nearest(s.target.pod, s.podNames ?? []);
        return n ? ` (did you mean ${q(n)}?)` : '';
      })()}`,
      'name a running pod with --pod, or check the ServiceAccount alone',
    );
  }
  if (s.pods.length === 0)
    return check(
      id,
      'skip',
      s.mode === 'static'
        ? `no Pod or Deployment in the files runs as ${d.ns}/${d.saName ?? '?'}`
        : `no pod runs as ${d.ns}/${d.saName ?? '?'}`,
    );
  const wrong = s.pods.filter((p) => podServiceAccount(p.object) !== d.saName);
  if (wrong.length > 0) {
    const p = wrong[0] as PodView;
    const actual = podServiceAccount(p.object);
    return check(
      id,
      'fail',
      `${label(p)} ${runs(p)} as ServiceAccount ${q(actual)}${actual === 'default' ? " (the namespace's default: is serviceAccountName missing?)" : ''}, not ${q(d.saName ?? '?')}: ${p.manifest && p.deployment ? 'their' : 'its'} token's sub is system:serviceaccount:${d.ns}:${actual}`,
      `set spec${p.manifest && p.deployment ? '.template.spec' : ''}.serviceAccountName: ${d.saName} and ${p.manifest ? 'apply it' : recreateFix(p, d.ns)}`,
    );
  }
  return check(
    id,
    'pass',
    `${s.pods.map((p) => label(p)).join(', ')} ${s.pods.length === 1 ? runs(s.pods[0] as PodView) : 'run'} as ${d.ns}/${d.saName}`,
  );
}

function checkPodAdmission(d: Derived): CheckResult {
  const id = 'pod-admission';
  const s = d.s;
  if (s.pods.length === 0) return check(id, 'skip', 'no pod to check');
  if (s.mode === 'static')
    return check(
      id,
      'skip',
      'decided when the pod is created: the webhook mutates a pod at admission only (the env check below previews its mutation)',
    );
  // a pod of another ServiceAccount was admitted with that one's annotation, not this one's:
  // the step above reports the mismatch, and its fix re-creates the pod anyway
  const own = s.pods.filter((p) => podServiceAccount(p.object) === d.saName);
  if (own.length === 0)
    return check(
      id,
      'skip',
      `${s.pods.map((p) => `${label(p)} ${runs(p)} as ServiceAccount ${q(podServiceAccount(p.object))}`).join(', ')}, not ${d.ns}/${d.saName ?? '?'} (see above): its admission says nothing of ${q(d.saName ?? '?')}'s annotation`,
    );
  const current = d.settings?.roleArn ?? '';
  const bad: { p: PodView; why: string }[] = [];
  const ok: string[] = [];
  const warns: string[] = [];
  for (const p of own) {
    const a = p.admission;
    if (!a) {
      warns.push(`${label(p)} has no admission record`);
      continue;
    }
    const at = a.at;
    if (a.mode === 'pod-identity') ok.push(`${label(p)} uses EKS Pod Identity (admitted ${at})`);
    else if (current === '' && a.mode === 'none') ok.push(`${label(p)} admitted ${at}`);
    else if (current === '' && a.roleArn)
      warns.push(
        `${label(p)} was admitted at ${at} with ${a.roleArn}; the ServiceAccount no longer names a role, and the pod keeps the old one until re-created`,
      );
    else if (a.mode === 'none' || !a.roleArn)
      bad.push({
        p,
        why: `${label(p)} was admitted at ${at}, before ServiceAccount ${d.ns}/${d.saName} had its ${ROLE_ARN_ANNOTATION} annotation: the webhook never changes a running pod, so it has no AWS env or token`,
      });
    else if (a.roleArn !== current)
      bad.push({
        p,
        why: `${label(p)} was admitted at ${at} with ${a.roleArn}; the ServiceAccount now names ${current}, which the pod gets only when re-created`,
      });
    else ok.push(`${label(p)} admitted ${at} with ${a.roleArn}`);
  }
  if (bad.length > 0) {
    const fixes = [...new Set(bad.map((b) => recreateFix(b.p, d.ns)))];
    return check(id, 'fail', bad.map((b) => b.why).join('; '), fixes.join('; '));
  }
  if (warns.length > 0)
    return check(id, 'warn', [...warns, ...ok].join('; '), recreateFix(own[0] as PodView, d.ns));
  return check(id, 'pass', ok.join('; '));
}

const S3_ACTIONS = [...S3_OBJECT_ACTIONS, ...S3_BUCKET_ACTIONS, ...S3_ACCOUNT_ACTIONS];

/**
 * `--action` that names no action of its service: every one of SQS's and Secrets Manager's is
 * known (COMPLETE_ACTIONS); of S3's, those irsakit lists, so only a near miss of one counts.
 */
function unknownAction(action: string): { service: string; guess?: string } | undefined {
  const colon = action.indexOf(':');
  if (colon < 0 || /[*?]/.test(action)) return undefined;
  const service = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  const complete = Object.hasOwn(COMPLETE_ACTIONS, service) ? COMPLETE_ACTIONS[service] : undefined;
  const known = complete ?? (service === 's3' ? S3_ACTIONS : undefined);
  if (!known || known.some((k) => k.toLowerCase() === name.toLowerCase())) return undefined;
  const guess = nearest(name, known);
  if (!complete && !guess) return undefined;
  return { service, guess };
}

function checkPermissions(d: Derived): CheckResult {
  const id = 'permissions';
  const req = d.s.request;
  if (!req)
    return check(
      id,
      'skip',
      'pass --action and --resource to simulate the call the workload makes',
    );
  const typo = unknownAction(req.action);
  if (typo)
    return check(
      id,
      'fail',
      `${q(req.action)} is not an action of ${typo.service}: a wildcard may still match it, but no call the workload makes asks for it`,
      typo.guess ? `did you mean --action ${typo.service}:${typo.guess}?` : null,
    );
  const role = d.s.iam.role;
  if (!role) return check(id, 'skip', 'no role to simulate with (see above)');
  const v = simulatePermission({
    role,
    action: req.action,
    resource: req.resource,
    now: d.s.now,
    region: d.s.region,
    resourcePolicy: d.s.resourcePolicy,
    resourceAccount: d.s.resourceAccount,
    session: podSession(d),
    context: req.context,
    profile: profileOf(d),
  });
  if (v.status === 'skip') return check(id, 'skip', v.detail);
  return check(id, v.status, v.detail, v.fix);
}

/**
 * The session the pods get: a web identity one with the token's `sub` and `aud` and the
 * provider, or EKS Pod Identity's with its six session tags (the pod's name and uid unknown
 * when no pod is named).
 */
function podSession(d: Derived): SimulatedSession {
  const pi = d.s.podIdentity;
  if (pi) {
    // a tag the doctor cannot know (the pod's name and uid when no pod is named) is unknown,
    // not absent: a condition on it is left undecided
    const all = podIdentityTags(d, pi);
    return {
      via: 'AssumeRoleForPodIdentity',
      tags: all.filter((t) => t.Value !== ''),
      unknownKeys: all
        .filter((t) => t.Value === '')
        .map((t) => `aws:principaltag/${t.Key.toLowerCase()}`),
    };
  }
  return {
    via: 'AssumeRoleWithWebIdentity',
    webIdentity:
      d.providerArn && d.sub
        ? { providerArn: d.providerArn, sub: d.sub, aud: d.audience }
        : undefined,
  };
}

/**
 * The trust policy as the trust-provider step's fix leaves it — the cluster's provider in
 * place of the other issuers' providers it names — when that step fails for a Federated
 * principal of another cluster; undefined otherwise. Linted as written, such a policy draws
 * T8 ("the condition keys name another issuer than the principal: use the principal's"),
 * the opposite of the doctor's own fix: applying both would break the trust again.
 */
function asTrustFixLeavesIt(d: Derived, text: string): string | undefined {
  const t = d.trust;
  if (!t?.ok || !d.providerArn || t.allows.some((a) => a.principalOk)) return undefined;
  let out = text;
  for (const f of t.federated)
    if (f.includes(':oidc-provider/'))
      out = out.split(JSON.stringify(f)).join(JSON.stringify(d.providerArn));
  return out === text ? undefined : out;
}

function checkLint(d: Derived): CheckResult {
  const id = 'trust-lint';
  const r = d.s.iam.role;
  if (!r || r.trustPolicy === undefined) return check(id, 'skip', 'no trust policy to lint');
  const fixed = asTrustFixLeavesIt(d, r.trustPolicy);
  const note = fixed
    ? ` (linted with the Principal the trust-provider step's fix sets: ${d.providerArn ?? ''})`
    : '';
  const res = lintPolicy(fixed ?? r.trustPolicy, {
    type: 'trust',
    account: r.account,
    serviceAccount: d.saName ? { namespace: d.ns, name: d.saName } : undefined,
  });
  const findings = res.findings.filter((f) => f.severity !== 'info');
  const infos = res.findings.filter((f) => f.severity === 'info');
  if (findings.length === 0)
    return check(
      id,
      'pass',
      `${infos.length === 0 ? 'no findings' : infos.map((f) => `${f.code} ${f.message}`).join('; ')}${note}`,
    );
  const critical = findings.some((f) => f.severity === 'critical');
  return check(
    id,
    critical ? 'fail' : 'warn',
    `${findings
      .map((f) => `${f.code} (${f.severity}${f.span ? `, line ${f.span.line}` : ''}) ${f.message}`)
      .join('; ')}${note}`,
    [...new Set(findings.map((f) => f.fix))].join('; '),
  );
}

function checkExchange(d: Derived, before: CheckResult[]): CheckResult {
  const id = 'token-exchange';
  const s = d.s;
  if (s.mode === 'static')
    return check(
      id,
      'skip',
      'needs the live server: once applied, run `irsa doctor -n NAMESPACE SERVICEACCOUNT` against `irsa up`',
    );
  const x = s.exchange;
  if (!x) return check(id, 'skip', s.exchangeSkipped ?? 'not attempted');
  const how = `a token ${x.token.boundPod ? `bound to pod ${x.token.boundPod}` : `of ServiceAccount ${d.ns}/${d.saName} (what a re-created pod gets)`}, audience ${x.token.audience}, ${x.token.expirationSeconds}s`;
  if (x.ok)
    return check(
      id,
      'pass',
      `STS returned credentials for ${x.assumedRoleArn ?? x.roleArn} (sub ${x.subject ?? '?'}, provider ${x.provider ?? '?'}) with ${how}`,
    );
  const firstFail = before.find((c) => c.status === 'fail');
  return check(
    id,
    'fail',
    `STS answered HTTP ${x.status} ${x.code ?? ''}: ${x.message ?? ''} (${how}, role ${x.roleArn})`,
    firstFail
      ? `see the first failing step: ${firstFail.title}`
      : 'the checks above pass; `irsa why` on the refused call shows which hop STS refused',
  );
}

/**
 * Runs the whole checklist over a snapshot.
 *
 * @example
 * const report = runChecks(snapshot);
 * report.checks.find((c) => c.status === 'fail')?.id; // e.g. 'trust-sub'
 */
export function runChecks(s: DoctorSnapshot): DoctorReport {
  const d = derive(s);
  const pi = s.podIdentity;
  const checks: CheckResult[] = [
    // a Pod Identity association's pods use no OIDC provider and no token claims: its own checks
    ...(pi
      ? [...podIdentityProviderChecks(pi), podIdentityAnnotation(d, pi)]
      : [checkProvider(d), checkClientId(d), checkThumbprint(d), checkAnnotation(d)]),
    checkRole(d),
    ...(pi ? podIdentityTrust(d, pi) : checkTrust(d)),
    checkPodServiceAccount(d),
    checkPodAdmission(d),
    checkPodEnv(d),
    checkPermissions(d),
    checkLint(d),
  ];
  checks.push(checkExchange(d, checks));
  // INVARIANT: one result per id, in CHECK_IDS order (the --json shape is stable)
  checks.sort((a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));
  const summary: Record<CheckStatus, number> = {
    pass: 0,
    fail: 0,
    warn: 0,
    skip: 0,
    undecided: 0,
  };
  for (const c of checks) summary[c.status]++;
  return {
    mode: s.mode,
    target: s.target,
    checks,
    summary,
    ok: summary.fail === 0 && summary.undecided === 0,
  };
}
