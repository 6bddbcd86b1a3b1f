/**
 * Text made safe for a line of a log: a caller chooses an action name, an object key or a
 * session name, and a line feed in one must not start a line of its own that reads like
 * another request. Control characters are written as escapes (`\n`, `\r`, `\t`, `\u001b`).
 */
// C0, DEL, C1 (U+0085 NEL is a line break to many readers) and the Unicode line separators
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * @example
 * oneLine('Nope\n01:33:00.000 POST admin iam:DeleteRole allowed') // → 'Nope\\n01:33:00.000 POST admin iam:DeleteRole allowed'
 */
export function oneLine(text: string): string {
  return text.replace(
    CONTROL,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
