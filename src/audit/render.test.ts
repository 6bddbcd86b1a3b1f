import { describe, expect, it } from 'vitest';
import { principalText } from './render.js';
import { ANONYMOUS } from './user-identity.js';

describe('principalText', () => {
  it('names an anonymous caller so, and another account by its id', () => {
    expect(principalText(ANONYMOUS)).toBe('anonymous');
    expect(principalText({ type: 'AWSAccount', principalId: '', accountId: '111122223333' })).toBe(
      'account/111122223333',
    );
  });
});
