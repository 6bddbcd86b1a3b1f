/**
 * Stateless credentials: shapes (spec/aws-wire.md §3.6), the round trip, and every way a
 * session token must fail — tampered, swapped between two keys, sealed under another server
 * key, malformed — plus expiry by travelling the clock, and the server key's persistence.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { SqliteStore } from '../store/index.js';
import { pooledRandom } from '../common/random.js';
import { isoEpochSeconds } from '../common/times.js';
import { CredentialSealer, TEMPORARY_KEY_ID } from './credentials.js';
import { loadOrCreateServerKey, ServerKey } from './server-key.js';
import type { StsSession } from './types.js';

const START = '2025-01-01T00:00:00Z';
const T0 = Date.parse(START) / 1000;

function session(over: Partial<StsSession> = {}): StsSession {
  return {
    v: 1,
    partition: 'aws',
    account: '123456789012',
    roleArn: 'arn:aws:iam::123456789012:role/team/s3-app-role',
    roleName: 's3-app-role',
    roleId: 'AROAEXAMPLEEXAMPLE12',
    rolePath: '/team/',
    sessionName: 'botocore-session-1735689600',
    issuedAt: T0,
    expiresAt: T0 + 3600,
    policy:
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    policyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
    tags: [{ Key: 'team', Value: 'data' }],
    transitiveTagKeys: ['team'],
    sourceIdentity: 'alice',
    chained: false,
    via: 'AssumeRoleWithWebIdentity',
    webIdentity: {
      providerArn: 'arn:aws:iam::123456789012:oidc-provider/127.0.0.1:4578/id/ABC',
      sub: 'system:serviceaccount:production:s3-app',
      aud: 'sts.amazonaws.com',
      jti: 'a7c1f6a2-0000-4000-8000-000000000001',
      kid: 'kid-1',
    },
    ...over,
  };
}

/** A deterministic random source: 0, 1, 2, … */
function counter() {
  let n = 0;
  return (size: number) => Uint8Array.from({ length: size }, () => n++ & 0xff);
}

function sealer(clock = fixedClock(START), key = ServerKey.from(new Uint8Array(32).fill(7))) {
  return { clock, s: new CredentialSealer({ key, clock, random: counter() }) };
}

describe('CredentialSealer', () => {
  it('issues AWS-shaped credentials', () => {
    const { s } = sealer();
    const c = s.issue(session());
    expect(c.AccessKeyId).toMatch(TEMPORARY_KEY_ID);
    expect(c.AccessKeyId).toHaveLength(20);
    expect(c.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(c.SessionToken).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(c.Expiration).toBe('2025-01-01T01:00:00Z');
    expect(isoEpochSeconds(T0)).toBe('2025-01-01T00:00:00Z');
  });

  it('opens what it issued, to the same session (round trip)', () => {
    const { s } = sealer();
    const sess = session();
    const c = s.issue(sess);
    expect(s.open(c.AccessKeyId, c.SessionToken)).toEqual({ ok: true, session: sess });
    expect(s.secretFor(c.AccessKeyId)).toBe(c.SecretAccessKey);
  });

  it('never puts the secret or the web-identity token in the session token', () => {
    const { s } = sealer();
    const c = s.issue(session());
    const raw = Buffer.from(c.SessionToken, 'base64').toString('latin1');
    expect(raw).not.toContain('system:serviceaccount');
    expect(raw).not.toContain(c.SecretAccessKey);
  });

  it('derives a secret per key id, the same on every replica holding the server key', () => {
    const a = sealer().s;
    const b = sealer().s;
    const c = a.issue(session());
    expect(b.secretFor(c.AccessKeyId)).toBe(c.SecretAccessKey);
    expect(b.open(c.AccessKeyId, c.SessionToken).ok).toBe(true);
    const other = a.issue(session());
    expect(other.AccessKeyId).not.toBe(c.AccessKeyId);
    expect(a.secretFor(other.AccessKeyId)).not.toBe(c.SecretAccessKey);
  });

  const flip = (token: string, at: number) => {
    const raw = Buffer.from(token, 'base64');
    raw[at] = (raw[at] as number) ^ 0x01;
    return raw.toString('base64');
  };

  it.each([
    ['a flipped bit in the ciphertext', (t: string) => flip(t, 20)],
    ['a flipped bit in the nonce', (t: string) => flip(t, 3)],
    ['a flipped bit in the tag', (t: string) => flip(t, Buffer.from(t, 'base64').length - 1)],
    ['another version byte', (t: string) => flip(t, 0)],
    ['a truncated token', (t: string) => t.slice(0, 40)],
    ['an empty token', () => ''],
    ['not base64', (t: string) => `${t.slice(0, 10)}!${t.slice(11)}`],
    ['base64url instead of base64', (t: string) => t.replace(/\+/g, '-').replace(/\//g, '_') + '-'],
    ['an AWS-looking token', () => 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH'],
  ])('refuses %s as InvalidToken', (_name, mutate) => {
    const { s } = sealer();
    const c = s.issue(session());
    expect(s.open(c.AccessKeyId, mutate(c.SessionToken))).toEqual({
      ok: false,
      failure: 'InvalidToken',
    });
  });

  it('refuses a token swapped between two access keys', () => {
    const { s } = sealer();
    const a = s.issue(session({ sessionName: 'a' }));
    const b = s.issue(session({ sessionName: 'b' }));
    expect(s.open(a.AccessKeyId, b.SessionToken)).toEqual({ ok: false, failure: 'InvalidToken' });
    expect(s.open(b.AccessKeyId, a.SessionToken)).toEqual({ ok: false, failure: 'InvalidToken' });
  });

  it.each([
    ['an AKIA key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a lower-case key id', 'asia' + 'A'.repeat(16)],
    ['a key id with 8s and 9s', 'ASIA' + '8'.repeat(16)],
  ])('refuses %s', (_name, id) => {
    const { s } = sealer();
    const c = s.issue(session());
    expect(s.open(id, c.SessionToken)).toEqual({ ok: false, failure: 'InvalidToken' });
  });

  it('refuses a token sealed under another server key', () => {
    const clock = fixedClock(START);
    const mine = sealer(clock).s;
    const theirs = sealer(clock, ServerKey.from(new Uint8Array(32).fill(8))).s;
    const c = theirs.issue(session());
    expect(mine.open(c.AccessKeyId, c.SessionToken)).toEqual({
      ok: false,
      failure: 'InvalidToken',
    });
    expect(mine.secretFor(c.AccessKeyId)).not.toBe(c.SecretAccessKey);
  });

  it('answers ExpiredToken from the expiry on, travelling the clock', () => {
    const { s, clock } = sealer();
    const c = s.issue(session());
    clock.advance(3599);
    expect(s.open(c.AccessKeyId, c.SessionToken).ok).toBe(true);
    clock.advance(1);
    expect(s.open(c.AccessKeyId, c.SessionToken)).toMatchObject({
      ok: false,
      failure: 'ExpiredToken',
    });
    // a forged token stays invalid, not expired
    expect(s.open(c.AccessKeyId, flip(c.SessionToken, 20))).toEqual({
      ok: false,
      failure: 'InvalidToken',
    });
  });
});

describe('the server key', () => {
  it('is created once and kept in the store', async () => {
    const store = new SqliteStore(':memory:');
    const a = await loadOrCreateServerKey(store, { random: counter() });
    const b = await loadOrCreateServerKey(store);
    expect(Buffer.from(b.bytes()).equals(Buffer.from(a.bytes()))).toBe(true);
    expect(a.bytes()).toHaveLength(32);
    await store.close();
  });

  it('agrees when two replicas create it at once', async () => {
    const store = new SqliteStore(':memory:');
    const [a, b] = await Promise.all([loadOrCreateServerKey(store), loadOrCreateServerKey(store)]);
    expect(Buffer.from(a.bytes()).equals(Buffer.from(b.bytes()))).toBe(true);
    await store.close();
  });

  it('never prints its bytes', () => {
    const key = ServerKey.from(new Uint8Array(32).fill(0xab));
    expect(JSON.stringify({ key })).toBe('{"key":"[ServerKey]"}');
    expect(String(key)).toBe('[ServerKey]');
    expect(inspect(key)).toBe('[ServerKey]');
    expect(() => ServerKey.from(new Uint8Array(16))).toThrow(TypeError);
  });
});

describe('the sealer’s pools and caches', () => {
  it('draws random bytes from a pool: each byte once, refilled when spent', () => {
    const random = pooledRandom(32);
    const draws = Array.from({ length: 10 }, () => Buffer.from(random(10)).toString('hex'));
    expect(new Set(draws).size).toBe(10);
    expect(random(100)).toHaveLength(100);
    expect(() => random(0)).not.toThrow();
  });

  it('keys ids and nonces differ without an injected random source', () => {
    const s = new CredentialSealer({
      key: ServerKey.from(new Uint8Array(32).fill(3)),
      clock: fixedClock(START),
    });
    const ids = new Set(Array.from({ length: 200 }, () => s.issue(session()).AccessKeyId));
    expect(ids.size).toBe(200);
  });

  it('opens a token again from its cache, still checking expiry each time', () => {
    let now = START;
    const clock = () => new Date(now);
    const s = new CredentialSealer({
      key: ServerKey.from(new Uint8Array(32).fill(4)),
      clock,
      random: counter(),
    });
    const c = s.issue(session());
    const a = s.open(c.AccessKeyId, c.SessionToken);
    const b = s.open(c.AccessKeyId, c.SessionToken);
    expect(a.ok && b.ok && a.session === b.session).toBe(true);
    if (a.ok) expect(Object.isFrozen(a.session)).toBe(true);
    // the cached session is still bound to its key id
    const other = s.issue(session());
    expect(s.open(other.AccessKeyId, c.SessionToken)).toEqual({
      ok: false,
      failure: 'InvalidToken',
    });
    now = '2025-01-01T01:00:00Z';
    expect(s.open(c.AccessKeyId, c.SessionToken)).toMatchObject({
      ok: false,
      failure: 'ExpiredToken',
    });
    expect(s.secretFor(c.AccessKeyId)).toBe(c.SecretAccessKey);
  });
});
