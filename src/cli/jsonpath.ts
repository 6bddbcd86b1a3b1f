/**
 * kubectl's `-o jsonpath=TEMPLATE` (the Kubernetes JSONPath template language, as `kubectl get`
 * prints it): text outside braces is printed as is; `{.a.b}`, `{.a['b.c']}`, `{.a.b\.c}`,
 * `{.items[0]}`, `{.items[*].metadata.name}`, `{.a.*}`, `{"\n"}` and `{range EXPR}…{end}`.
 * A string is printed bare, anything else as JSON; several results of one expression are
 * joined by spaces. A missing field prints nothing (kubectl's default
 * `--allow-missing-template-keys=true`). Filters (`[?(@…)]`), slices and recursive descent
 * are refused.
 */

export class JsonPathError extends Error {}

type Step = { key: string } | { index: number } | { all: true };
type Node =
  | { text: string }
  | { path: Step[]; source: string }
  | { range: Step[]; source: string; body: Node[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one expression between braces (without them) into steps. */
function parsePath(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      if (s[i + 1] === '.') throw new JsonPathError(`recursive descent is not supported: ${expr}`);
      i++;
      if (s[i] === '*') {
        steps.push({ all: true });
        i++;
        continue;
      }
      let key = '';
      while (i < s.length && s[i] !== '.' && s[i] !== '[') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        key += s[i];
        i++;
      }
      if (key !== '') steps.push({ key });
    } else if (c === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw new JsonPathError(`unclosed array expect ]: ${expr}`);
      const inner = s.slice(i + 1, end).trim();
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ key: inner.slice(1, -1) });
      else throw new JsonPathError(`unsupported array expression [${inner}] in ${expr}`);
      i = end + 1;
    } else {
      throw new JsonPathError(`unrecognized character in action: ${c ?? ''} in ${expr}`);
    }
  }
  return steps;
}

/** Parses a template into nodes. */
function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: { body: Node[] }[] = [{ body: root }];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const top = stack[stack.length - 1] as { body: Node[] };
    if (open < 0) {
      top.body.push({ text: template.slice(i) });
      break;
    }
    if (open > i) top.body.push({ text: template.slice(i, open) });
    // a quoted literal may hold braces
    let close = open + 1;
    let quote: string | undefined;
    for (; close < template.length; close++) {
      const c = template[close];
      if (quote) {
        if (c === '\\') close++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (close >= template.length) throw new JsonPathError(`unclosed action in ${template}`);
    const action = template.slice(open + 1, close).trim();
    i = close + 1;
    if (/^".*"$/s.test(action) || /^'.*'$/s.test(action)) {
      top.body.push({ text: unquote(action) });
    } else if (action.startsWith('range ')) {
      const source = action.slice(6).trim();
      const node = { range: parsePath(source), source, body: [] as Node[] };
      top.body.push(node);
      stack.push(node);
    } else if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
    } else {
      top.body.push({ path: parsePath(action), source: action });
    }
  }
  if (stack.length > 1) throw new JsonPathError('range without end');
  return root;
}

function unquote(literal: string): string {
  const inner = literal.slice(1, -1);
  return inner.replace(/\\(.)/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c,
  );
}

function select(value: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [value];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.values(v));
      } else if ('index' in step) {
        if (!Array.isArray(v)) continue;
        const at = step.index < 0 ? v.length + step.index : step.index;
        if (at < 0 || at >= v.length)
          throw new JsonPathError(
            `array index out of bounds: index ${step.index}, length ${v.length}`,
          );
        next.push(v[at]);
      } else if (isObject(v) && Object.hasOwn(v, step.key)) next.push(v[step.key]);
    }
    current = next;
  }
  return current;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('range' in n) {
      for (const item of select(data, n.range)) out += render(n.body, item);
    } else out += select(data, n.path).map(show).join(' ');
  }
  return out;
}

/**
 * Prints `data` through a kubectl JSONPath template.
 *
 * @example
 * jsonPath('{.metadata.annotations}', sa) // → '{"eks.amazonaws.com/role-arn":"arn:aws:iam::…"}'
 * jsonPath('{range .items[*]}{.metadata.name}{"\n"}{end}', list) // → 'a\nb\n'
 */
export function jsonPath(template: string, data: unknown): string {
  return render(parseTemplate(template), data);
}
