/**
 * A recursive-descent parser for DynamoDB's expression language. Grammar (keywords in any
 * case; precedence NOT > AND > OR):
 *
 *   condition  := or
 *   or         := and ('OR' and)*
 *   and        := not ('AND' not)*
 *   not        := 'NOT' not | primary
 *   primary    := '(' or ')' | operand (comparator operand | 'BETWEEN' operand 'AND' operand
 *                 | 'IN' '(' operand (',' operand)* ')')?            -- bare operand: a call
 *   operand    := ':value' | name '(' operand (',' operand)* ')' | path
 *   path       := (name | '#name') ('.' (name | '#name') | '[' digits ']')*
 *   update     := (('SET' set (',' set)*) | ('REMOVE' path (',' path)*)
 *                 | ('ADD' path ':value' (',' …)*) | ('DELETE' path ':value' (',' …)*))+
 *   set        := path '=' term (('+' | '-') term)?
 *   term       := ':value' | name '(' term-or-arith (',' …)* ')' | path
 *   projection := path (',' path)*
 *
 * Syntax errors name the offending token as DynamoDB does; meaning (placeholders, reserved
 * words, functions) is the checker's.
 */
import {
  type CallOperand,
  type Comparator,
  type Condition,
  ExpressionError,
  type Operand,
  type PathElement,
  type PathOperand,
  type UpdateAction,
  type UpdateExpression,
  type UpdateSection,
  type ValueOperand,
} from './ast.js';
import { type Token, syntaxError, tokenize } from './lexer.js';

const CONDITION_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
/** DynamoDB's limits ("Expression parameters"): operators and functions in one expression */
const MAX_OPERATORS = 300;
/**
 * Parentheses nested deeper than this are refused before the parser recurses into them:
 * within MAX_OPERATORS (checked first), only redundant parentheses nest so deep. NOTs and calls
 * are operators themselves, so the operator limit bounds how deep they nest.
 */
const MAX_NESTING = MAX_OPERATORS;

/**
 * The operators and functions of an expression's tokens, as DynamoDB counts them against its
 * limit: comparisons, AND, OR, NOT, BETWEEN (its AND included), IN, + and -, and each call.
 */
function operatorCount(tokens: readonly Token[]): number {
  let n = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'punct') {
      if (COMPARATORS.has(t.text) || t.text === '+' || t.text === '-') n++;
    } else if (t.kind === 'name') {
      const word = t.text.toUpperCase();
      if (word === 'BETWEEN') n--; // its AND is counted below
      if (CONDITION_KEYWORDS.has(word) || tokens[i + 1]?.text === '(') n++;
    }
  }
  return n;
}
const UPDATE_KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  /** words that cannot be attribute names in this kind of expression */
  private readonly keywords: ReadonlySet<string>;
  private readonly src: string;
  redundantParens = false;
  /** parentheses open around the token being read */
  private nesting = 0;

  constructor(src: string, keywords: ReadonlySet<string>) {
    this.src = src;
    this.tokens = tokenize(src);
    this.keywords = keywords;
    const operators = operatorCount(this.tokens);
    if (operators > MAX_OPERATORS)
      throw new ExpressionError(
        `The expression contains too many operators; operator count: ${operators}`,
      );
  }

  /** Runs `fn` one level deeper; past MAX_NESTING the expression is refused instead. */
  private nested<T>(fn: () => T): T {
    if (++this.nesting > MAX_NESTING)
      throw new ExpressionError('The expression has redundant parentheses;');
    try {
      return fn();
    } finally {
      this.nesting--;
    }
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }

  private fail(): never {
    throw syntaxError(this.src, this.tokens, Math.min(this.i, this.tokens.length - 1));
  }

  private isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.text === text;
  }

  private expectPunct(text: string): void {
    if (!this.isPunct(text)) this.fail();
    this.i++;
  }

  private keyword(t: Token = this.peek()): string | undefined {
    if (t.kind !== 'name') return undefined;
    const u = t.text.toUpperCase();
    return this.keywords.has(u) ? u : undefined;
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') this.fail();
  }

  // ---- paths and operands

  private pathName(): PathElement {
    const t = this.peek();
    if (t.kind === 'name' && !this.keyword(t)) {
      this.i++;
      return { kind: 'name', text: t.text };
    }
    if (t.kind === 'attrName') {
      this.i++;
      return { kind: 'placeholder', text: t.text };
    }
    return this.fail();
  }

  path(): PathOperand {
    const elements: PathElement[] = [this.pathName()];
    for (;;) {
      if (this.isPunct('.')) {
        this.i++;
        elements.push(this.pathName());
      } else if (this.isPunct('[')) {
        this.i++;
        const t = this.peek();
        if (t.kind !== 'number') this.fail();
        this.i++;
        this.expectPunct(']');
        elements.push({ kind: 'index', index: Number(t.text) });
      } else {
        return { kind: 'path', elements };
      }
    }
  }

  private value(): ValueOperand {
    const t = this.peek();
    if (t.kind !== 'attrValue') this.fail();
    this.i++;
    return { kind: 'value', name: t.text };
  }

  private call(arg: () => Operand): CallOperand {
    const name = this.peek().text;
    this.i += 2; // the name and '('
    const args = [arg()];
    while (this.isPunct(',')) {
      this.i++;
      args.push(arg());
    }
    this.expectPunct(')');
    return { kind: 'call', name, args };
  }

  /** a condition operand */
  operand(): Operand {
    const t = this.peek();
    if (t.kind === 'attrValue') return this.value();
    if (t.kind === 'name' && !this.keyword(t) && this.isPunct('(', 1))
      return this.call(() => this.operand());
    return this.path();
  }

  // ---- conditions

  condition(): Condition {
    let left = this.and();
    while (this.keyword() === 'OR') {
      this.i++;
      const right = this.and();
      left = { kind: 'or', left, right, parens: 0 };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.keyword() === 'AND') {
      this.i++;
      const right = this.not();
      left = { kind: 'and', left, right, parens: 0 };
    }
    return left;
  }

  private not(): Condition {
    if (this.keyword() === 'NOT') {
      this.i++;
      return { kind: 'not', operand: this.not(), parens: 0 };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isPunct('(')) {
      this.i++;
      const inner = this.nested(() => this.condition());
      this.expectPunct(')');
      inner.parens++;
      if (inner.parens > 1) this.redundantParens = true;
      return inner;
    }
    const left = this.operand();
    const t = this.peek();
    if (t.kind === 'punct' && COMPARATORS.has(t.text)) {
      this.i++;
      return { kind: 'compare', op: t.text as Comparator, left, right: this.operand(), parens: 0 };
    }
    const kw = this.keyword(t);
    if (kw === 'BETWEEN') {
      this.i++;
      const low = this.operand();
      if (this.keyword() !== 'AND') this.fail();
      this.i++;
      return { kind: 'between', subject: left, low, high: this.operand(), parens: 0 };
    }
    if (kw === 'IN') {
      this.i++;
      this.expectPunct('(');
      const list = [this.operand()];
      while (this.isPunct(',')) {
        this.i++;
        list.push(this.operand());
      }
      this.expectPunct(')');
      // DynamoDB's limit on an IN list (Constraints, "Expression parameters")
      if (list.length > 100)
        throw new ExpressionError(
          `The IN operator is provided with too many operands; number of operands: ${list.length}`,
        );
      return { kind: 'in', subject: left, list, parens: 0 };
    }
    if (left.kind === 'call') return { kind: 'call', call: left, parens: 0 };
    return this.fail();
  }

  // ---- updates

  private term(): Operand {
    const t = this.peek();
    if (t.kind === 'attrValue') return this.value();
    if (t.kind === 'name' && !this.keyword(t) && this.isPunct('(', 1))
      return this.call(() => this.setValue());
    return this.path();
  }

  private setValue(): Operand {
    const left = this.term();
    if (this.isPunct('+') || this.isPunct('-')) {
      const op = this.peek().text as '+' | '-';
      this.i++;
      return { kind: 'arith', op, left, right: this.term() };
    }
    return left;
  }

  update(): UpdateExpression {
    const actions: UpdateAction[] = [];
    const sections: UpdateSection[] = [];
    do {
      const section = this.keyword() as UpdateSection | undefined;
      if (!section) this.fail();
      this.i++;
      sections.push(section);
      for (;;) {
        const path = this.path();
        switch (section) {
          case 'SET':
            this.expectPunct('=');
            actions.push({ kind: 'SET', path, value: this.setValue() });
            break;
          case 'REMOVE':
            actions.push({ kind: 'REMOVE', path });
            break;
          default:
            actions.push({ kind: section, path, value: this.value() });
        }
        if (!this.isPunct(',')) break;
        this.i++;
      }
    } while (this.peek().kind !== 'eof');
    return { actions, sections };
  }

  projection(): PathOperand[] {
    const paths = [this.path()];
    while (this.isPunct(',')) {
      this.i++;
      paths.push(this.path());
    }
    return paths;
  }
}

/** An expression's text is 4 KB at most, counted in bytes as sent (DynamoDB's limits). */
const MAX_EXPRESSION_BYTES = 4096;

function checkText(src: string): void {
  if (src === '') throw new ExpressionError('The expression can not be empty;');
  const size = Buffer.byteLength(src, 'utf8');
  if (size > MAX_EXPRESSION_BYTES)
    throw new ExpressionError(
      `Expression size has exceeded the maximum allowed size; expression size: ${size}`,
    );
}

/**
 * Parses a condition (ConditionExpression, FilterExpression, KeyConditionExpression).
 * `redundantParens` reports `((…))`, which DynamoDB refuses once the syntax is valid.
 *
 * @example
 * parseCondition('attribute_not_exists(pk) AND #n < :max').condition.kind // → 'and'
 */
export function parseCondition(src: string): { condition: Condition; redundantParens: boolean } {
  checkText(src);
  const p = new Parser(src, CONDITION_KEYWORDS);
  const condition = p.condition();
  p.expectEnd();
  return { condition, redundantParens: p.redundantParens };
}

/**
 * Parses an UpdateExpression.
 *
 * @example
 * parseUpdate('SET n = n + :one REMOVE old').actions.length // → 2
 */
export function parseUpdate(src: string): UpdateExpression {
  checkText(src);
  const p = new Parser(src, UPDATE_KEYWORDS);
  const u = p.update();
  p.expectEnd();
  return u;
}

/**
 * Parses a ProjectionExpression.
 *
 * @example
 * parseProjection('a, b.c[0]').length // → 2
 */
export function parseProjection(src: string): PathOperand[] {
  checkText(src);
  const p = new Parser(src, new Set());
  const paths = p.projection();
  p.expectEnd();
  return paths;
}
