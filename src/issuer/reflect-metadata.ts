/**
 * The smallest `Reflect` metadata polyfill @peculiar/x509 needs: its dependency tsyringe
 * refuses to load unless `Reflect.getMetadata` exists, and only ever calls `getMetadata`,
 * `getOwnMetadata` and `defineMetadata` (no decorator metadata is emitted by the library's
 * build, so the lookups just find nothing). Installs nothing when a real polyfill
 * (`reflect-metadata`) is already present. Import it before `@peculiar/x509`.
 *
 * INVARIANT: side effect only; it adds missing functions to `Reflect` and replaces none.
 */
type Key = unknown;
type Target = object;

const store = new WeakMap<Target, Map<Key, unknown>>();

const own = (target: Target, key: Key): unknown => store.get(target)?.get(key);

const polyfill = {
  defineMetadata(key: Key, value: unknown, target: Target): void {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  },
  getOwnMetadata(key: Key, target: Target): unknown {
    return own(target, key);
  },
  getMetadata(key: Key, target: Target): unknown {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const m = store.get(t);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  },
  hasOwnMetadata(key: Key, target: Target): boolean {
    return store.get(target)?.has(key) ?? false;
  },
};

const reflect = Reflect as unknown as Record<string, unknown>;
for (const [name, fn] of Object.entries(polyfill)) if (!(name in reflect)) reflect[name] = fn;

export {};
