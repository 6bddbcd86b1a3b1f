/**
 * `irsa webhook serve`: flag parsing into a plan (through commander, as the CLI parses
 * them), and the whole command run in-process — a manifest file and an identities file as
 * sources, HTTPS admission, SIGTERM shutdown.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseGoDuration,
  planServe,
  registerWebhookCommand,
  type ServeFlags,
  type ServePlan,
} from '../src/cli/commands/webhook.js';
import { type Output } from '../src/cli/io.js';
import { main } from '../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'wh-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet: Output = { out: () => undefined, err: () => undefined, color: false };

/** Parses `irsa webhook serve ARGS` with the real option definitions; returns the flags. */
async function flagsOf(args: string[]): Promise<ServeFlags> {
  const program = new Command().exitOverride();
  registerWebhookCommand(program, quiet, () => undefined);
  let captured: ServeFlags | undefined;
  const serve = program.commands
    .find((c) => c.name() === 'webhook')
    ?.commands.find((c) => c.name() === 'serve');
  serve?.exitOverride().action((flags: ServeFlags) => {
    captured = flags;
  });
  await program.parseAsync(['webhook', 'serve', ...args], { from: 'user' });
  if (!captured) throw new Error('not parsed');
  return captured;
}
const plan = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServePlan> =>
  planServe(await flagsOf(args), env);

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['100ms', 100],
    ['1s', 1000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['500us', 0.5],
    ['10', undefined],
    ['1 s', undefined],
    ['s', undefined],
    ['', undefined],
  ])('%j → %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });
});

describe('planServe', () => {
  it('upstream defaults; the API server is the source when no other is given', async () => {
    const p = await plan([]);
    expect(p.server).toMatchObject({
      port: 443,
      metricsPort: 9999,
      tlsCertFile: '/etc/webhook/certs/tls.crt',
      tlsKeyFile: '/etc/webhook/certs/tls.key',
      gracePeriodMs: 0,
      debugHandlers: false,
      tlsMinVersion: undefined,
      ciphers: undefined,
    });
    expect(p.options).toEqual({
      annotationPrefix: 'eks.amazonaws.com',
      tokenAudience: 'sts.amazonaws.com',
      tokenMountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
      tokenExpiration: 86400,
      awsDefaultRegion: '',
      stsRegionalEndpoint: false,
      containerCredentials: null,
      composeRoleArn: null,
      configMap: {},
    });
    expect(p.kube).toEqual({
      kubeconfig: undefined,
      kubeApi: undefined,
      watchConfigMap: undefined,
    });
    expect(p.irsa).toBeUndefined();
    expect(p.serviceAccountFiles).toEqual([]);
  });

  it.each([
    [['--sts-regional-endpoint'], { stsRegionalEndpoint: true }],
    [['--sts-regional-endpoint=true'], { stsRegionalEndpoint: true }],
    [['--sts-regional-endpoint=false'], { stsRegionalEndpoint: false }],
    [['--token-expiration', '300'], { tokenExpiration: 600 }],
    [['--token-expiration', '3600'], { tokenExpiration: 3600 }],
    [
      [
        '--annotation-prefix',
        'example.com',
        '--token-audience',
        'aud',
        '--token-mount-path',
        '/m/',
        '--aws-default-region',
        'eu-west-1',
      ],
      {
        annotationPrefix: 'example.com',
        tokenAudience: 'aud',
        tokenMountPath: '/m/',
        awsDefaultRegion: 'eu-west-1',
      },
    ],
    [
      ['--compose-role-arn', '--account', '123456789012', '--aws-default-region', 'cn-north-1'],
      { composeRoleArn: { account: '123456789012', partition: 'aws-cn' } },
    ],
    [
      ['--compose-role-arn=true', '--account', '123456789012', '--partition', 'aws-us-gov'],
      { composeRoleArn: { account: '123456789012', partition: 'aws-us-gov' } },
    ],
    [
      [
        '--watch-container-credentials-config',
        '/ids.json',
        '--container-credentials-audience',
        'a',
        '--container-credentials-token-mount-path',
        '/m',
        '--container-credentials-token-volume-name',
        'v',
        '--container-credentials-token-path',
        't',
        '--container-credentials-full-uri',
        'http://127.0.0.1:2703/v1/credentials',
      ],
      {
        containerCredentials: {
          audience: 'a',
          mountPath: '/m',
          volumeName: 'v',
          tokenPath: 't',
          fullUri: 'http://127.0.0.1:2703/v1/credentials',
        },
      },
    ],
    [
      ['--watch-container-credentials-config', '/ids.json'],
      {
        containerCredentials: {
          audience: 'pods.eks.amazonaws.com',
          mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
          volumeName: 'eks-pod-identity-token',
          tokenPath: 'eks-pod-identity-token',
          fullUri: 'http://169.254.170.23/v1/credentials',
        },
      },
    ],
  ])('%j', async (args, options) => {
    expect((await plan(args)).options).toMatchObject(options);
  });

  it.each([
    [
      ['--port', '8443', '--metrics-port', '0', '--bind-address', '127.0.0.1'],
      { port: 8443, metricsPort: 0, bindAddress: '127.0.0.1' },
    ],
    [
      [
        '--tls-min-version',
        'VersionTLS13',
        '--tls-cipher-suites',
        'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256',
      ],
      { tlsMinVersion: 'TLSv1.3', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256' },
    ],
    [['--tls-min-version', '1.2'], { tlsMinVersion: 'TLSv1.2' }],
    [['--service-account-lookup-grace-period', '100ms'], { gracePeriodMs: 100 }],
    [['--enable-debugging-handlers'], { debugHandlers: true }],
    [
      ['--in-cluster=false', '--tls-cert', '/c', '--tls-key', '/k'],
      { tlsCertFile: '/c', tlsKeyFile: '/k' },
    ],
  ])('server %j', async (args, server) => {
    expect((await plan(args)).server).toMatchObject(server);
  });

  it('sources: files only, files and an API server, the ConfigMap', async () => {
    const files = await plan(['--service-accounts', 'a.yaml', '--service-accounts', 'b.yaml']);
    expect(files.serviceAccountFiles).toEqual(['a.yaml', 'b.yaml']);
    expect(files.kube).toBeUndefined();
    const both = await plan([
      '--service-accounts',
      'a.yaml',
      '--kubeconfig',
      '/k',
      '--watch-config-map',
      '--namespace',
      'kube-system',
    ]);
    expect(both.kube).toEqual({
      kubeconfig: '/k',
      kubeApi: undefined,
      watchConfigMap: { namespace: 'kube-system' },
    });
  });

  it('--from-irsa reads the admin token and endpoint from the data folder', async () => {
    const data = join(dir, 'data');
    execFileSync('mkdir', ['-p', data]);
    writeFileSync(join(data, 'admin-token'), 'tok-123\n', { mode: 0o600 });
    const p = await plan(['--from-irsa', '--data', data, '--cluster', 'dev']);
    expect(p.irsa).toEqual({
      endpoint: 'http://127.0.0.1:4577',
      token: 'tok-123',
      cluster: 'dev',
      intervalMs: 2000,
    });
    expect(p.kube).toBeUndefined();
    const env = await plan(['--from-irsa', '--cluster', 'dev', '--poll-interval', '500ms'], {
      IRSA_DATA: data,
      IRSA_ENDPOINT: 'http://10.0.0.1:4577/',
    });
    expect(env.irsa).toMatchObject({ endpoint: 'http://10.0.0.1:4577', intervalMs: 500 });
    const flag = await plan([
      '--from-irsa',
      '--data',
      data,
      '--cluster',
      'dev',
      '--endpoint',
      'http://h:1',
    ]);
    expect(flag.irsa?.endpoint).toBe('http://h:1');
  });

  it.each([
    [['--sts-regional-endpoint=maybe'], 'invalid boolean value `maybe`'],
    [['--token-expiration', '1h'], '--token-expiration takes a number of seconds'],
    [
      ['--service-account-lookup-grace-period', '100'],
      '--service-account-lookup-grace-period takes a duration such as 100ms or 1s',
    ],
    [['--compose-role-arn'], /^--compose-role-arn needs --account/],
    [['--tls-min-version', '1.4'], /^--tls-min-version: unknown TLS version `1.4`/],
    [['--tls-cipher-suites', 'TLS_FAKE'], '--tls-cipher-suites: unknown cipher suite `TLS_FAKE`'],
    [['--port', '70000'], '--port takes a port number (0–65535)'],
    [
      ['--service-accounts', 'a.yaml', '--watch-config-map'],
      /^--watch-config-map reads the ConfigMap from an API server/,
    ],
    [['--from-irsa'], '--from-irsa needs --cluster NAME'],
    [['--cluster', 'x'], '--cluster and --endpoint go with --from-irsa'],
    [
      ['--from-irsa', '--cluster', 'x', '--data', '/nonexistent-irsa'],
      /^--from-irsa: no admin token in \/nonexistent-irsa/,
    ],
  ])('rejects %j', async (args, message) => {
    await expect(plan(args)).rejects.toThrow(message);
  });
});

describe('irsa webhook serve (in-process)', () => {
  it('serves admissions from a manifest file and an identities file until SIGTERM', async () => {
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
      '/CN=webhook',
      '-days',
      '1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    );
    writeFileSync(
      join(dir, 'sas.yaml'),
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: team\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: pi, namespace: team}\n',
    );
    writeFileSync(
      join(dir, 'ids.json'),
      JSON.stringify({ identities: [{ namespace: 'team', serviceAccount: 'pi' }] }),
    );
    const lines: string[] = [];
    let announced: (port: number) => void = () => undefined;
    const port = new Promise<number>((r) => (announced = r));
    const io: Output = {
      out: () => undefined,
      err: (t) => {
        lines.push(t);
        const m = /serving https on port (\d+)/.exec(t);
        if (m) announced(Number(m[1]));
      },
      color: false,
    };
    const exit = main(
      [
        'webhook',
        'serve',
        '--bind-address',
        '127.0.0.1',
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--tls-cert',
        join(dir, 'tls.crt'),
        '--tls-key',
        join(dir, 'tls.key'),
        '--service-accounts',
        join(dir, 'sas.yaml'),
        '--watch-container-credentials-config',
        join(dir, 'ids.json'),
        '--aws-default-region',
        'eu-west-1',
      ],
      io,
    );
    const p = await port;
    const post = (sa: string) =>
      new Promise<{ response: { patch?: string } }>((resolve, reject) => {
        const body = JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: {
            uid: 'u',
            namespace: 'team',
            object: {
              metadata: { name: 'p' },
              spec: { serviceAccountName: sa, containers: [{ name: 'c' }] },
            },
          },
        });
        request(
          {
            host: '127.0.0.1',
            port: p,
            path: '/mutate',
            method: 'POST',
            ca: readFileSync(join(dir, 'tls.crt')),
            headers: { 'Content-Type': 'application/json' },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(JSON.parse(text)));
          },
        )
          .on('error', reject)
          .end(body);
      });
    const decode = (r: { response: { patch?: string } }) =>
      JSON.parse(Buffer.from(r.response.patch ?? '', 'base64').toString());
    const irsa = decode(await post('app'));
    expect(irsa[1].value[0].env.map((e: { name: string }) => e.name)).toEqual([
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_ROLE_ARN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ]);
    const pi = decode(await post('pi'));
    expect(pi[0]).toEqual({
      op: 'add',
      path: '/metadata/labels',
      value: { 'eks.amazonaws.com/pod-identity': 'enabled' },
    });
    expect((await post('nobody')).response.patch).toBeUndefined();

    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^service accounts: 2 from /),
        expect.stringMatching(/^pod identities: 1 from /),
        expect.stringMatching(/^admission uid=u namespace=team pod=p sa=app mode=irsa ms=/),
        expect.stringMatching(/^admission uid=u namespace=team pod=p sa=pi mode=pod-identity ms=/),
        'webhook: SIGTERM, shutting down',
      ]),
    );
  });

  it('exits 2 with a message when the certificate cannot be read', async () => {
    const errs: string[] = [];
    const code = await main(
      [
        'webhook',
        'serve',
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--tls-cert',
        '/nonexistent.crt',
        '--tls-key',
        '/nonexistent.key',
        '--service-accounts',
        join(dir, 'sas.yaml'),
      ],
      { ...quiet, err: (t) => errs.push(t) },
    );
    expect(code).toBe(2);
    expect(errs.at(-1)).toMatch(/^irsa: cannot read the certificate pair: /);
  });
});
