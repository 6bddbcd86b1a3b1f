/**
 * Reading SigV4 authentication off a raw request (spec/aws-wire.md §8.1): `parseAuth`
 * extracts and checks the shape of every field the verifier needs — header or presigned
 * form, algorithm, five-part credential, date, `X-Amz-Expires`, no duplicated field.
 */
import { headerValues } from './canonical.js';
import {
  ALGORITHM,
  ALGORITHM_V2,
  H,
  MAX_PRESIGN_EXPIRES_S,
  Q,
  REQUIRED_PRESIGN_PARAMS,
  SIGV2_QUERY,
} from './constants.js';
import { httpDateToAmzDate, parseAmzDate } from './dates.js';
import { byteStringToText, parseQuery, splitTarget, toByteString } from './encoding.js';
import type { CredentialScope, SigV4Failure, SigV4Request } from './types.js';

/** A request's authentication fields, shape-checked but not yet verified. */
export interface ParsedAuth {
  presigned: boolean;
  /** the Credential as sent (`AKID/date/region/service/aws4_request`) */
  credential: string;
  accessKeyId: string;
  scope: CredentialScope;
  /** the fifth credential part; `aws4_request` when well-formed */
  terminator: string;
  /** exactly as listed by the request */
  signedHeaders: string[];
  signature: string;
  /** yyyymmddThhmmssZ */
  amzDate: string;
  signedAt: Date;
  /** where the date came from: `x-amz-date` or `date` header, or the `X-Amz-Date` parameter */
  dateSource: 'x-amz-date' | 'date' | 'query';
  sessionToken?: string | undefined;
  /** presigned: `X-Amz-Expires` */
  expiresSeconds?: number | undefined;
  /** presigned: the `X-Amz-Content-Sha256` parameter, when present */
  contentSha256Param?: string | undefined;
  /** header auth: the Authorization value, trimmed */
  authorization?: string | undefined;
}

export type ParseResult = { ok: true; auth: ParsedAuth } | { ok: false; failure: SigV4Failure };

/** The decoded query parameters of a request, as text. */
export function queryParams(target: string): { name: string; value: string }[] {
  return parseQuery(splitTarget(toByteString(target)).query).map((p) => ({
    name: byteStringToText(p.name),
    value: byteStringToText(p.value),
  }));
}

/** The five parts of a Credential, or undefined when it does not have exactly five. */
export function parseCredential(
  credential: string,
): { accessKeyId: string; scope: CredentialScope; terminator: string } | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, scope: { date, region, service }, terminator };
}

/** Whether the query carries SigV4 presign parameters. */
export function hasQueryAuth(names: ReadonlySet<string>): boolean {
  return names.has(Q.algorithm) || names.has(Q.credential) || names.has(Q.signature);
}

function fail(failure: SigV4Failure): ParseResult {
  return { ok: false, failure };
}

/**
 * Extracts the SigV4 fields of a request (header or presigned form) and checks their shape:
 * presence, algorithm, credential with five parts, date format, `X-Amz-Expires` range,
 * no duplicated authentication header or parameter. Scope, time and signature checks are
 * the verifier's.
 *
 * @example
 * const r = parseAuth(req);
 * if (r.ok) console.log(r.auth.accessKeyId, r.auth.scope.service);
 */
export function parseAuth(req: Pick<SigV4Request, 'target' | 'headers'>): ParseResult {
  const params = queryParams(req.target);
  const names = new Set(params.map((p) => p.name));
  const authorizations = headerValues(req.headers, H.authorization);

  if (authorizations.length > 1) {
    return fail({
      kind: 'Duplicate',
      field: 'Authorization',
      where: 'header',
      reason: 'the request carries more than one `Authorization` header',
    });
  }
  const authorization = authorizations[0];
  if (authorization !== undefined) {
    if (hasQueryAuth(names) || names.has(SIGV2_QUERY.accessKeyId)) {
      return fail({
        kind: 'ConflictingAuthentication',
        reason:
          'the request carries both an `Authorization` header and query-string authentication',
      });
    }
    return parseHeaderAuth(req, authorization.trim());
  }
  if (hasQueryAuth(names)) return parseQueryAuth(params);
  if (names.has(SIGV2_QUERY.accessKeyId)) {
    return fail({
      kind: 'UnsupportedAlgorithm',
      algorithm: ALGORITHM_V2,
      presigned: true,
      reason:
        'SigV2 query authentication (`AWSAccessKeyId`, `Signature`, `Expires`) is not supported: presign with SigV4 (`s3.signature_version = s3v4`)',
    });
  }
  return fail({
    kind: 'MissingAuthentication',
    reason:
      'the request carries neither an `Authorization` header nor `X-Amz-*` query authentication',
  });
}

function single(
  values: string[],
  field: string,
  where: 'header' | 'query',
): { ok: true; value: string | undefined } | { ok: false; failure: SigV4Failure } {
  if (values.length > 1) {
    return {
      ok: false,
      failure: {
        kind: 'Duplicate',
        field,
        where,
        reason: `the request carries more than one \`${field}\` ${where === 'header' ? 'header' : 'parameter'}`,
      },
    };
  }
  return { ok: true, value: values[0] };
}

function parseHeaderAuth(req: Pick<SigV4Request, 'headers'>, authorization: string): ParseResult {
  const algorithm = authorization.split(/[\t ]/, 1)[0] ?? '';
  if (algorithm !== ALGORITHM) {
    return fail({
      kind: 'UnsupportedAlgorithm',
      algorithm,
      presigned: false,
      reason:
        algorithm === ALGORITHM_V2
          ? 'SigV2 (`Authorization: AWS …`) is not supported: sign with SigV4 (AWS4-HMAC-SHA256)'
          : `unsupported authorization algorithm \`${algorithm}\`: only ${ALGORITHM} is accepted`,
    });
  }
  const fields = new Map<string, string>();
  for (const raw of authorization.slice(algorithm.length).split(',')) {
    const component = raw.trim();
    if (component === '') continue;
    const eq = component.indexOf('=');
    if (eq < 0) {
      return fail({
        kind: 'MalformedAuthorization',
        presigned: false,
        component,
        authorization,
        reason: `\`${component}\` in the Authorization header is not a key=value pair`,
      });
    }
    const key = component.slice(0, eq).trim();
    if (fields.has(key)) {
      return fail({
        kind: 'MalformedAuthorization',
        presigned: false,
        component,
        authorization,
        reason: `\`${key}\` appears twice in the Authorization header`,
      });
    }
    fields.set(key, component.slice(eq + 1).trim());
  }

  const missing: string[] = [];
  for (const key of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.get(key)) missing.push(key);
  }

  const amzDates = single(headerValues(req.headers, H.amzDate), 'X-Amz-Date', 'header');
  if (!amzDates.ok) return amzDates;
  let amzDate = amzDates.value?.trim();
  let dateSource: ParsedAuth['dateSource'] = 'x-amz-date';
  let dateValue = amzDate;
  if (amzDate === undefined) {
    const dates = single(headerValues(req.headers, H.date), 'Date', 'header');
    if (!dates.ok) return dates;
    if (dates.value === undefined) missing.push('date');
    else {
      dateSource = 'date';
      dateValue = dates.value;
      amzDate = httpDateToAmzDate(dates.value);
    }
  }
  if (missing.length > 0) {
    return fail({
      kind: 'IncompleteSignature',
      presigned: false,
      missing,
      authorization,
      reason: `the Authorization header lacks ${missing.map((m) => (m === 'date' ? 'a date (`X-Amz-Date` or `Date`)' : `\`${m}\``)).join(', ')}`,
    });
  }
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined) {
    return fail({
      kind: 'InvalidDate',
      presigned: false,
      value: dateValue ?? '',
      reason: `\`${dateValue}\` is not a valid ${dateSource === 'date' ? 'RFC 1123 `Date`' : '`X-Amz-Date` (yyyymmddThhmmssZ)'}`,
    });
  }

  const credential = fields.get('Credential') as string;
  const cred = parseCredential(credential);
  if (!cred) {
    return fail({
      kind: 'MalformedCredential',
      presigned: false,
      credential,
      reason: `Credential \`${credential}\` is not AKID/yyyymmdd/region/service/aws4_request`,
    });
  }
  const signedHeaders = (fields.get('SignedHeaders') as string).split(';');
  if (signedHeaders.some((h) => h === '')) {
    return fail({
      kind: 'MalformedAuthorization',
      presigned: false,
      component: `SignedHeaders=${fields.get('SignedHeaders')}`,
      authorization,
      reason: 'SignedHeaders has an empty name',
    });
  }
  const tokens = single(
    headerValues(req.headers, H.securityToken),
    'X-Amz-Security-Token',
    'header',
  );
  if (!tokens.ok) return tokens;

  return {
    ok: true,
    auth: {
      presigned: false,
      credential,
      ...cred,
      signedHeaders,
      signature: fields.get('Signature') as string,
      amzDate,
      signedAt,
      dateSource,
      sessionToken: tokens.value?.trim() || undefined,
      authorization,
    },
  };
}

function parseQueryAuth(params: { name: string; value: string }[]): ParseResult {
  const get = (name: string) =>
    single(
      params.filter((p) => p.name === name).map((p) => p.value),
      name,
      'query',
    );
  const values = new Map<string, string | undefined>();
  for (const name of [...REQUIRED_PRESIGN_PARAMS, Q.securityToken, Q.contentSha256]) {
    const v = get(name);
    if (!v.ok) return v;
    values.set(name, v.value);
  }
  const missing = REQUIRED_PRESIGN_PARAMS.filter((n) => !values.get(n));
  if (missing.length > 0) {
    return fail({
      kind: 'IncompleteSignature',
      presigned: true,
      missing,
      reason: `the presigned URL lacks ${missing.map((m) => `\`${m}\``).join(', ')}`,
    });
  }
  const algorithm = values.get(Q.algorithm) as string;
  if (algorithm !== ALGORITHM) {
    return fail({
      kind: 'UnsupportedAlgorithm',
      algorithm,
      presigned: true,
      reason: `unsupported X-Amz-Algorithm \`${algorithm}\`: only ${ALGORITHM} is accepted`,
    });
  }
  const amzDate = values.get(Q.date) as string;
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) {
    return fail({
      kind: 'InvalidDate',
      presigned: true,
      value: amzDate,
      reason: `X-Amz-Date \`${amzDate}\` is not yyyymmddThhmmssZ`,
    });
  }
  const expires = values.get(Q.expires) as string;
  if (/^-\d+$/.test(expires)) {
    return fail({
      kind: 'InvalidExpires',
      value: expires,
      problem: 'negative',
      reason: `X-Amz-Expires ${expires} is negative`,
    });
  }
  if (!/^\d+$/.test(expires)) {
    return fail({
      kind: 'InvalidExpires',
      value: expires,
      problem: 'not-a-number',
      reason: `X-Amz-Expires \`${expires}\` is not a whole number of seconds`,
    });
  }
  const expiresSeconds = Number(expires);
  if (expiresSeconds > MAX_PRESIGN_EXPIRES_S) {
    return fail({
      kind: 'InvalidExpires',
      value: expires,
      problem: 'too-large',
      reason: `X-Amz-Expires ${expires} is more than ${MAX_PRESIGN_EXPIRES_S} seconds (7 days)`,
    });
  }
  const credential = values.get(Q.credential) as string;
  const cred = parseCredential(credential);
  if (!cred) {
    return fail({
      kind: 'MalformedCredential',
      presigned: true,
      credential,
      reason: `X-Amz-Credential \`${credential}\` is not AKID/yyyymmdd/region/service/aws4_request`,
    });
  }
  const signedHeadersParam = values.get(Q.signedHeaders) as string;
  const signedHeaders = signedHeadersParam.split(';');
  if (signedHeaders.some((h) => h === '')) {
    return fail({
      kind: 'MalformedAuthorization',
      presigned: true,
      component: `X-Amz-SignedHeaders=${signedHeadersParam}`,
      reason: 'X-Amz-SignedHeaders has an empty name',
    });
  }
  return {
    ok: true,
    auth: {
      presigned: true,
      credential,
      ...cred,
      signedHeaders,
      signature: values.get(Q.signature) as string,
      amzDate,
      signedAt,
      dateSource: 'query',
      sessionToken: values.get(Q.securityToken) || undefined,
      expiresSeconds,
      contentSha256Param: values.get(Q.contentSha256),
    },
  };
}
