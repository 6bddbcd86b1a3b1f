/**
 * The request context: condition keys and their values (spec/iam-policy.md §6, §8, §10).
 * Key names are case-insensitive, so they are folded once here. Each entry memoises the
 * typed forms (lower-cased, numeric, date, IP, …) the first time an operator asks, so a
 * request never parses the same value twice.
 */
import { boundedCache } from '../common/bounded-cache.js';
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
  /** keys looked up one by one before the whole index was built (undefined: absent) */
  private found: Map<string, ContextEntry | undefined> | undefined;

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

  /**
   * The entry for a lower-cased key name. Before anything needs every key, one key is looked
   * up alone (a policy's few conditions ask for a few of a request's twenty-odd keys).
   */
  get(keyLower: string): ContextEntry | undefined {
    if (this.entries) return this.entries.get(keyLower);
    this.found ??= new Map();
    if (this.found.has(keyLower)) return this.found.get(keyLower);
    const e = this.lookup(keyLower);
    this.found.set(keyLower, e);
    return e;
  }

  /** One key's entry: from the last layer that has it, its spellings there merged. */
  private lookup(keyLower: string): ContextEntry | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as ContextInput;
      let entry: ContextEntry | undefined;
      for (const name in layer) {
        if (foldedName(name) !== keyLower) continue;
        entry = mergedEntry(entry, name, keyLower, layer[name]);
      }
      if (entry) return entry;
    }
    return undefined;
  }

  /** The value a policy variable `${key}` takes: only single-valued keys have one (§9). */
  readonly variable = (keyLower: string): string | undefined => {
    const e = this.get(keyLower);
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
    const key = foldedName(name);
    const entry = mergedEntry(map.get(key), name, key, input[name]);
    if (entry) map.set(key, entry);
  }
  return map;
}

/** `prev` (the same key under another spelling in one input) with `name`'s values added. */
function mergedEntry(
  prev: ContextEntry | undefined,
  name: string,
  key: string,
  raw: ContextInput[string],
): ContextEntry | undefined {
  if (raw === null || raw === undefined) return prev;
  const values = Array.isArray(raw)
    ? raw.map(String)
    : [typeof raw === 'string' ? raw : String(raw)];
  const all = prev ? [...prev.values, ...values] : values;
  const multi = isMultivaluedKey(key) || all.length !== 1 || (prev?.multi ?? false);
  return new ContextEntry(name, all, multi);
}

/** Key names come from a few fixed spellings: each is folded once. */
const folded = boundedCache<string>(4096);
function foldedName(name: string): string {
  return folded.get(name, () => name.toLowerCase());
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
