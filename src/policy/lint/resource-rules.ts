/**
 * Lint rule P24: a statement whose actions apply to none of its resources. IAM accepts such an
 * identity policy, and the statement allows (or denies) nothing; S3 refuses such a bucket
 * policy (`MalformedPolicy: Action does not apply to any resource(s) in statement`). Judged
 * only where the resource types are known: S3's object, bucket and account actions
 * (s3-actions.ts) against `arn:aws:s3:::` ARNs, and, for a few services whose every resource
 * type is an ARN of their own, an action of the service on ARNs only of other services. A
 * statement with `*`, NotAction, NotResource, a wildcard service or an action whose resource
 * type is unknown is never reported.
 */
import { compileGlob, matchGlob } from '../glob.js';
import type { PolicyDocument, PolicyStatement, PolicyType } from '../types.js';
import { S3_ACCOUNT_ACTIONS, S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS } from './s3-actions.js';
import { hasWildcard, label, quoteList, type Report } from './util.js';

type S3Kind = 'object' | 'bucket' | 'account';

const S3_KIND_OF: readonly (readonly [string, S3Kind])[] = [
  ...S3_OBJECT_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, 'object'] as const),
  ...S3_BUCKET_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, 'bucket'] as const),
  ...S3_ACCOUNT_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, 'account'] as const),
];

/**
 * Services whose every resource type is an ARN of the listed services (the Service
 * Authorization Reference): an action of one of them on ARNs only of other services applies to
 * none. STS's role actions take the role's IAM ARN; S3's actions also take S3 Object Lambda
 * access points. A service not listed here (SSM's SendCommand takes EC2 instances, EC2's
 * RunInstances license configurations, …) is never judged.
 */
const OWN_RESOURCES: ReadonlyMap<string, readonly string[]> = new Map([
  ['s3', ['s3', 's3-object-lambda']],
  ['sqs', ['sqs']],
  ['sns', ['sns']],
  ['dynamodb', ['dynamodb']],
  ['secretsmanager', ['secretsmanager']],
  ['kms', ['kms']],
  ['lambda', ['lambda']],
  ['logs', ['logs']],
  ['ecr', ['ecr']],
  ['eks', ['eks']],
  ['iam', ['iam']],
  ['sts', ['sts', 'iam']],
]);

/** The kinds of resource an S3 action pattern applies to; undefined when not all are known. */
function s3ActionKinds(action: string): Set<S3Kind> | undefined {
  const g = compileGlob(action.toLowerCase());
  const kinds = new Set<S3Kind>();
  for (const [name, kind] of S3_KIND_OF) if (matchGlob(g, name)) kinds.add(kind);
  // a name S3 has but the catalogue lacks: its type is unknown
  return kinds.size > 0 ? kinds : undefined;
}

/**
 * The kinds of S3 resource an `arn:…:s3:::` pattern can name: an object (`bucket/key`), a
 * bucket (no slash), both when a wildcard in the bucket part can reach past a slash, and the
 * account-level `*` (irsakit authorizes ListAllMyBuckets on `arn:aws:s3:::*`).
 */
function s3ResourceKinds(rest: string): Set<S3Kind> {
  if (rest.includes('/')) return new Set(['object']);
  const kinds = new Set<S3Kind>(['bucket']);
  if (hasWildcard(rest)) kinds.add('object');
  if (matchGlob(compileGlob(rest), '*')) kinds.add('account');
  return kinds;
}

interface ResourceInfo {
  value: string;
  service: string;
  /** the resource part of an `arn:…:s3:::` ARN (region and account empty) */
  s3?: string | undefined;
}

/** A resource as the rule sees it; undefined when it may name anything (`*`, a wildcard service). */
function resourceInfo(value: string): ResourceInfo | undefined {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const service = (parts[2] as string).toLowerCase();
  if (service === '' || hasWildcard(service) || service.includes('$')) return undefined;
  const s3 =
    service === 's3' && parts[3] === '' && parts[4] === '' ? parts.slice(5).join(':') : undefined;
  return { value, service, s3 };
}

type Applies = (r: ResourceInfo) => boolean;

/** Which resources an action applies to; undefined when unknown (then nothing is reported). */
function appliesTo(action: string): { applies: Applies; kinds?: Set<S3Kind> } | undefined {
  const colon = action.indexOf(':');
  if (colon < 0) return undefined;
  const service = action.slice(0, colon).toLowerCase();
  if (hasWildcard(service)) return undefined;
  const own = OWN_RESOURCES.get(service);
  if (!own) return undefined;
  if (service !== 's3') return { applies: (r) => own.includes(r.service) };
  const kinds = s3ActionKinds(action);
  return {
    kinds,
    applies: (r) => {
      if (!own.includes(r.service)) return false;
      // an access point's or Object Lambda's ARN: its types are not judged here
      if (r.s3 === undefined || !kinds) return true;
      const named = s3ResourceKinds(r.s3);
      return [...kinds].some((k) => named.has(k));
    },
  };
}

const KIND_TEXT: Record<S3Kind, string> = {
  object: 'objects',
  bucket: 'buckets',
  account: 'no resource (account level)',
};

/** The resource forms that would fit the S3 kinds, from the buckets the statement names. */
function s3Forms(kinds: ReadonlySet<S3Kind>, resources: readonly ResourceInfo[]): string[] {
  const buckets = [
    ...new Set(
      resources
        .filter((r) => r.s3 !== undefined)
        .map(
          (r) =>
            `${r.value.slice(0, r.value.length - (r.s3 as string).length)}${(r.s3 as string).split('/')[0]}`,
        ),
    ),
  ];
  const out: string[] = [];
  if (kinds.has('object'))
    out.push(...(buckets.length > 0 ? buckets.map((b) => `${b}/*`) : ['arn:aws:s3:::<bucket>/*']));
  if (kinds.has('bucket')) out.push(...(buckets.length > 0 ? buckets : ['arn:aws:s3:::<bucket>']));
  if (kinds.has('account')) out.push('*');
  return out;
}

function statementFinding(s: PolicyStatement, type: PolicyType, report: Report): void {
  const actions = (s.action ?? []).map((a) => a.value);
  const resources: ResourceInfo[] = [];
  for (const r of s.resource ?? []) {
    const info = resourceInfo(r.value);
    if (!info) return;
    resources.push(info);
  }
  if (actions.length === 0 || resources.length === 0) return;
  const judged = [];
  for (const a of actions) {
    const j = appliesTo(a);
    if (!j) return;
    if (resources.some(j.applies)) return;
    judged.push({ action: a, ...j });
  }
  const services = [...new Set(actions.map((a) => a.slice(0, a.indexOf(':')).toLowerCase()))];
  const resourceServices = [...new Set(resources.map((r) => r.service))];
  const wrongService = !resources.some((r) =>
    services.some((svc) => OWN_RESOURCES.get(svc)?.includes(r.service)),
  );
  const nothing = s.effect === 'Deny' ? 'denies nothing' : 'allows nothing';
  let message: string;
  let fix: string;
  if (wrongService) {
    message = `${label(s)}: ${quoteList(actions)} ${actions.length > 1 ? 'apply' : 'applies'} only to ${quoteList(services)} resources, but its Resource names only ${quoteList(resourceServices)} ARNs: the statement ${nothing}`;
    fix = `name the ${services.join(' / ')} resources the actions are meant for (${services.map((svc) => (svc === 's3' ? 'arn:aws:s3:::<bucket>/*' : `arn:aws:${svc}:…`)).join(', ')}), or move the actions to a statement of their own`;
    if (type === 'resource')
      message +=
        '; IAM Access Analyzer reports it as an error (Unsupported resource ARN in policy)';
  } else {
    const kinds = new Set(judged.flatMap((j) => [...(j.kinds ?? [])]));
    const named = new Set(
      resources.flatMap((r) => (r.s3 === undefined ? [] : [...s3ResourceKinds(r.s3)])),
    );
    message = `${label(s)}: ${quoteList(actions)} ${actions.length > 1 ? 'apply' : 'applies'} to ${[...kinds].map((k) => KIND_TEXT[k]).join(' and ')}, but its Resource names only ${[...named].map((k) => KIND_TEXT[k]).join(' and ')}: the statement ${nothing}`;
    if (type === 'resource')
      message +=
        '; S3 refuses such a bucket policy (MalformedPolicy: Action does not apply to any resource(s) in statement)';
    fix = `name the resources in the form the actions take: ${quoteList(s3Forms(kinds, resources))}`;
  }
  report('P24', {
    message,
    fix,
    severity: type === 'resource' ? 'high' : 'medium',
    span: s.keySpans.Resource ?? s.keySpans.Action,
    statement: s,
  });
}

/**
 * Reports statements whose actions apply to none of their resources.
 *
 * @example
 * // {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket"}
 * lintResourceTypes(doc, report, 'identity') // P24: name `arn:aws:s3:::my-bucket/*`
 */
export function lintResourceTypes(doc: PolicyDocument, report: Report, type: PolicyType): void {
  for (const s of doc.statements) {
    if (s.notAction || s.notResource || !s.action || !s.resource) continue;
    statementFinding(s, type, report);
  }
}
