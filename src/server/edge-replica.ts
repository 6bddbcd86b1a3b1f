/**
 * An edge replica (see replicas.ts): a process the primary of `irsa up` forks to serve AWS
 * calls on the connections it hands over. It opens the shared store, wires the AWS side as the
 * primary does, sends its audit records (and request log lines, metrics and SQS wake-ups) to
 * the primary over IPC, and passes the admin API and metrics to the primary's private port.
 * It stops when told to (answering what is in flight), or at once when the primary is gone.
 */
import type { Socket } from 'node:net';
import { RemoteAuditLog, createAuditTrail } from '../audit/index.js';
import { systemClock } from '../common/clock.js';
import { QueueNotifier } from '../services/sqs/index.js';
import { openStore } from '../store/open.js';
import { DEFAULT_ACCOUNT, wireAws } from './aws-wiring.js';
import { createClusterService } from './cluster-wiring.js';
import { watchDisk } from './disk-guard.js';
import { createEdgeHttpServer, proxyTo } from './edge-http.js';
import { type ReplicaConfig, parentChannel, typed } from './replicas.js';
import type { LogFormat } from '../audit/index.js';

/** what the replica does with a message of the primary, once it is ready */
let serve: ((m: { type: string } & Record<string, unknown>, socket?: Socket) => void) | undefined;

// Ctrl-C, and a service manager's SIGTERM, reach the whole process group: the primary decides
// when a replica stops (it answers what is in flight first), from the start
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

// the primary is gone, even while this one starts: nothing here could commit a record any more
process.on('disconnect', () => process.exit(1));

// listening from the start: a stop asked for while starting is not lost (it ends the start)
process.on('message', (m: unknown, socket?: Socket) => {
  if (!typed(m)) return;
  if (serve) serve(m, socket);
  else if (m.type === 'replica.stop') process.exit(0);
  else socket?.destroy();
});

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ReplicaConfig;
  const channel = parentChannel();
  const clock = systemClock;
  const log = (line: string) => channel.send({ type: 'replica.log', line });
  // the primary's store: PostgreSQL when it gave its URL (IRSA_REPLICA_STORE), else its SQLite file
  const store = await openStore(config.dataDir, {
    url: process.env.IRSA_REPLICA_STORE || undefined,
    shared: true,
  });
  const clusters = createClusterService(store, clock, config.issuerBase);
  // records, and the metrics of the calls, go to the primary
  const audit = new RemoteAuditLog(channel);
  let lines: string[] = [];
  const trail = createAuditTrail({
    log: audit,
    metrics: audit.metrics,
    requestLog: config.requestLog
      ? (line) => {
          if (lines.length === 0)
            setImmediate(() => {
              channel.send({ type: 'replica.requests', lines });
              lines = [];
            });
          lines.push(line);
        }
      : undefined,
    logFormat: config.logFormat as LogFormat | undefined,
    defaultAccount: DEFAULT_ACCOUNT,
    explainErrors: log,
  });
  const disk = await watchDisk(config.dataDir, { log, minFreeBytes: config.minFreeBytes });
  const closing = new AbortController();
  // a message sent here wakes the receives waiting in the other processes, and theirs ours
  const notifier = new QueueNotifier((key) => channel.send({ type: 'sqs.notify', key }));
  const aws = await wireAws({
    unavailable: disk.full,
    closing: closing.signal,
    bodyBudgetBytes: config.bodyBudgetBytes,
    store,
    dataDir: config.dataDir,
    clock,
    clusters,
    caCertPath: config.caCertPath,
    record: trail.record,
    onResult: trail.onResult,
    log,
    audit,
    sqsNotifier: notifier,
    // the primary made the accounts; a replica only reads them
    accounts: [],
  });
  const primary = proxyTo(new URL(config.primaryUrl));
  const server = createEdgeHttpServer({
    issuerBase: config.issuerBase,
    replica: config.index,
    metrics: primary,
    admin: async (req, res) => {
      await primary(req, res);
      return true;
    },
    aws: aws.edge,
    log,
  });
  // the connections come from the primary, never from a listen of ours: what a listening
  // server sets up (tracking connections for the header and request timeouts) is set up here
  server.emit('listening');

  // the connections handed over (never counted by the server: it does not listen)
  const open = new Set<Socket>();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      closing.abort();
      // the connections answer what is in flight and close as they go idle; past 2 s, they
      // are closed whatever they are doing
      const deadline = Date.now() + 2000;
      while (open.size > 0) {
        if (Date.now() > deadline) server.closeAllConnections();
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      server.close();
      disk.stop();
      await aws.usage.close();
      await audit.close();
      await store.close();
    })();
    return stopping;
  };

  serve = (m, socket) => {
    if (m.type === 'edge.connection' && socket) {
      if (stopping) {
        socket.destroy();
        return;
      }
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      server.emit('connection', socket);
      socket.resume();
    } else if (m.type === 'sqs.notify' && typeof m.key === 'string') notifier.wake(m.key);
    else if (m.type === 'replica.stop')
      void stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  channel.send({ type: 'replica.ready' });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `irsa: edge replica failed to start: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});
