/**
 * Edge replicas: `irsa up --replicas N` (N > 1) serves the AWS edge from N child processes,
 * because one event loop is the edge's ceiling (SigV4, the policy engine and the audit record
 * cost ~150–250 µs of CPU per call, all on one thread). The primary process accepts every
 * connection of the edge port and hands each to a replica in turn (`child_process` handle
 * passing; a keep-alive connection stays where it landed; the primary serves one itself only
 * while no replica is ready). Replicas serve AWS from the shared store (SQLite in shared mode:
 * every process sees every commit before its next read), and pass the admin API and metrics
 * to the primary's private port. The primary alone runs the clusters' issuers, the admin API,
 * the audit log's writer (replicas send their records over IPC — `RemoteAuditLog` — and answer
 * once the primary committed them) and everything on a timer.
 *
 * What it costs: a replica's record crosses the IPC channel twice (the record, the answer) and
 * each process checks the store for the others' commits, ~50–100 µs of CPU per call in all.
 * On two cores shared with the load generator that is more than a second event loop gains
 * (README, Benchmarks); the gain is for machines with cores to spare.
 *
 * A replica that dies is started again; its connections die with it, as they would with the
 * process. The primary dying takes the replicas with it (they exit when its IPC channel
 * closes).
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import type { Channel } from '../audit/index.js';

/** What a replica is started with (argv, JSON). */
export interface ReplicaConfig {
  dataDir: string;
  /** the replica's number, 1… (the primary is 0) */
  index: number;
  issuerBase: string;
  /** the primary's private HTTP port (loopback): the admin API and metrics */
  primaryUrl: string;
  caCertPath: string;
  requestLog: boolean;
  logFormat?: string | undefined;
  minFreeBytes?: number | undefined;
  bodyBudgetBytes?: number | undefined;
}

/** A message whose `type` is a string. */
export function typed(m: unknown): m is { type: string } & Record<string, unknown> {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** The IPC channel to a child process; sends to a child that is gone are dropped. */
export function childChannel(child: ChildProcess): Channel {
  return {
    send(message) {
      if (!child.connected) return;
      child.send(message as never, undefined, undefined, () => undefined);
    },
    onMessage(handler) {
      const h = (m: unknown) => handler(m);
      child.on('message', h);
      return () => child.off('message', h);
    },
  };
}

/** The IPC channel to the parent, in a replica. */
export function parentChannel(): Channel {
  return {
    send(message) {
      if (!process.connected || !process.send) return;
      process.send(message as never, undefined, undefined, () => undefined);
    },
    onMessage(handler) {
      const h = (m: unknown) => handler(m);
      process.on('message', h);
      return () => process.off('message', h);
    },
  };
}

export interface Replica {
  index: number;
  channel: Channel;
  child: ChildProcess;
}

export interface ReplicaSetOptions {
  count: number;
  /** variables added to the replicas' environment (what must not show on a command line) */
  env?: Record<string, string> | undefined;
  config: (index: number) => ReplicaConfig;
  /** a replica is up (its channel answers); called again for a restarted one */
  onReplica: (r: Replica) => () => void;
  log: (line: string) => void;
  /** the replica's entry module (default: edge-replica.js beside this one) */
  entry?: string;
}

/**
 * The replicas of the edge, and the connection rotation over them and the primary.
 */
export class ReplicaSet {
  private readonly o: ReplicaSetOptions;
  private readonly ready = new Map<number, { replica: Replica; detach: () => void }>();
  private readonly children = new Map<number, ChildProcess>();
  private turn = 0;
  private closing = false;

  constructor(o: ReplicaSetOptions) {
    this.o = o;
  }

  /** Starts every replica; resolves once each is ready (or failed to start: logged). */
  async start(): Promise<void> {
    const starts: Promise<void>[] = [];
    for (let i = 1; i <= this.o.count; i++) starts.push(this.spawn(i));
    await Promise.all(starts);
  }

  private spawn(index: number): Promise<void> {
    const entry = this.o.entry ?? new URL('./edge-replica.js', import.meta.url).pathname;
    const child = fork(entry, [JSON.stringify(this.o.config(index))], {
      ...(this.o.env ? { env: { ...process.env, ...this.o.env } } : {}),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.children.set(index, child);
    return new Promise<void>((resolve) => {
      let up = false;
      const onReady = (m: unknown) => {
        if (!typed(m) || m.type !== 'replica.ready') return;
        child.off('message', onReady);
        up = true;
        const replica: Replica = { index, channel: childChannel(child), child };
        this.ready.set(index, { replica, detach: this.o.onReplica(replica) });
        resolve();
      };
      child.on('message', onReady);
      child.once('exit', (code, signal) => {
        const was = this.ready.get(index);
        this.ready.delete(index);
        this.children.delete(index);
        was?.detach();
        if (!up) resolve();
        if (this.closing) return;
        this.o.log(
          `edge replica ${index} stopped (${signal ?? `exit ${code}`}); starting it again`,
        );
        // not in a tight loop should it die on start every time
        setTimeout(() => void (this.closing ? undefined : this.spawn(index)), 1000).unref();
      });
    });
  }

  /**
   * Takes over `server`'s connections: each is given, paused, to the next process in turn —
   * the primary's HTTP server (`server` itself) or a replica.
   */
  attach(server: Server): void {
    const [http] = server.listeners('connection') as ((s: Socket) => void)[];
    if (!http) throw new Error('the edge server has no connection listener');
    server.removeAllListeners('connection');
    // no byte read here before a connection is handed on
    (server as Server & { pauseOnConnect: boolean }).pauseOnConnect = true;
    server.on('connection', (socket: Socket) => {
      // the replicas in turn; the primary itself only while none is ready
      const replicas = [...this.ready.values()];
      const to = replicas[this.turn++ % Math.max(1, replicas.length)]?.replica.child;
      if (to?.connected) {
        to.send({ type: 'edge.connection' }, socket, { keepOpen: false }, (e) => {
          if (e) socket.destroy();
        });
        return;
      }
      http.call(server, socket);
      socket.resume();
    });
  }

  /** Every ready replica. */
  replicas(): Replica[] {
    return [...this.ready.values()].map((r) => r.replica);
  }

  /** Asks every replica to stop (they answer what is in flight) and waits, up to `ms`. */
  async close(ms = 5000): Promise<void> {
    this.closing = true;
    const exits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => resolve());
          if (child.connected)
            child.send({ type: 'replica.stop' }, undefined, undefined, () => undefined);
          else child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), ms).unref();
        }),
    );
    await Promise.all(exits);
  }
}
