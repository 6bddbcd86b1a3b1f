/**
 * Durations as the CLI takes and writes them: a whole number and a unit, `45s`, `30m`, `12h`,
 * `90d`, `2w`.
 */
import { table } from './own.js';

/** Milliseconds per unit, largest first. */
export const UNIT_MS: Readonly<Record<string, number>> = table({
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
});

/**
 * A duration as `irsa` writes it: `90d`, `36h`, `15m`, `1500ms`.
 *
 * @example
 * durationText(90 * 86_400_000) // → '90d'
 */
export function durationText(ms: number): string {
  for (const [unit, size] of Object.entries(UNIT_MS))
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * `90d`, `12h`, `30m`, `45s`, `2w` in milliseconds, or null for `forever`; undefined when it is
 * neither (or not more than zero).
 *
 * @example
 * parseRetention('90d') // → 7776000000
 */
export function parseRetention(text: string): number | null | undefined {
  const t = text.trim();
  if (t === 'forever') return null;
  const m = /^(\d+)(w|d|h|m|s)$/.exec(t);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}
