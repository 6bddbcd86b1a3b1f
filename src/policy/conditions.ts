/**
 * Condition evaluation (spec/iam-policy.md §6–§8). A clause is compiled once: values are
 * pre-parsed for their operator family (numbers, dates, CIDRs, ARN patterns, globs, folded
 * case) and policy variables are pre-split. Evaluation then only compares.
 *
 * Semantics:
 * - the values of one key are ORed for positive operators and NORed for negated ones;
 * - a missing key: positive → false, negated → true, `…IfExists` → true, `Null` decides;
 * - `ForAllValues:` is true on a missing or empty key, `ForAnyValue:` false;
 * - a plain operator over several request values asks whether any of them matches (the
 *   negated forms whether none does), so `Not` is always the exact negation;
 * - a value of the wrong type (not a number, date, IP, ARN, base64) matches nothing;
 * - a policy variable without a value makes that policy value match nothing.
 */
import { type ArnPattern, compileArnPattern, matchArnPattern } from './arn.js';
import { type OperatorInfo, parseOperator } from './condition-operators.js';
import type { ContextEntry, RequestContext } from './context.js';
import { compileGlob, type Glob, globFromParts, matchGlob } from './glob.js';
import type { ConditionClause } from './types.js';
import {
  type Cidr,
  canonicalBase64,
  cidrContains,
  parseCidr,
  parseDate,
  parseNumber,
} from './values.js';
import {
  parseTemplate,
  renderTemplate,
  type Template,
  templateGlobParts,
  type VariableLookup,
} from './variables.js';

/** A compiled policy value of a string-like operator. */
interface StringValue {
  /** the value, folded when the operator ignores case; unused when `template` is set */
  fixed: string;
  glob?: Glob | undefined;
  /** set when the value holds policy variables */
  template?: Template | undefined;
}

export interface CompiledCondition {
  readonly clause: ConditionClause;
  readonly op: OperatorInfo;
  /** lower-cased key name */
  readonly key: string;
  readonly strings?: StringValue[];
  readonly numbers?: number[];
  readonly cidrs?: (Cidr | undefined)[];
  readonly binaries?: (string | undefined)[];
  readonly arns?: ArnPattern[];
  /** for `Null`: true = the key must be absent, false = present, undefined = neither */
  readonly nulls?: (boolean | undefined)[];
}

/**
 * Compiles one clause. `variables` says whether `${…}` is a policy variable (2012-10-17).
 * Throws a TypeError for an unknown operator: the parser never lets one through.
 */
export function compileCondition(clause: ConditionClause, variables: boolean): CompiledCondition {
  const op = parseOperator(clause.operator);
  if (!op) throw new TypeError(`unknown condition operator ${clause.operator}`);
  const key = clause.key.toLowerCase();
  const raw = clause.values.map((v) => v.value);
  const base = { clause, op, key };
  switch (op.family) {
    case 'String':
    case 'Bool': {
      const fold = op.ignoreCase || op.family === 'Bool';
      const like = op.comparison === 'like';
      const useVars = variables;
      const strings = raw.map((v): StringValue => {
        if (useVars && v.includes('${')) {
          const template = parseTemplate(v);
          if (template.hasVariables) return { fixed: v, template };
        }
        const fixed = fold ? v.toLowerCase() : v;
        return like ? { fixed, glob: compileGlob(fixed) } : { fixed };
      });
      return { ...base, strings };
    }
    case 'Numeric':
      return { ...base, numbers: raw.map(parseNumber) };
    case 'Date':
      return { ...base, numbers: raw.map(parseDate) };
    case 'Ip':
      return { ...base, cidrs: raw.map(parseCidr) };
    case 'Binary':
      return { ...base, binaries: raw.map(canonicalBase64) };
    case 'Arn':
      return { ...base, arns: raw.map((v) => compileArnPattern(v, variables)) };
    case 'Null':
      return {
        ...base,
        nulls: raw.map((v) => {
          const l = v.toLowerCase();
          return l === 'true' ? true : l === 'false' ? false : undefined;
        }),
      };
  }
}

/** Whether one request value (at index `i` of `entry`) matches some policy value. */
function valueMatches(
  c: CompiledCondition,
  entry: ContextEntry,
  i: number,
  lookup: VariableLookup,
): boolean {
  const op = c.op;
  switch (op.family) {
    case 'String':
    case 'Bool': {
      const fold = op.ignoreCase || op.family === 'Bool';
      const actual = (fold ? entry.lower() : entry.values)[i] as string;
      const like = op.comparison === 'like';
      for (const pv of c.strings as StringValue[]) {
        if (pv.template) {
          // INVARIANT: no operator both ignores case and matches patterns (no StringLikeIgnoreCase)
          if (like) {
            const parts = templateGlobParts(pv.template, lookup);
            if (parts && matchGlob(globFromParts(parts), actual)) return true;
          } else {
            const v = renderTemplate(pv.template, lookup);
            if (v !== undefined && (fold ? v.toLowerCase() : v) === actual) return true;
          }
        } else if (pv.glob ? matchGlob(pv.glob, actual) : pv.fixed === actual) return true;
      }
      return false;
    }
    case 'Numeric':
    case 'Date': {
      const actual = (op.family === 'Numeric' ? entry.asNumbers() : entry.asDates())[i] as number;
      if (Number.isNaN(actual)) return false;
      for (const pv of c.numbers as number[]) {
        if (Number.isNaN(pv)) continue;
        switch (op.comparison) {
          case 'eq':
            if (actual === pv) return true;
            break;
          case 'lt':
            if (actual < pv) return true;
            break;
          case 'lte':
            if (actual <= pv) return true;
            break;
          case 'gt':
            if (actual > pv) return true;
            break;
          case 'gte':
            if (actual >= pv) return true;
            break;
          default:
            break;
        }
      }
      return false;
    }
    case 'Ip': {
      const ip = entry.asIps()[i];
      if (!ip) return false;
      for (const range of c.cidrs as (Cidr | undefined)[]) {
        if (range && cidrContains(range, ip)) return true;
      }
      return false;
    }
    case 'Binary': {
      const actual = entry.asBinaries()[i];
      if (actual === undefined) return false;
      return (c.binaries as (string | undefined)[]).includes(actual);
    }
    case 'Arn': {
      const actual = entry.asArns()[i];
      if (!actual || actual.parts.length < 6 || actual.parts[0] !== 'arn') return false;
      for (const p of c.arns as ArnPattern[]) {
        if (matchArnPattern(p, actual, lookup)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

/**
 * Evaluates a compiled clause against the request context.
 *
 * @example
 * const c = compileCondition({ operator: 'StringEquals', key: 'aws:username', values: [{ value: 'ana' }] }, true);
 * conditionHolds(c, createContext({ 'aws:username': 'ana' })) // → true
 */
export function conditionHolds(c: CompiledCondition, ctx: RequestContext): boolean {
  const entry = ctx.get(c.key);
  const op = c.op;
  if (op.family === 'Null') {
    // a key with an empty set of values counts as absent (IAM guide, multivalued context keys)
    const absent = entry === undefined || entry.values.length === 0;
    return (c.nulls as (boolean | undefined)[]).some((n) => n !== undefined && n === absent);
  }
  if (!entry || entry.values.length === 0) {
    if (op.ifExists || op.set === 'all') return true;
    if (op.set === 'any') return false;
    return op.negated;
  }
  const n = entry.values.length;
  const lookup = ctx.variable;
  if (op.set === 'all') {
    for (let i = 0; i < n; i++) {
      if (valueMatches(c, entry, i, lookup) === op.negated) return false;
    }
    return true;
  }
  if (op.set === 'any') {
    for (let i = 0; i < n; i++) {
      if (valueMatches(c, entry, i, lookup) !== op.negated) return true;
    }
    return false;
  }
  for (let i = 0; i < n; i++) {
    if (valueMatches(c, entry, i, lookup)) return !op.negated;
  }
  return op.negated;
}
