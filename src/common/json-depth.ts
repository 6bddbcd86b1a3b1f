/**
 * How deeply JSON text nests, found without building it. `JSON.parse` reads any depth, but
 * `JSON.stringify` and every recursive walk of the value (a policy's parser, a record's
 * writer) run out of stack a few thousand levels down — a 6 KB policy of brackets was enough
 * to make them throw. Documents nest a handful of levels; a caller's text that nests deeper
 * than a limit is refused before anything walks it.
 */

/**
 * True when `text` opens more than `limit` arrays and objects inside one another (brackets in
 * strings do not count). Meant for text `JSON.parse` accepted.
 *
 * @example
 * nestsDeeperThan('{"a":[{"b":"[[["}]}', 2) // → true (three levels)
 * nestsDeeperThan('{"a":[{"b":"[[["}]}', 3) // → false
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  return openerPast(text, limit) !== undefined;
}

/**
 * The bracket (`[` or `{`) that opens level `limit + 1` of `text`, or undefined when it nests
 * no deeper than `limit` — what Go's decoder names when it stops ("invalid character '{'
 * exceeded max depth").
 */
export function openerPast(text: string, limit: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return text.charAt(i);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/**
 * True when a parsed value nests more than `limit` arrays and objects inside one another;
 * walked with a stack of its own, so a value of any depth is measured without recursion.
 *
 * @example
 * valueNestsDeeperThan({ a: [{ b: 1 }] }, 2) // → true (three levels)
 */
export function valueNestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v as Record<string, unknown>))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

const representable = (v: unknown): boolean =>
  v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';

/**
 * `JSON.stringify` for plain data of any depth: the same text, but a value nested past the
 * few thousand levels `JSON.stringify`'s recursion reaches is written with a stack of its own
 * instead of throwing `RangeError`. For values that only travel through (a webhook passes a
 * container's unknown fields back in its patch).
 *
 * @example
 * stringifyAnyDepth({ a: [1, undefined], b: undefined }) // → '{"a":[1,null]}'
 */
export function stringifyAnyDepth(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  let out = '';
  const work: ({ text: string } | { value: unknown })[] = [{ value }];
  while (work.length > 0) {
    const item = work.pop() as { text: string } | { value: unknown };
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      work.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        work.push(representable(v[i]) ? { value: v[i] } : { text: 'null' });
        if (i > 0) work.push({ text: ',' });
      }
      work.push({ text: '[' });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).filter(([, x]) => representable(x));
      work.push({ text: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, x] = entries[i] as [string, unknown];
        work.push({ value: x });
        work.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
      }
      work.push({ text: '{' });
    } else out += JSON.stringify(v) ?? 'null';
  }
  return out;
}
