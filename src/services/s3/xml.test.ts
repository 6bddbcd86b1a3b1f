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

  it('white space between elements is layout: a pretty-printed body reads as a compact one', () => {
    const pretty = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Object>
    <Key>sample1.txt</Key>
  </Object>
\t<Object>\r
    <Key>sample2.txt</Key>
    <VersionId>null</VersionId>
  </Object>
  <Quiet>false</Quiet>
</Delete>
`;
    expect(parse(pretty)).toEqual({
      Object: [{ Key: 'sample1.txt' }, { Key: 'sample2.txt', VersionId: 'null' }],
      Quiet: 'false',
    });
    expect(parse('<Delete>\n  \n</Delete>')).toEqual({});
  });

  it('a leaf keeps its white space exactly; text beside elements is kept for the operation', () => {
    expect(keyOf('  spaced key\t')).toBe('  spaced key\t');
    expect(keyOf('\n')).toBe('\n');
    expect(parse('<Delete>\n<Object><Key> k </Key></Object> x </Delete>')).toEqual({
      Object: [{ Key: ' k ' }],
      '#text': '\n x ',
    });
    // a reference to a space is text, not layout
    expect(parse('<Delete>&#32;<Object><Key>k</Key></Object></Delete>')).toEqual({
      Object: [{ Key: 'k' }],
      '#text': ' ',
    });
  });
});
