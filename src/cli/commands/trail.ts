/**
 * `irsa trail`: the audit trail of the running server, one line per AWS call (time,
 * principal, source:event, resource, outcome, request id), oldest first; `--json` prints one
 * CloudTrail record per line with irsakit's explanation beside it (`irsaExplanation`);
 * `--follow` keeps printing new calls (long-polling the admin API) until interrupted.
 */
import type { Command } from 'commander';
import { parseSince } from '../../audit/log.js';
import { type RenderedEvent, trailJson, trailLine } from '../../audit/render.js';
import type { TrailItem } from '../../audit/types.js';
import { type AdminClient, adminClient, serverOptions } from '../client.js';
import { CliError, type Output } from '../io.js';

/** The filters of the admin API's `/trail`, as the options give them (`since` unparsed). */
export interface TrailFilters {
  role?: string | undefined;
  namespace?: string | undefined;
  serviceAccount?: string | undefined;
  errors?: boolean | undefined;
  since?: string | undefined;
}

interface TrailOptions extends TrailFilters {
  follow?: boolean;
  limit?: string;
  json?: boolean;
  endpoint?: string;
  data?: string;
}

interface TrailPage {
  items: TrailItem[];
  latest: number;
}

/** How long one follow request waits on the server for new events. */
const FOLLOW_WAIT_SECONDS = 25;

function rendered(i: TrailItem): RenderedEvent {
  return { record: i.record, explanation: i.irsaExplanation };
}

/**
 * The admin API query of the filters (`irsa trail`, `irsa policy generate`); `--since` that
 * is neither a duration nor an ISO time is a usage error.
 */
export function trailQuery(opts: TrailFilters, now: Date): URLSearchParams {
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
  serverOptions(
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
      .option('--json', 'one CloudTrail record per line, with irsaExplanation'),
  )
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
        io.out(opts.json ? trailJson(rendered(i)) : trailLine(rendered(i)));
      q.set('limit', String(limitOf(opts.limit, opts.follow ? 20 : 100)));
      const first = await client.request<TrailPage>('GET', `/trail?${q.toString()}`);
      for (const i of [...first.body.items].reverse()) print(i);
      if (!opts.follow) {
        setExit(0);
        return;
      }
      await follow(client, q, first.body.latest, print);
      setExit(0);
    });
}

/** Long-polls for new events until SIGINT/SIGTERM. */
async function follow(
  client: AdminClient,
  q: URLSearchParams,
  start: number,
  print: (i: TrailItem) => void,
): Promise<void> {
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
        page = (
          await client.request<TrailPage>('GET', `/trail?${q.toString()}`, undefined, {
            signal: stop.signal,
          })
        ).body;
      } catch (e) {
        if (stop.signal.aborted) return;
        throw e;
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
