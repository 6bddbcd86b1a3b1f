/**
 * The global condition keys of a request itself (spec/iam-policy.md §10), whoever makes it:
 * one place for the edge's authorizer and STS's trust evaluation, so that a policy's
 * `aws:SourceIp` or `aws:ViaAWSService` reads the same everywhere. Pure.
 */
import { isoSeconds } from '../../common/times.js';
import type { CallContext } from './types.js';

/**
 * The keys every request carries. `aws:ViaAWSService` is in every request's context and false
 * for a call the caller made itself (no service calls on anyone's behalf here), so that AWS's
 * own examples — a Deny on `NotIpAddress aws:SourceIp` with `Bool aws:ViaAWSService false` —
 * apply as they do in AWS.
 *
 * @example
 * requestContextKeys(ctx)['aws:SourceIp'] // → '127.0.0.1'
 */
export function requestContextKeys(ctx: CallContext): Record<string, string> {
  return {
    'aws:CurrentTime': isoSeconds(ctx.now),
    'aws:EpochTime': String(Math.floor(ctx.now.getTime() / 1000)),
    'aws:SourceIp': ctx.sourceIp,
    'aws:UserAgent': ctx.userAgent,
    'aws:SecureTransport': ctx.secureTransport ? 'true' : 'false',
    'aws:RequestedRegion': ctx.region,
    'aws:ViaAWSService': 'false',
  };
}
