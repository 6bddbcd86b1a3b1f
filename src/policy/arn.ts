/**
 * ARN parsing and ARN patterns (spec/iam-policy.md §4 and the Arn operators of §7).
 *
 * An ARN has six colon-separated parts: `arn:partition:service:region:account:resource`, the
 * last of which may itself contain `:` and `/`. A pattern is matched part by part: a wildcard
 * in one of the first five parts stays inside that part, while in the resource part `*` may
 * cross `/` and `:`. A pattern with fewer than six parts matches its last part against the
 * rest of the ARN, so `arn:aws:sqs:*` covers every SQS ARN (AWS's legacy reading, §15).
 */
import { compileGlob, type Glob, globFromParts, matchGlob } from './glob.js';
import {
  parseTemplate,
  type Template,
  templateGlobParts,
  type VariableLookup,
} from './variables.js';

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/**
 * Parses an ARN; undefined when `s` is not one.
 *
 * @example
 * parseArn('arn:aws:iam::123456789012:role/app')?.resource // → 'role/app'
 */
export function parseArn(s: string): Arn | undefined {
  const segs = splitSegments(s);
  if (segs.parts.length < 6 || segs.parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account, resource] = segs.parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { partition, service, region, account, resource };
}

/** A resource or context value split at its first five colons, with each part's offset. */
export interface Segments {
  text: string;
  parts: string[];
  offsets: number[];
}

export function splitSegments(text: string): Segments {
  const parts: string[] = [];
  const offsets: number[] = [];
  let start = 0;
  while (parts.length < 5) {
    const c = text.indexOf(':', start);
    if (c < 0) break;
    parts.push(text.slice(start, c));
    offsets.push(start);
    start = c + 1;
  }
  parts.push(text.slice(start));
  offsets.push(start);
  return { text, parts, offsets };
}

export interface ArnPattern {
  readonly source: string;
  /** `*`: matches anything, ARN or not */
  readonly any: boolean;
  readonly segments: readonly Glob[];
  /** the last segment, when it holds policy variables */
  readonly template?: Template | undefined;
}

/**
 * Compiles a Resource/NotResource entry or an Arn-operator value.
 *
 * @param variables whether `${…}` is a policy variable (Version 2012-10-17)
 */
export function compileArnPattern(source: string, variables: boolean): ArnPattern {
  if (source === '*') return { source, any: true, segments: [] };
  const { parts } = splitSegments(source);
  const last = parts.length - 1;
  const segments = parts.map((p) => compileGlob(p));
  // policy variables are honoured only in the resource part, after the fifth colon (§9)
  if (variables && last === 5 && (parts[5] as string).includes('${')) {
    const template = parseTemplate(parts[5] as string);
    if (template.hasVariables) return { source, any: false, segments, template };
  }
  return { source, any: false, segments };
}

/**
 * Matches a split value against a pattern; `lookup` resolves policy variables. A variable
 * without a value makes the pattern match nothing (§6).
 */
export function matchArnPattern(p: ArnPattern, v: Segments, lookup: VariableLookup): boolean {
  if (p.any) return true;
  const k = p.segments.length;
  if (v.parts.length < k) return false;
  for (let i = 0; i < k - 1; i++) {
    if (!matchGlob(p.segments[i] as Glob, v.parts[i] as string)) return false;
  }
  const rest = k === v.parts.length ? (v.parts[k - 1] as string) : v.text.slice(v.offsets[k - 1]);
  if (p.template) {
    const parts = templateGlobParts(p.template, lookup);
    return parts !== undefined && matchGlob(globFromParts(parts), rest);
  }
  return matchGlob(p.segments[k - 1] as Glob, rest);
}
