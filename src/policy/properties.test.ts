/**
 * Property-based tests of the policy engine: the metamorphic properties of
 * spec/iam-policy.md §15 (over §6–§11), a brute-force reference for same-account decisions
 * (§11), and "decisions never throw". Generators draw from small alphabets of actions,
 * resources and condition keys so that statements really match.
 *
 * Deterministic: FC_SEED overrides the seed, FC_RUNS_SCALE multiplies every run count.
 * fast-check prints the seed and the shrink path of any failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuthorizationRequest,
  type CompiledPolicy,
  type ContextInput,
  compilePolicy,
  createContext,
  type Decision,
  type EvalDecision,
  evaluateRequest,
  explainRequest,
  isSimulationError,
  type PolicySetKind,
  type PolicySets,
  type PolicyType,
  parsePolicy,
  parsePolicyValue,
  principalFromString,
  simulateCase,
  validatePolicy,
} from './index.js';

// ---------------------------------------------------------------------------------------------
// Configuration

const SEED = Number.parseInt(process.env.FC_SEED ?? '', 10);
const FIXED_SEED = Number.isNaN(SEED) ? 20_260_122 : SEED;
const SCALE = Number(process.env.FC_RUNS_SCALE ?? '1') || 1;
const runs = (n: number): fc.Parameters<unknown> => ({
  seed: FIXED_SEED,
  numRuns: Math.max(1, Math.ceil(n * SCALE)),
});
// `fc.assert` wants parameters of the property's own type
const params = <T>(n: number) => runs(n) as fc.Parameters<T>;

const DECISIONS: readonly EvalDecision[] = ['allowed', 'explicitDeny', 'implicitDeny'];

// ---------------------------------------------------------------------------------------------
// Alphabets

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const USER = `arn:aws:iam::${ACCOUNT}:user/ana`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app/pod-1`;
const OTHER_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/batch/job-7`;
const OTHER_USER = `arn:aws:iam::${OTHER_ACCOUNT}:user/bob`;
const FEDERATED = `arn:aws:sts::${ACCOUNT}:federated-user/fed`;

/** Request actions: every one of them is named by some pattern below. */
const ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  'sqs:SendMessage',
  'dynamodb:GetItem',
  'iam:PassRole',
] as const;

const ACTION_PATTERNS = [
  ...ACTIONS,
  's3:*',
  's3:Get*',
  's3:*Object',
  's3:Get?bject',
  'sqs:*',
  'dynamodb:Get*',
  'iam:Pass*',
  's3:getobject',
  '*:Get*',
  '*',
] as const;

const SCP_ACTION_PATTERNS = ['*', '*', 's3:*', 's3:*', 'sqs:*', 'dynamodb:*', 'iam:*'] as const;

/** Request resources, all in ACCOUNT (so same-account unless the principal is elsewhere). */
const RESOURCES = [
  'arn:aws:s3:::bucket-a',
  'arn:aws:s3:::bucket-a/home/ana/notes.txt',
  'arn:aws:s3:::bucket-a/public/index.html',
  'arn:aws:s3:::bucket-b/report.csv',
  `arn:aws:sqs:us-east-1:${ACCOUNT}:queue-1`,
  `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`,
  ROLE,
] as const;
const CROSS_ACCOUNT_RESOURCE = `arn:aws:sqs:us-east-1:${OTHER_ACCOUNT}:queue-2`;

const RESOURCE_PATTERNS = [
  '*',
  '*',
  'arn:aws:s3:::bucket-a',
  'arn:aws:s3:::bucket-a/*',
  'arn:aws:s3:::bucket-a/home/*',
  'arn:aws:s3:::bucket-*',
  'arn:aws:s3:::*/public/*',
  'arn:aws:s3:::bucket-b/report.csv',
  'arn:aws:s3:::bucket-?/report.csv',
  'arn:aws:s3:::bucket-a/home/${aws:username}/*',
  `arn:aws:sqs:us-east-1:${ACCOUNT}:queue-1`,
  `arn:aws:sqs:*:${ACCOUNT}:*`,
  `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*`,
  `arn:aws:iam::${ACCOUNT}:role/*`,
] as const;

/** Values a resource policy's `Principal.AWS` may list. */
const PRINCIPAL_VALUES = [
  USER,
  ROLE,
  SESSION,
  FEDERATED,
  ACCOUNT,
  `arn:aws:iam::${ACCOUNT}:root`,
  OTHER_USER,
  `arn:aws:iam::${OTHER_ACCOUNT}:root`,
] as const;

interface KeyDef {
  name: string;
  /** a set-valued key (§8): only set operators are generated for it */
  multi: boolean;
  /** policy values for exact operators */
  exact: readonly string[];
  /** policy values for `…Like` operators */
  like: readonly string[];
  /** values a request may carry */
  observed: readonly string[];
}

const KEYS: readonly KeyDef[] = [
  {
    name: 'aws:PrincipalTag/team',
    multi: false,
    exact: ['blue', 'red', 'Blue', 'green'],
    like: ['bl*', 'r?d', '*', '*e*'],
    observed: ['blue', 'red', 'Blue', 'green', 'purple'],
  },
  {
    name: 'aws:RequestedRegion',
    multi: false,
    exact: ['us-east-1', 'eu-west-1', 'us-west-2'],
    like: ['us-*', '*-1', 'eu-*'],
    observed: ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-south-1'],
  },
  {
    name: 's3:prefix',
    multi: false,
    exact: ['home/ana/', 'home/bob/', 'public/'],
    like: ['home/*', 'public/*', '*/ana/*', 'home/???/', 'home/${aws:username}/*'],
    observed: ['home/ana/', 'home/bob/', 'public/', 'home/carol/', ''],
  },
  {
    name: 'aws:SourceVpc',
    multi: false,
    exact: ['vpc-111', 'vpc-222'],
    like: ['vpc-*', 'vpc-1??'],
    observed: ['vpc-111', 'vpc-222', 'vpc-1a2', 'vpc-999'],
  },
  {
    name: 'aws:username',
    multi: false,
    exact: ['ana', 'bob'],
    like: ['a*', '?o?'],
    observed: ['ana', 'bob', 'carol'],
  },
  {
    name: 'aws:TagKeys',
    multi: true,
    exact: ['team', 'env', 'cost'],
    like: ['t*', 'e?v', '*'],
    observed: ['team', 'env', 'cost', 'owner'],
  },
];

const REF_OPS = ['StringEquals', 'StringLike', 'StringNotEquals'] as const;
const GENERAL_OPS = [
  ...REF_OPS,
  'StringNotLike',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringEqualsIfExists',
  'StringLikeIfExists',
] as const;
const GENERAL_SET_OPS = [
  'ForAnyValue:StringEquals',
  'ForAllValues:StringEquals',
  'ForAllValues:StringLike',
  'ForAnyValue:StringNotLike',
] as const;
const IGNORE_CASE_OPS = ['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'] as const;
const IGNORE_CASE_SET_OPS = [
  'ForAnyValue:StringEqualsIgnoreCase',
  'ForAllValues:StringEqualsIgnoreCase',
  'ForAllValues:StringNotEqualsIgnoreCase',
] as const;

// ---------------------------------------------------------------------------------------------
// The model: scenarios as plain data, rendered to JSON text and compiled per run

type Effect = 'Allow' | 'Deny';
type SetName = 'identity' | 'boundary' | 'session' | 'resource' | 'scp' | 'rcp';

interface Cond {
  op: string;
  key: string;
  values: string[];
}

interface Stmt {
  sid: string;
  effect: Effect;
  actions: string[];
  resources: string[];
  /** `NotAction` / `NotResource` instead of `Action` / `Resource` */
  notAction: boolean;
  notResource: boolean;
  conditions: Cond[];
  /** resource-side statements only: `"*"` or `Principal.AWS` values */
  principal?: '*' | string[] | undefined;
}

interface Pol {
  id: string;
  statements: Stmt[];
  /** AWS's RCPFullAWSAccess, attached at every RCP level (§11 step 2); not a generated policy */
  fullAccess?: boolean;
}

interface Scenario {
  principal: string;
  identity: Pol[];
  boundary: Pol[];
  session: Pol[];
  resourcePolicy: Pol[];
  scps: Pol[][] | undefined;
  rcps: Pol[][] | undefined;
  request: { action: string; resource: string; context: Record<string, string | string[]> };
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** How a document is written out: scalar-or-array choices, whitespace, key order. */
interface Style {
  /** write this one-element list as a bare scalar? */
  scalar(): boolean;
  /** whitespace to put between two tokens */
  ws(): string;
  /** the order in which an object's members are written */
  order<T>(xs: T[]): T[];
}

const PLAIN: Style = { scalar: () => false, ws: () => '', order: (xs) => xs };

function docJson(pol: Pol, style: Style): Json {
  const list = (xs: readonly string[]): Json =>
    xs.length === 1 && style.scalar() ? (xs[0] as string) : [...xs];
  const statements = pol.statements.map((st): Json => {
    const o: Record<string, Json> = { Sid: st.sid, Effect: st.effect };
    if (st.principal !== undefined) {
      o.Principal = st.principal === '*' ? '*' : { AWS: list(st.principal) };
    }
    o[st.notAction ? 'NotAction' : 'Action'] = list(st.actions);
    o[st.notResource ? 'NotResource' : 'Resource'] = list(st.resources);
    if (st.conditions.length > 0) {
      const block: Record<string, Record<string, Json>> = {};
      for (const c of st.conditions) {
        block[c.op] ??= {};
        (block[c.op] as Record<string, Json>)[c.key] = list(c.values);
      }
      o.Condition = block;
    }
    return o;
  });
  const statement: Json =
    statements.length === 1 && style.scalar() ? (statements[0] as Json) : statements;
  return { Version: '2012-10-17', Statement: statement };
}

function serialize(v: Json, style: Style): string {
  if (Array.isArray(v)) {
    let out = `[${style.ws()}`;
    v.forEach((x, i) => {
      if (i > 0) out += `${style.ws()},${style.ws()}`;
      out += serialize(x, style);
    });
    return `${out}${style.ws()}]`;
  }
  if (v !== null && typeof v === 'object') {
    let out = `{${style.ws()}`;
    style.order(Object.entries(v)).forEach(([k, x], i) => {
      if (i > 0) out += `${style.ws()},${style.ws()}`;
      out += `${JSON.stringify(k)}${style.ws()}:${style.ws()}${serialize(x, style)}`;
    });
    return `${out}${style.ws()}}`;
  }
  return JSON.stringify(v);
}

const POLICY_TYPE: Record<SetName, PolicyType> = {
  identity: 'identity',
  boundary: 'boundary',
  session: 'session',
  resource: 'resource',
  scp: 'scp',
  rcp: 'rcp',
};

function compileText(text: string, id: string, set: SetName, validate: boolean): CompiledPolicy {
  const type = POLICY_TYPE[set];
  const parsed = parsePolicy(text, { type });
  if (!parsed.ok) {
    throw new Error(`generated ${set} policy does not parse: ${parsed.error.detail}\n${text}`);
  }
  if (validate) {
    const problem = validatePolicy(parsed.document, type, { mode: 'evaluate' })[0];
    if (problem) throw new Error(`generated ${set} policy is invalid: ${problem.message}\n${text}`);
  }
  return compilePolicy(parsed.document, { id, kind: set as PolicySetKind });
}

function compilePol(pol: Pol, set: SetName, style: Style): CompiledPolicy {
  return compileText(serialize(docJson(pol, style), style), pol.id, set, true);
}

function setsOf(s: Scenario, style: Style = PLAIN): PolicySets {
  const all = (pols: Pol[], set: SetName) => pols.map((p) => compilePol(p, set, style));
  return {
    identity: all(s.identity, 'identity'),
    boundary: all(s.boundary, 'boundary'),
    session: all(s.session, 'session'),
    resource: all(s.resourcePolicy, 'resource'),
    scps: s.scps?.map((level) => all(level, 'scp')),
    rcps: s.rcps?.map((level) => all(level, 'rcp')),
  };
}

function requestOf(s: Scenario): AuthorizationRequest {
  const principal = principalFromString(s.principal);
  if (!principal) throw new Error(`bad generated principal ${s.principal}`);
  return {
    principal,
    action: s.request.action,
    resource: s.request.resource,
    context: createContext(s.request.context),
  };
}

function decideScenario(s: Scenario, style: Style = PLAIN): Decision {
  return evaluateRequest(requestOf(s), setsOf(s, style));
}

/** The scenario as an `irsa simulate` case (RCP levels without the implicit RCPFullAWSAccess). */
function caseOf(s: Scenario, rcps?: Pol[][]): Record<string, unknown> {
  const doc = (p: Pol) => ({ id: p.id, document: docJson(p, PLAIN) });
  const first = s.resourcePolicy[0];
  return {
    id: 'case',
    identityPolicies: s.identity.map(doc),
    permissionBoundaries: s.boundary.map(doc),
    sessionPolicies: s.session.length > 0 ? s.session.map(doc) : undefined,
    resourcePolicy: first ? doc(first) : undefined,
    scps: s.scps?.map((level) => level.map(doc)),
    rcps: rcps?.map((level) => level.filter((p) => !p.fullAccess).map(doc)),
    request: {
      principal: s.principal,
      action: s.request.action,
      resource: s.request.resource,
      context: s.request.context,
    },
  };
}

function simulated(c: Record<string, unknown>): EvalDecision {
  const r = simulateCase(c);
  if (isSimulationError(r)) throw new Error(`simulateCase rejected the case: ${r.error.message}`);
  return r.decision;
}

/** A decision with everything that depends on positions (statement index) left out. */
function fingerprint(d: Decision) {
  return {
    decision: d.decision,
    matched: d.matched
      .map((m) => `${m.policyType}:${m.level ?? '-'}:${m.policyId}:${m.sid}:${m.effect}`)
      .sort(),
    missing: d.missing.map((m) => `${m.set}:${m.level ?? '-'}`).sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers driven by a generated seed

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function recase(s: string, rnd: () => number): string {
  let out = '';
  for (const c of s) out += rnd() < 0.5 ? c.toUpperCase() : c.toLowerCase();
  return out;
}

/** Recases the key names of the `${…}` policy variables in `s` (§9: they are case-insensitive). */
function recaseVariables(s: string, rnd: () => number): string {
  return s.replace(/\$\{([^}]*)\}/g, (_, name: string) => `\${${recase(name, rnd)}}`);
}

const clone = (s: Scenario): Scenario => structuredClone(s);

/** Applies `f` to every policy of every set (SCP/RCP levels included). */
function eachPolicy(s: Scenario, f: (p: Pol, set: SetName) => void): void {
  for (const p of s.identity) f(p, 'identity');
  for (const p of s.boundary) f(p, 'boundary');
  for (const p of s.session) f(p, 'session');
  for (const p of s.resourcePolicy) f(p, 'resource');
  for (const level of s.scps ?? []) for (const p of level) f(p, 'scp');
  for (const level of s.rcps ?? []) for (const p of level) f(p, 'rcp');
}

// ---------------------------------------------------------------------------------------------
// Generators

interface GenOptions {
  principals: readonly string[];
  ops: readonly string[];
  setOps: readonly string[];
  resources: readonly string[];
  rcps: boolean;
}

const spelling = (name: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    name,
    name.toLowerCase(),
    name.toUpperCase(),
    [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join(''),
  );

const isLike = (op: string) => op.includes('Like');

function condArb(o: GenOptions): fc.Arbitrary<Cond> {
  const keys = KEYS.filter((k) => !k.multi || o.setOps.length > 0);
  return fc.constantFrom(...keys).chain((k) =>
    fc
      .record({ op: fc.constantFrom(...(k.multi ? o.setOps : o.ops)), key: spelling(k.name) })
      .chain(({ op, key }) =>
        fc
          .uniqueArray(fc.constantFrom(...(isLike(op) ? k.like : k.exact)), {
            minLength: 1,
            maxLength: 3,
          })
          .map((values) => ({ op, key, values })),
      ),
  );
}

const condsArb = (o: GenOptions) =>
  fc.uniqueArray(condArb(o), {
    maxLength: 2,
    // one key at most once per operator block, whatever its spelling
    selector: (c) => `${c.op}|${c.key.toLowerCase()}`,
  });

const effectArb = (allowWeight: number, denyWeight: number): fc.Arbitrary<Effect> =>
  fc.oneof(
    { weight: allowWeight, arbitrary: fc.constant<Effect>('Allow') },
    { weight: denyWeight, arbitrary: fc.constant<Effect>('Deny') },
  );

const resourcePrincipalArb: fc.Arbitrary<'*' | string[]> = fc.oneof(
  fc.constant<'*'>('*'),
  fc.uniqueArray(fc.constantFrom(...PRINCIPAL_VALUES), { minLength: 1, maxLength: 2 }),
);

/** The request a statement is drawn for: its action and resource are favoured, so it matches. */
interface Hint {
  action: string;
  resource: string;
}

/** Draws from `pool`, or one time in three the hinted value. */
const favouring = (pool: readonly string[], hinted: string | undefined): fc.Arbitrary<string> =>
  hinted === undefined
    ? fc.constantFrom(...pool)
    : fc.oneof(
        { weight: 1, arbitrary: fc.constant(hinted) },
        { weight: 2, arbitrary: fc.constantFrom(...pool) },
      );

function stmtArb(
  o: GenOptions,
  effect: fc.Arbitrary<Effect>,
  extra: {
    principal?: fc.Arbitrary<'*' | string[] | undefined>;
    actions?: readonly string[];
    hint?: Hint | undefined;
  } = {},
): fc.Arbitrary<Stmt> {
  return fc.record({
    sid: fc.constant(''),
    effect,
    actions: fc.uniqueArray(favouring(extra.actions ?? ACTION_PATTERNS, extra.hint?.action), {
      minLength: 1,
      maxLength: 3,
    }),
    resources: fc.uniqueArray(favouring(RESOURCE_PATTERNS, extra.hint?.resource), {
      minLength: 1,
      maxLength: 2,
    }),
    notAction: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
    notResource: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
    conditions: fc.oneof(fc.constant<Cond[]>([]), condsArb(o)),
    principal: extra.principal ?? fc.constant(undefined),
  });
}

const polArb = (st: fc.Arbitrary<Stmt>, maxStatements = 3): fc.Arbitrary<Pol> =>
  fc
    .array(st, { minLength: 1, maxLength: maxStatements })
    .map((statements) => ({ id: '', statements }));

const fullAccessRcp = (): Pol => ({
  id: 'RCPFullAWSAccess',
  fullAccess: true,
  statements: [
    {
      sid: 'FullAccess',
      effect: 'Allow',
      actions: ['*'],
      resources: ['*'],
      notAction: false,
      notResource: false,
      conditions: [],
      principal: '*',
    },
  ],
});

function contextArb(o: GenOptions): fc.Arbitrary<Record<string, string | string[]>> {
  const keys = KEYS.filter((k) => !k.multi || o.setOps.length > 0);
  return fc
    .tuple(
      ...keys.map((k) =>
        fc.option(
          fc.tuple(
            spelling(k.name),
            k.multi
              ? fc.uniqueArray(fc.constantFrom(...k.observed), { maxLength: 3 })
              : fc.constantFrom(...k.observed),
          ),
          { freq: 3 },
        ),
      ),
    )
    .map((entries) => {
      const ctx: Record<string, string | string[]> = {};
      for (const e of entries) if (e) ctx[e[0]] = e[1];
      return ctx;
    });
}

/** Gives every policy a unique id and every statement a Sid unique within its policy. */
function named(s: Scenario): Scenario {
  const name = (pols: Pol[], prefix: string) =>
    pols.forEach((p, i) => {
      if (!p.fullAccess) p.id = `${prefix}-${i}`;
      p.statements.forEach((st, j) => {
        if (!p.fullAccess) st.sid = `S${j}`;
      });
    });
  name(s.identity, 'identity');
  name(s.boundary, 'boundary');
  name(s.session, 'session');
  name(s.resourcePolicy, 'resource');
  s.scps?.forEach((level, l) => {
    name(level, `scp-${l}`);
  });
  s.rcps?.forEach((level, l) => {
    name(level, `rcp-${l}`);
  });
  return s;
}

function requestArb(o: GenOptions): fc.Arbitrary<Scenario['request']> {
  return fc.record({
    action: fc.constantFrom(...ACTIONS),
    resource: fc.constantFrom(...o.resources),
    context: contextArb(o),
  });
}

function scenarioArb(o: GenOptions): fc.Arbitrary<Scenario> {
  const none = <T>() => fc.constant<T[]>([]);
  return fc
    .tuple(fc.constantFrom(...o.principals), requestArb(o))
    .chain(([principal, request]) => {
      const hint: Hint = request;
      const identityStmt = stmtArb(o, effectArb(5, 1), { hint });
      const boundaryStmt = stmtArb(o, effectArb(6, 1), { hint });
      const sessionStmt = stmtArb(o, effectArb(6, 1), { hint });
      const resourceStmt = stmtArb(o, effectArb(4, 1), { principal: resourcePrincipalArb, hint });
      const scpStmt = fc.oneof(
        {
          weight: 5,
          arbitrary: stmtArb(o, effectArb(1, 0), { actions: SCP_ACTION_PATTERNS, hint }),
        },
        { weight: 1, arbitrary: stmtArb(o, effectArb(0, 1), { hint }) },
      );
      const rcpDeny = stmtArb(o, effectArb(0, 1), { principal: fc.constant<'*'>('*'), hint });
      const scpLevels = fc.option(
        fc.array(fc.array(polArb(scpStmt, 2), { minLength: 1, maxLength: 2 }), {
          minLength: 1,
          maxLength: 2,
        }),
        { freq: 2, nil: undefined },
      );
      const rcpLevels = o.rcps
        ? fc.option(
            fc.array(
              // RCPFullAWSAccess is implicit (§11 step 2): listing it must change nothing
              fc
                .tuple(fc.boolean(), fc.array(polArb(rcpDeny, 2), { maxLength: 1 }))
                .map(([listed, custom]) => (listed ? [fullAccessRcp(), ...custom] : custom)),
              { minLength: 1, maxLength: 2 },
            ),
            { freq: 3, nil: undefined },
          )
        : fc.constant(undefined);
      const isSession = /:(assumed-role|federated-user)\//.test(principal);
      return fc.record({
        principal: fc.constant(principal),
        identity: fc.array(polArb(identityStmt), { maxLength: 3 }),
        boundary: fc.oneof(
          { weight: 2, arbitrary: none<Pol>() },
          { weight: 1, arbitrary: polArb(boundaryStmt).map((p) => [p]) },
        ),
        session: isSession
          ? fc.oneof(
              { weight: 2, arbitrary: none<Pol>() },
              {
                weight: 1,
                arbitrary: fc.array(polArb(sessionStmt, 2), { minLength: 1, maxLength: 2 }),
              },
            )
          : none<Pol>(),
        resourcePolicy: fc.oneof(
          { weight: 2, arbitrary: none<Pol>() },
          { weight: 1, arbitrary: polArb(resourceStmt).map((p) => [p]) },
        ),
        scps: scpLevels,
        rcps: rcpLevels,
        request: fc.constant(request),
      });
    })
    .map(named);
}

/** A scenario and a statement of the given effect drawn for its request. */
const withStatement = (o: GenOptions, effect: Effect) => (arb: fc.Arbitrary<Scenario>) =>
  arb.chain((s) =>
    fc.tuple(
      fc.constant(s),
      stmtArb(o, fc.constant(effect), { principal: resourcePrincipalArb, hint: s.request }),
    ),
  );

const GENERAL: GenOptions = {
  principals: [USER, USER, SESSION, SESSION, OTHER_SESSION, OTHER_USER, ACCOUNT, FEDERATED],
  ops: GENERAL_OPS,
  setOps: GENERAL_SET_OPS,
  resources: [...RESOURCES, CROSS_ACCOUNT_RESOURCE],
  rcps: true,
};

/** Same-account IAM users and role sessions, and only the shapes the reference models. */
const REFERENCE: GenOptions = {
  principals: [USER, SESSION, OTHER_SESSION],
  ops: REF_OPS,
  setOps: [],
  resources: RESOURCES,
  rcps: false,
};

/** The reference's wider reach: root, federated users, another account's user, RCPs. */
const REFERENCE_WIDE: GenOptions = {
  ...REFERENCE,
  principals: [USER, SESSION, FEDERATED, ACCOUNT, OTHER_USER],
  resources: [...RESOURCES, CROSS_ACCOUNT_RESOURCE],
  rcps: true,
};

const IGNORE_CASE: GenOptions = {
  ...GENERAL,
  ops: IGNORE_CASE_OPS,
  setOps: IGNORE_CASE_SET_OPS,
};

const generalScenario = scenarioArb(GENERAL);

// ---------------------------------------------------------------------------------------------
// Single-condition helpers (properties 7–10)

const PROBE_REQUEST = {
  principal: USER,
  action: 's3:GetObject',
  resource: 'arn:aws:s3:::bucket-a/k',
};

/** Whether an Allow whose only condition is `op: { key: values }` grants the request. */
function conditionApplies(op: string, key: string, values: readonly string[], ctx: ContextInput) {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: PROBE_REQUEST.action,
      Resource: '*',
      Condition: { [op]: { [key]: values } },
    },
  });
  const d = evaluateRequest(
    {
      principal: principalFromString(PROBE_REQUEST.principal)!,
      action: PROBE_REQUEST.action,
      resource: PROBE_REQUEST.resource,
      context: createContext(ctx),
    },
    { identity: [compileText(text, 'probe', 'identity', true)] },
  );
  if (d.decision === 'explicitDeny') throw new Error('an Allow cannot deny');
  return d.decision === 'allowed';
}

interface Family {
  name: string;
  key: string;
  /** [positive, negated] operator pairs of this family */
  pairs: readonly (readonly [string, string])[];
  policy: readonly string[];
  actual: readonly string[];
}

const FAMILIES: readonly Family[] = [
  {
    name: 'String',
    key: 'aws:PrincipalTag/team',
    pairs: [
      ['StringEquals', 'StringNotEquals'],
      ['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'],
    ],
    policy: ['a', 'b', 'A', 'ab', 'al*', ''],
    actual: ['a', 'b', 'A', 'ab', 'B', 'al*', 'alice', ''],
  },
  {
    name: 'Like',
    key: 's3:prefix',
    pairs: [['StringLike', 'StringNotLike']],
    policy: ['a*', '*b', '?', 'a?', '*', 'ab', 'A*', 'home/*/x'],
    actual: ['a', 'ab', 'b', 'ba', '', 'Ab', 'home/ana/x', 'home/x'],
  },
  {
    name: 'Arn',
    key: 'aws:SourceArn',
    pairs: [
      ['ArnLike', 'ArnNotLike'],
      ['ArnEquals', 'ArnNotEquals'],
    ],
    policy: [
      'arn:aws:s3:::bucket-a/*',
      `arn:aws:sqs:*:${ACCOUNT}:queue-?`,
      ROLE,
      'arn:aws:*:*:*:*',
      `arn:aws:sns:us-east-1:${ACCOUNT}:topic`,
    ],
    actual: [
      'arn:aws:s3:::bucket-a/k',
      `arn:aws:sqs:eu-west-1:${ACCOUNT}:queue-1`,
      `arn:aws:sqs:eu-west-1:${ACCOUNT}:queue-10`,
      ROLE,
      `arn:aws:iam::${ACCOUNT}:role/other`,
      `arn:aws:sns:us-east-1:${ACCOUNT}:topic`,
    ],
  },
  {
    name: 'Numeric',
    key: 'aws:MultiFactorAuthAge',
    pairs: [['NumericEquals', 'NumericNotEquals']],
    policy: ['0', '1', '10', '10.0', '-3', '2.50', '3600'],
    actual: ['0', '1', '10', '10.00', '-3', '2.5', '7', '3600'],
  },
  {
    name: 'Date',
    key: 'aws:CurrentTime',
    pairs: [['DateEquals', 'DateNotEquals']],
    policy: ['2026-01-01T00:00:00Z', '2026-01-01', '1767225600', '2025-12-31T23:59:59Z'],
    actual: [
      '2026-01-01T00:00:00Z',
      '2026-01-01T01:00:00+01:00',
      '1767225600',
      '2025-12-31T23:59:59Z',
      '2026-06-30T12:00:00Z',
    ],
  },
  {
    name: 'Ip',
    key: 'aws:SourceIp',
    pairs: [['IpAddress', 'NotIpAddress']],
    policy: ['10.0.0.0/8', '10.1.2.3', '192.168.0.0/16', '2001:db8::/32'],
    actual: ['10.1.2.3', '10.200.0.1', '192.168.1.1', '2001:db8::1', '8.8.8.8', '2001:db9::1'],
  },
];

/** Every non-Null base operator with its family's values. */
const BASE_OPS: readonly { op: string; family: Family }[] = [
  ...FAMILIES.flatMap((f) => f.pairs.flatMap(([p, n]) => [p, n].map((op) => ({ op, family: f })))),
  ...[
    'NumericLessThan',
    'NumericLessThanEquals',
    'NumericGreaterThan',
    'NumericGreaterThanEquals',
  ].map((op) => ({ op, family: FAMILIES[3] as Family })),
  ...['DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'].map(
    (op) => ({ op, family: FAMILIES[4] as Family }),
  ),
  {
    op: 'Bool',
    family: {
      name: 'Bool',
      key: 'aws:SecureTransport',
      pairs: [],
      policy: ['true', 'false'],
      actual: ['true', 'false', 'TRUE'],
    },
  },
];

const policyValues = (f: Family) =>
  fc.uniqueArray(fc.constantFrom(...f.policy), { minLength: 1, maxLength: 3 });

// ---------------------------------------------------------------------------------------------
// The brute-force reference (property 11): same account, IAM users and role sessions

/** `*` any run, `?` one character; by plain recursion. */
function refGlob(p: string, s: string): boolean {
  if (p === '') return s === '';
  if (p[0] === '*') {
    for (let i = 0; i <= s.length; i++) if (refGlob(p.slice(1), s.slice(i))) return true;
    return false;
  }
  if (s === '') return false;
  return (p[0] === '?' || p[0] === s[0]) && refGlob(p.slice(1), s.slice(1));
}

function refSplit(arn: string): string[] {
  const parts: string[] = [];
  let rest = arn;
  while (parts.length < 5 && rest.includes(':')) {
    parts.push(rest.slice(0, rest.indexOf(':')));
    rest = rest.slice(rest.indexOf(':') + 1);
  }
  parts.push(rest);
  return parts;
}

function refResource(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const p = refSplit(pattern);
  const r = refSplit(resource);
  if (p.length !== 6 || r.length !== 6) return false;
  return p.every((seg, i) => refGlob(seg, r[i] as string));
}

type Ctx = Record<string, string | string[]>;

function refLookup(ctx: Ctx, key: string): string | string[] | undefined {
  return Object.entries(ctx).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
}

/**
 * Substitutes `${key}` policy variables; undefined when one has no (single) value. The
 * generated context values hold no `*` or `?`, so the result can be read as a pattern.
 */
function refSubstitute(pattern: string, ctx: Ctx): string | undefined {
  let missing = false;
  const out = pattern.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const v = refLookup(ctx, name);
    if (typeof v !== 'string') missing = true;
    return typeof v === 'string' ? v : '';
  });
  return missing ? undefined : out;
}

function refCondition(c: Cond, ctx: Ctx): boolean {
  const v = refLookup(ctx, c.key);
  if (v === undefined) return c.op === 'StringNotEquals';
  if (typeof v !== 'string') throw new Error('the reference models single-valued keys only');
  const values = c.values.map((p) => refSubstitute(p, ctx));
  switch (c.op) {
    case 'StringEquals':
      return values.includes(v);
    case 'StringNotEquals':
      return !values.includes(v);
    case 'StringLike':
      return values.some((p) => p !== undefined && refGlob(p, v));
    default:
      throw new Error(`the reference does not model ${c.op}`);
  }
}

type Grant = 'direct' | 'role' | 'account';
const GRANT_RANK: Record<Grant, number> = { account: 1, role: 2, direct: 3 };

interface Caller {
  arn: string;
  kind: 'root' | 'user' | 'session' | 'federated';
  account: string;
  /** for a role session: the role's ARN */
  role?: string | undefined;
}

function callerOf(principal: string): Caller {
  if (/^\d{12}$/.test(principal)) return { arn: principal, kind: 'root', account: principal };
  const account = principal.split(':')[4] as string;
  const session = /:assumed-role\/([^/]+)\//.exec(principal);
  if (session) {
    return {
      arn: principal,
      kind: 'session',
      account,
      role: `arn:aws:iam::${account}:role/${session[1]}`,
    };
  }
  return {
    arn: principal,
    kind: principal.includes(':federated-user/') ? 'federated' : 'user',
    account,
  };
}

/** How a Principal element names the caller (spec §5), the strongest link. */
function refGrant(principal: '*' | string[], caller: Caller): Grant | undefined {
  if (principal === '*') return 'direct';
  let best: Grant | undefined;
  for (const v of principal) {
    let g: Grant | undefined;
    if (v === caller.arn) g = 'direct';
    else if (v === caller.role) g = 'role';
    else if (v === caller.account || v === `arn:aws:iam::${caller.account}:root`) {
      g = caller.kind === 'root' ? 'direct' : 'account';
    }
    if (g && (!best || GRANT_RANK[g] > GRANT_RANK[best])) best = g;
  }
  return best;
}

function refStatement(st: Stmt, s: Scenario): Grant | undefined {
  const action = s.request.action.toLowerCase();
  const ctx = s.request.context;
  const actionHit = st.actions.some((a) => refGlob(a.toLowerCase(), action));
  if (actionHit === st.notAction) return undefined;
  const resourceHit = st.resources.some((r) => {
    const p = refSubstitute(r, ctx);
    return p !== undefined && refResource(p, s.request.resource);
  });
  if (resourceHit === st.notResource) return undefined;
  if (!st.conditions.every((c) => refCondition(c, s.request.context))) return undefined;
  return st.principal === undefined ? 'direct' : refGrant(st.principal, callerOf(s.principal));
}

interface RefDecision {
  decision: EvalDecision;
  denies: string[];
}

/**
 * §11 written out directly: explicit deny in any consulted set; every SCP and RCP level must
 * allow; then cross-account needs both sides, and same-account grants decide by how they name
 * the caller. The root user's identity-side sets are not consulted.
 */
function reference(s: Scenario): RefDecision {
  const caller = callerOf(s.principal);
  const denies: string[] = [];
  const allows = (pols: Pol[], set: string, level?: number) => {
    let grant: Grant | undefined;
    for (const p of pols) {
      for (const st of p.statements) {
        const g = refStatement(st, s);
        if (!g) continue;
        if (st.effect === 'Deny') denies.push(`${set}:${level ?? '-'}:${p.id}:${st.sid}:Deny`);
        else if (!grant || GRANT_RANK[g] > GRANT_RANK[grant]) grant = g;
      }
    }
    return grant;
  };
  const root = caller.kind === 'root';
  const identity = root || allows(s.identity, 'identity') !== undefined;
  const boundary = root || s.boundary.length === 0 || allows(s.boundary, 'boundary') !== undefined;
  const session =
    root ||
    (s.session.length === 0
      ? caller.kind !== 'federated'
      : allows(s.session, 'session') !== undefined);
  const grant = allows(s.resourcePolicy, 'resource');
  const scps = (s.scps ?? []).map((level, i) => allows(level, 'scp', i) !== undefined);
  // RCPs only deny: RCPFullAWSAccess sits at every level and cannot be detached (§11 step 2)
  for (const [i, level] of (s.rcps ?? []).entries()) allows(level, 'rcp', i);
  denies.sort();
  if (denies.length > 0) return { decision: 'explicitDeny', denies };
  if (!scps.every(Boolean)) return { decision: 'implicitDeny', denies };
  const resourceAccount = refSplit(s.request.resource)[4] || caller.account;
  const allowed =
    resourceAccount !== caller.account
      ? identity && boundary && session && grant !== undefined
      : grant === 'direct' ||
        (grant === 'role' && boundary && session) ||
        (identity && boundary && session);
  return { decision: allowed ? 'allowed' : 'implicitDeny', denies };
}

/** Adds `st` to set `set`: to an existing policy (`where` picks it) or as a new policy. */
function addStatement(
  s: Scenario,
  st: Stmt,
  set: SetName,
  where: number | undefined,
  level: number,
): Scenario {
  const t = clone(s);
  const resourceSide = set === 'resource' || set === 'rcp';
  const added: Stmt = {
    ...st,
    principal: resourceSide ? (set === 'rcp' ? '*' : (st.principal ?? '*')) : undefined,
  };
  const into = (pols: Pol[]) => {
    const custom = pols.filter((p) => !p.fullAccess);
    if (where === undefined || custom.length === 0) {
      pols.push({ id: 'added', statements: [added] });
    } else {
      (custom[where % custom.length] as Pol).statements.push(added);
    }
  };
  switch (set) {
    case 'identity':
      into(t.identity);
      break;
    case 'boundary':
      into(t.boundary);
      break;
    case 'session':
      into(t.session);
      break;
    case 'resource':
      if (t.resourcePolicy.length === 0)
        t.resourcePolicy.push({ id: 'added', statements: [added] });
      else (t.resourcePolicy[0] as Pol).statements.push(added);
      break;
    case 'scp':
      if (!t.scps || t.scps.length === 0) t.scps = [[{ id: 'added', statements: [added] }]];
      else into(t.scps[level % t.scps.length] as Pol[]);
      break;
    case 'rcp':
      if (!t.rcps || t.rcps.length === 0) t.rcps = [[{ id: 'added', statements: [added] }]];
      else into(t.rcps[level % t.rcps.length] as Pol[]);
      break;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Wild inputs (property 12)

const FULL_OPERATORS: readonly string[] = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
].flatMap((b) =>
  ['', 'ForAllValues:', 'ForAnyValue:'].flatMap((pre) => [`${pre}${b}`, `${pre}${b}IfExists`]),
);

const junkString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    '*',
    '?',
    '${aws:username}',
    '${aws:TagKeys}',
    "${aws:PrincipalTag/team, 'x'}",
    '${*}',
    '${',
    '${}',
    'arn',
    'arn:',
    'arn:aws:s3:::',
    'arn:aws:s3:::b/${aws:username}/*',
    'arn:aws:iam::111122223333:role/app',
    '10.0.0.0/8',
    '::ffff:10.0.0.1',
    '2026-01-01T00:00:00Z',
    '1e308',
    'NaN',
    '-0',
    'dGVzdA==',
    'true',
  ),
);
const junkAction = fc.oneof(
  junkString,
  fc.constantFrom(...ACTION_PATTERNS),
  fc.tuple(junkString, junkString).map(([a, b]) => `${a}:${b}`),
);
const junkResource = fc.oneof(
  junkString,
  fc.constantFrom(...RESOURCES, ...RESOURCE_PATTERNS),
  fc
    .tuple(
      fc.constantFrom('arn:aws:s3:::', `arn:aws:sqs:*:${ACCOUNT}:`, 'arn:*:*:*:*:'),
      junkString,
    )
    .map(([a, b]) => a + b),
);
const junkKey = fc.oneof(
  fc.constantFrom(
    ...KEYS.map((k) => k.name),
    'aws:username',
    'AWS:SourceIp',
    'aws:CurrentTime',
    'aws:MultiFactorAuthAge',
    'aws:SecureTransport',
    'aws:SourceArn',
    'aws:CalledVia',
  ),
  junkString,
);
const junkScalar = fc.oneof(junkString, fc.double(), fc.integer(), fc.boolean()) as fc.Arbitrary<
  string | number | boolean
>;
const junkCondValue: fc.Arbitrary<Json> = fc.oneof(
  junkScalar,
  fc.array(junkScalar, { maxLength: 3 }),
);

const junkStatement = (withPrincipal: boolean): fc.Arbitrary<Json> =>
  fc
    .record({
      Effect: fc.constantFrom('Allow', 'Deny'),
      Action: fc.oneof(junkAction, fc.array(junkAction, { minLength: 1, maxLength: 3 })),
      Resource: fc.oneof(junkResource, fc.array(junkResource, { minLength: 1, maxLength: 3 })),
      Condition: fc.dictionary(
        fc.constantFrom(...FULL_OPERATORS),
        fc.dictionary(junkKey, junkCondValue, { maxKeys: 2 }),
        { maxKeys: 2 },
      ),
      notAction: fc.boolean(),
      notResource: fc.boolean(),
      Principal: withPrincipal
        ? fc.oneof(
            fc.constant<Json>('*'),
            fc.record({ AWS: fc.oneof(fc.constantFrom(...PRINCIPAL_VALUES), junkString) }),
          )
        : fc.constant(null),
    })
    .map(({ notAction, notResource, Principal, Action, Resource, ...rest }): Json => {
      const o: Record<string, Json> = { ...rest };
      o[notAction ? 'NotAction' : 'Action'] = Action;
      o[notResource ? 'NotResource' : 'Resource'] = Resource;
      if (Principal !== null) o.Principal = Principal;
      return o;
    });

const junkPolicy = (withPrincipal: boolean): fc.Arbitrary<Json> =>
  fc.record({
    Version: fc.constantFrom('2012-10-17', '2008-10-17'),
    Statement: fc.array(junkStatement(withPrincipal), { minLength: 1, maxLength: 3 }),
  });

const wildCaseArb = fc.record({
  principal: fc.constantFrom(
    USER,
    SESSION,
    ROLE,
    ACCOUNT,
    OTHER_USER,
    `arn:aws:sts::${ACCOUNT}:federated-user/fed`,
    `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.com/id/X`,
    'accounts.google.com',
    'pods.eks.amazonaws.com',
    'anonymous',
  ),
  action: junkAction,
  resource: junkResource,
  context: fc.dictionary(
    junkKey,
    fc.oneof(junkScalar, fc.array(junkScalar, { maxLength: 3 }), fc.constant(null)),
    { maxKeys: 5 },
  ) as fc.Arbitrary<ContextInput>,
  identity: fc.array(junkPolicy(false), { maxLength: 2 }),
  boundary: fc.array(junkPolicy(false), { maxLength: 1 }),
  session: fc.array(junkPolicy(false), { maxLength: 1 }),
  resourcePolicy: fc.array(junkPolicy(true), { maxLength: 1 }),
  scps: fc.array(fc.array(junkPolicy(false), { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
});

/** Parses, validates (evaluate mode) and compiles; documents IAM would reject are dropped. */
function loadAll(docs: readonly Json[], set: SetName): CompiledPolicy[] {
  const out: CompiledPolicy[] = [];
  docs.forEach((doc, i) => {
    const parsed = parsePolicyValue(doc, { type: POLICY_TYPE[set] });
    if (!parsed.ok) return;
    if (validatePolicy(parsed.document, POLICY_TYPE[set], { mode: 'evaluate' }).length > 0) return;
    out.push(compilePolicy(parsed.document, { id: `${set}-${i}`, kind: set as PolicySetKind }));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The properties

function tally(): { add(d: EvalDecision): void; counts: Record<EvalDecision, number> } {
  const counts: Record<EvalDecision, number> = { allowed: 0, explicitDeny: 0, implicitDeny: 0 };
  return { add: (d) => counts[d]++, counts };
}

describe('policy engine properties (spec §15)', () => {
  it('generators: every decision is common', () => {
    for (const [name, arb] of [
      ['general', generalScenario],
      ['reference', scenarioArb(REFERENCE)],
    ] as const) {
      const t = tally();
      for (const s of fc.sample(arb, { seed: FIXED_SEED, numRuns: 1500 })) {
        t.add(decideScenario(s).decision);
      }
      const total = t.counts.allowed + t.counts.explicitDeny + t.counts.implicitDeny;
      console.info(`decision mix (${name} generator, ${total} samples):`, t.counts);
      for (const d of DECISIONS) expect(t.counts[d] / total, `${name}: ${d}`).toBeGreaterThan(0.1);
    }
  });

  it('1. adding a Deny statement never grants and never lifts an explicit deny', () => {
    const target = fc.constantFrom<SetName>(
      'identity',
      'boundary',
      'session',
      'resource',
      'scp',
      'rcp',
    );
    let flipped = 0;
    fc.assert(
      fc.property(
        withStatement(GENERAL, 'Deny')(generalScenario),
        target,
        fc.option(fc.nat(), { nil: undefined }),
        fc.nat(),
        ([s, deny], set, where, level) => {
          const before = decideScenario(s).decision;
          const after = decideScenario(
            addStatement(s, { ...deny, sid: 'Added' }, set, where, level),
          ).decision;
          if (before !== 'allowed') expect(after).not.toBe('allowed');
          if (before === 'explicitDeny') expect(after).toBe('explicitDeny');
          if (before !== 'explicitDeny' && after === 'explicitDeny') flipped++;
        },
      ),
      params(1000),
    );
    console.info(`property 1: the added Deny made ${flipped} decisions explicitDeny`);
    // the added Deny must often matter, or the property is vacuous
    expect(flipped).toBeGreaterThan(runs(1000).numRuns! * 0.1);
  });

  it('1b. an RCP that denies nothing changes no decision (RCPFullAWSAccess is implicit, §2, §11)', () => {
    // IAM rejects Allow statements in custom RCPs (§2), so a simulation lists only Deny RCPs;
    // AWS attaches RCPFullAWSAccess at every level, which supplies the Allow of step 2
    const inert: Pol = {
      id: 'deny-nothing',
      statements: [
        {
          sid: 'Inert',
          effect: 'Deny',
          actions: ['none:Nothing'],
          resources: ['*'],
          notAction: false,
          notResource: false,
          conditions: [],
          principal: '*',
        },
      ],
    };
    fc.assert(
      fc.property(generalScenario, (s) => {
        const before = simulated(caseOf(s));
        expect(simulated(caseOf(s, [[inert]]))).toBe(before);
      }),
      params(200),
    );
  });

  it('2. adding an Allow to the identity set never turns allowed into a deny', () => {
    let granted = 0;
    let allowedBefore = 0;
    fc.assert(
      fc.property(
        withStatement(GENERAL, 'Allow')(generalScenario),
        fc.option(fc.nat(), { nil: undefined }),
        ([s, allow], where) => {
          const before = decideScenario(s).decision;
          const after = decideScenario(
            addStatement(s, { ...allow, sid: 'Added' }, 'identity', where, 0),
          ).decision;
          if (before === 'allowed') {
            allowedBefore++;
            expect(after).toBe('allowed');
          }
          if (before === 'implicitDeny' && after === 'allowed') granted++;
        },
      ),
      params(800),
    );
    console.info(`property 2: ${allowedBefore} runs started allowed; ${granted} were granted`);
    // not vacuous: many runs start allowed, and the added Allow does grant at times
    expect(allowedBefore).toBeGreaterThan(runs(800).numRuns! * 0.1);
    expect(granted).toBeGreaterThan(runs(800).numRuns! * 0.01);
  });

  it('3. statement order and policy order do not matter', () => {
    fc.assert(
      fc.property(generalScenario, fc.integer(), (s, seed) => {
        const rnd = prng(seed);
        const t = clone(s);
        const perm = (pols: Pol[]) => {
          for (const p of pols) p.statements = shuffle(p.statements, rnd);
          return shuffle(pols, rnd);
        };
        t.identity = perm(t.identity);
        t.boundary = perm(t.boundary);
        t.session = perm(t.session);
        t.resourcePolicy = perm(t.resourcePolicy);
        t.scps = t.scps?.map(perm);
        t.rcps = t.rcps?.map(perm);
        expect(fingerprint(decideScenario(t))).toEqual(fingerprint(decideScenario(s)));
      }),
      params(800),
    );
  });

  it.each(['Allow', 'Deny'] as const)(
    '4. an Action array ≡ one statement per action (%s)',
    (effect) => {
      let split = 0;
      fc.assert(
        fc.property(generalScenario, (s) => {
          const t = clone(s);
          let any = false;
          eachPolicy(t, (p) => {
            p.statements = p.statements.flatMap((st) => {
              if (st.effect !== effect || st.notAction || st.actions.length < 2) return [st];
              any = true;
              return st.actions.map((a, i) => ({ ...st, sid: `${st.sid}x${i}`, actions: [a] }));
            });
          });
          if (any) split++;
          expect(decideScenario(t).decision).toBe(decideScenario(s).decision);
        }),
        params(400),
      );
      console.info(`property 4 (${effect}): ${split} scenarios had statements to split`);
      expect(split).toBeGreaterThan(runs(400).numRuns! * 0.3);
    },
  );

  it('4b. a wildcard action ≡ its expansion over the known actions (§15)', () => {
    fc.assert(
      fc.property(generalScenario, (s) => {
        const t = clone(s);
        eachPolicy(t, (p) => {
          for (const st of p.statements) {
            const known = ACTIONS.filter((a) =>
              st.actions.some((pat) => refGlob(pat.toLowerCase(), a.toLowerCase())),
            );
            // an action no request uses stands in for an empty expansion
            st.actions = known.length > 0 ? known : ['none:Nothing'];
          }
        });
        expect(decideScenario(t).decision).toBe(decideScenario(s).decision);
      }),
      params(300),
    );
  });

  it('5a. the case of action names and condition-key names changes nothing', () => {
    fc.assert(
      fc.property(generalScenario, fc.integer(), (s, seed) => {
        const rnd = prng(seed);
        const t = clone(s);
        eachPolicy(t, (p) => {
          for (const st of p.statements) {
            st.actions = st.actions.map((a) => recase(a, rnd));
            st.resources = st.resources.map((r) => recaseVariables(r, rnd));
            for (const c of st.conditions) {
              c.key = recase(c.key, rnd);
              c.values = c.values.map((v) => recaseVariables(v, rnd));
            }
          }
        });
        t.request.action = recase(t.request.action, rnd);
        t.request.context = Object.fromEntries(
          Object.entries(t.request.context).map(([k, v]) => [recase(k, rnd), v]),
        );
        expect(fingerprint(decideScenario(t))).toEqual(fingerprint(decideScenario(s)));
      }),
      params(800),
    );
  });

  it('5b. the case of condition values changes nothing under …IgnoreCase operators', () => {
    fc.assert(
      fc.property(scenarioArb(IGNORE_CASE), fc.integer(), (s, seed) => {
        const rnd = prng(seed);
        const t = clone(s);
        eachPolicy(t, (p) => {
          for (const st of p.statements)
            for (const c of st.conditions) c.values = c.values.map((v) => recase(v, rnd));
        });
        // aws:username also feeds `${aws:username}` in case-sensitive Resource patterns
        t.request.context = Object.fromEntries(
          Object.entries(t.request.context).map(([k, v]) => [
            k,
            k.toLowerCase() === 'aws:username'
              ? v
              : Array.isArray(v)
                ? v.map((x) => recase(x, rnd))
                : recase(v, rnd),
          ]),
        );
        expect(fingerprint(decideScenario(t))).toEqual(fingerprint(decideScenario(s)));
      }),
      params(400),
    );
  });

  it('5c. the case of condition values matters under StringEquals', () => {
    const key = KEYS[0] as KeyDef;
    fc.assert(
      fc.property(fc.constantFrom(...key.observed), fc.integer(), (v, seed) => {
        const w = recase(v, prng(seed));
        fc.pre(w !== v);
        expect(conditionApplies('StringEquals', key.name, [v], { [key.name]: v })).toBe(true);
        expect(conditionApplies('StringEquals', key.name, [v], { [key.name]: w })).toBe(false);
        expect(conditionApplies('StringEqualsIgnoreCase', key.name, [v], { [key.name]: w })).toBe(
          true,
        );
      }),
      params(100),
    );
  });

  it('6. scalar vs one-element array, whitespace and member order change nothing', () => {
    const WS = [' ', '\t', '\n', '\r\n', '  ', '\n\t '];
    fc.assert(
      fc.property(generalScenario, fc.integer(), (s, seed) => {
        const rnd = prng(seed);
        const style: Style = {
          scalar: () => rnd() < 0.5,
          ws: () => (rnd() < 0.5 ? '' : (WS[Math.floor(rnd() * WS.length)] as string)),
          order: (xs) => shuffle(xs, rnd),
        };
        expect(fingerprint(decideScenario(s, style))).toEqual(fingerprint(decideScenario(s)));
      }),
      params(800),
    );
  });

  it('7. a negated operator is the negation of its positive form, and true on a missing key', () => {
    const pairs = FAMILIES.flatMap((f) => f.pairs.map((pair) => ({ f, pair })));
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs).chain(({ f, pair }) =>
          fc.record({
            f: fc.constant(f),
            pair: fc.constant(pair),
            values: policyValues(f),
            actual: fc.option(fc.constantFrom(...f.actual), { nil: undefined }),
          }),
        ),
        ({ f, pair: [pos, neg], values, actual }) => {
          const ctx = actual === undefined ? {} : { [f.key]: actual };
          const p = conditionApplies(pos, f.key, values, ctx);
          const n = conditionApplies(neg, f.key, values, ctx);
          if (actual === undefined) {
            expect(p).toBe(false);
            expect(n).toBe(true);
          } else expect(n).toBe(!p);
        },
      ),
      params(600),
    );
  });

  it('8. ForAllValues is true and ForAnyValue false on a missing or empty key; otherwise ∀/∃', () => {
    const setKey = 'aws:TagKeys';
    const probeKey = 'aws:PrincipalTag/probe';
    fc.assert(
      fc.property(
        fc.constantFrom(...BASE_OPS).chain(({ op, family }) =>
          fc.record({
            op: fc.constant(op),
            values: policyValues(family),
            request: fc.option(fc.array(fc.constantFrom(...family.actual), { maxLength: 3 }), {
              nil: undefined,
            }),
          }),
        ),
        ({ op, values, request }) => {
          const ctx = request === undefined ? {} : { [setKey]: request };
          const all = conditionApplies(`ForAllValues:${op}`, setKey, values, ctx);
          const some = conditionApplies(`ForAnyValue:${op}`, setKey, values, ctx);
          if (request === undefined || request.length === 0) {
            expect(all).toBe(true);
            expect(some).toBe(false);
          } else {
            // each request value on its own, under the plain operator and a single-valued key
            const each = request.map((v) =>
              conditionApplies(op, probeKey, values, { [probeKey]: v }),
            );
            expect(all).toBe(each.every(Boolean));
            expect(some).toBe(each.some(Boolean));
          }
        },
      ),
      params(600),
    );
  });

  it('9. …IfExists ≡ the base operator on a present key, and is true on a missing key', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BASE_OPS).chain(({ op, family }) =>
          fc.record({
            op: fc.constant(op),
            key: fc.constant(family.key),
            values: policyValues(family),
            actual: fc.option(fc.constantFrom(...family.actual), { nil: undefined }),
          }),
        ),
        ({ op, key, values, actual }) => {
          const ctx = actual === undefined ? {} : { [key]: actual };
          const withIf = conditionApplies(`${op}IfExists`, key, values, ctx);
          if (actual === undefined) expect(withIf).toBe(true);
          else expect(withIf).toBe(conditionApplies(op, key, values, ctx));
        },
      ),
      params(600),
    );
  });

  it('10. ${*} (and ${?}) never act as wildcards', () => {
    const cases = [
      { pattern: 'b/${*}', literal: (k: string) => k === 'b/*' },
      { pattern: 'b/${?}', literal: (k: string) => k === 'b/?' },
      { pattern: 'b/${*}/x', literal: (k: string) => k === 'b/*/x' },
      { pattern: 'b/x${*}*', literal: (k: string) => k.startsWith('b/x*') },
    ];
    const keyArb = fc.oneof(
      fc.constantFrom('*', '?', '**', 'x', 'x*', 'xy', '*/x', 'a/x', '${*}', '', '*x', 'x*y'),
      fc.string({ unit: fc.constantFrom('*', '?', 'x', '/', '$', '{', '}') }),
      fc.string({ unit: 'binary-ascii' }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...cases), keyArb, ({ pattern, literal }, k) => {
        const resource = `arn:aws:s3:::b/${k}`;
        const text = JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${pattern}` },
            {
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: '*',
              Condition: { StringLike: { 's3:prefix': pattern } },
            },
          ],
        });
        const identity = [compileText(text, 'escapes', 'identity', true)];
        const principal = principalFromString(USER)!;
        const get = evaluateRequest(
          { principal, action: 's3:GetObject', resource, context: createContext() },
          { identity },
        );
        const list = evaluateRequest(
          {
            principal,
            action: 's3:ListBucket',
            resource: 'arn:aws:s3:::b',
            context: createContext({ 's3:prefix': `b/${k}` }),
          },
          { identity },
        );
        expect(get.decision === 'allowed').toBe(literal(`b/${k}`));
        expect(list.decision === 'allowed').toBe(literal(`b/${k}`));
      }),
      params(600),
    );
  });

  it('11. the engine agrees with a brute-force reference (same account, users and sessions)', () => {
    const t = tally();
    fc.assert(
      fc.property(scenarioArb(REFERENCE), (s) => {
        const ref = reference(s);
        const d = decideScenario(s);
        t.add(d.decision);
        expect(d.decision).toBe(ref.decision);
        if (d.decision === 'explicitDeny') expect(fingerprint(d).matched).toEqual(ref.denies);
      }),
      params(4000),
    );
    const total = t.counts.allowed + t.counts.explicitDeny + t.counts.implicitDeny;
    console.info('property 11 decisions:', t.counts);
    for (const d of DECISIONS) expect(t.counts[d] / total, d).toBeGreaterThan(0.15);
  });

  it('11b. the reference also agrees for root, federated users, cross-account callers, RCPs', () => {
    const t = tally();
    fc.assert(
      fc.property(scenarioArb(REFERENCE_WIDE), (s) => {
        const ref = reference(s);
        const d = decideScenario(s);
        t.add(d.decision);
        expect(d.decision).toBe(ref.decision);
        if (d.decision === 'explicitDeny') expect(fingerprint(d).matched).toEqual(ref.denies);
      }),
      params(1500),
    );
    const total = t.counts.allowed + t.counts.explicitDeny + t.counts.implicitDeny;
    console.info('property 11b decisions:', t.counts);
    for (const d of DECISIONS) expect(t.counts[d] / total, d).toBeGreaterThan(0.1);
  });

  it('12. decisions never throw, whatever the request and policies', () => {
    fc.assert(
      fc.property(wildCaseArb, (c) => {
        const sets: PolicySets = {
          identity: loadAll(c.identity, 'identity'),
          boundary: loadAll(c.boundary, 'boundary'),
          session: loadAll(c.session, 'session'),
          resource: loadAll(c.resourcePolicy, 'resource'),
          scps: c.scps.map((level) => loadAll(level, 'scp')),
        };
        const principal = principalFromString(c.principal);
        if (!principal) return;
        const request = {
          principal,
          action: c.action,
          resource: c.resource,
          context: createContext(c.context),
        };
        const d = evaluateRequest(request, sets);
        expect(DECISIONS).toContain(d.decision);
        const x = explainRequest(request, sets);
        expect(x.decision).toBe(d.decision);
      }),
      params(800),
    );
  });

  it('12b. simulateCase never throws: it returns a decision or a per-case error', () => {
    fc.assert(
      fc.property(wildCaseArb, (c) => {
        const r = simulateCase({
          id: 'fuzz',
          identityPolicies: c.identity,
          permissionBoundaries: c.boundary,
          sessionPolicies: c.session.length > 0 ? c.session : undefined,
          resourcePolicy: c.resourcePolicy[0],
          scps: c.scps,
          request: {
            principal: c.principal,
            action: c.action,
            resource: c.resource,
            context: c.context,
          },
        });
        if (!isSimulationError(r)) expect(DECISIONS).toContain(r.decision);
      }),
      params(500),
    );
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = simulateCase(input);
        if (!isSimulationError(r)) expect(DECISIONS).toContain(r.decision);
      }),
      params(300),
    );
  });

  it('13. explainRequest reaches the same decision, matches and missing sets as evaluateRequest', () => {
    fc.assert(
      fc.property(generalScenario, (s) => {
        const request = requestOf(s);
        const sets = setsOf(s);
        const d = evaluateRequest(request, sets);
        const x = explainRequest(request, sets);
        expect(
          fingerprint({ ...d, matched: x.matched, missing: x.missing, decision: x.decision }),
        ).toEqual(fingerprint(d));
      }),
      params(400),
    );
  });

  it('14. simulateCase decides a case as evaluateRequest decides its sets', () => {
    fc.assert(
      fc.property(generalScenario, (s) => {
        const t = { ...s, rcps: undefined };
        expect(simulated(caseOf(t))).toBe(decideScenario(t).decision);
      }),
      params(300),
    );
  });
});
