/**
 * Lint rules for what a policy grants (spec/iam-policy.md §14.2): administrator access,
 * service-wide wildcards, Allow with NotAction/NotResource, iam:PassRole, privilege
 * escalation, resource and credentials exposure, data exfiltration and infrastructure
 * changes on every resource, and `Resource: "*"` that could be narrowed.
 */
import type { PolicyDocument, PolicyStatement } from '../types.js';
import {
  CREDENTIALS_EXPOSURE,
  DATA_EXFILTRATION,
  PASS_ROLE_COMPUTE,
  PRIVILEGE_ESCALATION,
  RESOURCE_EXPOSURE,
  RESOURCE_LEVEL,
  WRITE_VERBS,
} from './catalog.js';
import {
  grantedActions,
  grants,
  label,
  onEveryResource,
  pinsPrincipals,
  pinsResourceTags,
  quoteList,
  type Report,
} from './util.js';

/** Resource policies: a statement open to everyone (spec §5: `"*"` includes anonymous callers). */
export function lintResourcePolicy(doc: PolicyDocument, report: Report): void {
  for (const s of doc.statements) {
    if (s.effect !== 'Allow') continue;
    const p = s.principal;
    const open = p && (p.star || p.entries.some((e) => e.kind === 'AWS' && e.value === '*'));
    if (!open && !s.notPrincipal) continue;
    // restricted to an organization, an account or a VPC endpoint: what R1's fix asks for
    if (!s.notPrincipal && pinsPrincipals(s)) continue;
    const conditioned = s.conditions.length > 0;
    report('R1', {
      message: s.notPrincipal
        ? `${label(s)} uses Allow with NotPrincipal: everyone not listed, anonymous callers included, gets its actions`
        : conditioned
          ? `${label(s)} opens its actions to any principal, limited only by its conditions`
          : `${label(s)} opens its actions to any principal, anonymous callers included`,
      fix: 'name the principals (account, role or user ARNs), or restrict with aws:PrincipalOrgID / aws:SourceVpce conditions',
      severity: conditioned ? 'medium' : 'critical',
      span: s.keySpans.Principal ?? s.keySpans.NotPrincipal,
      statement: s,
    });
  }
}

export function lintPermissions(doc: PolicyDocument, report: Report): void {
  const allows = doc.statements.filter((s) => s.effect === 'Allow');
  // administrator statements are reported as such (P1); the combination adds nothing there
  const scoped = allows.filter((s) => !lintStatement(s, report));
  const passRoleAt = scoped.find((s) => grants(s, 'iam:PassRole'));
  const compute = [...new Set(scoped.flatMap((s) => grantedActions(s, PASS_ROLE_COMPUTE)))];
  if (passRoleAt && compute.length > 0) {
    report('P7', {
      message: `the policy allows iam:PassRole together with ${quoteList(compute)}: the holder can start compute that runs as a more privileged role`,
      fix: 'limit iam:PassRole to the roles the workload must pass, with an iam:PassedToService condition',
      span: passRoleAt.keySpans.Action,
      statement: passRoleAt,
    });
  }
}

/** Lints one Allow statement; true when it grants administrator access. */
function lintStatement(s: PolicyStatement, report: Report): boolean {
  const everyResource = onEveryResource(s);
  const actions = (s.action ?? []).map((a) => a.value);
  const allActions = actions.some((a) => a === '*' || a === '*:*');
  if (s.notAction) {
    report('P3', {
      message: `${label(s)} allows every action except ${quoteList(s.notAction.map((a) => a.value))}${everyResource ? ' on every resource' : ''}, including those of services added later`,
      fix: 'list the actions that are allowed in "Action" instead',
      span: s.keySpans.NotAction,
      statement: s,
    });
  }
  if (s.notResource) {
    report('P4', {
      message: `${label(s)} allows its actions on every resource except ${quoteList(s.notResource.map((r) => r.value))}`,
      fix: 'list the resources that are allowed in "Resource" instead',
      span: s.keySpans.NotResource,
      statement: s,
    });
  }
  if ((allActions || s.notAction) && everyResource && s.conditions.length === 0) {
    report('P1', {
      message: `${label(s)} grants administrator access: every action on every resource`,
      fix: 'grant the actions and resources the workload uses (`irsa policy generate` derives them from the audit trail)',
      span: s.keySpans.Action ?? s.keySpans.NotAction,
      statement: s,
    });
    return true;
  }
  const serviceWide = actions.filter((a) => /^[^:*?]+:\*$/.test(a));
  if (serviceWide.length > 0) {
    report('P2', {
      message: `${label(s)} allows every action of ${quoteList(serviceWide.map((a) => a.split(':')[0] as string))}, including deletes and policy changes`,
      fix: `list the actions used, e.g. ${serviceWide[0]?.split(':')[0]}:Get* and the writes the workload performs`,
      span: s.keySpans.Action,
      statement: s,
    });
  }
  const reported = new Set<string>();
  if (grants(s, 'iam:PassRole')) {
    reported.add('iam:passrole');
    if (everyResource) {
      report('P5', {
        message: `${label(s)} allows iam:PassRole on every role: the holder can hand any role, admin included, to a service it controls`,
        fix: 'name the role ARNs that may be passed, and add "StringEquals": {"iam:PassedToService": "<service>.amazonaws.com"}',
        span: s.keySpans.Resource ?? s.keySpans.NotResource,
        statement: s,
      });
    } else if (!s.conditions.some((c) => c.key.toLowerCase() === 'iam:passedtoservice')) {
      report('P6', {
        message: `${label(s)} allows iam:PassRole without an iam:PassedToService condition: the roles can be passed to any service`,
        fix: 'add "StringEquals": {"iam:PassedToService": "<service>.amazonaws.com"}',
        span: s.keySpans.Action,
        statement: s,
      });
    }
  }
  const flag = (
    code: string,
    list: readonly string[],
    text: (xs: string[]) => string,
    fix: string,
  ) => {
    const hit = grantedActions(s, list).filter((a) => !reported.has(a.toLowerCase()));
    if (hit.length === 0) return;
    for (const a of hit) reported.add(a.toLowerCase());
    report(code, {
      message: text(hit),
      fix,
      span: s.keySpans.Action ?? s.keySpans.NotAction,
      statement: s,
    });
  };
  flag(
    'P7',
    PRIVILEGE_ESCALATION,
    (xs) => `${label(s)} allows ${quoteList(xs)}, which let the holder raise its own privileges`,
    'remove these actions, or scope them to resources the holder cannot use to escalate (and guard with a permissions boundary)',
  );
  flag(
    'P8',
    RESOURCE_EXPOSURE,
    (xs) => `${label(s)} allows ${quoteList(xs)}, which change who can access a resource`,
    'keep resource-policy changes with administrators, or scope them to named resources',
  );
  const creds = everyResource
    ? CREDENTIALS_EXPOSURE
    : CREDENTIALS_EXPOSURE.filter((a) => !a.startsWith('sts:'));
  flag(
    'P9',
    creds,
    (xs) =>
      `${label(s)} allows ${quoteList(xs)}${everyResource ? ' on every resource' : ''}, which return credentials`,
    'scope these actions to named roles or users, or remove them',
  );
  if (!everyResource) return false;
  // attribute-based access control: the resources so tagged, not every one
  if (!pinsResourceTags(s))
    flag(
      'P10',
      DATA_EXFILTRATION,
      (xs) =>
        `${label(s)} allows ${quoteList(xs)} on every resource: every bucket, table, parameter or secret of the account`,
      'name the resources the workload reads, e.g. arn:aws:s3:::my-bucket/*',
    );
  const writes = actions.filter((a) => {
    const name = a.split(':')[1] ?? '';
    return WRITE_VERBS.test(name) && !reported.has(a.toLowerCase());
  });
  if (writes.length > 0) {
    for (const a of writes) reported.add(a.toLowerCase());
    report('P11', {
      message: `${label(s)} allows ${quoteList(writes)} on every resource`,
      fix: 'name the resources these changes apply to',
      span: s.keySpans.Resource,
      statement: s,
    });
  }
  const narrowable = actions.filter(
    (a) =>
      RESOURCE_LEVEL.some((x) => x.toLowerCase() === a.toLowerCase()) &&
      !reported.has(a.toLowerCase()),
  );
  if (narrowable.length > 0) {
    report('P21', {
      message: `${label(s)} allows ${quoteList(narrowable)} on \`*\`, but ${narrowable.length > 1 ? 'these actions support' : 'this action supports'} resource-level permissions`,
      fix: 'name the resource ARNs instead of "*"',
      span: s.keySpans.Resource,
      statement: s,
    });
  }
  return false;
}
