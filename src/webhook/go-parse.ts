/**
 * The three value grammars the upstream webhook (written in Go) applies to annotations,
 * reproduced so that an annotation means here what it means on EKS (spec/webhook.md §2):
 * `strconv.ParseBool`, `strconv.ParseInt(s, 10, 64)` and one record of `encoding/csv` with
 * default settings (comma separator, double-quote quoting, no space trimming, strict quotes).
 * Each returns `undefined` where Go returns an error.
 */

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Go's `strconv.ParseBool`.
 *
 * @example
 * parseGoBool('True'); // true
 * parseGoBool('yes');  // undefined (an error in Go)
 */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}

const INT = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Go's `strconv.ParseInt(text, 10, 64)`: an optional sign and decimal digits, nothing else
 * (no spaces, no underscores), within the signed 64-bit range. Values beyond 2^53 lose
 * precision as JavaScript numbers.
 *
 * @example
 * parseGoInt64('3600');  // 3600
 * parseGoInt64(' 3600'); // undefined
 */
export function parseGoInt64(text: string): number | undefined {
  if (!INT.test(text)) return undefined;
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) return undefined;
  return Number(n);
}

/** One line with its newline normalised to `\n`, as Go's csv reader sees it. */
function lines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    let line = nl < 0 ? text.slice(start) : text.slice(start, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    out.push(`${line}\n`);
    start = nl < 0 ? text.length : nl + 1;
  }
  return out;
}

/**
 * The first record of `text` read by Go's `csv.NewReader(…).Read()`: fields separated by
 * commas, kept verbatim (`"a, b"` → `a`, ` b`); a field starting with `"` is quoted (`""`
 * is a literal quote, and the quoted text may span lines); a quote anywhere else, or a
 * closing quote not followed by a comma or the end of the line, is an error; leading empty
 * lines are skipped, and an input with no record at all (`""`) is an error (Go's `io.EOF`).
 *
 * @example
 * parseCsvRecord('sidecar,"a,b"'); // ['sidecar', 'a,b']
 * parseCsvRecord('a"b');          // undefined
 */
export function parseCsvRecord(text: string): string[] | undefined {
  const all = lines(text);
  let li = 0;
  while (li < all.length && all[li] === '\n') li++;
  let line = all[li];
  if (line === undefined) return undefined;
  const fields: string[] = [];
  for (;;) {
    if (!line.startsWith('"')) {
      const comma = line.indexOf(',');
      const field = comma >= 0 ? line.slice(0, comma) : line.slice(0, -1);
      if (field.includes('"')) return undefined;
      fields.push(field);
      if (comma < 0) return fields;
      line = line.slice(comma + 1);
      continue;
    }
    // quoted field
    let value = '';
    line = line.slice(1);
    for (;;) {
      const q = line.indexOf('"');
      if (q >= 0) {
        value += line.slice(0, q);
        line = line.slice(q + 1);
        if (line.startsWith('"')) {
          value += '"';
          line = line.slice(1);
        } else if (line.startsWith(',')) {
          line = line.slice(1);
          fields.push(value);
          break;
        } else if (line === '\n') {
          fields.push(value);
          return fields;
        } else {
          return undefined;
        }
      } else {
        // the quoted text goes on on the next line, or the input ends inside the quotes
        value += line;
        li++;
        const next = all[li];
        if (next === undefined) return undefined;
        line = next;
      }
    }
  }
}
