/**
 * deploy/webhook renders (`kubectl kustomize`) into objects that fit together: the kinds, the
 * MutatingWebhookConfiguration as upstream ships it (failurePolicy Ignore, the opt-out
 * objectSelector, CREATE pods v1, sideEffects None) plus v1 reviews and cert-manager CA
 * injection, and a Service whose port and path reach the port the Deployment's args serve.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const BASE = fileURLToPath(new URL('../deploy/webhook/', import.meta.url));

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const hasKubectl = kubectlAvailable();
if (!hasKubectl)
  console.warn('webhook-manifests: kubectl is not installed; skipping the kustomize tests');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function render(dir: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

function byKind(objs: Obj[], kind: string): Obj {
  const found = objs.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Obj;
}

/** `--flag value` or `--flag=value` in an args list. */
function arg(args: string[], flag: string): string | undefined {
  for (const [i, a] of args.entries()) {
    if (a === flag) return args[i + 1];
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
  }
  return undefined;
}

describe.skipIf(!hasKubectl)('deploy/webhook (kubectl kustomize)', () => {
  const objs = hasKubectl ? render(BASE) : [];
  const deployment = () => byKind(objs, 'Deployment');
  const container = () => deployment().spec.template.spec.containers[0] as Obj;
  const webhook = () => byKind(objs, 'MutatingWebhookConfiguration').webhooks[0] as Obj;

  it('has the expected kinds and no Namespace object', () => {
    expect(objs.map((o) => o.kind).sort()).toEqual(
      [
        'Certificate',
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Issuer',
        'MutatingWebhookConfiguration',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it('configures the webhook as upstream ships it, speaking v1', () => {
    const w = webhook();
    expect(w.name).toBe('pod-identity-webhook.amazonaws.com');
    expect(w.failurePolicy).toBe('Ignore');
    expect(w.sideEffects).toBe('None');
    expect(w.admissionReviewVersions).toEqual(['v1', 'v1beta1']);
    expect(w.objectSelector).toEqual({
      matchExpressions: [
        { key: 'eks.amazonaws.com/skip-pod-identity-webhook', operator: 'DoesNotExist' },
      ],
    });
    expect(w.rules).toEqual([
      {
        operations: ['CREATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: 'Namespaced',
      },
    ]);
    expect(w.namespaceSelector).toBeUndefined();
  });

  it('injects the CA of the Certificate that the Deployment serves', () => {
    const cert = byKind(objs, 'Certificate');
    const mwc = byKind(objs, 'MutatingWebhookConfiguration');
    expect(mwc.metadata.annotations['cert-manager.io/inject-ca-from']).toBe(
      `${cert.metadata.namespace}/${cert.metadata.name}`,
    );
    expect(cert.spec.issuerRef).toEqual({
      name: byKind(objs, 'Issuer').metadata.name,
      kind: 'Issuer',
    });
    const svc = byKind(objs, 'Service');
    expect(cert.spec.dnsNames).toContain(`${svc.metadata.name}.${svc.metadata.namespace}.svc`);
    const volume = deployment().spec.template.spec.volumes.find((v: Obj) => v.secret);
    expect(volume.secret.secretName).toBe(cert.spec.secretName);
    const mount = container().volumeMounts.find((m: Obj) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
    for (const flag of ['--tls-cert', '--tls-key']) {
      expect(arg(container().args, flag)?.startsWith(`${mount.mountPath}/`)).toBe(true);
    }
  });

  it('routes the webhook through the Service to the port the Deployment serves /mutate on', () => {
    const svc = byKind(objs, 'Service');
    const ref = webhook().clientConfig.service;
    expect(ref).toMatchObject({
      name: svc.metadata.name,
      namespace: svc.metadata.namespace,
      path: '/mutate',
    });
    const servicePort = svc.spec.ports.find((p: Obj) => p.port === ref.port);
    expect(servicePort, `service port ${ref.port}`).toBeDefined();
    const c = container();
    const target =
      typeof servicePort.targetPort === 'number'
        ? servicePort.targetPort
        : c.ports.find((p: Obj) => p.name === servicePort.targetPort)?.containerPort;
    expect(c.args.slice(0, 2)).toEqual(['webhook', 'serve']);
    expect(arg(c.args, '--port')).toBe(String(target));
    expect(arg(c.args, '--port')).toBe('8443');
    const metrics = c.ports.find((p: Obj) => p.name === 'metrics');
    expect(arg(c.args, '--metrics-port')).toBe(String(metrics.containerPort));
    expect(arg(c.args, '--metrics-port')).toBe('9999');
    const tpl = deployment().spec.template;
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(tpl.metadata.labels[k]).toBe(v);
  });

  it('probes /healthz over HTTPS, runs non-root and read-only, with resources', () => {
    const c = container();
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    }
    expect(c.image).toBe('ghcr.io/irsakit/irsakit:0.1.0');
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment().spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
  });

  it('runs 2 replicas under a PodDisruptionBudget, and skips its own pods', () => {
    const d = deployment();
    expect(d.spec.replicas).toBe(2);
    const pdb = byKind(objs, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) {
      expect(d.spec.template.metadata.labels[k]).toBe(v);
    }
    expect(d.spec.template.metadata.labels).toHaveProperty(
      'eks.amazonaws.com/skip-pod-identity-webhook',
    );
  });

  it('grants read access to ServiceAccounts only, to the Deployment’s ServiceAccount', () => {
    expect(byKind(objs, 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] },
    ]);
    const sa = byKind(objs, 'ServiceAccount');
    expect(byKind(objs, 'ClusterRoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace },
    ]);
    expect(deployment().spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
  });

  it('the watch-config-map component adds ConfigMap access and the flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-kustomize-'));
    try {
      const base = relative(dir, BASE);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `resources: [${base}]\ncomponents: [${join(base, 'components/watch-config-map')}]\n`,
      );
      const withCm = render(dir);
      expect(byKind(withCm, 'Role').rules).toEqual([
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['pod-identity-webhook'],
          verbs: ['get', 'list', 'watch'],
        },
      ]);
      expect(byKind(withCm, 'RoleBinding').subjects[0]).toMatchObject({
        kind: 'ServiceAccount',
        name: 'pod-identity-webhook',
      });
      const c = byKind(withCm, 'Deployment').spec.template.spec.containers[0] as Obj;
      expect(c.args).toContain('--watch-config-map');
      expect(arg(c.args, '--namespace')).toBe('$(POD_NAMESPACE)');
      expect(c.env).toEqual([
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
