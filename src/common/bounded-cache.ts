/**
 * A small bounded memo: values by string key, the oldest entry dropped once `max` are held.
 * Used for compiled resource policies, which are costly to build and keyed by their text.
 */

/**
 * A cache of at most `max` values; `get(key, make)` returns the cached value or stores what
 * `make` returns (nothing is stored when `make` throws).
 *
 * @example
 * const policies = boundedCache<CompiledPolicy>(512);
 * policies.get(text, () => compile(text));
 */
export function boundedCache<V>(max: number): { get(key: string, make: () => V): V } {
  const entries = new Map<string, V>();
  return {
    get(key, make) {
      if (entries.has(key)) return entries.get(key) as V;
      const value = make();
      if (entries.size >= max) entries.delete(entries.keys().next().value as string);
      entries.set(key, value);
      return value;
    },
  };
}
