/**
 * Which requests the edge hands to the Pod Identity agent endpoint instead of S3 path-style
 * `v1/credentials`: only a GET of exactly `/v1/credentials` with a bare JWT in `Authorization`
 * and no SigV4 query authentication.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isAgentRequest } from './agent.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const req = (method: string, url: string, authorization?: string) =>
  ({
    method,
    url,
    headers: authorization === undefined ? {} : { authorization },
  }) as IncomingMessage;

describe('isAgentRequest', () => {
  it.each([
    ['GET', '/v1/credentials', JWT, true],
    ['GET', '/v1/credentials?x=1', JWT, true],
    ['GET', '/v1/credentials', undefined, false],
    [
      'GET',
      '/v1/credentials',
      'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
      false,
    ],
    ['GET', `/v1/credentials?X-Amz-Signature=00&X-Amz-Credential=a`, JWT, false],
    ['GET', '/v1/credentials/', JWT, false],
    ['GET', '/v1/other', JWT, false],
    ['PUT', '/v1/credentials', JWT, false],
    ['GET', '/v1/credentials', `Bearer ${JWT}`, false],
  ])('%s %s with %s → %s', (method, url, auth, expected) => {
    expect(isAgentRequest(req(method, url, auth))).toBe(expected);
  });
});
