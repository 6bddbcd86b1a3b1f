/**
 * `irsa trail`: the audit trail of the running server, one line per AWS call (time,
 * principal, source:event, resource, outcome, request id), oldest first; `--json` prints one
 * CloudTrail record per line with irsakit's explanation beside it (`irsaExplanation`);
 * `--follow` keeps printing new calls (long-polling the admin API) until interrupted.
 */
import type { Command } from 'commander';
import { parseSince } from '../../audit/log.js';
import { trailJson, trailLine } from '../../audit/render.js';
import type { StoredEvent } from '../../audit/types.js';
import { readAdminToken, resolveDataDir, resolveEndpoint } from '../../common/data-dir.js';
import { adminClient } from '../client.js';
import { CliError, type Output } from '../io.js';

interface TrailOptions {
  follow?: boolean;
  role?: string;
  namespace?: string;
  serviceAccount?: string;
  errors?: boolean;
  since?: string;
  limit?: string;
  json?: boolean;
  endpoint?: string;
  data?: string;
}

interface TrailItem {
  seq: number;
  record: StoredEvent['record'];
  irsaExplanation: StoredEvent['explanation'];
}

interface TrailPage {
  items: TrailItem[];
  latest: number;
}

/** How long one follow request waits on the server for new events. */
const FOLLOW_WAIT_SECONDS = 25;

function stored(i: TrailItem): StoredEvent {
  return {
    seq: i.seq,
    record: i.record,
    explanation: i.irsaExplanation,
    index: { timeMs: Date.parse(i.record.eventTime) },
  };
}

/** The admin API query of the filters. */
export function trailQuery(opts: TrailOptions, now: Date): URLSearchParams {
  const q = new URLSearchParams();
  if (opts.role) q.set('role', opts.role);
  if (opts.namespace) q.set('namespace', opts.namespace);
  if (opts.serviceAccount) q.set('serviceAccount', opts.serviceAccount);
  if (opts.errors) q.set('errors', 'true');
  if (opts.since !== undefined) {
    const since = parseSince(opts.since, now);
    if (since === undefined)
      throw new CliError(
        `--since takes a duration (15m, 2h, 1d) or an ISO time, not \`${opts.since}\``,
      );
    q.set('since', String(since));
  }
  return q;
}

function limitOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new CliError('--limit takes a number from 1 to 1000');
  return n;
}

export function registerTrailCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  program
    .command('trail')
    .description('the audit trail: every AWS call, allowed or refused, oldest first')
    .option('-f, --follow', 'keep printing new calls until interrupted')
    .option(
      '--role <role>',
      'calls made with the role’s sessions, and AssumeRole* calls for it (name or ARN)',
    )
    .option('-n, --namespace <ns>', 'calls from pods in this namespace')
    .option('-s, --service-account <sa>', 'calls from pods running as this service account')
    .option('--errors', 'only refused or failed calls')
    .option('--since <when>', 'only calls since then: 15m, 2h, 1d, or an ISO time')
    .option('--limit <n>', 'at most this many past calls (default 100; 20 with --follow)')
    .option('--json', 'one CloudTrail record per line, with irsaExplanation')
    .option(
      '--endpoint <url>',
      'the irsakit server (default $IRSA_ENDPOINT, else what `irsa up` recorded)',
    )
    .option('--data <dir>', 'the data folder (default $IRSA_DATA or ~/.irsa)')
    .addHelpText(
      'after',
      '\nEach line: time, principal, service:event, resource, outcome, request id.\nExplain a call with `irsa why <request id>`.',
    )
    .action(async (opts: TrailOptions) => {
      if (opts.serviceAccount && !opts.namespace)
        throw new CliError('--service-account needs --namespace');
      const client = adminClient(opts);
      const q = trailQuery(opts, new Date());
      const print = (i: TrailItem) =>
        io.out(opts.json ? trailJson(stored(i)) : trailLine(stored(i)));
      q.set('limit', String(limitOf(opts.limit, opts.follow ? 20 : 100)));
      const first = await client.request<TrailPage>('GET', `/trail?${q.toString()}`);
      for (const i of [...first.body.items].reverse()) print(i);
      if (!opts.follow) {
        setExit(0);
        return;
      }
      await follow(opts, q, first.body.latest, print);
      setExit(0);
    });
}

/** Long-polls for new events until SIGINT/SIGTERM. */
async function follow(
  opts: TrailOptions,
  q: URLSearchParams,
  start: number,
  print: (i: TrailItem) => void,
): Promise<void> {
  const dir = resolveDataDir(opts.data);
  const token = readAdminToken(dir) ?? '';
  const endpoint = resolveEndpoint(opts.endpoint, dir);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let after = start;
  q.set('wait', String(FOLLOW_WAIT_SECONDS));
  q.set('limit', '500');
  try {
    while (!stop.signal.aborted) {
      q.set('after', String(after));
      let page: TrailPage;
      try {
        const res = await fetch(`${endpoint}/_irsa/v1/trail?${q.toString()}`, {
          headers: { Authorization: `Bearer ${token}` },
          signal: stop.signal,
        });
        if (!res.ok) throw new CliError(`the server answered HTTP ${res.status}`, 1);
        page = (await res.json()) as TrailPage;
      } catch (e) {
        if (stop.signal.aborted) return;
        if (e instanceof CliError) throw e;
        throw new CliError(`lost irsakit at ${endpoint}: ${(e as Error).message}`, 1);
      }
      for (const i of page.items) {
        print(i);
        after = Math.max(after, i.seq);
      }
      after = Math.max(after, page.items.length === 0 ? page.latest : after);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
