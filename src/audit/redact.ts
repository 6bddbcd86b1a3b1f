/**
 * What the trail must not keep of an error's text. AWS echoes a malformed Authorization
 * header back to its sender, signature and all; a signature that is valid for the request it
 * came with must not be readable (and replayable) by whoever reads the trail.
 */

/**
 * The text with every `Signature=…` value replaced.
 *
 * @example
 * withoutSignature('… SignedHeaders=host, Signature=9f2c…') // → '… SignedHeaders=host, Signature=<redacted>'
 */
export function withoutSignature(message: string): string {
  // the parser takes spaces around `=`: so must this
  return /Signature/i.test(message)
    ? message.replace(/(Signature\s*=\s*)[^,\s]+/gi, '$1<redacted>')
    : message;
}
