/**
 * Static doctor: the snapshot built from files alone, for CI before `kubectl apply` /
 * `terraform apply`. Each file is one of: Kubernetes manifests (ServiceAccount, Pod,
 * Deployment; YAML or JSON, several documents), an IAM policy document (a trust policy, or
 * a permission policy of the role), or Terraform's `show -json` output (terraform.ts). Pods
 * are previewed as the webhook would admit them (its pure mutation), so the env check says
 * what the pod will get. Pure: the CLI reads the files.
 */
import { readManifests, type KubeObject } from '../cluster/manifests.js';
import type { AwsPolicyCatalog } from '../iam/aws-managed/catalog.js';
import { guessPolicyType } from '../policy/lint/index.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { applyJsonPatch } from '../webhook/json-patch.js';
import { mutatePod } from '../webhook/mutate.js';
import { defaultWebhookOptions } from '../webhook/options.js';
import type { Pod, ServiceAccount } from '../webhook/types.js';
import {
  ROLE_ARN_ANNOTATION,
  annotatedServiceAccounts,
  parseRoleArnParts,
  podServiceAccount,
  roleArnOf,
} from './derive.js';
import { readTerraform, terraformIam, type TfIam } from './terraform.js';
import type { DoctorSnapshot, PodView, RoleView } from './types.js';

export interface StaticFile {
  name: string;
  text: string;
}

export interface StaticOptions {
  namespace?: string | undefined;
  serviceAccount?: string | undefined;
  pod?: string | undefined;
  container?: string | undefined;
  /** the cluster's issuer URL, when the files do not say */
  issuer?: string | undefined;
  /** the region the webhook injects (default: the issuer's EKS region, else us-east-1) */
  region?: string | undefined;
  request?: DoctorSnapshot['request'];
  now: string;
}

/** A problem with the input itself (exit code 2). */
export class StaticInputError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Manifest {
  object: KubeObject;
  file: string;
  namespace: string;
}

interface Inputs {
  manifests: Manifest[];
  trust: StaticFile[];
  permissions: StaticFile[];
  terraform: TfIam[];
  notes: string[];
}

function classify(files: StaticFile[], catalog: AwsPolicyCatalog, defaultNs: string): Inputs {
  const out: Inputs = { manifests: [], trust: [], permissions: [], terraform: [], notes: [] };
  for (const f of files) {
    let json: unknown;
    let jsonError: string | undefined;
    try {
      json = JSON.parse(f.text);
    } catch (e) {
      json = undefined;
      jsonError = (e as Error).message;
    }
    // a .json file (a policy, a terraform plan) that does not parse is reported as JSON, not
    // with the YAML reader's words for what it made of it
    if (json === undefined && /\.json$/i.test(f.name))
      throw new StaticInputError(
        `cannot read \`${f.name}\`: invalid JSON: ${jsonError ?? 'empty'} (expected an IAM policy document or \`terraform show -json\` output)`,
      );
    if (json !== undefined) {
      const tf = readTerraform(json);
      if (tf) {
        const iam = terraformIam(tf, catalog);
        out.terraform.push(iam);
        out.notes.push(
          `${f.name}: terraform ${tf.kind} with ${iam.roles.length} aws_iam_role, ${iam.providers.length} aws_iam_openid_connect_provider`,
          ...iam.notes.map((n) => `${f.name}: ${n}`),
        );
        continue;
      }
      if (isObj(json) && 'Statement' in json) {
        const parsed = parsePolicy(f.text);
        const type = parsed.ok
          ? guessPolicyType(parsed.document)
          : /sts:AssumeRole/i.test(f.text) && /"Principal"/.test(f.text)
            ? 'trust'
            : 'identity';
        (type === 'trust' ? out.trust : out.permissions).push(f);
        continue;
      }
    }
    const docs = readManifests(f.text);
    const broken = docs.find((d) => d.error);
    if (broken || docs.length === 0) {
      throw new StaticInputError(
        `cannot read \`${f.name}\`: ${broken?.error ?? 'empty'} (expected Kubernetes manifests, an IAM policy document, or \`terraform show -json\` output)`,
      );
    }
    for (const d of docs) {
      const o = d.object as KubeObject;
      if (o.kind === 'ServiceAccount' || o.kind === 'Pod' || o.kind === 'Deployment')
        out.manifests.push({
          object: o,
          file: f.name,
          namespace: o.metadata?.namespace ?? defaultNs,
        });
      else if (o.kind !== 'Namespace')
        out.notes.push(`${f.name}: ${o.kind ?? 'an object without kind'} ignored`);
    }
  }
  return out;
}

/** The region of an EKS issuer (`oidc.eks.<region>.amazonaws.com/id/…`). */
function issuerRegion(issuer: string | undefined): string | undefined {
  return issuer ? /oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com/.exec(issuer)?.[1] : undefined;
}

/** The pod a manifest describes: a Pod, or a Deployment's template as its pods look. */
function podOf(m: Manifest): { pod: KubeObject; deployment?: string } | undefined {
  const o = m.object;
  if (o.kind === 'Pod') return { pod: o };
  const template = (o.spec as { template?: KubeObject } | undefined)?.template;
  if (!isObj(template)) return undefined;
  return {
    deployment: o.metadata?.name,
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(template.metadata ?? {}),
        name: `${o.metadata?.name ?? 'deployment'}-…`,
        namespace: m.namespace,
      },
      spec: structuredClone(template.spec ?? {}),
    },
  };
}

function pickServiceAccount(inputs: Inputs, opts: StaticOptions): { ns: string; sa: string } {
  const ns = opts.namespace;
  const sas = inputs.manifests.filter(
    (m) => m.object.kind === 'ServiceAccount' && (!ns || m.namespace === ns),
  );
  if (opts.serviceAccount) {
    const hit = sas.find((m) => m.object.metadata?.name === opts.serviceAccount);
    return { ns: ns ?? hit?.namespace ?? 'default', sa: opts.serviceAccount };
  }
  if (opts.pod) {
    const m = inputs.manifests.find(
      (x) =>
        (x.object.kind === 'Pod' || x.object.kind === 'Deployment') &&
        x.object.metadata?.name === opts.pod &&
        (!ns || x.namespace === ns),
    );
    if (!m) throw new StaticInputError(`no Pod or Deployment \`${opts.pod}\` in the files`);
    const p = podOf(m);
    return { ns: m.namespace, sa: p ? podServiceAccount(p.pod) : 'default' };
  }
  const annotated = sas.filter((m) => m.object.metadata?.annotations?.[ROLE_ARN_ANNOTATION]);
  const pick = annotated.length === 1 ? annotated : sas.length === 1 ? sas : undefined;
  if (pick?.[0]) return { ns: pick[0].namespace, sa: pick[0].object.metadata?.name ?? 'default' };
  const workloads = inputs.manifests.filter((m) => m.object.kind !== 'ServiceAccount');
  if (sas.length === 0 && workloads.length === 1) {
    const p = podOf(workloads[0] as Manifest);
    return {
      ns: (workloads[0] as Manifest).namespace,
      sa: p ? podServiceAccount(p.pod) : 'default',
    };
  }
  if (sas.length === 0 && workloads.length === 0)
    throw new StaticInputError(
      'no ServiceAccount, Pod or Deployment in the files: name the ServiceAccount (irsa doctor -f … -n NAMESPACE SERVICEACCOUNT)',
    );
  throw new StaticInputError(
    `several ServiceAccounts in the files (${sas.map((m) => `${m.namespace}/${m.object.metadata?.name}`).join(', ') || 'none'}): name one (irsa doctor -f … -n NAMESPACE SERVICEACCOUNT)`,
  );
}

/**
 * Builds the static snapshot.
 *
 * @example
 * const snap = staticSnapshot(
 *   [{ name: 'sa.yaml', text: yaml }, { name: 'plan.json', text: plan }],
 *   { now: new Date().toISOString() },
 *   AWS_MANAGED_POLICIES,
 * );
 */
export function staticSnapshot(
  files: StaticFile[],
  opts: StaticOptions,
  catalog: AwsPolicyCatalog,
): DoctorSnapshot {
  const inputs = classify(files, catalog, opts.namespace ?? 'default');
  const { ns, sa: saName } = pickServiceAccount(inputs, opts);
  const saManifest = inputs.manifests.find(
    (m) =>
      m.object.kind === 'ServiceAccount' &&
      m.namespace === ns &&
      m.object.metadata?.name === saName,
  );
  // every namespace has a `default` ServiceAccount, without annotations
  const saObject: KubeObject | undefined =
    saManifest?.object ??
    (saName === 'default'
      ? { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }
      : undefined);
  const providers = inputs.terraform.flatMap((t) => t.providers);
  const issuer = opts.issuer
    ? { url: opts.issuer.replace(/\/+$/, ''), source: '--issuer' }
    : undefined;
  const region =
    opts.region ??
    issuerRegion(opts.issuer ?? (providers.length === 1 ? providers[0]?.url : undefined)) ??
    'us-east-1';

  // pods: as the webhook will admit them; when none runs as the ServiceAccount, those that
  // name no ServiceAccount at all (the usual slip: serviceAccountName forgotten)
  const workloads = inputs.manifests.flatMap((m) => {
    if (m.object.kind === 'ServiceAccount' || m.namespace !== ns) return [];
    if (opts.pod && m.object.metadata?.name !== opts.pod) return [];
    const p = podOf(m);
    return p ? [{ m, p }] : [];
  });
  let chosen = opts.pod
    ? workloads
    : workloads.filter((w) => podServiceAccount(w.p.pod) === saName);
  if (chosen.length === 0 && !opts.pod)
    chosen = workloads.filter(
      (w) => !w.p.pod.spec?.serviceAccountName && !w.p.pod.spec?.serviceAccount,
    );
  const pods: PodView[] = [];
  for (const { m, p } of chosen) {
    const pod = structuredClone(p.pod) as Pod;
    pod.spec ??= {};
    pod.spec.serviceAccountName = podServiceAccount(p.pod);
    const r = mutatePod(
      {
        pod,
        namespace: ns,
        serviceAccount: saObject
          ? ({ ...saObject, metadata: { ...saObject.metadata, name: saName } } as ServiceAccount)
          : undefined,
      },
      { ...defaultWebhookOptions(), awsDefaultRegion: region },
      (min) => min,
    );
    const admitted = r.patch.length > 0 ? applyJsonPatch(pod, r.patch) : pod;
    pods.push({
      object: admitted as KubeObject,
      manifest: true,
      deployment: p.deployment,
      source: m.file,
    });
  }

  // the role: Terraform's, else the policy files
  const roleArn = roleArnOf(saObject, pods)?.arn;
  const parsedRole = roleArn ? parseRoleArnParts(roleArn) : undefined;
  let role: RoleView | undefined;
  const tfRoles = inputs.terraform.flatMap((t) => t.roles);
  if (parsedRole) {
    const tf = tfRoles.find(
      (r) =>
        (r.arn !== undefined && r.arn === roleArn) ||
        (r.name === parsedRole.name && r.path === parsedRole.path),
    );
    const trustFile = inputs.trust[0];
    if (tf) {
      role = {
        arn: tf.arn ?? (roleArn as string),
        name: parsedRole.name,
        account: parsedRole.account,
        trustPolicy: tf.trustPolicy ?? trustFile?.text,
        trustUnknown: tf.trustPolicy === undefined && !trustFile ? tf.trustUnknown : undefined,
        maxSessionDuration: tf.maxSessionDuration,
        inline: [...tf.inline],
        attached: [...tf.attached],
        boundary: tf.boundary,
        source: tf.address,
      };
    } else if (trustFile || inputs.permissions.length > 0) {
      role = {
        arn: roleArn as string,
        name: parsedRole.name,
        account: parsedRole.account,
        trustPolicy: trustFile?.text,
        trustUnknown: trustFile ? undefined : 'no trust policy in the files',
        inline: [],
        attached: [],
        source: trustFile?.name ?? inputs.permissions[0]?.name,
      };
    }
    if (role) {
      for (const f of inputs.permissions) role.inline.push({ name: f.name, document: f.text });
    }
    if (inputs.trust.length > 1 || (tf?.trustPolicy !== undefined && trustFile))
      inputs.notes.push(
        `trust policy taken from ${tf?.trustPolicy !== undefined ? tf.address : trustFile?.name}; ${inputs.trust
          .slice(tf?.trustPolicy !== undefined ? 0 : 1)
          .map((f) => f.name)
          .join(', ')} ignored`,
      );
  }

  const serviceAccounts = inputs.manifests
    .filter((m) => m.object.kind === 'ServiceAccount' && m.namespace === ns)
    .map((m) => m.object);
  return {
    mode: 'static',
    now: opts.now,
    target: {
      namespace: ns,
      serviceAccount: saName,
      pod: opts.pod,
      container: opts.container,
    },
    issuer,
    region,
    serviceAccount: saObject,
    serviceAccountNames: serviceAccounts.map((o) => o.metadata?.name ?? ''),
    annotatedServiceAccounts: annotatedServiceAccounts(serviceAccounts),
    pods,
    podMissing: false,
    iam: {
      providers: providers.length > 0 ? providers : undefined,
      role,
      roleNames: tfRoles.flatMap((r) => (r.name ? [r.name] : [])),
    },
    request: opts.request,
    notes: inputs.notes,
  };
}
