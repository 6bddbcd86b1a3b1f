/**
 * The store's key order, shared by every implementation and by callers that page through a
 * collection: UTF-8 bytes, which is code point order (not JavaScript's UTF-16 `<`).
 */

/**
 * The least string above every string that starts with `prefix`, in the store's order (UTF-8
 * bytes, which is code point order): the last code point incremented. A prefix of only
 * U+10FFFF has no such string; the bound then is one past the whole key space.
 */
export function prefixEnd(prefix: string): string {
  const cps = [...prefix].map((c) => c.codePointAt(0) as number);
  while (cps.length > 0 && cps[cps.length - 1] === 0x10ffff) cps.pop();
  if (cps.length === 0) return '\u{10FFFF}'.repeat(prefix.length + 1);
  let last = (cps.pop() as number) + 1;
  if (last === 0xd800) last = 0xe000; // surrogates are not characters
  return String.fromCodePoint(...cps, last);
}

/**
 * The order of two keys in the store: negative, zero or positive.
 *
 * @example
 * compareStoreKeys('\u{e000}', '\u{10000}') // → negative (JavaScript's `<` says otherwise)
 */
export function compareStoreKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
