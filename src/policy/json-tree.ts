/**
 * A JSON tree that remembers where every value came from.
 *
 * IAM rejects a policy whose objects repeat a key, but `JSON.parse` silently keeps the last
 * duplicate (spec/iam-policy.md §2), and messages should point at a line and column. So the
 * text is checked for syntax by the platform's strict `JSON.parse`, then walked again with
 * jsonc-parser (strict options) to get offsets and to see every key.
 */
import { type Node as JsoncNode, parseTree } from 'jsonc-parser';
import { nestsDeeperThan } from '../common/json-depth.js';
import type { SourceSpan } from './types.js';

export type JsonNode =
  | { kind: 'object'; span: SourceSpan; properties: JsonProperty[] }
  | { kind: 'array'; span: SourceSpan; items: JsonNode[] }
  | { kind: 'string'; span: SourceSpan; value: string }
  | { kind: 'number'; span: SourceSpan; value: number; raw: string }
  | { kind: 'boolean'; span: SourceSpan; value: boolean }
  | { kind: 'null'; span: SourceSpan };

export interface JsonProperty {
  key: string;
  keySpan: SourceSpan;
  value: JsonNode;
}

export type JsonParseResult =
  | { ok: true; root: JsonNode }
  | { ok: false; problem: 'syntax' | 'duplicate-key'; detail: string; span?: SourceSpan };

/** Deeper than this, a document is refused as a syntax error (no policy nests past 8). */
const MAX_NESTING = 64;

/** Maps offsets to 1-based line and column numbers. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
  span(offset: number, length: number): SourceSpan {
    const s = this.position(offset);
    const e = this.position(offset + length);
    return { offset, length, line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
  }
}

/**
 * Parses JSON text into a positioned tree; reports the first syntax error or duplicate key.
 *
 * @example
 * parseJsonTree('{"a":1,"a":2}') // → { ok: false, problem: 'duplicate-key', detail: 'a', ... }
 */
export function parseJsonTree(text: string): JsonParseResult {
  try {
    JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: 'syntax', detail: (e as Error).message };
  }
  // a policy nests a handful of levels; the walks below recurse once per level
  if (nestsDeeperThan(text, MAX_NESTING))
    return { ok: false, problem: 'syntax', detail: `nested more than ${MAX_NESTING} levels deep` };
  const errors: { error: number; offset: number; length: number }[] = [];
  const tree = parseTree(text, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  if (!tree || errors.length > 0) {
    // INVARIANT: JSON.parse accepted the text, so jsonc-parser (which is more lenient) must too.
    return { ok: false, problem: 'syntax', detail: 'unparseable JSON' };
  }
  const lines = new LineIndex(text);
  let duplicate: JsonParseResult | undefined;
  const convert = (n: JsoncNode): JsonNode => {
    const span = lines.span(n.offset, n.length);
    switch (n.type) {
      case 'object': {
        const seen = new Set<string>();
        const properties: JsonProperty[] = [];
        for (const p of n.children ?? []) {
          const [k, v] = p.children ?? [];
          if (!k || !v) continue;
          const key = String(k.value);
          const keySpan = lines.span(k.offset, k.length);
          if (seen.has(key) && !duplicate) {
            duplicate = { ok: false, problem: 'duplicate-key', detail: key, span: keySpan };
          }
          seen.add(key);
          properties.push({ key, keySpan, value: convert(v) });
        }
        return { kind: 'object', span, properties };
      }
      case 'array':
        return { kind: 'array', span, items: (n.children ?? []).map(convert) };
      case 'string':
        return { kind: 'string', span, value: String(n.value) };
      case 'number':
        return {
          kind: 'number',
          span,
          value: Number(n.value),
          raw: text.slice(n.offset, n.offset + n.length),
        };
      case 'boolean':
        return { kind: 'boolean', span, value: Boolean(n.value) };
      default:
        return { kind: 'null', span };
    }
  };
  const root = convert(tree);
  return duplicate ?? { ok: true, root };
}

/** Looks a property up by exact name. */
export function property(node: JsonNode, key: string): JsonProperty | undefined {
  if (node.kind !== 'object') return undefined;
  return node.properties.find((p) => p.key === key);
}
