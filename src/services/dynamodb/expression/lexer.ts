/**
 * The tokens of DynamoDB's expression language: names, `#name` and `:value` placeholders,
 * list indexes, punctuation and comparators. An unknown character is a token of its own, so
 * that a syntax error can name it as DynamoDB does (`Syntax error; token: "!", near: "!!"`).
 */
import { ExpressionError } from './ast.js';

export type TokenKind = 'name' | 'attrName' | 'attrValue' | 'number' | 'punct' | 'other' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const PUNCT2 = new Set(['<>', '<=', '>=']);
const PUNCT1 = new Set(['(', ')', '[', ']', ',', '.', '=', '<', '>', '+', '-', '#', ':']);

function isWord(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 // _
  );
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Splits an expression into tokens, ending with an `eof` token at its end.
 *
 * @example
 * tokenize('#a = :v').map((t) => t.text) // → ['#a', '=', ':v', '']
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    if (isNameStart(c)) {
      while (i < n && isWord(src.charCodeAt(i))) i++;
      out.push({ kind: 'name', text: src.slice(start, i), start, end: i });
      continue;
    }
    if (c >= 48 && c <= 57) {
      while (i < n && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i++;
      out.push({ kind: 'number', text: src.slice(start, i), start, end: i });
      continue;
    }
    if ((c === 35 || c === 58) && i + 1 < n && isWord(src.charCodeAt(i + 1))) {
      i++;
      while (i < n && isWord(src.charCodeAt(i))) i++;
      out.push({
        kind: c === 35 ? 'attrName' : 'attrValue',
        text: src.slice(start, i),
        start,
        end: i,
      });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      i += 2;
      out.push({ kind: 'punct', text: two, start, end: i });
      continue;
    }
    const one = src[i] as string;
    // a surrogate pair is one character
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
    i += width;
    out.push({
      kind: PUNCT1.has(one) ? 'punct' : 'other',
      text: src.slice(start, i),
      start,
      end: i,
    });
  }
  out.push({ kind: 'eof', text: '', start: n, end: n });
  return out;
}

/**
 * DynamoDB's syntax error at token `i`: the token (or `<EOF>`) and the text from the token
 * before it to the token after it.
 */
export function syntaxError(src: string, tokens: readonly Token[], i: number): ExpressionError {
  const tok = tokens[i] as Token;
  const prev = i > 0 ? (tokens[i - 1] as Token) : tok;
  const after = tokens[i + 1];
  const next = after && after.kind !== 'eof' ? after : tok;
  const near = src.slice(prev.start, tok.kind === 'eof' ? prev.end : next.end);
  return new ExpressionError(
    `Syntax error; token: "${tok.kind === 'eof' ? '<EOF>' : tok.text}", near: "${near}"`,
  );
}
