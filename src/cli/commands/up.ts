/**
 * `irsa up`: starts the server in the foreground and says where everything is; stops cleanly
 * on SIGINT/SIGTERM.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { dataPaths, resolveDataDir } from '../../common/data-dir.js';
import { durationText, parseRetention } from '../../common/durations.js';
import { isPostgresUrl, redactStoreUrl } from '../../store/store-url.js';
import { CliError, type Output, batchedLines } from '../io.js';

function port(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`${name} takes a port number (0–65535)`);
  return n;
}

export function registerUpCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  program
    .command('up')
    .description(
      'start irsakit: the AWS edge and admin API, and the clusters’ OIDC issuers over HTTPS',
    )
    .option('--port <port>', 'edge port', '4577')
    .option(
      '--issuer-port <port>',
      'issuers’ HTTPS port (default: the one the clusters use, else 4578)',
    )
    .option(
      '--host <addr>',
      'address to listen on (a local identity provider should stay local)',
      '127.0.0.1',
    )
    .option('--data <dir>', 'data folder (default $IRSA_DATA or ~/.irsa)')
    .option(
      '--store <url>',
      'keep IAM, STS, EKS and the services’ state in PostgreSQL (postgres://user@host:5432/db?schema=irsakit; default $IRSA_STORE, else SQLite in the data folder)',
    )
    .option('--no-demo', 'start with an empty store (no demo cluster)')
    .option('--log-format <format>', 'one line per AWS request: text | json | none', 'text')
    .option(
      '--trail-retention <duration>',
      'how long the audit trail keeps a call: 90d (as CloudTrail), 12h, 2w, … or forever',
      '90d',
    )
    .option(
      '--replicas <n>',
      'processes serving the AWS edge (more than 1: child processes sharing its port and store, one event loop each; for machines with cores to spare)',
      '1',
    )
    .action(
      async (opts: {
        port: string;
        issuerPort?: string;
        host: string;
        data?: string;
        store?: string;
        demo: boolean;
        logFormat: string;
        trailRetention: string;
        replicas: string;
      }) => {
        const replicas = Number(opts.replicas);
        if (!Number.isInteger(replicas) || replicas < 1 || replicas > 64)
          throw new CliError(
            `--replicas takes a whole number from 1 to 64, not \`${opts.replicas}\``,
          );
        if (!['text', 'json', 'none'].includes(opts.logFormat))
          throw new CliError('--log-format takes text, json or none');
        const trailRetentionMs = parseRetention(opts.trailRetention);
        if (trailRetentionMs === undefined)
          throw new CliError(
            `--trail-retention takes a duration (90d, 12h, 30m, 2w) or forever, not \`${opts.trailRetention}\``,
          );
        const storeUrl = opts.store ?? (process.env.IRSA_STORE || undefined);
        if (storeUrl !== undefined && !isPostgresUrl(storeUrl))
          throw new CliError(
            `--store takes a PostgreSQL URL (postgres://user@host:5432/db), not \`${redactStoreUrl(storeUrl)}\`; without it the store is SQLite in the data folder`,
          );
        const dataDir = resolveDataDir(opts.data);
        // loaded on demand: the other commands start without the server's dependencies
        const { startServer } = await import('../../server/up.js');
        let server;
        try {
          server = await startServer({
            dataDir,
            host: opts.host,
            port: port(opts.port, '--port'),
            issuerPort: port(opts.issuerPort, '--issuer-port'),
            demo: opts.demo,
            log: (l) => io.err(`irsa: ${l}`),
            requestLog: batchedLines((text) => io.out(text)),
            logFormat: opts.logFormat as 'text' | 'json' | 'none',
            trailRetentionMs,
            replicas,
            storeUrl,
          });
        } catch (e) {
          if ((e as Error).name === 'DataFolderInUse' || (e as Error).name === 'StoreOpenFailed')
            throw new CliError((e as Error).message, 1);
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE')
            throw new CliError(
              `a port is in use (${(e as Error).message.replace(/^.*EADDRINUSE: /, '')}): is irsakit already running? Use --port / --issuer-port`,
              1,
            );
          throw e;
        }
        const clusters = await server.clusters.listClusters();
        // with JSON request logs, standard output carries nothing but JSON lines
        const say = (text: string) => (opts.logFormat === 'json' ? io.err(text) : io.out(text));
        const demo = clusters.some((c) => c.name === 'demo');
        say(
          [
            'irsakit is up',
            `  AWS endpoint:      ${server.edge}   (AWS_ENDPOINT_URL; metrics at /metrics)`,
            `  credentials:       ${join(dataDir, 'credentials')}   (the accounts' admins: eval "$(irsa env)")`,
            `  issuers (HTTPS):   ${server.issuer}`,
            `  local CA:          ${server.caCertPath} (SHA-1 thumbprint ${server.thumbprint})`,
            `  data:              ${dataDir}`,
            `  store:             ${storeUrl !== undefined ? `PostgreSQL ${redactStoreUrl(storeUrl)}` : `SQLite ${dataPaths(dataDir).store}`}`,
            ...(replicas > 1
              ? [`  edge processes:    ${replicas} (--replicas; one event loop each)`]
              : []),
            `  audit trail:       ${trailRetentionMs === null ? 'kept forever' : `kept ${durationText(trailRetentionMs)}`} (--trail-retention)`,
            ...clusters.map(
              (c) =>
                `  cluster ${c.name}:${' '.repeat(Math.max(1, 10 - c.name.length))}issuer ${c.issuer}`,
            ),
            '',
            ...(demo
              ? [
                  'try the demo (pods of production/s3-app may read my-bucket; production/web-app is not trusted):',
                  '  irsa exec -n production -s s3-app -- aws sts get-caller-identity',
                  '  irsa exec -n production -s s3-app -- aws s3 cp s3://my-bucket/hello.txt -',
                  '  irsa exec -n production -s web-app -- aws s3 ls      # refused: see `irsa trail --errors`, `irsa why <request id>`',
                ]
              : [
                  'try:',
                  '  irsa cluster create demo',
                  '  irsa apply -f examples/k8s/namespace.yaml -f examples/k8s/s3-app-serviceaccount.yaml',
                  '  irsa token create -n production s3-app',
                ]),
            '  irsa trail --follow        (every AWS call; `irsa why <request id>` explains one)',
          ].join('\n'),
        );
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        io.err('irsa: stopping');
        await server.close();
        setExit(0);
      },
    );
}
