import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { parseXmlBody } from './xml.js';

const parse = (text: string) => parseXmlBody(Buffer.from(text), 'Delete');
const keyOf = (text: string) =>
  (parse(`<Delete><Object><Key>${text}</Key></Object></Delete>`).Object as { Key: string }[])[0]
    ?.Key;

describe('parseXmlBody', () => {
  it('decodes character references and the five entities, each once', () => {
    expect(keyOf('nl/line&#x0A;break')).toBe('nl/line\nbreak');
    expect(keyOf('cr&#13;key')).toBe('cr\rkey');
    expect(keyOf('&lt;&#x41;&#65;&amp;&apos;&quot;&gt;')).toBe('<AA&\'">');
    expect(keyOf('&amp;#65;')).toBe('&#65;');
    expect(keyOf('&#x26;amp;')).toBe('&amp;');
    expect(keyOf('&#x1F600;')).toBe('😀');
  });

  it('leaves CDATA as it is written', () => {
    expect(keyOf('<![CDATA[cd/a&amp;b]]>')).toBe('cd/a&amp;b');
    expect(keyOf('<![CDATA[cd/c&b<x>]]>')).toBe('cd/c&b<x>');
    expect(keyOf('pre<![CDATA[&#65;]]>&#65;')).toBe('pre&#65;A');
  });

  it('an undefined entity or a reference to no XML character is MalformedXML', () => {
    for (const text of ['&foo;', '&#0;', '&#xD800;', '&#x110000;', '&#;', '&#xZ;']) {
      let error: unknown;
      try {
        keyOf(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(AwsError);
      expect((error as AwsError).code, text).toBe('MalformedXML');
    }
  });
});
