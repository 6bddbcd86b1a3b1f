/**
 * "Did you mean": the candidate a few edits away from what the request carried, for the
 * near misses that cause most 403s (a namespace typo in `sub`, a role name off by one).
 */

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * The candidate closest to `actual` when it is close: at most 3 edits and less than a third
 * of the length. Undefined when there is none or `actual` is itself a candidate.
 *
 * @example
 * nearest('system:serviceaccount:prod:s3-app', ['system:serviceaccount:production:s3-app'])
 * // → undefined (6 edits); nearest('s3-ap', ['s3-app']) → 's3-app'
 */
export function nearest(actual: string, candidates: readonly string[]): string | undefined {
  if (candidates.includes(actual)) return undefined;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const limit = Math.min(3, Math.floor(Math.max(c.length, actual.length) / 3));
    const d = editDistance(actual, c, limit);
    if (d <= limit && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
