/**
 * Webhook throughput and latency:
 *   (a) in-process: `mutatePod` on a realistic pod (2 containers + 1 init container, env,
 *       probes, resources, mounts) — mutations per second, one core; also the whole
 *       in-process answer (decode the AdmissionReview, mutate, encode, base64);
 *   (b) over HTTPS: AdmissionReview round trips against the real server (`startWebhookServer`,
 *       in a child process so client and server do not share an event loop), 16 concurrent
 *       connections through a keep-alive agent — requests per second, p50 and p99.
 * Targets: ≥ 20,000 mutations/s in-process; p99 < 5 ms over HTTPS at 16 connections.
 *
 * Run: npm run bench:webhook   (or: node dist/bench/webhook/run.js [--seconds N])
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleWebhookRequest } from '../../src/webhook/handler.js';
import {
  defaultWebhookOptions,
  mutatePod,
  type Pod,
  type ServiceAccount,
  type WebhookOptions,
} from '../../src/webhook/index.js';
import { ServiceAccountCache } from '../../src/webhook/sa-cache.js';
import { startWebhookServer } from '../../src/webhook/server.js';

const argValue = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const seconds = Number(argValue('--seconds')) || 3;
const CONNECTIONS = 16;

const serviceAccount: ServiceAccount = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: {
    name: 's3-app',
    namespace: 'production',
    annotations: {
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/s3-app-role',
      'eks.amazonaws.com/sts-regional-endpoints': 'true',
      'eks.amazonaws.com/token-expiration': '3600',
    },
  },
};

const options: WebhookOptions = { ...defaultWebhookOptions(), awsDefaultRegion: 'eu-west-1' };

const container = (name: string, image: string) => ({
  name,
  image,
  imagePullPolicy: 'IfNotPresent',
  args: ['--config', '/etc/app/config.yaml', '--log-level', 'info'],
  ports: [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
  ],
  env: [
    { name: 'APP_ENV', value: 'production' },
    { name: 'LOG_FORMAT', value: 'json' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    { name: 'BUCKET', value: 'my-bucket' },
  ],
  envFrom: [{ configMapRef: { name: 'app-config' } }],
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
  livenessProbe: { httpGet: { path: '/live', port: 'http' }, initialDelaySeconds: 10 },
  securityContext: {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  },
  volumeMounts: [
    { name: 'config', mountPath: '/etc/app', readOnly: true },
    {
      name: 'kube-api-access-x7k2p',
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    },
  ],
});

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 's3-app-7d9f8b6c5-',
    namespace: 'production',
    labels: { app: 's3-app', 'pod-template-hash': '7d9f8b6c5' },
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 's3-app-7d9f8b6c5',
        uid: 'a1b2',
        controller: true,
      },
    ],
  },
  spec: {
    serviceAccountName: 's3-app',
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    initContainers: [
      { ...container('migrate', 'registry.example.com/s3-app-migrate:1.4.2'), ports: [] },
    ],
    containers: [
      container('app', 'registry.example.com/s3-app:1.4.2'),
      container('log-shipper', 'registry.example.com/fluent-bit:3.0'),
    ],
    volumes: [
      { name: 'config', configMap: { name: 'app-config' } },
      {
        name: 'kube-api-access-x7k2p',
        projected: {
          sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }],
        },
      },
    ],
    securityContext: { fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
  },
};

const review = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '918ef1dc-928f-4525-99ef-988389f263c3',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'production',
    operation: 'CREATE',
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    object: pod,
  },
});

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Median over 5 rounds of calls per second; `batch` runs `k` calls. */
async function rate(
  batch: (k: number) => void | Promise<void>,
  budgetSeconds: number,
): Promise<number> {
  await batch(20_000); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(Math.round((budgetSeconds / 5) * 1e9));
    while (process.hrtime.bigint() - start < budget) {
      await batch(1000);
      n += 1000;
    }
    rounds.push((n / Number(process.hrtime.bigint() - start)) * 1e9);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2] as number;
}

/** The server side, in a child process: `run.js --server <dir>`. */
async function serve(dir: string): Promise<void> {
  const cache = new ServiceAccountCache('eks.amazonaws.com');
  cache.source('bench').replace([serviceAccount]);
  let admissions = 0;
  const r = await startWebhookServer({
    bindAddress: '127.0.0.1',
    port: 0,
    metricsPort: null,
    tlsCertFile: join(dir, 'tls.crt'),
    tlsKeyFile: join(dir, 'tls.key'),
    options,
    cache,
    gracePeriodMs: 0,
    // the per-admission log line is formatted as in production, then counted, not printed
    log: () => void admissions++,
  });
  if (!r.ok) throw new Error(r.error);
  process.send?.({ port: r.server.port });
  process.on('message', () => {
    process.send?.({ admissions });
    void r.server.close(1000).then(() => process.exit(0));
  });
}

function post(agent: Agent, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(review),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200 || !body.includes('"patchType":"JSONPatch"')) {
            reject(new Error(`unexpected answer ${res.statusCode}: ${body.slice(0, 200)}`));
            return;
          }
          resolve(Number(process.hrtime.bigint() - started) / 1e6);
        });
      },
    );
    req.on('error', reject);
    req.end(review);
  });
}

async function overHttps(): Promise<{
  rps: number;
  p50: number;
  p99: number;
  max: number;
  n: number;
  admissions: number;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'irsakit-bench-webhook-'));
  try {
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'tls.key',
      '-out',
      'tls.crt',
      '-subj',
      '/CN=pod-identity-webhook',
      '-days',
      '1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    );
    const ca = readFileSync(join(dir, 'tls.crt'));
    const child = fork(process.argv[1] as string, ['--server', dir], { stdio: 'inherit' });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    // the CA on the agent: per-request TLS options would be stringified into the pool key
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca });
    const loop = async (until: bigint, out: number[] | undefined) => {
      while (process.hrtime.bigint() < until) {
        const ms = await post(agent, port);
        out?.push(ms);
      }
    };
    const deadline = (s: number) => process.hrtime.bigint() + BigInt(Math.round(s * 1e9));
    // warm-up: open the 16 connections, let both sides' JITs settle
    const warm = deadline(1);
    await Promise.all(Array.from({ length: CONNECTIONS }, () => loop(warm, undefined)));
    const latencies: number[] = [];
    const start = process.hrtime.bigint();
    const end = deadline(seconds);
    await Promise.all(Array.from({ length: CONNECTIONS }, () => loop(end, latencies)));
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    agent.destroy();
    const admissions = await new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { admissions: number }).admissions));
      child.send('stop');
    });
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] as number;
    return {
      rps: latencies.length / elapsed,
      p50: q(0.5),
      p99: q(0.99),
      max: latencies.at(-1) as number,
      n: latencies.length,
      admissions,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const serverDir = argValue('--server');
  if (serverDir) return serve(serverDir);

  console.log(
    `irsakit webhook benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores)`,
  );
  const input = { pod, namespace: 'production', serviceAccount };
  const check = mutatePod(input, options);
  if (check.mode !== 'irsa' || check.patch.length !== 3) throw new Error('unexpected mutation');
  console.log(
    `pod: 2 containers + 1 init container; patch ${check.patch.length} ops, ${fmt(JSON.stringify(check.patch).length)} bytes; review ${fmt(review.length)} bytes\n`,
  );

  const target = 20_000;
  let sink = 0;
  const pure = await rate((k) => {
    for (let i = 0; i < k; i++) sink += mutatePod(input, options).patch.length;
  }, seconds);
  console.log('(a) in-process, one core, median of 5 rounds');
  console.log(
    `  mutatePod                        : ${fmt(pure).padStart(9)} mutations/s  (${(1e6 / pure).toFixed(1)} µs)  target ${fmt(target)}  ${pure >= target ? 'ok' : 'BELOW TARGET'}`,
  );
  const context = { options, lookup: () => ({ serviceAccount }) };
  const whole = await rate(async (k) => {
    for (let i = 0; i < k; i++) {
      const r = await handleWebhookRequest(
        { method: 'POST', path: '/mutate', contentType: 'application/json', body: review },
        context,
      );
      sink += r.body.length;
    }
  }, seconds);
  if (sink === 0) throw new Error('nothing measured');
  console.log(
    `  AdmissionReview in → answer out  : ${fmt(whole).padStart(9)} reviews/s    (${(1e6 / whole).toFixed(1)} µs)\n`,
  );

  const h = await overHttps();
  const ok = h.p99 < 5;
  console.log(
    `(b) HTTPS round trips, ${CONNECTIONS} keep-alive connections, ${seconds}s (server in a child process)`,
  );
  console.log(
    `  ${fmt(h.rps)} req/s  p50 ${h.p50.toFixed(2)} ms  p99 ${h.p99.toFixed(2)} ms  max ${h.max.toFixed(2)} ms  (${fmt(h.n)} requests; server logged ${fmt(h.admissions)} admissions)`,
  );
  console.log(`  target p99 < 5 ms  ${ok ? 'ok' : 'ABOVE TARGET'}`);
  process.exitCode = pure >= target && ok ? 0 : 1;
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
