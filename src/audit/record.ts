/**
 * One call → one CloudTrail record (spec/aws-wire.md §11), plus irsakit's explanation and
 * the columns the trail's filters use. Pure: the edge's event in, the entry out; the event id
 * is passed in. What the operation noted in `ctx.audit` wins; for a service that noted
 * nothing the record still has sensible defaults (eventSource `<service>.amazonaws.com`,
 * eventName the operation, requestParameters null, resources from the authorizations).
 * Query services (STS, IAM) get their requestParameters from the form parameters, in
 * CloudTrail's camelCase, without the web-identity token or any other secret.
 */
import { boundedCache } from '../common/bounded-cache.js';
import type { AwsError } from '../common/aws-error.js';
import { table } from '../common/own.js';
import { isoSeconds } from '../common/times.js';
import { providerArn as oidcProviderArn } from '../iam/names.js';
import type { AwsCallEvent } from '../server/aws/edge.js';
import { askedParams } from '../server/aws/query-params.js';
import { sessionOfCaller } from '../sts/session-context.js';
import { providerUrlOf } from '../sts/web-identity-token.js';
import { explainCall, serviceAccountBehind, tokenUnverified } from './explain.js';
import {
  bounded,
  cloudTrailElements,
  javaDate,
  queryRequestParameters,
  withoutSecrets,
} from './parameters.js';
import type {
  AuditEntry,
  CloudTrailRecord,
  EntryIndex,
  IrsaExplanation,
  RecordResource,
  UserIdentity,
} from './types.js';
import {
  ANONYMOUS,
  callerIdentity,
  type TokenClaims,
  tokenClaims,
  type WebIdentityFacts,
  webIdentityUser,
} from './user-identity.js';
import { withoutSignature } from './redact.js';

export interface BuildOptions {
  /** the record's eventID (a UUID) */
  eventId: string;
  /** the account of calls whose account is unknown (a refused signature) */
  defaultAccount?: string | undefined;
  /**
   * told when explaining the call threw (a detail shape the explainer does not know); the
   * entry then carries a plain explanation. The builder itself writes nothing anywhere.
   */
  onExplainError?: ((error: unknown) => void) | undefined;
}

const SOURCES: Readonly<Record<string, string>> = table({
  'eks-auth': 'eks-auth.amazonaws.com',
});

/** IAM resource types by the ARN's resource kind (a caller's RoleArn names any kind) */
const IAM_TYPES: Readonly<Record<string, string>> = table({
  role: 'AWS::IAM::Role',
  user: 'AWS::IAM::User',
  group: 'AWS::IAM::Group',
  policy: 'AWS::IAM::Policy',
  'oidc-provider': 'AWS::IAM::OIDCProvider',
  'instance-profile': 'AWS::IAM::InstanceProfile',
});

/** Operations CloudTrail marks readOnly (Get*, List*, Describe*, …; AssumeRole* [inferred]). */
const READ_ONLY =
  /^(Get|List|Describe|Head|Lookup|Simulate|Query|Scan|BatchGet|Receive|Select|AssumeRole|Decode|Check)/;

/** The EKS REST operations by method and path (the route names none). */
function eksOperation(method: string, path: string): string | undefined {
  if (/^\/clusters\/?$/.test(path)) return method === 'POST' ? 'CreateCluster' : 'ListClusters';
  if (/^\/clusters\/[^/]+\/assume-role-for-pod-identity$/.test(path))
    return 'AssumeRoleForPodIdentity';
  if (/^\/clusters\/[^/]+\/?$/.test(path))
    return method === 'DELETE' ? 'DeleteCluster' : method === 'GET' ? 'DescribeCluster' : undefined;
  return undefined;
}

/** CloudTrail's resource type of an ARN (`AWS::IAM::Role`, `AWS::S3::Object`, …). */

export function resourceType(arn: string): string | undefined {
  const m = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.*)$/.exec(arn);
  if (!m) return undefined;
  const [, service, rest] = m as unknown as [string, string, string];
  const kind = rest.split(/[/:]/)[0] ?? '';
  switch (service) {
    case 'iam':
      return IAM_TYPES[kind];
    case 's3':
      return rest.includes('/') ? 'AWS::S3::Object' : 'AWS::S3::Bucket';
    case 'sqs':
      return 'AWS::SQS::Queue';
    case 'dynamodb':
      return kind === 'table' && rest.includes('/index/')
        ? 'AWS::DynamoDB::Index'
        : 'AWS::DynamoDB::Table';
    case 'secretsmanager':
      return 'AWS::SecretsManager::Secret';
    case 'eks':
      return 'AWS::EKS::Cluster';
    case 'sts':
      return kind === 'assumed-role' ? 'AWS::STS::AssumedRole' : undefined;
    default:
      return undefined;
  }
}

function accountOfArn(arn: string | undefined): string | undefined {
  const a = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn ?? '')?.[1];
  return a;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The LookupEvents `Username` of an identity (§11.5). */
export function usernameOf(u: UserIdentity): string | undefined {
  switch (u.type) {
    case 'IAMUser':
    case 'WebIdentityUser':
      return u.userName;
    case 'AssumedRole': {
      const id = u.principalId ?? '';
      return id.includes(':') ? id.slice(id.indexOf(':') + 1) : undefined;
    }
    case 'Root':
      return 'root';
    default:
      return undefined;
  }
}

/** The provider ARN a token's issuer names in the role's account, as STS maps it. */
function providerOfIssuer(
  account: string | undefined,
  iss: string | undefined,
): string | undefined {
  const url = iss === undefined ? undefined : providerUrlOf(iss);
  return account && url ? oidcProviderArn(account, url) : undefined;
}

/** What AssumeRoleWithWebIdentity presented: verified facts first, the token's claims else. */
function webFacts(
  e: AwsCallEvent,
  claims: TokenClaims | undefined,
  response: Record<string, unknown> | null,
  roleAccount: string | undefined,
): WebIdentityFacts {
  const d = isObj(e.error?.detail) ? e.error.detail : {};
  const principal =
    typeof d.principal === 'string' && d.principal.includes(':oidc-provider/')
      ? d.principal
      : undefined;
  const providerArn =
    (typeof response?.provider === 'string' ? response.provider : undefined) ??
    principal ??
    (typeof d.providerArn === 'string' ? d.providerArn : undefined) ??
    providerOfIssuer(roleAccount, claims?.iss);
  const url = providerArn?.slice(providerArn.indexOf(':oidc-provider/') + ':oidc-provider/'.length);
  const ctxAud = isObj(d.context) && url ? d.context[`${url}:aud`] : undefined;
  return {
    providerArn,
    aud:
      (typeof response?.audience === 'string' ? response.audience : undefined) ??
      (typeof ctxAud === 'string'
        ? ctxAud
        : Array.isArray(ctxAud)
          ? String(ctxAud[0])
          : undefined) ??
      claims?.aud[0],
    sub:
      (typeof response?.subjectFromWebIdentityToken === 'string'
        ? response.subjectFromWebIdentityToken
        : undefined) ??
      (typeof d.sub === 'string' ? d.sub : undefined) ??
      claims?.sub,
  };
}

/** CloudTrail writes STS credential expirations Java-style: `Nov 22, 2026, 11:50:10 AM`. */
function normalizeCredentials(r: Record<string, unknown>): Record<string, unknown> {
  const c = r.credentials;
  if (!isObj(c) || typeof c.expiration !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(c.expiration))
    return r;
  const t = new Date(c.expiration);
  return Number.isNaN(t.getTime()) ? r : { ...r, credentials: { ...c, expiration: javaDate(t) } };
}

/** The host of an endpoint (`https://host:port`): the same few, parsed once each. */
function hostOf(endpoint: string): string {
  return hosts.get(endpoint, () => /^https?:\/\/([^/]+)/.exec(endpoint)?.[1] ?? '');
}
const hosts = boundedCache<string>(256);

/**
 * Builds the entry of one call.
 *
 * @example
 * const entry = buildAuditEntry(event, { eventId: randomUUID() });
 * entry.record.eventName // → 'AssumeRoleWithWebIdentity'
 */
export function buildAuditEntry(e: AwsCallEvent, o: BuildOptions): AuditEntry {
  const { ctx, route, error } = e;
  const notes = ctx.audit;
  const service = route.service;
  const lastDecision = ctx.decisions[ctx.decisions.length - 1];
  const eventName =
    notes.eventName ??
    route.operation ??
    (service === 'eks' || service === 'eks-auth' ? eksOperation(e.method, e.path) : undefined) ??
    lastDecision?.action.slice(lastDecision.action.indexOf(':') + 1) ??
    `${e.method} ${e.path}`;
  const eventSource = notes.eventSource ?? SOURCES[service] ?? `${service}.amazonaws.com`;
  const category = notes.eventCategory ?? 'Management';
  const query = route.protocol === 'query';
  const session = ctx.caller ? sessionOfCaller(ctx.caller) : undefined;

  const requestParameters = bounded(
    notes.requestParameters !== undefined
      ? notes.requestParameters === null
        ? null
        : withoutSecrets(notes.requestParameters)
      : query
        ? queryRequestParameters(route.params, askedParams(route.params))
        : null,
  );
  let responseElements: Record<string, unknown> | null = null;
  if (!error && notes.responseElements) {
    const r = query
      ? (cloudTrailElements(notes.responseElements) as Record<string, unknown>)
      : withoutSecrets(notes.responseElements);
    responseElements = bounded(normalizeCredentials(r));
  }

  const exchange = service === 'sts' && eventName.startsWith('AssumeRole');
  const webExchange = service === 'sts' && eventName === 'AssumeRoleWithWebIdentity';
  const targetRole = exchange ? route.params?.get('RoleArn') : undefined;
  const targetAccount = accountOfArn(targetRole);
  const claims = webExchange ? tokenClaims(route.params?.get('WebIdentityToken')) : undefined;
  const web = webExchange ? webFacts(e, claims, responseElements, targetAccount) : undefined;

  let userIdentity: UserIdentity;
  const failure =
    isObj(error?.detail) && typeof error.detail.kind === 'string' ? error.detail : undefined;
  if (ctx.caller) userIdentity = callerIdentity(ctx.caller);
  else if (webExchange && web) userIdentity = webIdentityUser(web);
  else if (service === 's3' && !failure && !error?.code.startsWith('MissingAuthentication'))
    userIdentity = { ...ANONYMOUS };
  else
    userIdentity = {
      type: 'Unknown',
      ...(typeof failure?.accessKeyId === 'string' ? { accessKeyId: failure.accessKeyId } : {}),
    };

  const recipientAccountId =
    notes.recipientAccountId ??
    ctx.caller?.account ??
    targetAccount ??
    accountOfArn(web?.providerArn) ??
    o.defaultAccount ??
    '';

  let resources: RecordResource[] | undefined = notes.resources?.map((r) => ({ ...r }));
  if (!resources) {
    const arns = exchange && targetRole ? [targetRole] : ctx.decisions.map((d) => d.resource);
    const seen = new Set<string>();
    resources = [];
    for (const arn of arns) {
      const type = resourceType(arn);
      if (!type || seen.has(arn)) continue;
      seen.add(arn);
      const account = accountOfArn(arn);
      resources.push(account ? { accountId: account, type, ARN: arn } : { type, ARN: arn });
    }
    if (resources.length === 0) resources = undefined;
  }

  const host = ctx.secureTransport ? hostOf(ctx.endpoint) : '';
  const s3Data = eventSource === 's3.amazonaws.com' && category === 'Data';
  const record: CloudTrailRecord = {
    eventVersion: category === 'Data' ? '1.10' : '1.08',
    userIdentity,
    eventTime: isoSeconds(ctx.now),
    eventSource,
    eventName,
    awsRegion: service === 'iam' ? 'us-east-1' : ctx.region,
    sourceIPAddress: ctx.sourceIp,
    userAgent: s3Data && ctx.userAgent !== '' ? `[${ctx.userAgent}]` : ctx.userAgent,
    ...(error
      ? {
          errorCode: error.code,
          // STS words a refused web-identity exchange this way in CloudTrail [field]
          errorMessage:
            webExchange && error.code === 'AccessDenied'
              ? 'An unknown error occurred'
              : withoutSignature(error.message),
        }
      : {}),
    requestParameters,
    responseElements,
    ...(notes.additionalEventData
      ? { additionalEventData: withoutSecrets(notes.additionalEventData) }
      : {}),
    requestID: e.requestId,
    eventID: o.eventId,
    readOnly: notes.readOnly ?? READ_ONLY.test(eventName),
    ...(resources ? { resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: category !== 'Data',
    recipientAccountId,
    eventCategory: category,
    ...(ctx.secureTransport ? { tlsDetails: { clientProvidedHostHeader: host } } : {}),
  };

  const explanation = safelyExplained(
    () =>
      explainCall({
        service,
        eventName,
        caller: ctx.caller,
        session,
        decisions: ctx.decisions,
        error,
        token: claims,
        web,
        roleArn: targetRole,
        responseElements,
        accessKeyId:
          ctx.caller?.accessKeyId ??
          (typeof failure?.accessKeyId === 'string' ? failure.accessKeyId : undefined),
      }),
    error,
    o.onExplainError,
  );

  const credentials = isObj(responseElements?.credentials)
    ? responseElements.credentials
    : undefined;
  // an expired session's genuine token still says whose session it was
  const expiredSession =
    failure?.kind === 'ExpiredToken' && isObj(failure.session) ? failure.session : undefined;
  // EKS Auth's exchange names its pod's role and service account nowhere in full: its notes
  // do, once the pod's token verified; they are whom the call is about, not the node signing it
  const pod = notes.exchange;
  const roleArn =
    pod?.roleArn ??
    session?.roleArn ??
    targetRole ??
    (typeof expiredSession?.roleArn === 'string' ? expiredSession.roleArn : undefined);
  // a forged token's sub names whatever service account its sender chose: no attribution
  const sa =
    pod ?? (webExchange && tokenUnverified(error) ? undefined : serviceAccountBehind(session, web));
  const index: EntryIndex = {
    timeMs: ctx.now.getTime(),
    username: usernameOf(userIdentity),
    accessKeyId:
      userIdentity.accessKeyId ??
      (typeof credentials?.accessKeyId === 'string' ? credentials.accessKeyId : undefined),
    principal: ctx.caller?.principal.id ?? web?.sub,
    roleArn,
    roleName: roleArn?.slice(roleArn.lastIndexOf('/') + 1),
    namespace: sa?.namespace,
    serviceAccount: sa?.serviceAccount,
  };
  return { record, explanation, index };
}

/**
 * The explanation, or — should explaining throw (a detail shape the explainer does not know)
 * — a plain one, the failure handed to `onError`: the record is still written and the client
 * still gets its answer.
 */
function safelyExplained(
  explain: () => IrsaExplanation,
  error: AwsError | undefined,
  onError: ((e: unknown) => void) | undefined,
): IrsaExplanation {
  try {
    return explain();
  } catch (e) {
    onError?.(e);
    return {
      outcome: error ? 'error' : 'allowed',
      message: error ? `${error.code}: ${withoutSignature(error.message)}` : undefined,
      summary: error ? `${error.code}: ${withoutSignature(error.message)}` : 'allowed',
      chain: [],
    };
  }
}
