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

/** What a conditional write (If-Match, If-None-Match) finds. */
export type WriteConditionResult =
  | { outcome: 'proceed' }
  | { outcome: 'failed'; condition: 'If-Match' | 'If-None-Match' }
  /** If-Match on a key that holds no object */
  | { outcome: 'missing' }
  /** If-None-Match with anything but `*` */
  | { outcome: 'unsupported' };

/**
 * The conditional write headers of PutObject, CopyObject and CompleteMultipartUpload against
 * the object the key holds now (its hex ETag; undefined when there is none), as the S3 User
 * Guide's "conditional writes" describes them: `If-None-Match: *` writes only where there is no
 * object, `If-Match` only over the object of that ETag.
 *
 * @example
 * checkWriteConditions({ ifNoneMatch: '*' }, 'abc') // → { outcome: 'failed', condition: 'If-None-Match' }
 * checkWriteConditions({ ifMatch: '"abc"' }, undefined) // → { outcome: 'missing' }
 */
export function checkWriteConditions(
  c: { ifMatch?: string | undefined; ifNoneMatch?: string | undefined },
  etag: string | undefined,
): WriteConditionResult {
  if (c.ifNoneMatch !== undefined) {
    if (c.ifNoneMatch.trim() !== '*') return { outcome: 'unsupported' };
    if (etag !== undefined) return { outcome: 'failed', condition: 'If-None-Match' };
  }
  if (c.ifMatch !== undefined) {
    if (etag === undefined) return { outcome: 'missing' };
    if (!etagListMatches(c.ifMatch, etag)) return { outcome: 'failed', condition: 'If-Match' };
  }
  return { outcome: 'proceed' };
}
