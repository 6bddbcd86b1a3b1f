/**
 * Deep freezing for values the STS caches hand out to several readers (decoded tokens, opened
 * sessions, snapshot entries): frozen, no reader can change another's copy.
 */

/**
 * Freezes `v` and everything reachable from it; gives `v` back. Already frozen objects are
 * taken as done (their members are not visited again).
 *
 * @example
 * const d = deepFreeze({ claims: { aud: ['a'] } });
 * Object.isFrozen(d.claims.aud) // → true
 */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
