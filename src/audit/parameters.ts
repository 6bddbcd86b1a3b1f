/**
 * `requestParameters` and `responseElements` as CloudTrail writes them for the Query services
 * (STS, IAM): the API's parameter names in camelCase (`RoleArn` → `roleArn`, `ClientIDList` →
 * `clientIDList`), `member.N` lists as arrays, numbers as numbers (spec/aws-wire.md §11.1).
 * Secrets never get in: the web-identity token, SAML assertions, passwords, MFA codes, secret
 * keys and session tokens are dropped wherever they appear, whoever filled the notes.
 */
import { boundedCache } from '../common/bounded-cache.js';
import { put } from '../common/own.js';
import { isoSeconds } from '../common/times.js';
import { HIDDEN } from '../server/aws/types.js';

/**
 * Names of members that carry a secret value (compared without case and punctuation, by
 * their ending): never recorded. Identifiers that merely mention a secret (`secretId`,
 * `nextToken`, `secretVersionsToStages`) are kept.
 */
const SECRET_NAME =
  /(password|secretaccesskey|sessiontoken|securitytoken|webidentitytoken|secretstring|secretbinary|privatekey|clientsecret|assertion|tokencode|authorization|^token)$/;
/** …except these, which name no secret */
const NOT_SECRET = new Set(['subjectfromwebidentitytoken']);
/**
 * Names whose values CloudTrail shows as hidden (compared like SECRET_NAME, by the last
 * segment): a message's body and its attributes' values (SQS's query protocol), whatever call
 * carried them — one refused for its signature, which no operation read, included.
 */
const HIDDEN_NAME = /^(messagebody|stringvalue|binaryvalue|stringlistvalues|binarylistvalues)$/;
/** The Query envelope's own parameters: never part of requestParameters. */
const ENVELOPE = new Set(['Action', 'Version']);
/** Parameters CloudTrail records as numbers / booleans. */
const NUMERIC = new Set([
  'DurationSeconds',
  'MaxSessionDuration',
  'MaxItems',
  'MaxResults',
  'MaxDuration',
]);
const BOOLEAN = new Set(['SetAsDefault', 'OnlyAttached']);

/** Whether a parameter or element name names a secret. */
export function isSecretName(name: string): boolean {
  // every member of every record is asked about, mostly the same few hundred names
  return secretNames.get(name, () => {
    const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
    return SECRET_NAME.test(n) && !NOT_SECRET.has(n);
  });
}
const secretNames = boundedCache<boolean>(4096);

/** `RoleArn` → `roleArn`; `ClientIDList` → `clientIDList`; `SAMLAssertion` → `sAMLAssertion`. */
export function camel(name: string): string {
  return name === '' ? name : name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * How deep a record's parameters and elements nest at most: what a caller nests deeper (a
 * policy of brackets, an item of maps in maps) is written as `TOO_DEEP` from there on, so that
 * writing the record never runs out of stack (JSON.stringify did, a few thousand levels down,
 * and the call's record was lost). No call of an AWS API nests its parameters half as deep.
 */
export const MAX_DEPTH = 32;
export const TOO_DEEP = `(nested more than ${MAX_DEPTH} levels deep)`;

/**
 * The most a record's requestParameters or responseElements may hold (CloudTrail's 100 KB field
 * size): past it the field is `{ omitted: true }` — CloudTrail truncates an oversized field and
 * marks it `omitted` [inferred: its exact truncated shape is not published]. A caller cannot so
 * make one call's record megabytes long (a form of a million fields, a 5 MB policy refused for
 * its size), nor the trail and LookupEvents pages with it.
 */
export const MAX_FIELD_BYTES = 100 * 1024;
export const OMITTED: Readonly<{ omitted: true }> = Object.freeze({ omitted: true });

/**
 * Whether a field's JSON would be longer than `limit` (strings and names counted by length,
 * a few bytes for each punctuation), stopping as soon as it is: cheap on a field of any size.
 */
export function oversized(value: unknown, limit = MAX_FIELD_BYTES): boolean {
  let left = limit;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') left -= v.length + 2;
    else if (Array.isArray(v)) {
      left -= 2 + v.length;
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        left -= k.length + 4;
        stack.push(o[k]);
      }
    } else left -= 8;
    if (left < 0) return true;
  }
  return false;
}

/** A field as a record keeps it: itself, or OMITTED when oversized. */
export function bounded<T>(value: T): T | typeof OMITTED {
  return value !== null && oversized(value) ? OMITTED : value;
}

/**
 * A parameter name's segments as a tree of Maps: a caller names the segments
 * (`__proto__.x`, `constructor.prototype.x` are parameters like any other), so the walk down
 * goes through Maps, never through an object's prototype.
 */
interface Tree {
  children: Map<string, Tree>;
  value?: string | undefined;
}

/**
 * The flat Query parameters (`Tags.member.1.Key=…`) as CloudTrail's nested requestParameters.
 * `only`: the names the operation asked for (server/aws/query-params.ts `askedParams`) — the
 * operation's own parameters, all CloudTrail records; a form field it never asked for is no
 * parameter of it. Without `only` (no operation read the call: an unknown action, a refused
 * signature) every field is taken. Null when the call had none.
 *
 * @example
 * queryRequestParameters(new Map([['Action', 'AssumeRole'], ['RoleArn', 'arn:…'], ['DurationSeconds', '900']]))
 * // → { roleArn: 'arn:…', durationSeconds: 900 }
 */
export function queryRequestParameters(
  params: ReadonlyMap<string, string> | undefined,
  only?: ReadonlySet<string>,
): Record<string, unknown> | null {
  if (!params) return null;
  const root: Tree = { children: new Map() };
  // the fields' own length, counted as they are taken: a form past the field size is not
  // turned into a tree at all (a million fields took seconds, the event loop with them)
  let size = 0;
  for (const [name, value] of params) {
    if (ENVELOPE.has(name) || (only && !only.has(name))) continue;
    size += name.length + value.length + 6;
    if (size > MAX_FIELD_BYTES) return OMITTED as Record<string, unknown>;
    const parts = name.split('.');
    if (parts.some(isSecretName)) continue;
    // `a.b.c…` nests one level per dot: the segments past the limit stay one name
    if (parts.length > MAX_DEPTH) parts.push(parts.splice(MAX_DEPTH - 1).join('.'));
    let at = root;
    for (const p of parts) {
      let next = at.children.get(p);
      if (!next) at.children.set(p, (next = { children: new Map() }));
      at = next;
    }
    const last = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    at.value = HIDDEN_NAME.test(last) ? HIDDEN : value;
  }
  if (root.children.size === 0) return null;
  return convert(root, '') as Record<string, unknown>;
}

const DIGITS = /^\d+$/;

function convert(node: Tree, name: string): unknown {
  const kids = node.children;
  if (kids.size === 0) {
    const v = node.value ?? '';
    if (NUMERIC.has(name) && /^-?\d+$/.test(v)) return Number(v);
    if (BOOLEAN.has(name) && (v === 'true' || v === 'false')) return v === 'true';
    return v;
  }
  // `X.member.N…` (or `X.N` for the few flattened lists): an array in N's order
  const list =
    kids.get('member') ?? ([...kids.keys()].every((k) => DIGITS.test(k)) ? node : undefined);
  if (list) {
    return [...list.children.keys()]
      .filter((k) => DIGITS.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => convert(list.children.get(k) as Tree, name));
  }
  // `Tags.member.N.{Key,Value}` structures and `Attributes.entry.N.{key,value}` maps
  const out: Record<string, unknown> = {};
  for (const [k, child] of kids) put(out, camel(k), convert(child, k));
  return out;
}

/**
 * A result or notes object as CloudTrail shows it: keys in camelCase, dates as CloudTrail's
 * `MMM d, yyyy, h:mm:ss a`, secrets dropped, undefined members left out.
 *
 * @example
 * cloudTrailElements({ Role: { RoleName: 'app', CreateDate: new Date('2026-11-22T10:50:10Z') } })
 * // → { role: { roleName: 'app', createDate: 'Nov 22, 2026, 10:50:10 AM' } }
 */
export function cloudTrailElements(value: unknown, depth = 0): unknown {
  if (value instanceof Date) return javaDate(value);
  if (value && typeof value === 'object' && depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => cloudTrailElements(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || isSecretName(k)) continue;
      put(out, camel(k), cloudTrailElements(v, depth + 1));
    }
    return out;
  }
  return value;
}

/** Drops secret-named members at any depth (notes filled by the services). */
export function withoutSecrets<T>(value: T, depth = 0): T {
  if (value && typeof value === 'object' && !(value instanceof Date) && depth >= MAX_DEPTH)
    return TOO_DEEP as T;
  if (Array.isArray(value)) return value.map((v: unknown) => withoutSecrets(v, depth + 1)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (isSecretName(k)) continue;
      put(out, k, withoutSecrets(v, depth + 1));
    }
    return out as T;
  }
  return value;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A time as CloudTrail's STS and IAM records write it (Java's `MMM d, yyyy, h:mm:ss a`, UTC).
 *
 * @example
 * javaDate(new Date('2026-11-22T11:50:10Z')) // → 'Nov 22, 2026, 11:50:10 AM'
 */
export function javaDate(d: Date): string {
  // every STS record writes its credentials' expiry: the same few seconds, formatted once
  return javaTexts.get(Math.floor(d.getTime() / 1000), () => {
    const h = d.getUTCHours();
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
  });
}
const javaTexts = boundedCache<string, number>(4096);

/**
 * The ISO 8601 time of a `javaDate` text, for irsakit's own words (which write ISO times);
 * undefined when the text is not one.
 *
 * @example
 * isoOfJavaDate('Nov 22, 2026, 11:50:10 PM') // → '2026-11-22T23:50:10Z'
 */
export function isoOfJavaDate(text: string): string | undefined {
  const m = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}), (\d{1,2}):(\d\d):(\d\d) ([AP]M)$/.exec(text);
  const month = m ? MONTHS.indexOf(m[1] as string) : -1;
  if (!m || month < 0) return undefined;
  const h12 = Number(m[4]);
  if (h12 < 1 || h12 > 12) return undefined;
  const hours = (h12 % 12) + (m[7] === 'PM' ? 12 : 0);
  const t = Date.UTC(Number(m[3]), month, Number(m[2]), hours, Number(m[5]), Number(m[6]));
  return isoSeconds(new Date(t));
}
