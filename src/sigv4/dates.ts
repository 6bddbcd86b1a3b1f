/**
 * The two date forms SigV4 reads (spec/aws-wire.md §8.1): `X-Amz-Date` in ISO 8601 basic
 * form (`yyyymmddThhmmssZ`), and the RFC 1123 `Date` header the spec allows as a fallback.
 */
import { boundedCache } from '../common/bounded-cache.js';

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * The instant of an ISO 8601 basic timestamp, or undefined when it is not one.
 *
 * @example
 * parseAmzDate('20150830T123600Z') // → 2015-08-30T12:36:00.000Z
 * parseAmzDate('2015-08-30T12:36:00Z') // → undefined
 */
export function parseAmzDate(value: string): Date | undefined {
  // the requests of one second carry the same X-Amz-Date: each is parsed once (kept as a
  // number: every caller gets a Date of its own)
  const t = amzDates.get(value, () => parseAmzDateOnce(value)?.getTime());
  return t === undefined ? undefined : new Date(t);
}
const amzDates = boundedCache<number | undefined>(1024);

function parseAmzDateOnce(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return back;
}

/**
 * A date in SigV4's basic form.
 *
 * @example
 * formatAmzDate(new Date('2015-08-30T12:36:00Z')) // → '20150830T123600Z'
 */
export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HTTP_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/**
 * An RFC 1123 `Date` header in SigV4's basic form, or undefined.
 *
 * @example
 * httpDateToAmzDate('Sun, 30 Aug 2015 12:36:00 GMT') // → '20150830T123600Z'
 */
export function httpDateToAmzDate(value: string): string | undefined {
  const m = HTTP_DATE.exec(value.trim());
  if (!m) return undefined;
  const [, d, mon, y, h, mi, s] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const amz = `${y}${String(MONTHS.indexOf(mon) + 1).padStart(2, '0')}${d}T${h}${mi}${s}Z`;
  return parseAmzDate(amz) ? amz : undefined;
}
