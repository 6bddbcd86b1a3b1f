/**
 * JSON as Go's `encoding/json` writes it, which is what kube-apiserver sends: compact, with
 * `<`, `>`, `&`, U+2028 and U+2029 escaped. Key order is the caller's (Go writes struct fields
 * in declaration order and map keys sorted; the issuer builds its objects that way).
 */

/**
 * @example
 * goJson({ iss: 'https://a/b?x=<1>&y' }) // → '{"iss":"https://a/b?x=\\u003c1\\u003e\\u0026y"}'
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
