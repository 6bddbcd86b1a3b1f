/**
 * Key lifecycle and the key ring over a real (in-memory SQLite) store, with a fixed clock
 * moved by hand: the first key signs at once; a rotated key is published at once and signs
 * only after the discovery max-age; a retired key stays published until its tokens can have
 * expired (spec/kubernetes.md §3).
 */
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { SqliteStore } from '../store/index.js';
import { IssuerError } from './errors.js';
import {
  DISCOVERY_MAX_AGE_SECONDS,
  type KeyRecord,
  keyState,
  planEnsure,
  planRotate,
  publishedRecords,
  signingRecord,
  verifiableUntil,
} from './key-lifecycle.js';
import { KEY_COLLECTION, KeyRing } from './key-ring.js';
import { type GeneratedKey, generateSigningKey } from './keys.js';

const T0 = '2025-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);
const DAY = 86_400;

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function setup() {
  const store = new SqliteStore(':memory:');
  stores.push(store);
  const clock = fixedClock(T0);
  return { store, clock, ring: new KeyRing({ store, clock }) };
}

function fakeKey(kid: string): GeneratedKey {
  return { kid, alg: 'ES256', privateKeyPem: 'x', publicKeyPem: 'y' };
}

function record(kid: string, fields: Partial<KeyRecord>): KeyRecord {
  return {
    cluster: 'dev',
    kid,
    alg: 'ES256',
    privateKeyPem: 'x',
    publicKeyPem: 'y',
    createdAt: T0,
    activateAt: T0,
    maxTokenLifetimeSeconds: DAY,
    ...fields,
  };
}

describe('key lifecycle (pure)', () => {
  const retired = record('k', {
    activateAt: at(0).toISOString(),
    retiredAt: at(7 * DAY).toISOString(),
  });
  it.each([
    ['before activation', record('k', { activateAt: at(3600).toISOString() }), 3599, 'pending'],
    ['at activation', record('k', { activateAt: at(3600).toISOString() }), 3600, 'active'],
    ['without successor, much later', record('k', {}), 365 * DAY, 'active'],
    ['just before retirement', retired, 7 * DAY - 1, 'active'],
    ['at retirement', retired, 7 * DAY, 'retired'],
    ['one second before its last token expires', retired, 8 * DAY - 1, 'retired'],
    ['when its last token expires', retired, 8 * DAY, 'expired'],
    [
      'retired before it ever signed',
      record('k', { activateAt: at(3600).toISOString(), retiredAt: at(1800).toISOString() }),
      1800,
      'expired',
    ],
  ] as const)('%s: %s', (_name, r, seconds, state) => {
    expect(keyState(r, at(seconds))).toBe(state);
  });

  it('keeps a retired key until retiredAt + the longest token lifetime', () => {
    expect(verifiableUntil(retired)?.toISOString()).toBe(at(8 * DAY).toISOString());
    expect(verifiableUntil(record('k', {}))).toBeUndefined();
  });

  it('plans the first key active at once, and nothing when a key exists', () => {
    const first = planEnsure('dev', [], at(0), fakeKey('a'), {});
    expect(first?.put).toHaveLength(1);
    expect(first?.key.activateAt).toBe(T0);
    expect(planEnsure('dev', [], at(0), undefined, {})).toBeUndefined();
    const again = planEnsure('dev', [record('a', {})], at(10), fakeKey('b'), {});
    expect(again?.put).toEqual([]);
    expect(again?.key.kid).toBe('a');
  });

  it('plans a delayed key when only retired keys are left (their JWKS may be cached)', () => {
    const old = record('a', { retiredAt: at(100).toISOString() });
    const plan = planEnsure('dev', [old], at(200), fakeKey('b'), {});
    expect(plan?.key.kid).toBe('b');
    expect(plan?.key.activateAt).toBe(at(200 + DISCOVERY_MAX_AGE_SECONDS).toISOString());
  });

  it('plans a rotation: new key published now, active after max-age, old key retiring then', () => {
    const put = planRotate('dev', [record('a', {})], at(DAY), fakeKey('b'), {});
    expect(put.map((r) => [r.kid, r.createdAt, r.activateAt, r.retiredAt])).toEqual([
      ['b', at(DAY).toISOString(), at(DAY + 3600).toISOString(), undefined],
      ['a', T0, T0, at(DAY + 3600).toISOString()],
    ]);
    const all = [put[0] as KeyRecord, put[1] as KeyRecord];
    expect(signingRecord(all, at(DAY + 3599))?.kid).toBe('a');
    expect(signingRecord(all, at(DAY + 3600))?.kid).toBe('b');
    expect(publishedRecords(all, at(DAY + 3600 + DAY - 1)).map((r) => r.kid)).toEqual(['a', 'b']);
    expect(publishedRecords(all, at(DAY + 3600 + DAY)).map((r) => r.kid)).toEqual(['b']);
  });

  it.each([
    [{ activateAfterSeconds: 600 }, /at least the discovery max-age \(3600 s\)/],
    [{ activateAfterSeconds: -1 }, /whole seconds ≥ 0/],
    [{ activateAfterSeconds: 1.5 }, /whole seconds ≥ 0/],
    [{ maxTokenLifetimeSeconds: -5 }, /token lifetime must be whole seconds/],
  ])('refuses rotate options %j', (opts, message) => {
    expect(() => planRotate('dev', [], at(0), fakeKey('b'), opts)).toThrow(message);
  });

  it('allows an early activation only when asked', () => {
    const put = planRotate('dev', [], at(0), fakeKey('b'), {
      activateAfterSeconds: 0,
      allowEarlyActivation: true,
    });
    expect(put[0]?.activateAt).toBe(T0);
  });
});

describe('KeyRing', () => {
  it('creates the first key active at once, and only once', async () => {
    const { ring, clock } = setup();
    const first = await ring.ensure('dev', { alg: 'ES256' });
    expect(first.created).toBe(true);
    expect(first.key).toMatchObject({
      alg: 'ES256',
      state: 'active',
      createdAt: T0,
      activateAt: T0,
    });
    expect(first.key).not.toHaveProperty('privateKeyPem');
    clock.advance(60);
    const again = await ring.ensure('dev', { alg: 'RS256' });
    expect(again).toEqual({ created: false, key: first.key });
    expect((await ring.signingKey('dev'))?.kid).toBe(first.key.kid);
    expect((await ring.publishedKeys('dev')).map((k) => k.kid)).toEqual([first.key.kid]);
    expect(await ring.signingKey('other')).toBeUndefined();
  });

  it('stores JSON records at <cluster>/<kid> with the PEM keys and lifecycle times', async () => {
    const { ring, store } = setup();
    const { key } = await ring.ensure('dev', { maxTokenLifetimeSeconds: 7200 });
    const item = await store.get<KeyRecord>(KEY_COLLECTION, `dev/${key.kid}`);
    expect(item?.value).toMatchObject({
      cluster: 'dev',
      kid: key.kid,
      alg: 'RS256',
      createdAt: T0,
      activateAt: T0,
      maxTokenLifetimeSeconds: 7200,
    });
    expect(item?.value.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(item?.value.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('rotates: published at once, signing after activateAfterSeconds, old key kept until its tokens expire', async () => {
    const { ring, clock } = setup();
    const payload = new TextEncoder().encode('{"sub":"x"}');
    const { key: k1 } = await ring.ensure('dev', { alg: 'ES256', maxTokenLifetimeSeconds: DAY });
    clock.advance(7 * DAY);
    const k2 = await ring.rotate('dev');
    expect(k2).toMatchObject({
      state: 'pending',
      alg: 'ES256',
      activateAt: at(7 * DAY + 3600).toISOString(),
    });
    expect((await ring.publishedKeys('dev')).map((k) => [k.kid, k.state])).toEqual([
      [k1.kid, 'active'],
      [k2.kid, 'pending'],
    ]);

    clock.advance(3599);
    expect((await ring.signingKey('dev'))?.kid).toBe(k1.kid);
    const old = await ring.sign('dev', payload, { lifetimeSeconds: DAY });
    expect(decodeProtectedHeader(old.token)).toEqual({ alg: 'ES256', kid: k1.kid });

    clock.advance(1);
    expect((await ring.signingKey('dev'))?.kid).toBe(k2.kid);
    const fresh = await ring.sign('dev', payload, { lifetimeSeconds: DAY });
    expect(decodeProtectedHeader(fresh.token)).toEqual({ alg: 'ES256', kid: k2.kid });
    const published = await ring.publishedKeys('dev');
    expect(published.map((k) => [k.kid, k.state])).toEqual([
      [k1.kid, 'retired'],
      [k2.kid, 'active'],
    ]);
    expect(published[0]?.verifiableUntil).toBe(at(8 * DAY + 3600).toISOString());

    // the last token k1 signed (one second before retirement) is valid until then
    clock.advance(DAY - 1);
    expect((await ring.publishedKeys('dev')).map((k) => k.kid)).toEqual([k1.kid, k2.kid]);
    expect(await ring.prune('dev')).toEqual([]);
    clock.advance(1);
    expect((await ring.publishedKeys('dev')).map((k) => k.kid)).toEqual([k2.kid]);
    expect((await ring.keys('dev')).map((k) => k.state)).toEqual(['expired', 'active']);
    expect(await ring.prune('dev')).toEqual([k1.kid]);
    expect((await ring.keys('dev')).map((k) => k.kid)).toEqual([k2.kid]);
  });

  it('raises a key’s lifetime bound before signing a longer-lived token', async () => {
    const { ring, clock } = setup();
    const { key } = await ring.ensure('dev', { alg: 'ES256', maxTokenLifetimeSeconds: 3600 });
    await ring.sign('dev', new Uint8Array([123, 125]), { lifetimeSeconds: 600 });
    expect((await ring.signingKey('dev'))?.maxTokenLifetimeSeconds).toBe(3600);
    await ring.sign('dev', new Uint8Array([123, 125]), { lifetimeSeconds: 365 * DAY });
    expect((await ring.signingKey('dev'))?.maxTokenLifetimeSeconds).toBe(365 * DAY);
    clock.advance(10);
    await ring.rotate('dev');
    clock.advance(3600);
    const old = (await ring.publishedKeys('dev')).find((k) => k.kid === key.kid);
    expect(old?.verifiableUntil).toBe(at(10 + 3600 + 365 * DAY).toISOString());
  });

  it('retires a pending key that a second rotation overtakes; it never signs', async () => {
    const { ring, clock } = setup();
    const { key: k1 } = await ring.ensure('dev', { alg: 'ES256' });
    const k2 = await ring.rotate('dev');
    clock.advance(100);
    const k3 = await ring.rotate('dev');
    const keys = await ring.keys('dev');
    expect(keys.find((k) => k.kid === k2.kid)?.retiredAt).toBe(at(3700).toISOString());
    expect(keys.find((k) => k.kid === k1.kid)?.retiredAt).toBe(at(3600).toISOString());
    clock.set(at(3650));
    expect((await ring.signingKey('dev'))?.kid).toBe(k2.kid);
    clock.set(at(3700));
    expect((await ring.signingKey('dev'))?.kid).toBe(k3.kid);
  });

  it('keeps clusters apart', async () => {
    const { ring } = setup();
    const a = await ring.ensure('a', { alg: 'ES256' });
    const b = await ring.ensure('b', { alg: 'ES256' });
    expect((await ring.publishedKeys('a')).map((k) => k.kid)).toEqual([a.key.kid]);
    expect((await ring.publishedKeys('b')).map((k) => k.kid)).toEqual([b.key.kid]);
  });

  it('uses the current key’s algorithm for the next key unless told otherwise', async () => {
    const { ring } = setup();
    await ring.ensure('dev', { alg: 'ES256' });
    expect((await ring.rotate('dev')).alg).toBe('ES256');
    expect((await ring.rotate('dev', { alg: 'RS256' })).alg).toBe('RS256');
  });

  it.each([
    ['a cluster name with a slash', (r: KeyRing) => r.ensure('a/b'), 'InvalidOption'],
    ['an empty cluster name', (r: KeyRing) => r.publishedKeys(''), 'InvalidOption'],
    [
      'signing without a key',
      (r: KeyRing) => r.sign('none', new Uint8Array(), { lifetimeSeconds: 600 }),
      'NoSigningKey',
    ],
  ])('fails on %s', async (_name, act, code) => {
    const { ring } = setup();
    const err = await act(ring).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IssuerError);
    expect((err as IssuerError).code).toBe(code);
  });

  it('creates one first key when two callers race', async () => {
    const { store, clock } = setup();
    const made: string[] = [];
    const generate = async (alg: 'RS256' | 'ES256') => {
      const k = await generateSigningKey(alg);
      made.push(k.kid);
      return k;
    };
    const r1 = new KeyRing({ store, clock, generate });
    const r2 = new KeyRing({ store, clock, generate });
    const [x, y] = await Promise.all([
      r1.ensure('dev', { alg: 'ES256' }),
      r2.ensure('dev', { alg: 'ES256' }),
    ]);
    expect(made).toHaveLength(2);
    expect(x.key.kid).toBe(y.key.kid);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(await r1.keys('dev')).toHaveLength(1);
  });
});
