import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { errorText, renderQueryError } from './query-xml.js';

describe('an error message in an XML body', () => {
  it('escapes markup, and writes what XML 1.0 cannot hold as \\uXXXX', () => {
    expect(errorText('a <b> & "c"')).toBe('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(errorText('bad\u0001name\u001f\uffff')).toBe('bad\\u0001name\\u001F\\uFFFF');
    // tabs, line breaks and whole surrogate pairs are XML; a lone surrogate is not
    expect(errorText('a\tb\nc\r😀')).toBe('a\tb\nc\r😀');
    expect(errorText('x\ud800y\udc00')).toBe('x\\uD800y\\uDC00');
  });

  it('keeps the whole answer well-formed when the message repeats a control character', () => {
    const body = renderQueryError(
      'iam',
      new AwsError('ValidationError', 400, 'Value bad\u0001name at roleName failed'),
      'req-1',
    );
    expect(XMLValidator.validate(body)).toBe(true);
    expect(body).toContain('Value bad\\u0001name at roleName failed');
  });
});
