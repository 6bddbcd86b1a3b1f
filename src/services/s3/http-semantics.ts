/**
 * The HTTP semantics GetObject and HeadObject follow: one byte range (`Range: bytes=a-b`,
 * `a-`, `-n`; anything else is ignored and the whole object sent, as S3 does), and the
 * preconditions If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since with S3's
 * documented precedence (RFC 7232 §6). Pure.
 */

export type RangeResult =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * The part of an object of `size` bytes a Range header asks for.
 *
 * @example
 * parseRange('bytes=0-9', 100) // → { kind: 'partial', start: 0, end: 9 }
 * parseRange('bytes=-10', 100) // → { kind: 'partial', start: 90, end: 99 }
 * parseRange('bytes=100-', 100) // → { kind: 'unsatisfiable' }
 * parseRange('bytes=0-1,5-6', 100) // → { kind: 'full' }
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = RANGE.exec(header.trim());
  if (!m) return { kind: 'full' };
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (b !== '' && Number(b) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return { kind: 'partial', start, end };
}

export interface Preconditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

export type PreconditionResult =
  | { outcome: 'proceed' }
  | { outcome: 'not-modified' }
  | { outcome: 'failed'; condition: 'If-Match' | 'If-Unmodified-Since' };

function etagListMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .some((t) => t === '*' || t === etag);
}

function seconds(d: number): number {
  return Math.floor(d / 1000);
}

/**
 * Evaluates the preconditions against an object (its hex ETag and last modification).
 *
 * @example
 * checkPreconditions({ ifNoneMatch: '"abc"' }, 'abc', new Date()) // → { outcome: 'not-modified' }
 */
export function checkPreconditions(
  p: Preconditions,
  etag: string,
  lastModified: Date,
): PreconditionResult {
  const modified = seconds(lastModified.getTime());
  if (p.ifMatch !== undefined) {
    if (!etagListMatches(p.ifMatch, etag)) return { outcome: 'failed', condition: 'If-Match' };
  } else if (p.ifUnmodifiedSince !== undefined) {
    const since = Date.parse(p.ifUnmodifiedSince);
    if (!Number.isNaN(since) && modified > seconds(since))
      return { outcome: 'failed', condition: 'If-Unmodified-Since' };
  }
  if (p.ifNoneMatch !== undefined) {
    if (etagListMatches(p.ifNoneMatch, etag)) return { outcome: 'not-modified' };
  } else if (p.ifModifiedSince !== undefined) {
    const since = Date.parse(p.ifModifiedSince);
    if (!Number.isNaN(since) && modified <= seconds(since)) return { outcome: 'not-modified' };
  }
  return { outcome: 'proceed' };
}
