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
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
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
