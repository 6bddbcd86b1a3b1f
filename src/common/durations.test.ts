/** Durations as the CLI takes and writes them (`--trail-retention`). */
import { describe, expect, it } from 'vitest';
import { durationText, parseRetention } from './durations.js';

describe('parseRetention', () => {
  it.each([
    ['90d', 90 * 86_400_000],
    [' 12h ', 12 * 3_600_000],
    ['30m', 1_800_000],
    ['45s', 45_000],
    ['2w', 14 * 86_400_000],
    ['forever', null],
  ])('%s', (text, ms) => expect(parseRetention(text)).toBe(ms));

  it.each(['', '0d', '90', '90 days', '1.5d', '-1d', 'd', '99999999999999999w', 'Forever'])(
    'refuses %j',
    (text) => expect(parseRetention(text)).toBeUndefined(),
  );
});

describe('durationText', () => {
  it.each([
    [90 * 86_400_000, '90d'],
    [14 * 86_400_000, '2w'],
    [36 * 3_600_000, '36h'],
    [1_800_000, '30m'],
    [45_000, '45s'],
    [1500, '1500ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(durationText(ms)).toBe(text);
    if (!text.endsWith('ms')) expect(parseRetention(text)).toBe(ms);
  });
});
