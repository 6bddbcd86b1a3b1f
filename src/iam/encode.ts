/**
 * IAM returns policy documents URL-encoded per RFC 3986 (spec/aws-wire.md §5.1): botocore
 * decodes them with `unquote` (not `unquote_plus`), so a space must be `%20`, never `+`.
 */

/**
 * Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
 *
 * @example
 * encodePolicyDocument('{"a": "b c"}') // → '%7B%22a%22%3A%20%22b%20c%22%7D'
 */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
