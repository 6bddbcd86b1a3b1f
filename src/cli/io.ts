/**
 * The CLI's edge: reading inputs and writing outputs. Every command does its I/O here so
 * the commands themselves stay easy to test.
 */
import { readFile } from 'node:fs/promises';

/** An error whose message is shown as is, with a process exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Reads a file, or standard input for `-`. */
export async function readInput(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read \`${path}\`: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`,
    );
  }
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
}

export const stdio: Output = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

/**
 * Lines written together at the end of this turn of the event loop: one write for all the
 * request log lines of a busy moment instead of one each.
 *
 * @example
 * const log = batchedLines((text) => stdio.out(text));
 * log('a'); log('b'); // → one write of 'a\nb' after this turn
 */
export function batchedLines(write: (text: string) => void): (line: string) => void {
  let lines: string[] = [];
  return (line) => {
    if (lines.length === 0)
      setImmediate(() => {
        const text = lines.join('\n');
        lines = [];
        write(text);
      });
    lines.push(line);
  };
}
