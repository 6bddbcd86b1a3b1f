/**
 * The syntax trees of DynamoDB's expression language (developer guide, "Using expressions in
 * DynamoDB"): condition expressions (ConditionExpression, FilterExpression,
 * KeyConditionExpression), update expressions and projection expressions. The parser builds
 * them with names and placeholders as written; the checker fills `resolved` in place.
 */
import type { AttributeValue } from '../attribute-value.js';

/** One step of a document path as written: a name, a `#placeholder`, or a list index. */
export type PathElement =
  | { kind: 'name'; text: string }
  | { kind: 'placeholder'; text: string }
  | { kind: 'index'; index: number };

/** A resolved path: attribute names and list indexes. */
export type ResolvedPath = (string | number)[];

export interface PathOperand {
  kind: 'path';
  elements: PathElement[];
  /** set by the checker */
  resolved?: ResolvedPath | undefined;
}

export interface ValueOperand {
  kind: 'value';
  /** the placeholder, `:v` */
  name: string;
  /** set by the checker */
  resolved?: AttributeValue | undefined;
}

export interface CallOperand {
  kind: 'call';
  name: string;
  args: Operand[];
}

/** `a + b` / `a - b`, only in an update's SET */
export interface ArithOperand {
  kind: 'arith';
  op: '+' | '-';
  left: Operand;
  right: Operand;
}

export type Operand = PathOperand | ValueOperand | CallOperand | ArithOperand;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

interface Wrapped {
  /** how many pairs of parentheses directly enclose this condition */
  parens: number;
}

export type Condition = Wrapped &
  (
    | { kind: 'compare'; op: Comparator; left: Operand; right: Operand }
    | { kind: 'between'; subject: Operand; low: Operand; high: Operand }
    | { kind: 'in'; subject: Operand; list: Operand[] }
    | { kind: 'call'; call: CallOperand }
    | { kind: 'and' | 'or'; left: Condition; right: Condition }
    | { kind: 'not'; operand: Condition }
  );

export type UpdateSection = 'SET' | 'REMOVE' | 'ADD' | 'DELETE';

export type UpdateAction =
  | { kind: 'SET'; path: PathOperand; value: Operand }
  | { kind: 'REMOVE'; path: PathOperand }
  | { kind: 'ADD'; path: PathOperand; value: ValueOperand }
  | { kind: 'DELETE'; path: PathOperand; value: ValueOperand };

export interface UpdateExpression {
  actions: UpdateAction[];
  /** the sections in the order written (repeats kept, for the "only once" check) */
  sections: UpdateSection[];
}

/** A parse or check failure, without the `Invalid XExpression: ` prefix the caller adds. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}
