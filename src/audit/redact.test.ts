import { describe, expect, it } from 'vitest';
import { withoutSignature } from './redact.js';

describe('withoutSignature', () => {
  it('hides the value of every Signature=, however it is spaced', () => {
    const sig = 'a'.repeat(64);
    for (const spelled of [
      `Signature=${sig}`,
      `Signature= ${sig}`,
      `Signature =${sig}`,
      `X-Amz-Signature=${sig}`,
    ])
      expect(withoutSignature(`… SignedHeaders=host, ${spelled}`), spelled).not.toContain(sig);
    expect(withoutSignature('SignedHeaders=host;x-amz-date')).toBe('SignedHeaders=host;x-amz-date');
  });
});
