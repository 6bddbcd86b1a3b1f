#!/usr/bin/env node
/** Entry point of the `irsa` command. */
import { main } from './program.js';

const args = process.argv.slice(2);

// the reader of our output went away (`irsa trail | head`): stop, as a program killed by
// SIGPIPE would, instead of dying on an unhandled EPIPE; a server only loses its log lines
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (args[0] !== 'up') process.exit(0);
  });

main(args).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`irsa: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
