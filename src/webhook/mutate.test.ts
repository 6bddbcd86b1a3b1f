/**
 * The mutation beyond the upstream corpus: every annotation and flag, and the gaps listed
 * in spec/webhook.md §12 "Not covered" (ConfigMap source and wildcard, compose-role-arn,
 * invalid annotation values, CSV edge cases, `volumes: []`, an existing labels map in Pod
 * Identity mode, a non-default annotation prefix, a mount path with a trailing slash, a
 * ConfigMap entry without audience), and the two improvements over upstream.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseConfigMapConfig } from './config-map.js';
import { applyJsonPatch } from './json-patch.js';
import { mutatePod, serviceAccountSettings } from './mutate.js';
import { defaultContainerCredentials, defaultWebhookOptions } from './options.js';
import type {
  Container,
  MutationInput,
  MutationResult,
  Pod,
  ServiceAccount,
  WebhookOptions,
} from './types.js';

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const P = 'eks.amazonaws.com';

function pod(
  over: { annotations?: Record<string, string>; spec?: Partial<Pod['spec']> } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace: 'default', annotations: over.annotations },
    spec: {
      serviceAccountName: 'app',
      containers: [{ name: 'main', image: 'amazonlinux' }],
      ...over.spec,
    },
  };
}

function sa(annotations: Record<string, string> = {}, name = 'app', namespace = 'default') {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, annotations } };
}

const withRole = (extra: Record<string, string> = {}) => sa({ [`${P}/role-arn`]: ROLE, ...extra });
const podIdentityOptions = (): WebhookOptions => ({
  ...defaultWebhookOptions(),
  containerCredentials: defaultContainerCredentials(),
});
const min = (lo: number) => lo;

function run(
  input: Partial<MutationInput>,
  options: Partial<WebhookOptions> = {},
  random: (lo: number, hi: number) => number = min,
): MutationResult & { pod: Pod } {
  const full: MutationInput = { pod: pod(), namespace: 'default', ...input };
  const before = structuredClone(full.pod);
  const r = mutatePod(full, { ...defaultWebhookOptions(), ...options }, random);
  expect(full.pod).toEqual(before);
  return { ...r, pod: applyJsonPatch(full.pod, r.patch) };
}

const env = (p: Pod, i = 0) =>
  Object.fromEntries(
    ((p.spec?.containers?.[i] as Container).env ?? []).map((e) => [e.name, e.value]),
  );
const token = (p: Pod) =>
  (
    p.spec?.volumes?.[0] as unknown as {
      projected: { sources: { serviceAccountToken: Record<string, unknown> }[] };
    }
  ).projected.sources[0]?.serviceAccountToken;

describe('mode choice', () => {
  it.each([
    ['no service account, no ConfigMap', {}, 'none'],
    ['SA without role-arn', { serviceAccount: sa() }, 'none'],
    ['SA with an empty role-arn', { serviceAccount: sa({ [`${P}/role-arn`]: '' }) }, 'none'],
    ['SA with role-arn', { serviceAccount: withRole() }, 'irsa'],
    ['Pod Identity without container credentials configured', { podIdentity: true }, 'none'],
  ] as const)('%s → %s', (_name, input, mode) => {
    const r = run(input as Partial<MutationInput>);
    expect(r.mode).toBe(mode);
    if (mode === 'none') expect(r.patch).toEqual([]);
  });

  it('Pod Identity wins over role-arn and ignores it', () => {
    const r = run({ serviceAccount: withRole(), podIdentity: true }, podIdentityOptions());
    expect(r.mode).toBe('pod-identity');
    expect(env(r.pod)).not.toHaveProperty('AWS_ROLE_ARN');
  });

  it('says so when the SA is a Pod Identity identity but the mode is off', () => {
    const r = run({ serviceAccount: withRole(), podIdentity: true });
    expect(r.mode).toBe('irsa');
    expect(r.warnings).toEqual([
      'the service account is a Pod Identity identity, but Pod Identity is off',
    ]);
  });

  it('a pod without a service account name is not mutated', () => {
    const p = pod({ spec: { serviceAccountName: undefined } });
    expect(run({ pod: p }, { configMap: { '*/': cm() } }).mode).toBe('none');
  });
});

describe('role-arn annotation', () => {
  it('is used verbatim, and a malformed value still, with a warning', () => {
    const r = run({ serviceAccount: sa({ [`${P}/role-arn`]: 'not-an-arn' }) });
    expect(env(r.pod).AWS_ROLE_ARN).toBe('not-an-arn');
    expect(r.warnings).toEqual([
      'service account default/app annotation `eks.amazonaws.com/role-arn`: `not-an-arn` does not look like a role ARN; used anyway',
    ]);
  });

  it.each([
    ['arn:aws:iam::111122223333:role/a', true],
    ['arn:aws-cn:iam::111122223333:role/path/to/a_b.c@d+e=f,g-h', true],
    ['arn:aws-us-gov:iam::111122223333:role/a', true],
    ['arn:aws:iam::11112222333:role/a', false],
    ['arn:aws:iam::111122223333:user/a', false],
    ['arn:aws:iam::111122223333:role/', false],
  ])('%s well-formed: %s', (arn, ok) => {
    const warnings: string[] = [];
    serviceAccountSettings(sa({ [`${P}/role-arn`]: arn }), defaultWebhookOptions(), warnings);
    expect(warnings).toHaveLength(ok ? 0 : 1);
  });

  it.each([
    ['my-role', 'arn:aws-cn:iam::123456789012:role/my-role'],
    ['path/my-role', 'arn:aws-cn:iam::123456789012:role/path/my-role'],
    ['arn:aws:iam::111122223333:role/kept', 'arn:aws:iam::111122223333:role/kept'],
  ])('--compose-role-arn: %s → %s', (value, arn) => {
    const r = run(
      { serviceAccount: sa({ [`${P}/role-arn`]: value }) },
      { composeRoleArn: { partition: 'aws-cn', account: '123456789012' } },
    );
    expect(env(r.pod).AWS_ROLE_ARN).toBe(arn);
    expect(r.warnings).toEqual([]);
  });

  it('without --compose-role-arn a bare name stays a bare name', () => {
    expect(
      env(run({ serviceAccount: sa({ [`${P}/role-arn`]: 'my-role' }) }).pod).AWS_ROLE_ARN,
    ).toBe('my-role');
  });
});

describe('audience', () => {
  it.each([
    ['flag default', {}, {}, 'sts.amazonaws.com'],
    ['annotation', { [`${P}/audience`]: 'custom' }, {}, 'custom'],
    ['annotation beats flag', { [`${P}/audience`]: 'custom' }, { tokenAudience: 'flag' }, 'custom'],
    ['flag', {}, { tokenAudience: 'flag' }, 'flag'],
    ['empty annotation: omitted', { [`${P}/audience`]: '' }, {}, undefined],
    ['empty flag: omitted', {}, { tokenAudience: '' }, undefined],
  ] as const)('%s', (_n, annotations, options, audience) => {
    const t = token(run({ serviceAccount: withRole(annotations) }, options).pod);
    expect(t?.audience).toBe(audience);
    expect(Object.keys(t ?? {})).toEqual(
      audience === undefined
        ? ['expirationSeconds', 'path']
        : ['audience', 'expirationSeconds', 'path'],
    );
  });
});

describe('token expiration', () => {
  it.each([
    ['3600', 3600, 0],
    ['+3600', 3600, 0],
    ['0', 600, 0],
    ['599', 600, 0],
    ['-5', 600, 0],
    ['600', 600, 0],
    ['99999999999', 99999999999, 0], // no maximum
    ['9223372036854775807', Number(2n ** 63n - 1n), 0], // int64 max (imprecise as a number)
    ['9223372036854775808', 86400, 1], // out of int64 range: ignored
    ['abc', 86400, 1],
    ['', 86400, 1],
    [' 3600', 86400, 1],
    ['3600s', 86400, 1],
    ['3_600', 86400, 1],
    ['3600.0', 86400, 1],
    ['0x100', 86400, 1],
  ])('SA annotation %j → %d', (value, seconds, warnings) => {
    const r = run({ serviceAccount: withRole({ [`${P}/token-expiration`]: value }) });
    expect(token(r.pod)?.expirationSeconds).toBe(seconds);
    expect(r.warnings).toHaveLength(warnings);
  });

  it.each([
    ['pod overrides SA', { [`${P}/token-expiration`]: '7200' }, '3600', 3600],
    ['pod below minimum', { [`${P}/token-expiration`]: '7200' }, '100', 600],
    ['invalid pod value falls back to SA', { [`${P}/token-expiration`]: '7200' }, 'x', 7200],
    ['pod over flag', {}, '1000000', 1000000],
  ])('%s', (_n, saAnnotations, podValue, seconds) => {
    const r = run({
      serviceAccount: withRole(saAnnotations),
      pod: pod({ annotations: { [`${P}/token-expiration`]: podValue } }),
    });
    expect(token(r.pod)?.expirationSeconds).toBe(seconds);
  });

  it.each([
    [3600, 3600],
    [300, 600],
  ])('flag %d → %d', (flag, seconds) => {
    expect(
      token(run({ serviceAccount: withRole() }, { tokenExpiration: flag }).pod)?.expirationSeconds,
    ).toBe(seconds);
  });

  it('no jitter in IRSA mode', () => {
    const random = vi.fn(() => 1);
    const r = run({ serviceAccount: withRole() }, {}, random);
    expect(random).not.toHaveBeenCalled();
    expect(token(r.pod)?.expirationSeconds).toBe(86400);
  });
});

describe('Pod Identity expiration, regional STS and jitter', () => {
  const random = (lo: number, hi: number) => {
    expect([lo, hi]).toEqual([79200, 86400]);
    return 80000;
  };
  it.each([
    ['SA known, no annotation: 86400 jittered', { serviceAccount: sa() }, {}, 80000, false],
    [
      'SA annotation 10000',
      { serviceAccount: sa({ [`${P}/token-expiration`]: '10000' }) },
      {},
      10000,
      false,
    ],
    [
      'SA annotation 86400 is jittered',
      { serviceAccount: sa({ [`${P}/token-expiration`]: '86400' }) },
      {},
      80000,
      false,
    ],
    ['flag 3600 via the SA', { serviceAccount: sa() }, { tokenExpiration: 3600 }, 3600, false],
    [
      'SA regional STS',
      { serviceAccount: sa({ [`${P}/sts-regional-endpoints`]: 'true' }) },
      {},
      80000,
      true,
    ],
    [
      'flag regional STS via the SA',
      { serviceAccount: sa() },
      { stsRegionalEndpoint: true },
      80000,
      true,
    ],
    [
      'SA unknown: false / 86400, flags not applied',
      {},
      { stsRegionalEndpoint: true, tokenExpiration: 3600 },
      80000,
      false,
    ],
    [
      'SA unknown, exact ConfigMap entry',
      {},
      { configMap: { 'default/app': cm({ useRegionalSts: true, tokenExpiration: 5000 }) } },
      5000,
      true,
    ],
    [
      'SA unknown, wildcard ConfigMap entry is not used',
      {},
      { configMap: { '*/app': cm({ useRegionalSts: true, tokenExpiration: 5000 }) } },
      80000,
      false,
    ],
  ] as const)('%s', (_n, input, options, seconds, sts) => {
    const r = run(
      { ...(input as Partial<MutationInput>), podIdentity: true },
      { ...podIdentityOptions(), ...(options as Partial<WebhookOptions>) },
      random,
    );
    expect(r.mode).toBe('pod-identity');
    expect(token(r.pod)?.expirationSeconds).toBe(seconds);
    expect(env(r.pod).AWS_STS_REGIONAL_ENDPOINTS).toBe(sts ? 'regional' : undefined);
  });

  it.each([
    ['3600', 3600],
    ['86400', 80000],
    ['10', 600],
  ])('pod annotation %s → %d', (value, seconds) => {
    const r = run(
      {
        serviceAccount: sa(),
        podIdentity: true,
        pod: pod({ annotations: { [`${P}/token-expiration`]: value } }),
      },
      podIdentityOptions(),
      random,
    );
    expect(token(r.pod)?.expirationSeconds).toBe(seconds);
  });

  it('uses the container-credentials settings', () => {
    const r = run({ serviceAccount: sa(), podIdentity: true }, podIdentityOptions());
    expect(env(r.pod)).toEqual({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:
        '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
    });
    expect(r.pod.spec?.volumes?.[0]?.name).toBe('eks-pod-identity-token');
    expect(token(r.pod)?.audience).toBe('pods.eks.amazonaws.com');
    expect(token(r.pod)?.path).toBe('eks-pod-identity-token');
    expect(r.pod.spec?.containers?.[0]?.volumeMounts).toEqual([
      {
        name: 'eks-pod-identity-token',
        readOnly: true,
        mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
      },
    ]);
  });
});

describe('Pod Identity label', () => {
  it.each([
    ['no labels', undefined, '/metadata/labels', { 'eks.amazonaws.com/pod-identity': 'enabled' }],
    ['labels: null', null, '/metadata/labels', { 'eks.amazonaws.com/pod-identity': 'enabled' }],
    ['labels: {}', {}, '/metadata/labels/eks.amazonaws.com~1pod-identity', 'enabled'],
    [
      'existing labels',
      { app: 'x' },
      '/metadata/labels/eks.amazonaws.com~1pod-identity',
      'enabled',
    ],
  ] as const)('%s → %s', (_n, labels, path, value) => {
    const p = pod();
    (p.metadata as { labels?: unknown }).labels = labels;
    const r = run({ pod: p, serviceAccount: sa(), podIdentity: true }, podIdentityOptions());
    expect(r.patch[0]).toEqual({ op: 'add', path, value });
    expect(r.pod.metadata?.labels).toEqual({
      ...(labels ?? {}),
      'eks.amazonaws.com/pod-identity': 'enabled',
    });
  });

  it('ignores the annotation prefix', () => {
    const r = run(
      { serviceAccount: sa(), podIdentity: true },
      { ...podIdentityOptions(), annotationPrefix: 'example.com' },
    );
    expect(r.pod.metadata?.labels).toEqual({ 'eks.amazonaws.com/pod-identity': 'enabled' });
  });
});

describe('regional STS', () => {
  it.each([
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v) => [v, false, true, 0] as const),
    ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v) => [v, true, false, 0] as const),
    ['yes', false, false, 1],
    ['yes', true, true, 1],
    ['', true, true, 1],
    [' true', false, false, 1],
    ['tRUE', false, false, 1],
  ] as const)('SA annotation %j with flag %s → %s', (value, flag, regional, warnings) => {
    const r = run(
      { serviceAccount: withRole({ [`${P}/sts-regional-endpoints`]: value }) },
      { stsRegionalEndpoint: flag },
    );
    expect(env(r.pod).AWS_STS_REGIONAL_ENDPOINTS).toBe(regional ? 'regional' : undefined);
    expect(r.warnings).toHaveLength(warnings);
  });

  it('flag alone', () => {
    expect(
      env(run({ serviceAccount: withRole() }, { stsRegionalEndpoint: true }).pod)
        .AWS_STS_REGIONAL_ENDPOINTS,
    ).toBe('regional');
  });
});

describe('env order and what blocks what', () => {
  const container = (e: { name: string; value?: string }[], extra: Partial<Container> = {}) =>
    pod({ spec: { containers: [{ name: 'main', env: e, ...extra }] } });
  const opts = { awsDefaultRegion: 'eu-west-1', stsRegionalEndpoint: true };

  it('appends STS, region pair, then credentials', () => {
    const r = run(
      { serviceAccount: withRole(), pod: container([{ name: 'A', value: '1' }]) },
      opts,
    );
    expect(r.pod.spec?.containers?.[0]?.env?.map((e) => e.name)).toEqual([
      'A',
      'AWS_STS_REGIONAL_ENDPOINTS',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_ROLE_ARN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ]);
  });

  it.each([
    [
      'AWS_REGION blocks both region vars',
      [{ name: 'AWS_REGION', value: 'x' }],
      ['AWS_REGION', 'AWS_STS_REGIONAL_ENDPOINTS', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    ],
    [
      'AWS_DEFAULT_REGION blocks both',
      [{ name: 'AWS_DEFAULT_REGION', value: 'x' }],
      [
        'AWS_DEFAULT_REGION',
        'AWS_STS_REGIONAL_ENDPOINTS',
        'AWS_ROLE_ARN',
        'AWS_WEB_IDENTITY_TOKEN_FILE',
      ],
    ],
    [
      'AWS_ROLE_ARN blocks both credential vars',
      [{ name: 'AWS_ROLE_ARN', value: 'x' }],
      ['AWS_ROLE_ARN', 'AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION'],
    ],
    [
      'AWS_WEB_IDENTITY_TOKEN_FILE blocks both',
      [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: 'x' }],
      [
        'AWS_WEB_IDENTITY_TOKEN_FILE',
        'AWS_STS_REGIONAL_ENDPOINTS',
        'AWS_DEFAULT_REGION',
        'AWS_REGION',
      ],
    ],
    [
      'Pod Identity vars do not count in IRSA mode',
      [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'x' }],
      [
        'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        'AWS_STS_REGIONAL_ENDPOINTS',
        'AWS_DEFAULT_REGION',
        'AWS_REGION',
        'AWS_ROLE_ARN',
        'AWS_WEB_IDENTITY_TOKEN_FILE',
      ],
    ],
    [
      'valueFrom counts as defined',
      [{ name: 'AWS_REGION', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }],
      ['AWS_REGION', 'AWS_STS_REGIONAL_ENDPOINTS', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    ],
  ])('%s', (_n, existing, names) => {
    const r = run({ serviceAccount: withRole(), pod: container(existing) }, opts);
    expect(r.pod.spec?.containers?.[0]?.env?.map((e) => e.name)).toEqual(names);
  });

  it('existing values are never changed', () => {
    const r = run(
      { serviceAccount: withRole(), pod: container([{ name: 'AWS_ROLE_ARN', value: 'mine' }]) },
      opts,
    );
    expect(env(r.pod).AWS_ROLE_ARN).toBe('mine');
  });

  it('envFrom is not inspected', () => {
    const r = run(
      {
        serviceAccount: withRole(),
        pod: container([], { envFrom: [{ configMapRef: { name: 'aws' } }] }),
      },
      opts,
    );
    expect(Object.keys(env(r.pod))).toHaveLength(5);
  });

  it.each([
    ['with region and STS configured', opts],
    ['even when nothing would be injected for them', {}],
  ])('early exit: a container with all three groups is left alone %s', (_n, options) => {
    const complete = [
      { name: 'AWS_ROLE_ARN', value: 'x' },
      { name: 'AWS_REGION', value: 'x' },
      { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'legacy' },
    ];
    const p = container(complete);
    const r = run({ serviceAccount: withRole(), pod: p }, options);
    expect(r.pod.spec?.containers?.[0]).toEqual(p.spec?.containers?.[0]);
    // the volume is still added, and the containers op is still there
    expect(r.patch.map((o) => o.path)).toEqual(['/spec/volumes', '/spec/containers']);
  });

  it('region from --aws-default-region only', () => {
    expect(env(run({ serviceAccount: withRole() }).pod)).not.toHaveProperty('AWS_REGION');
    expect(env(run({ serviceAccount: withRole() }, { awsDefaultRegion: 'x' }).pod)).toMatchObject({
      AWS_DEFAULT_REGION: 'x',
      AWS_REGION: 'x',
    });
  });
});

describe('skip-containers (one CSV record, no trimming)', () => {
  const p = (value: string) =>
    pod({
      annotations: { [`${P}/skip-containers`]: value },
      spec: {
        containers: ['a', 'b', ' b', 'a,b', 'a"b', 'c'].map((name) => ({ name })),
      },
    });
  const mutated = (r: MutationResult & { pod: Pod }) =>
    (r.pod.spec?.containers ?? []).filter((c) => c.env).map((c) => c.name);
  const all = ['a', 'b', ' b', 'a,b', 'a"b', 'c'];

  it.each([
    ['a', ['a'], 0],
    ['a,b', ['a', 'b'], 0],
    ['a, b', ['a', ' b'], 0],
    ['"a,b"', ['a,b'], 0],
    ['"a""b",c', ['a"b', 'c'], 0],
    ['a,', ['a'], 1], // the empty name matches nothing
    ['x', [], 1],
    ['a"b', [], 1], // bare quote: parse error
    ['"a"b', [], 1], // text after the closing quote
    ['"a', [], 1], // unterminated
    [' "a"', [], 1], // a quote not at the start of the field
    ['', [], 1], // no record
    ['\na', ['a'], 0], // leading empty lines are skipped
    ['a\nb', ['a'], 0], // only the first record
    ['a\r\n', ['a'], 0],
  ])('%j skips %j', (value, skipped, warnings) => {
    const r = run({ serviceAccount: withRole(), pod: p(value) });
    expect(mutated(r)).toEqual(all.filter((n) => !skipped.includes(n)));
    expect(r.warnings).toHaveLength(warnings);
  });

  it('applies to init containers too, and a skipped container is copied unchanged', () => {
    const input = pod({
      annotations: { [`${P}/skip-containers`]: 'init,side' },
      spec: {
        initContainers: [{ name: 'init' }, { name: 'other' }],
        containers: [{ name: 'main' }, { name: 'side', env: [{ name: 'X', value: '1' }] }],
      },
    });
    const r = run({ serviceAccount: withRole(), pod: input });
    expect(r.pod.spec?.initContainers?.[0]).toEqual({ name: 'init' });
    expect(r.pod.spec?.initContainers?.[1]?.env).toHaveLength(2);
    expect(r.pod.spec?.containers?.[1]).toEqual({ name: 'side', env: [{ name: 'X', value: '1' }] });
  });

  it('is not honoured on the service account', () => {
    const r = run({ serviceAccount: withRole({ [`${P}/skip-containers`]: 'main' }) });
    expect(env(r.pod)).toHaveProperty('AWS_ROLE_ARN');
  });
});

describe('volume and patch shape', () => {
  it.each([
    ['absent', undefined, '/spec/volumes'],
    ['null', null, '/spec/volumes'],
    ['empty list', [], '/spec/volumes/0'],
    ['other volumes', [{ name: 'data', emptyDir: {} }], '/spec/volumes/0'],
  ] as const)('volumes %s → add %s', (_n, volumes, path) => {
    const r = run({
      serviceAccount: withRole(),
      pod: pod({ spec: { volumes: volumes as never } }),
    });
    expect(r.patch[0]?.path).toBe(path);
    expect(r.pod.spec?.volumes?.[0]?.name).toBe('aws-iam-token');
    expect(r.pod.spec?.volumes).toHaveLength((volumes?.length ?? 0) + 1);
  });

  it('an existing volume of that name is kept (any type), and no volume op is emitted', () => {
    const volumes = [{ name: 'aws-iam-token', hostPath: { path: '/x' } }];
    const r = run({ serviceAccount: withRole(), pod: pod({ spec: { volumes } }) });
    expect(r.patch.map((o) => o.path)).toEqual(['/spec/containers']);
    expect(r.pod.spec?.volumes).toEqual(volumes);
  });

  it.each([
    ['no init containers', undefined, ['/spec/volumes', '/spec/containers']],
    ['empty init containers', [], ['/spec/volumes', '/spec/containers']],
    [
      'init containers',
      [{ name: 'i' }],
      ['/spec/volumes', '/spec/containers', '/spec/initContainers'],
    ],
  ] as const)('%s', (_n, initContainers, paths) => {
    const r = run({
      serviceAccount: withRole(),
      pod: pod({ spec: { initContainers: initContainers as never } }),
    });
    expect(r.patch.map((o) => `${o.op} ${o.path}`)).toEqual(paths.map((p) => `add ${p}`));
  });

  it('a patch is returned even when nothing changes', () => {
    const r = run({
      serviceAccount: withRole(),
      pod: pod({
        annotations: { [`${P}/skip-containers`]: 'main' },
        spec: { volumes: [{ name: 'aws-iam-token' }] },
      }),
    });
    expect(r.patch).toEqual([
      { op: 'add', path: '/spec/containers', value: [{ name: 'main', image: 'amazonlinux' }] },
    ]);
  });

  it('the mount is checked by name only (spec §5 step 4)', () => {
    const mounts = [{ name: 'aws-iam-token', mountPath: '/elsewhere' }];
    const r = run({
      serviceAccount: withRole(),
      pod: pod({ spec: { containers: [{ name: 'main', volumeMounts: mounts }] } }),
    });
    expect(r.pod.spec?.containers?.[0]?.volumeMounts).toEqual(mounts);
    expect(env(r.pod).AWS_WEB_IDENTITY_TOKEN_FILE).toBe(
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    );
  });
});

describe('paths', () => {
  it.each([
    ['/custom/path/', '/custom/path/', '/custom/path/token'],
    ['/custom//path', '/custom//path', '/custom/path/token'],
    ['/custom/path', '/custom/path', '/custom/path/token'],
  ])('--token-mount-path %s: mount %s, file %s', (flag, mountPath, file) => {
    const r = run({ serviceAccount: withRole() }, { tokenMountPath: flag });
    expect(r.pod.spec?.containers?.[0]?.volumeMounts?.[0]?.mountPath).toBe(mountPath);
    expect(env(r.pod).AWS_WEB_IDENTITY_TOKEN_FILE).toBe(file);
  });

  it.each([
    ['kubernetes.io/os', 'windows', true],
    ['beta.kubernetes.io/os', 'windows', true],
    ['kubernetes.io/os', 'linux', false],
    ['kubernetes.io/os', 'Windows', false],
  ])('nodeSelector %s=%s → Windows %s (env value only)', (key, value, windows) => {
    const r = run({
      serviceAccount: withRole(),
      pod: pod({ spec: { nodeSelector: { [key]: value } } }),
    });
    expect(env(r.pod).AWS_WEB_IDENTITY_TOKEN_FILE).toBe(
      windows
        ? 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token'
        : '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    );
    expect(r.pod.spec?.containers?.[0]?.volumeMounts?.[0]?.mountPath).toBe(
      '/var/run/secrets/eks.amazonaws.com/serviceaccount',
    );
  });

  it('Windows in Pod Identity mode', () => {
    const r = run(
      {
        serviceAccount: sa(),
        podIdentity: true,
        pod: pod({ spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } } }),
      },
      podIdentityOptions(),
    );
    expect(env(r.pod).AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).toBe(
      'C:\\var\\run\\secrets\\pods.eks.amazonaws.com\\serviceaccount\\eks-pod-identity-token',
    );
  });
});

describe('non-default --annotation-prefix', () => {
  const options = { annotationPrefix: 'example.com' };
  it('reads SA and pod annotations under the prefix only', () => {
    const s = sa({
      'example.com/role-arn': ROLE,
      'example.com/token-expiration': '4000',
      'eks.amazonaws.com/audience': 'ignored',
    });
    const p = pod({
      annotations: {
        'example.com/skip-containers': 'side',
        'eks.amazonaws.com/token-expiration': '999',
      },
      spec: { containers: [{ name: 'main' }, { name: 'side' }] },
    });
    const r = run({ serviceAccount: s, pod: p }, options);
    expect(r.mode).toBe('irsa');
    expect(token(r.pod)).toEqual({
      audience: 'sts.amazonaws.com',
      expirationSeconds: 4000,
      path: 'token',
    });
    expect(r.pod.spec?.containers?.[1]).toEqual({ name: 'side' });
  });

  it('ignores the default prefix', () => {
    expect(run({ serviceAccount: withRole() }, options).mode).toBe('none');
  });
});

function cm(over: Partial<ReturnType<typeof baseCm>> = {}) {
  return { ...baseCm(), ...over };
}
function baseCm() {
  return {
    roleArn: 'arn:aws:iam::111122223333:role/from-cm',
    audience: 'cm-aud',
    useRegionalSts: false,
    tokenExpiration: 86400,
  };
}

describe('ConfigMap source (--watch-config-map)', () => {
  it.each([
    ['exact entry', { 'default/app': cm() }, undefined, 'arn:aws:iam::111122223333:role/from-cm'],
    ['wildcard namespace', { '*/app': cm() }, undefined, 'arn:aws:iam::111122223333:role/from-cm'],
    [
      'exact wins over wildcard',
      { '*/app': cm({ roleArn: 'arn:aws:iam::111122223333:role/any' }), 'default/app': cm() },
      undefined,
      'arn:aws:iam::111122223333:role/from-cm',
    ],
    ['a glob is not a wildcard', { 'def*/app': cm() }, undefined, undefined],
    ['other SA name', { '*/other': cm() }, undefined, undefined],
    ['SA role wins over ConfigMap', { 'default/app': cm() }, withRole(), ROLE],
    [
      'SA without role falls through to the ConfigMap',
      { 'default/app': cm() },
      sa(),
      'arn:aws:iam::111122223333:role/from-cm',
    ],
    ['entry with an empty role', { 'default/app': cm({ roleArn: '' }) }, undefined, undefined],
  ])('%s', (_n, configMap, serviceAccount, arn) => {
    const r = run({ serviceAccount: serviceAccount as ServiceAccount | undefined }, { configMap });
    expect(r.mode).toBe(arn ? 'irsa' : 'none');
    if (arn) expect(env(r.pod).AWS_ROLE_ARN).toBe(arn);
  });

  it('takes audience, regional STS and expiration from the entry, not the flags', () => {
    const parsed = parseConfigMapConfig(
      JSON.stringify({
        '*/app': { RoleARN: 'arn:aws:iam::111122223333:role/x', TokenExpiration: 300 },
      }),
      3600,
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const r = run(
      {},
      { configMap: parsed.entries, tokenAudience: 'flag-aud', stsRegionalEndpoint: true },
    );
    // no audience in the entry → none in the token; 300 is not clamped; no regional STS
    expect(token(r.pod)).toEqual({ expirationSeconds: 300, path: 'token' });
    expect(env(r.pod)).not.toHaveProperty('AWS_STS_REGIONAL_ENDPOINTS');
  });

  it('the pod annotation still overrides the entry', () => {
    const r = run(
      { pod: pod({ annotations: { [`${P}/token-expiration`]: '1200' } }) },
      { configMap: { 'default/app': cm() } },
    );
    expect(token(r.pod)?.expirationSeconds).toBe(1200);
  });
});

describe('improvements over upstream', () => {
  it('passes container fields through, known or not (sidecar restartPolicy, #208)', () => {
    const sidecar = {
      name: 'proxy',
      image: 'envoy',
      restartPolicy: 'Always',
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      'x-future-field': { a: [1, 2] },
    };
    const r = run({
      serviceAccount: withRole(),
      pod: pod({ spec: { initContainers: [sidecar] } }),
    });
    const out = r.pod.spec?.initContainers?.[0];
    expect(out).toMatchObject(sidecar);
    expect(out).not.toHaveProperty('resources');
  });

  it.each([
    ['same path', '/var/run/secrets/eks.amazonaws.com/serviceaccount'],
    ['same path with a trailing slash', '/var/run/secrets/eks.amazonaws.com/serviceaccount/'],
  ])('never adds a second mount at a path in use (#159): %s', (_n, mountPath) => {
    const mounts = [{ name: 'istio-token', mountPath }];
    const r = run({
      serviceAccount: withRole(),
      pod: pod({
        spec: { containers: [{ name: 'main', volumeMounts: mounts }, { name: 'other' }] },
      }),
    });
    expect(r.pod.spec?.containers?.[0]?.volumeMounts).toEqual(mounts);
    expect(env(r.pod)).toHaveProperty('AWS_ROLE_ARN');
    expect(r.pod.spec?.containers?.[1]?.volumeMounts).toHaveLength(1);
    expect(r.warnings).toEqual([
      'container `main`: mount `istio-token` already uses `/var/run/secrets/eks.amazonaws.com/serviceaccount`; volume `aws-iam-token` not mounted there',
    ]);
  });
});

describe('serviceAccountSettings', () => {
  it('applies the flag defaults', () => {
    expect(serviceAccountSettings(sa(), defaultWebhookOptions())).toEqual({
      roleArn: '',
      audience: 'sts.amazonaws.com',
      regionalSts: false,
      tokenExpiration: 86400,
    });
  });
});
