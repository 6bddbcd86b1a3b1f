/** Small helpers the lint rules share. */
import { compileGlob, matchGlob } from '../glob.js';
import type { PolicyStatement, SourceSpan } from '../types.js';
import { type Finding, RULES, type Severity } from './findings.js';

export interface FindingInput {
  message: string;
  fix: string;
  span?: SourceSpan | undefined;
  statement?: PolicyStatement | undefined;
  severity?: Severity | undefined;
}

export type Report = (code: string, f: FindingInput) => void;

/** Collects findings; `report(code, …)` fills in the rule's name, category and severity. */
export function collector(): { findings: Finding[]; report: Report } {
  const findings: Finding[] = [];
  const report: Report = (code, f) => {
    const rule = RULES[code];
    if (!rule) throw new TypeError(`unknown lint rule ${code}`);
    findings.push({
      code,
      rule: rule.rule,
      severity: f.severity ?? rule.severity,
      category: rule.category,
      message: f.message,
      fix: f.fix,
      span: f.span ?? f.statement?.span,
      statement: f.statement?.index,
      sid: f.statement?.sid,
    });
  };
  return { findings, report };
}

/** The entries of `list` (action names) that the statement's Action / NotAction grants. */
export function grantedActions(s: PolicyStatement, list: readonly string[]): string[] {
  if (s.notAction) {
    const not = s.notAction.map((a) => compileGlob(a.value.toLowerCase()));
    return list.filter((x) => !not.some((g) => matchGlob(g, x.toLowerCase())));
  }
  const pats = (s.action ?? []).map((a) => compileGlob(a.value.toLowerCase()));
  return list.filter((x) => pats.some((g) => matchGlob(g, x.toLowerCase())));
}

/** Whether the statement's actions cover a single action name. */
export function grants(s: PolicyStatement, action: string): boolean {
  return grantedActions(s, [action]).length > 0;
}

export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

/** Whether the statement applies to every resource (`*` listed, or NotResource). */
export function onEveryResource(s: PolicyStatement): boolean {
  if (s.notResource) return true;
  if (!s.resource) return false;
  return s.resource.some(
    (r) => r.value === '*' || r.value === 'arn:*' || /^arn:[^:]+:\*$/.test(r.value),
  );
}

export function label(s: PolicyStatement): string {
  return s.sid ? `statement \`${s.sid}\`` : `statement #${s.index}`;
}

export function quoteList(xs: readonly string[], max = 6): string {
  const shown = xs.slice(0, max).map((x) => `\`${x}\``);
  return xs.length > max ? `${shown.join(', ')} and ${xs.length - max} more` : shown.join(', ');
}

/**
 * A condition that holds a key to given values (not a negated or an IfExists form, which let
 * callers without the key through): `StringEquals`, `StringLike`, `ArnEquals`, `ArnLike`, with
 * or without ForAnyValue/ForAllValues.
 */
function pins(operator: string): boolean {
  const op = operator.replace(/^For(Any|All)Value:/i, '');
  return /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i.test(op);
}

/** Keys that name who the caller is: a condition pinning one admits only those principals. */
const PRINCIPAL_KEYS =
  /^aws:(PrincipalOrgID|PrincipalOrgPaths|PrincipalAccount|PrincipalArn|SourceAccount|SourceArn|SourceOrgID|SourceOrgPaths|SourceVpce|SourceVpc)$/i;

/**
 * A statement open to `*` whose conditions still pin who may call (an organization, an
 * account, a VPC endpoint): what R1 itself tells users to write.
 */
export function pinsPrincipals(s: PolicyStatement): boolean {
  return s.conditions.some((c) => pins(c.operator) && PRINCIPAL_KEYS.test(c.key));
}

/**
 * A statement on `Resource: "*"` whose conditions pin the resources' tags (attribute-based
 * access control: `aws:ResourceTag/team` equal to `${aws:PrincipalTag/team}`): it reaches the
 * resources so tagged, not every resource.
 */
export function pinsResourceTags(s: PolicyStatement): boolean {
  return s.conditions.some((c) => pins(c.operator) && /^([a-z0-9-]+):ResourceTag\//i.test(c.key));
}
