/**
 * `irsa env`: the shell exports that point the AWS CLI, boto3 and the SDKs at the running
 * irsakit with an account's admin profile: `eval "$(irsa env)"`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  dataPaths,
  readServerRecord,
  resolveDataDir,
  resolveEndpoint,
} from '../../common/data-dir.js';
import { adminClient, serverOptions } from '../client.js';
import { CliError, type Output } from '../io.js';

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function registerEnvCommand(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  serverOptions(
    program
      .command('env')
      .description('print the exports that point AWS clients at irsakit: eval "$(irsa env)"')
      .option('--profile <name>', 'the credentials profile: default, or an account id', 'default')
      .option('--region <region>', 'the region clients use', 'us-east-1'),
  ).action((opts: { profile: string; region: string; endpoint?: string; data?: string }) => {
    const dir = resolveDataDir(opts.data);
    if (!readServerRecord(dir) && !opts.endpoint && !process.env.IRSA_ENDPOINT) {
      throw new CliError(
        `irsakit has not run with ${dir}: start it with \`irsa up\` (or pass --data / IRSA_DATA)`,
        1,
      );
    }
    // a profile the credentials file lacks would leave every client without credentials
    const credentials = dataPaths(dir).credentials;
    let profiles: string | undefined;
    try {
      profiles = readFileSync(credentials, 'utf8');
    } catch {
      profiles = undefined; // an endpoint elsewhere: its credentials are not here to check
    }
    if (
      profiles !== undefined &&
      !profiles.split('\n').some((l) => l.trim() === `[${opts.profile}]`)
    )
      throw new CliError(
        `no profile ${opts.profile} in ${credentials}: default, or the id of an account made with \`irsa account create\``,
        2,
      );
    const lines = [
      'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE',
      `export AWS_ENDPOINT_URL=${shellQuote(resolveEndpoint(opts.endpoint, dir))}`,
      `export AWS_SHARED_CREDENTIALS_FILE=${shellQuote(credentials)}`,
      `export AWS_PROFILE=${shellQuote(opts.profile)}`,
      `export AWS_DEFAULT_REGION=${shellQuote(opts.region)}`,
      `export AWS_REGION=${shellQuote(opts.region)}`,
      `export IRSA_DATA=${shellQuote(dir)}`,
    ];
    io.out(lines.join('\n'));
    setExit(0);
  });
}

/** `irsa account create|list`: more AWS accounts, for cross-account scenarios. */
export function registerAccountCommands(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  const account = program
    .command('account')
    .description('AWS accounts (each with an admin profile in <data>/credentials)');
  serverOptions(account.command('list'))
    .description('list the accounts')
    .action(async (opts: { endpoint?: string; data?: string }) => {
      const r = await adminClient(opts).request<{ items: string[] }>('GET', '/accounts');
      io.out(r.body.items.join('\n'));
      setExit(0);
    });
  serverOptions(account.command('create'))
    .description('create an account; its admin key becomes the profile named after it')
    .argument('<account>', '12-digit account id')
    .action(async (id: string, opts: { endpoint?: string; data?: string }) => {
      if (!/^\d{12}$/.test(id)) throw new CliError('an account id has 12 digits', 2);
      const r = await adminClient(opts).request<{ account: string; accessKeyId: string }>(
        'POST',
        '/accounts',
        { account: id },
      );
      io.out(
        `account ${r.body.account} ready: profile ${r.body.account} (access key ${r.body.accessKeyId}) in the credentials file`,
      );
      setExit(0);
    });
}
