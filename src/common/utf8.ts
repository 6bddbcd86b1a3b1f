/**
 * Text that must be Unicode: UTF-8 request bodies that are not valid UTF-8, and strings that
 * hold a lone surrogate (what a JSON `\ud800` escape makes). Decoded leniently, both became
 * U+FFFD, so that two different keys named one item (`"a\ud800"` and `"a\udc00"`, or the
 * bytes `ff` and `fe`); they are refused instead.
 */
import { isUtf8 } from 'node:buffer';

/** The text of UTF-8 bytes, or undefined when they are not valid UTF-8. */
export function utf8Text(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** a `\uXXXX` escape of a surrogate: the only way JSON text that is valid UTF-8 makes one */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** True when `s` holds a surrogate code unit that is not half of a pair. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * True when a value parsed from the JSON `text` holds a string or a key with a lone surrogate.
 * Walked only when the text escapes a surrogate at all, which requests rarely do.
 *
 * @example
 * const text = '{"pk":{"S":"a\\ud800"}}';
 * jsonHasLoneSurrogate(text, JSON.parse(text)) // → true
 */
export function jsonHasLoneSurrogate(text: string, value: unknown): boolean {
  if (!SURROGATE_ESCAPE.test(text)) return false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return true;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (hasLoneSurrogate(k)) return true;
        stack.push(x);
      }
    }
  }
  return false;
}
