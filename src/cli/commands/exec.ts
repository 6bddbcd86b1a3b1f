/**
 * `irsa exec [-n NS] (--pod P | -s SA) -- CMD ARGS…`: runs a local program as a container
 * of a pod of the local cluster (DESIGN.md "irsa exec"). The child gets exactly the env the
 * webhook injected into that container at admission (plus the container's own env), with
 * the token files moved under the data folder, `AWS_ENDPOINT_URL` pointing at the edge (and a
 * Pod Identity pod's `AWS_CONTAINER_CREDENTIALS_FULL_URI` at the edge's agent endpoint), and
 * nothing of the caller's AWS identity: every `AWS_*` variable of the shell is dropped (but
 * a few output settings) and the shared credentials and config files point at empty files,
 * as in a pod. The pod's projected tokens are requested from the server bound to the pod
 * and kept fresh as the kubelet does (exec-token.ts). With `-s SA`, a pod is first created
 * for the ServiceAccount through admission (`<sa>-<random>`), and deleted afterwards.
 *
 * The child's exit code is irsa's (128 + n when a signal ends it); SIGINT, SIGTERM and
 * SIGHUP are forwarded; a program that cannot start gives 127.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, posix } from 'node:path';
import type { Command } from 'commander';
import type { KubeObject } from '../../cluster/manifests.js';
import type { AdmissionRecord } from '../../cluster/types.js';
import { resolveDataDir } from '../../common/data-dir.js';
import {
  ROLE_ARN_ANNOTATION,
  containersOf,
  podServiceAccount,
  recreateFix,
  tokenVolume,
} from '../../doctor/derive.js';
import { type ServerOptions, adminClient, clusterOf, serverOptions } from '../client.js';
import { CliError, type Output } from '../io.js';
import { type IssuedToken, TokenRefresher, nodeTimers, writeTokenFile } from './exec-token.js';

/** The caller's `AWS_*` variables a container may keep: output and retry settings only. */
export const KEPT_AWS_VARIABLES = new Set([
  'AWS_PAGER',
  'AWS_DEFAULT_OUTPUT',
  'AWS_CLI_AUTO_PROMPT',
  'AWS_CLI_FILE_ENCODING',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_EC2_METADATA_DISABLED',
]);

/** Env variables holding the path of a projected token. */
const TOKEN_FILE_VARIABLES = [
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];
/**
 * The EKS Pod Identity agent's credentials endpoint as the webhook injects it (its
 * `--container-credentials-full-uri`): the node-local addresses of the agent, which the edge
 * serves at the same path (src/services/eks-auth/agent.ts).
 */
const AGENT_HOSTS = new Set(['169.254.170.23', '[fd00:ec2::23]']);
const AGENT_PATH = '/v1/credentials';

export interface TokenFile {
  /** the env variable that names it */
  variable: string;
  /** where the token is written */
  path: string;
  volume: string;
  audience?: string | undefined;
  expirationSeconds: number;
}

export interface ExecPlan {
  env: Record<string, string>;
  tokens: TokenFile[];
  warnings: string[];
  container: string;
}

export interface ExecPlanInput {
  callerEnv: NodeJS.ProcessEnv;
  pod: KubeObject;
  container?: string | undefined;
  admission?: AdmissionRecord | undefined;
  serviceAccount?: KubeObject | undefined;
  /** the edge, for AWS_ENDPOINT_URL */
  endpoint: string;
  /** `<data>/exec/<cluster>/<ns>/<pod>` */
  podDir: string;
  /** empty shared credentials and config files */
  emptyCredentials: string;
  emptyConfig: string;
  /** how to get the pod admitted afresh (doctor's `recreateFix`), for the warning */
  recreate: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A downward-API field of the pod, as `fieldRef` reads it. */
function fieldOf(pod: KubeObject, path: string): string | undefined {
  const m = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const v: Record<string, unknown> = {
    'metadata.name': m.name,
    'metadata.namespace': m.namespace,
    'metadata.uid': m.uid,
    'spec.serviceAccountName': spec.serviceAccountName,
    'spec.nodeName': spec.nodeName,
    'status.podIP': status.podIP,
    'status.hostIP': status.hostIP,
  };
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label)
    return (m[label[1] as 'labels' | 'annotations'] as Record<string, string>)?.[
      label[2] as string
    ];
  return typeof v[path] === 'string' ? (v[path] as string) : undefined;
}

/** `$(VAR)` in an env value, as the kubelet expands it (earlier variables only; `$$` escapes). */
function expand(value: string, defined: Map<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name?: string) =>
    all === '$$'
      ? '$'
      : name !== undefined && defined.has(name)
        ? (defined.get(name) as string)
        : all,
  );
}

/**
 * The child's environment and token files for one container of a pod. Pure.
 *
 * @example
 * const plan = execPlan({ callerEnv: process.env, pod, endpoint: 'http://127.0.0.1:4577', podDir, … });
 * plan.env.AWS_WEB_IDENTITY_TOKEN_FILE; // `${podDir}/aws-iam-token/token`
 */
export function execPlan(i: ExecPlanInput): ExecPlan {
  const warnings: string[] = [];
  const containers = (i.pod.spec?.containers as Obj[] | undefined) ?? [];
  const c = i.container ? containers.find((x) => x.name === i.container) : containers[0];
  if (!c)
    throw new CliError(
      i.container
        ? `container ${i.container} is not valid for pod ${i.pod.metadata?.name} (its containers: ${containers.map((x) => String(x.name)).join(' ')})`
        : `pod ${i.pod.metadata?.name} has no containers`,
      1,
    );
  const name = String(c.name);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.callerEnv)) {
    if (v === undefined) continue;
    if (k.startsWith('AWS_') && !KEPT_AWS_VARIABLES.has(k)) continue;
    env[k] = v;
  }
  // the container's env, in order, as the kubelet sets it
  const defined = new Map<string, string>();
  for (const e of (c.env as unknown[] | undefined) ?? []) {
    if (!isObj(e) || typeof e.name !== 'string') continue;
    let value: string | undefined;
    if (typeof e.value === 'string') value = expand(e.value, defined);
    else if (isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef))
      value = fieldOf(i.pod, String(e.valueFrom.fieldRef.fieldPath ?? ''));
    else if (isObj(e.valueFrom))
      warnings.push(
        `${e.name} comes from a Secret or ConfigMap, which irsakit does not keep: not set`,
      );
    else value = '';
    if (value === undefined) continue;
    defined.set(e.name, value);
    env[e.name] = value;
  }
  // projected tokens: the file each token variable names, moved under the data folder
  const tokens: TokenFile[] = [];
  const view = containersOf(i.pod).find((x) => x.name === name);
  for (const variable of TOKEN_FILE_VARIABLES) {
    const path = env[variable];
    if (!path) continue;
    const mount = (view?.mounts ?? [])
      .filter((m) => path.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    const rel = mount ? posix.relative(mount.mountPath, path) : undefined;
    const source = mount ? tokenVolume(i.pod, mount.name) : undefined;
    if (!mount || !source || source.path !== rel) {
      warnings.push(`${variable}=${path} is no projected token of the pod: left as it is`);
      continue;
    }
    const local = join(i.podDir, mount.name, ...source.path.split('/'));
    tokens.push({
      variable,
      path: local,
      volume: mount.name,
      audience: source.audience,
      expirationSeconds: source.expirationSeconds ?? 3600,
    });
    env[variable] = local;
  }
  env.AWS_ENDPOINT_URL = i.endpoint;
  // a pod has a home of its own: the AWS CLI caches web-identity credentials under
  // ~/.aws/cli/cache keyed by the role ARN alone, so pods of two ServiceAccounts annotated
  // with one role would share them (the untrusted one would run with the other's
  // credentials). The caller's Python user packages and pyenv stay reachable.
  const callerHome = i.callerEnv.HOME;
  env.HOME = join(i.podDir, 'home');
  if (callerHome) {
    env.PYTHONUSERBASE = i.callerEnv.PYTHONUSERBASE ?? join(callerHome, '.local');
    env.PYENV_ROOT = i.callerEnv.PYENV_ROOT ?? join(callerHome, '.pyenv');
  }
  env.AWS_SHARED_CREDENTIALS_FILE = i.emptyCredentials;
  env.AWS_CONFIG_FILE = i.emptyConfig;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (full !== undefined && isAgentUri(full)) {
    // EKS Pod Identity: the edge is the node's agent
    const local = `${i.endpoint.replace(/\/+$/, '')}${AGENT_PATH}`;
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI = local;
    if (!isLoopback(i.endpoint))
      warnings.push(
        `the pod uses EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI=${local}, but the agent endpoint answers on a loopback address only (and AWS SDKs take http credentials from one only)`,
      );
  }
  if (!env.AWS_ROLE_ARN && !full) warnings.push(noIdentityWarning(i, name));
  return { env, tokens, warnings, container: name };
}

/** Whether `uri` is the agent's own endpoint, as the webhook writes it. */
function isAgentUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return (
      u.protocol === 'http:' &&
      u.port === '' &&
      AGENT_HOSTS.has(u.hostname) &&
      u.pathname === AGENT_PATH
    );
  } catch {
    return false;
  }
}

/** Whether `url`'s host is a loopback one (as the agent endpoint and the SDKs require). */
function isLoopback(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
  } catch {
    return false;
  }
}

function noIdentityWarning(i: ExecPlanInput, container: string): string {
  const ns = i.pod.metadata?.namespace ?? 'default';
  const pod = `${ns}/${i.pod.metadata?.name}`;
  const sa = `${ns}/${podServiceAccount(i.pod)}`;
  const role = i.serviceAccount?.metadata?.annotations?.[ROLE_ARN_ANNOTATION];
  const head = `pod ${pod} (container ${container}) has no IRSA environment (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE)`;
  const tail = 'running anyway: AWS SDKs will find no credentials';
  if (role && i.admission && i.admission.mode === 'none')
    return `${head}: it was admitted at ${i.admission.at}, before ServiceAccount ${sa} had its ${ROLE_ARN_ANNOTATION} annotation, and the webhook never changes a running pod; fix: ${i.recreate}; ${tail}`;
  if (role)
    return `${head}: the webhook left this container out (eks.amazonaws.com/skip-containers, or its own AWS_* env); ${tail}`;
  return `${head}: ServiceAccount ${sa} has no ${ROLE_ARN_ANNOTATION} annotation; annotate it (${ROLE_ARN_ANNOTATION}: arn:aws:iam::<account>:role/<role>), then re-create the pod; ${tail}`;
}

export interface ExecOptions extends ServerOptions {
  namespace?: string;
  pod?: string;
  serviceAccount?: string;
  container?: string;
  keep?: boolean;
}

/** Runs the child; resolves with its exit code (127 when it cannot start). */
function runChild(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  io: Output,
): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    // INVARIANT: the handlers are in place before the child exists: a signal sent as soon as
    // the child is seen running must not find irsa with the default (fatal) disposition.
    // (They run from the event loop, so never before `child` below is set.)
    const forward = (s: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    };
    const handlers = signals.map((s) => [s, () => forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    if (env.HOME) mkdirSync(env.HOME, { recursive: true, mode: 0o700 });
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    const finish = (code: number) => {
      if (done) return;
      done = true;
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      io.err(
        `irsa: exec: cannot run \`${cmd}\`: ${e.code === 'ENOENT' ? 'command not found (not in PATH)' : e.code === 'EACCES' ? 'permission denied' : e.message}`,
      );
      finish(127);
    });
    child.on('exit', (code, signal) => {
      finish(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 0));
    });
  });
}

/**
 * kubectl's form, `irsa exec POD -n NS -- CMD…`: one operand before `--` is the pod. Commander
 * hands every operand over as the command, so the operands after `--` in the raw arguments
 * tell where the pod name ends.
 */
function kubectlForm(command: string[], opts: ExecOptions, cmd: Command): [string[], ExecOptions] {
  // set by parse() (untyped)
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const dashes = raw.indexOf('--');
  if (opts.pod !== undefined || opts.serviceAccount !== undefined || dashes < 0)
    return [command, opts];
  const after = raw.length - dashes - 1;
  if (command.length !== after + 1) return [command, opts];
  return [command.slice(1), { ...opts, pod: command[0] }];
}

/**
 * The pod a target names, as kubectl reads it: `NAME` or `pod/NAME` is the pod;
 * `deploy/NAME` (`deployment/`, `deployments/`, `deployment.apps/`) is one of the Deployment's
 * pods, the first by name.
 */
async function resolvePod(
  client: ReturnType<typeof adminClient>,
  base: string,
  target: string,
): Promise<string> {
  const pod = /^(?:po|pod|pods)\/(.+)$/.exec(target);
  if (pod) return pod[1] as string;
  const dep = /^(?:deploy|deployment|deployments)(?:\.apps)?\/(.+)$/.exec(target);
  if (!dep) return target;
  const name = dep[1] as string;
  // the Deployment itself first: a missing one is NotFound as kubectl words it
  await client.request('GET', `${base}/deployments/${encodeURIComponent(name)}`);
  const pods = await client.request<{ items: KubeObject[] }>('GET', `${base}/pods`);
  const mine = pods.body.items
    .filter((p) => p.metadata?.annotations?.['irsakit.dev/deployment'] === name)
    .map((p) => p.metadata?.name as string)
    .sort();
  if (mine.length === 0) throw new CliError(`error: no pods found for deployment ${name}`, 1);
  return mine[0] as string;
}

/** The empty credentials and config files a child reads instead of ~/.aws. */
function emptyAwsFiles(execDir: string): { credentials: string; config: string } {
  mkdirSync(execDir, { recursive: true, mode: 0o700 });
  const credentials = join(execDir, 'empty-credentials');
  const config = join(execDir, 'empty-config');
  for (const f of [credentials, config]) if (!existsSync(f)) writeFileSync(f, '', { mode: 0o600 });
  return { credentials, config };
}

export async function execCommand(
  command: string[],
  opts: ExecOptions,
  io: Output,
): Promise<number> {
  const [cmd, ...args] = command;
  if (!cmd)
    throw new CliError('irsa exec needs a command: irsa exec -n NS --pod POD -- CMD ARGS…', 2);
  if (!opts.pod === !opts.serviceAccount)
    throw new CliError('name exactly one of --pod POD or -s SERVICEACCOUNT', 2);
  const client = adminClient(opts);
  const cluster = clusterOf(opts);
  const ns = opts.namespace ?? 'default';
  const base = `/clusters/${encodeURIComponent(cluster)}/namespaces/${encodeURIComponent(ns)}`;
  const dataDir = resolveDataDir(opts.data);
  const execDir = join(dataDir, 'exec');
  let podName = opts.pod as string;
  let created = false;
  // a signal during the set-up stops it cleanly (the pod created for -s is removed)
  let aborted: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    aborted ??= s;
  };
  const setupSignals = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map(
    (s) => [s, () => onSignal(s)] as const,
  );
  for (const [s, h] of setupSignals) process.on(s, h);
  const endSetup = () => {
    for (const [s, h] of setupSignals) process.off(s, h);
  };
  const podDir = () => join(execDir, cluster, ns, podName);
  const refreshers: TokenRefresher[] = [];
  const cleanup = async () => {
    // INVARIANT: every refresh in flight has ended before the pod's folder goes, or its
    // write would bring the token file back
    await Promise.all(refreshers.map((r) => r.stop()));
    if (created && !opts.keep) {
      await client
        .request('DELETE', `${base}/pods/${encodeURIComponent(podName)}`)
        .catch(() => undefined);
      await rm(podDir(), { recursive: true, force: true });
    }
  };
  try {
    if (opts.serviceAccount) {
      const sa = opts.serviceAccount;
      await client.request('GET', `${base}/serviceaccounts/${encodeURIComponent(sa)}`);
      const manifest = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: `${sa}-`,
          namespace: ns,
          labels: { 'app.kubernetes.io/managed-by': 'irsa-exec' },
        },
        spec: {
          serviceAccountName: sa,
          containers: [{ name: opts.container ?? 'main', image: 'irsa-exec' }],
        },
      };
      const r = await client.request<{ items: { ref: string }[] }>(
        'POST',
        `/clusters/${encodeURIComponent(cluster)}/apply?namespace=${encodeURIComponent(ns)}`,
        JSON.stringify(manifest),
      );
      const ref = r.body.items[0]?.ref ?? '';
      podName = ref.replace(/^pod\//, '');
      created = true;
      if (opts.keep) io.err(`irsa: pod ${ns}/${podName} created (kept afterwards)`);
    }
    if (!created) podName = await resolvePod(client, base, podName);
    const got = await client.request<{ object: KubeObject; admission?: AdmissionRecord }>(
      'GET',
      `${base}/pods/${encodeURIComponent(podName)}`,
    );
    const pod = got.body.object;
    const saName = podServiceAccount(pod);
    const sa = await client
      .request<{ object: KubeObject }>(
        'GET',
        `${base}/serviceaccounts/${encodeURIComponent(saName)}`,
      )
      .then((x) => x.body.object)
      .catch(() => undefined);
    const deployment = pod.metadata?.annotations?.['irsakit.dev/deployment'];
    const files = emptyAwsFiles(execDir);
    const plan = execPlan({
      callerEnv: process.env,
      pod,
      container: opts.container,
      admission: got.body.admission,
      serviceAccount: sa,
      endpoint: client.endpoint,
      podDir: podDir(),
      emptyCredentials: files.credentials,
      emptyConfig: files.config,
      recreate: recreateFix({ object: pod, deployment }, ns),
    });
    for (const w of plan.warnings) io.err(`irsa: warning: ${w}`);
    for (const t of plan.tokens) {
      const spec: Record<string, unknown> = {
        expirationSeconds: t.expirationSeconds,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: podName, uid: pod.metadata?.uid },
      };
      if (t.audience) spec.audiences = [t.audience];
      const refresher = new TokenRefresher({
        now: Date.now,
        timers: nodeTimers,
        request: async (): Promise<IssuedToken> => {
          const r = await client.request<{
            status?: { token?: string; expirationTimestamp?: string };
          }>('POST', `${base}/serviceaccounts/${encodeURIComponent(saName)}/token`, {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec,
          });
          const token = r.body.status?.token;
          const exp = r.body.status?.expirationTimestamp;
          if (!token || !exp) throw new Error('the TokenRequest answered without a token');
          return { token, expirationTimestamp: exp, expirationSeconds: t.expirationSeconds };
        },
        write: (token) => writeTokenFile(t.path, token),
        log: (line) => io.err(`irsa: exec: ${t.volume}: ${line}`),
      });
      refreshers.push(refresher);
      await refresher.start();
    }
    if (aborted) return 128 + (constants.signals[aborted] ?? 0);
    return await runChild(cmd, args, plan.env, io);
  } finally {
    await cleanup();
    endSetup();
  }
}

export function registerExecCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  serverOptions(
    program
      .command('exec')
      .description(
        "run a program as a container of a pod: the env the webhook injected, the pod's token kept fresh, AWS_ENDPOINT_URL at irsakit, none of your shell's AWS credentials",
      )
      .usage('[options] (POD | --pod POD | -s SERVICEACCOUNT) -- CMD [ARGS…]')
      .argument('<command...>', 'the program and its arguments (after --)')
      .option('-n, --namespace <ns>', 'the namespace', 'default')
      .option('--pod <pod>', 'run as a container of this pod')
      .option(
        '-s, --service-account <sa>',
        'create a pod for this ServiceAccount (through admission) and run in it',
      )
      .option('-c, --container <name>', "the pod's container (default: the first)")
      // kubectl's -i / -t: the program has this terminal and its stdin either way
      .option('-i, --stdin', 'accepted for kubectl’s sake: stdin is always passed')
      .option('-t, --tty', 'accepted for kubectl’s sake: the program has this terminal')
      .option('--keep', 'with -s: keep the created pod afterwards'),
    { cluster: true },
  )
    .addHelpText(
      'after',
      `
Examples:
  irsa exec -n production --pod s3-reader -- aws sts get-caller-identity
  irsa exec s3-reader -n production -- env          (kubectl's form)
  irsa exec -it deploy/s3-app -n production -- sh   (a pod of the Deployment)
  irsa exec -n production -s s3-app -- python3 s3_reader.py

The token file is <data>/exec/<cluster>/<namespace>/<pod>/<volume>/token (mode 0600),
refreshed at 80% of its lifetime. Exit status: the program's (128+n when signal n ends it),
127 when it cannot be started, 1 when the pod or its token cannot be had, 2 on bad arguments.`,
    )
    .action(async (command: string[], opts: ExecOptions, cmd: Command) =>
      setExit(await execCommand(...kubectlForm(command, opts, cmd), io)),
    );
}
