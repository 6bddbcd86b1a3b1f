/**
 * The audit trail in words: one line per event for `irsa trail`, and `irsa why`'s account of
 * one call, hop by hop from the pod to the decision, naming the deciding statement and the
 * fix. Pure text functions over an event's record and explanation.
 */
import type { Hop, HopTrace, IrsaExplanation, StoredEvent, UserIdentity } from './types.js';
import { oneLine } from '../common/one-line.js';
import { ANONYMOUS } from './user-identity.js';

/** What the text functions read of an event: its record and irsakit's explanation. */
export type RenderedEvent = Pick<StoredEvent, 'record' | 'explanation'>;

/**
 * A caller no principal was established for: `signed(AKIA…)` when the request was signed
 * (refused for its signature, clock or key), `signed(?)` when its signature was refused before
 * the key id could be read, `unsigned` when it carried none.
 */
export function unauthenticatedText(accessKeyId: string | undefined, signed: boolean): string {
  return accessKeyId ? `signed(${accessKeyId})` : signed ? 'signed(?)' : 'unsigned';
}

/**
 * Who called, short: `role/session`, `user/name`, `root`, a service account, or the key a
 * refused signature was made with. `x`, the call's explanation, says whether a caller without
 * a key id signed at all (its signature hop refused it).
 */
export function principalText(u: UserIdentity, x?: Pick<IrsaExplanation, 'hop'>): string {
  switch (u.type) {
    case 'AssumedRole': {
      const role = u.sessionContext?.sessionIssuer?.userName ?? '?';
      const id = u.principalId ?? '';
      return `${role}/${id.slice(id.indexOf(':') + 1)}`;
    }
    case 'IAMUser':
      return `user/${u.userName ?? '?'}`;
    case 'Root':
      return 'root';
    case 'WebIdentityUser': {
      const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(u.userName ?? '');
      return m ? `sa/${m[1]}/${m[2]}` : u.userName || 'web-identity';
    }
    case 'AWSAccount':
      return u.accountId === ANONYMOUS.accountId ? 'anonymous' : `account/${u.accountId ?? '?'}`;
    default:
      return unauthenticatedText(u.accessKeyId, x?.hop === 'signature');
  }
}

/** `sts` for `sts.amazonaws.com`. */
function shortSource(source: string): string {
  return source.replace(/\.amazonaws\.com$/, '');
}

/**
 * One line of `irsa trail`: time, principal, source:event, resource, outcome, request id.
 *
 * @example
 * trailLine(e)
 * // → '2026-11-22T10:50:10Z  sa/production/s3-app  sts:AssumeRoleWithWebIdentity  arn:aws:iam::123456789012:role/s3-app-role  allowed  4d1b…'
 */
export function trailLine(e: RenderedEvent): string {
  const r = e.record;
  const res = r.resources?.[0];
  const resource = res?.ARN ?? res?.ARNPrefix ?? '-';
  const outcome = r.errorCode ?? 'allowed';
  return oneLine(
    [
      r.eventTime,
      principalText(r.userIdentity, e.explanation),
      `${shortSource(r.eventSource)}:${r.eventName}`,
      resource,
      outcome,
      r.requestID,
    ].join('  '),
  );
}

/** One line of `irsa trail --json`: the CloudTrail record with irsakit's explanation beside it. */
export function trailJson(e: RenderedEvent): string {
  return JSON.stringify({ ...e.record, irsaExplanation: e.explanation });
}

const HOP_LABEL: Record<Hop, string> = {
  pod: 'pod / service account',
  token: 'token',
  provider: 'OIDC provider',
  role: 'role',
  trust: 'role trust policy',
  session: 'session',
  request: 'request',
  signature: 'signature',
  credentials: 'credentials',
  scp: 'service control policy',
  rcp: 'resource control policy',
  identity: 'identity policies',
  boundary: 'permissions boundary',
  'session-policy': 'session policy',
  resource: 'resource policy',
  service: 'service',
};

const MARK: Record<HopTrace['status'], string> = {
  ok: '✓',
  failed: '✗',
  skipped: '–',
  'not-reached': '·',
};

/** The label `irsa why` gives a hop. */
export function hopLabel(h: Hop): string {
  return HOP_LABEL[h];
}

/**
 * `irsa why`: the call, its outcome, the chain hop by hop, the decision and the fix.
 *
 * @example
 * whyText(stored).split('\n')[0] // → 'request 4d1b… (event 9f3c…)'
 */
export function whyText(e: RenderedEvent): string {
  const r = e.record;
  const x = e.explanation;
  const lines: string[] = [];
  lines.push(`request ${r.requestID} (event ${r.eventID})`);
  lines.push(
    `${r.eventTime}  ${shortSource(r.eventSource)}:${r.eventName}  by ${principalText(r.userIdentity, x)}${
      r.sourceIPAddress ? ` from ${r.sourceIPAddress}` : ''
    }`,
  );
  lines.push(
    x.outcome === 'allowed'
      ? 'outcome: allowed'
      : `outcome: ${x.outcome} — ${x.message ?? `${r.errorCode ?? 'error'}: ${r.errorMessage ?? ''}`}`.trimEnd(),
  );
  lines.push('');
  const width = Math.max(...x.chain.map((h) => HOP_LABEL[h.hop].length), 8);
  for (const h of x.chain) {
    const head = `  ${MARK[h.status]} ${HOP_LABEL[h.hop].padEnd(width)}  `;
    const shown = h.status !== 'not-reached' && h.status !== 'skipped';
    const facts = shown ? [...(h.facts ?? [])] : [];
    const first =
      h.status === 'not-reached'
        ? 'not reached'
        : h.status === 'skipped'
          ? `${h.subject ?? ''} (not consulted)`.trim()
          : (h.subject ?? facts.shift() ?? '');
    lines.push(`${head}${first}`.trimEnd());
    const pad = ' '.repeat(head.length);
    for (const f of facts) lines.push(`${pad}${f}`);
  }
  lines.push(
    `  ${x.outcome === 'allowed' ? '✓' : '✗'} ${'decision'.padEnd(width)}  ${decisionText(x.outcome, x.hop)}`,
  );
  lines.push('');
  lines.push(`why: ${x.summary}`);
  if (x.fix) lines.push(`fix: ${x.fix}`);
  return lines.join('\n');
}

function decisionText(outcome: string, hop: Hop | undefined): string {
  if (outcome === 'allowed') return 'allowed';
  return `${outcome} at the ${hop ? HOP_LABEL[hop] : 'service'}`;
}
