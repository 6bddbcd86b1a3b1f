/**
 * The `irsa` program: each subcommand lives in `commands/`; this file wires arguments, help
 * and exit codes. `main.ts` runs it.
 */
import { Command, CommanderError } from 'commander';
import { registerClusterCommands, registerIssuerRotate } from './commands/cluster.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerAccountCommands, registerEnvCommand } from './commands/env.js';
import { registerExecCommand } from './commands/exec.js';
import { registerIssuerCommands } from './commands/issuer.js';
import { lintCommand } from './commands/lint.js';
import { simulateCommand } from './commands/simulate.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerTrailCommand } from './commands/trail.js';
import { registerUpCommand } from './commands/up.js';
import { registerWebhookCommand } from './commands/webhook.js';
import { registerWhyCommand } from './commands/why.js';
import { CliError, type Output, stdio } from './io.js';

export const VERSION = '0.1.0';

export function buildProgram(io: Output, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('irsa')
    .description(
      'IAM Roles for Service Accounts, end to end, on one machine — and why a pod got 403',
    )
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  program
    .command('lint')
    .description(
      'lint IAM policy documents (trust, identity, resource, boundary, session, SCP, RCP)',
    )
    .argument('<files...>', 'policy JSON files (`-` for standard input)')
    .option(
      '-t, --type <type>',
      'trust | identity | resource | boundary | session | scp | rcp (guessed when absent)',
    )
    .option('-f, --format <format>', 'text | json | sarif', 'text')
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding at or above this severity exists: critical | high | medium | low | info | none',
      'high',
    )
    .option(
      '--account <id>',
      "the role's account, to check providers and foreign principals against",
    )
    .option(
      '--service-account <ns/name>',
      'the ServiceAccount the trust policy is for, to make fixes concrete',
    )
    .option(
      '--size-limit <chars>',
      'the size quota to check against (e.g. 4096 for a raised trust-policy quota)',
    )
    .action(async (files: string[], opts) => setExit(await lintCommand(files, opts, io)));

  program
    .command('simulate')
    .description('offline batch simulation: one JSON case in, one JSON line out')
    .argument(
      '[cases]',
      'a JSON array of cases, one case, or JSON Lines (`-` for standard input)',
      '-',
    )
    .option('--no-explain', 'leave the explanation out of each line')
    .option('--pretty', 'indent each result')
    .action(async (file: string, opts) => setExit(await simulateCommand(file, opts, io)));

  registerUpCommand(program, io, setExit);
  registerEnvCommand(program, io, setExit);
  registerAccountCommands(program, io, setExit);
  registerClusterCommands(program, io, setExit);
  registerExecCommand(program, io, setExit);
  registerDoctorCommand(program, io, setExit);
  registerWebhookCommand(program, io, setExit);
  registerIssuerRotate(registerIssuerCommands(program, io, setExit), io, setExit);
  registerTrailCommand(program, io, setExit);
  registerWhyCommand(program, io, setExit);
  registerPolicyCommands(program, io, setExit);

  return program;
}

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      io.err(`irsa: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}
