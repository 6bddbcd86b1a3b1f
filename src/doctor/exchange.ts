/**
 * The doctor's last step: the real token exchange, as an SDK in the pod makes it — an
 * unsigned `AssumeRoleWithWebIdentity` form POST to the edge (spec/aws-wire.md §3.1), the
 * Query protocol's XML answer read with fast-xml-parser. Only what STS said is kept: the
 * token and the credentials it returns never leave this function.
 */
import { XMLParser } from 'fast-xml-parser';
import type { ExchangeResult } from './types.js';

export interface ExchangeRequest {
  /** the edge, e.g. `http://127.0.0.1:4577` */
  endpoint: string;
  roleArn: string;
  sessionName: string;
  token: string;
  /** for the report */
  tokenInfo: ExchangeResult['token'];
  fetch?: typeof fetch;
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Reads STS's answer: the result's ARN, subject, provider and audience, or the error's code
 * and message.
 *
 * @example
 * readStsAnswer(403, '<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>')
 * // → { ok: false, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' }
 */
export function readStsAnswer(
  status: number,
  body: string,
): Pick<
  ExchangeResult,
  'ok' | 'code' | 'message' | 'assumedRoleArn' | 'subject' | 'provider' | 'audience'
> {
  let doc: unknown;
  try {
    doc = parser.parse(body);
  } catch {
    doc = undefined;
  }
  const root = isObj(doc) ? doc : {};
  const result = isObj(root.AssumeRoleWithWebIdentityResponse)
    ? root.AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult
    : undefined;
  if (status === 200 && isObj(result)) {
    return {
      ok: true,
      assumedRoleArn: isObj(result.AssumedRoleUser) ? text(result.AssumedRoleUser.Arn) : undefined,
      subject: text(result.SubjectFromWebIdentityToken),
      provider: text(result.Provider),
      audience: text(result.Audience),
    };
  }
  const error = isObj(root.ErrorResponse) ? root.ErrorResponse.Error : undefined;
  if (isObj(error)) return { ok: false, code: text(error.Code), message: text(error.Message) };
  return {
    ok: false,
    code: `HTTP${status}`,
    message: 'the edge did not answer in the Query protocol',
  };
}

/**
 * Sends the exchange and reports what STS said.
 *
 * @example
 * const r = await exchangeToken({ endpoint: 'http://127.0.0.1:4577', roleArn, sessionName: 'irsa-doctor-1', token, tokenInfo });
 * r.ok ? r.assumedRoleArn : `${r.code}: ${r.message}`;
 */
export async function exchangeToken(req: ExchangeRequest): Promise<ExchangeResult> {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: req.roleArn,
    RoleSessionName: req.sessionName,
    WebIdentityToken: req.token,
  }).toString();
  const f = req.fetch ?? fetch;
  let status: number;
  let answer: string;
  try {
    const res = await f(`${req.endpoint.replace(/\/+$/, '')}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    status = res.status;
    answer = await res.text();
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return {
      token: req.tokenInfo,
      roleArn: req.roleArn,
      status: 0,
      ok: false,
      code: 'NetworkError',
      message: `cannot reach ${req.endpoint} (${cause})`,
    };
  }
  return { token: req.tokenInfo, roleArn: req.roleArn, status, ...readStsAnswer(status, answer) };
}
