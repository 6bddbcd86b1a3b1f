/**
 * `irsa simulate CASES`: offline batch simulation. Reads a JSON array of cases, a single
 * case, or JSON Lines, and writes one JSON line per case: `{id, decision, matched, explain}`
 * or `{id, error}`. Exit 0 when every case ran (and passed its `expect`, if any), 1 otherwise,
 * 2 when the input cannot be read at all.
 */
import { isSimulationError, simulateCase } from '../../policy/index.js';
import { CliError, type Output, readInput } from '../io.js';

export interface SimulateCommandOptions {
  explain?: boolean;
  pretty?: boolean;
}

/** Splits the input into cases; a line that is not JSON becomes an error entry. */
export function readCases(text: string): { cases: unknown[]; lineErrors: Map<number, string> } {
  const lineErrors = new Map<number, string>();
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError('no cases: the input is empty');
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (Array.isArray(whole)) return { cases: whole, lineErrors };
    if (whole && typeof whole === 'object' && Array.isArray((whole as { cases?: unknown }).cases)) {
      return { cases: (whole as { cases: unknown[] }).cases, lineErrors };
    }
    return { cases: [whole], lineErrors };
  } catch {
    // not one JSON value: JSON Lines
  }
  const cases: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      cases.push(JSON.parse(line));
    } catch (e) {
      lineErrors.set(cases.length, `line ${i + 1} is not JSON: ${(e as Error).message}`);
      cases.push(undefined);
    }
  });
  return { cases, lineErrors };
}

export async function simulateCommand(
  file: string,
  opts: SimulateCommandOptions,
  io: Output,
): Promise<number> {
  const { cases, lineErrors } = readCases(await readInput(file));
  let failed = false;
  cases.forEach((c, i) => {
    const lineError = lineErrors.get(i);
    const result = lineError
      ? { id: null, error: { code: 'InvalidInput', message: lineError } }
      : simulateCase(c);
    if (isSimulationError(result) || result.pass === false) failed = true;
    const shown =
      !isSimulationError(result) && opts.explain === false
        ? { ...result, explain: undefined }
        : result;
    io.out(opts.pretty ? JSON.stringify(shown, null, 2) : JSON.stringify(shown));
  });
  return failed ? 1 : 0;
}
