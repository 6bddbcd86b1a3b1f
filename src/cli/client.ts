/**
 * How commands reach the running server: its admin API at the resolved endpoint, with the
 * data folder's admin token (DESIGN.md "Finding the server"). Kubernetes `Status` answers
 * become CLI errors worded as kubectl words them: `Error from server (NotFound): …`.
 */
import type { Command } from 'commander';
import { readAdminToken, resolveDataDir, resolveEndpoint } from '../common/data-dir.js';
import { CliError } from './io.js';

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
      const s = parsed as { kind?: string; reason?: string; message?: string } | undefined;
      if (s?.kind === 'Status')
        throw new CliError(`Error from server (${s.reason}): ${s.message}`, 1);
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
