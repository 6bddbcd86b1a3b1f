import { describe, expect, it } from 'vitest';
import { exchangeToken, readStsAnswer } from './exchange.js';

// answers captured from irsakit's edge (the credentials cut out)
const OK =
  '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAYLPFVICZPW65F7Z4</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2026-12-06T14:25:04Z</Expiration></Credentials><SubjectFromWebIdentityToken>system:serviceaccount:production:s3-app</SubjectFromWebIdentityToken><AssumedRoleUser><AssumedRoleId>AROASHX7P4NYS6DBQCPH6:xy</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/s3-app-role/xy</Arn></AssumedRoleUser><Provider>arn:aws:iam::123456789012:oidc-provider/127.0.0.1:45780/id/6C0BFA0A9C4BEF1426E0C829AC61B1AA</Provider><Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>1fd26c5b-014d-4277-bd7d-ad8d0d670333</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>';
const DENIED =
  '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error><RequestId>a6a4ffe6-0fd0-4b87-b06d-c214fededdbb</RequestId></ErrorResponse>';
const INVALID =
  '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>1 validation error detected: Value &apos;x&apos; at &apos;roleSessionName&apos; failed to satisfy constraint: Member must have length greater than or equal to 2</Message></Error><RequestId>c6d62bdc</RequestId></ErrorResponse>';

describe('readStsAnswer', () => {
  it.each([
    {
      name: 'credentials',
      status: 200,
      body: OK,
      want: {
        ok: true,
        assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/s3-app-role/xy',
        subject: 'system:serviceaccount:production:s3-app',
        provider:
          'arn:aws:iam::123456789012:oidc-provider/127.0.0.1:45780/id/6C0BFA0A9C4BEF1426E0C829AC61B1AA',
        audience: 'sts.amazonaws.com',
      },
    },
    {
      name: 'a refusal',
      status: 403,
      body: DENIED,
      want: {
        ok: false,
        code: 'AccessDenied',
        message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      },
    },
    {
      name: 'entities decoded',
      status: 400,
      body: INVALID,
      want: {
        ok: false,
        code: 'ValidationError',
        message: expect.stringContaining("Value 'x' at 'roleSessionName'"),
      },
    },
    {
      name: 'not the Query protocol',
      status: 502,
      body: '<html>bad gateway</html>',
      want: { ok: false, code: 'HTTP502' },
    },
  ])('$name', ({ status, body, want }) => {
    expect(readStsAnswer(status, body)).toMatchObject(want);
  });

  it('keeps neither the credentials nor the token', () => {
    expect(JSON.stringify(readStsAnswer(200, OK))).not.toMatch(/SessionToken|SecretAccessKey|ASIA/);
  });
});

describe('exchangeToken', () => {
  it('sends an unsigned form POST and reports STS’s answer', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fake = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(DENIED, { status: 403 });
    }) as unknown as typeof fetch;
    const r = await exchangeToken({
      endpoint: 'http://127.0.0.1:4577/',
      roleArn: 'arn:aws:iam::123456789012:role/s3-app-role',
      sessionName: 'irsa-doctor-1',
      token: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
      tokenInfo: { audience: 'sts.amazonaws.com', expirationSeconds: 86400 },
      fetch: fake,
    });
    expect(seen[0]?.url).toBe('http://127.0.0.1:4577/');
    const headers = seen[0]?.init.headers as Record<string, string>;
    expect(headers['Content-Type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(headers.Authorization).toBeUndefined();
    const form = new URLSearchParams(String(seen[0]?.init.body));
    expect(Object.fromEntries(form)).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/s3-app-role',
      RoleSessionName: 'irsa-doctor-1',
      WebIdentityToken: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
    });
    expect(r).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
    expect(JSON.stringify(r)).not.toContain('eyJhbGciOiJSUzI1NiJ9');
  });

  it('reports an unreachable edge', async () => {
    const fake = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    const r = await exchangeToken({
      endpoint: 'http://127.0.0.1:1',
      roleArn: 'arn:aws:iam::123456789012:role/r',
      sessionName: 'irsa-doctor-1',
      token: 'a.b.c',
      tokenInfo: { audience: 'sts.amazonaws.com', expirationSeconds: 600 },
      fetch: fake,
    });
    expect(r).toMatchObject({
      ok: false,
      status: 0,
      code: 'NetworkError',
      message: 'cannot reach http://127.0.0.1:1 (ECONNREFUSED)',
    });
  });
});
