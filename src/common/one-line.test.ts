import { describe, expect, it } from 'vitest';
import { oneLine } from './one-line.js';

describe('oneLine', () => {
  it('escapes what would break or forge a log line, and nothing else', () => {
    expect(oneLine('Nope\n01:33 POST admin iam:DeleteRole allowed')).toBe(
      'Nope\\n01:33 POST admin iam:DeleteRole allowed',
    );
    expect(oneLine('a\rb\tc\u0000d\u001b[31me\u007f\u2028')).toBe(
      'a\\rb\\tc\\u0000d\\u001b[31me\\u007f\\u2028',
    );
    expect(oneLine('X\u0085Y\u009f')).toBe('X\\u0085Y\\u009f');
    expect(oneLine('s3:GetObject arn:aws:s3:::b/ké y')).toBe('s3:GetObject arn:aws:s3:::b/ké y');
  });
});
