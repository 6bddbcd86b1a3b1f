/**
 * User metadata values outside US-ASCII, as S3 keeps them: "the provided unicode string is
 * examined for non US-ASCII characters. Values of such headers are character decoded as per RFC
 * 2047 before storing and encoded as per RFC 2047 to make them mail-safe before returning" (S3
 * User Guide, "Working with object metadata"). A header value arrives as bytes (read one byte a
 * character): UTF-8 is taken as such, and an RFC 2047 encoded word (`=?UTF-8?B?…?=`, `?Q?`) is
 * decoded; on the way out a value with any non-ASCII character is one `=?UTF-8?B?…?=` word.
 */
import { utf8Text } from '../../common/utf8.js';

const ENCODED_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

function decodeWord(charset: string, encoding: string, text: string): string | undefined {
  const cs = charset.toLowerCase();
  if (cs !== 'utf-8' && cs !== 'iso-8859-1' && cs !== 'us-ascii') return undefined;
  const bytes =
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        );
  return cs === 'utf-8' ? utf8Text(bytes) : bytes.toString('latin1');
}

/**
 * A metadata value as S3 stores it: Unicode, encoded words decoded.
 *
 * @example
 * storedMetaValue('h\u00c3\u00a9llo') // → 'héllo' (UTF-8 bytes)
 * storedMetaValue('=?UTF-8?B?aMOpbGxv?=') // → 'héllo'
 */
export function storedMetaValue(raw: string): string {
  const text = /[^\x00-\x7f]/.test(raw) ? (utf8Text(Buffer.from(raw, 'latin1')) ?? raw) : raw;
  if (!text.includes('=?')) return text;
  // white space between two encoded words is not part of the text (RFC 2047 §6.2)
  return text
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      ENCODED_WORD,
      (whole, cs: string, enc: string, body: string) => decodeWord(cs, enc, body) ?? whole,
    );
}

/**
 * A stored metadata value as S3 returns it: as is when US-ASCII, else one RFC 2047 word.
 *
 * @example
 * shownMetaValue('héllo') // → '=?UTF-8?B?aMOpbGxv?='
 */
export function shownMetaValue(value: string): string {
  return /[^\x00-\x7f]/.test(value)
    ? `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`
    : value;
}
