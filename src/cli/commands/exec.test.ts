import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../cluster/manifests.js';
import { recreateFix } from '../../doctor/derive.js';
import { admittedPod, serviceAccount } from '../../doctor/testing.js';
import { applyJsonPatch } from '../../webhook/json-patch.js';
import { mutatePod } from '../../webhook/mutate.js';
import { defaultContainerCredentials, defaultWebhookOptions } from '../../webhook/options.js';
import type { Pod, ServiceAccount } from '../../webhook/types.js';
import { execPlan, type ExecPlanInput } from './exec.js';
import {
  type IssuedToken,
  type Timers,
  TokenRefresher,
  refreshTime,
  writeTokenFile,
} from './exec-token.js';

const HOUR = 3600 * 1000;
const T0 = Date.parse('2025-03-04T00:00:00Z');
/** 80 % of a day, when a one-day token is refreshed */
const DAY80 = 69_120_000;

/** A clock and timers driven by the test: time moves only when told. */
function drivenTime(start: number) {
  let now = start;
  let seq = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set(fn, ms) {
      const id = ++seq;
      queue.set(id, { at: now + ms, fn });
      return id;
    },
    clear(h) {
      queue.delete(h as number);
    },
  };
  return {
    now: () => now,
    timers,
    pending: () => queue.size,
    /** moves the clock to `to`, firing due timers in order (and awaiting what they start) */
    async advanceTo(to: number, settle: () => Promise<void>) {
      for (;;) {
        const due = [...queue.entries()]
          .filter(([, t]) => t.at <= to)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        queue.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await settle();
      }
      now = to;
    },
    /** a wall-clock jump with no timer firing (a laptop asleep) */
    jump(ms: number) {
      now += ms;
      for (const t of queue.values()) t.at += ms;
    },
  };
}

function issuer(time: { now: () => number }, ttlSeconds: number) {
  let n = 0;
  let fail = false;
  return {
    get count() {
      return n;
    },
    failNext(v: boolean) {
      fail = v;
    },
    request: async (): Promise<IssuedToken> => {
      if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:4577');
      n++;
      return {
        token: `token-${n}`,
        expirationTimestamp: new Date(time.now() + ttlSeconds * 1000).toISOString(),
        expirationSeconds: ttlSeconds,
      };
    },
  };
}

describe('refreshTime (the kubelet’s rule)', () => {
  it.each([
    { name: '80 % of a day', ttl: 86400, after: 69_120_000 },
    { name: '80 % of 10 minutes', ttl: 600, after: 480_000 },
    { name: 'at most 24 h of age', ttl: 48 * 3600, after: 24 * HOUR },
  ])('$name', ({ ttl, after }) => {
    const t = {
      expirationTimestamp: new Date(T0 + ttl * 1000).toISOString(),
      expirationSeconds: ttl,
    };
    expect(refreshTime(t) - T0).toBe(after);
  });
});

describe('TokenRefresher, with a driven clock', () => {
  it('writes the first token, then a fresh one at 80 % of each lifetime', async () => {
    const time = drivenTime(T0);
    const iss = issuer(time, 86400);
    const written: string[] = [];
    const r = new TokenRefresher({
      now: time.now,
      timers: time.timers,
      request: iss.request,
      write: async (t) => {
        written.push(t);
      },
    });
    await r.start();
    expect(written).toEqual(['token-1']);
    const settle = () => r.idle();
    await time.advanceTo(T0 + DAY80 - 1000, settle);
    expect(written).toEqual(['token-1']);
    await time.advanceTo(T0 + DAY80, settle);
    expect(written).toEqual(['token-1', 'token-2']);
    expect(r.refreshAt).toBe(T0 + 2 * DAY80);
    // a program running for three days keeps a valid token the whole time
    for (let t = T0 + DAY80; t < T0 + 72 * HOUR; t += 60_000) {
      await time.advanceTo(t, settle);
      expect(time.now()).toBeLessThan(r.expiresAt);
    }
    expect(written.length).toBe(4);
    await r.stop();
    expect(time.pending()).toBe(0);
  });

  it('keeps the old token when a refresh fails, and retries with back-off', async () => {
    const time = drivenTime(T0);
    const iss = issuer(time, 600);
    const logs: string[] = [];
    const written: string[] = [];
    const r = new TokenRefresher({
      now: time.now,
      timers: time.timers,
      request: iss.request,
      write: async (t) => {
        written.push(t);
      },
      log: (l) => logs.push(l),
    });
    await r.start();
    const settle = () => r.idle();
    iss.failNext(true);
    await time.advanceTo(T0 + 480_000, settle);
    expect(written).toEqual(['token-1']);
    expect(logs[0]).toMatch(
      /^token refresh failed \(connect ECONNREFUSED 127\.0\.0\.1:4577\); keeping the current token until 2025-03-04T00:10:00\.000Z; retrying in 10s$/,
    );
    await time.advanceTo(T0 + 490_000, settle);
    expect(logs[1]).toMatch(/retrying in 20s$/);
    iss.failNext(false);
    await time.advanceTo(T0 + 510_000, settle);
    expect(written).toEqual(['token-1', 'token-2']);
    expect(logs[2]).toMatch(/^token refreshed; next refresh at /);
    expect(logs.join('\n')).not.toContain('token-');
    await r.stop();
  });

  it('refreshes on waking when the machine slept past the refresh time', async () => {
    const time = drivenTime(T0);
    const iss = issuer(time, 3600);
    const written: string[] = [];
    const r = new TokenRefresher({
      now: time.now,
      timers: time.timers,
      request: iss.request,
      write: async (t) => {
        written.push(t);
      },
      maxSleepMs: 30_000,
    });
    await r.start();
    time.jump(50 * 60_000); // asleep for 50 minutes; the timer did not move
    await time.advanceTo(time.now() + 30_000, () => r.idle());
    expect(written).toEqual(['token-1', 'token-2']);
    await r.stop();
  });
});

describe('TokenRefresher.stop, during a refresh', () => {
  /** a refresher whose TokenRequest and write answer when the test says */
  function gated() {
    const time = drivenTime(T0);
    const iss = issuer(time, 600);
    const written: string[] = [];
    const gates: { request?: () => void; write?: () => void } = {};
    let holdRequest = false;
    let holdWrite = false;
    const r = new TokenRefresher({
      now: time.now,
      timers: time.timers,
      request: async () => {
        if (holdRequest) await new Promise<void>((go) => (gates.request = go));
        return iss.request();
      },
      write: async (t) => {
        if (holdWrite) await new Promise<void>((go) => (gates.write = go));
        written.push(t);
      },
    });
    const hold = (what: 'request' | 'write') => {
      if (what === 'request') holdRequest = true;
      else holdWrite = true;
    };
    return { time, r, written, gates, hold };
  }
  const tick = () => new Promise<void>((go) => setImmediate(go));

  it('drops a token that arrives after stop(), and resolves once that refresh is over', async () => {
    const g = gated();
    await g.r.start();
    g.hold('request');
    await g.time.advanceTo(T0 + 480_000, tick);
    expect(g.gates.request).toBeDefined();
    let stopped = false;
    const stopping = g.r.stop().then(() => {
      stopped = true;
    });
    await tick();
    expect(stopped).toBe(false);
    g.gates.request?.();
    await stopping;
    expect(g.written).toEqual(['token-1']);
    expect(g.time.pending()).toBe(0);
  });

  it('waits for a write under way before it resolves, then writes no more', async () => {
    const g = gated();
    await g.r.start();
    g.hold('write');
    await g.time.advanceTo(T0 + 480_000, tick);
    expect(g.gates.write).toBeDefined();
    let stopped = false;
    const stopping = g.r.stop().then(() => {
      stopped = true;
    });
    await tick();
    expect(stopped).toBe(false);
    g.gates.write?.();
    await stopping;
    expect(g.written).toEqual(['token-1', 'token-2']);
    expect(g.time.pending()).toBe(0);
  });

  it('leaves no token file behind when the folder is removed after stop()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-exec-stop-'));
    const path = join(dir, 'pod', 'aws-iam-token', 'token');
    const time = drivenTime(T0);
    const iss = issuer(time, 600);
    let release: (() => void) | undefined;
    let hold = false;
    const r = new TokenRefresher({
      now: time.now,
      timers: time.timers,
      request: async () => {
        if (hold) await new Promise<void>((go) => (release = go));
        return iss.request();
      },
      write: (t) => writeTokenFile(path, t),
    });
    await r.start();
    hold = true;
    await time.advanceTo(T0 + 480_000, tick);
    const stopping = r.stop();
    release?.();
    await stopping;
    rmSync(join(dir, 'pod'), { recursive: true, force: true });
    await tick();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('writeTokenFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-exec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole, mode 0600, leaving no temporary file', async () => {
    const path = join(dir, 'a', 'aws-iam-token', 'token');
    await writeTokenFile(path, 'first');
    await writeTokenFile(path, 'second');
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'a', 'aws-iam-token'))).toEqual(['token']);
  });

  it('readers see either token, never a part', async () => {
    const path = join(dir, 'b', 'token');
    const big = (c: string) => c.repeat(256 * 1024);
    await writeTokenFile(path, big('a'));
    const seen = new Set<string>();
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await writeTokenFile(path, big(i % 2 ? 'a' : 'b'));
    })();
    let done = false;
    void writes.then(() => {
      done = true;
    });
    while (!done) {
      const t = readFileSync(path, 'utf8');
      seen.add(t === big('a') ? 'a' : t === big('b') ? 'b' : 'partial');
      await new Promise((r) => setImmediate(r));
    }
    expect(seen.has('partial')).toBe(false);
  });
});

describe('execPlan', () => {
  const sa = serviceAccount({
    'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/s3-app-role',
    'eks.amazonaws.com/sts-regional-endpoints': 'true',
  });
  const base = (over: Partial<ExecPlanInput> = {}): ExecPlanInput => {
    const p = admittedPod('s3-reader', sa);
    return {
      callerEnv: {
        PATH: '/usr/bin',
        HOME: '/home/me',
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'session',
        AWS_SECURITY_TOKEN: 'session',
        AWS_PROFILE: 'admin',
        AWS_DEFAULT_PROFILE: 'admin',
        AWS_SHARED_CREDENTIALS_FILE: '/home/me/.aws/credentials',
        AWS_CONFIG_FILE: '/home/me/.aws/config',
        AWS_ROLE_ARN: 'arn:aws:iam::999999999999:role/mine',
        AWS_ENDPOINT_URL_S3: 'http://localhost:4566',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
        AWS_PAGER: '',
        AWS_REGION: 'eu-west-3',
      },
      pod: p.object,
      admission: p.admission,
      serviceAccount: sa,
      endpoint: 'http://127.0.0.1:4577',
      podDir: '/data/exec/demo/production/s3-reader',
      emptyCredentials: '/data/exec/empty-credentials',
      emptyConfig: '/data/exec/empty-config',
      recreate: recreateFix(p, 'production'),
      ...over,
    };
  };

  it('is the webhook’s env, the token under the data folder, and none of the caller’s AWS identity', () => {
    const plan = execPlan(base());
    const aws = Object.fromEntries(Object.entries(plan.env).filter(([k]) => k.startsWith('AWS_')));
    expect(aws).toEqual({
      AWS_PAGER: '',
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/s3-app-role',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/data/exec/demo/production/s3-reader/aws-iam-token/token',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4577',
      AWS_SHARED_CREDENTIALS_FILE: '/data/exec/empty-credentials',
      AWS_CONFIG_FILE: '/data/exec/empty-config',
    });
    expect(plan.env.PATH).toBe('/usr/bin');
    // a home of the pod's own (the CLI's credential cache), the caller's Python tools kept
    expect(plan.env.HOME).toBe('/data/exec/demo/production/s3-reader/home');
    expect(plan.env.PYTHONUSERBASE).toBe('/home/me/.local');
    expect(plan.env.PYENV_ROOT).toBe('/home/me/.pyenv');
    expect(plan.tokens).toEqual([
      {
        variable: 'AWS_WEB_IDENTITY_TOKEN_FILE',
        path: '/data/exec/demo/production/s3-reader/aws-iam-token/token',
        volume: 'aws-iam-token',
        audience: 'sts.amazonaws.com',
        expirationSeconds: 86400,
      },
    ]);
    expect(plan.warnings).toEqual([]);
    expect(plan.container).toBe('app');
  });

  it('passes the container’s own env, the downward API and $(VAR) expansion', () => {
    const p = base();
    const c = (p.pod.spec?.containers as { env: unknown[] }[])[0] as { env: unknown[] };
    c.env.unshift(
      { name: 'S3_BUCKET', value: 'my-bucket' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'PREFIX', value: '$(POD_NAME)/$(S3_BUCKET)/$$(literal)' },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    );
    const plan = execPlan(p);
    expect(plan.env).toMatchObject({
      S3_BUCKET: 'my-bucket',
      POD_NAME: 's3-reader',
      PREFIX: 's3-reader/my-bucket/$(literal)',
    });
    expect(plan.env.PASSWORD).toBeUndefined();
    expect(plan.warnings).toEqual([
      'PASSWORD comes from a Secret or ConfigMap, which irsakit does not keep: not set',
    ]);
  });

  it('warns, with the fix, for a pod admitted before the annotation', () => {
    const p = admittedPod('s3-reader', serviceAccount({}));
    const plan = execPlan(base({ pod: p.object, admission: p.admission }));
    expect(plan.env.AWS_ROLE_ARN).toBeUndefined();
    expect(plan.env.AWS_WEB_IDENTITY_TOKEN_FILE).toBeUndefined();
    expect(plan.tokens).toEqual([]);
    expect(plan.warnings).toEqual([
      'pod production/s3-reader (container app) has no IRSA environment (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE): it was admitted at 2025-03-04T10:00:00Z, before ServiceAccount production/s3-app had its eks.amazonaws.com/role-arn annotation, and the webhook never changes a running pod; fix: re-create the pod: irsa delete pod s3-reader -n production, then irsa apply -f <its manifest>; running anyway: AWS SDKs will find no credentials',
    ]);
  });

  it('warns, with the fix, for a ServiceAccount without the annotation', () => {
    const plain = serviceAccount({});
    const p = admittedPod('s3-reader', plain);
    const plan = execPlan(base({ pod: p.object, admission: p.admission, serviceAccount: plain }));
    expect(plan.warnings[0]).toMatch(
      /ServiceAccount production\/s3-app has no eks\.amazonaws\.com\/role-arn annotation; annotate it \(eks\.amazonaws\.com\/role-arn: arn:aws:iam::<account>:role\/<role>\), then re-create the pod/,
    );
  });

  /** a pod admitted in Pod Identity mode, its agent URI the webhook's flag (default: the agent's) */
  const podIdentityPod = (fullUri?: string): KubeObject => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pi', namespace: 'production', uid: 'uid-pi' },
      spec: { serviceAccountName: 's3-app', containers: [{ name: 'app', image: 'x' }] },
    };
    const r = mutatePod(
      { pod, namespace: 'production', serviceAccount: sa as ServiceAccount, podIdentity: true },
      {
        ...defaultWebhookOptions(),
        awsDefaultRegion: 'us-east-1',
        containerCredentials: {
          ...defaultContainerCredentials(),
          ...(fullUri ? { fullUri } : {}),
        },
      },
      (min) => min,
    );
    return applyJsonPatch(pod, r.patch) as KubeObject;
  };

  it('a Pod Identity pod: the agent URI at the edge, the token under the data folder', () => {
    expect(defaultContainerCredentials().fullUri).toBe('http://169.254.170.23/v1/credentials');
    const plan = execPlan(base({ pod: podIdentityPod(), admission: undefined }));
    // the edge serves the agent's GET /v1/credentials (src/services/eks-auth/agent.ts)
    expect(plan.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(
      'http://127.0.0.1:4577/v1/credentials',
    );
    expect(plan.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).toBe(
      '/data/exec/demo/production/s3-reader/eks-pod-identity-token/eks-pod-identity-token',
    );
    expect(plan.env.AWS_ROLE_ARN).toBeUndefined();
    expect(plan.tokens).toEqual([
      {
        variable: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
        path: '/data/exec/demo/production/s3-reader/eks-pod-identity-token/eks-pod-identity-token',
        volume: 'eks-pod-identity-token',
        audience: 'pods.eks.amazonaws.com',
        expirationSeconds: 79200,
      },
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it.each([
    [
      'the agent’s IPv6 address',
      'http://[fd00:ec2::23]/v1/credentials',
      'http://localhost:4577/',
      'http://localhost:4577/v1/credentials',
    ],
    [
      'another URI',
      'http://10.0.0.9:2703/v1/credentials',
      'http://127.0.0.1:4577',
      'http://10.0.0.9:2703/v1/credentials',
    ],
    [
      'the agent’s address on another path',
      'http://169.254.170.23/v2/credentials',
      'http://127.0.0.1:4577',
      'http://169.254.170.23/v2/credentials',
    ],
  ])('a Pod Identity pod with %s', (_, fullUri, endpoint, expected) => {
    const plan = execPlan(base({ pod: podIdentityPod(fullUri), admission: undefined, endpoint }));
    expect(plan.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(expected);
    expect(plan.warnings).toEqual([]);
  });

  it('a Pod Identity pod, with an edge that is not on a loopback address: a warning', () => {
    const plan = execPlan(
      base({ pod: podIdentityPod(), admission: undefined, endpoint: 'http://10.1.2.3:4577' }),
    );
    expect(plan.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe('http://10.1.2.3:4577/v1/credentials');
    expect(plan.warnings).toEqual([
      'the pod uses EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.1.2.3:4577/v1/credentials, but the agent endpoint answers on a loopback address only (and AWS SDKs take http credentials from one only)',
    ]);
  });

  it('names the containers when -c names none of them', () => {
    expect(() => execPlan(base({ container: 'sidecar' }))).toThrow(
      'container sidecar is not valid for pod s3-reader (its containers: app)',
    );
  });
});
