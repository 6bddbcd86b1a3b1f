/**
 * Text → PolicyDocument. Checks what IAM checks before anything else: the character set,
 * JSON syntax (duplicate keys included), and the grammar's shape (spec/iam-policy.md §2):
 * known elements, value types, scalar-or-array forms, mutually exclusive pairs, known
 * condition operators. Everything type-specific is `validatePolicy`'s job.
 */
import { isKnownOperator } from './condition-operators.js';
import { MSG, malformed, type PolicyProblem } from './errors.js';
import { type JsonNode, type JsonProperty, parseJsonTree } from './json-tree.js';
import {
  type ConditionClause,
  type Located,
  type PolicyDocument,
  type PolicyStatement,
  type PolicyType,
  PRINCIPAL_KINDS,
  type PrincipalElement,
  type PrincipalKind,
  type SourceSpan,
} from './types.js';

export type ParseResult =
  { ok: true; document: PolicyDocument } | { ok: false; error: PolicyProblem };

export interface ParseOptions {
  /** picks IAM's message for unparseable JSON: trust policies say "invalid Json" */
  type?: PolicyType | undefined;
  /** the API parameter named in a character-set error */
  parameter?: string | undefined;
}

/** The elements a policy and a statement may have (IAM's grammar). */
export const TOP_ELEMENTS: ReadonlySet<string> = new Set(['Version', 'Id', 'Statement']);
export const STATEMENT_ELEMENTS: ReadonlySet<string> = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
export const VERSIONS = ['2012-10-17', '2008-10-17'] as const;

/** Index of the first character outside TAB, LF, CR and U+0020–U+00FF, or -1. */
export function findInvalidCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || (c < 0x20 && c !== 9 && c !== 10 && c !== 13)) return i;
  }
  return -1;
}

class SyntaxProblem extends Error {
  readonly detail: string;
  readonly span: SourceSpan | undefined;
  constructor(detail: string, span?: SourceSpan) {
    super(detail);
    this.detail = detail;
    this.span = span;
  }
}

function fail(detail: string, span?: SourceSpan): never {
  throw new SyntaxProblem(detail, span);
}

/**
 * Parses a policy document.
 *
 * @example
 * const r = parsePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}');
 * if (r.ok) r.document.statements[0]?.action // → [{ value: 's3:*', span }]
 */
export function parsePolicy(text: string, options: ParseOptions = {}): ParseResult {
  const bad = findInvalidCharacter(text);
  if (bad >= 0) {
    return {
      ok: false,
      error: {
        code: 'ValidationError',
        httpStatus: 400,
        message: MSG.charset(options.parameter ?? 'policyDocument'),
        detail: `character U+${text.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0')} at offset ${bad} is outside TAB, LF, CR and U+0020–U+00FF`,
      },
    };
  }
  const json = parseJsonTree(text);
  const jsonMessage = options.type === 'trust' ? MSG.invalidJson : MSG.syntax;
  if (!json.ok) {
    const detail =
      json.problem === 'duplicate-key'
        ? `duplicate key \`${json.detail}\``
        : `invalid JSON: ${json.detail}`;
    return { ok: false, error: malformed(jsonMessage, detail, json.span) };
  }
  try {
    return { ok: true, document: toDocument(json.root, text) };
  } catch (e) {
    if (e instanceof SyntaxProblem) {
      return { ok: false, error: malformed(MSG.syntax, e.detail, e.span) };
    }
    throw e;
  }
}

/** Parses a policy given as a JavaScript value (e.g. inline in a simulation case). */
export function parsePolicyValue(value: unknown, options: ParseOptions = {}): ParseResult {
  if (typeof value === 'string') return parsePolicy(value, options);
  return parsePolicy(JSON.stringify(value, null, 2) ?? 'null', options);
}

function toDocument(root: JsonNode, text: string): PolicyDocument {
  if (root.kind !== 'object') fail('a policy must be a JSON object', root.span);
  const keySpans: Partial<Record<string, SourceSpan>> = {};
  let version: string | undefined;
  let id: string | undefined;
  let statementNode: JsonNode | undefined;
  for (const p of root.properties) {
    keySpans[p.key] = p.keySpan;
    if (!TOP_ELEMENTS.has(p.key)) fail(`unknown top-level element \`${p.key}\``, p.keySpan);
    if (p.key === 'Version') {
      if (p.value.kind !== 'string') fail('`Version` must be a string', p.value.span);
      if (!(VERSIONS as readonly string[]).includes(p.value.value)) {
        fail(
          `\`Version\` must be 2012-10-17 or 2008-10-17, not \`${p.value.value}\``,
          p.value.span,
        );
      }
      version = p.value.value;
    } else if (p.key === 'Id') {
      if (p.value.kind !== 'string') fail('`Id` must be a string', p.value.span);
      id = p.value.value;
    } else {
      statementNode = p.value;
    }
  }
  if (!statementNode) fail('the policy has no `Statement`', root.span);
  let nodes: JsonNode[];
  if (statementNode.kind === 'object') nodes = [statementNode];
  else if (statementNode.kind === 'array') nodes = statementNode.items;
  else fail('`Statement` must be an object or an array of objects', statementNode.span);
  if (nodes.length === 0) fail('`Statement` is empty', statementNode.span);
  const statements = nodes.map((n, i) => toStatement(n, i));
  return { version, id, statements, text, keySpans };
}

function stringList(p: JsonProperty): Located<string>[] {
  const v = p.value;
  if (v.kind === 'string') return [{ value: v.value, span: v.span }];
  if (v.kind !== 'array') fail(`\`${p.key}\` must be a string or an array of strings`, v.span);
  return v.items.map((item) => {
    if (item.kind !== 'string') {
      fail(`\`${p.key}\` must be a string or an array of strings`, item.span);
    }
    return { value: item.value, span: item.span };
  });
}

function toPrincipal(p: JsonProperty): PrincipalElement {
  const v = p.value;
  if (v.kind === 'string') {
    if (v.value !== '*') fail(`\`${p.key}\` must be "*" or an object`, v.span);
    return { star: true, entries: [], span: v.span };
  }
  if (v.kind !== 'object') fail(`\`${p.key}\` must be "*" or an object`, v.span);
  const entries: PrincipalElement['entries'] = [];
  for (const kp of v.properties) {
    if (!(PRINCIPAL_KINDS as readonly string[]).includes(kp.key)) {
      fail(`unknown principal type \`${kp.key}\` in \`${p.key}\``, kp.keySpan);
    }
    for (const item of stringList(kp)) {
      entries.push({ kind: kp.key as PrincipalKind, value: item.value, span: item.span });
    }
  }
  return { star: false, entries, span: v.span };
}

function scalarText(n: JsonNode, where: string): Located<string> {
  switch (n.kind) {
    case 'string':
      return { value: n.value, span: n.span };
    case 'number':
      return { value: n.raw, span: n.span };
    case 'boolean':
      return { value: n.value ? 'true' : 'false', span: n.span };
    default:
      return fail(`condition values of ${where} must be strings, numbers or booleans`, n.span);
  }
}

function toConditions(p: JsonProperty): ConditionClause[] {
  const v = p.value;
  if (v.kind !== 'object') fail('`Condition` must be an object', v.span);
  const clauses: ConditionClause[] = [];
  for (const op of v.properties) {
    if (op.value.kind !== 'object') {
      fail(`condition operator \`${op.key}\` must map keys to values`, op.value.span);
    }
    const entries = op.value.properties;
    if (!isKnownOperator(op.key)) {
      // IAM tolerates an unknown operator only when its key map is empty (spec §6)
      if (entries.length > 0) fail(`unknown condition operator \`${op.key}\``, op.keySpan);
      continue;
    }
    for (const k of entries) {
      const where = `\`${op.key}\` \`${k.key}\``;
      const values =
        k.value.kind === 'array'
          ? k.value.items.map((item) => scalarText(item, where))
          : [scalarText(k.value, where)];
      clauses.push({
        operator: op.key,
        key: k.key,
        values,
        span: k.keySpan,
        operatorSpan: op.keySpan,
      });
    }
  }
  return clauses;
}

function toStatement(n: JsonNode, index: number): PolicyStatement {
  if (n.kind !== 'object') fail('each statement must be an object', n.span);
  const keySpans: Partial<Record<string, SourceSpan>> = {};
  const s: PolicyStatement = { index, effect: '', conditions: [], span: n.span, keySpans };
  let sawEffect = false;
  for (const p of n.properties) {
    keySpans[p.key] = p.keySpan;
    switch (p.key) {
      case 'Sid':
        if (p.value.kind !== 'string') fail('`Sid` must be a string', p.value.span);
        s.sid = p.value.value;
        break;
      case 'Effect':
        if (p.value.kind !== 'string') fail('`Effect` must be a string', p.value.span);
        if (!/^(allow|deny)$/i.test(p.value.value)) {
          fail(`\`Effect\` must be Allow or Deny, not \`${p.value.value}\``, p.value.span);
        }
        s.effect = p.value.value;
        sawEffect = true;
        break;
      case 'Action':
        s.action = stringList(p);
        break;
      case 'NotAction':
        s.notAction = stringList(p);
        break;
      case 'Resource':
        s.resource = stringList(p);
        break;
      case 'NotResource':
        s.notResource = stringList(p);
        break;
      case 'Principal':
        s.principal = toPrincipal(p);
        break;
      case 'NotPrincipal':
        s.notPrincipal = toPrincipal(p);
        break;
      case 'Condition':
        s.conditions = toConditions(p);
        break;
      default:
        if (!STATEMENT_ELEMENTS.has(p.key))
          fail(`unknown statement element \`${p.key}\``, p.keySpan);
    }
  }
  if (!sawEffect) fail(`statement ${index} has no \`Effect\``, n.span);
  const both = (a: string, b: string) => {
    if (keySpans[a] && keySpans[b])
      fail(`a statement cannot have both \`${a}\` and \`${b}\``, keySpans[b]);
  };
  both('Action', 'NotAction');
  both('Resource', 'NotResource');
  both('Principal', 'NotPrincipal');
  return s;
}
