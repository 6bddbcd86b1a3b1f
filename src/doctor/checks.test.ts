import { describe, expect, it } from 'vitest';
import { runChecks } from './checks.js';
import { renderJson, renderText } from './render.js';
import {
  ACCOUNT,
  HOSTPATH,
  PROVIDER_ARN,
  ROLE_ARN,
  THUMBPRINT,
  admittedPod,
  liveSnapshot,
  role,
  serviceAccount,
  trustPolicy,
} from './testing.js';
import { CHECK_IDS, type CheckId, type CheckStatus, type DoctorSnapshot } from './types.js';

const sa = serviceAccount();
const otherProvider = PROVIDER_ARN.replace(
  '6C0BFA0A9C4BEF1426E0C829AC61B1AA',
  '6C0BFA0A9C4BEF1426E0C829AC61B1AB',
);

interface Case {
  name: string;
  snap: DoctorSnapshot;
  status: Partial<Record<CheckId, CheckStatus>>;
  detail?: Partial<Record<CheckId, RegExp>>;
  fix?: Partial<Record<CheckId, RegExp>>;
}

/** the seed pod, its first container's env changed after admission */
function podWithEnv(change: Record<string, string>) {
  const p = admittedPod('s3-reader', sa);
  const c = (p.object.spec?.containers as { env: { name: string; value: string }[] }[])[0];
  for (const [name, value] of Object.entries(change)) {
    const e = c?.env.find((x) => x.name === name);
    if (e) e.value = value;
    else c?.env.push({ name, value });
  }
  return p;
}

const cases: Case[] = [
  {
    name: 'a healthy setup passes every check it can',
    snap: liveSnapshot({
      request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::my-bucket' },
      exchange: {
        token: { audience: 'sts.amazonaws.com', boundPod: 's3-reader', expirationSeconds: 86400 },
        roleArn: ROLE_ARN,
        status: 200,
        ok: true,
        assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/irsa-doctor-1`,
        subject: 'system:serviceaccount:production:s3-app',
        provider: PROVIDER_ARN,
      },
    }),
    status: Object.fromEntries(CHECK_IDS.map((id) => [id, 'pass'])),
    detail: {
      permissions: /allowed by `arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess`/,
      'token-exchange': /assumed-role\/s3-app-role\/irsa-doctor-1.*bound to pod s3-reader/,
    },
  },
  {
    name: 'a token file that is not the projected token',
    snap: liveSnapshot({
      pods: [
        podWithEnv({
          AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/tokn',
        }),
      ],
    }),
    status: { 'pod-env': 'fail' },
    detail: {
      'pod-env':
        /AWS_WEB_IDENTITY_TOKEN_FILE=\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/tokn, but the projected token is \/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/token/,
    },
  },
  {
    name: 'a region of another partition than the role’s',
    snap: liveSnapshot({ pods: [podWithEnv({ AWS_REGION: 'us-gov-west-1' })] }),
    status: { 'pod-env': 'fail' },
    detail: {
      'pod-env':
        /AWS_REGION=us-gov-west-1, a region of partition aws-us-gov, but its role is in aws/,
    },
  },
  {
    name: 'an --action that is no action of its service, one edit from one',
    snap: liveSnapshot({
      request: { action: 's3:GetObjct', resource: 'arn:aws:s3:::my-bucket/x' },
    }),
    status: { permissions: 'fail' },
    detail: { permissions: /`s3:GetObjct` is not an action of s3/ },
    fix: { permissions: /did you mean --action s3:GetObject\?/ },
  },
  {
    name: 'an --action SQS does not have (every SQS action is known)',
    snap: liveSnapshot({
      request: { action: 'sqs:Publish', resource: 'arn:aws:sqs:us-east-1:123456789012:q' },
    }),
    status: { permissions: 'fail' },
    detail: { permissions: /`sqs:Publish` is not an action of sqs/ },
  },
  {
    name: 'static keys in the pod’s environment, which the SDKs take before the token',
    snap: liveSnapshot({
      pods: [podWithEnv({ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' })],
    }),
    status: { 'pod-env': 'fail' },
    detail: {
      'pod-env':
        /container `app` sets AWS_ACCESS_KEY_ID: the SDKs take these static keys before the pod's token/,
    },
    fix: { 'pod-env': /remove AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/ },
  },
  {
    name: 'an STS endpoint the pod sets itself',
    snap: liveSnapshot({
      pods: [podWithEnv({ AWS_ENDPOINT_URL_STS: 'https://sts.example.invalid' })],
    }),
    status: { 'pod-env': 'warn' },
    detail: { 'pod-env': /sets AWS_ENDPOINT_URL_STS=https:\/\/sts\.example\.invalid/ },
  },
  {
    name: 'a token lifetime the API server refuses',
    snap: liveSnapshot({
      serviceAccount: serviceAccount({
        'eks.amazonaws.com/role-arn': ROLE_ARN,
        'eks.amazonaws.com/token-expiration': '99999999999',
      }),
    }),
    status: { 'sa-annotation': 'fail' },
    detail: { 'sa-annotation': /token-expiration is 99999999999.*larger than 2\^32 seconds/ },
  },
  {
    name: 'FAQ cause 1: the trust policy names another namespace',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: trustPolicy({ sub: 'system:serviceaccount:prod:s3-app' }) }),
      },
    }),
    status: {
      'trust-provider': 'pass',
      'trust-action': 'pass',
      'trust-sub': 'fail',
      'trust-aud': 'pass',
      'trust-evaluation': 'fail',
    },
    detail: {
      'trust-sub':
        /expects `system:serviceaccount:prod:s3-app`; the token has `system:serviceaccount:production:s3-app` — did you mean `system:serviceaccount:production:s3-app`\? The policy's `system:serviceaccount:prod:s3-app` has namespace `prod` instead of `production`/,
      'trust-evaluation': /^implicitly denied: no role trust policy allows/,
    },
    fix: { 'trust-sub': /"StringEquals": \{".*:sub": "system:serviceaccount:production:s3-app"\}/ },
  },
  {
    name: 'FAQ cause 1: a typo in the ServiceAccount name',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: trustPolicy({ sub: 'system:serviceaccount:production:s3-ap' }) }),
      },
    }),
    status: { 'trust-sub': 'fail' },
    detail: { 'trust-sub': /ServiceAccount `s3-ap` instead of `s3-app`/ },
  },
  {
    name: 'of two trust statements, the one a typo away is the one reported',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({
          trustPolicy: trustPolicy({
            sub: 'system:serviceaccount:batch:worker',
            extra: [
              {
                Sid: 'App',
                Effect: 'Allow',
                Principal: { Federated: PROVIDER_ARN },
                Action: 'sts:AssumeRoleWithWebIdentity',
                Condition: {
                  StringEquals: {
                    [`${HOSTPATH}:sub`]: 'system:serviceaccount:production:s3-ap',
                    [`${HOSTPATH}:aud`]: 'sts.amazonaws.com',
                  },
                },
              },
            ],
          }),
        }),
      },
    }),
    status: { 'trust-sub': 'fail' },
    detail: {
      'trust-sub':
        /expects `system:serviceaccount:production:s3-ap`.*ServiceAccount `s3-ap` instead of `s3-app`/,
    },
  },
  {
    name: 'a sub key naming another issuer is absent from the request',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({
          trustPolicy: trustPolicy().replace(
            `${HOSTPATH}:sub`,
            'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub',
          ),
        }),
      },
    }),
    status: { 'trust-sub': 'fail' },
    detail: {
      'trust-sub':
        /names the issuer `oidc\.eks\.us-east-1\.amazonaws\.com\/id\/ABC`, not this cluster's/,
    },
  },
  {
    name: 'no sub condition is a warning, not a 403',
    snap: liveSnapshot({
      iam: { ...liveSnapshot().iam, role: role({ trustPolicy: trustPolicy({ sub: null }) }) },
    }),
    status: { 'trust-sub': 'warn', 'trust-evaluation': 'pass', 'trust-lint': 'warn' },
    detail: { 'trust-lint': /T3/ },
  },
  {
    name: 'FAQ cause 2: the pod was admitted before the annotation (Deployment)',
    snap: liveSnapshot({
      pods: [admittedPod('s3-app-7c9f-abcde', serviceAccount({}), { deployment: 's3-app' })],
    }),
    status: { 'pod-service-account': 'pass', 'pod-admission': 'fail', 'pod-env': 'fail' },
    detail: {
      'pod-admission':
        /admitted at .* before ServiceAccount production\/s3-app had its eks\.amazonaws\.com\/role-arn annotation/,
    },
    fix: {
      'pod-admission': /^irsa rollout restart deployment\/s3-app -n production$/,
      'pod-env': /rollout restart/,
    },
  },
  {
    name: 'FAQ cause 2: a bare pod admitted with an older role',
    snap: liveSnapshot({
      pods: [
        admittedPod(
          's3-reader',
          serviceAccount({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/old-role` }),
        ),
      ],
    }),
    status: { 'pod-admission': 'fail', 'pod-env': 'warn' },
    detail: {
      'pod-admission':
        /admitted at .* with arn:aws:iam::123456789012:role\/old-role; the ServiceAccount now names/,
    },
    fix: { 'pod-admission': /irsa delete pod s3-reader -n production/ },
  },
  {
    name: 'FAQ cause 3: the role does not allow the action',
    snap: liveSnapshot({
      request: { action: 's3:PutObject', resource: 'arn:aws:s3:::my-bucket/k' },
    }),
    status: { permissions: 'fail', 'trust-evaluation': 'pass' },
    detail: {
      permissions:
        /no identity-based policy allows s3:PutObject on arn:aws:s3:::my-bucket\/k; nearest: .*AmazonS3ReadOnlyAccess statement #0: action s3:PutObject is not in/,
    },
    fix: { permissions: /put-role-policy --role-name s3-app-role/ },
  },
  {
    name: 'an explicit deny in an inline policy names the statement',
    snap: liveSnapshot({
      request: { action: 's3:GetObject', resource: 'arn:aws:s3:::secret/k' },
      iam: {
        ...liveSnapshot().iam,
        role: role({
          inline: [
            {
              name: 'deny-secret',
              document: JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'NoSecret',
                    Effect: 'Deny',
                    Action: 's3:*',
                    Resource: 'arn:aws:s3:::secret/*',
                  },
                ],
              }),
            },
          ],
        }),
      },
    }),
    status: { permissions: 'fail' },
    detail: { permissions: /explicitly denied by `deny-secret` statement `NoSecret`/ },
  },
  {
    name: 'a permissions boundary without the action',
    snap: liveSnapshot({
      request: { action: 's3:GetObject', resource: 'arn:aws:s3:::my-bucket/k' },
      iam: {
        ...liveSnapshot().iam,
        role: role({
          boundary: {
            name: `arn:aws:iam::${ACCOUNT}:policy/only-sqs`,
            document: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
            }),
          },
        }),
      },
    }),
    status: { permissions: 'fail' },
    detail: { permissions: /permissions boundary/ },
    fix: {
      permissions: /in the permissions boundary `arn:aws:iam::123456789012:policy\/only-sqs` too/,
    },
  },
  {
    name: 'the issuer has no provider in the account (another cluster’s is close)',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        providers: [
          {
            arn: otherProvider,
            url: otherProvider.split('oidc-provider/')[1] as string,
            clientIds: ['sts.amazonaws.com'],
            thumbprints: [THUMBPRINT],
          },
        ],
      },
    }),
    status: {
      'oidc-provider': 'fail',
      'provider-client-id': 'skip',
      'provider-thumbprint': 'skip',
    },
    detail: {
      'oidc-provider':
        /no OIDC provider for https:\/\/127\.0\.0\.1:4578\/id\/6C0BFA0A9C4BEF1426E0C829AC61B1AA in account 123456789012 .* is close.*No OpenIDConnect provider found in your account for/,
    },
    fix: {
      'oidc-provider':
        /^aws iam create-open-id-connect-provider --url https:\/\/127\.0\.0\.1:4578\/id\/6C0BFA0A9C4BEF1426E0C829AC61B1AA --client-id-list sts\.amazonaws\.com --thumbprint-list e857bb2c/,
    },
  },
  {
    name: 'the provider does not list the audience',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        providers: [
          {
            arn: PROVIDER_ARN,
            url: HOSTPATH,
            clientIds: ['sts.amazon.com'],
            thumbprints: [THUMBPRINT],
          },
        ],
      },
    }),
    status: { 'oidc-provider': 'pass', 'provider-client-id': 'fail' },
    detail: {
      'provider-client-id':
        /`sts\.amazonaws\.com` is not among the provider's client IDs \[sts\.amazon\.com\] \(`sts\.amazon\.com` is close: a typo\?\)\. STS answers: InvalidIdentityToken: Incorrect token audience/,
    },
    fix: { 'provider-client-id': /add-client-id-to-open-id-connect-provider/ },
  },
  {
    name: 'the ServiceAccount’s audience annotation has a typo',
    snap: (() => {
      const typo = serviceAccount({
        'eks.amazonaws.com/role-arn': ROLE_ARN,
        'eks.amazonaws.com/audience': 'sts.amazon.com',
      });
      return liveSnapshot({ serviceAccount: typo, pods: [admittedPod('s3-reader', typo)] });
    })(),
    status: { 'provider-client-id': 'fail', 'trust-aud': 'fail' },
    fix: {
      'provider-client-id':
        /eks\.amazonaws\.com\/audience annotation \(`sts\.amazon\.com` → `sts\.amazonaws\.com`\)/,
    },
  },
  {
    name: 'a thumbprint that is not the issuer CA’s',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        providers: [
          {
            arn: PROVIDER_ARN,
            url: HOSTPATH,
            clientIds: ['sts.amazonaws.com'],
            thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
          },
        ],
      },
    }),
    status: { 'provider-thumbprint': 'fail' },
    fix: {
      'provider-thumbprint':
        /update-open-id-connect-provider-thumbprint .* --thumbprint-list e857bb2c5c93c14f129dcecdadb739a5127a370a/,
    },
  },
  {
    name: 'the ServiceAccount does not exist',
    snap: liveSnapshot({
      target: { namespace: 'production', serviceAccount: 's3-ap' },
      serviceAccount: null,
      pods: [],
      iam: {},
    }),
    status: {
      'sa-annotation': 'fail',
      'oidc-provider': 'skip',
      'role-exists': 'skip',
      'pod-service-account': 'skip',
    },
    detail: {
      'sa-annotation': /ServiceAccount production\/s3-ap not found \(did you mean `s3-app`\?\)/,
    },
  },
  {
    name: 'the annotation key has a typo',
    snap: liveSnapshot({
      serviceAccount: serviceAccount({ 'eks.amazonaws.com/role_arn': ROLE_ARN }),
      pods: [],
      iam: {},
    }),
    status: { 'sa-annotation': 'fail' },
    detail: {
      'sa-annotation':
        /no eks\.amazonaws\.com\/role-arn annotation \(it has `eks\.amazonaws\.com\/role_arn`: a typo\?\)/,
    },
  },
  {
    name: 'the annotation is not a role ARN',
    snap: liveSnapshot({
      serviceAccount: serviceAccount({ 'eks.amazonaws.com/role-arn': 's3-app-role' }),
      pods: [],
      iam: {},
    }),
    status: { 'sa-annotation': 'fail', 'role-exists': 'skip' },
  },
  {
    name: 'the role does not exist',
    snap: liveSnapshot({ iam: { ...liveSnapshot().iam, role: null, roleNames: ['s3-app-rol'] } }),
    status: { 'role-exists': 'fail', 'trust-provider': 'skip', 'trust-lint': 'skip' },
    detail: {
      'role-exists':
        /role s3-app-role does not exist in account 123456789012 \(did you mean `s3-app-rol`\?\)/,
    },
  },
  {
    name: 'the trust policy names another cluster’s provider',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: trustPolicy({ provider: otherProvider }) }),
      },
    }),
    status: {
      'trust-provider': 'fail',
      'trust-action': 'skip',
      'trust-sub': 'skip',
      'trust-evaluation': 'fail',
    },
    detail: { 'trust-provider': /is another issuer of the same host: another cluster's\?/ },
    fix: {
      'trust-provider':
        /"Federated": "arn:aws:iam::123456789012:oidc-provider\/127\.0\.0\.1:4578\/id\/6C0BFA0A9C4BEF1426E0C829AC61B1AA"/,
    },
  },
  {
    name: 'the trust policy allows sts:AssumeRole only',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: trustPolicy({ action: 'sts:AssumeRole' }) }),
      },
    }),
    status: { 'trust-provider': 'pass', 'trust-action': 'fail' },
  },
  {
    name: 'an explicit Deny in the trust policy',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({
          trustPolicy: trustPolicy({
            extra: [{ Sid: 'Never', Effect: 'Deny', Principal: '*', Action: 'sts:*' }],
          }),
        }),
      },
    }),
    status: { 'trust-sub': 'pass', 'trust-evaluation': 'fail' },
    detail: { 'trust-evaluation': /explicitly denied/ },
  },
  {
    name: 'a trust policy IAM would reject',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: '{"Version":"2012-10-17","Statement":[' }),
      },
    }),
    status: { 'trust-provider': 'fail', 'trust-sub': 'skip', 'trust-lint': 'warn' },
    detail: { 'trust-provider': /IAM would reject the trust policy/ },
  },
  {
    name: 'a trust policy any principal may use fails the lint',
    snap: liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({
          trustPolicy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRoleWithWebIdentity' },
            ],
          }),
        }),
      },
    }),
    status: { 'trust-provider': 'pass', 'trust-lint': 'fail' },
    detail: { 'trust-lint': /T1 \(critical/ },
  },
  {
    name: 'the named pod runs as another ServiceAccount',
    snap: liveSnapshot({
      target: { cluster: 'demo', namespace: 'production', serviceAccount: 's3-app', pod: 'other' },
      pods: [admittedPod('other', undefined, { serviceAccountName: 'default' })],
    }),
    status: { 'pod-service-account': 'fail' },
    detail: {
      'pod-service-account':
        /pod other runs as ServiceAccount `default` \(the namespace's default: is serviceAccountName missing\?\), not `s3-app`/,
    },
  },
  {
    name: 'the named pod does not exist',
    snap: liveSnapshot({
      target: {
        cluster: 'demo',
        namespace: 'production',
        serviceAccount: 's3-app',
        pod: 's3-readr',
      },
      pods: [],
      podMissing: true,
      podNames: ['s3-reader'],
    }),
    status: { 'pod-service-account': 'fail', 'pod-admission': 'skip' },
    detail: { 'pod-service-account': /did you mean `s3-reader`/ },
  },
  {
    name: 'STS refuses the token',
    snap: liveSnapshot({
      exchange: {
        token: { audience: 'sts.amazonaws.com', expirationSeconds: 86400 },
        roleArn: ROLE_ARN,
        status: 403,
        ok: false,
        code: 'AccessDenied',
        message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      },
    }),
    status: { 'token-exchange': 'fail' },
    detail: {
      'token-exchange':
        /HTTP 403 AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity .*what a re-created pod gets/,
    },
  },
];

describe('runChecks', () => {
  it.each(cases)('$name', ({ snap, status, detail, fix }) => {
    const r = runChecks(snap);
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    for (const [id, want] of Object.entries(status))
      expect([id, by[id]?.status, by[id]?.detail]).toEqual([id, want, expect.anything()]);
    for (const [id, re] of Object.entries(detail ?? {}))
      expect(by[id]?.detail).toMatch(re as RegExp);
    for (const [id, re] of Object.entries(fix ?? {})) expect(by[id]?.fix).toMatch(re as RegExp);
    expect(r.ok).toBe(!r.checks.some((c) => c.status === 'fail'));
  });

  it('answers every check once, in the checklist order', () => {
    for (const c of cases)
      expect(runChecks(c.snap).checks.map((x) => x.id)).toEqual([...CHECK_IDS]);
  });

  it('never puts a token in the report', () => {
    const r = runChecks(liveSnapshot());
    expect(JSON.stringify(r)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});

describe('rendering', () => {
  const report = runChecks(
    liveSnapshot({
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: trustPolicy({ sub: 'system:serviceaccount:prod:s3-app' }) }),
      },
    }),
  );

  it('prints ✓ / ✗ / ! / - with the fix under failures, and names the first failing step', () => {
    const text = renderText(report, { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('irsa doctor: ServiceAccount production/s3-app in cluster demo');
    expect(lines).toContain("✓ the cluster's issuer is an OIDC provider in the role's account");
    expect(lines).toContain('✗ `sub` matches the exact namespace and ServiceAccount');
    expect(lines).toContain("- the role's policies allow the call (simulated)");
    expect(text).toMatch(/\n {4}fix: set "StringEquals"/);
    expect(lines.at(-1)).toMatch(
      /^\d+ passed, 2 failed, 0 warnings, \d+ skipped — first failing step: `sub` matches the exact namespace and ServiceAccount$/,
    );
  });

  it('--json has a stable shape', () => {
    const j = JSON.parse(renderJson(report));
    expect(Object.keys(j)).toEqual(['mode', 'target', 'ok', 'summary', 'checks', 'notes']);
    expect(j.ok).toBe(false);
    for (const c of j.checks) {
      expect(Object.keys(c)).toEqual(['id', 'title', 'status', 'detail', 'fix']);
      expect(['pass', 'fail', 'warn', 'skip']).toContain(c.status);
    }
    expect(j.checks.find((c: { id: string }) => c.id === 'trust-sub').status).toBe('fail');
  });

  it('colours the marks only when asked', () => {
    expect(renderText(report, { color: true })).toContain('\x1b[31m✗\x1b[0m');
    expect(renderText(report, { color: false })).not.toContain('\x1b[');
  });
});

describe('the snapshot of a pod without a ServiceAccount manifest', () => {
  it('takes the role from the pod env when the ServiceAccount is unknown', () => {
    const r = runChecks(liveSnapshot({ serviceAccount: undefined }));
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(by['sa-annotation']?.status).toBe('skip');
    expect(by['role-exists']?.status).toBe('pass');
    expect(sa.metadata?.name).toBe('s3-app');
  });
});

describe('fix commands act in the role’s account', () => {
  const OTHER = '111122223333';
  const otherRole = `arn:aws:iam::${OTHER}:role/s3-app-role`;
  const otherSa = serviceAccount({ 'eks.amazonaws.com/role-arn': otherRole });
  const by = (s: DoctorSnapshot) => Object.fromEntries(runChecks(s).checks.map((c) => [c.id, c]));

  it('names the role’s account profile when the role is in another account', () => {
    const r = by(
      liveSnapshot({
        serviceAccount: otherSa,
        pods: [admittedPod('s3-reader', otherSa)],
        iam: { providers: [], role: null, roleNames: [] },
      }),
    );
    expect(r['oidc-provider']?.fix).toMatch(
      /^aws iam create-open-id-connect-provider --url \S+ --client-id-list sts\.amazonaws\.com --thumbprint-list \S+ --profile 111122223333$/,
    );
    expect(r['role-exists']?.fix).toBe(
      'create the role (aws iam create-role --role-name s3-app-role --assume-role-policy-document file://trust-policy.json --profile 111122223333) or fix the annotation',
    );
  });

  it('in the provider and permission fixes too', () => {
    const r = by(
      liveSnapshot({
        serviceAccount: otherSa,
        pods: [admittedPod('s3-reader', otherSa)],
        request: { action: 's3:PutObject', resource: 'arn:aws:s3:::my-bucket/k' },
        iam: {
          providers: [
            {
              arn: `arn:aws:iam::${OTHER}:oidc-provider/${HOSTPATH}`,
              url: HOSTPATH,
              clientIds: ['sts.amazonaws.com'],
              thumbprints: ['0000000000000000000000000000000000000000'],
              source: 'iam',
            },
          ],
          role: role({ arn: otherRole, account: OTHER }),
          roleNames: ['s3-app-role'],
        },
      }),
    );
    expect(r['provider-thumbprint']?.fix).toMatch(/ --profile 111122223333$/);
    expect(r.permissions?.fix).toMatch(
      /aws iam put-role-policy --role-name s3-app-role .* --profile 111122223333`\)$/,
    );
  });

  it('has no profile in static mode (the files describe real AWS)', () => {
    const r = by(
      liveSnapshot({
        mode: 'static',
        serviceAccount: otherSa,
        pods: [admittedPod('s3-reader', otherSa)],
        request: { action: 's3:PutObject', resource: 'arn:aws:s3:::my-bucket/k' },
        iam: { role: role({ arn: otherRole, account: OTHER }) },
      }),
    );
    expect(r.permissions?.fix).not.toMatch(/--profile/);
  });
});

describe('the lint step agrees with the trust-provider fix', () => {
  const OTHER_HOST = otherProvider.slice(otherProvider.indexOf('oidc-provider/') + 14);
  const by = (trust: string) =>
    Object.fromEntries(
      runChecks(
        liveSnapshot({ iam: { ...liveSnapshot().iam, role: role({ trustPolicy: trust }) } }),
      ).checks.map((c) => [c.id, c]),
    );

  it("another cluster's provider with this cluster's keys: no T8 towards the other issuer", () => {
    const r = by(trustPolicy({ provider: otherProvider }));
    expect(r['trust-provider']).toMatchObject({
      status: 'fail',
      fix: `set "Principal": {"Federated": "${PROVIDER_ARN}"}`,
    });
    expect(r['trust-lint']?.status).toBe('pass');
    expect(r['trust-lint']?.detail).toBe(
      `no findings (linted with the Principal the trust-provider step's fix sets: ${PROVIDER_ARN})`,
    );
    expect(`${r['trust-lint']?.detail} ${r['trust-lint']?.fix}`).not.toContain(OTHER_HOST);
  });

  it("another cluster's provider and keys: the lint's fix names this cluster's keys", () => {
    const trust = trustPolicy({ provider: otherProvider }).replaceAll(
      `${HOSTPATH}:`,
      `${OTHER_HOST}:`,
    );
    const r = by(trust);
    expect(r['trust-provider']?.status).toBe('fail');
    expect(r['trust-lint']?.detail).toMatch(/^T8 \(high, line 1\) condition key `\S+:sub`/);
    expect(r['trust-lint']?.fix).toBe(`use \`${HOSTPATH}:sub\`; use \`${HOSTPATH}:aud\``);
  });

  it('a trust of the right provider is linted as written', () => {
    expect(by(trustPolicy())['trust-lint']?.detail).toBe('no findings');
  });
});

describe('a pod of another ServiceAccount', () => {
  const lateSa = serviceAccount({}, 'late-app');
  const report = runChecks(
    liveSnapshot({
      target: {
        cluster: 'demo',
        namespace: 'production',
        serviceAccount: 's3-app',
        pod: 'late-pod',
      },
      pods: [admittedPod('late-pod', lateSa, { serviceAccountName: 'late-app' })],
    }),
  );
  const by = Object.fromEntries(report.checks.map((c) => [c.id, c]));

  it('fails on the ServiceAccount, and does not judge its admission by this one’s annotation', () => {
    expect(by['pod-service-account']?.status).toBe('fail');
    expect(by['pod-service-account']?.detail).toMatch(
      /runs as ServiceAccount `late-app`, not `s3-app`/,
    );
    expect(by['pod-admission']).toMatchObject({
      status: 'skip',
      detail:
        "pod late-pod runs as ServiceAccount `late-app`, not production/s3-app (see above): its admission says nothing of `s3-app`'s annotation",
    });
    expect(JSON.stringify(report)).not.toMatch(/before ServiceAccount production\/s3-app/);
  });

  it('still judges the pods that do run as it', () => {
    const r = runChecks(
      liveSnapshot({
        pods: [
          admittedPod('late-pod', lateSa, { serviceAccountName: 'late-app' }),
          admittedPod('s3-old', serviceAccount({})),
        ],
      }),
    );
    const admission = r.checks.find((c) => c.id === 'pod-admission');
    expect(admission?.status).toBe('fail');
    expect(admission?.detail).toMatch(
      /^pod s3-old was admitted at \S+, before ServiceAccount production\/s3-app had/,
    );
    expect(admission?.detail).not.toMatch(/late-pod/);
  });
});

describe('an explicit Deny in the trust policy', () => {
  const deny = (extra: object) =>
    runChecks(
      liveSnapshot({
        iam: {
          ...liveSnapshot().iam,
          role: role({
            trustPolicy: trustPolicy({
              extra: [
                {
                  Effect: 'Deny',
                  Principal: { Federated: PROVIDER_ARN },
                  Action: 'sts:AssumeRoleWithWebIdentity',
                  ...extra,
                },
              ],
            }),
          }),
        },
      }),
    ).checks.find((c) => c.id === 'trust-evaluation');

  it('names the statement by its Sid and the condition that matched', () => {
    const c = deny({
      Sid: 'NoProduction',
      Condition: { StringLike: { [`${HOSTPATH}:sub`]: 'system:serviceaccount:production:*' } },
    });
    expect(c?.status).toBe('fail');
    expect(c?.fix).toBe(
      `the Deny statement \`NoProduction\`, whose condition StringLike \`${HOSTPATH}:sub\` [system:serviceaccount:production:*] holds for \`system:serviceaccount:production:s3-app\`, matches this token: remove it or narrow its condition (an explicit Deny in the trust policy wins over every Allow)`,
    );
  });

  it('names it by its index when it has no Sid, and says it has no condition', () => {
    expect(deny({})?.fix).toBe(
      'the Deny statement #1, which has no condition, matches every token: remove it, or give it a condition that leaves `system:serviceaccount:production:s3-app` out (an explicit Deny in the trust policy wins over every Allow)',
    );
  });
});

describe('lint severities in the report', () => {
  it('T6 is low for an audience of its own on a local (non-EKS) issuer, as the README says', () => {
    const r = runChecks(
      liveSnapshot({
        iam: { ...liveSnapshot().iam, role: role({ trustPolicy: trustPolicy({ aud: 'my-app' }) }) },
      }),
    );
    expect(r.checks.find((c) => c.id === 'trust-lint')?.detail).toMatch(/^T6 \(low, line 1\) /);
  });
});

describe('a role ARN whose account irsakit does not have', () => {
  const typoArn = 'arn:aws:iam::123456789013:role/s3-app-role';
  const typoSa = serviceAccount({ 'eks.amazonaws.com/role-arn': typoArn });
  const snap = (iam: Partial<DoctorSnapshot['iam']> = {}) =>
    liveSnapshot({
      serviceAccount: typoSa,
      pods: [admittedPod('s3-reader', typoSa)],
      iam: {
        providers: [],
        role: null,
        roleNames: [],
        accounts: [ACCOUNT, '444455556666'],
        sameNameRoles: [ROLE_ARN],
        ...iam,
      },
    });
  const by = (r: ReturnType<typeof runChecks>) =>
    Object.fromEntries(r.checks.map((c) => [c.id, c]));

  it('is the first failing step, the annotation’s, with the ARN meant and no --profile of it', () => {
    const r = runChecks(snap());
    const c = by(r);
    expect(r.checks.find((x) => x.status === 'fail')?.id).toBe('sa-annotation');
    expect(c['oidc-provider']?.status).toBe('skip');
    expect(c['oidc-provider']?.detail).toMatch(/account 123456789013 is not one of irsakit's/);
    expect(c['sa-annotation']?.detail).toBe(
      `eks.amazonaws.com/role-arn is \`${typoArn}\`, but account 123456789013 is not one of irsakit's accounts (123456789012, 444455556666): a typo of the account id? Did you mean \`${ROLE_ARN}\`? (role s3-app-role exists in account 123456789012)`,
    );
    expect(c['sa-annotation']?.fix).toBe(
      `set eks.amazonaws.com/role-arn: ${ROLE_ARN} in ServiceAccount production/s3-app's manifest and irsa apply -f it, then re-create its pods (the webhook gives a pod its role at admission only)`,
    );
    expect(c['role-exists']?.status).toBe('fail');
    expect(c['role-exists']?.detail).toMatch(
      /^no role s3-app-role in account 123456789013: account 123456789013 is not one of irsakit's accounts .* Did you mean/,
    );
    expect(JSON.stringify(r)).not.toMatch(/--profile 123456789013/);
    expect(JSON.stringify(r)).not.toMatch(/create-open-id-connect-provider|create-role/);
  });

  it('without a role of that name elsewhere: the accounts, and how to make that one', () => {
    const c = by(runChecks(snap({ sameNameRoles: [] })));
    expect(c['sa-annotation']?.detail).toMatch(
      /not one of irsakit's accounts \(123456789012, 444455556666\): a typo of the account id\? No account of irsakit has a role s3-app-role$/,
    );
    expect(c['sa-annotation']?.fix).toMatch(
      /or, if account 123456789013 is meant, create it \(irsa account create 123456789013\)/,
    );
  });

  it('an account irsakit has is checked as before', () => {
    const c = by(runChecks(liveSnapshot({ iam: { ...liveSnapshot().iam, accounts: [ACCOUNT] } })));
    expect(c['sa-annotation']?.status).toBe('pass');
    expect(c['oidc-provider']?.status).toBe('pass');
  });
});

describe('a trust policy whose sub names another ServiceAccount that exists', () => {
  const expSa = serviceAccount({ 'eks.amazonaws.com/role-arn': ROLE_ARN }, 'exp-app');
  const subOf = (name: string) => `system:serviceaccount:production:${name}`;
  const trustSub = (over: Partial<DoctorSnapshot>) =>
    runChecks(
      liveSnapshot({
        target: { cluster: 'demo', namespace: 'production', serviceAccount: 'exp-app' },
        serviceAccount: expSa,
        serviceAccountNames: ['default', 's3-app', 'exp-app'],
        annotatedServiceAccounts: [
          { name: 's3-app', roleArn: ROLE_ARN },
          { name: 'exp-app', roleArn: ROLE_ARN },
        ],
        pods: [],
        ...over,
      }),
    ).checks.find((c) => c.id === 'trust-sub');

  it('is no typo: the fix adds the token’s sub beside it, never replaces it', () => {
    const c = trustSub({});
    expect(c?.status).toBe('fail');
    expect(c?.detail).not.toMatch(/did you mean/);
    expect(c?.detail).toMatch(
      /The policy's `system:serviceaccount:production:s3-app` is no typo: ServiceAccount production\/s3-app exists and is annotated with this role \(its pods assume it with that sub\)/,
    );
    expect(c?.fix).toBe(
      `add \`${subOf('exp-app')}\` to the condition, keeping \`${subOf('s3-app')}\`: "StringEquals": {"${HOSTPATH}:sub": ["${subOf('s3-app')}", "${subOf('exp-app')}"]} in statement #0 of the trust policy; or, if the pod is meant to run as \`s3-app\`, set its serviceAccountName: s3-app`,
    );
    expect(c?.fix).not.toMatch(/^set /);
  });

  it('names one that exists without this role as existing only', () => {
    const c = trustSub({ annotatedServiceAccounts: [{ name: 'exp-app', roleArn: ROLE_ARN }] });
    expect(c?.detail).toMatch(/ServiceAccount production\/s3-app exists\. STS answers/);
    expect(c?.fix).toMatch(/^add `system:serviceaccount:production:exp-app` to the condition/);
  });

  it('a value naming no ServiceAccount of the namespace is still a typo to correct', () => {
    const c = trustSub({
      serviceAccountNames: ['default', 'exp-app'],
      iam: {
        ...liveSnapshot().iam,
        role: role({ trustPolicy: trustPolicy({ sub: subOf('exp-ap') }) }),
      },
    });
    expect(c?.detail).toMatch(/did you mean `system:serviceaccount:production:exp-app`\?/);
    expect(c?.fix).toMatch(
      /^set "StringEquals": \{".*:sub": "system:serviceaccount:production:exp-app"\}/,
    );
  });
});

describe('pod env its own manifest sets: fixed in the manifest, not by re-creating the pod', () => {
  const podEnv = (env: { name: string; value: string }[], opts: { deployment?: string } = {}) =>
    runChecks(
      liveSnapshot({
        target: { cluster: 'demo', namespace: 'production', pod: 'regpod' },
        pods: [admittedPod(opts.deployment ? 'api-7c9f-abcde' : 'regpod', sa, { env, ...opts })],
      }),
    ).checks.find((c) => c.id === 'pod-env');
  const recreate =
    'then re-create the pod: irsa delete pod regpod -n production, then irsa apply -f <its manifest>';

  it('a region of another partition: what the SDK does there, and the manifest to change', () => {
    const c = podEnv([
      { name: 'AWS_REGION', value: 'cn-north-1' },
      { name: 'AWS_DEFAULT_REGION', value: 'cn-north-1' },
    ]);
    expect(c?.status).toBe('fail');
    expect(c?.detail).toBe(
      "pod regpod: container `app` has AWS_REGION=cn-north-1 and AWS_DEFAULT_REGION=cn-north-1, a region of partition aws-cn, but its role is in aws: the SDK sends AssumeRoleWithWebIdentity to the STS of partition aws-cn, where neither the role nor the cluster's OIDC provider exists: STS refuses the token, and the SDK fails with that error rather than trying other credentials",
    );
    expect(c?.fix).toBe(
      `in pod regpod's manifest, change AWS_REGION and AWS_DEFAULT_REGION in container \`app\`'s env to a region of partition aws (e.g. us-east-1), or remove them (the webhook then sets the cluster's region us-east-1), ${recreate}`,
    );
  });

  it('a Deployment’s: its template is what changes', () => {
    const c = podEnv([{ name: 'AWS_REGION', value: 'cn-north-1' }], { deployment: 'api' });
    expect(c?.fix).toBe(
      "in deployment api's manifest (spec.template), change AWS_REGION in container `app`'s env to a region of partition aws (e.g. us-east-1), or remove it (the webhook then sets the cluster's region us-east-1), then irsa apply -f <its manifest> (the changed template replaces its pods)",
    );
  });

  it('a token file of its own: the webhook then injects no AWS_ROLE_ARN', () => {
    const c = podEnv([{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/token' }]);
    expect(c?.status).toBe('fail');
    expect(c?.detail).toBe(
      `pod regpod: container \`app\` sets AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/token itself and lacks AWS_ROLE_ARN (and /var/run/secrets/token is not the projected token, /var/run/secrets/eks.amazonaws.com/serviceaccount/token): the webhook injects the two only into a container that sets neither, and the SDKs take a web identity only from both: the SDK finds no web identity and fails with "Unable to locate credentials" (or falls back to the node's role)`,
    );
    expect(c?.fix).toBe(
      `in pod regpod's manifest, remove AWS_WEB_IDENTITY_TOKEN_FILE from container \`app\`'s env (the webhook then injects both, the token file /var/run/secrets/eks.amazonaws.com/serviceaccount/token), ${recreate}`,
    );
  });

  it('a token file of its own beside its own AWS_ROLE_ARN: the SDK fails reading it', () => {
    const c = podEnv([
      { name: 'AWS_ROLE_ARN', value: ROLE_ARN },
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/token' },
    ]);
    expect(c?.detail).toMatch(
      /has AWS_WEB_IDENTITY_TOKEN_FILE=\/var\/run\/secrets\/token, but the projected token is \/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/token: the SDK fails reading \/var\/run\/secrets\/token \("No such file or directory"\)$/,
    );
    expect(c?.fix).toBe(
      `in pod regpod's manifest, set AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token in container \`app\`'s env (or remove it and AWS_ROLE_ARN: the webhook then injects both), ${recreate}`,
    );
  });

  it('a container the pod’s skip-containers annotation names: the annotation is what changes', () => {
    const p = admittedPod('regpod', sa);
    (p.object.metadata as { annotations?: Record<string, string> }).annotations = {
      'eks.amazonaws.com/skip-containers': 'app',
    };
    const spec = p.object.spec as { containers: { env?: unknown; volumeMounts?: unknown }[] };
    delete spec.containers[0]?.env;
    delete spec.containers[0]?.volumeMounts;
    const c = runChecks(liveSnapshot({ pods: [p] })).checks.find((x) => x.id === 'pod-env');
    expect(c?.detail).toMatch(/the pod's eks\.amazonaws\.com\/skip-containers annotation names it/);
    expect(c?.fix).toMatch(
      /^in pod regpod's manifest, remove `app` from the pod's eks\.amazonaws\.com\/skip-containers annotation, then re-create/,
    );
  });

  it('what the webhook would have injected (admitted before the annotation): re-create it', () => {
    const c = runChecks(
      liveSnapshot({ pods: [admittedPod('s3-reader', serviceAccount({}))] }),
    ).checks.find((x) => x.id === 'pod-env');
    expect(c?.detail).toMatch(
      /lacks AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: the SDK finds no web identity/,
    );
    expect(c?.fix).toBe(
      're-create the pod: irsa delete pod s3-reader -n production, then irsa apply -f <its manifest>',
    );
  });
});
