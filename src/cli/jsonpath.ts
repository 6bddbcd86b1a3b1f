/**
 * kubectl's `-o jsonpath=TEMPLATE`: the Kubernetes JSONPath template language as client-go's
 * `util/jsonpath` parses and runs it (https://kubernetes.io/docs/reference/kubectl/jsonpath/).
 * Text outside braces is printed as is. Inside them: fields `.a.b` (`\.` escapes a dot:
 * `.eks\.amazonaws\.com/role-arn`), `.*`, recursive descent `..name`, subscripts `[0]`, `[-1]`,
 * slices `[1:3]`, `[-1:]`, `[*]`, unions `[0,2]` and `['metadata.name', 'status.phase']`,
 * filters `[?(@.name=="app")]` with `==`, `!=`, `<`, `>`, `<=`, `>=` against string or number
 * literals (or another `@` path) and `[?(@.x)]` for "has x", quoted literals `{"\n"}`, and
 * `{range EXPR}…{end}`.
 *
 * As in kubectl: a quoted key is a path (`['a.b']` is `.a.b`; only `['a\.b']` is the key
 * `a.b`); `[…]` takes arrays only; a missing field prints nothing (kubectl's default
 * `--allow-missing-template-keys=true`); a filter's comparison needs exactly one value on each
 * side and values of one type; a string is printed bare, a map or list as Go's JSON (keys
 * sorted), and several results of one expression are joined by spaces. The third number of a
 * slice (`[0:4:2]`) does not step: in kubectl it is Go's slice capacity, which picks the same
 * elements. Not reproduced: kubectl's printing of what follows `{end}` against the last item of
 * the range (here it is printed against the object, as it reads).
 */

export class JsonPathError extends Error {
  /** kubectl words the two differently: `error parsing jsonpath …` / `error executing jsonpath …` */
  readonly phase: 'parse' | 'execute';
  constructor(message: string, phase: 'parse' | 'execute') {
    super(message);
    this.phase = phase;
  }
}

const parseError = (m: string) => new JsonPathError(m, 'parse');
const execError = (m: string) => new JsonPathError(m, 'execute');

/** A slice bound: absent, or a number; `derived` marks the end `[i]` implies (i + 1). */
interface Bound {
  value?: number;
  derived?: boolean;
}

/** One step of an expression, applied to every value the previous step gave. */
type Op =
  | { field: string }
  | { wildcard: true }
  | { recursive: true }
  | { slice: [Bound, Bound, Bound] }
  | { union: Op[][] }
  | { filter: Op[]; op: string; right: Op[] }
  | { exists: Op[] }
  | { literal: string | number; float?: boolean }
  | { identifier: string };

type Node = { text: string } | { ops: Op[] } | { range: Op[]; body: Node[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isAlphaNumeric = (c: string) => /^[\p{L}\p{N}_]$/u.test(c);
const isTerminator = (c: string | undefined) => c === undefined || ' \t\r\n.,[]$@{}'.includes(c);

/** Go's `%#U`, as kubectl names a character it does not expect: `U+002A '*'`. */
const goRune = (c: string) =>
  `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} '${c}'`;

/**
 * Reads actions as client-go's parser does: one cursor over the text, each action a list of
 * steps up to its `}`.
 */
class Parser {
  private pos = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }

  /** The whole template: text and actions, in order. */
  template(): { text?: string; ops?: Op[] }[] {
    const out: { text?: string; ops?: Op[] }[] = [];
    while (this.pos < this.s.length) {
      const open = this.s.indexOf('{', this.pos);
      if (open < 0) {
        out.push({ text: this.s.slice(this.pos) });
        break;
      }
      if (open > this.pos) out.push({ text: this.s.slice(this.pos, open) });
      this.pos = open + 1;
      out.push({ ops: this.action() });
    }
    return out;
  }

  /** The steps of one action, through its closing `}`. */
  private action(): Op[] {
    const ops: Op[] = [];
    for (;;) {
      const s = this.s;
      if (s.startsWith('}', this.pos)) {
        this.pos++;
        return ops;
      }
      if (s.startsWith('[?(', this.pos)) {
        ops.push(this.filter());
        continue;
      }
      if (s.startsWith('..', this.pos)) {
        if (ops.at(-1) && 'recursive' in (ops.at(-1) as Op))
          throw parseError('invalid multiple recursive descent');
        this.pos += 2;
        ops.push({ recursive: true });
        if (isAlphaNumeric(s[this.pos] ?? '')) ops.push(this.field());
        continue;
      }
      const c = s[this.pos];
      if (c === undefined || c === '\r' || c === '\n') throw parseError('unclosed action');
      if (c === ' ' || c === '@' || c === '$') this.pos++;
      else if (c === '[') ops.push(...this.array());
      else if (c === '"' || c === "'") ops.push({ literal: this.quote(c) });
      else if (c === '.') {
        this.pos++;
        ops.push(this.field());
      } else if (c === '+' || c === '-' || /\d/.test(c)) ops.push(this.number());
      else if (isAlphaNumeric(c)) {
        const start = this.pos;
        while (!isTerminator(s[this.pos])) this.pos++;
        ops.push({ identifier: s.slice(start, this.pos) });
      } else throw parseError(`unrecognized character in action: ${goRune(c)}`);
    }
  }

  private field(): Op {
    const start = this.pos;
    while (!isTerminator(this.s[this.pos])) this.pos += this.s[this.pos] === '\\' ? 2 : 1;
    const raw = this.s.slice(start, Math.min(this.pos, this.s.length));
    // client-go drops every backslash of the name
    return raw === '*' ? { wildcard: true } : { field: raw.replace(/\\/g, '') };
  }

  private number(): Op {
    const m = /^[+-]?[\d.]*/.exec(this.s.slice(this.pos))?.[0] ?? '';
    this.pos += m.length;
    if (/^[+-]?\d+$/.test(m)) return { literal: Number(m) };
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m)) return { literal: Number(m), float: true };
    throw parseError(`cannot parse number ${m}`);
  }

  private quote(q: string): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined || c === '\n') throw parseError('unterminated quoted string');
      this.pos++;
      if (c === q && this.s[this.pos - 2] !== '\\') break;
    }
    const literal = this.s.slice(start, this.pos);
    const text = unquote(literal);
    if (text === undefined) throw parseError(`unquote string ${literal} error invalid syntax`);
    return text;
  }

  /** `[…]`: a union, a quoted key (read as a path), or a slice. */
  private array(): Op[] {
    const close = this.s.slice(this.pos).search(/[\]\n]/);
    if (close < 0 || this.s[this.pos + close] !== ']') throw parseError('unterminated array');
    let text = this.s.slice(this.pos + 1, this.pos + close);
    this.pos += close + 1;
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) return [{ union: parts.map((p) => subExpression(`[${p.trim()}]`)) }];
    const key = /^'([^']*)'$/.exec(text);
    if (key) return subExpression(`.${key[1]}`);
    const m = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
    if (!m) throw parseError(`invalid array index ${text}`);
    const bound = (part: string | undefined, i: number): Bound => {
      const digits = i > 0 && part ? part.slice(1) : part;
      return digits ? { value: Number(digits) } : {};
    };
    const b: [Bound, Bound, Bound] = [bound(m[1], 0), bound(m[2], 1), bound(m[3], 2)];
    // `[i]` is the slice i..i+1
    if (!m[2]) b[1] = { value: (b[0].value ?? 0) + 1, derived: true };
    return [{ slice: b }];
  }

  /** `[?(left OP right)]` or `[?(path)]`. */
  private filter(): Op {
    this.pos += 3;
    const start = this.pos;
    let quote: string | undefined;
    let closedQuote = false;
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined || c === '\n') throw parseError('unterminated filter');
      if (c === '"' || c === "'") {
        if (quote === undefined) quote = c;
        else if (c === quote && this.s[this.pos - 2] !== '\\') closedQuote = true;
      } else if (c === ')' && (quote === undefined) === !closedQuote) break;
    }
    if (this.s[this.pos++] !== ']') throw parseError('unclosed array expect ]');
    const text = this.s.slice(start, this.pos - 2);
    const m = /^([^!<>=]+)([!<>=]+)(.+?)$/s.exec(text);
    if (!m) return { exists: subExpression(text) };
    return {
      filter: subExpression(m[1] as string),
      op: m[2] as string,
      right: subExpression(m[3] as string),
    };
  }
}

/** client-go's `parseAction`: a piece of an expression read as an action of its own. */
function subExpression(text: string): Op[] {
  const parts = new Parser(`{${text}}`).template();
  return parts[0]?.ops ?? [];
}

/** Go's strconv unquoting, single quotes allowed (client-go's `UnquoteExtend`). */
function unquote(literal: string): string | undefined {
  const q = literal[0];
  let out = '';
  const s = literal.slice(1, -1);
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === q) return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\\': '\\',
    };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === q) out += e;
    else {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const hex = s.slice(i + 1, i + 1 + len);
      if (len === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return undefined;
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    }
  }
  return out;
}

/** Nests `{range …}…{end}` actions into range nodes. */
function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const part of new Parser(template).template()) {
    const top = stack[stack.length - 1] as Node[];
    if (part.text !== undefined) {
      top.push({ text: part.text });
      continue;
    }
    const ops = part.ops ?? [];
    const first = ops[0];
    if (first && 'identifier' in first && first.identifier === 'range') {
      const node = { range: ops.slice(1), body: [] as Node[] };
      top.push(node);
      stack.push(node.body);
    } else if (first && 'identifier' in first && first.identifier === 'end' && ops.length === 1) {
      if (stack.length === 1) throw execError('not in range, nothing to end');
      stack.pop();
    } else top.push({ ops });
  }
  if (stack.length > 1) throw parseError('range without end');
  return root;
}

/** How Go's `%v` names a decoded JSON value's type in kubectl's errors. */
function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'map[string]interface {}';
}

/** Go's `%v` of a decoded JSON value: `map[a:1 b:x]`, `[1 2]`. */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`)
      .join(' ')}]`;
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/** An int64 prints in full; a float64 as Go's `%v` (exponent from 1e+21 and below 1e-04). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}

/** Go's `json.Marshal` of decoded JSON: map keys sorted, `<`, `>`, `&` escaped. */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sorted)
      : isObject(x)
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sorted(x[k])]),
          )
        : x;
  return JSON.stringify(sorted(v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

type Kind = 'string' | 'int' | 'float' | 'bool';

function kindOf(v: unknown, float?: boolean): Kind {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return float || !Number.isInteger(v) ? 'float' : 'int';
  if (typeof v === 'boolean') return 'bool';
  throw execError('invalid type for comparison');
}

/** text/template's comparison functions, which client-go's filters use. */
function compare(op: string, left: unknown, right: unknown, rightFloat?: boolean): boolean {
  if (!['==', '!=', '<', '>', '<=', '>='].includes(op))
    throw execError(`unrecognized filter operator ${op}`);
  const kl = kindOf(left);
  const kr = kindOf(right, rightFloat);
  if (kl !== kr) throw execError('incompatible types for comparison');
  if (op === '==') return left === right;
  if (op === '!=') return left !== right;
  if (kl === 'bool') throw execError('invalid type for comparison');
  const l = left as string | number;
  const r = right as string | number;
  return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
}

/** Every value under `v`, itself first, as client-go's recursive descent collects them. */
function descend(v: unknown, out: unknown[]): void {
  const children = childrenOf(v);
  if (children.length === 0) return;
  out.push(v);
  for (const c of children) descend(c, out);
}

function childrenOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  // Go ranges over a string's bytes
  if (typeof v === 'string') return [...Buffer.from(v, 'utf8')];
  return [];
}

function slice(v: unknown, [b0, b1, b2]: [Bound, Bound, Bound]): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw execError(`${goType(v)} is not array or slice`);
  const len = v.length;
  let start = b0.value ?? 0;
  if (start < 0) start += len;
  let end = b1.value ?? len;
  if (end < 0 || (end === 0 && b1.derived)) end += len;
  if (end !== start) {
    if (start >= len || start < 0)
      throw execError(`array index out of bounds: index ${start}, length ${len}`);
    if (end > len) throw execError(`array index out of bounds: index ${end - 1}, length ${len}`);
  }
  if (b2.value !== undefined && (b2.value < end || b2.value > len))
    throw execError(`slice bounds out of range [::${b2.value}] with capacity ${len}`);
  return v.slice(start, Math.max(start, end));
}

function evaluate(values: unknown[], ops: Op[]): unknown[] {
  let current = values;
  for (const op of ops) {
    const next: unknown[] = [];
    if ('union' in op) {
      for (const branch of op.union) next.push(...evaluate(current, branch));
    } else if ('literal' in op) {
      // a quoted literal stands for itself, once; a number once per value, as in client-go
      if (typeof op.literal === 'string') next.push(op.literal);
      else for (let i = 0; i < current.length; i++) next.push(op.literal);
    } else if ('identifier' in op) {
      throw execError(`unrecognized identifier ${op.identifier}`);
    } else {
      for (const v of current) {
        if ('field' in op) {
          if (isObject(v) && Object.hasOwn(v, op.field)) next.push(v[op.field]);
        } else if ('wildcard' in op) next.push(...childrenOf(v));
        else if ('recursive' in op) descend(v, next);
        else if ('slice' in op) next.push(...slice(v, op.slice));
        else if ('exists' in op || 'filter' in op) {
          if (v === null || v === undefined) continue;
          if (!Array.isArray(v))
            throw execError(`${goFormat(v)} is not array or slice and cannot be filtered`);
          next.push(...v.filter((item) => passes(item, op)));
        }
      }
    }
    current = next;
  }
  return current;
}

function passes(
  item: unknown,
  op: { exists: Op[] } | { filter: Op[]; op: string; right: Op[] },
): boolean {
  if ('exists' in op) {
    try {
      return evaluate([item], op.exists).length > 0;
    } catch {
      return false;
    }
  }
  const lefts = evaluate([item], op.filter);
  if (lefts.length !== 1) throw execError('can only compare one element at a time');
  const rights = evaluate([item], op.right);
  if (rights.length !== 1) throw execError('can only compare one element at a time');
  const last = op.right.at(-1);
  const rightFloat = !!last && 'literal' in last && last.float === true;
  return compare(op.op, lefts[0], rights[0], rightFloat);
}

/** One result as kubectl prints it: maps and lists as JSON, anything else as Go's `%v`. */
function show(v: unknown): string {
  if (typeof v === 'object' && v !== null) return goJson(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('range' in n) {
      for (const item of evaluate([data], n.range)) out += render(n.body, item);
    } else out += evaluate([data], n.ops).map(show).join(' ');
  }
  return out;
}

/**
 * Prints `data` through a kubectl JSONPath template.
 *
 * @example
 * jsonPath('{.metadata.annotations}', sa) // → '{"eks.amazonaws.com/role-arn":"arn:aws:iam::…"}'
 * jsonPath('{range .items[*]}{.metadata.name}{"\n"}{end}', list) // → 'a\nb\n'
 * jsonPath('{.spec.containers[*].env[?(@.name=="AWS_ROLE_ARN")].value}', pod) // → 'arn:aws:iam::…'
 */
export function jsonPath(template: string, data: unknown): string {
  return render(parseTemplate(template), data);
}
