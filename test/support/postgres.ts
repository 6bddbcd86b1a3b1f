/**
 * A private PostgreSQL server for the tests: its own data folder under the temporary folder,
 * its own port on 127.0.0.1, trust authentication for the `irsa` superuser, no fsync. Made from
 * the machine's PostgreSQL binaries (Debian's `postgresql` package puts them under
 * /usr/lib/postgresql/<version>/bin); as root it runs as the `postgres` user, since PostgreSQL
 * refuses to run as root. Used by the vitest global setup (test/support/global-setup.ts).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  /** postgres://irsa@127.0.0.1:<port>/postgres */
  url: string;
  /** stops the server, keeping its data (its clients see their connections cut) */
  halt(): Promise<void>;
  /** starts it again on the same data and port, after `halt` */
  resume(): Promise<void>;
  /** stops it for good, its data deleted */
  stop(): Promise<void>;
}

/** The folder of the newest installed PostgreSQL's binaries, or undefined. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The uid and gid to run PostgreSQL as: the `postgres` user when this process is root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts a private PostgreSQL server; undefined when the machine has no PostgreSQL.
 *
 * @example
 * const pg = await startPostgres();
 * if (pg) { …pg.url…; await pg.stop(); }
 */
export async function startPostgres(): Promise<RunningPostgres | undefined> {
  const bin = postgresBinaries();
  if (!bin) return undefined;
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'irsa-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'irsa', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    { stdio: 'ignore', cwd: dir, ...user },
  );
  const port = await freePort();
  const url = `postgres://irsa@127.0.0.1:${port}/postgres`;
  let server: { process: ChildProcess; exited: boolean } | undefined;

  /** Starts the server on the data folder and waits until it takes connections. */
  const launch = async () => {
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { stdio: 'ignore', cwd: dir, ...user },
    );
    const s = { process: child, exited: false };
    child.once('exit', () => (s.exited = true));
    server = s;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        await c.end();
        return;
      } catch (e) {
        await c.end().catch(() => undefined);
        if (s.exited || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(
            `PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}`,
            { cause: e },
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  /** Stops the server (fast shutdown: its clients are cut off), keeping its data. */
  const halt = async () => {
    const s = server;
    if (!s || s.exited) return;
    const gone = new Promise((r) => s.process.once('exit', r));
    s.process.kill('SIGINT');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    if (!s.exited) s.process.kill('SIGKILL');
  };

  try {
    await launch();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    halt,
    resume: launch,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
