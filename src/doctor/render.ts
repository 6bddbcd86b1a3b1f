/**
 * The report as people read it (one line per check: ✓ pass, ✗ fail, ! warn, - skip, ? undecided, with the
 * detail and the fix beneath) and as programs read it (`--json`: a stable shape). Pure.
 */
import type { CheckStatus, DoctorReport } from './types.js';

const MARK: Record<CheckStatus, string> = {
  pass: '✓',
  fail: '✗',
  warn: '!',
  skip: '-',
  undecided: '?',
};
const PAINT: Record<CheckStatus, string> = {
  pass: '\x1b[32m',
  fail: '\x1b[31m',
  warn: '\x1b[33m',
  skip: '\x1b[2m',
  undecided: '\x1b[35m',
};

/**
 * Renders a report as text (`?`: undecided, for want of what only the real request carries).
 *
 * @example
 * renderText(report, { color: false }).split('\n')[1]; // '✓ the cluster's issuer is …'
 */
export function renderText(
  r: DoctorReport,
  opts: { color: boolean; notes?: string[] | undefined },
): string {
  const paint = (s: CheckStatus, t: string) => (opts.color ? `${PAINT[s]}${t}\x1b[0m` : t);
  const t = r.target;
  const what = t.pod
    ? `pod ${t.namespace}/${t.pod}${t.serviceAccount ? ` (ServiceAccount ${t.serviceAccount})` : ''}`
    : `ServiceAccount ${t.namespace}/${t.serviceAccount ?? '?'}`;
  const lines = [
    `irsa doctor: ${what}${t.cluster ? ` in cluster ${t.cluster}` : ''}${r.mode === 'static' ? ' (static: from files)' : ''}`,
  ];
  for (const n of opts.notes ?? []) lines.push(`  note: ${n}`);
  for (const c of r.checks) {
    lines.push(`${paint(c.status, MARK[c.status])} ${c.title}`);
    if (c.detail) lines.push(`    ${c.detail}`);
    if (c.fix && c.status !== 'pass' && c.status !== 'skip') lines.push(`    fix: ${c.fix}`);
  }
  const s = r.summary;
  const first = r.checks.find((c) => c.status === 'fail');
  lines.push(
    `${s.pass} passed, ${s.fail} failed, ${s.warn} warning${s.warn === 1 ? '' : 's'}, ${s.skip} skipped${s.undecided > 0 ? `, ${s.undecided} undecided` : ''}${first ? ` — first failing step: ${first.title}` : ''}`,
  );
  return lines.join('\n');
}

/** The `--json` document: `{ mode, target, ok, summary, checks: [{id, title, status, detail, fix}] }`. */
export function renderJson(r: DoctorReport, notes?: string[] | undefined): string {
  return JSON.stringify(
    {
      mode: r.mode,
      target: r.target,
      ok: r.ok,
      summary: r.summary,
      checks: r.checks.map((c) => ({
        id: c.id,
        title: c.title,
        status: c.status,
        detail: c.detail,
        fix: c.fix,
      })),
      notes: notes ?? [],
    },
    null,
    2,
  );
}
