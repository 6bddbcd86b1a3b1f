/**
 * Identifiers IAM mints (spec/aws-wire.md §3.6): unique IDs are a 4-letter prefix and 17
 * characters, access key IDs a prefix and 16, both from the base-32 alphabet `[A-Z2-7]`;
 * secret access keys 40 characters of base64. Drawn from an injected random source.
 */
import type { RandomSource } from './types.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export type UniqueIdPrefix = 'AROA' | 'AIDA' | 'ANPA' | 'AKIA';

function base32(random: RandomSource, n: number): string {
  const bytes = random(n);
  let out = '';
  for (let i = 0; i < n; i++) out += BASE32[(bytes[i] ?? 0) & 31];
  return out;
}

/**
 * A unique ID: `AROA` (role), `AIDA` (user) or `ANPA` (managed policy) and 17 characters.
 *
 * @example
 * uniqueId('AROA', random) // → 'AROAK3VYQZ6N2T5EXAMPL'
 */
export function uniqueId(prefix: Exclude<UniqueIdPrefix, 'AKIA'>, random: RandomSource): string {
  return prefix + base32(random, 17);
}

/** A long-term access key ID: `AKIA` and 16 characters of `[A-Z2-7]`. */
export function accessKeyId(random: RandomSource): string {
  return 'AKIA' + base32(random, 16);
}

/** A secret access key: 40 characters of the base64 alphabet (30 random bytes). */
export function secretAccessKey(random: RandomSource): string {
  return Buffer.from(random(30)).toString('base64');
}
