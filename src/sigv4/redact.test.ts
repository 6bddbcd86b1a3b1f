import { describe, expect, it } from 'vitest';
import { redactCanonicalRequest, redactStringToSignV2 } from './redact.js';

describe('redactCanonicalRequest', () => {
  it('keeps what is never secret and hides the rest: the token, an SSE-C key, a header it does not know, a token in the query', () => {
    const canonical = [
      'PUT',
      '/b/k',
      'Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJ.x.y&X-Amz-Security-Token=t&prefix=a',
      'content-type:text/plain',
      'host:127.0.0.1:4577',
      'x-amz-content-sha256:UNSIGNED-PAYLOAD',
      'x-amz-copy-source-server-side-encryption-customer-key:a2V5',
      'x-amz-date:20261207T000000Z',
      'x-amz-meta-note:hello',
      'x-amz-security-token:t',
      'x-amz-server-side-encryption-customer-algorithm:AES256',
      'x-amz-server-side-encryption-customer-key:U1NFQ0tFWQ==',
      'x-custom:anything',
      '',
      'content-type;host;x-amz-content-sha256;x-amz-copy-source-server-side-encryption-customer-key;x-amz-date;x-amz-meta-note;x-amz-security-token;x-amz-server-side-encryption-customer-algorithm;x-amz-server-side-encryption-customer-key;x-custom',
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    expect(redactCanonicalRequest(canonical).split('\n')).toEqual([
      'PUT',
      '/b/k',
      'Action=AssumeRoleWithWebIdentity&WebIdentityToken=<redacted>&X-Amz-Security-Token=<session token redacted>&prefix=a',
      'content-type:text/plain',
      'host:127.0.0.1:4577',
      'x-amz-content-sha256:UNSIGNED-PAYLOAD',
      'x-amz-copy-source-server-side-encryption-customer-key:<redacted>',
      'x-amz-date:20261207T000000Z',
      'x-amz-meta-note:<redacted>',
      'x-amz-security-token:<session token redacted>',
      'x-amz-server-side-encryption-customer-algorithm:AES256',
      'x-amz-server-side-encryption-customer-key:<redacted>',
      'x-custom:<redacted>',
      '',
      'content-type;host;x-amz-content-sha256;x-amz-copy-source-server-side-encryption-customer-key;x-amz-date;x-amz-meta-note;x-amz-security-token;x-amz-server-side-encryption-customer-algorithm;x-amz-server-side-encryption-customer-key;x-custom',
      'UNSIGNED-PAYLOAD',
    ]);
  });

  it('redacts a SigV2 string to sign’s x-amz headers the same way', () => {
    expect(
      redactStringToSignV2(
        'GET\n\n\n1796601600\nx-amz-security-token:t\nx-amz-server-side-encryption-customer-key:k\n/b/k',
      ),
    ).toBe(
      'GET\n\n\n1796601600\nx-amz-security-token:<session token redacted>\nx-amz-server-side-encryption-customer-key:<redacted>\n/b/k',
    );
  });
});
