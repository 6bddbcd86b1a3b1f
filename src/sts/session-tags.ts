/**
 * Session tags and the packed-size budget (spec/aws-wire.md §3.1, §3.4): at most 50 tags, keys
 * 1–128 and values 0–256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, keys unique without
 * regard to case, transitive keys among the tags; inherited transitive tags cannot be set
 * again. The packed size is irsakit's model of AWS's (which packs a binary form whose size
 * is not documented): the inline policy without whitespace plus the managed-policy ARNs, and
 * the tags' keys and values, each against a budget of 2,048 characters; `PackedPolicySize` is
 * the larger of the two percentages, and over 100 % is `PackedPolicyTooLarge`.
 */
import { AwsError } from '../common/aws-error.js';
import { policySize } from '../policy/index.js';
import { STS_MSG } from './errors.js';
import type { SessionTag } from './types.js';

export const MAX_SESSION_TAGS = 50;
export const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
export const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const TAG_PATTERN_TEXT = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';
export const TAG_VALUE_PATTERN_TEXT = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*';
/** no session tag key or value may begin with `aws:`, in any case (IAM User Guide, "Naming tags") */
const RESERVED = /^aws:/i;
/** the character budget of each half of the packed form */
export const PACKED_BUDGET = 2048;

/** What is wrong with a set of session tags, or undefined. */
export function tagProblem(
  tags: readonly SessionTag[],
  transitive: readonly string[],
): string | undefined {
  if (tags.length > MAX_SESSION_TAGS) return `${tags.length} tags, more than ${MAX_SESSION_TAGS}`;
  const seen = new Set<string>();
  for (const t of tags) {
    if (t.Key.length < 1 || t.Key.length > 128 || !TAG_KEY_PATTERN.test(t.Key))
      return `tag key \`${t.Key}\` is not 1–128 characters of ${TAG_PATTERN_TEXT}`;
    if (t.Value.length > 256 || !TAG_VALUE_PATTERN.test(t.Value))
      return `the value of tag \`${t.Key}\` is not 0–256 characters of ${TAG_VALUE_PATTERN_TEXT}`;
    if (RESERVED.test(t.Key) || RESERVED.test(t.Value))
      return `tag \`${t.Key}\` begins with the prefix aws:, which AWS reserves`;
    const k = t.Key.toLowerCase();
    if (seen.has(k)) return `tag key \`${t.Key}\` appears twice (keys are case-insensitive)`;
    seen.add(k);
  }
  if (transitive.length > MAX_SESSION_TAGS)
    return `${transitive.length} transitive tag keys, more than ${MAX_SESSION_TAGS}`;
  for (const k of transitive)
    if (!seen.has(k.toLowerCase())) return `transitive tag key \`${k}\` is not a tag key`;
  return undefined;
}

/**
 * What AWS answers for request tags the model's constraints let through: keys repeated
 * without regard to case, transitive keys that are not tag keys.
 */
export function requestTagError(
  tags: readonly SessionTag[],
  transitive: readonly string[],
): AwsError | undefined {
  const keys = new Set<string>();
  for (const t of tags) {
    if (RESERVED.test(t.Key) || RESERVED.test(t.Value))
      return new AwsError('InvalidParameterValue', 400, STS_MSG.reservedTag, {
        detail: { key: t.Key },
      });
    const k = t.Key.toLowerCase();
    if (keys.has(k))
      return new AwsError('InvalidParameterValue', 400, STS_MSG.duplicateTagKeys, {
        detail: { key: t.Key },
      });
    keys.add(k);
  }
  for (const k of transitive)
    if (!keys.has(k.toLowerCase()))
      return new AwsError('InvalidParameterValue', 400, STS_MSG.transitiveNotInTags(k), {
        detail: { key: k },
      });
  return undefined;
}

/**
 * The request's tags merged with the caller's inherited transitive tags; throws when a
 * request tag would replace an inherited one.
 */
export function mergeTransitive(
  inherited: readonly SessionTag[],
  inheritedKeys: readonly string[],
  tags: readonly SessionTag[],
  transitive: readonly string[],
): { tags: SessionTag[]; transitiveTagKeys: string[] } {
  const taken = new Set(inherited.map((t) => t.Key.toLowerCase()));
  for (const t of tags)
    if (taken.has(t.Key.toLowerCase()))
      throw new AwsError('InvalidParameterValue', 400, STS_MSG.transitiveOverride(t.Key));
  return {
    tags: [...inherited, ...tags],
    transitiveTagKeys: [...inheritedKeys, ...transitive],
  };
}

/** The caller session's tags that carry over to a chained session. */
export function transitiveOf(
  tags: readonly SessionTag[] | undefined,
  keys: readonly string[] | undefined,
): { tags: SessionTag[]; keys: string[] } {
  const want = new Set((keys ?? []).map((k) => k.toLowerCase()));
  const carried = (tags ?? []).filter((t) => want.has(t.Key.toLowerCase()));
  return { tags: carried, keys: carried.map((t) => t.Key) };
}

export interface PackedSize {
  /** percent, rounded up */
  percent: number;
  policyPercent: number;
  tagPercent: number;
}

/**
 * The packed size of session policies and tags; throws `PackedPolicyTooLarge` over 100 %.
 *
 * @example
 * packedSize('{"Version":"2012-10-17","Statement":[]}', [], []).percent // → 2
 */
export function packedSize(
  policy: string | undefined,
  policyArns: readonly string[],
  tags: readonly SessionTag[],
): PackedSize {
  const policyChars =
    (policy === undefined ? 0 : policySize(policy, false)) +
    policyArns.reduce((n, a) => n + a.length, 0);
  const tagChars = tags.reduce((n, t) => n + t.Key.length + t.Value.length, 0);
  const policyPercent = Math.ceil((100 * policyChars) / PACKED_BUDGET);
  const tagPercent = Math.ceil((100 * tagChars) / PACKED_BUDGET);
  if (policyPercent > 100)
    throw new AwsError('PackedPolicyTooLarge', 400, STS_MSG.packedPolicy(policyPercent), {
      detail: { policyChars, budget: PACKED_BUDGET },
    });
  if (tagPercent > 100)
    throw new AwsError('PackedPolicyTooLarge', 400, STS_MSG.packedTags(tagPercent), {
      detail: { tagChars, budget: PACKED_BUDGET },
    });
  return { percent: Math.max(policyPercent, tagPercent), policyPercent, tagPercent };
}
