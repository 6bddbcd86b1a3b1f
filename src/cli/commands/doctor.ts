/**
 * `irsa doctor`: walks the IRSA checklist of the seeds for a ServiceAccount or a pod and
 * prints ✓ / ✗ / ! per step with the concrete fix. Live (default): the snapshot comes from
 * the running server's admin API, then the pod's token is really exchanged with STS on the
 * edge. Static (`-f FILE…`): the same checks over manifests, policy JSON and `terraform show
 * -json` output, with no server. Exit 0 when no check fails, 1 otherwise, 2 on bad
 * arguments, 3 when none fails but the simulated call is undecided (it depends on a key only
 * the real request carries, which `--context KEY=VALUE` gives).
 */
import type { Command } from 'commander';
import type * as DoctorModule from '../../doctor/index.js';
import type { DoctorSnapshot } from '../../doctor/index.js';
import { IRSA_VOLUME_NAME } from '../../webhook/options.js';
import {
  type AdminClient,
  type ServerOptions,
  adminClient,
  clusterOf,
  serverOptions,
} from '../client.js';
import { CliError, type Output, readInput } from '../io.js';

export interface DoctorOptions extends ServerOptions {
  namespace?: string;
  pod?: string;
  container?: string;
  action?: string;
  resource?: string;
  context?: string[];
  json?: boolean;
  filename?: string[];
  issuer?: string;
  region?: string;
  failOnWarn?: boolean;
}

/** The call to simulate, from `--action` / `--resource` (exit 2 when half given wrong). */
function requestOf(opts: DoctorOptions): DoctorSnapshot['request'] {
  if (opts.resource !== undefined && opts.action === undefined)
    throw new CliError('--resource needs --action (e.g. --action s3:GetObject)', 2);
  if (opts.context !== undefined && opts.action === undefined)
    throw new CliError('--context needs --action (e.g. --action s3:GetObject)', 2);
  if (opts.action === undefined) return undefined;
  if (!/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(opts.action))
    throw new CliError(
      `--action \`${opts.action}\` is not an action (service:Action, e.g. s3:ListBucket)`,
      2,
    );
  const resource = opts.resource ?? '*';
  if (resource !== '*' && !resource.startsWith('arn:'))
    throw new CliError(`--resource \`${resource}\` is not an ARN (or *)`, 2);
  const context = contextOf(opts.context ?? []);
  return { action: opts.action, resource, ...(context ? { context } : {}) };
}

/**
 * `--context KEY=VALUE` (repeatable; a key given twice has both values): the condition keys
 * only the real request carries, which the simulation otherwise leaves undecided.
 */
function contextOf(pairs: string[]): Record<string, string | string[]> | undefined {
  if (pairs.length === 0) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq);
    if (!/^[^\s=]+:[^\s=]+$/.test(key))
      throw new CliError(
        `--context \`${pair}\` is not KEY=VALUE with a condition key (e.g. aws:SourceIp=10.0.0.1)`,
        2,
      );
    const value = pair.slice(eq + 1);
    const found = Object.keys(out).find((k) => k.toLowerCase() === key.toLowerCase());
    const prev = found === undefined ? undefined : out[found];
    if (found === undefined) out[key] = value;
    else out[found] = [...(Array.isArray(prev) ? prev : [prev as string]), value];
  }
  return out;
}

/**
 * The exchange a pod's SDK would make: with the pod's own token when it has the IRSA volume
 * (bound to the pod, its audience and lifetime, its AWS_ROLE_ARN), else with a fresh token of
 * the ServiceAccount, which is what a re-created pod would get.
 */
async function exchange(
  doctor: typeof DoctorModule,
  client: AdminClient,
  cluster: string,
  snap: DoctorSnapshot,
): Promise<void> {
  const { containersOf, derive, exchangeToken, tokenVolume } = doctor;
  if (snap.podIdentity) {
    snap.exchangeSkipped = `the pods use EKS Pod Identity (association ${snap.podIdentity.associationId}), not a web identity token: \`irsa exec -n ${snap.target.namespace} POD -- aws sts get-caller-identity\` asks the agent as a pod does`;
    return;
  }
  const d = derive(snap);
  const ns = snap.target.namespace;
  const withVolume = snap.pods.find((p) => tokenVolume(p.object, IRSA_VOLUME_NAME));
  const envRole = withVolume
    ? containersOf(withVolume.object)
        .filter((c) => !snap.target.container || c.name === snap.target.container)
        .map((c) => c.env.get('AWS_ROLE_ARN'))
        .find((v) => v)
    : undefined;
  let roleArn: string | undefined;
  const spec: Record<string, unknown> = {};
  let info: { audience: string; boundPod?: string; expirationSeconds: number };
  const annotated = d.settings?.roleArn || undefined;
  // a pod admitted with another role than the annotation's is stale (pod-admission says so):
  // the exchange then tries what a re-created pod would get
  if (withVolume && envRole && (!annotated || envRole === annotated)) {
    const v = tokenVolume(withVolume.object, IRSA_VOLUME_NAME);
    roleArn = envRole;
    info = {
      audience: v?.audience ?? 'the API server audiences',
      boundPod: withVolume.object.metadata?.name,
      expirationSeconds: v?.expirationSeconds ?? 3600,
    };
    if (v?.audience) spec.audiences = [v.audience];
    spec.expirationSeconds = info.expirationSeconds;
    spec.boundObjectRef = {
      kind: 'Pod',
      apiVersion: 'v1',
      name: withVolume.object.metadata?.name,
      uid: withVolume.object.metadata?.uid,
    };
  } else if (annotated && d.settings && snap.serviceAccount) {
    roleArn = annotated;
    info = { audience: d.settings.audience, expirationSeconds: d.settings.tokenExpiration };
    spec.audiences = [d.settings.audience];
    spec.expirationSeconds = d.settings.tokenExpiration;
  } else {
    snap.exchangeSkipped = !snap.serviceAccount
      ? 'no ServiceAccount to get a token for'
      : 'no role ARN (annotation or pod env) to exchange the token for';
    return;
  }
  let token: string | undefined;
  try {
    const r = await client.request<{ status?: { token?: string } }>(
      'POST',
      `/clusters/${encodeURIComponent(cluster)}/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(d.saName ?? '')}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
    );
    token = r.body.status?.token;
  } catch (e) {
    snap.exchangeSkipped = `the TokenRequest failed: ${(e as Error).message}`;
    return;
  }
  if (!token) {
    snap.exchangeSkipped = 'the TokenRequest returned no token';
    return;
  }
  snap.exchange = await exchangeToken({
    endpoint: client.endpoint,
    roleArn,
    sessionName: `irsa-doctor-${Math.floor(Date.now() / 1000)}`,
    token,
    tokenInfo: info,
  });
}

export async function doctorCommand(
  serviceAccount: string | undefined,
  opts: DoctorOptions,
  io: Output,
): Promise<number> {
  const request = requestOf(opts);
  // loaded on use: the policy engine and the managed-policy catalogue stay out of other commands
  const doctor = await import('../../doctor/index.js');
  const { StaticInputError, renderJson, renderText, runChecks, staticSnapshot } = doctor;
  let snap: DoctorSnapshot;
  if (opts.filename && opts.filename.length > 0) {
    if (opts.issuer !== undefined && !/^https?:\/\/[^/]/.test(opts.issuer))
      throw new CliError(`--issuer \`${opts.issuer}\` is not a URL (https://…)`, 2);
    const files = [];
    for (const f of opts.filename) files.push({ name: f, text: await readInput(f) });
    try {
      snap = staticSnapshot(
        files,
        {
          namespace: opts.namespace,
          serviceAccount,
          pod: opts.pod,
          container: opts.container,
          issuer: opts.issuer,
          region: opts.region,
          request,
          now: new Date().toISOString(),
        },
        (await import('../../iam/aws-managed/catalog.js')).AWS_MANAGED_POLICIES,
      );
    } catch (e) {
      if (e instanceof StaticInputError) throw new CliError(e.message, 2);
      throw e;
    }
  } else {
    if (!serviceAccount && !opts.pod)
      throw new CliError(
        'name the ServiceAccount or the pod: irsa doctor -n NAMESPACE SERVICEACCOUNT, or --pod POD (or -f FILE… for static checks)',
        2,
      );
    if (opts.issuer !== undefined || opts.region !== undefined)
      throw new CliError('--issuer and --region are for static checks (-f FILE…)', 2);
    const client = adminClient(opts);
    const cluster = clusterOf(opts);
    const q = new URLSearchParams({ namespace: opts.namespace ?? 'default' });
    if (serviceAccount) q.set('serviceAccount', serviceAccount);
    if (opts.pod) q.set('pod', opts.pod);
    if (opts.container) q.set('container', opts.container);
    if (request) q.set('resource', request.resource);
    snap = (
      await client.request<DoctorSnapshot>(
        'GET',
        `/clusters/${encodeURIComponent(cluster)}/doctor?${q.toString()}`,
      )
    ).body;
    snap.request = request;
    await exchange(doctor, client, cluster, snap);
  }
  const report = runChecks(snap);
  if (opts.json) io.out(renderJson(report, snap.notes));
  else io.out(renderText(report, { color: io.color, notes: snap.notes }));
  const warned = opts.failOnWarn && report.summary.warn > 0;
  if (report.summary.fail > 0 || warned) return 1;
  // no step failed, but one cannot be decided without what only the real request carries
  return report.summary.undecided > 0 ? 3 : 0;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerDoctorCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  serverOptions(
    program
      .command('doctor')
      .description(
        'walk the IRSA checklist for a ServiceAccount or pod (provider, annotation, role, trust policy, pod admission, permissions, lint, the real token exchange), live or from files',
      )
      .argument('[serviceaccount]', 'the ServiceAccount (or give --pod)')
      .option(
        '-n, --namespace <ns>',
        'the namespace (default: default, or the files’ ServiceAccount’s)',
      )
      .option('--pod <pod>', 'check this pod (its ServiceAccount, admission, env and token)')
      .option('-c, --container <name>', 'the container of the pod to check (default: all)')
      .option('--action <action>', 'simulate this call with the role’s policies, e.g. s3:GetObject')
      .option('--resource <arn>', 'the resource of --action (default *)')
      .option(
        '--context <key=value>',
        'a condition key of the call only the real request carries, e.g. aws:SourceIp=10.0.0.1 (repeat it)',
        collect,
      )
      .option('--json', 'print the report as JSON')
      .option(
        '-f, --filename <file>',
        'static mode: a manifest, policy JSON or `terraform show -json` file (repeat -f)',
        collect,
      )
      .option(
        '--issuer <url>',
        'static mode: the cluster’s issuer URL, when the files do not name it',
      )
      .option('--region <region>', 'static mode: the region the webhook injects')
      .option('--fail-on-warn', 'exit 1 on warnings too'),
    { cluster: true },
  )
    .addHelpText(
      'after',
      `
Examples:
  irsa doctor -n production s3-app
  irsa doctor -n production --pod s3-reader --action s3:GetObject --resource arn:aws:s3:::my-bucket/key
  irsa doctor -n production s3-app --action s3:GetObject --resource arn:aws:s3:::my-bucket/key --context aws:SourceIp=127.0.0.1
  irsa doctor -f k8s.yaml -f trust-policy.json -f permissions.json
  terraform show -json plan.out > plan.json && irsa doctor -f k8s.yaml -f plan.json --json

Marks: ✓ pass, ✗ fail (with the fix), ! warning, - skipped (with why), ? undecided (the verdict
depends on a key only the real request carries, such as aws:SourceIp: give it with --context).
Exit status: 0 when no check fails, 1 when one does (or a warning, with --fail-on-warn), 2 on bad
arguments, 3 when none fails but one is undecided.`,
    )
    .action(async (sa: string | undefined, opts: DoctorOptions) =>
      setExit(await doctorCommand(sa, opts, io)),
    );
}
