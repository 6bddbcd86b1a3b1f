/**
 * Lint rules about Condition blocks and names, for every policy type (spec §14.2): unknown
 * global keys and actions, operator/key type mismatches, wildcards under non-Like operators,
 * `Null…IfExists`, set operators on single-valued keys, paired keys, private addresses in
 * `aws:SourceIp`, Ip operator values that are no address or CIDR range, policy variables where
 * they are not substituted, and redundancy.
 */
import { parseOperator } from '../condition-operators.js';
import { isMultivaluedKey } from '../context.js';
import { compileGlob, matchGlob } from '../glob.js';
import { nearest } from '../nearest.js';
import type { PolicyDocument, PolicyStatement } from '../types.js';
import { cidrContains, parseCidr, parseIp } from '../values.js';
import {
  COMPLETE_ACTIONS,
  GLOBAL_KEY_PREFIXES,
  GLOBAL_KEY_TYPES,
  type KeyType,
  KNOWN_SERVICES,
  PRIVATE_RANGES,
} from './catalog.js';
import { hasWildcard, label, quoteList, type Report } from './util.js';

/** Keys a trust-policy rule already judges (`<issuer>:sub` / `:aud`): skip them here. */
export type SkipKey = (keyLower: string) => boolean;

const PRIVATE = PRIVATE_RANGES.map((r) => parseCidr(r)).filter((c) => c !== undefined);
const FITS: Record<KeyType, readonly string[]> = {
  String: ['String', 'Null'],
  Arn: ['Arn', 'String', 'Null'],
  Date: ['Date', 'Numeric', 'Null'],
  Numeric: ['Numeric', 'Null'],
  Bool: ['Bool', 'Null'],
  Ip: ['Ip', 'Null'],
};

export function lintConditions(
  doc: PolicyDocument,
  report: Report,
  skip: SkipKey = () => false,
): void {
  const variables = doc.version === '2012-10-17';
  for (const s of doc.statements) {
    const keysInStatement = new Set(s.conditions.map((c) => c.key.toLowerCase()));
    for (const c of s.conditions) {
      const op = parseOperator(c.operator);
      if (!op) continue;
      const key = c.key.toLowerCase();
      const where = `${c.operator} \`${c.key}\` in ${label(s)}`;
      if (
        key.startsWith('aws:') &&
        !GLOBAL_KEY_TYPES[key] &&
        !GLOBAL_KEY_PREFIXES.some((p) => key.startsWith(p))
      ) {
        const guess = nearest(key, [
          ...Object.keys(GLOBAL_KEY_TYPES),
          ...GLOBAL_KEY_PREFIXES.map((p) => p.slice(0, -1)),
        ]);
        report('P12', {
          message: `\`${c.key}\` is not a global condition key; the request never carries it, so ${where} ${op.negated || op.ifExists ? 'always passes' : 'never matches'}`,
          fix: guess
            ? `did you mean \`${guess}\`?`
            : 'use a documented global key (see the IAM global condition context keys)',
          span: c.span,
          statement: s,
        });
      }
      if (skip(key)) continue;
      const type = GLOBAL_KEY_TYPES[key];
      if (type && !FITS[type].includes(op.family)) {
        report('P13', {
          message: `${where}: \`${c.key}\` is a ${type} key, compared with a ${op.family} operator`,
          fix: `use a ${type} operator (e.g. ${type === 'Ip' ? 'IpAddress' : type === 'Bool' ? 'Bool' : type === 'Arn' ? 'ArnLike' : `${type}Equals`})`,
          span: c.operatorSpan ?? c.span,
          statement: s,
        });
      }
      if (op.family === 'Ip') {
        // a policy variable is P20's (not substituted in Ip values)
        const bad = c.values.filter((v) => !v.value.includes('${') && !isCidr(v.value));
        if (bad.length > 0) {
          report('P25', {
            message: `${where}: ${quoteList(bad.map((v) => v.value))} ${bad.length > 1 ? 'are' : 'is'} no IP address or CIDR range, so the condition cannot compare ${bad.length > 1 ? 'them' : 'it'} (IAM Access Analyzer: Type mismatch IP range)`,
            fix: 'write the range in CIDR notation: an IPv4 address with a prefix of 0–32 (203.0.113.0/24) or an IPv6 one with 0–128 (2001:db8::/32)',
            span: bad[0]?.span ?? c.span,
            statement: s,
          });
        }
      }
      if (op.family === 'String' && op.comparison === 'eq') {
        const wild = c.values.filter((v) => hasWildcard(v.value.replace(/\$\{[^}]*\}/g, '')));
        if (wild.length > 0) {
          report('P14', {
            message: `${where}: ${quoteList(wild.map((v) => v.value))} ${wild.length > 1 ? 'contain' : 'contains'} a wildcard, which ${c.operator} compares literally`,
            fix: `use ${op.negated ? 'StringNotLike' : 'StringLike'} if a pattern is meant`,
            span: wild[0]?.span ?? c.span,
            statement: s,
          });
        }
      }
      if (op.family === 'Null' && op.ifExists) {
        report('P15', {
          message: `${where}: Null has no IfExists form`,
          fix: 'use plain `Null`',
          span: c.operatorSpan ?? c.span,
          statement: s,
        });
      }
      const single =
        !isMultivaluedKey(key) &&
        (type !== undefined || key.startsWith('aws:') || /:(sub|aud)$/.test(key));
      if (op.set === 'all' && single) {
        report('P16', {
          message: `${where}: ForAllValues on the single-valued key \`${c.key}\` is true when the key is absent`,
          fix: `drop the \`ForAllValues:\` prefix (${op.base}${op.ifExists ? 'IfExists' : ''})`,
          span: c.operatorSpan ?? c.span,
          statement: s,
        });
      } else if (op.set === 'any' && single) {
        report('P22', {
          message: `${where}: ForAnyValue on the single-valued key \`${c.key}\` behaves as the plain operator`,
          fix: `drop the \`ForAnyValue:\` prefix (${op.base})`,
          span: c.operatorSpan ?? c.span,
          statement: s,
        });
      }
      if (
        key === 'aws:vpcsourceip' &&
        !keysInStatement.has('aws:sourcevpc') &&
        !keysInStatement.has('aws:sourcevpce')
      ) {
        report('P17', {
          message: `${where}: aws:VpcSourceIp is only meaningful together with aws:SourceVpc or aws:SourceVpce`,
          fix: 'add an aws:SourceVpc or aws:SourceVpce condition to the same statement',
          span: c.span,
          statement: s,
        });
      }
      if (key === 'aws:sourceip' && op.family === 'Ip') {
        const priv = c.values.filter((v) => {
          const range = parseCidr(v.value);
          return (
            range && PRIVATE.some((p) => cidrContains(p, { ...range, prefix: range.v6 ? 128 : 32 }))
          );
        });
        if (priv.length > 0) {
          report('P18', {
            message: `${where}: ${quoteList(priv.map((v) => v.value))} ${priv.length > 1 ? 'are private ranges' : 'is a private range'}; requests through a VPC endpoint carry aws:VpcSourceIp instead, so aws:SourceIp never matches it`,
            fix: 'use aws:VpcSourceIp together with aws:SourceVpc or aws:SourceVpce',
            span: priv[0]?.span ?? c.span,
            statement: s,
          });
        }
      }
      if (c.values.length === 0) {
        report('P19', {
          message: `${where}: the value list is empty`,
          fix: 'give the key at least one value, or remove it',
          span: c.span,
          statement: s,
        });
      }
      if (variables && !['String', 'Arn', 'Bool'].includes(op.family)) {
        const withVar = c.values.find((v) => /\$\{[^*?$}][^}]*\}/.test(v.value));
        if (withVar) {
          report('P20', {
            message: `${where}: policy variables are not substituted in ${op.family} values, so \`${withVar.value}\` is literal text`,
            fix: 'compare a fixed value, or use a String or Arn operator',
            span: withVar.span,
            statement: s,
          });
        }
      }
    }
  }
}

/**
 * Whether an Ip operator's value is an address or a CIDR range: an IPv4 address with a prefix
 * of at most 32, an IPv6 one with at most 128 (an IPv4-mapped IPv6 range counts as IPv6 here,
 * whatever the engine narrows it to).
 */
function isCidr(v: string): boolean {
  const slash = v.indexOf('/');
  const addr = slash < 0 ? v : v.slice(0, slash);
  if (!parseIp(addr)) return false;
  if (slash < 0) return true;
  const prefix = v.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (addr.includes(':') ? 128 : 32);
}

/** Unknown names, misplaced variables and redundancy in Action and Resource lists. */
export function lintNames(doc: PolicyDocument, report: Report): void {
  const variables = doc.version === '2012-10-17';
  const seenStatements = new Map<string, PolicyStatement>();
  if (!variables && doc.text.includes('${')) {
    report('P20', {
      message: `policy variables are recognised only under Version 2012-10-17; here \`\${…}\` is literal text`,
      fix: 'set "Version": "2012-10-17"',
      span: doc.keySpans.Version,
    });
  }
  for (const s of doc.statements) {
    for (const a of [...(s.action ?? []), ...(s.notAction ?? [])]) {
      const colon = a.value.indexOf(':');
      if (colon < 0) continue;
      const svc = a.value.slice(0, colon).toLowerCase();
      const name = a.value.slice(colon + 1);
      if (variables && a.value.includes('${')) {
        report('P20', {
          message: `\`${a.value}\`: policy variables are not substituted in actions`,
          fix: 'name the action literally',
          span: a.span,
          statement: s,
        });
      }
      if (!hasWildcard(svc) && !KNOWN_SERVICES.includes(svc)) {
        const guess = nearest(svc, KNOWN_SERVICES);
        if (guess) {
          report('P12', {
            message: `\`${a.value}\`: \`${svc}\` is not an AWS service prefix`,
            fix: `did you mean \`${guess}:${name}\`?`,
            span: a.span,
            statement: s,
          });
        }
      }
      const known = COMPLETE_ACTIONS[svc];
      if (known) {
        const g = compileGlob(name.toLowerCase());
        if (!known.some((k) => matchGlob(g, k.toLowerCase()))) {
          const guess = hasWildcard(name) ? undefined : nearest(name, known);
          report('P12', {
            message: `\`${a.value}\` matches no ${svc} action`,
            fix: guess
              ? `did you mean \`${svc}:${guess}\`?`
              : `use one of the ${svc} actions (${quoteList(known, 4)})`,
            span: a.span,
            statement: s,
          });
        }
      }
    }
    redundantEntries(s.action ?? s.notAction, 'action', true, s, report);
    redundantEntries(s.resource ?? s.notResource, 'resource', false, s, report);
    for (const r of [...(s.resource ?? []), ...(s.notResource ?? [])]) {
      const colons = [...r.value.matchAll(/:/g)].map((m) => m.index ?? 0);
      const fifth = colons[4] ?? r.value.length;
      if (variables && r.value.slice(0, fifth).includes('${')) {
        report('P20', {
          message: `\`${r.value}\`: policy variables are substituted only in the resource part of an ARN (after the fifth colon)`,
          fix: 'move the variable into the resource part, or name the account or region literally',
          span: r.span,
          statement: s,
        });
      }
    }
    const { sid: _sid, index: _i, span: _sp, keySpans: _k, ...rest } = s;
    const shape = JSON.stringify(rest, (k, v) =>
      k === 'span' || k === 'operatorSpan' ? undefined : v,
    );
    const twin = seenStatements.get(shape);
    if (twin) {
      report('P19', {
        message: `${label(s)} repeats ${label(twin)}`,
        fix: `remove ${label(s)}`,
        statement: s,
      });
    } else seenStatements.set(shape, s);
  }
}

function redundantEntries(
  list: PolicyStatement['action'],
  what: string,
  foldCase: boolean,
  s: PolicyStatement,
  report: Report,
): void {
  if (!list || list.length < 2) return;
  const norm = (v: string) => (foldCase ? v.toLowerCase() : v);
  list.forEach((e, i) => {
    const v = norm(e.value);
    const cover = list.find(
      (o, j) => j !== i && (norm(o.value) === v ? j < i : matchGlob(compileGlob(norm(o.value)), v)),
    );
    if (cover) {
      report('P19', {
        message: `${what} \`${e.value}\` in ${label(s)} is already covered by \`${cover.value}\``,
        fix: `remove \`${e.value}\``,
        span: e.span,
        statement: s,
      });
    }
  });
}

/** Keys a request carries only when an AWS service calls another on a resource's behalf. */
const SERVICE_ONLY_KEYS = new Set([
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
]);

/**
 * Identity policies (and boundaries, session policies): an Allow whose condition needs a key
 * only service-to-service requests carry never allows a call the role makes itself — a pod's
 * calls have no aws:SourceAccount (the seeds' "use condition keys" example).
 */
export function lintServiceOnlyKeys(doc: PolicyDocument, report: Report): void {
  for (const s of doc.statements) {
    if (s.effect !== 'Allow') continue;
    for (const c of s.conditions) {
      const op = parseOperator(c.operator);
      const key = c.key.toLowerCase();
      if (!op || !SERVICE_ONLY_KEYS.has(key) || op.base === 'Null' || op.ifExists || op.negated)
        continue;
      report('P23', {
        message: `${c.operator} \`${c.key}\` in ${label(s)}: a request carries ${c.key} only when an AWS service calls another on a resource's behalf; the role's own calls (a pod's) never do, so this statement allows none of them`,
        fix: 'remove the condition; to limit the account, use aws:ResourceAccount (whose resources) or aws:PrincipalAccount',
        span: c.span,
        statement: s,
      });
    }
  }
}
