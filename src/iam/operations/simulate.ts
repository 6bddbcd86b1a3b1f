/**
 * SimulatePrincipalPolicy and SimulateCustomPolicy (spec/aws-wire.md §5.5), answered by the
 * policy engine: every action × resource (default `*`) is decided and explained with the
 * principal's policies (or the given ones), its permissions boundary, an optional resource
 * policy and the typed context entries. Results carry the matched statements with their
 * source policy and positions, the context keys the deciding policies needed but did not
 * get, and the boundary's own verdict.
 */
import { Validator } from '../../server/aws/query-params.js';
import { XmlMap } from '../../server/aws/query-xml.js';
import type { QueryOperation, QueryParams } from '../../server/aws/types.js';
import { parseArn } from '../../policy/arn.js';
import { type CompiledPolicy, compilePolicy } from '../../policy/compile-policy.js';
import { type ContextInput, createContext } from '../../policy/context.js';
import type { PolicySets } from '../../policy/evaluate.js';
import { explainRequest } from '../../policy/explain.js';
import { parsePolicy } from '../../policy/parse-policy.js';
import { principalFromString } from '../../policy/principal.js';
import type { PolicySetKind, PolicyType, RequestPrincipal } from '../../policy/types.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { IAM_MSG, invalidInput, noSuchEntity } from '../errors.js';
import { RULES } from '../names.js';
import type { IamRepo } from '../repo.js';
import type { PolicyHolder } from '../types.js';
import {
  defineOperation,
  type IamOperationDeps,
  type OpCall,
  paginate,
  readPaging,
} from './common.js';
import { put } from '../../common/own.js';

export type SourcePolicyType =
  'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';

const CONTEXT_TYPES = [
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
] as const;

interface SimPolicy {
  sourceId: string;
  sourceType: SourcePolicyType;
  policy: CompiledPolicy;
}

/** Compiles simulation inputs, naming each with AWS's SourcePolicyId and type. */
class PolicyBook {
  private readonly byId = new Map<string, SimPolicy>();

  add(
    text: string,
    type: PolicyType,
    kind: PolicySetKind,
    sourceId: string,
    sourceType: SourcePolicyType,
  ): CompiledPolicy {
    const parsed = parsePolicy(text, { type });
    if (!parsed.ok) throw invalidInput(parsed.error.message);
    const problem = validatePolicy(parsed.document, type, { mode: 'evaluate' })[0];
    if (problem) throw invalidInput(problem.message);
    const id = `#${this.byId.size}`;
    const policy = compilePolicy(parsed.document, { id, kind });
    this.byId.set(id, { sourceId, sourceType, policy });
    return policy;
  }

  get(id: string): SimPolicy | undefined {
    return this.byId.get(id);
  }
}

interface SimInput {
  actions: string[];
  resources: string[];
  resourcePolicy?: string | undefined;
  resourceOwner?: string | undefined;
  callerArn?: string | undefined;
  context: ContextInput;
}

function readStrings(
  v: Validator,
  params: QueryParams,
  name: string,
  rule: Parameters<Validator['string']>[2],
): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++) {
    out.push(v.string(params, `${name}.member.${i}`, rule, true) as string);
  }
  return out;
}

/** `ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M, ContextKeyType}`. */
function readContext(v: Validator, params: QueryParams): ContextInput {
  const out: Record<string, string | string[]> = {};
  for (let i = 1; ; i++) {
    const base = `ContextEntries.member.${i}`;
    const has = [...params.keys()].some((k) => k.startsWith(`${base}.`));
    if (!has) break;
    const name = v.string(params, `${base}.ContextKeyName`, { min: 5, max: 256 });
    const type = v.string(params, `${base}.ContextKeyType`, {});
    if (type !== undefined && !(CONTEXT_TYPES as readonly string[]).includes(type)) {
      v.violation(
        `${base}.ContextKeyType`,
        type,
        `Member must satisfy enum value set: [${CONTEXT_TYPES.join(', ')}]`,
      );
    }
    const values: string[] = [];
    for (let j = 1; params.has(`${base}.ContextKeyValues.member.${j}`); j++) {
      values.push(params.get(`${base}.ContextKeyValues.member.${j}`) as string);
    }
    if (name === undefined) continue;
    const list = type?.endsWith('List') ?? false;
    put(out, name, list || values.length !== 1 ? values : (values[0] as string));
  }
  return out;
}

/** An IAM user's ARN: the only caller a simulation takes (the API reference, CallerArn). */
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/./;

function readInput(v: Validator, c: OpCall): SimInput {
  const actions = readStrings(v, c.params, 'ActionNames', { min: 3, max: 128 });
  if (actions.length === 0) v.string(c.params, 'ActionNames', {}, true);
  const resources = readStrings(v, c.params, 'ResourceArns', { min: 1, max: 2048 });
  const input = {
    actions,
    resources: resources.length > 0 ? resources : ['*'],
    resourcePolicy: v.string(c.params, 'ResourcePolicy', RULES.document),
    resourceOwner: v.string(c.params, 'ResourceOwner', { min: 1, max: 2048 }),
    callerArn: v.string(c.params, 'CallerArn', { min: 1, max: 2048 }),
    context: readContext(v, c.params),
  };
  // EC2's scenarios; read for its constraint, no scenario changes what irsakit evaluates
  v.string(c.params, 'ResourceHandlingOption', { min: 1, max: 64 });
  return input;
}

/** What the parameters mean, checked once they are well-formed (after `v.done()`). */
function checkInput(input: SimInput): void {
  const { actions } = input;
  // [inferred] texts: the rules are the API reference's, InvalidInput its only 400
  const wildcard = actions.find((a) => a.includes('*') || a.includes('?'));
  if (wildcard !== undefined)
    throw invalidInput(
      `Invalid action name ${wildcard}: simulation does not support wildcards in action names.`,
    );
  if (input.callerArn !== undefined && !USER_ARN.test(input.callerArn))
    throw invalidInput(
      `Invalid CallerArn ${input.callerArn}: only the ARN of an IAM user can be the simulated caller.`,
    );
}

/** A resource policy names principals: a simulation of one needs a caller (an IAM user). */
function requireCaller(input: SimInput, callerArn: string | undefined): void {
  if (input.resourcePolicy !== undefined && callerArn === undefined)
    throw invalidInput('CallerArn is required when a ResourcePolicy is simulated.');
}

/** Identity policies and boundary of an IAM user or role, as simulation inputs. */
async function entityPolicies(
  repo: IamRepo,
  c: OpCall,
  holder: PolicyHolder,
  inlineType: SourcePolicyType,
  book: PolicyBook,
): Promise<{ identity: CompiledPolicy[]; boundary: CompiledPolicy[] }> {
  const identity: CompiledPolicy[] = [];
  for (const p of holder.inlinePolicies) {
    identity.push(book.add(p.document, 'identity', 'identity', p.name, inlineType));
  }
  const managed = async (arn: string, kind: PolicySetKind) => {
    const ref = await repo.policy(c.account, arn);
    if (!ref) return undefined;
    const text =
      ref.kind === 'aws'
        ? ref.policy.document
        : (ref.policy.versions.find((x) => x.versionId === ref.policy.defaultVersionId)?.document ??
          '');
    const name = ref.kind === 'aws' ? ref.policy.name : ref.policy.policyName;
    return book.add(
      text,
      kind === 'boundary' ? 'boundary' : 'identity',
      kind,
      name,
      ref.kind === 'aws' ? 'aws-managed' : 'user-managed',
    );
  };
  for (const arn of holder.attachedPolicies) {
    const p = await managed(arn, 'identity');
    if (p) identity.push(p);
  }
  const boundary: CompiledPolicy[] = [];
  if (holder.permissionsBoundaryArn !== undefined) {
    const p = await managed(holder.permissionsBoundaryArn, 'boundary');
    if (p) boundary.push(p);
  }
  return { identity, boundary };
}

/** Runs the simulation and renders the EvaluationResults members. */
function simulate(
  input: SimInput,
  principal: RequestPrincipal,
  sets: PolicySets,
  book: PolicyBook,
): Record<string, unknown>[] {
  const owner = input.resourceOwner && /(\d{12})/.exec(input.resourceOwner)?.[1];
  const context = createContext(input.context);
  const out: Record<string, unknown>[] = [];
  for (const action of input.actions) {
    for (const resource of input.resources) {
      const request = {
        principal,
        action,
        resource,
        resourceAccount: owner || undefined,
        context,
      };
      const x = explainRequest(request, sets);
      const missing = new Set<string>();
      let boundaryAllow = false;
      let boundaryDeny = false;
      let identityAllow = false;
      let resourceAllow = false;
      for (const set of x.sets) {
        if (!set.consulted) continue;
        for (const pt of set.policies) {
          const sim = book.get(pt.policyId);
          for (const st of pt.statements) {
            const relevant = st.applies || st.mismatch?.element === 'condition';
            if (relevant && sim) {
              const compiled = sim.policy.statements[st.index];
              for (const cond of compiled?.conditions ?? []) {
                if (context.get(cond.key) === undefined) missing.add(cond.clause.key);
              }
            }
            if (!st.applies) continue;
            if (set.set === 'boundary') {
              if (st.effect === 'Allow') boundaryAllow = true;
              else boundaryDeny = true;
            }
            if (set.set === 'identity' && st.effect === 'Allow') identityAllow = true;
            if (set.set === 'resource' && st.effect === 'Allow') resourceAllow = true;
          }
        }
      }
      const result: Record<string, unknown> = {
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: x.decision,
        MatchedStatements: x.matched.map((m) => {
          const sim = book.get(m.policyId);
          return {
            SourcePolicyId: sim?.sourceId ?? m.policyId,
            SourcePolicyType: sim?.sourceType ?? 'none',
            StartPosition: m.span ? { Line: m.span.line, Column: m.span.column } : undefined,
            EndPosition: m.span ? { Line: m.span.endLine, Column: m.span.endColumn } : undefined,
          };
        }),
        MissingContextValues: [...missing],
      };
      if (sets.boundary && sets.boundary.length > 0) {
        result.PermissionsBoundaryDecisionDetail = {
          AllowedByPermissionsBoundary: boundaryAllow && !boundaryDeny,
        };
      }
      if (resource !== '*') {
        // populated only for cross-account simulations; present but empty for a resource ARN
        // in the same account, absent for `*` (AWS API reference); the entry names are
        // irsakit's [inferred]
        const crossAccount = input.resourcePolicy !== undefined && !x.sameAccount;
        const details = new XmlMap(
          crossAccount
            ? [
                ['IAM Policy', identityAllow ? 'allowed' : 'implicitDeny'],
                ['Resource Policy', resourceAllow ? 'allowed' : 'implicitDeny'],
              ]
            : [],
        );
        result.EvalDecisionDetails = details;
        // "If you include a list of resources, then any missing context values are instead
        // included under the ResourceSpecificResults section" (EvaluationResult, API reference)
        result.ResourceSpecificResults = [
          {
            EvalResourceName: resource,
            EvalResourceDecision: x.decision,
            MatchedStatements: result.MatchedStatements,
            MissingContextValues: result.MissingContextValues,
            // "returned only for cross-account simulations" (ResourceSpecificResult)
            ...(crossAccount ? { EvalDecisionDetails: details } : {}),
            ...(result.PermissionsBoundaryDecisionDetail !== undefined
              ? { PermissionsBoundaryDecisionDetail: result.PermissionsBoundaryDecisionDetail }
              : {}),
          },
        ];
        result.MissingContextValues = [];
      }
      out.push(result);
    }
  }
  return out;
}

function principalOf(text: string): RequestPrincipal {
  const p = principalFromString(text);
  if (!p) throw invalidInput(IAM_MSG.invalidArn(text));
  return p;
}

function resultPage(results: Record<string, unknown>[], paging: ReturnType<typeof readPaging>) {
  const keyed = results.map((r, i) => ({ r, key: String(i).padStart(8, '0') }));
  const page = paginate(keyed, (x) => x.key, paging);
  return {
    EvaluationResults: page.items.map((x) => x.r),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  };
}

export function simulateOperations(deps: IamOperationDeps): Record<string, QueryOperation> {
  return {
    SimulatePrincipalPolicy: defineOperation(deps, 'SimulatePrincipalPolicy', async (c) => {
      const v = new Validator();
      const source = v.string(c.params, 'PolicySourceArn', RULES.arn, true);
      const inputs = readStrings(v, c.params, 'PolicyInputList', RULES.document);
      const boundaries = readStrings(
        v,
        c.params,
        'PermissionsBoundaryPolicyInputList',
        RULES.document,
      );
      const input = readInput(v, c);
      const paging = readPaging(v, c.params);
      v.done();
      checkInput(input);
      await c.authorize(source);
      const arn = parseArn(source);
      const m = arn && /^(user|role|group)\/(?:.*\/)?([^/]+)$/.exec(arn.resource);
      if (!arn || arn.service !== 'iam' || !m) throw invalidInput(IAM_MSG.invalidArn(source));
      const kind = m[1] as 'user' | 'role' | 'group';
      const name = m[2] as string;
      const holder =
        arn.account !== c.account
          ? undefined
          : kind === 'role'
            ? await c.read.role(c.account, name)
            : kind === 'user'
              ? await c.read.user(c.account, name)
              : undefined;
      if (!holder) {
        throw noSuchEntity(
          kind === 'role'
            ? IAM_MSG.noRole(name)
            : kind === 'user'
              ? IAM_MSG.noUser(name)
              : `The group with name ${name} cannot be found.`,
        );
      }
      const book = new PolicyBook();
      const own = await entityPolicies(c.read, c, holder, kind, book);
      const identity = [
        ...own.identity,
        ...inputs.map((t, i) =>
          book.add(t, 'identity', 'identity', `PolicyInputList.${i + 1}`, 'none'),
        ),
      ];
      const boundary =
        boundaries.length > 0
          ? boundaries.map((t, i) =>
              book.add(
                t,
                'boundary',
                'boundary',
                `PermissionsBoundaryPolicyInputList.${i + 1}`,
                'none',
              ),
            )
          : own.boundary;
      const resource =
        input.resourcePolicy === undefined
          ? undefined
          : [book.add(input.resourcePolicy, 'resource', 'resource', 'ResourcePolicy', 'resource')];
      requireCaller(input, input.callerArn ?? (USER_ARN.test(holder.arn) ? holder.arn : undefined));
      const principal = principalOf(input.callerArn ?? holder.arn);
      return resultPage(simulate(input, principal, { identity, boundary, resource }, book), paging);
    }),

    SimulateCustomPolicy: defineOperation(deps, 'SimulateCustomPolicy', async (c) => {
      const v = new Validator();
      const inputs = readStrings(v, c.params, 'PolicyInputList', RULES.document);
      if (inputs.length === 0) v.string(c.params, 'PolicyInputList', {}, true);
      const boundaries = readStrings(
        v,
        c.params,
        'PermissionsBoundaryPolicyInputList',
        RULES.document,
      );
      const input = readInput(v, c);
      const paging = readPaging(v, c.params);
      v.done();
      checkInput(input);
      await c.authorize('*');
      requireCaller(input, input.callerArn);
      const book = new PolicyBook();
      const identity = inputs.map((t, i) =>
        book.add(t, 'identity', 'identity', `PolicyInputList.${i + 1}`, 'none'),
      );
      const boundary = boundaries.map((t, i) =>
        book.add(t, 'boundary', 'boundary', `PermissionsBoundaryPolicyInputList.${i + 1}`, 'none'),
      );
      const resource =
        input.resourcePolicy === undefined
          ? undefined
          : [book.add(input.resourcePolicy, 'resource', 'resource', 'ResourcePolicy', 'resource')];
      const caller = c.ctx.caller?.principal;
      // the caller's own policies are not simulated; the root user stands in as a user
      const principal =
        input.callerArn !== undefined
          ? principalOf(input.callerArn)
          : caller && caller.type !== 'Account'
            ? caller
            : { type: 'User' as const, id: c.callerArn, account: c.account, partition: 'aws' };
      return resultPage(simulate(input, principal, { identity, boundary, resource }, book), paging);
    }),
  };
}
