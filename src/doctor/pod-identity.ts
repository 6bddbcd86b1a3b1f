/**
 * The checklist for a ServiceAccount with an EKS Pod Identity association. Its pods get their
 * credentials from the Pod Identity agent, as the association's role, whatever a role-arn
 * annotation says: no OIDC provider, no web identity token and no `sub`/`aud` condition are
 * involved. What decides is the role's trust policy toward the service principal
 * `pods.eks.amazonaws.com` — `sts:AssumeRole`, and `sts:TagSession` for the session tags EKS
 * attaches — evaluated here as EKS Auth's STS evaluates it (spec/iam-policy.md §12.3). Pure.
 */
import { createContext } from '../policy/context.js';
import { explainRequest } from '../policy/explain.js';
import { loadPolicy } from '../policy/index.js';
import { matchGlob } from '../policy/glob.js';
import {
  POD_IDENTITY_SERVICE,
  podIdentitySessionTags,
  podIdentityTrustContext,
} from '../sts/pod-identity.js';
import { check, profileOf } from './checks-iam.js';
import { ROLE_ARN_ANNOTATION, type Derived } from './derive.js';
import type { CheckResult, PodIdentityView } from './types.js';

const ACTIONS = ['sts:AssumeRole', 'sts:TagSession'] as const;

const q = (s: string) => `\`${s}\``;

function via(pi: PodIdentityView): string {
  return `EKS Pod Identity: association ${pi.associationId} gives the pods ${pi.roleArn}`;
}

/**
 * The session tags EKS Auth gives the checked pods' sessions (none when the association
 * turns them off): with the first pod's name and uid, else `standIn`'s — empty ones when no
 * stand-in is given.
 */
export function podIdentityTags(
  d: Derived,
  pi: PodIdentityView,
  standIn: { name: string; uid: string } = { name: '', uid: '' },
): { Key: string; Value: string }[] {
  if (!pi.sessionTags) return [];
  const pod = d.s.pods[0]?.object.metadata;
  return podIdentitySessionTags(
    { arn: pi.clusterArn, name: d.s.target.cluster ?? '' },
    {
      namespace: d.ns,
      serviceAccount: d.saName ?? '',
      podName: pod?.name ?? standIn.name,
      podUid: pod?.uid ?? standIn.uid,
    },
  );
}

/** The checks about OIDC providers, which Pod Identity does not use. */
export function podIdentityProviderChecks(pi: PodIdentityView): CheckResult[] {
  const why = `${via(pi)}; no OIDC provider is involved`;
  return [
    check('oidc-provider', 'skip', why),
    check('provider-client-id', 'skip', why),
    check('provider-thumbprint', 'skip', why),
  ];
}

/** The ServiceAccount's role: the association's; an annotation beside it is not used. */
export function podIdentityAnnotation(d: Derived, pi: PodIdentityView): CheckResult {
  const annotated = d.settings?.roleArn || undefined;
  if (annotated && annotated !== pi.roleArn)
    return check(
      'sa-annotation',
      'warn',
      `${via(pi)}; the ServiceAccount's ${ROLE_ARN_ANNOTATION} ${annotated} is not used (the association wins)`,
      `remove the annotation, or the association (aws eks delete-pod-identity-association --cluster-name ${d.s.target.cluster ?? '<cluster>'} --association-id ${pi.associationId}) if the pods should use IRSA`,
    );
  return check('sa-annotation', 'pass', via(pi));
}

/**
 * The trust checks: the service principal named, both actions allowed, and the evaluation of
 * the request EKS Auth makes (with the session tags and the cluster as aws:SourceArn).
 */
export function podIdentityTrust(d: Derived, pi: PodIdentityView): CheckResult[] {
  const claims = `${via(pi)}; the token's claims are not in the trust policy (the association names the ServiceAccount)`;
  const role = d.s.iam.role;
  const noTrust = (detail: string): CheckResult[] => [
    check('trust-provider', 'skip', detail),
    check('trust-action', 'skip', detail),
    check('trust-sub', 'skip', claims),
    check('trust-aud', 'skip', claims),
    check('trust-evaluation', 'skip', detail),
  ];
  if (!role) return noTrust('no role to read the trust policy of (see above)');
  if (role.trustPolicy === undefined)
    return noTrust(
      `the trust policy of ${role.arn} is not known${role.trustUnknown ? ` (${role.trustUnknown})` : ''}`,
    );
  const loaded = loadPolicy(role.trustPolicy, 'trust', { id: 'trust policy', mode: 'evaluate' });
  if (!loaded.ok) return noTrust(`the trust policy does not parse: ${loaded.error.message}`);
  const policy = loaded.policy;
  const fix = `allow the service principal in the trust policy of ${role.name}: {"Effect":"Allow","Principal":{"Service":"${POD_IDENTITY_SERVICE}"},"Action":["sts:AssumeRole","sts:TagSession"]} (aws iam update-assume-role-policy --role-name ${role.name} --policy-document file://trust-policy.json${profileOf(d)})`;

  // statements that name the service principal, and what they allow
  const naming = policy.statements.filter(
    (st) =>
      st.effect === 'Allow' &&
      (st.source.principal?.star === true ||
        (st.source.principal?.entries ?? []).some(
          (e) => (e.kind === 'Service' && e.value === POD_IDENTITY_SERVICE) || e.value === '*',
        )),
  );
  const results: CheckResult[] = [];
  results.push(
    naming.length > 0
      ? check(
          'trust-provider',
          'pass',
          `the trust policy names the service ${POD_IDENTITY_SERVICE}`,
        )
      : check(
          'trust-provider',
          'fail',
          `the trust policy of ${role.name} names no ${q(POD_IDENTITY_SERVICE)} principal: EKS Auth answers AccessDeniedException`,
          fix,
        ),
  );
  const needed = pi.sessionTags ? ACTIONS : (['sts:AssumeRole'] as const);
  const allowed = (action: string) =>
    naming.some(
      (st) =>
        st.actions !== null &&
        st.actions.some((g) => matchGlob(g, action.toLowerCase())) !== st.notAction,
    );
  const lacking = needed.filter((a) => !allowed(a));
  results.push(
    naming.length === 0
      ? check('trust-action', 'skip', 'no statement names the service principal (see above)')
      : lacking.length === 0
        ? check('trust-action', 'pass', `${needed.join(' and ')} allowed`)
        : check(
            'trust-action',
            'fail',
            `the statement naming ${POD_IDENTITY_SERVICE} does not allow ${lacking.join(' and ')}${lacking.includes('sts:TagSession') ? ' (EKS attaches session tags: kubernetes-namespace, kubernetes-service-account, …)' : ''}`,
            fix,
          ),
  );
  results.push(check('trust-sub', 'skip', claims), check('trust-aud', 'skip', claims));

  // the request EKS Auth makes, as STS builds it (the pod's, or a stand-in's, session tags)
  const tags = podIdentityTags(d, pi, {
    name: 'irsa-doctor',
    uid: '00000000-0000-0000-0000-000000000000',
  });
  const context = createContext(podIdentityTrustContext(pi.clusterArn, new Date(d.s.now), tags));
  const verdicts = needed.map((action) => {
    const request = {
      principal: { type: 'Service' as const, id: POD_IDENTITY_SERVICE, partition: 'aws' },
      action,
      resource: role.arn,
      resourceAccount: role.account,
      context,
    };
    return { action, x: explainRequest(request, { resource: [policy], resourceIsTrust: true }) };
  });
  const refused = verdicts.find((v) => v.x.decision !== 'allowed');
  results.push(
    refused
      ? check(
          'trust-evaluation',
          'fail',
          `${refused.action} for ${POD_IDENTITY_SERVICE} on ${role.arn}: ${refused.x.decision} — ${refused.x.summary}. EKS Auth answers AccessDeniedException`,
          fix,
        )
      : check(
          'trust-evaluation',
          'pass',
          `the policy engine allows ${needed.join(' and ')} for ${POD_IDENTITY_SERVICE} on ${role.arn}${pi.sessionTags ? ', with the session tags' : ''}`,
        ),
  );
  return results;
}
