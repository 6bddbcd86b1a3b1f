/**
 * IAM's wildcard matching: `*` matches any run of characters (including none), `?` exactly
 * one. Patterns are compiled once; matching builds no regular expression and allocates
 * nothing. Which characters are wildcards is recorded per position, so a `*` that came from
 * an escape (`${*}`) or from a substituted policy variable stays a literal.
 */

const STAR = 1;
const QMARK = 2;

export interface Glob {
  readonly text: string;
  /** per position: 0 literal, 1 `*`, 2 `?`; null when the pattern has no wildcard */
  readonly wild: Uint8Array | null;
  /** shortcut: 'exact' (no wildcard), 'any' (`*`), 'prefix' (`abc*`), 'glob' */
  readonly shape: 'exact' | 'any' | 'prefix' | 'glob';
  /** for 'prefix': the literal part */
  readonly head: string;
}

export interface GlobPart {
  text: string;
  /** whether `*` and `?` in `text` are wildcards */
  wild: boolean;
}

/** Builds a glob from literal and wildcard-bearing parts. */
export function globFromParts(parts: readonly GlobPart[]): Glob {
  let text = '';
  let marks: number[] | null = null;
  for (const p of parts) {
    if (p.wild) {
      for (let i = 0; i < p.text.length; i++) {
        const c = p.text.charCodeAt(i);
        if (c === 42 || c === 63) {
          marks ??= [];
          marks.push(text.length + i, c === 42 ? STAR : QMARK);
        }
      }
    }
    text += p.text;
  }
  if (!marks) return { text, wild: null, shape: 'exact', head: text };
  const wild = new Uint8Array(text.length);
  for (let i = 0; i < marks.length; i += 2) wild[marks[i] as number] = marks[i + 1] as number;
  let stars = 0;
  let qmarks = 0;
  for (const w of wild) {
    if (w === STAR) stars++;
    else if (w === QMARK) qmarks++;
  }
  if (qmarks === 0 && stars === 1 && wild[text.length - 1] === STAR) {
    const head = text.slice(0, -1);
    return { text, wild, shape: head === '' ? 'any' : 'prefix', head };
  }
  return { text, wild, shape: 'glob', head: '' };
}

/**
 * Compiles a pattern in which every `*` and `?` is a wildcard.
 *
 * @example
 * matchGlob(compileGlob('s3:get*'), 's3:getobject') // → true
 */
export function compileGlob(pattern: string): Glob {
  return globFromParts([{ text: pattern, wild: true }]);
}

/** Matches `s` against `g`. */
export function matchGlob(g: Glob, s: string): boolean {
  switch (g.shape) {
    case 'exact':
      return g.text === s;
    case 'any':
      return true;
    case 'prefix':
      return s.startsWith(g.head);
    default:
      return wildMatch(g.text, g.wild as Uint8Array, s);
  }
}

// Greedy matching that remembers only the last `*`: linear in practice, O(|p|·|s|) at worst.
function wildMatch(p: string, wild: Uint8Array, s: string): boolean {
  const pn = p.length;
  const sn = s.length;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < sn) {
    if (pi < pn) {
      const w = wild[pi];
      if (w === STAR) {
        starP = pi++;
        starS = si;
        continue;
      }
      if (w === QMARK || p.charCodeAt(pi) === s.charCodeAt(si)) {
        pi++;
        si++;
        continue;
      }
    }
    // backtrack: let the last `*` swallow one more character
    if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
      continue;
    }
    return false;
  }
  while (pi < pn && wild[pi] === STAR) pi++;
  return pi === pn;
}
