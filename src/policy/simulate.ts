/**
 * Offline simulation of one case, in the JSON shape `irsa simulate` reads (one case in, one
 * result out). Pure: the CLI does the reading and writing.
 *
 * A case:
 * ```json
 * { "id": "c1",
 *   "identityPolicies": [doc, …], "resourcePolicy": doc, "permissionBoundaries": [doc],
 *   "sessionPolicy": doc, "scps": [[doc, …], …], "rcps": [[doc, …], …],
 *   "request": { "principal": "arn:…", "action": "s3:GetObject", "resource": "arn:…",
 *                "resourceAccount": "123456789012", "context": { "aws:SourceIp": "10.0.0.1" } } }
 * ```
 * A document is a policy object, its JSON text, or `{ "id"|"name"|"arn": …, "document": … }`.
 */
import { type CompiledPolicy, compilePolicy } from './compile-policy.js';
import { type ContextInput, createContext } from './context.js';
import type { PolicyProblem } from './errors.js';
import type { PolicySets } from './evaluate.js';
import { explainRequest, mismatchText } from './explain.js';
import { parsePolicyValue } from './parse-policy.js';
import { principalFromString, setPrincipalKeys } from './principal.js';
import type {
  EvalDecision,
  MatchedStatement,
  PolicySetKind,
  PolicyType,
  RequestPrincipal,
} from './types.js';
import { validatePolicy } from './validate-policy.js';

export interface SimulationResult {
  id: string | number | null;
  decision: EvalDecision;
  matched: {
    policyId: string;
    policyType: PolicySetKind;
    level?: number;
    index: number;
    sid?: string;
    effect: 'Allow' | 'Deny';
    line?: number;
    column?: number;
  }[];
  explain: {
    summary: string;
    sameAccount: boolean;
    grant?: string;
    missing: { set: PolicySetKind; level?: number }[];
    statements: {
      policyId: string;
      policyType: PolicySetKind;
      level?: number;
      index: number;
      sid?: string;
      effect: 'Allow' | 'Deny';
      applies: boolean;
      reason?: string;
    }[];
  };
  /** present when the case carried an `expect` decision */
  pass?: boolean;
}

export interface SimulationError {
  id: string | number | null;
  error: { code: string; message: string; where?: string };
}

const DECISIONS = ['allowed', 'explicitDeny', 'implicitDeny'] as const;

class CaseError extends Error {
  readonly code: string;
  readonly where: string | undefined;
  constructor(code: string, message: string, where?: string) {
    super(message);
    this.code = code;
    this.where = where;
  }
}

const STS_ROLE_ACTIONS = new Set([
  'sts:assumerole',
  'sts:assumerolewithwebidentity',
  'sts:assumerolewithsaml',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function loadDoc(
  raw: unknown,
  type: PolicyType,
  kind: PolicySetKind,
  fallbackId: string,
): CompiledPolicy {
  let doc: unknown = raw;
  let id = fallbackId;
  if (isObj(raw) && !('Statement' in raw)) {
    const named = raw.id ?? raw.name ?? raw.arn ?? raw.policyArn;
    if (typeof named === 'string') id = named;
    doc = raw.document ?? raw.policy ?? raw.policyDocument ?? raw.PolicyDocument;
    if (doc === undefined)
      throw new CaseError('InvalidInput', 'a policy entry needs a `document`', fallbackId);
  }
  const parsed = parsePolicyValue(doc, { type });
  if (!parsed.ok) throw problemError(parsed.error, id);
  const problem = validatePolicy(parsed.document, type, { mode: 'evaluate' })[0];
  if (problem) throw problemError(problem, id);
  return compilePolicy(parsed.document, { id, kind });
}

function problemError(p: PolicyProblem, where: string): CaseError {
  return new CaseError(p.code, p.detail ? `${p.message} (${p.detail})` : p.message, where);
}

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw new CaseError('InvalidInput', `\`${where}\` must be an array`, where);
  return v;
}

function levels(
  v: unknown,
  name: string,
  type: PolicyType,
  kind: PolicySetKind,
): CompiledPolicy[][] | undefined {
  if (v === undefined || v === null) return undefined;
  return list(v, name).map((level, i) => {
    // a level may be one document rather than an array of them
    const docs = Array.isArray(level) ? level : [level];
    return docs.map((d, j) => loadDoc(d, type, kind, `${name}[${i}][${j}]`));
  });
}

function readPrincipal(v: unknown, context: ContextInput): RequestPrincipal {
  const principalArn = context['aws:PrincipalArn'] ?? findKey(context, 'aws:principalarn');
  const hint = typeof principalArn === 'string' ? principalArn : undefined;
  if (typeof v === 'string') {
    const p = principalFromString(v, hint);
    if (!p)
      throw new CaseError(
        'InvalidInput',
        `principal \`${v}\` is not an ARN, account, service or provider`,
        'request.principal',
      );
    return p;
  }
  if (isObj(v)) {
    const text = v.arn ?? v.id ?? v.AWS ?? v.Federated ?? v.Service;
    if (typeof text !== 'string')
      throw new CaseError('InvalidInput', 'principal needs an `arn`', 'request.principal');
    const p = principalFromString(text, typeof v.roleArn === 'string' ? v.roleArn : hint);
    if (!p)
      throw new CaseError(
        'InvalidInput',
        `principal \`${text}\` is not recognised`,
        'request.principal',
      );
    if (typeof v.account === 'string') p.account = v.account;
    if (typeof v.roleArn === 'string') p.roleArn = v.roleArn;
    if (typeof v.federatingUserArn === 'string') p.federatingUserArn = v.federatingUserArn;
    return p;
  }
  throw new CaseError('InvalidInput', '`request.principal` is required', 'request.principal');
}

function findKey(ctx: ContextInput, lower: string): unknown {
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function readContext(v: unknown): ContextInput {
  if (v === undefined || v === null) return {};
  if (!isObj(v))
    throw new CaseError('InvalidInput', '`request.context` must be an object', 'request.context');
  for (const [k, val] of Object.entries(v)) {
    const ok = (x: unknown) =>
      typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
    if (!(ok(val) || (Array.isArray(val) && val.every(ok)) || val === null)) {
      throw new CaseError(
        'InvalidInput',
        `context key \`${k}\` must be a string, number, boolean or an array of them`,
        'request.context',
      );
    }
  }
  return v as ContextInput;
}

/**
 * The keys every signed request carries of its caller, as far as the principal's ARN says them
 * (the edge sets them from the signing credentials: addPrincipalKeys, the same code):
 * aws:PrincipalArn — a role session's role ARN, with the path only when the case's
 * aws:PrincipalArn gives it (a session ARN does not carry it) —, aws:PrincipalAccount,
 * aws:PrincipalType, aws:username for an IAM user, aws:PrincipalIsAWSService; aws:userid only
 * where the ARN determines it (root: the account ID; a federated user: `account:name`), not an
 * IAM user's AIDA… or a role's AROA…:session id. An anonymous caller has only aws:PrincipalType;
 * a provider or a service principal none. The case's own `context` values win over these.
 */
function principalKeys(p: RequestPrincipal): Record<string, string | string[]> {
  if (p.type === 'Anonymous') return { 'aws:PrincipalType': 'Anonymous' };
  const signs = ['Account', 'User', 'Role', 'AssumedRole', 'FederatedUser'].includes(p.type);
  if (!signs || !p.account) return {};
  const userId =
    p.type === 'Account'
      ? p.account
      : p.type === 'FederatedUser'
        ? `${p.account}:${p.id.slice(p.id.lastIndexOf('/') + 1)}`
        : undefined;
  // a bare role ARN is taken as one of its sessions: aws:PrincipalArn is the role's
  return setPrincipalKeys({}, p, { account: p.account, userId });
}

/** The request's context: the principal's keys, under the case's own values (any case). */
function withPrincipalKeys(given: ContextInput, p: RequestPrincipal): ContextInput {
  const named = new Set(Object.keys(given).map((k) => k.toLowerCase()));
  const derived = Object.entries(principalKeys(p)).filter(([k]) => !named.has(k.toLowerCase()));
  return { ...Object.fromEntries(derived), ...given };
}

function toOutMatched(m: MatchedStatement): SimulationResult['matched'][number] {
  const out: SimulationResult['matched'][number] = {
    policyId: m.policyId,
    policyType: m.policyType,
    index: m.index,
    effect: m.effect,
  };
  if (m.level !== undefined) out.level = m.level;
  if (m.sid) out.sid = m.sid;
  if (m.span) {
    out.line = m.span.line;
    out.column = m.span.column;
  }
  return out;
}

/**
 * Runs one simulation case.
 *
 * @example
 * simulateCase({ id: 1, identityPolicies: [doc], request: { principal: 'arn:aws:iam::111122223333:user/ana', action: 's3:ListBucket', resource: 'arn:aws:s3:::b' } })
 * // → { id: 1, decision: 'allowed', matched: [...], explain: {...} }
 */
export function simulateCase(input: unknown): SimulationResult | SimulationError {
  const id =
    isObj(input) && (typeof input.id === 'string' || typeof input.id === 'number')
      ? input.id
      : null;
  try {
    if (!isObj(input)) throw new CaseError('InvalidInput', 'a case must be a JSON object');
    const req = input.request;
    if (!isObj(req)) throw new CaseError('InvalidInput', '`request` is required', 'request');
    if (typeof req.action !== 'string' || req.action === '') {
      throw new CaseError('InvalidInput', '`request.action` must be a string', 'request.action');
    }
    const resource = req.resource ?? '*';
    if (typeof resource !== 'string') {
      throw new CaseError(
        'InvalidInput',
        '`request.resource` must be a string',
        'request.resource',
      );
    }
    const context = readContext(req.context);
    const principal = readPrincipal(req.principal, context);

    const resourceIsTrust =
      input.resourcePolicyType === 'trust' ||
      (input.trustPolicy !== undefined && input.trustPolicy !== null) ||
      (input.resourcePolicyType === undefined &&
        STS_ROLE_ACTIONS.has(req.action.toLowerCase()) &&
        /^arn:[^:]+:iam::\d*:role\//.test(resource));
    const resourceRaw = input.trustPolicy ?? input.resourcePolicy;
    const sessionRaw =
      input.sessionPolicies ??
      (input.sessionPolicy === undefined || input.sessionPolicy === null
        ? undefined
        : [input.sessionPolicy]);
    const sets: PolicySets = {
      identity: list(input.identityPolicies, 'identityPolicies').map((d, i) =>
        loadDoc(d, 'identity', 'identity', `identityPolicies[${i}]`),
      ),
      boundary: list(
        input.permissionBoundaries ?? input.permissionsBoundaries,
        'permissionBoundaries',
      ).map((d, i) => loadDoc(d, 'boundary', 'boundary', `permissionBoundaries[${i}]`)),
      session: list(sessionRaw, 'sessionPolicy').map((d, i) =>
        loadDoc(
          d,
          'session',
          'session',
          input.sessionPolicies ? `sessionPolicies[${i}]` : 'sessionPolicy',
        ),
      ),
      resource:
        resourceRaw === undefined || resourceRaw === null
          ? []
          : [
              loadDoc(
                resourceRaw,
                resourceIsTrust ? 'trust' : 'resource',
                'resource',
                input.trustPolicy ? 'trustPolicy' : 'resourcePolicy',
              ),
            ],
      resourceIsTrust,
      scps: levels(input.scps, 'scps', 'scp', 'scp'),
      rcps: levels(input.rcps, 'rcps', 'rcp', 'rcp'),
      vpce: list(input.vpcEndpointPolicies, 'vpcEndpointPolicies').map((d, i) =>
        loadDoc(d, 'resource', 'vpce', `vpcEndpointPolicies[${i}]`),
      ),
    };
    const request = {
      principal,
      action: req.action,
      resource,
      resourceAccount: typeof req.resourceAccount === 'string' ? req.resourceAccount : undefined,
      context: createContext(withPrincipalKeys(context, principal)),
    };
    const x = explainRequest(request, sets);
    const result: SimulationResult = {
      id,
      decision: x.decision,
      matched: x.matched.map(toOutMatched),
      explain: {
        summary: x.summary,
        sameAccount: x.sameAccount,
        missing: x.missing.map((m) =>
          m.level === undefined ? { set: m.set } : { set: m.set, level: m.level },
        ),
        statements: x.sets.flatMap((s) =>
          s.policies.flatMap((pt) =>
            pt.statements.map((st) => {
              const o: SimulationResult['explain']['statements'][number] = {
                policyId: pt.policyId,
                policyType: s.set,
                index: st.index,
                effect: st.effect,
                applies: st.applies,
              };
              if (s.level !== undefined) o.level = s.level;
              if (st.sid) o.sid = st.sid;
              if (!s.consulted) o.reason = 'not consulted for this principal';
              else if (st.mismatch) o.reason = mismatchText(st.mismatch);
              return o;
            }),
          ),
        ),
      },
    };
    if (x.grant) result.explain.grant = x.grant;
    const expect = input.expect ?? input.expected ?? input.expectedDecision;
    if (expect !== undefined) {
      // one of the three decisions, in any case; anything else is the case's mistake, never a
      // silent "did not pass"
      const wanted = DECISIONS.find(
        (d) => typeof expect === 'string' && d.toLowerCase() === expect.toLowerCase(),
      );
      if (!wanted)
        throw new CaseError(
          'InvalidInput',
          `\`expect\` must be ${DECISIONS.join(', ')}, not ${JSON.stringify(expect)}`,
          'expect',
        );
      result.pass = wanted === x.decision;
    }
    return result;
  } catch (e) {
    if (e instanceof CaseError) {
      const error: SimulationError['error'] = { code: e.code, message: e.message };
      if (e.where) error.where = e.where;
      return { id, error };
    }
    throw e;
  }
}

export function isSimulationError(r: SimulationResult | SimulationError): r is SimulationError {
  return 'error' in r;
}
