/**
 * `irsa up`: one process (plus its edge replicas, `--replicas`), two ports. The edge (plain
 * HTTP, default 127.0.0.1:4577) serves AWS, the admin API and health; the issuers (HTTPS with
 * the local CA, default :4578) serve each cluster's OIDC discovery and JWKS. State lives in the
 * data folder's store; what the server recorded (`server.json`) lets every other command find it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  EdgeMetrics,
  type LogFormat,
  createAuditTrail,
  openAuditLog,
  serveAuditLog,
} from '../audit/index.js';
import type { ClusterService } from '../cluster/cluster-service.js';
import { type Clock, systemClock } from '../common/clock.js';
import { durationText } from '../common/durations.js';
import { doctorOps } from '../doctor/collect.js';
import {
  DEFAULT_ISSUER_PORT,
  type ServerRecord,
  dataPaths,
  ensureAdminToken,
  lockDataFolder,
} from '../common/data-dir.js';
import { KeyRing, createIssuerHandler, ensureLocalCa } from '../issuer/index.js';
import {
  deleteOrphanAssociations,
  findAssociation,
} from '../services/eks/pod-identity-associations.js';
import { clusterOwner } from '../services/eks/owner.js';
import { resourceAccountOfArn, resourcePolicyOf } from '../services/resource-policy.js';
import { sweepS3Bodies } from '../services/s3/index.js';
import { QueueNotifier } from '../services/sqs/index.js';
import { openStore, storeLocation } from '../store/open.js';
import type { Store } from '../store/types.js';
import { handleAdmin } from './admin-api.js';
import { watchDisk } from './disk-guard.js';
import { issuerOps } from './issuer-ops.js';
import { DEFAULT_ACCOUNT, wireAws } from './aws-wiring.js';
import { createClusterService } from './cluster-wiring.js';
import { writeCredentialsFile } from './credentials-file.js';
import { createDemo } from './demo.js';
import { type EdgeRoutes, createEdgeHttpServer } from './edge-http.js';
import { ReplicaSet, typed } from './replicas.js';
import { DEFAULT_BODY_BUDGET } from './aws/edge.js';

export interface UpOptions {
  dataDir: string;
  /** the address both ports listen on (default 127.0.0.1: a local identity provider stays local) */
  host?: string;
  /** the edge port (default 4577; 0 picks a free one) */
  port?: number;
  /** the issuers' HTTPS port (default: the port the clusters' issuers already use, else 4578) */
  issuerPort?: number;
  /** create the demo cluster on an empty store */
  demo?: boolean;
  clock?: Clock;
  log?: (line: string) => void;
  /** one line per AWS request (`irsa up`'s terminal); none by default */
  requestLog?: (line: string) => void;
  /** the request log's format (default text) */
  logFormat?: LogFormat;
  /** the audit log's durability: normal (default, as the store's) or full (fsync per commit) */
  auditDurability?: 'full' | 'normal';
  /** how long the audit trail keeps a record (default 90 days, as CloudTrail's event history); null: forever */
  trailRetentionMs?: number | null;
  /** bytes the data folder's disk must keep free, else AWS calls get 503 (default 64 MiB) */
  minFreeBytes?: number;
  /** bytes of request bodies held in memory at once, else 503 (default 1 GiB) */
  bodyBudgetBytes?: number;
  /** processes serving the AWS edge (default 1: this one; more: child processes, see replicas.ts) */
  replicas?: number;
  /** the replicas' entry module (default: the built edge-replica.js beside this module) */
  replicaEntry?: string;
  /**
   * the store: a PostgreSQL URL (`postgres://…`, `irsa up --store`); absent, SQLite in
   * `<dataDir>/irsakit.db`
   */
  storeUrl?: string;
}

/**
 * The store could not be opened (the database unreachable or refusing, a newer irsakit's
 * file, a schema of another data folder): the user's to fix, not an internal error.
 */
export class StoreOpenFailed extends Error {
  override readonly name = 'StoreOpenFailed';
}

/** CloudTrail's event history keeps 90 days. */
export const DEFAULT_TRAIL_RETENTION_MS = 90 * 86_400_000;

export interface RunningServer {
  edge: string;
  issuer: string;
  dataDir: string;
  caCertPath: string;
  thumbprint: string;
  clusters: ClusterService;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** The issuer port the stored clusters were created with, so their issuer URLs stay valid. */
function storedIssuerPort(issuers: string[]): number | undefined {
  for (const i of issuers) {
    const port = Number(new URL(i).port);
    if (port > 0) return port;
  }
  return undefined;
}

/**
 * Starts the server; resolves once both ports listen.
 *
 * @example
 * const s = await startServer({ dataDir: '/tmp/irsa', port: 0, issuerPort: 0 });
 * console.log(s.edge, s.issuer);
 * await s.close();
 */
export async function startServer(o: UpOptions): Promise<RunningServer> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  // one server per data folder: the store and the audit log each assume a single writer
  const unlock = lockDataFolder(o.dataDir);
  try {
    return await serve(o, unlock);
  } catch (e) {
    unlock();
    throw e;
  }
}

async function serve(o: UpOptions, unlock: () => void): Promise<RunningServer> {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? (() => undefined);
  const host = o.host ?? '127.0.0.1';
  const token = ensureAdminToken(o.dataDir);
  const replicas = o.replicas ?? 1;
  let store: Store;
  try {
    // with replicas, other processes write the store too
    store = await openStore(o.dataDir, { url: o.storeUrl, shared: replicas > 1 });
  } catch (e) {
    throw new StoreOpenFailed(
      `cannot open the store ${storeLocation(o.dataDir, o.storeUrl)}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const keyRing = new KeyRing({ store, clock });
  const ca = await ensureLocalCa({
    dataDir: o.dataDir,
    clock,
    sans: host === '127.0.0.1' || host === '0.0.0.0' ? [] : [host],
  });

  // the issuers' port must be known before any cluster is created: issuer URLs embed it
  const late: { clusters?: ClusterService } = {};
  const issuerServer = createHttpsServer(
    // the chain up to the CA: STS compares the thumbprint of the top certificate presented
    { key: ca.serverKeyPem, cert: ca.serverCertPem + ca.caCertPem },
    createIssuerHandler({
      store,
      clock,
      resolveCluster: async (id) => {
        const c = await late.clusters?.clusterById(id);
        return c ? { name: c.name, issuer: c.issuer } : undefined;
      },
    }),
  );
  const existing = (await store.list<{ issuer: string }>('clusters')).map((i) => i.value.issuer);
  const issuerPort = await listen(
    issuerServer,
    o.issuerPort ?? storedIssuerPort(existing) ?? DEFAULT_ISSUER_PORT,
    host,
  );
  const issuerBase = `https://${urlHost(host)}:${issuerPort}`;
  const clusters = createClusterService(store, clock, issuerBase);
  late.clusters = clusters;
  const orphans = await deleteOrphanAssociations(
    store,
    (await clusters.listClusters()).map((c) => c.name),
  );
  if (orphans > 0)
    log(
      `removed ${orphans} pod identity association(s) of clusters deleted before they went with them`,
    );

  const metrics = new EdgeMetrics();
  const retentionMs =
    o.trailRetentionMs === undefined ? DEFAULT_TRAIL_RETENTION_MS : o.trailRetentionMs;
  let audit: Awaited<ReturnType<typeof openAuditLog>>;
  try {
    audit = await openAuditLog(o.dataDir, {
      durability: o.auditDurability,
      onCommit: (c) => metrics.commit(c.size, c.ms),
      retentionMs: retentionMs ?? undefined,
      now: () => clock().getTime(),
      onPrune: (r) =>
        log(
          r instanceof Error
            ? `the audit trail's retention pass failed: ${r.message}`
            : `the audit trail's retention removed ${r.records} record(s) older than ${durationText(retentionMs ?? 0)} and ${r.segments} commit log segment(s)`,
        ),
    });
  } catch (e) {
    // nothing may keep running: the issuers' port and the store close, and the error names
    // the file a supervisor must look at
    issuerServer.close();
    await store.close();
    throw new Error(
      `cannot open the audit trail ${join(o.dataDir, 'audit.db')}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (audit.skippedOnRecovery > 0)
    log(
      `the audit trail's commit log held ${audit.skippedOnRecovery} line(s) that were not records (a crash mid-write, or an edited file): skipped`,
    );
  const trail = createAuditTrail({
    log: audit,
    metrics,
    requestLog: o.requestLog,
    logFormat: o.logFormat,
    defaultAccount: DEFAULT_ACCOUNT,
  });
  const disk = await watchDisk(o.dataDir, { log, minFreeBytes: o.minFreeBytes });
  // body files from before this start that no record names (a crash between writing a body and
  // committing it) are removed once the edge listens; later ones may be a request's, in flight
  const sweepBefore = Date.now();
  const closingSignal = new AbortController();
  // SQS wake-ups reach the replicas' waiting receives (`replicaSet` exists once they run)
  let replicaSet: ReplicaSet | undefined;
  const notifier = new QueueNotifier((key) => {
    for (const r of replicaSet?.replicas() ?? []) r.channel.send({ type: 'sqs.notify', key });
  });
  const aws = await wireAws({
    sqsNotifier: notifier,
    unavailable: disk.full,
    closing: closingSignal.signal,
    bodyBudgetBytes: o.bodyBudgetBytes,
    store,
    dataDir: o.dataDir,
    clock,
    clusters,
    caCertPath: ca.paths.caCert,
    record: trail.record,
    onResult: trail.onResult,
    log,
    audit,
  });
  const writeCredentials = () =>
    writeCredentialsFile(dataPaths(o.dataDir).credentials, aws.adminKeys, DEFAULT_ACCOUNT);
  writeCredentials();
  const accounts = {
    list: async () => aws.adminKeys.map((k) => k.account),
    create: async (account: string) => {
      const k = await aws.createAccount(account);
      writeCredentials();
      return { account: k.account, accessKeyId: k.accessKeyId };
    },
  };
  const admin = {
    token,
    clusters,
    accounts,
    audit,
    trailRetention: retentionMs === null ? undefined : durationText(retentionMs),
    issuer: issuerOps({
      clusters,
      keyRing,
      clock,
      thumbprint: ca.thumbprint,
      caCertPath: ca.paths.caCert,
    }),
    doctor: doctorOps({
      clusters,
      store,
      clock,
      thumbprint: ca.thumbprint,
      // the resource's own policy (bucket, queue, secret), for `irsa doctor --resource ARN`
      resourcePolicy: (arn) => resourcePolicyOf(store, aws.directory, arn),
      resourceAccount: (arn) => resourceAccountOfArn(store, arn),
      podIdentity: async (cluster, ns, sa) => {
        const a = await findAssociation(
          store,
          clusterOwner(await clusters.getCluster(cluster)),
          ns,
          sa,
        );
        return a
          ? {
              associationId: a.associationId,
              roleArn: a.roleArn,
              clusterArn: `arn:aws:eks:${a.region}:${a.account}:cluster/${a.clusterName}`,
              sessionTags: !a.disableSessionTags,
            }
          : undefined;
      },
    }),
  };

  const routes: EdgeRoutes = {
    issuerBase,
    replica: 0,
    metrics: (_req, res) => {
      const text = metrics.render();
      res.writeHead(200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    },
    admin: (req, res, target) => handleAdmin(admin, req, res, new URL(target, 'http://edge')),
    aws: aws.edge,
    log,
  };
  const edgeServer = createEdgeHttpServer(routes);
  let edgePort: number;
  try {
    edgePort = await listen(edgeServer, o.port ?? 4577, host);
  } catch (e) {
    disk.stop();
    issuerServer.close();
    await aws.usage.close();
    await audit.close();
    await store.close();
    throw e;
  }
  const edge = `http://${urlHost(host)}:${edgePort}`;
  const sweeping = sweepS3Bodies(store, o.dataDir, sweepBefore).then(
    (r) => {
      if (r.removed > 0)
        log(
          `removed ${r.removed} object body file(s) no record names (${r.bytes} bytes; left by an earlier process that stopped mid-write)`,
        );
    },
    (e: unknown) =>
      log(
        `could not sweep unreferenced object bodies: ${e instanceof Error ? e.message : String(e)}`,
      ),
  );

  if (o.demo && (await clusters.listClusters()).length === 0) {
    const demo = await createDemo({
      clusters,
      directory: aws.directory,
      iam: aws.iam,
      s3: aws.s3,
      thumbprint: ca.thumbprint,
      clock,
      ensureKey: (c) => keyRing.ensure(c),
    });
    log(
      `created the demo: cluster demo (issuer ${demo.issuer}), role s3-app-role, bucket my-bucket`,
    );
  }

  // the edge replicas, once the store holds everything the start made (demo included)
  let privateServer: Server | undefined;
  if (replicas > 1) {
    // the admin API and metrics, for the replicas to pass their requests on to
    privateServer = createEdgeHttpServer(routes);
    const privatePort = await listen(privateServer, 0, '127.0.0.1');
    const set = new ReplicaSet({
      count: replicas,
      entry: o.replicaEntry,
      // the store's URL (it may carry a password) in the environment, not the command line
      env: { IRSA_REPLICA_STORE: o.storeUrl ?? '' },
      log,
      config: (index) => ({
        dataDir: o.dataDir,
        index,
        issuerBase,
        primaryUrl: `http://127.0.0.1:${privatePort}`,
        caCertPath: ca.paths.caCert,
        requestLog: o.requestLog !== undefined,
        logFormat: o.logFormat,
        minFreeBytes: o.minFreeBytes,
        // the server's ceiling, shared out: each replica holds its part
        bodyBudgetBytes: Math.floor((o.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET) / replicas),
      }),
      onReplica: (r) => {
        const unserve = serveAuditLog(audit, r.channel, { metrics });
        const off = r.channel.onMessage((m) => {
          if (!typed(m)) return;
          if (m.type === 'sqs.notify' && typeof m.key === 'string') {
            // this process's receives, and the other replicas'
            notifier.wake(m.key);
            for (const other of set.replicas())
              if (other !== r) other.channel.send({ type: 'sqs.notify', key: m.key });
          } else if (m.type === 'replica.requests' && Array.isArray(m.lines))
            for (const line of m.lines as string[]) o.requestLog?.(line);
          else if (m.type === 'replica.log' && typeof m.line === 'string')
            log(`edge replica ${r.index}: ${m.line}`);
        });
        return () => {
          off();
          unserve();
        };
      },
    });
    replicaSet = set;
    await set.start();
    set.attach(edgeServer);
  }

  const record: ServerRecord = {
    pid: process.pid,
    edge,
    issuer: issuerBase,
    startedAt: clock().toISOString(),
  };
  const recordPath = dataPaths(o.dataDir).server;
  writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // waiting long polls answer now (empty), before the connections are closed under them
      closingSignal.abort();
      const stop = (s: Server) =>
        new Promise<void>((resolve) => {
          // a connection whose answer is sent becomes idle: close it then, not at the deadline
          const idle = setInterval(() => s.closeIdleConnections(), 25);
          s.close(() => {
            clearInterval(idle);
            resolve();
          });
          s.closeIdleConnections();
          setTimeout(() => s.closeAllConnections(), 2000).unref();
        });
      // replicas answer what they have in flight, their records committed here
      await Promise.all([stop(edgeServer), stop(issuerServer), replicaSet?.close()]);
      if (privateServer) await stop(privateServer);
      disk.stop();
      await sweeping;
      await aws.usage.close();
      await audit.close();
      await store.close();
      try {
        const current = JSON.parse(readFileSync(recordPath, 'utf8')) as ServerRecord;
        if (current.pid === process.pid && current.edge === edge)
          rmSync(recordPath, { force: true });
      } catch {
        // already gone
      }
      unlock();
    })();
    return closing;
  };
  return {
    edge,
    issuer: issuerBase,
    dataDir: o.dataDir,
    caCertPath: ca.paths.caCert,
    thumbprint: ca.thumbprint,
    clusters,
    close,
  };
}
