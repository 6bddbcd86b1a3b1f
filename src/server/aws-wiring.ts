/**
 * The AWS side of `irsa up`, assembled: IAM and STS operations over the store, SigV4 through
 * STS's and IAM's credentials, the authorizer, the EKS cluster API, and the accounts' admin
 * keys. One place where the components meet; each keeps its own boundary.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AuditLog, lookupEventsHandler } from '../audit/index.js';
import type { ClusterService } from '../cluster/cluster-service.js';
import type { Clock } from '../common/clock.js';
import {
  IAM_COLLECTIONS,
  createIamDirectory,
  createIamOperations,
  ensureAccount,
} from '../iam/index.js';
import { LastUsedTracker } from '../iam/last-used.js';
import { type CredentialLookup, detectAuth, sigv4Error, verifySigV4 } from '../sigv4/index.js';
import { createDynamoDbService } from '../services/dynamodb/index.js';
import { handleEks } from '../services/eks/eks-api.js';
import { createPodIdentityAgent, isAgentRequest } from '../services/eks-auth/agent.js';
import { handleEksAuth } from '../services/eks-auth/eks-auth.js';
import { certificateThumbprint } from '../issuer/local-ca.js';
import { createSecretsManagerService } from '../services/secretsmanager/index.js';
import { type QueueNotifier, createSqsService } from '../services/sqs/index.js';
import { createS3Service, verifyS3SigV2 } from '../services/s3/index.js';
import {
  CredentialSealer,
  OidcKeyFetcher,
  PolicyCache,
  type StsDeps,
  createSessionView,
  createStsOperations,
  credentialResolver,
  loadOrCreateServerKey,
  issuerThumbprint,
  snapshotDirectory,
} from '../sts/index.js';
import type { Store } from '../store/types.js';
import { createAuthorizer } from './aws/authorize.js';
import { type Authenticator, type AwsCallEvent, createAwsEdge } from './aws/edge.js';
import type { Caller, ServiceHandler } from './aws/types.js';
import type { AdminKey } from './credentials-file.js';
import { DEFAULT_ACCOUNT } from '../common/accounts.js';
import { BodyBudget } from './http.js';

export { DEFAULT_ACCOUNT };

export interface AwsWiringDeps {
  store: Store;
  /** the data folder (S3 object bodies live under it) */
  dataDir: string;
  clock: Clock;
  clusters: ClusterService;
  caCertPath: string;
  accounts?: readonly string[];
  /** the audit trail's hook, awaited before each answer is sent */
  record?: (e: AwsCallEvent) => Promise<void>;
  /** refuse every call before it does anything (the data folder's disk is full) */
  unavailable?: (incomingBytes: number) => boolean;
  /** aborted when the server shuts down */
  closing?: AbortSignal;
  /** bytes of request bodies held in memory at once (default 1 GiB) */
  bodyBudgetBytes?: number;
  /** the audit log CloudTrail's LookupEvents reads */
  audit?: AuditLog;
  onResult?: (e: AwsCallEvent) => void;
  /** where a problem the server works around is told (last uses not written: retried) */
  log?: (line: string) => void;
  /** SQS long polling's wake-ups (with edge replicas, one that tells the other processes) */
  sqsNotifier?: QueueNotifier;
}

/** The local CA's thumbprint, to reach the clusters' issuers through; none without a CA. */
function localCaThumbprints(caCertPath: string): string[] {
  try {
    return [certificateThumbprint(readFileSync(caCertPath, 'utf8'))];
  } catch {
    return [];
  }
}

export async function wireAws(d: AwsWiringDeps) {
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const directory = createIamDirectory({ store: d.store });
  const session = createSessionView({ directory });
  // IAM as read on every call (the caller's user and its tags; STS's roles, providers, keys):
  // answered from a snapshot of IAM's revision, not the store
  const snapshot = snapshotDirectory(directory, () => d.store.revision(IAM_COLLECTIONS));
  const authorize = createAuthorizer({ directory: snapshot, session });
  const serverKey = await loadOrCreateServerKey(d.store);
  const sealer = new CredentialSealer({ key: serverKey, clock: d.clock });
  const keys = new OidcKeyFetcher({ clock: d.clock });
  // RoleLastUsed and GetAccessKeyLastUsed: every authenticated request notes its caller
  const usage = new LastUsedTracker({
    store: d.store,
    clock: d.clock,
    onError: (e) =>
      d.log?.(
        `could not write when roles and keys were last used: ${e instanceof Error ? e.message : String(e)}`,
      ),
  });
  const noteUse = (caller: Caller, service: string, region: string) => {
    const session = caller.session as { roleId?: unknown } | undefined;
    if (typeof session?.roleId === 'string') usage.noteRole(caller.account, session.roleId, region);
    else if (caller.principal.type === 'User')
      usage.noteAccessKey(caller.account, caller.accessKeyId, service, region);
  };
  const iam = createIamOperations({
    store: d.store,
    clock: d.clock,
    random,
    lastUsed: usage,
    issuerThumbprint: (url) => issuerThumbprint(url),
    authorize: (ctx, action, resource, context, resourceName) =>
      authorize(ctx, { action, resource, context, resourceName }),
  });
  // STS's per-call reads, kept while the store revision stands still
  // kept while IAM stands still: S3, SQS or DynamoDB writes do not drop it
  const sts = createStsOperations({ directory: snapshot, sealer, keys, clock: d.clock });
  const resolve = credentialResolver({ directory: snapshot, sealer });
  // EKS Pod Identity: EKS Auth and the agent's credentials endpoint, over the STS core
  const podIdentity = {
    store: d.store,
    clusters: d.clusters,
    authorize,
    sts: {
      directory: snapshot,
      sealer,
      keys,
      clock: d.clock,
      policies: new PolicyCache(),
    } satisfies StsDeps,
    thumbprints: localCaThumbprints(d.caCertPath),
  };
  const agent = createPodIdentityAgent({
    ...podIdentity,
    clock: d.clock,
    defaultAccount: DEFAULT_ACCOUNT,
    record: d.record,
    onResult: d.onResult,
  });

  const adminKeys: AdminKey[] = [];
  const known = await directory.accounts();
  for (const account of [...new Set([...(d.accounts ?? [DEFAULT_ACCOUNT]), ...known])]) {
    const k = await ensureAccount({ store: d.store, clock: d.clock, random }, account);
    adminKeys.push({
      account: k.account,
      accessKeyId: k.accessKeyId,
      secretAccessKey: k.secretAccessKey,
    });
  }

  // the SigV4 verifier's secret lookup, over STS's and IAM's credentials
  const lookup: CredentialLookup<Caller> = async (akid, token) => {
    const c = await resolve(akid, token);
    return c.ok
      ? { ok: true, secretAccessKey: c.secretAccessKey, identity: c.caller }
      : { ok: false, failure: c.failure };
  };
  const auth: Authenticator = {
    scope(raw) {
      const a = detectAuth({ target: raw.target, headers: raw.rawHeaders });
      return { kind: a.kind, service: a.scope?.service, region: a.scope?.region };
    },
    async verify(raw, route, now, scope) {
      if (scope.kind === 'sigv2-query') {
        const v2 = await verifyS3SigV2(raw, route, now, resolve);
        if (v2.ok) noteUse(v2.caller, route.service, v2.region);
        return v2;
      }
      const r = await verifySigV4<Caller>(
        { method: raw.method, target: raw.target, headers: raw.rawHeaders, body: raw.body },
        { now, service: route.service, lookup },
      );
      if (!r.ok) return { ok: false, error: sigv4Error(route.service, r.failure) };
      if (!r.identity) throw new TypeError('verified request without a caller');
      noteUse(r.identity, route.service, r.scope.region);
      return {
        ok: true,
        caller: r.identity,
        region: r.scope.region,
        auth: {
          kind: r.presigned ? 'query' : 'header',
          accessKeyId: r.accessKeyId,
          presigned: r.presigned,
          payload: r.payload,
          expiresAt: r.expiresAt,
        },
      };
    },
  };

  // the services that answer for themselves (src/services/<name>), by signing name
  const services: Record<string, ServiceHandler> = {};
  services.sqs = createSqsService(
    { store: d.store, clock: d.clock, random, authorize },
    d.sqsNotifier,
  );
  services.secretsmanager = createSecretsManagerService({
    store: d.store,
    clock: d.clock,
    random,
    authorize,
    serverKey: serverKey.bytes(),
  });
  const s3 = createS3Service({ store: d.store, dataDir: d.dataDir, authorize, directory });
  services.s3 = s3;

  services.dynamodb = createDynamoDbService({ store: d.store, authorize, clock: d.clock });
  // CloudTrail's LookupEvents reads the audit trail
  if (d.audit) services.cloudtrail = lookupEventsHandler({ log: d.audit, authorize });

  const awsEdge = createAwsEdge({
    clock: d.clock,
    auth,
    query: { iam, sts },
    restJson: {
      eks: async (ctx, raw) =>
        handleEks(
          {
            clusters: d.clusters,
            authorize,
            caCertPath: d.caCertPath,
            defaultAccount: DEFAULT_ACCOUNT,
            store: d.store,
          },
          ctx,
          raw.method,
          raw.path,
          new URLSearchParams(raw.rawQuery),
          raw.body,
        ),
      'eks-auth': async (ctx, raw) => handleEksAuth(podIdentity, ctx, raw),
    },
    services,
    defaultRegion: 'us-east-1',
    record: d.record,
    unavailable: d.unavailable,
    closing: d.closing,
    bodyBudget: d.bodyBudgetBytes !== undefined ? new BodyBudget(d.bodyBudgetBytes) : undefined,
    onResult: d.onResult,
  });
  // the Pod Identity agent's GET /v1/credentials (a bare JWT in Authorization), else AWS
  const edge: typeof awsEdge = (req, res) =>
    isAgentRequest(req) ? agent(req, res) : awsEdge(req, res);
  const createAccount = async (account: string): Promise<AdminKey> => {
    const existing = adminKeys.find((k) => k.account === account);
    if (existing) return existing;
    const k = await ensureAccount({ store: d.store, clock: d.clock, random }, account);
    const key = {
      account: k.account,
      accessKeyId: k.accessKeyId,
      secretAccessKey: k.secretAccessKey,
    };
    adminKeys.push(key);
    return key;
  };
  return { edge, adminKeys, directory, createAccount, iam, services, s3, usage };
}
