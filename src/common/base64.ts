/**
 * Base64 as the AWS JSON protocols carry blobs: the standard alphabet, padded to a multiple of
 * four characters. Node's decoder skips what it cannot read, so a value is checked before it
 * is decoded and stored (a blob of `!!!` was stored and echoed back as it was sent).
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * True when `text` is base64 an AWS service would decode.
 *
 * @example
 * isBase64('aGk=') // → true
 * isBase64('!!notb64') // → false
 */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}
