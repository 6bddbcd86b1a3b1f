/**
 * The issuer side of the admin API: TokenRequests answered as kube-apiserver answers them,
 * key rotation and a description of each cluster's issuer. Glue between the cluster model
 * (which objects exist) and the issuer component (keys, claims, signatures).
 */
import type { ClusterService } from '../cluster/cluster-service.js';
import { ClusterError, type ClusterRecord } from '../cluster/types.js';
import type { Clock } from '../common/clock.js';
import {
  IssuerError,
  type KeyRing,
  type TokenRequest,
  decodeTokenRequest,
  issueToken,
} from '../issuer/index.js';
import type { IssuerOps } from './admin-api.js';

export interface IssuerOpsDeps {
  clusters: ClusterService;
  keyRing: KeyRing;
  clock: Clock;
  /** SHA-1 thumbprint of the local CA, for `create-open-id-connect-provider` */
  thumbprint: string;
  caCertPath: string;
}

async function lookup<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ClusterError && e.status.code === 404) return undefined;
    throw e;
  }
}

export function issuerOps(d: IssuerOpsDeps): IssuerOps {
  const ensure = (c: ClusterRecord) =>
    d.keyRing.ensure(c.name, { alg: c.keyAlg === 'ES256' ? 'ES256' : 'RS256' });
  return {
    async createToken(cluster, namespace, name, request) {
      // a body is decoded as kube-apiserver decodes it: a wrong type is a 400, never a token
      // whose aud is whatever the caller sent
      const decoded = decodeTokenRequest(request);
      if (!decoded.ok) return { status: decoded.status.code, body: decoded.status, warnings: [] };
      const req: TokenRequest = decoded.request;
      await ensure(cluster);
      const sa = await lookup(d.clusters.get(cluster.name, 'ServiceAccount', namespace, name));
      const ref = req.spec?.boundObjectRef;
      let bound: Parameters<typeof issueToken>[0]['bound'];
      if (ref?.kind === 'Pod' && ref.name) {
        const pod = await lookup(d.clusters.get(cluster.name, 'Pod', namespace, ref.name));
        if (pod) {
          const spec = (pod.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
          bound = {
            pod: {
              name: ref.name,
              namespace,
              uid: pod.metadata?.uid ?? '',
              serviceAccountName: spec.serviceAccountName ?? 'default',
              nodeName: spec.nodeName,
            },
            node:
              spec.nodeName === cluster.nodeName
                ? { name: cluster.nodeName, uid: cluster.nodeUid }
                : undefined,
          };
        }
      } else if (ref?.kind === 'Node' && ref.name === cluster.nodeName) {
        // the cluster's one node, which every pod runs on
        bound = { node: { name: cluster.nodeName, uid: cluster.nodeUid } };
      }
      const r = await issueToken({
        cluster: {
          name: cluster.name,
          issuer: cluster.issuer,
          apiAudiences: cluster.apiAudiences,
          maxTokenExpirationSeconds: cluster.maxTokenExpirationSeconds,
        },
        namespace,
        name,
        request: req,
        serviceAccount: sa ? { name, namespace, uid: sa.metadata?.uid ?? '' } : undefined,
        bound,
        clock: d.clock,
        keyRing: d.keyRing,
      });
      if (!r.ok) return { status: r.status.code, body: r.status, warnings: [] };
      return { status: 201, body: r.response, warnings: r.warnings };
    },
    async rotate(cluster, opts) {
      await ensure(cluster);
      const alg =
        opts.alg === undefined
          ? undefined
          : opts.alg === 'ES256'
            ? 'ES256'
            : opts.alg === 'RS256'
              ? 'RS256'
              : undefined;
      if (opts.alg !== undefined && !alg)
        throw new ClusterError(
          'BadRequest',
          400,
          `unsupported signing algorithm \`${opts.alg}\`: RS256 or ES256`,
        );
      let key;
      try {
        key = await d.keyRing.rotate(cluster.name, {
          alg,
          activateAfterSeconds: opts.activateAfterSeconds,
        });
      } catch (e) {
        if (e instanceof IssuerError && e.code === 'InvalidOption') {
          throw new ClusterError('BadRequest', 400, e.message);
        }
        throw e;
      }
      return { key, keys: await d.keyRing.keys(cluster.name) };
    },
    async describe(cluster) {
      await ensure(cluster);
      return {
        issuer: cluster.issuer,
        discovery: `${cluster.issuer}/.well-known/openid-configuration`,
        jwksUri: `${cluster.issuer}/keys`,
        caCertificate: d.caCertPath,
        thumbprint: d.thumbprint,
        keys: await d.keyRing.keys(cluster.name),
      };
    },
  };
}
