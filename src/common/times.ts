/**
 * AWS's timestamp form to the second, `2026-11-22T12:00:00Z` (STS `Expiration`, IAM
 * `CreateDate`, CloudTrail `eventTime`, S3 `<ServerTime>`), in one place: a request writes
 * several of them, mostly of the same few seconds, so each second is formatted once.
 */
import { boundedCache } from './bounded-cache.js';

/** formatted seconds, by Unix second */
const texts = boundedCache<string, number>(4096);

/**
 * The second `epochSeconds` (a whole number of seconds since 1970), as AWS writes it.
 *
 * @example
 * isoEpochSeconds(1795348800) // → '2026-11-22T12:00:00Z'
 */
export function isoEpochSeconds(epochSeconds: number): string {
  // toISOString throws on a time out of range (NaN included): nothing is kept then
  return texts.get(epochSeconds, () =>
    new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  );
}

/**
 * `d` to the second (milliseconds dropped), as AWS writes it.
 *
 * @example
 * isoSeconds(new Date('2024-05-01T13:00:00.250Z')) // → '2024-05-01T13:00:00Z'
 */
export function isoSeconds(d: Date): string {
  const ms = d.getTime();
  if (Number.isNaN(ms)) return d.toISOString();
  return isoEpochSeconds(Math.floor(ms / 1000));
}
