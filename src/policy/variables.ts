/**
 * Policy variables (spec/iam-policy.md §9): `${key}`, `${key, 'default'}`, and the escapes
 * `${*}`, `${?}`, `${$}`. Recognised only under Version 2012-10-17; elsewhere `${…}` is text.
 * A substituted value is always literal: a `*` in a context value is not a wildcard.
 */
import type { GlobPart } from './glob.js';
import { table } from '../common/own.js';

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'escape'; text: string }
  | { kind: 'var'; name: string; key: string; fallback?: string | undefined };

export interface Template {
  parts: TemplatePart[];
  hasVariables: boolean;
}

/** Looks up a single-valued context key (lower-cased name); undefined when absent. */
export type VariableLookup = (keyLower: string) => string | undefined;

const ESCAPES: Readonly<Record<string, string>> = table({ '*': '*', '?': '?', $: '$' });

/**
 * Splits a string into text, escapes and variables.
 *
 * @example
 * parseTemplate("home/${aws:username}/*").parts
 * // → [text 'home/', var aws:username, text '/*']
 */
export function parseTemplate(s: string): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  let hasVariables = false;
  let i = 0;
  while (i < s.length) {
    const at = s.indexOf('${', i);
    if (at < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, at);
    const parsed = readVariable(s, at + 2);
    if (!parsed) {
      text += '${';
      i = at + 2;
      continue;
    }
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push(parsed.part);
    if (parsed.part.kind === 'var') hasVariables = true;
    i = parsed.end;
  }
  if (text) parts.push({ kind: 'text', text });
  return { parts, hasVariables: hasVariables || parts.some((p) => p.kind === 'escape') };
}

function readVariable(s: string, from: number): { part: TemplatePart; end: number } | undefined {
  const close = s.indexOf('}', from);
  if (close < 0) return undefined;
  const inner = s.slice(from, close);
  const esc = ESCAPES[inner];
  if (esc !== undefined) return { part: { kind: 'escape', text: esc }, end: close + 1 };
  const comma = inner.indexOf(',');
  if (comma < 0) {
    const name = inner.trim();
    if (!isKeyName(name)) return undefined;
    return { part: { kind: 'var', name, key: name.toLowerCase() }, end: close + 1 };
  }
  const name = inner.slice(0, comma).trim();
  if (!isKeyName(name)) return undefined;
  // the default is single-quoted and may itself contain `}`
  let j = comma + 1 + from;
  while (s[j] === ' ') j++;
  if (s[j] !== "'") return undefined;
  const endQuote = s.indexOf("'", j + 1);
  if (endQuote < 0) return undefined;
  let k = endQuote + 1;
  while (s[k] === ' ') k++;
  if (s[k] !== '}') return undefined;
  return {
    part: { kind: 'var', name, key: name.toLowerCase(), fallback: s.slice(j + 1, endQuote) },
    end: k + 1,
  };
}

// a key name: no blanks before a tag-style `/` suffix (tag keys may contain spaces)
const KEY_NAME = /^[^\s{}$,'/]+(?:\/[^{}$,']*)?$/;
function isKeyName(name: string): boolean {
  return KEY_NAME.test(name);
}

/** Substitutes variables; undefined when one has no value and no default. */
export function renderTemplate(t: Template, lookup: VariableLookup): string | undefined {
  let out = '';
  for (const p of t.parts) {
    if (p.kind === 'var') {
      const v = lookup(p.key) ?? p.fallback;
      if (v === undefined) return undefined;
      out += v;
    } else out += p.text;
  }
  return out;
}

/** Substitutes variables into glob parts (only raw text keeps its wildcards). */
export function templateGlobParts(t: Template, lookup: VariableLookup): GlobPart[] | undefined {
  const out: GlobPart[] = [];
  for (const p of t.parts) {
    if (p.kind === 'var') {
      const v = lookup(p.key) ?? p.fallback;
      if (v === undefined) return undefined;
      out.push({ text: v, wild: false });
    } else out.push({ text: p.text, wild: p.kind === 'text' });
  }
  return out;
}

/** The template's text when nothing is substituted (for templates without variables). */
export function staticText(t: Template): string {
  return t.parts.map((p) => (p.kind === 'var' ? '' : p.text)).join('');
}
