/**
 * The meaning of a parsed expression: placeholders resolved against ExpressionAttributeNames
 * and ExpressionAttributeValues (recording which were used, for DynamoDB's "unused" check),
 * reserved words, functions and their operands, overlapping paths. Each kind of problem keeps
 * its first occurrence and the one DynamoDB reports first wins, in DynamoDB's texts.
 */
import { type AttributeValue, type AttrType, compareValues, typeOf } from '../attribute-value.js';
import {
  type CallOperand,
  type Condition,
  ExpressionError,
  type Operand,
  type PathOperand,
  type ResolvedPath,
  type UpdateExpression,
} from './ast.js';
import { isReservedWord } from './reserved-words.js';
import { table } from '../../../common/own.js';

/** The placeholders of one request, shared by all its expressions. */
export class ExpressionScope {
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, AttributeValue>>;
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    names: Readonly<Record<string, string>> = {},
    values: Readonly<Record<string, AttributeValue>> = {},
  ) {
    this.names = names;
    this.values = values;
  }

  name(placeholder: string): string | undefined {
    const v = Object.hasOwn(this.names, placeholder) ? this.names[placeholder] : undefined;
    if (v !== undefined) this.usedNames.add(placeholder);
    return v;
  }

  value(placeholder: string): AttributeValue | undefined {
    const v = Object.hasOwn(this.values, placeholder) ? this.values[placeholder] : undefined;
    if (v !== undefined) this.usedValues.add(placeholder);
    return v;
  }
}

class Problems {
  private readonly first = new Map<string, string>();
  add(kind: string, message: string): void {
    if (!this.first.has(kind)) this.first.set(kind, message);
  }
  has(kind: string): boolean {
    return this.first.has(kind);
  }
  throwFirst(order: readonly string[]): void {
    for (const k of order) {
      const m = this.first.get(k);
      if (m !== undefined) throw new ExpressionError(m);
    }
  }
}

/** `[a, b, [0]]`, as DynamoDB prints a path in messages. */
export function pathText(p: ResolvedPath): string {
  return `[${p.map((e) => (typeof e === 'number' ? `[${e}]` : e)).join(', ')}]`;
}

function resolvePath(path: PathOperand, scope: ExpressionScope, problems: Problems): void {
  const out: ResolvedPath = [];
  for (const e of path.elements) {
    if (e.kind === 'index') out.push(e.index);
    else if (e.kind === 'name') {
      if (isReservedWord(e.text))
        problems.add(
          'reserved',
          `Attribute name is a reserved keyword; reserved keyword: ${e.text}`,
        );
      out.push(e.text);
    } else {
      const n = scope.name(e.text);
      if (n === undefined)
        problems.add(
          'undefined',
          `An expression attribute name used in the document path is not defined; attribute name: ${e.text}`,
        );
      out.push(n ?? e.text);
    }
  }
  path.resolved = out;
}

function resolveValue(op: Operand & { kind: 'value' }, scope: ExpressionScope, problems: Problems) {
  const v = scope.value(op.name);
  if (v === undefined)
    problems.add(
      'undefined',
      `An expression attribute value used in expression is not defined; attribute value: ${op.name}`,
    );
  op.resolved = v;
}

function operandType(op: Operand): AttrType | 'SIZE' | undefined {
  if (op.kind === 'value') return op.resolved ? typeOf(op.resolved) : undefined;
  if (op.kind === 'call' && op.name === 'size') return 'N';
  return undefined;
}

function samePath(a: Operand, b: Operand): boolean {
  if (a.kind !== 'path' || b.kind !== 'path' || !a.resolved || !b.resolved) return false;
  return (
    a.resolved.length === b.resolved.length && a.resolved.every((e, i) => e === b.resolved?.[i])
  );
}

function distinct(op: string, a: Operand, b: Operand, problems: Problems): void {
  if (samePath(a, b) && a.kind === 'path' && a.resolved)
    problems.add(
      'distinct',
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${pathText(a.resolved)}`,
    );
}

function wrongType(fn: string, type: string): string {
  return `Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`;
}

const CONDITION_FUNCTIONS: Readonly<Record<string, number>> = table({
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
});
const ATTR_TYPES = ['S', 'N', 'B', 'NULL', 'SS', 'BOOL', 'L', 'BS', 'NS', 'M'];

class ConditionChecker {
  private readonly scope: ExpressionScope;
  private readonly problems: Problems;

  constructor(scope: ExpressionScope, problems: Problems) {
    this.scope = scope;
    this.problems = problems;
  }

  operand(op: Operand, asCondition = false): void {
    switch (op.kind) {
      case 'path':
        resolvePath(op, this.scope, this.problems);
        return;
      case 'value':
        resolveValue(op, this.scope, this.problems);
        return;
      case 'arith':
        // not produced by the condition parser
        this.operand(op.left);
        this.operand(op.right);
        return;
      default:
        this.call(op, asCondition);
    }
  }

  private call(c: CallOperand, asCondition: boolean): void {
    for (const a of c.args) this.operand(a);
    const arity = Object.hasOwn(CONDITION_FUNCTIONS, c.name)
      ? CONDITION_FUNCTIONS[c.name]
      : undefined;
    if (arity === undefined) {
      this.problems.add('unknownFunction', `Invalid function name; function: ${c.name}`);
      return;
    }
    if ((c.name === 'size') === asCondition)
      this.problems.add(
        'misusedFunction',
        `The function is not allowed to be used this way in an expression; function: ${c.name}`,
      );
    for (const a of c.args)
      if (a.kind === 'call' && a.name !== 'size')
        this.problems.add(
          'misusedFunction',
          `The function is not allowed to be used this way in an expression; function: ${a.name}`,
        );
    if (c.args.length !== arity) {
      this.problems.add(
        'operand',
        `Incorrect number of operands for operator or function; operator or function: ${c.name}, number of operands: ${c.args.length}`,
      );
      return;
    }
    const [a, b] = c.args as [Operand, Operand | undefined];
    switch (c.name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        if (a.kind !== 'path')
          this.problems.add(
            'function',
            `Operator or function requires a document path; operator or function: ${c.name}`,
          );
        return;
      case 'attribute_type': {
        if (a.kind !== 'path') {
          this.problems.add(
            'function',
            `Operator or function requires a document path; operator or function: ${c.name}`,
          );
          return;
        }
        const t = b ? operandType(b) : undefined;
        if (t !== 'S') {
          this.problems.add('function', wrongType(c.name, t ?? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}'));
          return;
        }
        const name = b?.kind === 'value' && b.resolved && 'S' in b.resolved ? b.resolved.S : '';
        if (!ATTR_TYPES.includes(name))
          this.problems.add(
            'function',
            `Invalid attribute type name found; type: ${name}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
          );
        return;
      }
      case 'begins_with':
        if (b) distinct(c.name, a, b, this.problems);
        for (const x of c.args) {
          const t = operandType(x);
          if (t && t !== 'S' && t !== 'B') this.problems.add('function', wrongType(c.name, t));
        }
        return;
      case 'contains':
        if (b) distinct(c.name, a, b, this.problems);
        return;
      default: {
        // size
        const t = operandType(a);
        if (t === 'N' || t === 'BOOL' || t === 'NULL')
          this.problems.add('function', wrongType(c.name, t));
      }
    }
  }

  condition(c: Condition): void {
    switch (c.kind) {
      case 'and':
      case 'or':
        this.condition(c.left);
        this.condition(c.right);
        return;
      case 'not':
        this.condition(c.operand);
        return;
      case 'call':
        this.operand(c.call, true);
        return;
      case 'compare': {
        this.operand(c.left);
        this.operand(c.right);
        this.misused([c.left, c.right]);
        distinct(c.op, c.left, c.right, this.problems);
        if (c.op !== '=' && c.op !== '<>') {
          for (const x of [c.left, c.right]) {
            const t = operandType(x);
            if (t && t !== 'S' && t !== 'N' && t !== 'B')
              this.problems.add('function', wrongType(c.op, t));
          }
        }
        return;
      }
      case 'between': {
        this.operand(c.subject);
        this.operand(c.low);
        this.operand(c.high);
        this.misused([c.subject, c.low, c.high]);
        const lo = c.low.kind === 'value' ? c.low.resolved : undefined;
        const hi = c.high.kind === 'value' ? c.high.resolved : undefined;
        if (lo && hi) {
          const tl = typeOf(lo);
          const th = typeOf(hi);
          const show = (v: AttributeValue, t: AttrType) =>
            `AttributeValue: {${t}:${(v as Record<string, unknown>)[t] as string}}`;
          if (tl !== th)
            this.problems.add(
              'function',
              `The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: ${show(lo, tl)}, upper bound operand: ${show(hi, th)}`,
            );
          else if ((compareValues(lo, hi) ?? 0) > 0)
            this.problems.add(
              'function',
              `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: ${show(lo, tl)}, upper bound operand: ${show(hi, th)}`,
            );
        }
        return;
      }
      default:
        this.operand(c.subject);
        for (const x of c.list) this.operand(x);
        this.misused([c.subject, ...c.list]);
    }
  }

  private misused(ops: Operand[]): void {
    for (const o of ops)
      if (o.kind === 'call' && o.name !== 'size' && Object.hasOwn(CONDITION_FUNCTIONS, o.name))
        this.problems.add(
          'misusedFunction',
          `The function is not allowed to be used this way in an expression; function: ${o.name}`,
        );
  }
}

/**
 * Checks a parsed condition in place (resolving placeholders); throws the error DynamoDB
 * reports first.
 */
export function checkCondition(
  condition: Condition,
  redundantParens: boolean,
  scope: ExpressionScope,
): void {
  const problems = new Problems();
  if (redundantParens) problems.add('parens', 'The expression has redundant parentheses;');
  new ConditionChecker(scope, problems).condition(condition);
  problems.throwFirst([
    'parens',
    'unknownFunction',
    'misusedFunction',
    'reserved',
    'undefined',
    'operand',
    'distinct',
    'function',
  ]);
}

function overlaps(paths: ResolvedPath[], problems: Problems): void {
  for (let j = 1; j < paths.length; j++) {
    const b = paths[j] as ResolvedPath;
    for (let i = 0; i < j; i++) {
      const a = paths[i] as ResolvedPath;
      let k = 0;
      let conflict = false;
      for (; k < a.length && k < b.length; k++) {
        if (typeof a[k] !== typeof b[k]) {
          conflict = true;
          break;
        }
        if (a[k] !== b[k]) break;
      }
      if (conflict)
        problems.add(
          'pathConflict',
          `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${pathText(a)}, path two: ${pathText(b)}`,
        );
      else if (k === Math.min(a.length, b.length))
        problems.add(
          'pathOverlap',
          `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${pathText(a)}, path two: ${pathText(b)}`,
        );
    }
  }
}

const TYPE_WORDS: Partial<Record<AttrType, string>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  NULL: 'NULL',
  BOOL: 'BOOLEAN',
  L: 'LIST',
  M: 'MAP',
};

const UPDATE_FUNCTIONS: Readonly<Record<string, number>> = table({
  if_not_exists: 2,
  list_append: 2,
});

/** Checks a parsed UpdateExpression in place; throws the error DynamoDB reports first. */
export function checkUpdate(update: UpdateExpression, scope: ExpressionScope): void {
  const problems = new Problems();
  const seen = new Set<string>();
  for (const s of update.sections) {
    if (seen.has(s))
      problems.add('section', `The "${s}" section can only be used once in an update expression;`);
    seen.add(s);
  }

  const immediate = (op: Operand): AttrType | undefined =>
    op.kind === 'value' && op.resolved ? typeOf(op.resolved) : undefined;

  const value = (op: Operand): void => {
    switch (op.kind) {
      case 'path':
        resolvePath(op, scope, problems);
        return;
      case 'value':
        resolveValue(op, scope, problems);
        return;
      case 'arith':
        value(op.left);
        value(op.right);
        for (const x of [op.left, op.right]) {
          const t = immediate(x);
          if (t && t !== 'N') problems.add('function', wrongType(op.op, t));
        }
        return;
      default: {
        for (const a of op.args) value(a);
        const arity = Object.hasOwn(UPDATE_FUNCTIONS, op.name)
          ? UPDATE_FUNCTIONS[op.name]
          : undefined;
        if (arity === undefined) {
          problems.add('unknownFunction', `Invalid function name; function: ${op.name}`);
          return;
        }
        if (op.args.length !== arity) {
          problems.add(
            'function',
            `Incorrect number of operands for operator or function; operator or function: ${op.name}, number of operands: ${op.args.length}`,
          );
          return;
        }
        if (op.name === 'if_not_exists') {
          if (op.args[0]?.kind !== 'path')
            problems.add(
              'function',
              `Operator or function requires a document path; operator or function: ${op.name}`,
            );
        } else {
          for (const x of op.args) {
            const t = immediate(x);
            if (t && t !== 'L') problems.add('function', wrongType(op.name, t));
          }
        }
      }
    }
  };

  for (const a of update.actions) {
    resolvePath(a.path, scope, problems);
    if (a.kind === 'SET') value(a.value);
    else if (a.kind !== 'REMOVE') {
      resolveValue(a.value, scope, problems);
      const t = a.value.resolved ? typeOf(a.value.resolved) : undefined;
      const word = t ? TYPE_WORDS[t] : undefined;
      if (word && !(a.kind === 'ADD' && t === 'N'))
        problems.add(
          'operand',
          `Incorrect operand type for operator or function; operator: ${a.kind}, operand type: ${word}`,
        );
    }
  }
  overlaps(
    update.actions.map((a) => a.path.resolved ?? []),
    problems,
  );
  problems.throwFirst([
    'reserved',
    'unknownFunction',
    'section',
    'undefined',
    'pathOverlap',
    'pathConflict',
    'operand',
    'function',
  ]);
}

/** Checks a parsed ProjectionExpression in place; throws the error DynamoDB reports first. */
export function checkProjection(paths: PathOperand[], scope: ExpressionScope): void {
  const problems = new Problems();
  for (const p of paths) resolvePath(p, scope, problems);
  overlaps(
    paths.map((p) => p.resolved ?? []),
    problems,
  );
  problems.throwFirst(['reserved', 'undefined', 'pathOverlap', 'pathConflict']);
}
