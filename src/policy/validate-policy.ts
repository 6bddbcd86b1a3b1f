/**
 * Per-type validation with IAM's `MalformedPolicyDocument` messages and the size quotas
 * (`LimitExceeded`), in the order IAM applies its checks (spec/iam-policy.md §2, §13):
 * version, legacy parsing, Sids, actions, resource formats, vendors, then what the policy
 * type requires or forbids, then size. IAM reports the first problem; lint shows them all.
 *
 * Two modes: `save` is what IAM enforces when a policy is created or put; `evaluate` keeps
 * only what evaluation cannot do without (used by `irsa simulate` on documents that never
 * went through IAM).
 */
import { parseArn } from './arn.js';
import { parseOperator } from './condition-operators.js';
import { limitExceeded, MSG, malformed, type PolicyProblem } from './errors.js';
import { compileGlob, matchGlob } from './glob.js';
import { WELL_KNOWN_FEDERATED } from './principal.js';
import type {
  PolicyDocument,
  PolicyStatement,
  PolicyType,
  PrincipalKind,
  SourceSpan,
} from './types.js';
import { parseDate } from './values.js';

export interface ValidateOptions {
  mode?: 'save' | 'evaluate' | undefined;
  /** overrides the type's default size quota; null disables the size check */
  sizeLimit?: number | null | undefined;
  /** save-time check that a named principal exists (IAM stores principals as unique IDs) */
  principalExists?: ((kind: PrincipalKind, value: string) => boolean) | undefined;
}

export const PARTITIONS: readonly string[] = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

/** The STS actions a trust policy may name (spec §2). */
export const TRUST_ACTIONS: readonly string[] = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
  'sts:DecodeAuthorizationMessage',
  'sts:GetAccessKeyInfo',
  'sts:GetCallerIdentity',
  'sts:GetFederationToken',
  'sts:GetServiceBearerToken',
  'sts:GetSessionToken',
];

const IAM_PATHS = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
];

const IDENTITY_LIKE: ReadonlySet<PolicyType> = new Set(['identity', 'boundary', 'session']);
const PRINCIPAL_REQUIRED: ReadonlySet<PolicyType> = new Set(['resource', 'trust', 'rcp']);
const IAM_SIDS: ReadonlySet<PolicyType> = new Set(['identity', 'boundary', 'session', 'trust']);

/** The default size quota of a policy type and whether whitespace counts toward it. */
export function sizeQuota(type: PolicyType): { limit: number; whitespace: boolean } | undefined {
  switch (type) {
    case 'identity':
    case 'boundary':
      return { limit: 6144, whitespace: false };
    case 'trust':
      return { limit: 2048, whitespace: false };
    case 'scp':
    case 'rcp':
      return { limit: 5120, whitespace: true };
    default:
      return undefined;
  }
}

/** A policy's size as IAM counts it: characters, without whitespace unless it counts. */
export function policySize(text: string, countWhitespace: boolean): number {
  if (countWhitespace) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) n++;
  }
  return n;
}

type Check = (problem: PolicyProblem) => void;

/**
 * Validates a parsed document as a policy of `type`.
 *
 * @example
 * validatePolicy(doc, 'identity')[0]?.message // → 'Policy statement must contain resources.'
 */
export function validatePolicy(
  doc: PolicyDocument,
  type: PolicyType,
  options: ValidateOptions = {},
): PolicyProblem[] {
  const save = (options.mode ?? 'save') === 'save';
  const problems: PolicyProblem[] = [];
  const report: Check = (p) => problems.push(p);
  const st = doc.statements;

  if (save && IDENTITY_LIKE.has(type) && doc.version !== '2012-10-17') {
    report(
      malformed(
        MSG.version,
        doc.version ? `\`Version\` is ${doc.version}` : 'the policy has no `Version`',
        doc.keySpans.Version,
      ),
    );
  }

  let resourceError: PolicyProblem | undefined;
  if (save) {
    for (const s of st) {
      if (s.effect !== 'Allow' && s.effect !== 'Deny') {
        report(
          malformed(
            MSG.legacy,
            `\`Effect\` must be spelt exactly Allow or Deny, not \`${s.effect}\``,
            s.keySpans.Effect,
          ),
        );
      }
      for (const c of s.conditions) {
        if (parseOperator(c.operator)?.family !== 'Date') continue;
        for (const v of c.values) {
          if (!legacyDateValid(v.value)) {
            report(
              malformed(
                MSG.legacy,
                `\`${v.value}\` is not a date (${c.operator} ${c.key})`,
                v.span,
              ),
            );
          }
        }
      }
    }
    for (const s of st) {
      for (const r of [...(s.resource ?? []), ...(s.notResource ?? [])]) {
        const e = resourceFormatError(r.value);
        if (e)
          resourceError ??= malformed(
            e,
            `resource \`${r.value}\` is not a valid ARN pattern`,
            r.span,
          );
        else if (!resourceError && legacyResourceFails(r.value)) {
          report(malformed(MSG.legacy, `resource \`${r.value}\` is not a well-formed ARN`, r.span));
        }
      }
    }
    if (IAM_SIDS.has(type)) {
      const seen = new Set<string>();
      for (const s of st) {
        if (!s.sid) continue;
        if (seen.has(s.sid))
          report(malformed(MSG.sidUnique, `Sid \`${s.sid}\` is used twice`, s.keySpans.Sid));
        seen.add(s.sid);
      }
      for (const s of st) {
        if (s.sid && !/^[0-9A-Za-z]*$/.test(s.sid)) {
          report(
            malformed(
              MSG.sidAlnum,
              `Sid \`${s.sid}\` has characters other than letters and digits`,
              s.keySpans.Sid,
            ),
          );
        }
      }
    }
  }

  for (const s of st) {
    const list = s.action ?? s.notAction;
    if (!list || list.length === 0) {
      report(
        malformed(MSG.needActions, `statement ${label(s)} has no Action or NotAction`, s.span),
      );
    }
  }

  if (save) {
    if (resourceError) report(resourceError);
    for (const s of st) {
      for (const a of [...(s.action ?? []), ...(s.notAction ?? [])]) {
        const e = actionError(a.value);
        if (e)
          report(malformed(e, `action \`${a.value}\` is not of the form service:action`, a.span));
      }
    }
  }

  if (IDENTITY_LIKE.has(type) || type === 'scp') {
    for (const s of st) {
      const el = s.principal ? 'Principal' : s.notPrincipal ? 'NotPrincipal' : undefined;
      if (el && save) {
        report(
          malformed(
            type === 'scp' ? MSG.scpPrincipal : MSG.noPrincipal,
            `statement ${label(s)} names a principal; ${type} policies apply to whoever they are attached to`,
            s.keySpans[el],
          ),
        );
      }
    }
  }
  if (save && IDENTITY_LIKE.has(type)) {
    for (const s of st) {
      const list = s.resource ?? s.notResource;
      if (!list || list.length === 0) {
        report(
          malformed(
            MSG.needResources,
            `statement ${label(s)} has no Resource or NotResource`,
            s.span,
          ),
        );
      }
    }
  }

  if (PRINCIPAL_REQUIRED.has(type)) {
    for (const s of st) {
      if (!s.principal && !s.notPrincipal) {
        report(malformed(MSG.needPrincipal, `statement ${label(s)} has no Principal`, s.span));
      }
    }
  }

  if (type === 'trust') {
    for (const s of st) {
      const el = s.resource ? 'Resource' : s.notResource ? 'NotResource' : undefined;
      if (el) {
        report(
          malformed(
            MSG.prohibitedResource,
            `statement ${label(s)} has ${el}; a trust policy's resource is the role itself`,
            s.keySpans[el],
          ),
        );
      }
    }
    if (save) {
      for (const s of st) {
        for (const a of s.action ?? []) {
          const g = compileGlob(a.value.toLowerCase());
          if (!TRUST_ACTIONS.some((t) => matchGlob(g, t.toLowerCase()))) {
            report(malformed(MSG.trustActions, `\`${a.value}\` is not an STS action`, a.span));
          }
        }
        // NotAction always leaves non-STS actions in: never a valid trust statement
        if (s.notAction) {
          report(
            malformed(
              MSG.trustActions,
              'NotAction in a trust policy allows actions other than STS ones',
              s.keySpans.NotAction,
            ),
          );
        }
      }
    }
  }

  if (type === 'rcp') {
    for (const s of st) {
      // RCPFullAWSAccess, the one Allow RCP, is AWS's own; it is evaluated but cannot be saved
      if (save && s.effect.toLowerCase() !== 'deny') {
        report(malformed(MSG.rcpEffect, `statement ${label(s)} is an Allow`, s.keySpans.Effect));
      }
      const p = s.principal;
      const star =
        p &&
        (p.star ||
          (p.entries.length === 1 && p.entries[0]?.kind === 'AWS' && p.entries[0].value === '*'));
      if (save && (s.principal || s.notPrincipal) && !star) {
        report(
          malformed(
            MSG.rcpPrincipal,
            `statement ${label(s)} must name "Principal": "*"`,
            s.keySpans.Principal ?? s.keySpans.NotPrincipal,
          ),
        );
      }
    }
  }

  if (save && (PRINCIPAL_REQUIRED.has(type) || type === 'resource')) {
    for (const s of st) {
      for (const e of [...(s.principal?.entries ?? []), ...(s.notPrincipal?.entries ?? [])]) {
        const valid = principalValueValid(e.kind, e.value);
        const exists = valid && (options.principalExists?.(e.kind, e.value) ?? true);
        if (!exists) {
          report(
            malformed(
              // IAM spells the kind of a service principal in capitals here
              MSG.invalidPrincipal(e.kind === 'Service' ? 'SERVICE' : e.kind, e.value),
              valid
                ? `\`${e.value}\` does not exist`
                : `\`${e.value}\` is not a valid ${e.kind} principal`,
              e.span,
            ),
          );
        }
      }
    }
  }

  if (save && options.sizeLimit !== null) {
    const quota = sizeQuota(type);
    const limit = options.sizeLimit ?? quota?.limit;
    if (limit !== undefined) {
      const size = policySize(doc.text, quota?.whitespace ?? false);
      if (size > limit) {
        const message = type === 'trust' ? MSG.trustSize(limit) : MSG.managedSize(limit);
        report(limitExceeded(message, `the policy is ${size} characters; the quota is ${limit}`));
      }
    }
  }
  return problems;
}

function label(s: PolicyStatement): string {
  return s.sid ? `\`${s.sid}\`` : `#${s.index}`;
}

/** IAM's resource-format message for `r`, or undefined when the format is acceptable. */
export function resourceFormatError(r: string): string | undefined {
  if (r === '*') return undefined;
  const first = r.indexOf(':');
  // IAM does not insist that the first field reads `arn`: `aws:s3:::b` is a partition error
  if (first < 0) return MSG.resourceArn(r);
  const afterArn = r.slice(first + 1);
  const second = afterArn.indexOf(':');
  const partition = second < 0 ? afterArn : afterArn.slice(0, second);
  const rest = second < 0 ? '' : afterArn.slice(second + 1);
  if (partition !== '*' && !PARTITIONS.includes(partition)) {
    const parts = rest.split(':');
    const a1 = parts[0] !== '' || parts.length > 1 ? (parts[0] as string) : '*';
    const a2 = parts.length > 1 ? (parts[1] as string) : '*';
    const a3 = parts.length > 2 ? (parts[2] as string) : '*';
    const a4 = parts.length > 3 ? parts.slice(3).join(':') : '*';
    return MSG.partition(partition, `arn:${partition}:${a1}:${a2}:${a3}:${a4}`);
  }
  if (second < 0) return MSG.vendorQualified;
  const svcEnd = rest.indexOf(':');
  const service = svcEnd < 0 ? rest : rest.slice(0, svcEnd);
  if (/[*?]/.test(service)) return MSG.vendorQualified;
  const arn = parseArn(r);
  if (!arn) return undefined;
  if (service === 'iam') {
    if (arn.region !== '') return MSG.iamRegion(r);
    if (arn.resource !== '*' && !IAM_PATHS.some((p) => arn.resource.startsWith(p)))
      return MSG.iamPath;
  }
  if (service === 's3' && arn.region !== '' && !arn.resource.startsWith('accesspoint/')) {
    return MSG.s3Region(r);
  }
  return undefined;
}

/** IAM's legacy date check: W3C ISO 8601 (a `T`, no blanks) or epoch seconds within 64 bits. */
function legacyDateValid(v: string): boolean {
  if (/\s/.test(v)) return false;
  if (/^\d+$/.test(v)) return BigInt(v) <= 9223372036854775807n;
  return !Number.isNaN(parseDate(v));
}

function legacyResourceFails(r: string): boolean {
  if (r === '*') return false;
  const colons = r.split(':').length - 1;
  if (colons < 5 && r.includes('::')) return true;
  return r.split(':')[2] === '';
}

/** IAM's message for a malformed action name, or undefined. */
export function actionError(a: string): string | undefined {
  if (a === '*') return undefined;
  const parts = a.split(':');
  if (parts.length === 1) return MSG.vendorPrefix;
  if (parts.length > 2) return MSG.oneColon;
  const vendor = parts[0] as string;
  if (vendor !== '*' && /[^a-zA-Z0-9.-]/.test(vendor)) return MSG.vendorInvalid(vendor);
  return undefined;
}

const ACCOUNT_ID = /^\d{12}$/;
const UNIQUE_ID = /^A[A-Z0-9]{15,127}$/;

/** Whether a principal value is well formed for its kind (no partial wildcards, §5). */
export function principalValueValid(kind: PrincipalKind, v: string): boolean {
  switch (kind) {
    case 'AWS': {
      if (v === '*' || ACCOUNT_ID.test(v) || UNIQUE_ID.test(v)) return true;
      if (/[*?]/.test(v)) return false;
      const arn = parseArn(v);
      if (
        !arn ||
        !PARTITIONS.includes(arn.partition) ||
        !ACCOUNT_ID.test(arn.account) ||
        arn.region !== ''
      )
        return false;
      if (arn.service === 'iam')
        return arn.resource === 'root' || /^(user|role)\/./.test(arn.resource);
      if (arn.service === 'sts')
        return /^(assumed-role\/[^/]+\/.+|federated-user\/.+)$/.test(arn.resource);
      return false;
    }
    case 'Federated': {
      if (WELL_KNOWN_FEDERATED.has(v)) return true;
      const arn = parseArn(v);
      return (
        !!arn &&
        arn.service === 'iam' &&
        ACCOUNT_ID.test(arn.account) &&
        /^(oidc-provider|saml-provider)\/[^*?]+$/.test(arn.resource)
      );
    }
    case 'Service':
      return /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.(amazonaws\.com(\.cn)?|c2s\.ic\.gov|sc2s\.sgov\.gov)$/.test(
        v,
      );
    case 'CanonicalUser':
      return /^[0-9a-f]{64}$/.test(v);
  }
}

/** The first problem, as IAM would report it, or undefined. */
export function firstProblem(problems: readonly PolicyProblem[]): PolicyProblem | undefined {
  return problems[0];
}

export type { SourceSpan };
