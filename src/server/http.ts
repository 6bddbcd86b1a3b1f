/**
 * Small helpers of the HTTP edge: bounded body reading and JSON answers. Every error that
 * leaves the edge is rendered by the caller's one error handler, never here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

const SMALL_BODY = 64 * 1024;

/** How long a body may pause before the request is given up (S3's idle timeout: 20 s). */
export const BODY_IDLE_MS = 20_000;

/** The client stopped sending its body: S3's RequestTimeout, and the connection is closed. */
export class BodyIdle extends Error {
  constructor() {
    super(`no body bytes for ${BODY_IDLE_MS / 1000} s`);
  }
}

/** Too many bodies are being held at once: this one is refused without being read. */
export class BodiesBusy extends Error {
  constructor() {
    super('request bodies in memory are at their limit');
  }
}

/**
 * The bytes of request bodies held in memory at once, over every request: a body is read
 * whole before its signature is checked, so without a ceiling a hundred unsigned 19 MB
 * uploads sent and held open cost 2 GB. A request reserves what arrives (a declared length
 * alone holds nothing) and gives it back when its answer is done.
 */
export class BodyBudget {
  #held = 0;
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }

  /** reserves `bytes`; false when that would pass the ceiling */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.max) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}

/**
 * Reads the whole body, refusing more than `limit` bytes (BodyTooLarge) or more than `budget`
 * has left (BodiesBusy). What it takes of `budget` is reported through `took` as it goes; the
 * caller gives it back when the request is done.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  budget?: BodyBudget,
  took?: (bytes: number) => void,
  idleMs = BODY_IDLE_MS,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLarge(limit));
      return;
    }
    // bytes are reserved as they arrive: a connection that only declares a length holds none
    let reserved = 0;
    const chunks: Buffer[] = [];
    let size = 0;
    // a body that stops arriving is given up after an idle spell, as S3 does
    let idle: NodeJS.Timeout | undefined;
    const stillWaiting = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        req.removeAllListeners('data');
        reject(new BodyIdle());
      }, idleMs);
      idle.unref();
    };
    if (declared > 0 || req.headers['transfer-encoding'] !== undefined) stillWaiting();
    req.on('data', (c: Buffer) => {
      stillWaiting();
      size += c.length;
      if (size > limit) {
        clearTimeout(idle);
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(limit));
        return;
      }
      // small bodies (API calls) are not counted: only what grows past 64 KiB is, from byte one
      if (budget && size > SMALL_BODY && size > reserved) {
        if (!budget.take(size - reserved)) {
          clearTimeout(idle);
          req.removeAllListeners('data');
          req.resume();
          reject(new BodiesBusy());
          return;
        }
        took?.(size - reserved);
        reserved = size;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(idle);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      clearTimeout(idle);
      reject(e);
    });
    req.on('close', () => clearTimeout(idle));
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
