/**
 * JSON Patch (RFC 6902) over JSON Pointers (RFC 6901): what the API server does with the
 * webhook's answer, for irsakit's own admission and for tests. All six operations; the
 * webhook only emits `add`. The input is never modified.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonPatchOp } from './types.js';

/** A patch that cannot be applied; `index` is the failing operation. */
export class JsonPatchError extends Error {
  readonly index: number;
  constructor(index: number, message: string) {
    super(`patch operation ${index}: ${message}`);
    this.name = 'JsonPatchError';
    this.index = index;
  }
}

/**
 * Escapes one reference token of a JSON Pointer (`~` → `~0`, `/` → `~1`).
 *
 * @example
 * escapePointerToken('eks.amazonaws.com/pod-identity'); // 'eks.amazonaws.com~1pod-identity'
 */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~[^01]|~$/.test(t))) return undefined;
  return tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Array index token: `0` or digits without a leading zero. */
function arrayIndex(token: string, length: number, allowEnd: boolean): number | undefined {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i <= (allowEnd ? length : length - 1) ? i : undefined;
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Walks to the parent of the pointed-at location. */
function parentOf(doc: unknown, tokens: string[]): Container | undefined {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t, cur.length, false);
      if (i === undefined) return undefined;
      cur = cur[i];
    } else if (isContainer(cur) && hasOwn(cur, t)) {
      cur = (cur as Record<string, unknown>)[t];
    } else {
      return undefined;
    }
  }
  return isContainer(cur) ? cur : undefined;
}

function get(doc: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  if (tokens.length === 0) return { found: true, value: doc };
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1] as string;
  if (parent === undefined) return { found: false };
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    return i === undefined ? { found: false } : { found: true, value: parent[i] };
  }
  return hasOwn(parent, last) ? { found: true, value: parent[last] } : { found: false };
}

interface State {
  doc: unknown;
}

function add(state: State, tokens: string[], value: unknown, index: number, path: string): void {
  if (tokens.length === 0) {
    state.doc = value;
    return;
  }
  const parent = parentOf(state.doc, tokens);
  if (parent === undefined) throw new JsonPatchError(index, `path \`${path}\` does not exist`);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, true);
    if (i === undefined) throw new JsonPatchError(index, `bad array index in \`${path}\``);
    parent.splice(i, 0, value);
  } else {
    parent[last] = value;
  }
}

function remove(state: State, tokens: string[], index: number, path: string): unknown {
  if (tokens.length === 0) throw new JsonPatchError(index, 'cannot remove the whole document');
  const parent = parentOf(state.doc, tokens);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i === undefined) throw new JsonPatchError(index, `path \`${path}\` does not exist`);
    return parent.splice(i, 1)[0];
  }
  if (parent === undefined || !hasOwn(parent, last)) {
    throw new JsonPatchError(index, `path \`${path}\` does not exist`);
  }
  const old = parent[last];
  delete parent[last];
  return old;
}

/**
 * Applies a JSON Patch to a copy of `doc` and returns the copy. Throws
 * {@link JsonPatchError} when an operation cannot be applied (RFC 6902 makes the whole
 * patch fail then).
 *
 * @example
 * const r = mutatePod(input, options);
 * const admitted = applyJsonPatch(input.pod, r.patch);
 */
export function applyJsonPatch<T>(doc: T, patch: readonly JsonPatchOp[]): T {
  const state: State = { doc: structuredClone(doc) };
  patch.forEach((op, index) => {
    const tokens = parsePointer(op.path);
    if (tokens === undefined) throw new JsonPatchError(index, `bad JSON Pointer \`${op.path}\``);
    switch (op.op) {
      case 'add':
        add(state, tokens, structuredClone(op.value), index, op.path);
        break;
      case 'remove':
        remove(state, tokens, index, op.path);
        break;
      case 'replace':
        if (!get(state.doc, tokens).found) {
          throw new JsonPatchError(index, `path \`${op.path}\` does not exist`);
        }
        if (tokens.length > 0) remove(state, tokens, index, op.path);
        add(state, tokens, structuredClone(op.value), index, op.path);
        break;
      case 'test': {
        const cur = get(state.doc, tokens);
        if (!cur.found || !isDeepStrictEqual(cur.value, op.value)) {
          throw new JsonPatchError(index, `test failed at \`${op.path}\``);
        }
        break;
      }
      case 'move':
      case 'copy': {
        const from = parsePointer(op.from);
        if (from === undefined) {
          throw new JsonPatchError(index, `bad JSON Pointer \`${op.from}\``);
        }
        const src = get(state.doc, from);
        if (!src.found) throw new JsonPatchError(index, `path \`${op.from}\` does not exist`);
        if (op.op === 'move') {
          if (op.path.startsWith(`${op.from}/`)) {
            throw new JsonPatchError(index, 'cannot move a value into one of its children');
          }
          remove(state, from, index, op.from);
          add(state, tokens, src.value, index, op.path);
        } else {
          add(state, tokens, structuredClone(src.value), index, op.path);
        }
        break;
      }
      default:
        throw new JsonPatchError(index, `unknown op \`${(op as { op: string }).op}\``);
    }
  });
  return state.doc as T;
}
