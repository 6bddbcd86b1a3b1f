/**
 * A small bounded memo: values by key, the oldest entry dropped once `max` are held. Used for
 * compiled resource policies (keyed by their text) and for the values a hot path would
 * otherwise work out again on every request (formatted times, decoded tokens, names).
 */

/**
 * A cache of at most `max` values; `get(key, make)` returns the cached value or stores what
 * `make` returns (nothing is stored when `make` throws).
 *
 * @example
 * const policies = boundedCache<CompiledPolicy>(512);
 * policies.get(text, () => compile(text));
 */
export function boundedCache<V, K extends string | number = string>(
  max: number,
): { get(key: K, make: () => V): V } {
  const entries = new Map<K, V>();
  return {
    get(key, make) {
      if (entries.has(key)) return entries.get(key) as V;
      const value = make();
      if (entries.size >= max) entries.delete(entries.keys().next().value as K);
      entries.set(key, value);
      return value;
    },
  };
}
