/**
 * `irsa webhook serve`: the pod-identity webhook as a server, a drop-in for
 * amazon-eks-pod-identity-webhook with its flag names (spec/webhook.md §3). ServiceAccounts
 * come from one or more sources: manifest files (`--service-accounts`), a real API server
 * (`--kubeconfig`, `--kube-api`, or in-cluster when no other source is given), and a
 * running irsakit (`--from-irsa --cluster NAME`). Stops cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { readAdminToken, resolveDataDir, resolveEndpoint } from '../../common/data-dir.js';
import {
  defaultContainerCredentials,
  defaultWebhookOptions,
  MIN_TOKEN_EXPIRATION,
  partitionForRegion,
  type WebhookOptions,
} from '../../webhook/index.js';
import { ServiceAccountCache } from '../../webhook/sa-cache.js';
import {
  type RunningWebhookServer,
  startWebhookServer,
  type WebhookServerConfig,
} from '../../webhook/server.js';
import { watchIdentitiesFile } from '../../webhook/sources/identities-file.js';
import { createIrsaSource } from '../../webhook/sources/irsa-server.js';
import { watchServiceAccountFile } from '../../webhook/sources/manifest-file.js';
import { parseCipherSuites, parseTlsMinVersion } from '../../webhook/tls.js';
import { CONFIG_MAP_NAME } from '../../webhook/options.js';
import { CliError, type Output } from '../io.js';

/** The raw options commander hands over (strings, as typed). */
export interface ServeFlags {
  port: string;
  bindAddress?: string;
  metricsPort: string;
  tlsCert: string;
  tlsKey: string;
  tlsMinVersion: string;
  tlsCipherSuites: string;
  inCluster?: boolean;
  annotationPrefix: string;
  tokenAudience: string;
  tokenMountPath: string;
  tokenExpiration: string;
  awsDefaultRegion: string;
  stsRegionalEndpoint: boolean;
  namespace: string;
  watchConfigMap: boolean;
  composeRoleArn: boolean;
  partition?: string;
  account?: string;
  watchContainerCredentialsConfig: string;
  containerCredentialsAudience: string;
  containerCredentialsTokenMountPath: string;
  containerCredentialsTokenVolumeName: string;
  containerCredentialsTokenPath: string;
  containerCredentialsFullUri: string;
  serviceAccountLookupGracePeriod: string;
  enableDebuggingHandlers: boolean;
  kubeconfig?: string;
  kubeApi?: string;
  serviceAccounts: string[];
  fromIrsa: boolean;
  endpoint?: string;
  data?: string;
  cluster?: string;
  pollInterval: string;
}

/** What `serve` runs with, once the flags are checked. */
export interface ServePlan {
  server: Omit<WebhookServerConfig, 'cache' | 'log' | 'options'>;
  options: WebhookOptions;
  identitiesFile?: string;
  serviceAccountFiles: string[];
  kube?: { kubeconfig?: string; kubeApi?: string; watchConfigMap?: { namespace: string } };
  irsa?: { endpoint: string; token: string; cluster: string; intervalMs: number };
}

/**
 * Go's `time.ParseDuration` (`300ms`, `1.5s`, `1m30s`, `0`) in milliseconds.
 *
 * @example
 * parseGoDuration('1m30s'); // 90000
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!m) return undefined;
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    μs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  for (const part of text
    .replace(/^[+-]/, '')
    .matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (unit[part[2] as string] as number);
  }
  return m[1] === '-' ? -total : total;
}

/** Go's flag package boolean: `--flag`, `--flag=true|false|1|0|t|f|…`. */
function goBool(value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new CliError(`invalid boolean value \`${value}\``);
}

function portOf(v: string, name: string): number {
  const n = Number(v);
  if (v === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CliError(`${name} takes a port number (0–65535)`);
  }
  return n;
}

/**
 * Checks the flags and turns them into a plan (throws {@link CliError} on a bad flag).
 *
 * @example
 * const plan = planServe({ ...flags, serviceAccounts: ['sas.yaml'] });
 */
export function planServe(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServePlan {
  const minVersion = parseTlsMinVersion(flags.tlsMinVersion);
  if (!minVersion.ok) throw new CliError(`--tls-min-version: ${minVersion.error}`);
  const ciphers = parseCipherSuites(flags.tlsCipherSuites);
  if (!ciphers.ok) throw new CliError(`--tls-cipher-suites: ${ciphers.error}`);
  const expiration = Number(flags.tokenExpiration);
  if (!/^[+-]?\d+$/.test(flags.tokenExpiration)) {
    throw new CliError('--token-expiration takes a number of seconds');
  }
  const grace = parseGoDuration(flags.serviceAccountLookupGracePeriod);
  if (grace === undefined || grace < 0) {
    throw new CliError(
      '--service-account-lookup-grace-period takes a duration such as 100ms or 1s',
    );
  }
  const pollMs = parseGoDuration(flags.pollInterval);
  if (pollMs === undefined || pollMs <= 0)
    throw new CliError('--poll-interval takes a duration such as 2s');

  let composeRoleArn: WebhookOptions['composeRoleArn'] = null;
  if (flags.composeRoleArn) {
    if (!flags.account || !/^\d{12}$/.test(flags.account)) {
      throw new CliError(
        '--compose-role-arn needs --account (a 12-digit account ID): there is no instance metadata here',
      );
    }
    composeRoleArn = {
      account: flags.account,
      partition: flags.partition ?? partitionForRegion(flags.awsDefaultRegion),
    };
  }

  const options: WebhookOptions = {
    ...defaultWebhookOptions(),
    annotationPrefix: flags.annotationPrefix,
    tokenAudience: flags.tokenAudience,
    tokenMountPath: flags.tokenMountPath,
    // raised to the minimum at start-up, as upstream does
    tokenExpiration: Math.max(MIN_TOKEN_EXPIRATION, expiration),
    awsDefaultRegion: flags.awsDefaultRegion,
    stsRegionalEndpoint: flags.stsRegionalEndpoint,
    composeRoleArn,
    containerCredentials:
      flags.watchContainerCredentialsConfig === ''
        ? null
        : {
            ...defaultContainerCredentials(),
            audience: flags.containerCredentialsAudience,
            mountPath: flags.containerCredentialsTokenMountPath,
            volumeName: flags.containerCredentialsTokenVolumeName,
            tokenPath: flags.containerCredentialsTokenPath,
            fullUri: flags.containerCredentialsFullUri,
          },
  };

  let irsa: ServePlan['irsa'];
  if (flags.fromIrsa) {
    if (!flags.cluster) throw new CliError('--from-irsa needs --cluster NAME');
    const dataDir = resolveDataDir(flags.data, env);
    const token = readAdminToken(dataDir);
    if (!token) {
      throw new CliError(
        `--from-irsa: no admin token in ${dataDir} (is \`irsa up\` running with this --data?)`,
      );
    }
    irsa = {
      endpoint: resolveEndpoint(flags.endpoint, dataDir, env),
      token,
      cluster: flags.cluster,
      intervalMs: pollMs,
    };
  } else if (flags.cluster || flags.endpoint) {
    throw new CliError('--cluster and --endpoint go with --from-irsa');
  }

  const explicitKube = Boolean(flags.kubeconfig || flags.kubeApi);
  const otherSources = flags.serviceAccounts.length > 0 || flags.fromIrsa;
  const kube: ServePlan['kube'] =
    explicitKube || !otherSources
      ? {
          kubeconfig: flags.kubeconfig,
          kubeApi: flags.kubeApi,
          watchConfigMap: flags.watchConfigMap ? { namespace: flags.namespace } : undefined,
        }
      : undefined;
  if (flags.watchConfigMap && !kube) {
    throw new CliError(
      '--watch-config-map reads the ConfigMap from an API server: add --kubeconfig or --kube-api',
    );
  }

  return {
    options,
    identitiesFile: flags.watchContainerCredentialsConfig || undefined,
    serviceAccountFiles: flags.serviceAccounts,
    kube,
    irsa,
    server: {
      bindAddress: flags.bindAddress,
      port: portOf(flags.port, '--port'),
      metricsPort: portOf(flags.metricsPort, '--metrics-port'),
      tlsCertFile: flags.tlsCert,
      tlsKeyFile: flags.tlsKey,
      tlsMinVersion: minVersion.version,
      ciphers: ciphers.ciphers,
      gracePeriodMs: grace,
      debugHandlers: flags.enableDebuggingHandlers,
    },
  };
}

export interface RunningWebhook {
  server: RunningWebhookServer;
  cache: ServiceAccountCache;
  stop(): Promise<void>;
}

/**
 * Starts the sources and the server of a plan (throws {@link CliError} when it cannot).
 *
 * @example
 * const w = await startServe(planServe(flags), (line) => io.err(line));
 * await w.stop();
 */
export async function startServe(
  plan: ServePlan,
  log: (line: string) => void,
): Promise<RunningWebhook> {
  const cache = new ServiceAccountCache(plan.options.annotationPrefix);
  const stops: (() => void | Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    for (const file of plan.serviceAccountFiles) {
      const h = await watchServiceAccountFile(file, cache.source(`file:${file}`), log);
      stops.push(() => h.close());
    }
    if (plan.kube) {
      // loaded on demand: @kubernetes/client-node takes ~0.4 s to load, which every other
      // command would pay
      const { kubeConfigFor, startKubeSources } = await import('../../webhook/sources/kube.js');
      const kc = kubeConfigFor(plan.kube);
      if (typeof kc === 'string') throw new CliError(kc);
      log(`kubernetes: watching service accounts at ${kc.getCurrentCluster()?.server ?? '?'}`);
      const kube = await startKubeSources({
        kc,
        serviceAccounts: cache.source('kubernetes'),
        fetched: plan.server.gracePeriodMs > 0 ? cache.source('kubernetes-get') : undefined,
        configMap: plan.kube.watchConfigMap && {
          namespace: plan.kube.watchConfigMap.namespace,
          name: CONFIG_MAP_NAME,
          defaultExpiration: plan.options.tokenExpiration,
          apply: (entries) => cache.setConfigMap(entries),
        },
        log,
      });
      if (kube.fetcher) cache.addFetcher(kube.fetcher);
      stops.push(() => kube.stop());
    }
    if (plan.irsa) {
      const src = createIrsaSource(plan.irsa, cache.source('irsa'), log);
      await src.start();
      cache.addFetcher(() => void src.poll());
      stops.push(() => src.stop());
    }
    if (plan.identitiesFile) {
      const h = await watchIdentitiesFile(
        plan.identitiesFile,
        (ids) => cache.setPodIdentities(ids),
        log,
      );
      stops.push(() => h.close());
    }
    const started = await startWebhookServer({ ...plan.server, options: plan.options, cache, log });
    if (!started.ok) throw new CliError(started.error);
    const server = started.server;
    stops.push(() => server.close());
    const metrics =
      server.metricsPort === undefined ? '' : `, metrics on http port ${server.metricsPort}`;
    log(`webhook: serving https on port ${server.port} (/mutate, /healthz)${metrics}`);
    return { server, cache, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const done = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerWebhookCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  const webhook = program
    .command('webhook')
    .description('the pod-identity webhook (amazon-eks-pod-identity-webhook drop-in)');
  const cc = defaultContainerCredentials();
  webhook
    .command('serve')
    .description(
      'serve AdmissionReviews over HTTPS (/mutate, /healthz) and Prometheus metrics over HTTP; ' +
        'service accounts from --service-accounts files, an API server (--kubeconfig, --kube-api, ' +
        'in-cluster when no other source is given) and/or a running irsakit (--from-irsa)',
    )
    .option('--port <port>', 'HTTPS port', '443')
    .option('--bind-address <addr>', 'address to listen on (default: all interfaces)')
    .option('--metrics-port <port>', 'plain-HTTP port of /metrics and /healthz', '9999')
    .option(
      '--tls-cert <file>',
      'certificate (PEM), re-read when it changes',
      '/etc/webhook/certs/tls.crt',
    )
    .option(
      '--tls-key <file>',
      'private key (PEM), re-read when it changes',
      '/etc/webhook/certs/tls.key',
    )
    .option('--tls-min-version <v>', '1.0 … 1.3 or VersionTLS10 … VersionTLS13', '')
    .option('--tls-cipher-suites <list>', 'comma list of Go cipher-suite names', '')
    .option(
      '--in-cluster [bool]',
      'accepted for compatibility; the legacy CSR mode is not supported',
      goBool,
    )
    .option('--annotation-prefix <prefix>', 'prefix of SA and pod annotations', 'eks.amazonaws.com')
    .option('--token-audience <aud>', 'default audience of IRSA tokens', 'sts.amazonaws.com')
    .option(
      '--token-mount-path <path>',
      'IRSA token mount path',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount',
    )
    .option('--token-expiration <seconds>', 'default token lifetime (at least 600)', '86400')
    .option('--aws-default-region <region>', 'inject AWS_DEFAULT_REGION and AWS_REGION', '')
    .option(
      '--sts-regional-endpoint [bool]',
      'inject AWS_STS_REGIONAL_ENDPOINTS=regional by default',
      goBool,
      false,
    )
    .option('--namespace <ns>', 'namespace of the pod-identity-webhook ConfigMap', 'eks')
    .option(
      '--watch-config-map [bool]',
      'also read roles from the pod-identity-webhook ConfigMap',
      goBool,
      false,
    )
    .option(
      '--compose-role-arn [bool]',
      'complete role-arn values without `arn:` (needs --account)',
      goBool,
      false,
    )
    .option(
      '--partition <p>',
      'partition for --compose-role-arn (default: from --aws-default-region)',
    )
    .option('--account <id>', 'account for --compose-role-arn')
    .option(
      '--watch-container-credentials-config <file>',
      'Pod Identity identities file (empty: Pod Identity off)',
      '',
    )
    .option('--container-credentials-audience <aud>', 'Pod Identity token audience', cc.audience)
    .option(
      '--container-credentials-token-mount-path <path>',
      'Pod Identity mount path',
      cc.mountPath,
    )
    .option(
      '--container-credentials-token-volume-name <name>',
      'Pod Identity volume name',
      cc.volumeName,
    )
    .option(
      '--container-credentials-token-path <file>',
      'Pod Identity token file name',
      cc.tokenPath,
    )
    .option(
      '--container-credentials-full-uri <uri>',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      cc.fullUri,
    )
    .option(
      '--service-account-lookup-grace-period <duration>',
      'wait this long for an SA not cached yet (e.g. 100ms)',
      '0',
    )
    .option('--enable-debugging-handlers [bool]', '/debug/alpha/* handlers', goBool, false)
    .option('--kubeconfig <file>', 'watch an API server configured by this kubeconfig')
    .option('--kube-api <url>', 'API server URL (overrides the kubeconfig)')
    .option(
      '--service-accounts <file>',
      'ServiceAccount manifests (YAML/JSON), re-read on change; repeatable',
      collect,
      [],
    )
    .option('--from-irsa', 'poll the service accounts of a running irsakit cluster', false)
    .option(
      '--endpoint <url>',
      'irsakit endpoint (default $IRSA_ENDPOINT, the recorded one, http://127.0.0.1:4577)',
    )
    .option(
      '--data <dir>',
      'irsakit data folder holding admin-token (default $IRSA_DATA or ~/.irsa)',
    )
    .option('--cluster <name>', 'irsakit cluster for --from-irsa')
    .option('--poll-interval <duration>', 'how often --from-irsa polls', '2s')
    .action(async (flags: ServeFlags) => {
      const plan = planServe(flags);
      const log = (line: string) => io.err(line);
      const running = await startServe(plan, log);
      const sig = await untilSignal();
      log(`webhook: ${sig}, shutting down`);
      await running.stop();
      setExit(0);
    });
}
