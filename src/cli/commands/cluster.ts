/**
 * The local cluster's commands, shaped after kubectl's: `irsa apply -f`, `irsa get`,
 * `irsa delete`, `irsa rollout restart`, `irsa token create`, and `irsa cluster …`.
 * They talk to the running server through its admin API.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  type ServerOptions,
  StatusError,
  adminClient,
  clusterOf,
  serverOptions,
} from '../client.js';
import { serviceAccountSettings } from '../../webhook/mutate.js';
import { defaultWebhookOptions } from '../../webhook/options.js';
import type { ServiceAccount } from '../../webhook/types.js';
import { CliError, type Output, readInput } from '../io.js';
import { type KubeObject, readManifests } from '../../cluster/manifests.js';
import { table as lookupTable } from '../../common/own.js';
import { JsonPathError, jsonPath } from '../jsonpath.js';

interface KubeObj {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    creationTimestamp?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  secrets?: unknown[];
}

const RESOURCES: Readonly<Record<string, string>> = lookupTable({
  pod: 'pods',
  pods: 'pods',
  po: 'pods',
  serviceaccount: 'serviceaccounts',
  serviceaccounts: 'serviceaccounts',
  sa: 'serviceaccounts',
  namespace: 'namespaces',
  namespaces: 'namespaces',
  ns: 'namespaces',
  deployment: 'deployments',
  deployments: 'deployments',
  deploy: 'deployments',
  'deployment.apps': 'deployments',
  'deployments.apps': 'deployments',
});

function resource(name: string): string {
  const r = RESOURCES[name.toLowerCase()];
  if (!r)
    throw new CliError(
      `the server doesn't have a resource type "${name}" (irsakit keeps pods, serviceaccounts, namespaces, deployments)`,
      1,
    );
  return r;
}

/**
 * kubectl's AGE: apimachinery's duration.HumanDuration, about two significant figures —
 * `95s` under 2 minutes, `3m5s` under 10, `150m` under 3 hours, `5h3m` under 8, `47h` under 2
 * days, `3d5h` under 8, `300d` under 2 years, `2y30d` under 8, then `9y`. A time up to a second
 * ahead (clock skew) is `0s`; further ahead, `<invalid>`.
 *
 * @example
 * age('2026-12-07T10:00:00Z', Date.parse('2026-12-07T10:03:05Z')) // → '3m5s'
 */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const ms = now - Date.parse(since);
  if (Number.isNaN(ms)) return '<unknown>';
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const both = (a: number, unitA: string, b: number, unitB: string) =>
    b === 0 ? `${a}${unitA}` : `${a}${unitA}${b}${unitB}`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return both(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return both(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return both(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return both(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join(''))
    .join('\n');
}

/**
 * Go's time.ParseDuration for the forms people type: `600s`, `10m`, `1h30m`, `24h`; a bare
 * number is seconds.
 */
export function parseDuration(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    consumed += m[0].length;
  }
  if (consumed !== s.length || s.length === 0)
    throw new CliError(`invalid duration "${s}" (e.g. 600s, 10m, 1h, 24h)`, 2);
  return Math.floor(total);
}

/**
 * YAML as `kubectl -o yaml` writes it (sigs.k8s.io/yaml over go-yaml v2): keys sorted, lists
 * not indented under their key, and a string YAML 1.1 would read as something else quoted —
 * `creationTimestamp: "2026-12-07T10:23:57Z"`, `"yes"`, `"on"`.
 *
 * @example
 * kubectlYaml({ metadata: { creationTimestamp: '2026-12-07T10:23:57Z' } })
 * // → 'metadata:\n  creationTimestamp: "2026-12-07T10:23:57Z"'
 */
export function kubectlYaml(value: unknown): string {
  return stringify(value, { version: '1.1', sortMapEntries: true, indentSeq: false }).trimEnd();
}

type Opts = ServerOptions & {
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  filename?: string[];
};

function print(io: Output, objects: KubeObj[], kind: string, opts: Opts, single: boolean): void {
  if (opts.output === 'json') {
    io.out(
      JSON.stringify(
        single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects },
        null,
        2,
      ),
    );
    return;
  }
  if (opts.output === 'yaml') {
    io.out(kubectlYaml(single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }));
    return;
  }
  // `-o jsonpath=…` and kubectl docs' `-o=jsonpath=…` (commander keeps the `=`)
  const template = /^=?jsonpath=(.*)$/s.exec(opts.output ?? '')?.[1];
  if (template !== undefined) {
    const data = single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    try {
      io.out(jsonPath(template, data));
    } catch (e) {
      if (!(e instanceof JsonPathError)) throw e;
      throw new CliError(
        e.phase === 'parse'
          ? `error parsing jsonpath ${template}, ${e.message}`
          : `error executing jsonpath "${template}": ${e.message}`,
        1,
      );
    }
    return;
  }
  if (opts.output && opts.output !== 'wide' && opts.output !== 'name')
    throw new CliError(
      `unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,jsonpath,name,wide,yaml`,
      2,
    );
  if (objects.length === 0) {
    io.err(
      opts.allNamespaces || kind === 'namespaces'
        ? 'No resources found'
        : `No resources found in ${opts.namespace ?? 'default'} namespace.`,
    );
    return;
  }
  if (opts.output === 'name') {
    io.out(
      objects
        .map(
          (o) =>
            `${kind === 'deployments' ? 'deployment.apps' : (o.kind ?? kind).toLowerCase()}/${o.metadata?.name}`,
        )
        .join('\n'),
    );
    return;
  }
  const wide = opts.output === 'wide';
  const nsCol = opts.allNamespaces && kind !== 'namespaces';
  const head = (cols: string[]) => (nsCol ? ['NAMESPACE', ...cols] : cols);
  const row = (o: KubeObj, cols: string[]) =>
    nsCol ? [o.metadata?.namespace ?? '', ...cols] : cols;
  let rows: string[][];
  switch (kind) {
    case 'pods':
      // -o wide: kubectl's columns, then irsakit's IRSA ROLE (the pod's AWS_ROLE_ARN)
      rows = [
        head([
          'NAME',
          'READY',
          'STATUS',
          'RESTARTS',
          'AGE',
          ...(wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES', 'IRSA ROLE'] : []),
        ]),
      ];
      for (const o of objects) {
        const containers =
          (o.spec?.containers as { env?: { name: string; value?: string }[] }[] | undefined) ?? [];
        const role =
          containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'AWS_ROLE_ARN')?.value ??
          '<none>';
        rows.push(
          row(o, [
            o.metadata?.name ?? '',
            `${containers.length}/${containers.length}`,
            String(o.status?.phase ?? 'Pending'),
            '0',
            age(o.metadata?.creationTimestamp),
            ...(wide
              ? [
                  String(o.status?.podIP ?? '<none>'),
                  String(o.spec?.nodeName ?? '<none>'),
                  String(o.status?.nominatedNodeName ?? '<none>'),
                  readinessGates(o),
                  role,
                ]
              : []),
          ]),
        );
      }
      break;
    case 'serviceaccounts':
      rows = [head(['NAME', 'SECRETS', 'AGE', ...(wide ? ['ROLE'] : [])])];
      for (const o of objects) {
        rows.push(
          row(o, [
            o.metadata?.name ?? '',
            String(o.secrets?.length ?? 0),
            age(o.metadata?.creationTimestamp),
            ...(wide ? [o.metadata?.annotations?.['eks.amazonaws.com/role-arn'] ?? '<none>'] : []),
          ]),
        );
      }
      break;
    case 'namespaces':
      rows = [['NAME', 'STATUS', 'AGE']];
      for (const o of objects)
        rows.push([
          o.metadata?.name ?? '',
          String(o.status?.phase ?? 'Active'),
          age(o.metadata?.creationTimestamp),
        ]);
      break;
    default: {
      rows = [head(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'])];
      // from the Deployment's status, as its controller counts its pods (a zero is left out)
      const count = (o: KubeObj, field: string) => {
        const v = o.status?.[field];
        return String(typeof v === 'number' ? v : 0);
      };
      for (const o of objects) {
        rows.push(
          row(o, [
            o.metadata?.name ?? '',
            `${count(o, 'readyReplicas')}/${String(o.spec?.replicas ?? 1)}`,
            count(o, 'updatedReplicas'),
            count(o, 'availableReplicas'),
            age(o.metadata?.creationTimestamp),
          ]),
        );
      }
    }
  }
  io.out(table(rows));
}

/** kubectl's READINESS GATES column: `<none>`, else `ready/total` of the gates' conditions. */
function readinessGates(o: KubeObj): string {
  const gates = (o.spec?.readinessGates as { conditionType?: string }[] | undefined) ?? [];
  if (gates.length === 0) return '<none>';
  const conditions =
    (o.status?.conditions as { type?: string; status?: string }[] | undefined) ?? [];
  const ready = gates.filter((g) =>
    conditions.some((c) => c.type === g.conditionType && c.status === 'True'),
  ).length;
  return `${ready}/${gates.length}`;
}

/** The extensions kubectl reads in a directory given to `-f` (its builder's FileExtensions). */
const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml'];

/**
 * The files `-f PATH` names, as kubectl's builder expands them: `-` and a file as they are; a
 * directory's `.json`, `.yaml` and `.yml` files, not its subdirectories, in lexical order.
 */
async function manifestFiles(path: string): Promise<string[]> {
  if (path === '-') return [path];
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`the path "${path}" does not exist`, 1);
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((e) => !e.isDirectory() && MANIFEST_EXTENSIONS.some((x) => e.name.endsWith(x)))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0)
    throw new CliError(
      `error reading [${path}]: recognized file extensions are [${MANIFEST_EXTENSIONS.join(' ')}]`,
      1,
    );
  return names.map((n) => join(path, n));
}

/** Kinds that belong to no namespace, which `-n` does not bind. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
]);

/**
 * kubectl's RequireNamespace: with `-n` given, an object that names another namespace is
 * refused before anything is applied.
 */
function namespaceMismatch(object: KubeObject | undefined, namespace: string): string | undefined {
  const own = object?.metadata?.namespace;
  if (!object || !own || own === namespace || CLUSTER_SCOPED.has(String(object.kind))) return;
  return `the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`;
}

/** How kubectl names a kind in `delete`'s lines: `pod`, `deployment.apps`. */
const KIND_NAMES: Readonly<Record<string, string>> = lookupTable({
  pods: 'pod',
  serviceaccounts: 'serviceaccount',
  namespaces: 'namespace',
  deployments: 'deployment.apps',
});

/**
 * `delete`'s arguments, as kubectl reads them: `TYPE NAME…` or `TYPE/NAME…`, not mixed.
 *
 * @example
 * deleteTargets('pod', ['a', 'b']) // → [{ kind: 'pods', name: 'a' }, { kind: 'pods', name: 'b' }]
 */
export function deleteTargets(first: string, rest: string[]): { kind: string; name: string }[] {
  if (first.includes('/')) {
    return [first, ...rest].map((arg) => {
      const slash = arg.indexOf('/');
      if (slash <= 0 || slash === arg.length - 1)
        throw new CliError(
          'arguments in resource/name form must have a single resource and name',
          1,
        );
      return { kind: resource(arg.slice(0, slash)), name: arg.slice(slash + 1) };
    });
  }
  const kind = resource(first);
  if (rest.length === 0)
    throw new CliError('resource(s) were provided, but no name was specified', 1);
  if (rest.some((n) => n.includes('/')))
    throw new CliError(
      "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'irsa get resource/<resource_name>' instead of 'irsa get resource resource/<resource_name>'",
      1,
    );
  return rest.map((name) => ({ kind, name }));
}

/**
 * kubectl create token reports what the API server refused as `failed to create token: ` and
 * the server's message, not as an API error.
 */
function tokenFailure(e: unknown): never {
  if (e instanceof StatusError)
    throw new CliError(`failed to create token: ${e.status.message ?? ''}`, 1);
  throw e;
}

export function registerClusterCommands(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  serverOptions(program.command('apply'), { cluster: true })
    .description(
      'create or update objects from manifests (Namespace, ServiceAccount, Pod, Deployment), like kubectl apply',
    )
    .requiredOption(
      '-f, --filename <file...>',
      'YAML or JSON manifests (`-` for standard input); several documents per file',
    )
    .option(
      '-n, --namespace <ns>',
      'namespace for objects that name none (default "default"); given, objects that name another are refused',
    )
    .action(async (opts: Opts) => {
      const client = adminClient(opts);
      const cluster = clusterOf(opts);
      // every file is read and checked before anything is applied, as kubectl's builder does
      const texts: string[] = [];
      for (const f of opts.filename ?? []) {
        for (const file of await manifestFiles(f)) texts.push(await readInput(file));
      }
      for (const text of texts) {
        for (const d of readManifests(text)) {
          const object = d.object as KubeObject | undefined;
          const meta = object?.metadata;
          // kubectl apply finds an object again by its name, so it refuses a generated one
          // itself, before asking the server (which creates such a pod for `irsa exec -s`)
          if (meta && !meta.name && typeof meta.generateName === 'string')
            throw new CliError(`from ${meta.generateName}: cannot use generate name with apply`, 1);
          const mismatch =
            opts.namespace === undefined ? undefined : namespaceMismatch(object, opts.namespace);
          if (mismatch) throw new CliError(mismatch, 1);
        }
      }
      for (const text of texts) {
        const r = await client.request<{
          items: { ref: string; action: string; message?: string }[];
        }>(
          'POST',
          `/clusters/${encodeURIComponent(cluster)}/apply?namespace=${encodeURIComponent(opts.namespace ?? 'default')}`,
          text,
        );
        for (const o of r.body.items) {
          if (o.action === 'skipped') io.err(`warning: skipped ${o.ref}: ${o.message}`);
          else io.out(`${o.ref} ${o.action}`);
        }
      }
      setExit(0);
    });

  serverOptions(program.command('get'), { cluster: true })
    .description('show pods, serviceaccounts, namespaces or deployments, like kubectl get')
    .argument(
      '<resource>',
      'pods | serviceaccounts | namespaces | deployments (and their short names), or TYPE/NAME',
    )
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'the namespace', 'default')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-o, --output <format>', "json | yaml | wide | name | jsonpath='{.metadata.name}'")
    .action(async (res: string, named: string | undefined, opts: Opts) => {
      // kubectl's TYPE/NAME form, as `-o name` prints it
      const slash = named === undefined ? res.indexOf('/') : -1;
      const kind = resource(slash > 0 ? res.slice(0, slash) : res);
      const name = slash > 0 ? res.slice(slash + 1) : named;
      const client = adminClient(opts);
      const cluster = encodeURIComponent(clusterOf(opts));
      const ns = encodeURIComponent(opts.namespace ?? 'default');
      if (name) {
        const path =
          kind === 'namespaces'
            ? `/clusters/${cluster}/namespaces/-/namespaces/${encodeURIComponent(name)}`
            : `/clusters/${cluster}/namespaces/${ns}/${kind}/${encodeURIComponent(name)}`;
        const r = await client.request<{ object: KubeObj }>('GET', path);
        print(io, [r.body.object], kind, opts, true);
      } else {
        const path =
          kind === 'namespaces' || opts.allNamespaces
            ? `/clusters/${cluster}/${kind}`
            : `/clusters/${cluster}/namespaces/${ns}/${kind}`;
        const r = await client.request<{ items: KubeObj[] }>('GET', path);
        print(io, r.body.items, kind, opts, false);
      }
      setExit(0);
    });

  serverOptions(program.command('delete'), { cluster: true })
    .description(
      'delete objects (a Deployment takes its pods, a Namespace its contents), like kubectl delete',
    )
    .argument('<resource>', 'pod | serviceaccount | namespace | deployment, or TYPE/NAME')
    .argument('[names...]', 'the objects (or more TYPE/NAME)')
    .option('-n, --namespace <ns>', 'the namespace', 'default')
    .action(async (first: string, names: string[], opts: Opts) => {
      const targets = deleteTargets(first, names);
      const client = adminClient(opts);
      const cluster = encodeURIComponent(clusterOf(opts));
      const namespace = opts.namespace ?? 'default';
      // as kubectl: each object is deleted in turn; what the server refuses is reported at the
      // end, and makes the exit code 1
      const failed: string[] = [];
      for (const { kind, name } of targets) {
        const ns = kind === 'namespaces' ? '-' : namespace;
        try {
          await client.request(
            'DELETE',
            `/clusters/${cluster}/namespaces/${encodeURIComponent(ns)}/${kind}/${encodeURIComponent(name)}`,
          );
        } catch (e) {
          if (!(e instanceof StatusError)) throw e;
          failed.push(e.message);
          continue;
        }
        // kubectl since 1.32 names the namespace of a namespaced object (kubernetes#126619)
        io.out(
          `${KIND_NAMES[kind] ?? kind} ${JSON.stringify(name)} deleted${kind === 'namespaces' ? '' : ` from ${namespace} namespace`}`,
        );
      }
      for (const m of failed) io.err(`irsa: ${m}`);
      setExit(failed.length > 0 ? 1 : 0);
    });

  const rollout = program.command('rollout').description('manage a Deployment’s rollout');
  serverOptions(rollout.command('restart'), { cluster: true })
    .description(
      're-create a Deployment’s pods (they are admitted again, with the ServiceAccount’s current role)',
    )
    .argument('<deployment>', 'deployment/NAME, deployment NAME, or NAME')
    .argument('[name]', 'the Deployment, after the type (kubectl’s `deployment NAME`)')
    .option('-n, --namespace <ns>', 'the namespace', 'default')
    .action(async (target: string, second: string | undefined, opts: Opts) => {
      if (second !== undefined && RESOURCES[target.toLowerCase()] !== 'deployments')
        throw new CliError(`error: only deployments can be restarted here, not "${target}"`, 1);
      const name =
        second ?? target.replace(/^(deployment|deployments|deploy|deployments?\.apps)\//, '');
      const client = adminClient(opts);
      await client.request(
        'POST',
        `/clusters/${encodeURIComponent(clusterOf(opts))}/namespaces/${encodeURIComponent(opts.namespace ?? 'default')}/deployments/${encodeURIComponent(name)}/restart`,
      );
      io.out(`deployment.apps/${name} restarted`);
      setExit(0);
    });

  const token = program.command('token').description('service-account tokens');
  serverOptions(token.command('create'), { cluster: true })
    .description('request a service-account token, like kubectl create token')
    .argument('<serviceaccount>', 'the ServiceAccount')
    .option('-n, --namespace <ns>', 'the namespace', 'default')
    .option('--audience <aud...>', 'audiences of the token (default: the API server audiences)')
    .option(
      '--duration <d>',
      'requested lifetime (e.g. 10m, 1h, 24h; minimum 10m; 0: the server decides)',
    )
    .option('--bound-pod <pod>', 'bind the token to this pod (it must run as the ServiceAccount)')
    .action(
      async (
        sa: string,
        opts: Opts & { audience?: string[]; duration?: string; boundPod?: string },
      ) => {
        const client = adminClient(opts);
        const cluster = encodeURIComponent(clusterOf(opts));
        const ns = opts.namespace ?? 'default';
        const spec: Record<string, unknown> = {};
        // as kubectl create token: an empty audience is refused here, and a duration of 0
        // leaves the lifetime to the server
        if (opts.audience?.some((a) => a === ''))
          throw new CliError('--audience must not be an empty string', 2);
        if (opts.audience) spec.audiences = opts.audience;
        const seconds = opts.duration === undefined ? undefined : parseDuration(opts.duration);
        if (seconds) spec.expirationSeconds = seconds;
        if (!opts.audience || !seconds) {
          // an IRSA ServiceAccount defaults to the token its pods get: the webhook's audience
          // and expiration (its annotations, else sts.amazonaws.com and 86400 s)
          const found = await client
            .request<{ object: ServiceAccount }>(
              'GET',
              `/clusters/${cluster}/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}`,
            )
            .catch(tokenFailure);
          const irsa = serviceAccountSettings(found.body.object, defaultWebhookOptions());
          if (irsa.roleArn !== '') {
            if (!opts.audience && irsa.audience !== '') spec.audiences = [irsa.audience];
            if (!seconds) spec.expirationSeconds = irsa.tokenExpiration;
          }
        }
        if (opts.boundPod) {
          const pod = await client.request<{ object: KubeObj & { metadata?: { uid?: string } } }>(
            'GET',
            `/clusters/${cluster}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(opts.boundPod)}`,
          );
          spec.boundObjectRef = {
            kind: 'Pod',
            apiVersion: 'v1',
            name: opts.boundPod,
            uid: pod.body.object.metadata?.uid,
          };
        }
        const r = await client
          .request<{ status?: { token?: string } }>(
            'POST',
            `/clusters/${cluster}/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`,
            {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenRequest',
              spec,
            },
          )
          .catch(tokenFailure);
        for (const w of r.warnings) io.err(`Warning: ${w}`);
        io.out(r.body.status?.token ?? '');
        setExit(0);
      },
    );

  const cluster = program
    .command('cluster')
    .description('local clusters (each with its own OIDC issuer)');
  serverOptions(cluster.command('list'), { cluster: true })
    .description('list clusters and their issuers')
    .option('-o, --output <format>', 'json')
    .action(async (opts: Opts) => {
      const r = await adminClient(opts).request<{
        items: { name: string; issuer: string; region: string; createdAt: string }[];
      }>('GET', '/clusters');
      if (opts.output === 'json') io.out(JSON.stringify(r.body.items, null, 2));
      else
        io.out(
          table([
            ['NAME', 'REGION', 'ISSUER', 'AGE'],
            ...r.body.items.map((c) => [c.name, c.region, c.issuer, age(c.createdAt)]),
          ]),
        );
      setExit(0);
    });
  serverOptions(cluster.command('create'), { cluster: true })
    .description('create a cluster with its own issuer')
    .argument('<name>', 'cluster name')
    .option('--region <region>', 'region', 'us-east-1')
    .option('--account <id>', 'the AWS account EKS shows it to', '123456789012')
    .option('--key-alg <alg>', 'signing keys: RS256 (kube-apiserver’s default) or ES256', 'RS256')
    .action(
      async (name: string, opts: Opts & { region?: string; account?: string; keyAlg?: string }) => {
        const r = await adminClient(opts).request<{ name: string; issuer: string }>(
          'POST',
          '/clusters',
          { name, region: opts.region, account: opts.account, keyAlg: opts.keyAlg },
        );
        io.out(`cluster ${r.body.name} created, issuer ${r.body.issuer}`);
        setExit(0);
      },
    );
  serverOptions(cluster.command('delete'), { cluster: true })
    .description('delete a cluster and everything in it')
    .argument('<name>', 'cluster name')
    .action(async (name: string, opts: Opts) => {
      await adminClient(opts).request('DELETE', `/clusters/${encodeURIComponent(name)}`);
      io.out(`cluster ${name} deleted`);
      setExit(0);
    });
  serverOptions(cluster.command('describe'), { cluster: true })
    .description('show a cluster, its issuer, the CA thumbprint and the signing keys')
    .argument('[name]', 'cluster name (default --cluster, $IRSA_CLUSTER or demo)')
    .action(async (name: string | undefined, opts: Opts) => {
      const client = adminClient(opts);
      const c = encodeURIComponent(name ?? clusterOf(opts));
      const cl = await client.request<Record<string, unknown>>('GET', `/clusters/${c}`);
      const iss = await client.request<Record<string, unknown>>('GET', `/clusters/${c}/issuer`);
      io.out(stringify({ cluster: cl.body, issuer: iss.body }).trimEnd());
      setExit(0);
    });
}

/** `irsa issuer rotate` and `irsa issuer describe`, added to the `issuer` command group. */
export function registerIssuerRotate(
  issuer: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  serverOptions(issuer.command('rotate'), { cluster: true })
    .description(
      'create the next signing key: published in the JWKS now, signing only after --activate-after (the discovery max-age, 3600 s); old keys stay published until their tokens expire',
    )
    .option('--alg <alg>', 'RS256 or ES256 (default: the current key’s)')
    .option(
      '--activate-after <seconds>',
      'seconds before the new key signs (at least 3600, the JWKS cache lifetime)',
    )
    .action(async (opts: Opts & { alg?: string; activateAfter?: string }) => {
      const body: Record<string, unknown> = {};
      if (opts.alg) body.alg = opts.alg;
      if (opts.activateAfter !== undefined) {
        const n = Number(opts.activateAfter);
        if (!Number.isInteger(n) || n < 0)
          throw new CliError('--activate-after takes a whole number of seconds', 2);
        body.activateAfterSeconds = n;
      }
      const r = await adminClient(opts).request<{
        key: { kid: string; alg: string; activateAt?: string; state: string };
        keys: { kid: string; alg: string; state: string }[];
      }>('POST', `/clusters/${encodeURIComponent(clusterOf(opts))}/issuer/rotate`, body);
      io.out(
        `new key ${r.body.key.kid} (${r.body.key.alg}) is ${r.body.key.state}${r.body.key.activateAt ? `; it signs from ${r.body.key.activateAt}` : ''}`,
      );
      io.out(table([['KID', 'ALG', 'STATE'], ...r.body.keys.map((k) => [k.kid, k.alg, k.state])]));
      setExit(0);
    });
}
