/**
 * PolicyDocument → matchers, once per policy (spec/iam-policy.md §16): action patterns
 * folded to lower case, ARN patterns split into parts, condition values pre-parsed, and
 * statements indexed by service prefix so a request only looks at the statements that
 * could name its action.
 */
import { type ArnPattern, compileArnPattern } from './arn.js';
import { type CompiledCondition, compileCondition } from './conditions.js';
import { compileGlob, type Glob } from './glob.js';
import { compilePrincipal, type PrincipalMatcher } from './principal.js';
import type { PolicyDocument, PolicySetKind, PolicyStatement } from './types.js';

export interface CompiledStatement {
  readonly policy: CompiledPolicy;
  readonly source: PolicyStatement;
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** `Action` or `NotAction` patterns, lower-cased; null when the statement has neither */
  readonly actions: Glob[] | null;
  readonly notAction: boolean;
  /** `Resource` or `NotResource`; null when absent (the resource itself, or a trust policy) */
  readonly resources: ArnPattern[] | null;
  readonly notResource: boolean;
  readonly principal: PrincipalMatcher | null;
  readonly notPrincipal: boolean;
  readonly conditions: CompiledCondition[];
}

export interface CompiledPolicy {
  /** how decisions name the policy: an ARN, a name, or `identityPolicies[0]` */
  readonly id: string;
  readonly kind: PolicySetKind;
  readonly document: PolicyDocument;
  readonly statements: CompiledStatement[];
  /** service prefix (lower case) → candidate statements, in document order */
  readonly byService: ReadonlyMap<string, CompiledStatement[]>;
  /** statements that can match any service (`*`, `NotAction`, wildcard prefixes) */
  readonly anyService: CompiledStatement[];
}

/** The service prefixes a statement's Action can match; null for "any". */
function servicesOf(actions: readonly string[] | undefined): Set<string> | null {
  if (!actions) return null;
  const out = new Set<string>();
  for (const a of actions) {
    const colon = a.indexOf(':');
    if (colon < 0) return null;
    const prefix = a.slice(0, colon).toLowerCase();
    if (/[*?]/.test(prefix)) return null;
    out.add(prefix);
  }
  return out;
}

/**
 * Compiles a parsed policy for evaluation.
 *
 * @example
 * const p = compilePolicy(doc, { id: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', kind: 'identity' });
 */
export function compilePolicy(
  document: PolicyDocument,
  opts: { id: string; kind: PolicySetKind },
): CompiledPolicy {
  const variables = document.version === '2012-10-17';
  const statements: CompiledStatement[] = [];
  const policy: CompiledPolicy = {
    id: opts.id,
    kind: opts.kind,
    document,
    statements,
    byService: new Map(),
    anyService: [],
  };
  const services: (Set<string> | null)[] = [];
  for (const s of document.statements) {
    const actionList = s.action ?? s.notAction;
    const resourceList = s.resource ?? s.notResource;
    const principalEl = s.principal ?? s.notPrincipal;
    statements.push({
      policy,
      source: s,
      index: s.index,
      sid: s.sid,
      effect: s.effect.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
      actions: actionList ? actionList.map((a) => compileGlob(a.value.toLowerCase())) : null,
      notAction: s.notAction !== undefined,
      resources: resourceList
        ? resourceList.map((r) => compileArnPattern(r.value, variables))
        : null,
      notResource: s.notResource !== undefined,
      principal: principalEl ? compilePrincipal(principalEl) : null,
      notPrincipal: s.notPrincipal !== undefined,
      conditions: s.conditions.map((c) => compileCondition(c, variables)),
    });
    services.push(s.notAction ? null : servicesOf(s.action?.map((a) => a.value)));
  }
  const byService = policy.byService as Map<string, CompiledStatement[]>;
  const all = new Set<string>();
  for (const set of services) if (set) for (const sv of set) all.add(sv);
  for (const sv of all) {
    byService.set(
      sv,
      statements.filter((_, i) => {
        const set = services[i];
        return set === null || set === undefined || set.has(sv);
      }),
    );
  }
  policy.anyService.push(...statements.filter((_, i) => services[i] === null));
  return policy;
}

/** The statements of `p` that could match an action of service `service` (lower case). */
export function candidates(p: CompiledPolicy, service: string): readonly CompiledStatement[] {
  return p.byService.get(service) ?? p.anyService;
}
