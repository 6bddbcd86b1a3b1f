/**
 * `irsa issuer …`: the issuer command group. Today `irsa issuer publish`, which writes the
 * discovery document and JWKS of a self-hosted cluster's issuer (kind, kubeadm, k3s) into a
 * folder, ready to upload (spec/kubernetes.md §6), and says what to do next. Works offline.
 *
 * `registerIssuerCommands` returns the `issuer` command so more subcommands can join it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { buildPublication, IssuerError, nextSteps } from '../../issuer/index.js';
import { CliError, type Output, readInput } from '../io.js';

export interface PublishCommandOptions {
  publicKey?: string[];
  issuer?: string;
  out?: string;
  jwksUri?: string;
  /** `--no-empty-kid` sets it to false */
  emptyKid?: boolean;
  json?: boolean;
}

/**
 * `irsa issuer publish`: reads the keys, writes `<out>/.well-known/openid-configuration` and
 * `<out>/keys.json`, prints the next steps (or, with `--json`, a summary). Exit 0; bad input
 * is a `CliError` (exit 2).
 *
 * @example
 * await publishCommand({ publicKey: ['sa.pub'], issuer: 'https://s3.eu-west-1.amazonaws.com/my-oidc', out: 'out' }, io)
 */
export async function publishCommand(opts: PublishCommandOptions, io: Output): Promise<number> {
  const keyFiles = opts.publicKey ?? [];
  if (keyFiles.length === 0) throw new CliError('give at least one --public-key FILE');
  if (!opts.issuer) throw new CliError('give the issuer URL with --issuer');
  if (!opts.out) throw new CliError('give the output folder with --out');
  const files: { name: string; text: string }[] = [];
  for (const f of keyFiles)
    files.push({ name: f === '-' ? '<stdin>' : f, text: await readInput(f) });
  let pub;
  try {
    pub = await buildPublication({
      files,
      issuer: opts.issuer,
      ...(opts.jwksUri !== undefined ? { jwksUri: opts.jwksUri } : {}),
      emptyKid: opts.emptyKid ?? true,
    });
  } catch (e) {
    if (e instanceof IssuerError) throw new CliError(e.message);
    throw e;
  }
  const written: string[] = [];
  for (const f of pub.files) {
    const path = join(opts.out, f.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    } catch (e) {
      throw new CliError(
        `cannot write \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    written.push(path);
  }
  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          issuer: pub.discovery.issuer,
          jwksUri: pub.discovery.jwks_uri,
          files: written,
          keys: pub.keys.map((k) => ({
            kid: k.kid,
            alg: k.alg,
            key: k.detail,
            source: k.source,
            block: k.block,
          })),
          emptyKid: opts.emptyKid ?? true,
          warnings: pub.warnings,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  for (const w of pub.warnings) io.err(`warning: ${w}`);
  const lines = [`wrote ${written.join(' and ')}`, ''];
  lines.push(`published ${pub.keys.length} key${pub.keys.length === 1 ? '' : 's'}:`);
  for (const k of pub.keys) lines.push(`  ${k.kid}  ${k.alg}  ${k.detail}  (${k.source})`);
  if (opts.emptyKid ?? true)
    lines.push(
      '  and each again with an empty kid, for tokens without one (--no-empty-kid to omit)',
    );
  lines.push('');
  lines.push(
    ...nextSteps({
      issuer: pub.discovery.issuer,
      jwksUri: pub.discovery.jwks_uri,
      outDir: opts.out,
      keyFiles: keyFiles.filter((f) => f !== '-'),
      files: pub.files,
    }),
  );
  io.out(lines.join('\n'));
  return 0;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Adds the `issuer` command group to the program and returns it, for more subcommands.
 *
 * @example
 * const issuer = registerIssuerCommands(program, io, setExit);
 * issuer.command('rotate')…
 */
export function registerIssuerCommands(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): Command {
  const issuer = program
    .command('issuer')
    .description(
      'service-account token issuers: publish discovery and JWKS for self-hosted clusters',
    );

  issuer
    .command('publish')
    .description(
      "write discovery and JWKS for a self-hosted cluster's issuer (kind, kubeadm, k3s), ready to upload",
    )
    .option(
      '--public-key <file>',
      'a PEM file of service-account keys: public keys (SPKI or PKCS#1), certificates or private keys; repeat to keep old keys',
      collect,
      [],
    )
    .option('--issuer <url>', 'the issuer URL, exactly as tokens will carry it in `iss`')
    .option(
      '--out <dir>',
      'the folder to write .well-known/openid-configuration and keys.json into',
    )
    .option('--jwks-uri <url>', 'where keys.json will be served (default: <issuer>/keys.json)')
    .option('--no-empty-kid', 'do not publish each key again with an empty kid')
    .option('--json', 'print a JSON summary instead of the next steps')
    .action(async (opts: PublishCommandOptions) => setExit(await publishCommand(opts, io)));

  return issuer;
}
