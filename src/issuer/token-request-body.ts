/**
 * Reading a TokenRequest body as kube-apiserver's decoder would: a JSON object whose
 * `kind`/`apiVersion`, when present, are `TokenRequest` / `authentication.k8s.io/v1`, and
 * whose fields have the right types; anything else is a 400 with the decoder's prefix.
 */
import { badRequest, type Status } from './errors.js';
import type { BoundObjectReference, TokenRequest, TokenRequestSpec } from './types.js';

export const DECODE_PREFIX = 'TokenRequest in version "v1" cannot be handled as a TokenRequest: ';

/**
 * Reads a TokenRequest body (parsed JSON) into a `TokenRequest`, or the 400 kube-apiserver
 * answers for a body it cannot decode (a wrong `kind`/`apiVersion`, a wrong field type).
 *
 * @example
 * decodeTokenRequest({ spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400 } })
 * // → { ok: true, request: { spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400 } } }
 */
export function decodeTokenRequest(
  body: unknown,
): { ok: true; request: TokenRequest } | { ok: false; status: Status } {
  const bad = (detail: string) => ({
    ok: false as const,
    status: badRequest(DECODE_PREFIX + detail),
  });
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const str = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  if (body === undefined || body === null) return { ok: true, request: {} };
  if (!isObj(body)) return bad('the body must be a JSON object');
  const { apiVersion, kind, metadata, spec } = body;
  if (!str(apiVersion) || !str(kind)) return bad('apiVersion and kind must be strings');
  if (kind && kind !== 'TokenRequest') return bad(`kind \`${String(kind)}\` is not TokenRequest`);
  if (apiVersion && apiVersion !== 'authentication.k8s.io/v1')
    return bad(`apiVersion \`${String(apiVersion)}\` is not authentication.k8s.io/v1`);
  const request: TokenRequest = {};
  if (typeof apiVersion === 'string') request.apiVersion = apiVersion;
  if (typeof kind === 'string') request.kind = kind;
  if (metadata !== undefined && metadata !== null) {
    if (!isObj(metadata)) return bad('metadata must be an object');
    if (!str(metadata.name) || !str(metadata.namespace))
      return bad('metadata.name and metadata.namespace must be strings');
    request.metadata = {};
    if (typeof metadata.name === 'string') request.metadata.name = metadata.name;
    if (typeof metadata.namespace === 'string') request.metadata.namespace = metadata.namespace;
  }
  if (spec !== undefined && spec !== null) {
    if (!isObj(spec)) return bad('spec must be an object');
    const out: TokenRequestSpec = {};
    if (spec.audiences !== undefined && spec.audiences !== null) {
      if (!Array.isArray(spec.audiences) || !spec.audiences.every((a) => typeof a === 'string'))
        return bad('spec.audiences must be an array of strings');
      out.audiences = spec.audiences as string[];
    }
    if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
      if (
        typeof spec.expirationSeconds !== 'number' ||
        !Number.isSafeInteger(spec.expirationSeconds)
      )
        return bad(
          `spec.expirationSeconds must be an integer, not ${JSON.stringify(spec.expirationSeconds)}`,
        );
      out.expirationSeconds = spec.expirationSeconds;
    }
    const ref = spec.boundObjectRef;
    if (ref !== undefined && ref !== null) {
      if (!isObj(ref)) return bad('spec.boundObjectRef must be an object');
      const r: BoundObjectReference = {};
      for (const k of ['kind', 'apiVersion', 'name', 'uid'] as const) {
        if (!str(ref[k])) return bad(`spec.boundObjectRef.${k} must be a string`);
        if (typeof ref[k] === 'string') r[k] = ref[k];
      }
      out.boundObjectRef = r;
    }
    request.spec = out;
  }
  return { ok: true, request };
}
