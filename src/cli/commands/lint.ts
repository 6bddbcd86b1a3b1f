/**
 * `irsa lint FILE…`: lints policy documents and prints the findings as text, JSON or SARIF
 * 2.1.0 (for CI code scanning). Exits 1 when a finding at or above `--fail-on` exists.
 */
import { relative, sep } from 'node:path';
import { POLICY_TYPES, type PolicyType } from '../../policy/index.js';
import {
  type Finding,
  type LintResult,
  lintPolicy,
  RULES,
  SEVERITIES,
  type Severity,
  severityRank,
} from '../../policy/lint/index.js';
import { CliError, type Output, readInput } from '../io.js';

export interface LintCommandOptions {
  type?: string;
  format?: string;
  failOn?: string;
  account?: string;
  serviceAccount?: string;
  sizeLimit?: string;
}

export interface FileResult extends LintResult {
  file: string;
}

const FORMATS = ['text', 'json', 'sarif'] as const;

export async function lintCommand(
  files: string[],
  opts: LintCommandOptions,
  io: Output,
): Promise<number> {
  const type = opts.type as PolicyType | undefined;
  if (type && !(POLICY_TYPES as readonly string[]).includes(type)) {
    throw new CliError(`unknown --type \`${type}\`; expected one of ${POLICY_TYPES.join(', ')}`);
  }
  const format = opts.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`unknown --format \`${format}\`; expected text, json or sarif`);
  }
  const failOn = opts.failOn ?? 'high';
  if (failOn !== 'none' && !(SEVERITIES as readonly string[]).includes(failOn)) {
    throw new CliError(
      `unknown --fail-on \`${failOn}\`; expected one of ${[...SEVERITIES].reverse().join(', ')} or none`,
    );
  }
  let serviceAccount: { namespace: string; name: string } | undefined;
  if (opts.serviceAccount) {
    const m = /^([^/:]+)[/:]([^/:]+)$/.exec(opts.serviceAccount);
    if (!m) throw new CliError('--service-account takes NAMESPACE/NAME');
    serviceAccount = { namespace: m[1] as string, name: m[2] as string };
  }
  if (opts.account && !/^\d{12}$/.test(opts.account))
    throw new CliError('--account takes a 12-digit account ID');
  const sizeLimit = opts.sizeLimit === undefined ? undefined : Number(opts.sizeLimit);
  if (sizeLimit !== undefined && !(Number.isInteger(sizeLimit) && sizeLimit > 0)) {
    throw new CliError('--size-limit takes a positive integer');
  }
  const results: FileResult[] = [];
  for (const file of files) {
    const text = await readInput(file);
    results.push({
      file: file === '-' ? '<stdin>' : file,
      ...lintPolicy(text, { type, account: opts.account, serviceAccount, sizeLimit }),
    });
  }
  if (format === 'json') io.out(JSON.stringify(results.map(jsonResult), null, 2));
  else if (format === 'sarif') io.out(JSON.stringify(toSarif(results), null, 2));
  else io.out(toText(results, io.color));
  const threshold = failOn === 'none' ? Number.POSITIVE_INFINITY : severityRank(failOn as Severity);
  const failing = results.some((r) =>
    r.findings.some((f) => severityRank(f.severity) >= threshold),
  );
  return failing ? 1 : 0;
}

function jsonResult(r: FileResult) {
  return {
    file: r.file,
    type: r.type,
    typeGuessed: r.guessed,
    findings: r.findings.map((f) => ({
      code: f.code,
      rule: f.rule,
      severity: f.severity,
      category: f.category,
      message: f.message,
      fix: f.fix,
      line: f.span?.line,
      column: f.span?.column,
      endLine: f.span?.endLine,
      endColumn: f.span?.endColumn,
      statement: f.statement,
      sid: f.sid,
    })),
  };
}

const PAINT: Record<Severity, string> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};

function toText(results: FileResult[], color: boolean): string {
  const lines: string[] = [];
  const paint = (s: Severity, t: string) => (color ? `${PAINT[s]}${t}\x1b[0m` : t);
  const counts = new Map<Severity, number>();
  for (const r of results) {
    lines.push(`${r.file} (${r.type} policy${r.guessed ? ', guessed' : ''})`);
    if (r.findings.length === 0) lines.push('  no findings');
    for (const f of r.findings) {
      counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
      const at = f.span ? `${f.span.line}:${f.span.column}` : '-';
      lines.push(
        `  ${at.padEnd(7)} ${paint(f.severity, f.severity.padEnd(8))} ${f.code.padEnd(4)} ${f.message}`,
      );
      lines.push(`  ${''.padEnd(7)} ${''.padEnd(8)} ${''.padEnd(4)} fix: ${f.fix}`);
    }
    lines.push('');
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const parts = [...SEVERITIES]
    .reverse()
    .flatMap((s) => (counts.get(s) ? [`${counts.get(s)} ${s}`] : []));
  // one clean file has said "no findings" already: no total to repeat it
  if (total > 0) lines.push(`${total} finding${total === 1 ? '' : 's'} (${parts.join(', ')})`);
  else if (results.length > 1) lines.push(`no findings in ${results.length} files`);
  else lines.pop();
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

function toUri(file: string): string {
  if (file === '<stdin>') return 'stdin';
  const rel = relative(process.cwd(), file);
  return (rel.startsWith('..') ? file : rel).split(sep).join('/');
}

/** SARIF 2.1.0: one run, the rules that fired, one result per finding. */
export function toSarif(results: FileResult[]) {
  const used = [...new Set(results.flatMap((r) => r.findings.map((f) => f.code)))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const rules = used.map((code) => {
    const info = RULES[code] as NonNullable<(typeof RULES)[string]>;
    return {
      id: code,
      name: info.rule,
      shortDescription: { text: info.title },
      help: { text: info.title },
      defaultConfiguration: { level: SARIF_LEVEL[info.severity] },
      properties: {
        tags: ['iam', info.category, ...(info.code.startsWith('T') ? ['irsa'] : [])],
        precision: 'high',
        ...(info.category === 'security'
          ? { 'security-severity': SECURITY_SEVERITY[info.severity] }
          : {}),
      },
    };
  });
  const result = (file: string, f: Finding) => ({
    ruleId: f.code,
    ruleIndex: used.indexOf(f.code),
    level: SARIF_LEVEL[f.severity],
    message: { text: `${f.message}. Fix: ${f.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(file) },
          region: f.span
            ? {
                startLine: f.span.line,
                startColumn: f.span.column,
                endLine: f.span.endLine,
                endColumn: f.span.endColumn,
              }
            : { startLine: 1 },
        },
      },
    ],
    properties: {
      severity: f.severity,
      ...(f.statement !== undefined ? { statement: f.statement } : {}),
    },
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'irsakit',
            informationUri: 'https://github.com/irsakit/irsakit',
            semanticVersion: '0.1.0',
            rules,
          },
        },
        results: results.flatMap((r) => r.findings.map((f) => result(r.file, f))),
      },
    ],
  };
}
