import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BODY_IDLE_MS, BodyIdle, readBody } from './http.js';

function request(headers: Record<string, string>): PassThrough & IncomingMessage {
  const s = new PassThrough() as PassThrough & IncomingMessage;
  (s as { headers: Record<string, string> }).headers = headers;
  return s;
}

afterEach(() => vi.useRealTimers());

describe('readBody', () => {
  it('gives up a body that stops arriving after S3’s idle spell', async () => {
    vi.useFakeTimers();
    const req = request({ 'content-length': '10' });
    const body = readBody(req, 1024);
    req.write('abc');
    await vi.advanceTimersByTimeAsync(BODY_IDLE_MS - 1);
    req.write('de'); // still arriving: the spell starts again
    await vi.advanceTimersByTimeAsync(BODY_IDLE_MS - 1);
    let settled = false;
    void body.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    await expect(body).rejects.toBeInstanceOf(BodyIdle);
  });

  it('a body that ends is read whole, and no timer is left', async () => {
    vi.useFakeTimers();
    const req = request({ 'content-length': '5' });
    const body = readBody(req, 1024);
    req.end('hello');
    await expect(body).resolves.toEqual(Buffer.from('hello'));
    expect(vi.getTimerCount()).toBe(0);
  });
});
