/**
 * Reading Terraform's JSON output (`terraform show -json` of a saved plan or of the state;
 * https://developer.hashicorp.com/terraform/internals/json-format) for the IAM side of IRSA:
 * `aws_iam_role`, `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_role_policy_attachment`,
 * `aws_iam_openid_connect_provider` and the `aws_iam_policy_document` data sources, in the
 * root module and every child module.
 *
 * A plan omits values known only after apply (`resource_changes[].change.after_unknown`);
 * where such a value is a reference to another resource (`configuration` expressions:
 * `policy_arn = aws_iam_policy.x.arn`, `assume_role_policy =
 * data.aws_iam_policy_document.y.json`), the link is followed so that attachments and trust
 * policies still resolve. What cannot be resolved stays unknown, with the reason. Pure.
 */
import type { AwsPolicyCatalog } from '../iam/aws-managed/catalog.js';
import type { PolicyView, ProviderView, RoleView } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TfResource {
  /** the instance address: `module.irsa.aws_iam_role.this[0]` */
  address: string;
  /** the address without instance keys: `module.irsa.aws_iam_role.this` */
  configAddress: string;
  /** the module the resource lives in: `` (root) or `module.irsa` */
  module: string;
  mode: 'managed' | 'data';
  type: string;
  values: Obj;
  /** attributes known only after apply */
  unknown: Set<string>;
}

export interface TfDocument {
  kind: 'plan' | 'state';
  resources: TfResource[];
  /** config address → attribute → the references of its expression */
  references: Map<string, Map<string, string[]>>;
}

/** Whether a JSON value is Terraform's `show -json` output. */
export function isTerraformJson(v: unknown): v is Obj {
  return (
    isObj(v) &&
    typeof v.format_version === 'string' &&
    (isObj(v.planned_values) || isObj(v.values) || typeof v.terraform_version === 'string')
  );
}

const stripKeys = (address: string) => address.replace(/\[[^\]]*\]/g, '');

function walkModule(m: unknown, out: TfResource[], seen: Set<string>): void {
  if (!isObj(m)) return;
  for (const r of (m.resources as unknown[] | undefined) ?? []) {
    if (!isObj(r) || typeof r.address !== 'string' || typeof r.type !== 'string') continue;
    if (seen.has(r.address)) continue;
    seen.add(r.address);
    const configAddress = stripKeys(r.address);
    const parts = configAddress.split('.');
    // the resource's own part: `type.name`, or `data.type.name`
    const own = r.mode === 'data' ? 3 : 2;
    out.push({
      address: r.address,
      configAddress,
      module: parts.slice(0, Math.max(0, parts.length - own)).join('.'),
      mode: r.mode === 'data' ? 'data' : 'managed',
      type: r.type,
      values: isObj(r.values) ? r.values : {},
      unknown: new Set(),
    });
  }
  for (const child of (m.child_modules as unknown[] | undefined) ?? [])
    walkModule(child, out, seen);
}

function walkConfig(m: unknown, prefix: string, out: Map<string, Map<string, string[]>>): void {
  if (!isObj(m)) return;
  for (const r of (m.resources as unknown[] | undefined) ?? []) {
    if (!isObj(r) || typeof r.address !== 'string' || !isObj(r.expressions)) continue;
    const attrs = new Map<string, string[]>();
    for (const [k, e] of Object.entries(r.expressions)) {
      if (isObj(e) && Array.isArray(e.references))
        attrs.set(
          k,
          e.references.filter((x): x is string => typeof x === 'string'),
        );
    }
    out.set(prefix ? `${prefix}.${r.address}` : r.address, attrs);
  }
  if (isObj(m.module_calls)) {
    for (const [name, call] of Object.entries(m.module_calls)) {
      if (isObj(call))
        walkConfig(call.module, prefix ? `${prefix}.module.${name}` : `module.${name}`, out);
    }
  }
}

/**
 * Reads the resources of a `terraform show -json` document.
 *
 * @example
 * const tf = readTerraform(JSON.parse(readFileSync('plan.json', 'utf8')));
 * tf?.resources.filter((r) => r.type === 'aws_iam_role');
 */
export function readTerraform(v: unknown): TfDocument | undefined {
  if (!isTerraformJson(v)) return undefined;
  const resources: TfResource[] = [];
  const seen = new Set<string>();
  const plan = isObj(v.planned_values);
  if (plan) walkModule((v.planned_values as Obj).root_module, resources, seen);
  if (isObj(v.values)) walkModule(v.values.root_module, resources, seen);
  // data sources read during the plan live in prior_state
  if (isObj(v.prior_state) && isObj(v.prior_state.values))
    walkModule(v.prior_state.values.root_module, resources, seen);
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  for (const c of (v.resource_changes as unknown[] | undefined) ?? []) {
    if (!isObj(c) || typeof c.address !== 'string' || !isObj(c.change)) continue;
    const r = byAddress.get(c.address);
    const unknown = c.change.after_unknown;
    if (r && isObj(unknown)) {
      for (const [k, u] of Object.entries(unknown)) if (u === true) r.unknown.add(k);
    } else if (!r && typeof c.type === 'string' && isObj(c.change.after)) {
      // a resource the plan creates but planned_values left out: keep what is known
      const configAddress = stripKeys(c.address);
      const res: TfResource = {
        address: c.address,
        configAddress,
        module: typeof c.module_address === 'string' ? c.module_address : '',
        mode: c.mode === 'data' ? 'data' : 'managed',
        type: c.type,
        values: c.change.after,
        unknown: new Set(
          isObj(unknown) ? Object.keys(unknown).filter((k) => unknown[k] === true) : [],
        ),
      };
      resources.push(res);
      byAddress.set(res.address, res);
    }
  }
  const references = new Map<string, Map<string, string[]>>();
  if (isObj(v.configuration)) walkConfig(v.configuration.root_module, '', references);
  return { kind: plan ? 'plan' : 'state', resources, references };
}

export type Resolved =
  | { known: true; value: unknown; via?: TfResource | undefined }
  | { known: false; why: string; via?: TfResource | undefined };

/** The resource a reference such as `aws_iam_policy.x.arn` names, in `module`'s scope. */
function target(
  doc: TfDocument,
  module: string,
  ref: string,
): { res: TfResource; attr: string } | undefined {
  const m = /^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)$/.exec(ref);
  if (!m) return undefined;
  const local = `${m[1] ?? ''}${m[2]}.${m[3]}`;
  const addr = module ? `${module}.${local}` : local;
  const res = doc.resources.find((r) => r.configAddress === addr);
  return res ? { res, attr: m[4] as string } : undefined;
}

/**
 * An attribute's value, following the configuration's reference when the plan does not know
 * it yet.
 */
export function resolve(doc: TfDocument, r: TfResource, attr: string, depth = 0): Resolved {
  const v = r.values[attr];
  if (v !== undefined && v !== null && !r.unknown.has(attr)) return { known: true, value: v };
  const refs = doc.references.get(r.configAddress)?.get(attr) ?? [];
  if (!r.unknown.has(attr) && refs.length === 0) return { known: true, value: undefined };
  for (const ref of refs) {
    const t = target(doc, r.module, ref);
    if (!t) continue;
    if (depth > 4) break;
    const inner = resolve(doc, t.res, t.attr, depth + 1);
    if (inner.known && inner.value !== undefined)
      return { known: true, value: inner.value, via: t.res };
    return { known: false, why: `known only after apply (${ref})`, via: t.res };
  }
  return {
    known: false,
    why: `known only after apply${refs.length > 0 ? ` (${refs[0]})` : ''}`,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const strList = (v: unknown) =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** A role as the Terraform files describe it: a RoleView whose name and ARN may be unknown. */
export interface TfRole extends Pick<
  RoleView,
  'trustPolicy' | 'trustUnknown' | 'maxSessionDuration' | 'inline' | 'attached' | 'boundary'
> {
  address: string;
  name?: string | undefined;
  path: string;
  arn?: string | undefined;
}

export interface TfIam {
  roles: TfRole[];
  providers: ProviderView[];
  notes: string[];
}

/** The IAM model of a Terraform document: roles with their policies linked, and providers. */
export function terraformIam(doc: TfDocument, catalog: AwsPolicyCatalog): TfIam {
  const notes: string[] = [];
  const of = (type: string, mode: 'managed' | 'data' = 'managed') =>
    doc.resources.filter((r) => r.type === type && r.mode === mode);
  const policies = of('aws_iam_policy');

  const managedDoc = (arn: string | undefined, via?: TfResource): PolicyView => {
    if (via?.type === 'aws_iam_policy') {
      const p = resolve(doc, via, 'policy');
      return p.known
        ? { name: arn ?? via.address, document: str(p.value) }
        : { name: arn ?? via.address, unknown: p.why };
    }
    if (!arn) return { name: '?', unknown: 'the policy ARN is unknown' };
    const aws = catalog.get(arn);
    if (aws) return { name: arn, document: aws.document };
    const local = policies.find((p) => {
      const a = str(p.values.arn);
      if (a) return a === arn;
      const name = str(p.values.name);
      const path = str(p.values.path) ?? '/';
      return name !== undefined && arn.endsWith(`:policy${path}${name}`);
    });
    if (local) {
      const p = resolve(doc, local, 'policy');
      return p.known ? { name: arn, document: str(p.value) } : { name: arn, unknown: p.why };
    }
    return {
      name: arn,
      unknown: arn.includes(':aws:policy/')
        ? "an AWS managed policy irsakit's catalogue does not have"
        : 'not defined in the files',
    };
  };

  const roles: TfRole[] = of('aws_iam_role').map((r) => {
    const trust = resolve(doc, r, 'assume_role_policy');
    const name = resolve(doc, r, 'name');
    const role: TfRole = {
      address: r.address,
      name: name.known ? str(name.value) : undefined,
      path: str(r.values.path) ?? '/',
      arn: str(r.values.arn),
      trustPolicy: trust.known ? str(trust.value) : undefined,
      trustUnknown: trust.known ? undefined : trust.why,
      maxSessionDuration:
        typeof r.values.max_session_duration === 'number'
          ? r.values.max_session_duration
          : undefined,
      inline: [],
      attached: [],
    };
    for (const b of (r.values.inline_policy as unknown[] | undefined) ?? []) {
      if (isObj(b) && str(b.name))
        role.inline.push({ name: str(b.name) as string, document: str(b.policy) });
    }
    for (const arn of strList(r.values.managed_policy_arns) ?? [])
      role.attached.push(managedDoc(arn));
    const boundary = resolve(doc, r, 'permissions_boundary');
    if (boundary.known && str(boundary.value)) role.boundary = managedDoc(str(boundary.value));
    else if (!boundary.known) role.boundary = managedDoc(undefined, boundary.via);
    return role;
  });

  /** The role an attachment's `role` names: by name, or by reference to the role resource. */
  const roleOf = (r: TfResource): TfRole | undefined => {
    const v = resolve(doc, r, 'role');
    if (v.via?.type === 'aws_iam_role') return roles.find((x) => x.address === v.via?.address);
    const name = v.known ? str(v.value) : undefined;
    return name === undefined ? undefined : roles.find((x) => x.name === name);
  };
  for (const r of of('aws_iam_role_policy')) {
    const role = roleOf(r);
    const policy = resolve(doc, r, 'policy');
    const name = str(r.values.name) ?? r.address;
    if (!role) {
      notes.push(`${r.address}: its role is not an aws_iam_role of the files`);
      continue;
    }
    // the role's computed inline_policy lists the same policies in a state
    role.inline = role.inline.filter((p) => p.name !== name);
    role.inline.push(
      policy.known ? { name, document: str(policy.value) } : { name, unknown: policy.why },
    );
  }
  for (const r of of('aws_iam_role_policy_attachment')) {
    const role = roleOf(r);
    if (!role) {
      notes.push(`${r.address}: its role is not an aws_iam_role of the files`);
      continue;
    }
    const arn = resolve(doc, r, 'policy_arn');
    role.attached.push(
      arn.known ? managedDoc(str(arn.value), arn.via) : managedDoc(undefined, arn.via),
    );
  }
  const providers: ProviderView[] = of('aws_iam_openid_connect_provider').map((r) => {
    const url = resolve(doc, r, 'url');
    const clientIds = resolve(doc, r, 'client_id_list');
    const thumbs = resolve(doc, r, 'thumbprint_list');
    return {
      arn: str(r.values.arn),
      url: ((url.known ? str(url.value) : undefined) ?? '').replace(/^https:\/\//i, ''),
      clientIds: clientIds.known ? (strList(clientIds.value) ?? []) : undefined,
      thumbprints: thumbs.known
        ? (strList(thumbs.value) ?? []).map((t) => t.toLowerCase())
        : undefined,
      source: r.address,
    };
  });
  return { roles, providers: providers.filter((p) => p.url !== ''), notes };
}
