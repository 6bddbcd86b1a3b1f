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
 * of the length, or the same name with one `:`/`/`-separated part off by a prefix or a few
 * edits (`system:serviceaccount:prod:s3-app` for `…:production:s3-app`). Undefined when there
 * is none or `actual` is itself a candidate.
 *
 * @example
 * nearest('system:serviceaccount:prod:s3-app', ['system:serviceaccount:production:s3-app'])
 * // → 'system:serviceaccount:production:s3-app'
 */
export function nearest(actual: string, candidates: readonly string[]): string | undefined {
  if (candidates.includes(actual)) return undefined;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const limit = Math.min(3, Math.floor(Math.max(c.length, actual.length) / 3));
    let d = editDistance(actual, c, limit);
    if (d > limit) d = partDistance(actual, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Distance when exactly one separated part differs and is close; infinity otherwise. */
function partDistance(a: string, b: string): number {
  const pa = a.split(/([:/])/);
  const pb = b.split(/([:/])/);
  if (pa.length !== pb.length || pa.length < 3) return Number.POSITIVE_INFINITY;
  let diff = -1;
  for (let i = 0; i < pa.length; i++) {
    if (pa[i] === pb[i]) continue;
    if (diff >= 0) return Number.POSITIVE_INFINITY;
    diff = i;
  }
  const x = pa[diff] ?? '';
  const y = pb[diff] ?? '';
  if (x === '' || y === '') return Number.POSITIVE_INFINITY;
  if (x.startsWith(y) || y.startsWith(x)) return Math.abs(x.length - y.length);
  const limit = Math.max(2, Math.floor(Math.max(x.length, y.length) / 2));
  const d = editDistance(x, y, limit);
  return d <= limit ? d : Number.POSITIVE_INFINITY;
}
