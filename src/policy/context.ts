/**
 * The request context: condition keys and their values (spec/iam-policy.md §6, §8, §10).
 * Key names are case-insensitive, so they are folded once here. Each entry memoises the
 * typed forms (lower-cased, numeric, date, IP, …) the first time an operator asks, so a
 * request never parses the same value twice.
 */
import { type Segments, splitSegments } from './arn.js';
import { type Cidr, canonicalBase64, parseDate, parseIp, parseNumber } from './values.js';

export type ContextScalar = string | number | boolean;
export type ContextInput = Readonly<
  Record<string, ContextScalar | readonly ContextScalar[] | null | undefined>
>;

/** Keys whose values form a set whatever their count (§8, §10, §12.2). */
export const MULTIVALUED_KEYS: ReadonlySet<string> = new Set([
  'aws:calledvia',
  'aws:principalorgpaths',
  'aws:principalservicenameslist',
  'aws:resourceorgpaths',
  'aws:sourceorgpaths',
  'aws:tagkeys',
  'sts:transitivetagkeys',
  'cognito-identity.amazonaws.com:amr',
]);

export function isMultivaluedKey(keyLower: string): boolean {
  return MULTIVALUED_KEYS.has(keyLower) || keyLower.endsWith(':amr');
}

export class ContextEntry {
  private lowered?: string[];
  private numbers?: number[];
  private dates?: number[];
  private ips?: (Cidr | undefined)[];
  private binaries?: (string | undefined)[];
  private arns?: Segments[];

  /** the key as the caller spelt it */
  readonly name: string;
  readonly values: readonly string[];
  /** a set-valued key (or several values given) */
  readonly multi: boolean;

  constructor(name: string, values: readonly string[], multi: boolean) {
    this.name = name;
    this.values = values;
    this.multi = multi;
  }

  lower(): string[] {
    this.lowered ??= this.values.map((v) => v.toLowerCase());
    return this.lowered;
  }
  asNumbers(): number[] {
    this.numbers ??= this.values.map(parseNumber);
    return this.numbers;
  }
  asDates(): number[] {
    this.dates ??= this.values.map(parseDate);
    return this.dates;
  }
  asIps(): (Cidr | undefined)[] {
    this.ips ??= this.values.map(parseIp);
    return this.ips;
  }
  asBinaries(): (string | undefined)[] {
    this.binaries ??= this.values.map(canonicalBase64);
    return this.binaries;
  }
  asArns(): Segments[] {
    this.arns ??= this.values.map(splitSegments);
    return this.arns;
  }
}

/**
 * The context of one request. Built lazily: keys are folded and entries created the first
 * time a condition or variable asks, so a policy without conditions pays nothing for it.
 */
export class RequestContext {
  private readonly layers: readonly ContextInput[];
  private entries: Map<string, ContextEntry> | undefined;

  constructor(layers: readonly ContextInput[]) {
    this.layers = layers;
  }

  private index(): Map<string, ContextEntry> {
    if (!this.entries) {
      const map = new Map<string, ContextEntry>();
      // later layers replace earlier ones key by key; within a layer, spellings of one key merge
      for (const layer of this.layers) {
        const own = buildEntries(layer);
        for (const [k, e] of own) map.set(k, e);
      }
      this.entries = map;
    }
    return this.entries;
  }

  /** The entry for a lower-cased key name. */
  get(keyLower: string): ContextEntry | undefined {
    return this.index().get(keyLower);
  }

  /** The value a policy variable `${key}` takes: only single-valued keys have one (§9). */
  readonly variable = (keyLower: string): string | undefined => {
    const e = this.index().get(keyLower);
    if (!e || e.multi || e.values.length !== 1) return undefined;
    return e.values[0];
  };

  keys(): string[] {
    return [...this.index().values()].map((e) => e.name);
  }

  /** A new context with `extra` added over this one's keys. */
  with(extra: ContextInput): RequestContext {
    return new RequestContext([...this.layers, extra]);
  }

  toJSON(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const e of this.index().values()) {
      out[e.name] = e.multi ? [...e.values] : (e.values[0] ?? '');
    }
    return out;
  }
}

function buildEntries(input: ContextInput): Map<string, ContextEntry> {
  const map = new Map<string, ContextEntry>();
  for (const name in input) {
    const raw = input[name];
    if (raw === null || raw === undefined) continue;
    const key = name.toLowerCase();
    const values = Array.isArray(raw)
      ? raw.map(String)
      : [typeof raw === 'string' ? raw : String(raw)];
    const prev = map.get(key);
    const all = prev ? [...prev.values, ...values] : values;
    const multi = isMultivaluedKey(key) || all.length !== 1 || (prev?.multi ?? false);
    map.set(key, new ContextEntry(name, all, multi));
  }
  return map;
}

/**
 * Builds a context; an array value is a set of values, a scalar a single value.
 *
 * @example
 * createContext({ 'aws:SourceIp': '10.0.0.1', 'aws:TagKeys': ['team'] }).get('aws:sourceip')
 */
export function createContext(input: ContextInput = {}): RequestContext {
  return new RequestContext([input]);
}

/**
 * A context of several inputs without copying them into one: a later input's key replaces an
 * earlier one's (any spelling), as `with` does.
 *
 * @example
 * layeredContext(globalKeys, sessionKeys, { 's3:prefix': 'home/' })
 */
export function layeredContext(...inputs: (ContextInput | undefined)[]): RequestContext {
  return new RequestContext(inputs.filter((i): i is ContextInput => i !== undefined));
}
