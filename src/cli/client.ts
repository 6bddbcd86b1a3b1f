/**
 * How commands reach the running server: its admin API at the resolved endpoint, with the
 * data folder's admin token (DESIGN.md "Finding the server"). Kubernetes `Status` answers
 * become CLI errors worded as kubectl words them: `Error from server (NotFound): …`, and an
 * `Invalid` one as `The Pod "x" is invalid: …`, one `* cause` line each when there are several.
 */
import type { Command } from 'commander';
import { readAdminToken, resolveDataDir, resolveEndpoint } from '../common/data-dir.js';
import type { Status } from '../common/kube-status.js';
import { CliError } from './io.js';

/** A failure the server answered with a Kubernetes `Status`. */
export class StatusError extends CliError {
  readonly status: Partial<Status>;
  constructor(status: Partial<Status>) {
    super(statusMessage(status), 1);
    this.status = status;
  }
}

/** The error types of field.Error, which start a cause's text after its field. */
const FIELD_ERROR_TYPES =
  'Required value|Invalid value|Duplicate value|Not found|Forbidden|Unsupported value|Too long|Too many|Internal error';
const AGGREGATED_CAUSE = new RegExp(`, (?=[^\\s,]+: (?:${FIELD_ERROR_TYPES})\\b)`);

/**
 * `The Pod "x" is invalid` and its causes, as kubectl's checkErr prints an `Invalid` error:
 * one cause after a colon, several each on a `* ` line under the header (which keeps its
 * trailing space, as kubectl's does).
 */
function invalidText(header: string, causes: string[]): string {
  const unique = [...new Set(causes)];
  if (unique.length === 0) return header;
  if (unique.length === 1) return `${header}: ${unique[0]}`;
  return `${header}: \n${unique.map((c) => `* ${c}`).join('\n')}`;
}

/**
 * A Status as kubectl prints it (cmd/util/helpers.go checkErr / StandardErrorMessage):
 * `Error from server (Reason): message`, except `Invalid`, whose text kubectl builds from the
 * details' kind, name and causes, without that prefix. A message the server wrote without
 * details (one line per object: `The Pod "x" is invalid: [a, b]`) is taken apart the same way.
 *
 * @example
 * statusMessage({ reason: 'NotFound', message: 'pods "x" not found' }) // → 'Error from server (NotFound): pods "x" not found'
 * statusMessage({ reason: 'Invalid', message: 'The Pod "x" is invalid: [a: Required value, b: Required value]' })
 * // → 'The Pod "x" is invalid: \n* a: Required value\n* b: Required value'
 */
export function statusMessage(s: Partial<Status>): string {
  if (s.reason !== 'Invalid') return `Error from server (${s.reason}): ${s.message}`;
  const d = s.details;
  if (d && (d.kind || d.name || d.causes?.length)) {
    const header =
      d.kind || d.name
        ? `The ${d.kind ?? ''} ${JSON.stringify(d.name ?? '')} is invalid`
        : 'The request is invalid';
    return invalidText(
      header,
      (d.causes ?? []).map((c) => `${c.field}: ${c.message}`),
    );
  }
  return (s.message ?? '')
    .split('\n')
    .map((line) => {
      const m = /^(The \S+ ".*?" is invalid): (.*)$/s.exec(line);
      if (!m) return line;
      const rest = m[2] as string;
      const causes = /^\[.*\]$/s.test(rest) ? rest.slice(1, -1).split(AGGREGATED_CAUSE) : [rest];
      return invalidText(m[1] as string, causes);
    })
    .join('\n');
}

export interface ServerOptions {
  endpoint?: string;
  data?: string;
  cluster?: string;
}

export interface AdminResponse<T> {
  status: number;
  body: T;
  warnings: string[];
}

export interface RequestOptions {
  /** aborts the request (`irsa trail --follow` on SIGINT): the abort error is thrown as is */
  signal?: AbortSignal | undefined;
}

export class AdminClient {
  readonly endpoint: string;
  private readonly token: string;
  constructor(endpoint: string, token: string) {
    this.endpoint = endpoint;
    this.token = token;
  }

  async request<T>(
    method: string,
    path: string,
    body?: string | object,
    opts: RequestOptions = {},
  ): Promise<AdminResponse<T>> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.endpoint}/_irsa/v1${path}`, {
        method,
        signal: opts.signal,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body === undefined
            ? {}
            : {
                'Content-Type': typeof body === 'string' ? 'application/yaml' : 'application/json',
              }),
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      text = await res.text();
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new CliError(
        `cannot reach irsakit at ${this.endpoint} (${cause}): is \`irsa up\` running? (--endpoint / IRSA_ENDPOINT)`,
        1,
      );
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(
        `unexpected answer from ${this.endpoint} (HTTP ${res.status}): is this an irsakit server?`,
        1,
      );
    }
    const warnings = (res.headers.get('warning') ?? '')
      .split(/,\s*(?=\d{3} )/)
      .map((w) => /^\d{3} - "(.*)"$/.exec(w.trim())?.[1])
      .filter((w): w is string => !!w);
    if (res.status >= 400) {
      const s = parsed as Partial<Status> | undefined;
      if (s?.kind === 'Status') throw new StatusError(s);
      throw new CliError(`the server answered HTTP ${res.status}`, 1);
    }
    return { status: res.status, body: parsed as T, warnings };
  }
}

export function adminClient(opts: ServerOptions): AdminClient {
  const dir = resolveDataDir(opts.data);
  const token = readAdminToken(dir);
  if (!token) {
    throw new CliError(
      `no admin token in ${dir}: start the server with \`irsa up\`, or point --data / IRSA_DATA at its data folder`,
      1,
    );
  }
  return new AdminClient(resolveEndpoint(opts.endpoint, dir), token);
}

export function clusterOf(opts: ServerOptions): string {
  return opts.cluster ?? process.env.IRSA_CLUSTER ?? 'demo';
}

/**
 * The options that find the server — `--endpoint`, `--data`, and with `cluster` the
 * `--cluster` a command acts on — added to a command, as every server command takes them.
 *
 * @example
 * serverOptions(program.command('trail'), {}).action(async (opts: ServerOptions) => …);
 */
export function serverOptions<T extends Command>(cmd: T, opts: { cluster?: boolean } = {}): T {
  if (opts.cluster) cmd.option('--cluster <name>', 'the cluster (default $IRSA_CLUSTER or demo)');
  return cmd
    .option(
      '--endpoint <url>',
      'the irsakit server (default $IRSA_ENDPOINT, else what `irsa up` recorded)',
    )
    .option('--data <dir>', 'the data folder (default $IRSA_DATA or ~/.irsa)') as T;
}
