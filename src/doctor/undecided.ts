/**
 * Whether a simulated call's verdict rests on condition keys the doctor cannot know (its
 * source address, its parameters, the resource's tags: call-context.ts). Each statement with
 * a condition on such a key may apply or not, whatever the rest of the request: so the call
 * is evaluated twice, once with every such Allow applying and no such Deny (the most
 * favourable request), once the other way round (the least). The decision only ever grows
 * with the Allows that apply and shrinks with the Denies, so when both agree every real
 * request gets that decision; when they differ the doctor must not give one. Pure.
 */
import { type CompiledPolicy, compilePolicy } from '../policy/compile-policy.js';
import type { AuthorizationRequest, PolicySets } from '../policy/evaluate.js';
import { type Explanation, explainRequest } from '../policy/explain.js';
import type { ConditionClause, PolicySetKind, PolicyStatement } from '../policy/types.js';

/** A statement with conditions on keys the doctor cannot know. */
export interface ConditionalStatement {
  set: PolicySetKind;
  policyId: string;
  index: number;
  sid?: string | undefined;
  effect: 'Allow' | 'Deny';
  /** its clauses on those keys */
  clauses: ConditionClause[];
}

export interface Undecided {
  /** the unknown keys the deciding statements depend on, as the policies spell them */
  keys: string[];
  /** the conditional statements that decide one way or the other */
  statements: ConditionalStatement[];
  /** the most favourable request's verdict, and the least favourable one's */
  best: Explanation;
  worst: Explanation;
}

type Found = Map<string, ConditionalStatement>;
const at = (set: PolicySetKind, policyId: string, index: number) =>
  `${set}\u0000${policyId}\u0000${index}`;

/** `p` with each conditional statement applying (conditions on unknown keys dropped) or gone. */
function variant(
  p: CompiledPolicy,
  best: boolean,
  unknown: (key: string) => boolean,
  found: Found,
): CompiledPolicy {
  let touched = false;
  const statements: PolicyStatement[] = [];
  for (const st of p.document.statements) {
    const open = st.conditions.filter((c) => unknown(c.key));
    if (open.length === 0) {
      statements.push(st);
      continue;
    }
    touched = true;
    const effect = st.effect.toLowerCase() === 'deny' ? 'Deny' : 'Allow';
    found.set(at(p.kind, p.id, st.index), {
      set: p.kind,
      policyId: p.id,
      index: st.index,
      sid: st.sid,
      effect,
      clauses: open,
    });
    // the favourable request meets every Allow's condition and no Deny's
    if (best === (effect === 'Allow'))
      statements.push({ ...st, conditions: st.conditions.filter((c) => !unknown(c.key)) });
  }
  return touched ? compilePolicy({ ...p.document, statements }, { id: p.id, kind: p.kind }) : p;
}

function variantSets(
  sets: PolicySets,
  best: boolean,
  unknown: (key: string) => boolean,
  found: Found,
): PolicySets {
  const each = (ps: readonly CompiledPolicy[] | undefined) =>
    ps?.map((p) => variant(p, best, unknown, found));
  return {
    ...sets,
    identity: each(sets.identity),
    boundary: each(sets.boundary),
    session: each(sets.session),
    resource: each(sets.resource),
  };
}

/** The conditional statements that applied in an explanation, of one effect. */
function applied(x: Explanation, found: Found, effect: 'Allow' | 'Deny'): ConditionalStatement[] {
  const out: ConditionalStatement[] = [];
  for (const set of x.sets)
    for (const p of set.policies)
      for (const st of p.statements) {
        const c = found.get(at(set.set, p.policyId, st.index));
        if (c && st.applies && c.effect === effect) out.push(c);
      }
  return out;
}

/**
 * The two verdicts when they differ; undefined when every request gets the same one.
 *
 * @example
 * const u = undecidedVerdict(request, { identity }, (k) => k.toLowerCase() === 'aws:sourceip');
 * u?.keys; // → ['aws:SourceIp']
 */
export function undecidedVerdict(
  request: AuthorizationRequest,
  sets: PolicySets,
  unknown: (key: string) => boolean,
): Undecided | undefined {
  const found: Found = new Map();
  const bestSets = variantSets(sets, true, unknown, found);
  if (found.size === 0) return undefined;
  const worstSets = variantSets(sets, false, unknown, found);
  const best = explainRequest(request, bestSets);
  const worst = explainRequest(request, worstSets);
  if (best.decision === worst.decision) return undefined;
  const statements = [...applied(worst, found, 'Deny'), ...applied(best, found, 'Allow')];
  const keys = new Map<string, string>();
  for (const st of statements)
    for (const c of st.clauses)
      if (!keys.has(c.key.toLowerCase())) keys.set(c.key.toLowerCase(), c.key);
  return { keys: [...keys.values()], statements, best, worst };
}
