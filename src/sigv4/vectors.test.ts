/**
 * The 110 SigV4 conformance vectors (conformance/README.md §2): each `signedRequest` goes
 * straight to the canonicaliser (not over a socket), with `context.timestamp` as the clock
 * and `context.normalize` choosing S3's or everyone else's URI rule. Canonical request,
 * string to sign and signature must match by exact string equality and verification must
 * succeed — except the three signer-only vectors, which a strict server rejects.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCanonicalRequest } from './canonical.js';
import { Q } from './constants.js';
import { sigv4Error } from './errors.js';
import { parseAuth } from './parse-auth.js';
import { deriveSigningKey, signatureHex, stringToSign } from './signing.js';
import type { LookupResult, SigV4Request, UriRule } from './types.js';
import { prepareSigV4, verifySigV4 } from './verify.js';

interface Vector {
  name: string;
  suite: string;
  variant: 'header' | 'query';
  context: {
    region: string;
    service: string;
    timestamp: string;
    amzDate: string;
    normalize: boolean;
    omitSessionToken: boolean;
  };
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string | null };
  signedRequest: { method: string; target: string; headers: [string, string][]; body: string };
  expected: { canonicalRequest: string; stringToSign: string; signature: string };
}

const DIR = new URL('../../../shared/conformance/sigv4/', import.meta.url);
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'index.json')
  .sort();
const VECTORS = FILES.map((file) => ({
  file,
  v: JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Vector,
}));
const VERIFIED = VECTORS.filter(({ v }) => !v.context.omitSessionToken);
const SIGNER_ONLY = VECTORS.filter(({ v }) => v.context.omitSessionToken);

function request(v: Vector): SigV4Request {
  return { ...v.signedRequest };
}

function lookupFor(v: Vector) {
  return (akid: string, token: string | undefined): LookupResult => {
    if (akid !== v.credentials.accessKeyId) return { ok: false, failure: 'UnknownKey' };
    if ((token ?? null) !== v.credentials.sessionToken)
      return { ok: false, failure: 'InvalidToken' };
    return { ok: true, secretAccessKey: v.credentials.secretAccessKey };
  };
}

function uriRule(v: Vector): UriRule {
  return v.context.normalize ? 'normalize' : 'as-sent';
}

describe('SigV4 conformance vectors', () => {
  it('has all 110 cases (107 verified, 3 signer-only)', () => {
    expect(VECTORS).toHaveLength(110);
    expect(VERIFIED).toHaveLength(107);
    expect(SIGNER_ONLY.map(({ file }) => file)).toEqual([
      'aws-c-auth__post-sts-header-after__header.json',
      'aws-c-auth__post-sts-header-after__query.json',
      'botocore__post-sts-token__post-sts-header-after__header.json',
    ]);
  });

  it.each(VERIFIED)('$file', async ({ v }) => {
    const now = new Date(v.context.timestamp);
    const prep = prepareSigV4(request(v), { now, uriRule: uriRule(v) });
    if (!prep.ok) throw new Error(`prepare failed: ${prep.failure.reason}`);
    const first = prep.prepared.candidates[0];
    expect(first?.canonical.text).toBe(v.expected.canonicalRequest);
    expect(first?.stringToSign).toBe(v.expected.stringToSign);
    const key = deriveSigningKey(v.credentials.secretAccessKey, prep.prepared.auth.scope);
    expect(signatureHex(key, first?.stringToSign ?? '')).toBe(v.expected.signature);
    expect(prep.prepared.auth.signature).toBe(v.expected.signature);

    const r = await verifySigV4(request(v), { now, uriRule: uriRule(v), lookup: lookupFor(v) });
    expect(r).toMatchObject({
      ok: true,
      accessKeyId: 'AKIDEXAMPLE',
      scope: { date: '20150830', region: 'us-east-1', service: 'service' },
      presigned: v.variant === 'query',
      sessionToken: v.credentials.sessionToken ?? undefined,
    });
  });

  describe('signer-only vectors are rejected', () => {
    it.each(SIGNER_ONLY)('$file', async ({ v }) => {
      const now = new Date(v.context.timestamp);
      const req = request(v);
      // the canonicaliser still reproduces what the signer signed …
      const parsed = parseAuth(req);
      if (!parsed.ok) throw new Error(parsed.failure.reason);
      const query = new URL(req.target, 'http://x').search;
      const tokenParam = `&${Q.securityToken}=`;
      const signedTarget =
        v.variant === 'query'
          ? req.target.replace(new RegExp(`${tokenParam}[^&]*`), '')
          : req.target;
      expect(v.variant === 'header' || query.includes(tokenParam)).toBe(true);
      const canonical = buildCanonicalRequest({
        method: req.method,
        target: signedTarget,
        headers: req.headers,
        signedHeaders: parsed.auth.signedHeaders,
        uriRule: uriRule(v),
        payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        excludeQueryParam: v.variant === 'query' ? Q.signature : undefined,
      });
      expect(canonical.text).toBe(v.expected.canonicalRequest);
      expect(stringToSign(v.context.amzDate, parsed.auth.scope, canonical.bytes)).toBe(
        v.expected.stringToSign,
      );

      // … but the server refuses the request as received
      const r = await verifySigV4(req, { now, uriRule: uriRule(v), lookup: lookupFor(v) });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      if (v.variant === 'header') {
        expect(r.failure).toMatchObject({
          kind: 'UnsignedHeaders',
          headers: ['x-amz-security-token'],
        });
        expect(sigv4Error('sts', r.failure)).toMatchObject({
          code: 'SignatureDoesNotMatch',
          httpStatus: 403,
        });
      } else {
        // the token is inside the query the server canonicalises, so the signature differs
        expect(r.failure).toMatchObject({ kind: 'SignatureDoesNotMatch' });
        if (r.failure.kind === 'SignatureDoesNotMatch') {
          expect(r.failure.expected.canonicalRequest).toContain('X-Amz-Security-Token=');
          expect(r.failure.expected.canonicalRequest).not.toBe(v.expected.canonicalRequest);
        }
      }
    });
  });
});
