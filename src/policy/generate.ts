/**
 * Least-privilege policy generation (`irsa policy generate`): from what a role's sessions
 * actually did — (action, resource) pairs taken from the audit trail — the smallest identity
 * policy that allows exactly that, and a diff against the role's current policies: what
 * nothing used, what they grant beyond what was used (wildcard actions and resources), and
 * every refused call with what refused it. Pure: the caller reads the trail and the role; this
 * module only reasons about policies.
 *
 * "Smallest" here means: exact resource ARNs, one statement per group of resources that need
 * the same actions, actions listed (never `service:*`), and an object prefix (`bucket/dir/*`)
 * only where many distinct objects under one folder were used. Resource ARNs are written with
 * IAM's escapes (`${*}`, `${?}`, `${$}`), so that a key holding `*` or `${…}` names itself.
 */
import { parseArn } from './arn.js';
import { type CompiledPolicy, type CompiledStatement, compilePolicy } from './compile-policy.js';
import { createContext } from './context.js';
import {
  type AuthorizationRequest,
  evaluateRequest,
  prepareRequest,
  statementApplies,
} from './evaluate.js';
import { matchGlob } from './glob.js';
import { parsePolicyValue } from './parse-policy.js';
import type { RequestPrincipal } from './types.js';
import { validatePolicy } from './validate-policy.js';

/** One thing the role's sessions did (or tried), as the audit trail recorded it. */
export interface Usage {
  action: string;
  resource: string;
  /** how many calls */
  count: number;
  /** whether the calls were allowed; refused attempts are reported, not granted by default */
  allowed: boolean;
  /**
   * what refused the calls, in plain words, when the trail says (`the bucket policy`, `an
   * explicit Deny in the permissions boundary: …`): a call the role's identity policies allow
   * may still be refused by a resource policy, a session policy or a boundary
   */
  refusedBy?: string | undefined;
}

export interface GenerateOptions {
  /** the role the policy is for (its sessions are the principal when checking the result) */
  roleArn: string;
  /** distinct objects under one folder from which `folder/*` is used (default 5) */
  prefixThreshold?: number;
  /** also grant what was refused (default false: refused calls are listed as missing) */
  includeDenied?: boolean;
  /** the role's current identity policies, for the diff */
  current?: readonly { name: string; document: unknown }[];
}

export interface PolicyStatementOut {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface GeneratedPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatementOut[];
}

export interface UnusedGrant {
  policy: string;
  statement: number;
  sid?: string | undefined;
  /** the statement's action patterns that no call used */
  actions: string[];
  /** true when no call matched the statement at all */
  wholeStatement: boolean;
}

/** A refused call (merged per action and resource), and what refused it. */
export interface RefusedCall {
  action: string;
  resource: string;
  count: number;
  /** what refused it, as the trail said (several when its calls were refused differently) */
  refusedBy?: string[] | undefined;
  /**
   * whether the role's current identity policies allow it: then something else refused it (a
   * resource policy, a boundary, a session policy), or the policies changed since
   */
  identityAllows: boolean;
}

/**
 * A current statement that grants more than the calls made through it: wildcard actions
 * (`s3:*`, `s3:Get*`) covering actions not used, `Resource: "*"` or a wildcard resource wider
 * than the ARNs used, NotAction / NotResource.
 */
export interface BroaderGrant {
  policy: string;
  statement: number;
  sid?: string | undefined;
  /** the statement's action patterns wider than the actions used (wildcards, or its NotAction) */
  actions: string[];
  /** the statement's resource patterns wider than the ARNs used (wildcards, or its NotResource) */
  resources: string[];
  /** what was done through the statement: `action on resource` */
  used: string[];
}

export interface GenerateResult {
  policy: GeneratedPolicy;
  /** the policy's text, as written to the file */
  text: string;
  /** every refused call, with what refused it (granted only with `includeDenied`) */
  missing: RefusedCall[];
  /** grants in the current policies that nothing used */
  unused: UnusedGrant[];
  /** grants in the current policies wider than what was used through them */
  broader: BroaderGrant[];
  /** calls the generated policy covers */
  covered: number;
}

/** Actions that need no permission, which a policy must not bother granting. */
const FREE_ACTIONS = new Set(['sts:getcalleridentity']);

function sessionPrincipal(roleArn: string): RequestPrincipal {
  const arn = parseArn(roleArn);
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  return {
    type: 'AssumedRole',
    id: `arn:${arn?.partition ?? 'aws'}:sts::${arn?.account ?? ''}:assumed-role/${name}/irsa-policy-generate`,
    account: arn?.account,
    partition: arn?.partition ?? 'aws',
    roleArn,
  };
}

/**
 * A resource ARN as a policy names it. Only an S3 object key can hold IAM's special characters:
 * there they are escaped (`*` → `${*}`, `?` → `${?}`, `$` → `${$}`), so that they match only
 * themselves. Elsewhere a `*` is the listing's own wildcard (DynamoDB's `table/*`, EKS's
 * `cluster/*`: no name holds one) and stays; s3:ListAllMyBuckets, which has no resource type,
 * is `*`, as AWS's examples write it.
 *
 * @example
 * policyResource('arn:aws:s3:::b/x*y') // → 'arn:aws:s3:::b/x${*}y'
 * policyResource('arn:aws:s3:::*') // → '*'
 */
export function policyResource(arn: string): string {
  if (arn === '*' || /^arn:[^:]+:s3:::\*$/.test(arn)) return '*';
  if (!/^arn:[^:]+:s3:::[^/]+\//.test(arn)) return arn;
  return arn.replace(/[$*?]/g, (c) => `\${${c}}`);
}

/**
 * The object ARNs of one bucket, folded into `folder/*` where a folder has many objects;
 * written as policy resources (escaped, but for the fold's own `*`).
 */
function foldObjects(bucketArn: string, keys: readonly string[], threshold: number): string[] {
  const byFolder = new Map<string, Set<string>>();
  for (const k of keys) {
    const slash = k.lastIndexOf('/');
    const folder = slash < 0 ? '' : k.slice(0, slash + 1);
    const set = byFolder.get(folder) ?? new Set<string>();
    set.add(k);
    byFolder.set(folder, set);
  }
  const out: string[] = [];
  for (const [folder, set] of byFolder) {
    if (set.size >= threshold) out.push(`${policyResource(`${bucketArn}/${folder}`)}*`);
    else for (const k of set) out.push(policyResource(`${bucketArn}/${k}`));
  }
  return out;
}

/** Folds S3 object resources per (action, bucket); other resources pass through (escaped). */
function foldResources(
  byAction: ReadonlyMap<string, ReadonlySet<string>>,
  threshold: number,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [action, resources] of byAction) {
    const objects = new Map<string, string[]>();
    const rest = new Set<string>();
    for (const r of resources) {
      const m = /^(arn:[^:]+:s3:::[^/]+)\/(.+)$/.exec(r);
      if (m) objects.set(m[1] as string, [...(objects.get(m[1] as string) ?? []), m[2] as string]);
      else rest.add(policyResource(r));
    }
    for (const [bucket, keys] of objects)
      for (const r of foldObjects(bucket, keys, threshold)) rest.add(r);
    out.set(action, rest);
  }
  return out;
}

function sidFor(service: string, n: number): string {
  const base = service.replace(/[^A-Za-z0-9]/g, '').replace(/^./, (c) => c.toUpperCase());
  return n === 0 ? base : `${base}${n + 1}`;
}

/** The policy's statements: per service, resources that need the same actions share one. */
function statementsOf(byAction: ReadonlyMap<string, ReadonlySet<string>>): PolicyStatementOut[] {
  const actionsByResource = new Map<string, Set<string>>();
  for (const [action, resources] of byAction)
    for (const r of resources) {
      const set = actionsByResource.get(r) ?? new Set<string>();
      set.add(action);
      actionsByResource.set(r, set);
    }
  const groups = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [r, actions] of actionsByResource) {
    const list = [...actions].sort();
    const key = list.join(',');
    const g = groups.get(key) ?? { actions: list, resources: [] };
    g.resources.push(r);
    groups.set(key, g);
  }
  const sorted = [...groups.values()]
    .map((g) => ({ ...g, resources: g.resources.sort() }))
    .sort(
      (a, b) =>
        (a.actions[0] as string).localeCompare(b.actions[0] as string) ||
        (a.resources[0] as string).localeCompare(b.resources[0] as string),
    );
  const perService = new Map<string, number>();
  return sorted.map((g) => {
    const service = (g.actions[0] as string).split(':')[0] as string;
    const n = perService.get(service) ?? 0;
    perService.set(service, n + 1);
    return { Sid: sidFor(service, n), Effect: 'Allow', Action: g.actions, Resource: g.resources };
  });
}

function compileCurrent(
  current: readonly { name: string; document: unknown }[],
): { name: string; policy: CompiledPolicy }[] {
  const out: { name: string; policy: CompiledPolicy }[] = [];
  for (const c of current) {
    const parsed = parsePolicyValue(c.document, { type: 'identity' });
    if (!parsed.ok) continue;
    out.push({
      name: c.name,
      policy: compilePolicy(parsed.document, { id: c.name, kind: 'identity' }),
    });
  }
  return out;
}

const WILDCARD = /[*?]/;

/**
 * How a used statement grants more than what was done through it: its action patterns with a
 * wildcard that calls used (the generated policy lists actions), its NotAction; its resources
 * with a wildcard that the generated policy does not itself use for those actions (it folds
 * many objects of a folder into `folder/*`, and keeps a listing's `table/*`), its NotResource.
 */
function broaderGrant(
  name: string,
  st: CompiledStatement,
  hits: readonly { action: string; resource: string; lower: string }[],
  generated: GeneratedPolicy,
): BroaderGrant {
  const src = st.source;
  const actions = st.notAction
    ? (src.notAction ?? []).map((a) => `NotAction ${a.value}`)
    : (src.action ?? [])
        .filter((a, i) => {
          const g = st.actions?.[i];
          return (
            WILDCARD.test(a.value) && g !== undefined && hits.some((u) => matchGlob(g, u.lower))
          );
        })
        .map((a) => a.value);
  const usedActions = new Set(hits.map((u) => u.lower));
  const generatedFor = new Set(
    generated.Statement.filter((g) =>
      g.Action.some((a) => usedActions.has(a.toLowerCase())),
    ).flatMap((g) => g.Resource),
  );
  const resources = st.notResource
    ? (src.notResource ?? []).map((r) => `NotResource ${r.value}`)
    : (src.resource ?? [])
        .filter((r) => WILDCARD.test(r.value) && !generatedFor.has(r.value))
        .map((r) => r.value);
  const used = [...new Set(hits.map((u) => `${u.action} on ${u.resource}`))].sort();
  return { policy: name, statement: st.index, sid: st.sid, actions, resources, used };
}

/**
 * Generates the least-privilege policy for what a role's sessions did.
 *
 * @example
 * const r = generatePolicy(
 *   [{ action: 's3:GetObject', resource: 'arn:aws:s3:::my-bucket/a.txt', count: 3, allowed: true }],
 *   { roleArn: 'arn:aws:iam::123456789012:role/s3-app-role' },
 * );
 * r.policy.Statement[0] // → { Sid: 'S3', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::my-bucket/a.txt'] }
 */
export function generatePolicy(usage: readonly Usage[], opts: GenerateOptions): GenerateResult {
  const threshold = opts.prefixThreshold ?? 5;
  const wanted = new Map<string, Set<string>>();
  let covered = 0;
  for (const u of usage) {
    if (FREE_ACTIONS.has(u.action.toLowerCase())) continue;
    if (!u.allowed && !opts.includeDenied) continue;
    const set = wanted.get(u.action) ?? new Set<string>();
    set.add(u.resource);
    wanted.set(u.action, set);
    covered += u.count;
  }
  const policy: GeneratedPolicy = {
    Version: '2012-10-17',
    Statement: statementsOf(foldResources(wanted, threshold)),
  };
  const text = `${JSON.stringify(policy, null, 2)}\n`;

  // the result must be a valid identity policy that allows every call it claims to cover
  const principal = sessionPrincipal(opts.roleArn);
  // what the role's identity policies grant: the resource taken as the role's account's, so
  // that a call on another account's resource is not refused for want of its resource policy
  const request = (action: string, resource: string): AuthorizationRequest => ({
    principal,
    action,
    resource,
    resourceAccount: principal.account,
    context: createContext({}),
  });
  if (policy.Statement.length > 0) {
    const parsed = parsePolicyValue(text, { type: 'identity' });
    if (!parsed.ok) throw new Error(`generated policy does not parse: ${parsed.error.message}`);
    const problem = validatePolicy(parsed.document, 'identity')[0];
    if (problem) throw new Error(`generated policy is invalid: ${problem.message}`);
    const generated = compilePolicy(parsed.document, { id: 'generated', kind: 'identity' });
    for (const [action, resources] of wanted)
      for (const resource of resources) {
        const d = evaluateRequest(request(action, resource), { identity: [generated] });
        if (d.decision !== 'allowed')
          throw new Error(`generated policy does not allow ${action} on ${resource}`);
      }
  }

  const current = compileCurrent(opts.current ?? []);
  const identity = current.map((c) => c.policy);
  // every refused call is reported, with what refused it: a call the identity policies allow
  // was refused by a resource policy, a boundary or a session policy (or they changed since).
  // Allowed calls are not checked again: a condition or a resource policy that an empty
  // context here cannot show may have allowed them
  const missing: RefusedCall[] = [];
  const merged = new Map<string, RefusedCall>();
  for (const u of usage) {
    if (u.allowed || FREE_ACTIONS.has(u.action.toLowerCase())) continue;
    const key = `${u.action} ${u.resource}`;
    let m = merged.get(key);
    if (!m) {
      const d = evaluateRequest(request(u.action, u.resource), { identity });
      m = {
        action: u.action,
        resource: u.resource,
        count: 0,
        identityAllows: d.decision === 'allowed',
      };
      merged.set(key, m);
      missing.push(m);
    }
    m.count += u.count;
    if (u.refusedBy !== undefined && !m.refusedBy?.includes(u.refusedBy))
      m.refusedBy = [...(m.refusedBy ?? []), u.refusedBy];
  }

  // what the workload did or tried, refused calls included: a statement that allows a call
  // refused elsewhere (by a bucket policy, a boundary) is what the workload needs, not unused
  const calls = usage.map((u) => ({
    action: u.action,
    resource: u.resource,
    lower: u.action.toLowerCase(),
    prepared: prepareRequest(request(u.action, u.resource), { identity }),
  }));
  const unused: UnusedGrant[] = [];
  const broader: BroaderGrant[] = [];
  for (const { name, policy: p } of current) {
    for (const st of p.statements) {
      if (st.effect !== 'Allow' || st.actions === null) continue;
      const hits = calls.filter((u) => statementApplies(st, u.prepared) !== null);
      const patterns = (st.source.action ?? st.source.notAction ?? []).map((a) => a.value);
      if (st.notAction) {
        if (hits.length === 0)
          unused.push({
            policy: name,
            statement: st.index,
            sid: st.sid,
            actions: patterns,
            wholeStatement: true,
          });
        else broader.push(broaderGrant(name, st, hits, policy));
        continue;
      }
      const idle = patterns.filter((pat, i) => {
        const g = st.actions?.[i];
        return g !== undefined && !hits.some((u) => matchGlob(g, u.lower));
      });
      if (idle.length > 0)
        unused.push({
          policy: name,
          statement: st.index,
          sid: st.sid,
          actions: idle,
          wholeStatement: hits.length === 0,
        });
      if (hits.length > 0) {
        const b = broaderGrant(name, st, hits, policy);
        if (b.actions.length > 0 || b.resources.length > 0) broader.push(b);
      }
    }
  }
  return { policy, text, missing, unused, broader, covered };
}
