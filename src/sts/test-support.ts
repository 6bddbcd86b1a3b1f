/**
 * Fixtures for STS's tests: a small in-memory `IamDirectory` (IAM implements the real one
 * over the store), irsakit's own issuer served over HTTPS with the local CA, and call
 * contexts. Not part of the component's public face (index.ts does not export it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../common/clock.js';
import type {
  AccessKeyRecord,
  IamDirectory,
  IdentityPolicies,
  OidcProviderRecord,
  RoleRecord,
  UserRecord,
} from '../iam/directory.js';
import {
  createIssuerHandler,
  ensureLocalCa,
  type IssuerCluster,
  issueToken,
  KeyRing,
  type LocalCa,
  type PodObject,
  type ServedCluster,
} from '../issuer/index.js';
import { type CompiledPolicy, loadPolicy } from '../policy/index.js';
import type { CallContext, Caller } from '../server/aws/types.js';
import { SqliteStore } from '../store/index.js';

type Doc = Record<string, unknown> | string;

function text(d: Doc): string {
  return typeof d === 'string' ? d : JSON.stringify(d);
}

function compile(d: Doc, kind: 'identity' | 'boundary', id: string): CompiledPolicy {
  const r = loadPolicy(text(d), kind, { id, mode: 'evaluate', sizeLimit: null });
  if (!r.ok) throw new Error(`${id}: ${r.error.message} ${r.error.detail ?? ''}`);
  return r.policy;
}

function uniqueId(prefix: string, seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < 17; i++) {
    h = (h * 1103515245 + 12345) >>> 0;
    out += alphabet[h % 32];
  }
  return prefix + out;
}

/** An in-memory IAM for tests. */
export class MemoryDirectory implements IamDirectory {
  readonly roles = new Map<string, RoleRecord>();
  readonly providers = new Map<string, OidcProviderRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly keys = new Map<string, AccessKeyRecord>();
  readonly managed = new Map<string, { arn: string; document: string; policy: CompiledPolicy }>();
  private readonly inline = new Map<string, Doc[]>();
  private readonly boundaries = new Map<string, Doc>();

  addRole(opts: {
    account: string;
    name: string;
    trust: Doc;
    path?: string;
    maxSessionDuration?: number;
    policies?: Doc[];
    boundary?: Doc;
    tags?: { Key: string; Value: string }[];
  }): RoleRecord {
    const path = opts.path ?? '/';
    const r: RoleRecord = {
      account: opts.account,
      roleName: opts.name,
      roleId: uniqueId('AROA', `${opts.account}/${opts.name}`),
      path,
      arn: `arn:aws:iam::${opts.account}:role${path}${opts.name}`,
      assumeRolePolicyDocument: text(opts.trust),
      maxSessionDuration: opts.maxSessionDuration ?? 3600,
      tags: opts.tags ?? [],
      createDate: '2025-01-01T00:00:00Z',
    };
    this.roles.set(`${opts.account}/${opts.name}`, r);
    this.inline.set(`role:${opts.account}/${opts.name}`, opts.policies ?? []);
    if (opts.boundary) this.boundaries.set(`role:${opts.account}/${opts.name}`, opts.boundary);
    return r;
  }

  addProvider(opts: {
    account: string;
    url: string;
    clientIds?: string[];
    thumbprints?: string[];
  }): OidcProviderRecord {
    const p: OidcProviderRecord = {
      account: opts.account,
      arn: `arn:aws:iam::${opts.account}:oidc-provider/${opts.url}`,
      url: opts.url,
      clientIds: opts.clientIds ?? ['sts.amazonaws.com'],
      thumbprints: opts.thumbprints ?? [],
      tags: [],
      createDate: '2025-01-01T00:00:00Z',
    };
    this.providers.set(`${opts.account}/${opts.url}`, p);
    return p;
  }

  addUser(opts: {
    account: string;
    name: string;
    policies?: Doc[];
    boundary?: Doc;
    tags?: { Key: string; Value: string }[];
  }): UserRecord {
    const u: UserRecord = {
      account: opts.account,
      userName: opts.name,
      userId: uniqueId('AIDA', `${opts.account}/${opts.name}`),
      path: '/',
      arn: `arn:aws:iam::${opts.account}:user/${opts.name}`,
      tags: opts.tags ?? [],
      createDate: '2025-01-01T00:00:00Z',
    };
    this.users.set(`${opts.account}/${opts.name}`, u);
    this.inline.set(`user:${opts.account}/${opts.name}`, opts.policies ?? []);
    if (opts.boundary) this.boundaries.set(`user:${opts.account}/${opts.name}`, opts.boundary);
    return u;
  }

  addAccessKey(k: AccessKeyRecord): void {
    this.keys.set(k.accessKeyId, k);
  }

  addManagedPolicy(arn: string, doc: Doc): void {
    this.managed.set(arn, { arn, document: text(doc), policy: compile(doc, 'identity', arn) });
  }

  async getRole(account: string, roleName: string) {
    return this.roles.get(`${account}/${roleName}`);
  }
  async findOidcProvider(account: string, url: string) {
    return this.providers.get(`${account}/${url}`);
  }
  async getUser(account: string, userName: string) {
    return this.users.get(`${account}/${userName}`);
  }
  async getAccessKey(accessKeyId: string) {
    return this.keys.get(accessKeyId);
  }
  async getManagedPolicy(arn: string) {
    return this.managed.get(arn);
  }
  async policiesOf(
    entity:
      | { kind: 'role'; account: string; roleName: string }
      | { kind: 'user'; account: string; userName: string },
  ): Promise<IdentityPolicies> {
    const key =
      entity.kind === 'role'
        ? `role:${entity.account}/${entity.roleName}`
        : `user:${entity.account}/${entity.userName}`;
    const docs = this.inline.get(key) ?? [];
    const boundary = this.boundaries.get(key);
    const uniqueId =
      entity.kind === 'role'
        ? this.roles.get(`${entity.account}/${entity.roleName}`)?.roleId
        : this.users.get(`${entity.account}/${entity.userName}`)?.userId;
    return {
      identity: docs.map((d, i) => compile(d, 'identity', `${key} inline ${i}`)),
      boundary: boundary ? [compile(boundary, 'boundary', `${key} boundary`)] : [],
      uniqueId,
      tags:
        (entity.kind === 'role'
          ? this.roles.get(`${entity.account}/${entity.roleName}`)?.tags
          : this.users.get(`${entity.account}/${entity.userName}`)?.tags) ?? [],
    };
  }
  async accounts() {
    return [...new Set([...this.roles.values()].map((r) => r.account))];
  }
}

/** A call context; `caller` undefined is an unsigned call. */
export function callContext(clock: Clock, caller?: Caller): CallContext {
  return {
    requestId: '00000000-0000-4000-8000-000000000000',
    caller,
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 'aws-sdk-js/3.998.2',
    secureTransport: false,
    now: clock(),
    endpoint: 'http://127.0.0.1:4577',
    audit: {},
    decisions: [],
  };
}

export const SA = {
  name: 's3-app',
  namespace: 'production',
  uid: '6a1c5c8b-0000-4000-8000-00000000000a',
};

/** irsakit's issuer on an ephemeral HTTPS port, with the local CA and a SQLite key ring. */
export interface IssuerFixture {
  base: string;
  ca: LocalCa;
  store: SqliteStore;
  ring: KeyRing;
  /** `https://127.0.0.1:<port>/id/<id>` */
  issuer(id: string): string;
  /** the IAM provider URL of an issuer (without `https://`) */
  providerUrl(id: string): string;
  /** adds a cluster with its first key */
  addCluster(id: string, name: string, alg?: 'RS256' | 'ES256'): Promise<IssuerCluster>;
  /** a service-account token from a cluster, as TokenRequest issues it */
  token(
    id: string,
    opts?: {
      namespace?: string;
      name?: string;
      audiences?: string[];
      expirationSeconds?: number;
      clock?: Clock;
      pod?: PodObject;
    },
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the issuer; `chain: 'full'` serves the server certificate followed by the CA (the
 * chain whose top certificate is the CA), `'leaf'` the server certificate alone.
 */
export async function startIssuer(
  clock: Clock,
  opts: { chain?: 'full' | 'leaf'; host?: string } = {},
): Promise<IssuerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-sts-'));
  // TLS checks certificates against the real time, so the CA lives on the system clock
  const ca = await ensureLocalCa({ dataDir: dir });
  const store = new SqliteStore(join(dir, 'irsakit.db'));
  const clusters = new Map<string, ServedCluster & IssuerCluster>();
  const server: Server = createServer(
    {
      key: ca.serverKeyPem,
      cert: opts.chain === 'leaf' ? ca.serverCertPem : ca.serverCertPem + ca.caCertPem,
    },
    createIssuerHandler({ store, clock, resolveCluster: (id) => clusters.get(id) }),
  );
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const base = `https://${host}:${(server.address() as AddressInfo).port}`;
  const ring = new KeyRing({ store, clock });
  const issuer = (id: string) => `${base}/id/${id}`;
  return {
    base,
    ca,
    store,
    ring,
    issuer,
    providerUrl: (id) => issuer(id).slice('https://'.length),
    async addCluster(id, name, alg = 'RS256') {
      const c = { name, issuer: issuer(id), maxTokenExpirationSeconds: 86_400 };
      clusters.set(id, c);
      await ring.ensure(name, { alg, maxTokenLifetimeSeconds: 86_400 });
      return c;
    },
    async token(id, t = {}) {
      const cluster = clusters.get(id);
      if (!cluster) throw new Error(`no cluster ${id}`);
      const namespace = t.namespace ?? SA.namespace;
      const name = t.name ?? SA.name;
      const r = await issueToken({
        cluster,
        namespace,
        name,
        serviceAccount: { name, namespace, uid: SA.uid },
        request: {
          spec: {
            audiences: t.audiences ?? ['sts.amazonaws.com'],
            expirationSeconds: t.expirationSeconds ?? 86_400,
            ...(t.pod
              ? {
                  boundObjectRef: {
                    kind: 'Pod',
                    apiVersion: 'v1',
                    name: t.pod.name,
                    uid: t.pod.uid,
                  },
                }
              : {}),
          },
        },
        bound: t.pod ? { pod: t.pod } : undefined,
        clock: t.clock ?? clock,
        keyRing: new KeyRing({ store, clock: t.clock ?? clock }),
      });
      if (!r.ok) throw new Error(r.status.message);
      return r.token;
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
