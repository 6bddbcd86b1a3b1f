/**
 * Names that are user data (DynamoDB attribute names, SQS message attribute names, secret
 * version ids, …) may be `__proto__`, `constructor` or `toString`. Maps keyed by them are
 * plain objects, so every lookup by such a name must see own properties only, and every
 * write must define a property (assigning `__proto__` would replace the prototype).
 */

/** The own property `key` of `obj`, or undefined. */
export function own<T>(
  obj: Readonly<Record<string, T>> | undefined,
  key: string | number,
): T | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `obj[key]` as an own, enumerable data property, whatever the key. */
export function put<T>(obj: Record<string, T>, key: string, value: T): void {
  // only `__proto__` is an accessor on Object.prototype; any other name assigns an own property
  if (key === '__proto__')
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else obj[key] = value;
}

/**
 * A frozen lookup table without a prototype, for tables looked up by names a caller chooses
 * (a service, an Action, a header, a kind): `constructor`, `toString` or `__proto__` find
 * nothing instead of an inherited function.
 *
 * @example
 * const SOURCES = table({ sts: 'sts.amazonaws.com' });
 * SOURCES['constructor'] // → undefined
 */
export function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/**
 * Any value as text for a message, even an object whose own `toString` is not a function
 * (`{"toString": 1}` in a request body makes `String(v)` throw): strings as they are, the rest
 * as JSON where `String` fails; a member that is not there is `null`, as a JSON service says
 * (never JavaScript's `undefined`).
 *
 * @example
 * shown({ toString: 1 }) // → '{"toString":1}'
 * shown(undefined) // → 'null'
 */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'null';
  try {
    return String(v);
  } catch {
    try {
      return JSON.stringify(v) ?? typeof v;
    } catch {
      return typeof v;
    }
  }
}
